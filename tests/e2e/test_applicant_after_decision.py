"""The applicant's door after the decision, in Chromium on a phone (390 px) and a desktop
(1366 px): a BK applicant appeals (FR.AK.04) and follows the appeal while the head of quality
decides it in the admin; a certificate holder reports surveillance and asks for
re-certification while the secretariat checks both in the admin (seed 2.10–2.12).

The starting state (a BK case, a certified holder with an account) is built with the workflow
service (world.py); the later years are reached by moving the portal's clock."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from portal import clock
from portal.models import Case
from portal.rules.certificates import add_months
from portal.rules.vocabulary import CaseStatus
from portal.rules.workflow import APPEAL_QUESTIONS

from .helpers import (
    applicant_sign_in,
    apply_action,
    complete_the_draft,
    expect_status,
    log_in,
    menu,
    next_step,
    open_case,
    shot,
    staff_context,
)
from .test_certification_flow import judge_every_attachment
from .world import QUALITY_HEAD, SECRETARIAT, Live, new_nik, unique

pytestmark = pytest.mark.e2e
S = CaseStatus


def holder(live: Live, prefix: str, width: int) -> tuple[int, str, str, str]:
    """An applicant record with an account to sign in with and one application for DEMO-LP:
    (case id, registration number, e-mail, name)."""
    name = unique(prefix)
    email = f"{prefix.split()[-1].lower()}{width}-{new_nik()[-4:]}@example.org"
    applicant_id = live.new_applicant(name)
    live.new_account(applicant_id, email)
    [case_id] = live.new_cases([applicant_id])
    with live.session() as s:
        return case_id, s.get(Case, case_id).reg_number, email, name


def moved_to(live: Live, day: date):  # noqa: ANN201 (a context manager)
    """The portal's clock (the served app's too: same process) moved on to `day`."""
    return clock.moved_by(timedelta(days=(day - live.today).days))


@pytest.mark.parametrize(("width", "outcome"), [(390, "upheld"), (1366, "rejected")])
def test_a_bk_applicant_appeals_and_sees_the_outcome(
    page: Page, live: Live, width: int, outcome: str
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    case_id, reg_number, email, _name = holder(live, "Asesi Banding", width)
    (_k, _passed), (bk_id, bk_unit) = live.units_of(case_id)
    live.to_decided([case_id], "asesor2", bk_units=[bk_id])

    # the applicant sees the BK decision per unit and appeals it (FR.AK.04)
    applicant_sign_in(page, email)
    card = page.locator(".application-card", has_text=reg_number)
    expect(card.locator(".case-status")).to_have_text(live.text("Not yet competent (BK)"))
    card.locator("h2 a").click()
    expect(page.locator("#unit-results li", has_text=bk_unit)).to_contain_text("BK")
    page.locator(f"a[href$='/permohonan/{case_id}/banding']").click()
    expect(page.locator("h1")).to_have_text(live.text("Appeal (FR.AK.04)"))
    page.locator("#appeal-form button[type=submit]").click()  # nothing answered: told, not sent
    expect(page.locator("#appeal-form .invalid-feedback").first).to_be_visible()
    for question in APPEAL_QUESTIONS:
        page.locator(f"#appeal-form input[name={question}][value=yes]").check()
    page.locator("#reason").fill("Bukti portofolio laporan kerja belum dipertimbangkan.")
    shot(page, f"applicant-appeal-{width}")
    page.locator("#appeal-form button[type=submit]").press("Enter")  # see the journey's note
    expect(page.locator(".alert-success")).to_contain_text(live.text("Your appeal is recorded."))
    expect(page.locator("#application-status")).to_contain_text(live.text("Appeal received"))
    appeal = page.locator("section.appeal")
    expect(appeal.locator(".appeal-status")).to_have_text(live.text("Pending"))
    expect(appeal).to_contain_text("Bukti portofolio laporan kerja")
    expect(page.locator("a[href$='/banding']")).to_have_count(0)
    shot(page, f"applicant-appeal-received-{width}")

    # the head of quality (neither the asesor nor the decider) decides it in the admin
    reason = (
        "Bukti tambahan relevan; unit BK diases ulang."
        if outcome == "upheld"
        else "Bukti yang diajukan sudah dipertimbangkan asesor; keputusan BK tetap."
    )
    staff = staff_context(page, live)
    admin = staff.new_page()
    log_in(admin, QUALITY_HEAD)
    open_case(admin, reg_number)
    next_step(admin, "decide_appeal")
    admin.locator(f"input[name=outcome][value={outcome}]").check()
    admin.locator("#reason").fill(reason)
    apply_action(admin)
    expect_status(admin, live, S.READY_FOR_ASSESSMENT if outcome == "upheld" else S.CLOSED)
    staff.close()

    # the applicant sees the outcome, its reason and what happens now
    page.reload()
    expect(appeal.locator(".appeal-status")).to_have_text(
        live.text("Upheld" if outcome == "upheld" else "Rejected")
    )
    expect(appeal.locator(".appeal-decision")).to_have_text(reason)
    expect(page.locator("#application-status")).to_contain_text(
        live.text("Assessment planned" if outcome == "upheld" else "Closed")
    )
    shot(page, f"applicant-appeal-{outcome}-{width}")


@pytest.mark.parametrize("width", [390, 1366])
def test_a_holder_reports_surveillance_and_asks_for_recertification(
    page: Page, live: Live, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    case_id, _reg, email, name = holder(live, "Pemegang Sertifikat", width)
    live.to_certified([case_id], "asesor2")
    with live.session() as s:
        certificate = s.get(Case, case_id).certificate
        number, issued_on, expires_on = (
            certificate.number,
            certificate.issued_on,
            certificate.expires_on,
        )
    placement = unique("Perpustakaan Umum Kota Depok")

    # a year on, the first surveillance report is due: the holder sends it
    with moved_to(live, add_months(issued_on, 12)):
        applicant_sign_in(page, email)
        card = page.locator(".certificate-card", has_text=number)
        expect(card).to_contain_text(live.text("Your yearly surveillance report is due."))
        expect(card.locator(".recertify-button")).to_have_count(0)  # not within the horizon
        card.locator("a[href$='/surveilan']").click()
        expect(page.locator("h1")).to_have_text(live.text("Surveillance report"))
        page.locator("#placement").fill(placement)
        page.locator("#duties").fill("Mengelola layanan sirkulasi dan katalogisasi koleksi.")
        page.locator("#surveillance-form input[name=job_fit][value=sesuai]").check()
        page.locator("#evidence").fill("Surat tugas kepala perpustakaan")
        shot(page, f"applicant-surveillance-{width}")
        page.locator("#surveillance-form button[type=submit]").press("Enter")
        expect(page).to_have_url(re.compile(r"/asesi/$"))
        expect(page.locator(".alert-success")).to_contain_text(
            live.text("Your surveillance report is recorded.")
        )
        expect(card).not_to_contain_text(live.text("Your yearly surveillance report is due."))

        # the secretariat finds it in the surveillance list, for that certificate
        staff = staff_context(page, live)
        admin = staff.new_page()
        log_in(admin, SECRETARIAT)
        menu(admin, "/admin/surveillance/")
        row = admin.locator("table.model-list tbody tr", has_text=placement)
        expect(row).to_contain_text(number)
        expect(row).to_contain_text(live.text("Fits the job"))
        staff.close()

    # three months before expiry: the holder asks for re-certification and submits it
    with moved_to(live, add_months(expires_on, -3)):
        page.goto("/asesi/")
        card.locator(".recertify-button").click()
        expect(page.locator(".alert-success")).to_contain_text(
            live.text("Your re-certification application is started. Complete and submit it.")
        )
        expect(page.locator("#application-status")).to_contain_text(live.text("Not sent yet"))
        expect(page.locator("#renews")).to_contain_text(number)
        expect(page.locator("#purpose option:checked")).to_have_text(live.text("Sertifikasi ulang"))
        expect(page.locator("#draft-form input[name=units]:checked")).to_have_count(
            len(live.units_of(case_id))
        )
        complete_the_draft(page, name, "foto-baru.png")
        shot(page, f"applicant-recertification-draft-{width}")
        page.locator("#submit-application").click()
        expect(page.locator("#application-status")).to_contain_text(
            live.text("Sent: the secretariat is checking it")
        )
        new_reg = page.locator("h1 + p").inner_text().strip()

        # the secretariat sees an online re-certification, judges the documents and verifies
        staff = staff_context(page, live)
        admin = staff.new_page()
        log_in(admin, SECRETARIAT)
        open_case(admin, new_reg)
        expect(admin.locator("#case-online")).to_be_visible()
        facts = admin.locator("#case-status").locator("xpath=ancestor::section")
        expect(facts).to_contain_text(live.text("Sertifikasi ulang"))
        judge_every_attachment(admin)
        next_step(admin, "verify")
        apply_action(admin)
        expect_status(admin, live, S.VERIFIED)
        staff.close()

        page.reload()
        expect(page.locator("#application-status")).to_contain_text(
            live.text("Accepted: waiting for your self-assessment")
        )
        page.goto("/asesi/")
        expect(page.locator(".application-card", has_text=new_reg)).to_be_visible()
        expect(card.locator(".renewal a")).to_have_text(new_reg)  # instead of asking again
        expect(card.locator(".recertify-button")).to_have_count(0)
        shot(page, f"applicant-recertification-home-{width}")

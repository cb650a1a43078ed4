"""The applicant's own door in Chromium, on a phone (390 px) and a desktop (1366 px): register,
confirm by the link in the e-mail received over SMTP, fill in FR.APL.01, apply for a schedule with
uploads, be returned by the secretariat in the admin, correct and resubmit; self-assess per KUK,
see the schedule, the asesor and the badge, the decision, download the certificate and check it
on /verifikasi, while the staff do their part in the admin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.worker.delivery import deliver_due
from tests.mail import _free_port, _Handler

from .helpers import (
    apply_action,
    complete_the_draft,
    log_in,
    log_out,
    next_step,
    open_case,
    shot,
    small_pdf,
    staff_context,
    upload_as_applicant,
)
from .test_certification_flow import (
    judge_every_attachment,
    plan_assessment,
    recommend_decide_and_issue,
)
from .world import SECRETARIAT, Live, new_nik, unique

pytestmark = pytest.mark.e2e
PASSWORD = "kopi-tubruk-pagi-hari"


@pytest.fixture
def smtp(live: Live):
    """A real SMTP server on loopback that the portal's delivery code sends to."""
    handler = _Handler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    live.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield handler
    controller.stop()


def deliver(live: Live, handler: _Handler, to: str) -> str:
    """Run the worker's delivery of what is due, and return the link in the message to `to`."""
    with live.app.app_context():
        deliver_due(db.session, live.app.config)
        db.session.remove()
    (message,) = [m for m in handler.messages if m["To"] == to]
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/asesi/\S+", text).group(0)


@pytest.mark.parametrize("width", [390, 1366])
def test_register_confirm_apply_be_returned_and_resubmit(
    page: Page, live: Live, smtp: _Handler, width: int
):
    page.set_viewport_size({"width": width, "height": 900})
    name = unique("Asesi Daring")
    email = f"asesi{width}-{new_nik()[-4:]}@example.org"

    page.goto("/jadwal")
    page.locator(".apply-button").first.click()  # "Daftar": sign in or register first
    expect(page).to_have_url(re.compile(r"/asesi/masuk"))
    page.locator("a[href='/asesi/daftar']").last.click()
    page.locator("#full_name").fill(name)
    page.locator("#nik").fill(new_nik())
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    shot(page, f"applicant-register-{width}")
    page.locator("#register-form button[type=submit]").click()
    expect(page.locator("#sent-message")).to_be_visible()

    page.goto(deliver(live, smtp, email))
    expect(page.locator(".alert-success")).to_be_visible()
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#sign-in-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/asesi/$"))

    page.goto("/asesi/profil")
    page.locator("#birth_place").fill("Jakarta")
    page.locator("#birth_date").fill("2001-01-01")
    page.locator("#sex-0").check()
    page.locator("#address").fill("Jl. Salemba Raya No. 28A")
    page.locator("#phone").fill("0812 3456 7890")
    page.locator("#education_level").select_option("S1")
    page.locator("#library_field").check()
    page.locator("#experience_months").fill("24")
    shot(page, f"applicant-profile-{width}")
    # Enter on the button: at 390 px a click right after a full-page screenshot (E2E_SCREENSHOTS)
    # lands while Chromium restores the viewport, and the form is not sent
    page.locator("#profile-form button[type=submit]").press("Enter")
    expect(page.locator(".alert-success")).to_be_visible()

    page.goto("/jadwal")
    page.locator(".apply-button").first.click()
    page.locator("#start-application").click()
    expect(page.locator("#draft-form")).to_be_visible()
    complete_the_draft(page, name, "foto.png")
    shot(page, f"applicant-draft-{width}")
    page.locator("#submit-application").click()
    expect(page.locator("#application-status")).to_contain_text("Terkirim")
    reg_number = page.locator("h1 + p").inner_text().strip()

    # the secretariat returns it in the admin
    staff = staff_context(page, live)
    admin = staff.new_page()
    log_in(admin, SECRETARIAT)
    open_case(admin, reg_number)
    expect(admin.locator("#case-online")).to_be_visible()
    next_step(admin, "return")
    admin.locator("#reason").fill("Ijazah tidak terbaca; unggah ulang.")
    apply_action(admin)
    log_out(admin)
    staff.close()

    page.reload()
    expect(page.locator("#application-status")).to_contain_text("Dikembalikan")
    expect(page.locator("#return-reason")).to_contain_text("Ijazah tidak terbaca")
    upload_as_applicant(page, "ijazah", "ijazah-jelas.pdf", "application/pdf", small_pdf("Jelas"))
    page.locator("#submit-application").click()
    expect(page.locator("#application-status")).to_contain_text("Terkirim")
    shot(page, f"applicant-resubmitted-{width}")

    # the secretariat sees what changed, judges the documents and verifies
    staff = staff_context(page, live)
    admin = staff.new_page()
    log_in(admin, SECRETARIAT)
    open_case(admin, reg_number)
    expect(admin.locator("#resubmission-changes")).to_contain_text("ijazah-jelas.pdf")
    judge_every_attachment(admin)
    next_step(admin, "verify")
    apply_action(admin)

    # FR.APL.02: K/BK and evidence per KUK
    page.reload()
    page.locator("a[href$='/asesmen-mandiri']").click()
    answers = page.locator("#self-assessment-form .kuk")
    expect(answers.first).to_be_visible()
    for index in range(answers.count()):
        answer = answers.nth(index)
        answer.locator("input[type=radio][value=K]").check()
        answer.locator("input[type=text]").fill("Ijazah dan portofolio kegiatan")
    shot(page, f"applicant-self-assessment-{width}")
    page.locator("#self-assessment-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#application-status")).to_contain_text("Asesmen mandiri")

    # the schedule, the asesor and the badge once the assessment is planned
    units = [code for _id, code in live.units_of(live.case_id(reg_number))]
    plan_assessment(admin, live, reg_number, units)
    page.reload()
    expect(page.locator("dl")).to_contain_text(live.assessor_of("asesor1")[1])
    with page.expect_download() as badge:
        page.locator("a[href$='/kartu-peserta.pdf']").click()
    assert Path(badge.value.path()).read_bytes().startswith(b"%PDF-")
    shot(page, f"applicant-planned-{width}")

    # the decision per unit, the certificate, and its check on /verifikasi
    recommend_decide_and_issue(admin, live, reg_number, units)
    staff.close()
    page.reload()
    expect(page.locator("#unit-results")).to_contain_text("K")
    with page.expect_download() as certificate:
        page.locator("a[href$='/sertifikat.pdf']").click()
    assert Path(certificate.value.path()).read_bytes().startswith(b"%PDF-")
    shot(page, f"applicant-certified-{width}")
    page.locator("a[href^='/verifikasi?nomor=']").click()
    page.locator("#nama").fill(name)
    page.locator("form:has(#nomor) button[type=submit]").click()
    expect(page.locator("main .card.border-success")).to_contain_text(name)
    shot(page, f"applicant-verified-{width}")

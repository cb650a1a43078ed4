"""A new application to a verified certificate, a BK case through appeal and re-assessment, and
a decision meeting recorded by the chair: each step clicked by the role that takes it (seed
2.2–2.10)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.rules.vocabulary import CERTIFICATE_STATUS_LABELS, CaseStatus, CertificateStatus

from .helpers import (
    apply_action,
    click_to_load,
    expect_status,
    log_in,
    log_out,
    menu,
    next_step,
    open_case,
    save_form,
    select2,
    shot,
    small_pdf,
    small_png,
    type_date,
    unit_row,
)
from .world import CERT_HEAD, CHAIR, QUALITY_HEAD, SECRETARIAT, Live, new_nik, unique

pytestmark = pytest.mark.e2e

S = CaseStatus


def create_applicant(page: Page, full_name: str, nik: str) -> None:
    """The secretariat registers an applicant (FR.APL.01 part 1) through the create form."""
    menu(page, "/admin/applicant/")
    click_to_load(page, page.locator(".nav-tabs a[href^='/admin/applicant/new/']"))
    page.locator("#nik").fill(nik)
    page.locator("#full_name").fill(full_name)
    page.locator("#birth_place").fill("Jakarta")
    type_date(page, "birth_date", "2001-01-01")
    select2(page, "sex", "Laki")
    page.locator("#address").fill("Jl. Salemba Raya No. 28A, Jakarta Pusat")
    page.locator("#phone").fill("0812 3456 7890")
    select2(page, "education_level", "S1")
    page.locator("#education_major").fill("Ilmu Perpustakaan")
    page.locator("#library_field").check()
    save_form(page)
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/admin/applicant/(\?.*)?$"))


def create_case(page: Page, live: Live, applicant: str) -> str:
    """The secretariat opens an application for the applicant; returns its registration number."""
    menu(page, "/admin/case/")
    click_to_load(page, page.locator(".nav-tabs a[href^='/admin/case/new/']"))
    select2(page, "applicant", applicant)  # an ajax look-up: type part of the name, pick
    select2(page, "scheme", "DEMO-LP")
    select2(page, "chosen_units", "DEMO.LP01.001.01")
    select2(page, "chosen_units", "DEMO.LP01.003.01")
    page.locator("#declaration_signed").check()
    page.locator("#declaration_name").fill(applicant)
    type_date(page, "declaration_date", live.today.isoformat())
    shot(page, "case-form")
    save_form(page)
    expect(page.locator(".alert-danger")).to_have_count(0)
    open_case(page, applicant)
    heading = page.locator("#case-status").locator("xpath=preceding::h1[1]").inner_text()
    return heading.split("·")[0].strip()


def upload(page: Page, kind: str, name: str, mime: str, content: bytes) -> None:
    """Attach a file from the case page's upload form."""
    page.locator("#attachment-kind").select_option(kind)
    page.locator("#attachment-file").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}]
    )
    click_to_load(page, page.locator("form:has(#attachment-file) button[type=submit]"))
    expect(page.locator("#attachments a", has_text=name)).to_be_visible()


def judge_every_attachment(page: Page) -> None:
    """Record "present" and "adequate" on each current attachment, one form at a time."""
    forms = page.locator("#attachments form[action$='/penilaian']")
    for index in range(forms.count()):
        form = forms.nth(index)
        form.locator("input[name=present][value='1']").check()
        form.locator("input[name=adequate][value='1']").check()
        form.locator("input[name=note]").fill(f"Sesuai asli ({index + 1})")
        click_to_load(page, form.locator("button[type=submit]"))
        expect(
            page.locator("#attachments td", has_text=f"Sesuai asli ({index + 1})")
        ).to_be_visible()


def plan_assessment(page: Page, live: Live, reg_number: str, units: list[str]) -> None:
    """The head of certification assigns an asesor; the asesor pre-assesses (seed 2.6)."""
    assessor_id, assessor_name = live.assessor_of("asesor1")
    log_in(page, CERT_HEAD)
    open_case(page, reg_number)
    next_step(page, "assign_assessor")
    page.locator(f"input[name=assessor_id][value='{assessor_id}']").check()
    type_date(page, "assessment_date", (live.today + timedelta(days=7)).isoformat())
    apply_action(page)
    expect(page.locator("#case-status").locator("xpath=ancestor::section")).to_contain_text(
        assessor_name
    )

    # the asesor pre-assesses: methods per unit, TUK, date, FR.AK.01 agreement
    log_in(page, "asesor1")
    open_case(page, reg_number)
    next_step(page, "pre_assess")
    page.locator("#tuk_id").select_option(index=0)
    type_date(page, "assessment_date", live.today.isoformat())
    page.locator("#assessment_time").fill("09:00")
    page.locator("#tools").fill("FR.IA.01 ceklis observasi; FR.IA.07 pertanyaan lisan")
    page.locator("#agreement_confirmed").check()
    for code in units:
        for method in ("observasi", "lisan"):
            unit_row(page, code).locator(f"input[name$='__methods'][value={method}]").check()
    shot(page, "action-form-pre-assessment")
    apply_action(page)
    expect_status(page, live, S.READY_FOR_ASSESSMENT)


def recommend_decide_and_issue(page: Page, live: Live, reg_number: str, units: list[str]) -> None:
    """The asesor recommends K per unit (FR.AK.02); the chair decides in today's meeting,
    following the asesor, and issues the certificate (seed 2.8–2.9)."""
    log_in(page, "asesor1")
    open_case(page, reg_number)
    next_step(page, "recommend")
    for code in units:
        unit_row(page, code).locator("select[name$='__verdict']").select_option("K")
    apply_action(page)
    expect_status(page, live, S.ASSESSED)

    log_in(page, CHAIR)
    open_case(page, reg_number)
    next_step(page, "decide")
    page.locator("#meeting_id").select_option(label=live.meeting[1])
    apply_action(page)
    expect_status(page, live, S.COMPETENT)
    next_step(page, "issue")
    apply_action(page)
    expect_status(page, live, S.CERTIFIED)


def test_a_new_application_reaches_a_verified_certificate(page: Page, live: Live) -> None:
    applicant = unique("Ratna Kusuma")
    log_in(page, SECRETARIAT)
    create_applicant(page, applicant, new_nik())
    reg_number = create_case(page, live, applicant)
    case_id = live.case_id(reg_number)
    units = [code for _id, code in live.units_of(case_id)]
    assert units == ["DEMO.LP01.001.01", "DEMO.LP01.003.01"]

    # 2.2 attachments and submission
    upload(page, "photo", "pas-foto.png", "image/png", small_png())
    upload(page, "ijazah", "ijazah-s1.pdf", "application/pdf", small_pdf("Ijazah S1"))
    shot(page, "case-page-draft")
    next_step(page, "submit")
    apply_action(page)
    expect_status(page, live, S.SUBMITTED)

    # 2.3 the secretariat judges each attachment, then verifies
    judge_every_attachment(page)
    next_step(page, "verify")
    apply_action(page)
    expect_status(page, live, S.VERIFIED)

    # 2.4–2.5 self-assessment (FR.APL.02), K with evidence per unit
    next_step(page, "record_self_assessment")
    for code in units:
        row = unit_row(page, code)
        row.locator("select[name$='__verdict']").select_option("K")
        row.locator("input[name$='__evidence']").fill("Portofolio kegiatan layanan")
    shot(page, "action-form-self-assessment")
    apply_action(page)
    expect_status(page, live, S.SELF_ASSESSED)

    plan_assessment(page, live, reg_number, units)
    recommend_decide_and_issue(page, live, reg_number, units)
    certificate = page.locator("#case-status").locator("xpath=ancestor::section")
    number = certificate.locator("a[href*='/admin/certificate/details/']").inner_text().strip()
    assert number.endswith(f"/DEMO-LP/{live.today.year}")
    shot(page, "case-page-certified")

    download_certificate(page)
    verify_publicly(page, live, number, applicant)


def download_certificate(page: Page) -> None:
    """Download the certificate's PDF from the case page's documents card."""
    link = page.locator("#case-documents a[href*='/documents/certificates/'][href$='.pdf']")
    with page.expect_download() as waiting:
        link.click()
    download = waiting.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")


def verify_publicly(page: Page, live: Live, number: str, holder: str) -> None:
    """Anyone can check the certificate on /verifikasi by its number and the holder's name."""
    log_out(page)
    click_to_load(page, page.locator("nav a[href='/verifikasi']"))
    page.locator("#nomor").fill(number)
    page.locator("#nama").fill(holder)
    click_to_load(page, page.locator("form:has(#nomor) button[type=submit]"))
    found = page.locator("main .card.border-success")
    expect(found.locator(".card-header strong")).to_have_text(
        live.text(CERTIFICATE_STATUS_LABELS[CertificateStatus.ACTIVE])
    )
    expect(found.locator("dd.h5")).to_have_text(holder)
    expect(found).to_contain_text(number)
    shot(page, "public-verification")


def test_a_bk_case_goes_through_appeal_and_reassessment(page: Page, live: Live) -> None:
    applicant = unique("Bayu Pamungkas")
    [case_id] = live.new_cases([live.new_applicant(applicant)])
    live.to_ready_for_assessment([case_id], "asesor2")
    (_a, passed_unit), (_b, bk_unit) = live.units_of(case_id)

    # the asesor recommends K for one unit, BK with a follow-up note for the other
    log_in(page, "asesor2")
    open_case(page, applicant)
    next_step(page, "recommend")
    unit_row(page, passed_unit).locator("select[name$='__verdict']").select_option("K")
    bk = unit_row(page, bk_unit)
    bk.locator("select[name$='__verdict']").select_option("BK")
    bk.locator("input[name$='__note']").fill("Perlu latihan menyusun laporan kerja")
    apply_action(page)
    expect_status(page, live, S.ASSESSED)

    # the chair decides in the meeting, following the recommendation: BK
    log_in(page, CHAIR)
    open_case(page, applicant)
    next_step(page, "decide")
    page.locator("#meeting_id").select_option(str(live.meeting[0]))
    apply_action(page)
    expect_status(page, live, S.NOT_YET_COMPETENT)

    # the secretariat records the appeal (FR.AK.04)
    log_in(page, SECRETARIAT)
    open_case(page, applicant)
    next_step(page, "appeal")
    page.locator("#reason").fill("Bukti portofolio laporan kerja belum dipertimbangkan.")
    for question in ("process_explained", "discussed_with_assessor", "involved_others"):
        page.locator(f"input[name={question}][value='1']").check()
    shot(page, "action-form-appeal")
    apply_action(page)
    expect_status(page, live, S.APPEALED)

    # the head of quality (neither asesor nor decider) upholds it: the BK unit is re-assessed
    log_in(page, QUALITY_HEAD)
    open_case(page, applicant)
    next_step(page, "decide_appeal")
    page.locator("input[name=outcome][value=upheld]").check()
    page.locator("#reason").fill("Bukti tambahan relevan; unit BK diases ulang.")
    apply_action(page)
    expect_status(page, live, S.READY_FOR_ASSESSMENT)
    assert live.reassessments(case_id) == {passed_unit: 0, bk_unit: 1}
    expect(page.locator("#case-units tr", has_text=bk_unit)).to_contain_text("1 / 3")

    # the asesor re-assesses the BK unit: K; the chair decides: competent
    log_in(page, "asesor2")
    open_case(page, applicant)
    next_step(page, "recommend")
    for select in page.locator("form[action*='/act/'] select[name$='__verdict']").all():
        select.select_option("K")
    apply_action(page)
    expect_status(page, live, S.ASSESSED)

    log_in(page, CHAIR)
    open_case(page, applicant)
    next_step(page, "decide")
    page.locator("#meeting_id").select_option(str(live.meeting[0]))
    apply_action(page)
    expect_status(page, live, S.COMPETENT)
    expect(page.locator("#case-units .badge", has_text="BK")).to_have_count(0)
    expect(page.locator("#case-timeline li")).to_have_count(11)


def test_the_chair_records_a_decision_meeting_with_its_attendees(page: Page, live: Live) -> None:
    """A meeting held today, with an attendee added with the inline form's "add" button; its
    edit form shows the attendee again."""
    place = unique("Ruang rapat Salemba")
    log_in(page, CHAIR)
    menu(page, "/admin/decision_meeting/")
    click_to_load(page, page.locator(".nav-tabs a[href^='/admin/decision_meeting/new/']"))
    type_date(page, "held_on", live.today.isoformat())
    page.locator("#place").fill(place)
    select2(page, "chair", "Hendra")
    page.locator("#attendees-button").click()  # Flask-Admin's "add" of an inline row
    select2(page, "attendees-0-user", "Rina")
    page.locator("#attendees-0-position").fill("Sekretariat")
    page.locator("#minutes").fill("Rapat pleno keputusan sertifikasi.")
    shot(page, "meeting-form")
    save_form(page)
    expect(page.locator(".alert-danger")).to_have_count(0)
    row = page.locator("table.model-list tbody tr", has_text=place)
    click_to_load(page, row.locator("a[href*='/admin/decision_meeting/edit/']"))
    expect(page.locator("#attendees-0-position")).to_have_value("Sekretariat")

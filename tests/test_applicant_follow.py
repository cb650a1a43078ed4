"""After submitting: a returned application corrected and resubmitted, FR.APL.02 filled in by
the applicant, the badge once planned, a BK appealed within the window; the staff's part goes
through the same service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select, update

from portal import clock
from portal.casework import apply
from portal.extensions import db
from portal.models import Appeal, Attachment, AuditEvent, Case, CaseUnit, Element, Kuk, KukAnswer
from tests.applicant_world import (
    JPEG,
    PDF,
    PROFILE,
    browser,
    fill_profile,
    make_account,
    make_certificate,
    make_schedule,
    post,
    sign_in,
    upload,
)
from tests.conftest import login, make_user
from tests.test_action_forms import yes_no_radios


@pytest.fixture
def client(app):
    return browser(app)


@pytest.fixture
def submitted(app, client, catalogue) -> Case:
    """An application the applicant submitted online, and the secretariat."""
    account = make_account("rina@example.org")
    sign_in(client, account.email)
    fill_profile(client)
    schedule = make_schedule(catalogue)
    page = f"/asesi/jadwal/{schedule.id}"
    case_id = int(post(client, page, page).headers["Location"].rsplit("/", 1)[1])
    page = f"/asesi/permohonan/{case_id}"
    units = [str(u.id) for u in catalogue["units"]]
    post(client, page, page, units=units, purpose="sertifikasi", declaration_name="Rina")
    upload(client, case_id, "photo", JPEG, "foto.jpg")
    upload(client, case_id, "ijazah", PDF, "ijazah.pdf")
    post(client, f"/asesi/permohonan/{case_id}/ajukan", page)
    case = db.session.get(Case, case_id)
    assert case.status == "submitted"
    return case


def _set(case: Case, **values) -> None:
    """Test set-up of a later stage (the staff steps in between are tested elsewhere)."""
    db.session.execute(update(Case).where(Case.id == case.id).values(**values))
    db.session.commit()
    db.session.refresh(case)


def test_a_returned_application_is_corrected_and_resubmitted(app, client, submitted):
    secretariat = make_user("sekretariat", "secretariat")
    outcome = apply(db.session, "return", [submitted.id], secretariat, {"reason": "Ijazah buram"})
    assert outcome.done == [submitted.id]
    page = f"/asesi/permohonan/{submitted.id}"
    shown = client.get(page).get_data(as_text=True)
    assert "Returned to you for correction" in shown and "Ijazah buram" in shown

    upload(client, submitted.id, "ijazah", PDF + b"% clearer scan\n", "ijazah-jelas.pdf")
    post(client, "/asesi/profil", "/asesi/profil", **{**PROFILE, "experience_months": "36"})
    post(client, f"/asesi/permohonan/{submitted.id}/ajukan", page)
    db.session.refresh(submitted)
    assert submitted.status == "submitted"
    versions = db.session.scalars(
        select(Attachment.is_current)
        .where(Attachment.case_id == submitted.id, Attachment.kind == "ijazah")
        .order_by(Attachment.id)
    ).all()
    assert versions == [False, True]  # the old one stays on record
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == submitted.id).order_by(AuditEvent.id)
    ).all()
    assert actions.count("submit") == 2 and "return" in actions

    secretariat.locale = "en"
    db.session.commit()
    staff = browser(app)
    login(staff, "sekretariat")
    shown = staff.get(f"/admin/case/details/?id={submitted.id}").get_data(as_text=True)
    changes = shown[shown.index('id="resubmission-changes"') :]
    changes = changes[: changes.index("</section>")]
    assert "Work experience in libraries (months)" in changes
    assert "<td>24</td><td>36</td>" in changes
    assert "ijazah.pdf" in changes and "ijazah-jelas.pdf" in changes
    assert "Photo" not in changes and "Place of birth" not in changes  # unchanged


def test_the_applicant_sees_since_when_the_application_is_in_its_status(client, submitted):
    secretariat = make_user("sekretariat", "secretariat")
    with clock.moved_by(timedelta(days=3)):
        apply(db.session, "return", [submitted.id], secretariat, {"reason": "Ijazah buram"})
        day = clock.today()
    since = f"since {format_date(day, 'long', locale='en')}"
    assert since in client.get("/asesi/").get_data(as_text=True)
    assert since in client.get(f"/asesi/permohonan/{submitted.id}").get_data(as_text=True)


def test_staff_see_the_applicants_own_steps_named_in_the_case_timeline(app, submitted):
    make_user("sekretariat", "secretariat")
    staff = app.test_client()
    login(staff, "sekretariat")
    page = staff.get(f"/admin/case/details/?id={submitted.id}").get_data(as_text=True)
    timeline = page.split('id="case-timeline"', 1)[1].split("</ul>", 1)[0]
    # staff read Indonesian
    assert "online_draft_saved" not in timeline and "Permohonan disimpan daring" in timeline
    assert timeline.count("Rina (Asesi)") == 5  # started, saved, two uploads, submitted
    assert "sistem" not in timeline


def test_the_applicant_fills_in_fr_apl_02_once_verified(client, submitted, catalogue):
    url = f"/asesi/permohonan/{submitted.id}/asesmen-mandiri"
    assert client.get(url).status_code == 404  # not before the verification
    _set(submitted, status="verified")
    first, second = catalogue["units"]
    post(
        client,
        url,
        url,
        **{f"verdict_{first.id}": "K", f"verdict_{second.id}": "K"},
        **{f"evidence_{first.id}": "Sertifikat pelatihan"},
    )
    db.session.refresh(submitted)
    assert submitted.status == "self_assessed"
    answers = db.session.execute(
        select(CaseUnit.unit_id, CaseUnit.self_assessment, CaseUnit.self_evidence)
        .where(CaseUnit.case_id == submitted.id)
        .order_by(CaseUnit.unit_id)
    ).all()
    assert answers == [(first.id, "K", "Sertifikat pelatihan"), (second.id, "K", None)]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "record_self_assessment")
    )
    assert event.account_id is not None and event.user_id is None


def test_fr_apl_02_is_answered_per_kuk_and_the_unit_follows(client, submitted, catalogue):
    first, second = catalogue["units"]  # the second has no KUK recorded: answered as a whole
    element = Element(unit=first, number=1, title="Menyalakan komputer")
    kuks = [Kuk(element=element, number=f"1.{i}", text=f"Kriteria {i}") for i in (1, 2)]
    db.session.add(element)
    db.session.commit()
    _set(submitted, status="verified")
    url = f"/asesi/permohonan/{submitted.id}/asesmen-mandiri"
    form = client.get(url).get_data(as_text=True)
    assert "Kriteria 1" in form and "Kriteria 2" in form
    a, b = (k.id for k in kuks)

    unanswered = post(client, url, url, **{f"kuk_{a}": "K", f"verdict_{second.id}": "K"})
    assert unanswered.status_code == 200  # KUK 1.2 has no answer: nothing is recorded
    db.session.refresh(submitted)
    assert submitted.status == "verified"

    post(
        client,
        url,
        url,
        **{f"kuk_{a}": "K", f"kuk_evidence_{a}": "Ijazah", f"kuk_{b}": "BK"},
        **{f"kuk_evidence_{b}": " Surat tugas ", f"verdict_{second.id}": "K"},
    )
    db.session.refresh(submitted)
    assert submitted.status == "self_assessed"
    answers = db.session.execute(
        select(KukAnswer.kuk_id, KukAnswer.answer, KukAnswer.evidence).order_by(KukAnswer.kuk_id)
    ).all()
    assert answers == [(a, "K", "Ijazah"), (b, "BK", "Surat tugas")]
    units = db.session.execute(
        select(CaseUnit.unit_id, CaseUnit.self_assessment, CaseUnit.self_evidence)
        .where(CaseUnit.case_id == submitted.id)
        .order_by(CaseUnit.unit_id)
    ).all()
    assert units == [(first.id, "BK", "Ijazah; Surat tugas"), (second.id, "K", None)]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "record_self_assessment")
    )
    assert event.data["kuk_answers"] == 2


def test_a_missing_unit_verdict_keeps_what_was_typed(client, submitted, catalogue):
    _set(submitted, status="verified")
    url = f"/asesi/permohonan/{submitted.id}/asesmen-mandiri"
    first = catalogue["units"][0]
    page = post(client, url, url, **{f"evidence_{first.id}": "Portofolio saya"})
    assert page.status_code == 200
    assert "Portofolio saya" in page.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.status == "verified"


def test_the_badge_once_the_assessment_is_planned(client, submitted, catalogue):
    url = f"/asesi/permohonan/{submitted.id}/kartu-peserta.pdf"
    refused = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "A badge is printed once the case is ready for assessment" in refused
    _set(
        submitted,
        status="ready_for_assessment",
        assessor_id=catalogue["assessor"].id,
        assessment_date=clock.today() + timedelta(days=30),
    )
    page = client.get(f"/asesi/permohonan/{submitted.id}").get_data(as_text=True)
    assert "Assessment planned" in page and "Siti Asesor" in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")


def test_a_bk_applicant_appeals_within_the_window(app, client, submitted):
    url = f"/asesi/permohonan/{submitted.id}/banding"
    _set(submitted, status="not_yet_competent", decided_on=clock.today())
    form = client.get(url).get_data(as_text=True)
    for name in ("process_explained", "discussed_with_assessor", "involved_others"):
        assert yes_no_radios(form, name) == ["Yes", "No"], name  # FR.AK.04: radios, not a select
    answers = {
        "process_explained": "yes",
        "discussed_with_assessor": "no",
        "involved_others": "no",
        "reason": "Saya tidak diberi kesempatan menunjukkan portofolio.",
    }
    post(client, url, url, **answers)
    db.session.refresh(submitted)
    assert submitted.status == "appealed"
    appeal = db.session.scalar(select(Appeal).where(Appeal.case_id == submitted.id))
    assert (appeal.process_explained, appeal.discussed_with_assessor) == (True, False)
    page = client.get(f"/asesi/permohonan/{submitted.id}").get_data(as_text=True)
    assert "Appeal received" in page and "Pending" in page
    assert "Saya tidak diberi kesempatan" in page

    # decided by the head of quality: the applicant reads the outcome and its reason
    quality = make_user("mutu", "quality_head")
    inputs = {"outcome": "rejected", "reason": "Portofolio sudah dinilai asesor."}
    assert apply(db.session, "decide_appeal", [submitted.id], quality, inputs).done
    page = client.get(f"/asesi/permohonan/{submitted.id}").get_data(as_text=True)
    assert "Closed" in page and "Rejected" in page
    assert "Portofolio sudah dinilai asesor." in page


def test_an_appeal_after_the_window_is_refused(app, client, submitted):
    url = f"/asesi/permohonan/{submitted.id}/banding"
    window = app.config["APPEAL_WINDOW_DAYS"]
    _set(
        submitted, status="not_yet_competent", decided_on=clock.today() - timedelta(days=window + 1)
    )
    page = post(
        client,
        url,
        url,
        process_explained="yes",
        discussed_with_assessor="yes",
        involved_others="no",
        reason="Terlambat",
    )
    assert "The appeal window closed on" in page.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.status == "not_yet_competent"


def test_the_holder_downloads_the_certificate_and_reports_surveillance(client, submitted):
    from portal.models import SurveillanceReport

    _set(submitted, status="certified")
    today = clock.today()
    cert = make_certificate(
        submitted, issued_on=today - timedelta(days=400), expires_on=today + timedelta(days=700)
    )
    pdf = client.get(f"/asesi/permohonan/{submitted.id}/sertifikat.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    home = client.get("/asesi/").get_data(as_text=True)
    assert "Your yearly surveillance report is due." in home.split("</head>", 1)[1]
    assert "surveillance" not in home.split("</title>", 1)[0]  # the page's title is only a title
    assert "recertify-button" not in home  # expires beyond the horizon

    url = f"/asesi/sertifikat/{cert.id}/surveilan"
    form = client.get(url).get_data(as_text=True)
    assert 'autocomplete="organization"' in form, "the placement field's hint"
    assert 'autocomplete="None"' not in form, "no hint where none is given"
    post(client, url, url, placement="Perpustakaan Daerah", duties="Layanan", job_fit="sesuai")
    report = db.session.scalar(select(SurveillanceReport))
    assert (report.certificate_id, report.placement, report.recorded_by_id) == (
        cert.id,
        "Perpustakaan Daerah",
        None,
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "record_surveillance"))
    assert event.account_id is not None and event.user_id is None


def test_the_holder_asks_for_re_certification_within_the_horizon(client, submitted):
    _set(submitted, status="certified")
    today = clock.today()
    cert = make_certificate(
        submitted, issued_on=today - timedelta(days=1000), expires_on=today + timedelta(days=60)
    )
    assert "recertify-button" in client.get("/asesi/").get_data(as_text=True)
    response = post(client, f"/asesi/sertifikat/{cert.id}/sertifikasi-ulang", "/asesi/")
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    new = db.session.get(Case, new_id)
    assert (new.status, new.purpose, new.previous_certificate_id, new.online) == (
        "draft",
        "sertifikasi_ulang",
        cert.id,
        True,
    )
    certificates = client.get("/asesi/").get_data(as_text=True).split("My certificates", 1)[1]
    assert "recertify-button" not in certificates, "the one under way is shown instead"
    assert f'href="/asesi/permohonan/{new_id}"' in certificates
    again = post(client, f"/asesi/sertifikat/{cert.id}/sertifikasi-ulang", "/asesi/")
    assert again.headers["Location"].endswith("localhost/asesi/"), "back where it was asked"
    assert "A re-certification is already under way" in client.get("/asesi/").get_data(as_text=True)

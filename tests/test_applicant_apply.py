"""An applicant applies online: FR.APL.01 part 1 and 2, attachments checked by content, the
declaration, a saved draft, submit through the workflow; a schedule's seats taken exactly."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.casework import Settings, online
from portal.extensions import db
from portal.models import (
    Applicant,
    ApplicantAccount,
    Attachment,
    AuditEvent,
    Case,
    CaseUnit,
)
from portal.rules.vocabulary import CaseStatus
from tests.applicant_world import (
    JPEG,
    PDF,
    PROFILE,
    browser,
    fill_profile,
    make_account,
    make_schedule,
    new_nik,
    post,
    sign_in,
    upload,
)
from tests.conftest import csrf_token, judged_attachment, login, make_user


@pytest.fixture
def client(app):
    return browser(app)


@pytest.fixture
def applicant(client, catalogue):
    """A signed-in applicant whose personal data is filled in."""
    account = make_account("rina@example.org")
    sign_in(client, "rina@example.org")
    assert fill_profile(client).status_code == 302
    db.session.refresh(account)
    return account


def start(client, schedule) -> Case:
    page = f"/asesi/jadwal/{schedule.id}"
    response = post(client, page, page)
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(Case, case_id)


def test_profile_makes_the_applicant_record_of_the_account(applicant):
    record = db.session.get(Applicant, applicant.applicant_id)
    assert (record.nik, record.full_name, record.email) == (
        applicant.nik,
        applicant.full_name,
        "rina@example.org",
    )
    assert (record.education_level, record.library_field, record.experience_months) == (
        "S1",
        True,
        24,
    )
    assert record.phone == "+6281234567890"


def test_a_record_staff_made_with_the_same_nik_is_not_taken_over(client, catalogue):
    account = make_account("budi@example.org", nik=catalogue["applicant"].nik)
    sign_in(client, account.email)
    page = fill_profile(client).get_data(as_text=True)
    assert "Link it to your account first" in page
    db.session.refresh(account)
    assert account.applicant_id is None


def test_the_schedule_page_offers_daftar_and_starts_a_draft_with_the_cluster_units(
    client, applicant, catalogue
):
    schedule = make_schedule(catalogue)
    assert f"/asesi/jadwal/{schedule.id}" in client.get("/jadwal").get_data(as_text=True)
    case = start(client, schedule)
    assert (case.status, case.online, case.schedule_id) == ("draft", True, schedule.id)
    assert {u.unit_id for u in case.units} == {u.id for u in catalogue["units"]}
    assert start(client, schedule).id == case.id  # the same draft, not a second one


def test_the_basic_requirements_are_shown_with_the_alternative_the_uploads_back(
    client, applicant, catalogue
):
    case = start(client, make_schedule(catalogue))
    page = f"/asesi/permohonan/{case.id}"

    def panel() -> str:
        html = client.get(page).get_data(as_text=True)
        return html[html.index('id="basic-requirements"') : html.index('id="submit-application"')]

    before = panel()  # S1 in library science, 24 months: two alternatives met by the data
    assert before.count("requirement-met") == 2 and before.count("requirement-unmet") == 1
    assert "There is no competency-based library training certificate." in before
    assert "do not meet any alternative yet" in before and "Ijazah (missing)" in before

    upload(client, case.id, "ijazah", PDF, "ijazah.pdf")
    after = panel()
    assert "Your data and documents meet: D2 or higher in library science" in after
    assert "Ijazah (attached)" in after and "Work experience letter (missing)" in after


def test_apply_with_uploads_and_submit(app, client, applicant, catalogue):
    schedule = make_schedule(catalogue)
    case = start(client, schedule)
    page = f"/asesi/permohonan/{case.id}"
    first_unit = catalogue["units"][0].id

    refused = post(client, f"/asesi/permohonan/{case.id}/ajukan", page)
    assert refused.status_code == 302
    shown = client.get(page).get_data(as_text=True)
    assert "The applicant has not signed the declaration." in shown
    db.session.refresh(case)
    assert case.status == "draft"

    saved = post(
        client,
        page,
        page,
        units=str(first_unit),
        purpose="sertifikasi",
        declaration_name="Rina Example",
    )
    assert saved.status_code == 302
    db.session.refresh(case)
    assert [u.unit_id for u in case.units] == [first_unit]
    assert case.declaration_signed and case.declaration_date is not None

    fake = upload(client, case.id, "photo", b"MZ\x90\x00not an image", "foto.jpg")
    assert fake.status_code == 302
    assert "not" in client.get(page).get_data(as_text=True).lower()
    assert upload(client, case.id, "photo", JPEG, "foto.jpg").status_code == 302
    assert upload(client, case.id, "ijazah", PDF, "ijazah.pdf").status_code == 302
    kinds = db.session.scalars(select(Attachment.kind).where(Attachment.case_id == case.id)).all()
    assert sorted(kinds) == ["ijazah", "photo"]

    post(client, f"/asesi/permohonan/{case.id}/ajukan", page)
    db.session.refresh(case)
    assert case.status == CaseStatus.SUBMITTED
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "submit")
    )
    assert (event.user_id, event.account_id) == (None, applicant.id)
    after = client.get(page).get_data(as_text=True)
    assert "Sent: the secretariat is checking it" in after
    assert "draft-form" not in after  # no longer editable

    staff = browser(app)
    make_user("sekretariat", "secretariat", locale="en")
    login(staff, "sekretariat")
    assert case.reg_number in staff.get(f"/admin/case/details/?id={case.id}").get_data(as_text=True)


def test_units_outside_the_scheme_are_refused(client, applicant, catalogue):
    from portal.models import Unit

    stranger = Unit(code="OTHER.001", title="Outside")
    db.session.add(stranger)
    db.session.commit()
    case = start(client, make_schedule(catalogue))
    page = f"/asesi/permohonan/{case.id}"
    response = post(client, page, page, units=str(stranger.id), purpose="sertifikasi")
    assert response.status_code == 200  # not a valid choice: the form shows it again
    db.session.refresh(case)
    assert len(case.units) == len(catalogue["units"])


def test_another_applicant_sees_nothing_of_it(app, client, applicant, catalogue):
    case = start(client, make_schedule(catalogue))
    upload(client, case.id, "ijazah", PDF, "ijazah.pdf")
    attachment = db.session.scalar(select(Attachment).where(Attachment.case_id == case.id))
    assert client.get(f"/asesi/lampiran/{attachment.id}").status_code == 200

    other = browser(app)
    make_account("lain@example.org")
    sign_in(other, "lain@example.org")
    for url in (f"/asesi/permohonan/{case.id}", f"/asesi/lampiran/{attachment.id}"):
        assert other.get(url).status_code == 404
    token_page = "/asesi/"
    for url in (f"/asesi/permohonan/{case.id}/ajukan", f"/asesi/permohonan/{case.id}/lampiran"):
        assert post(other, url, token_page).status_code == 404


def test_registration_closed_after_the_deadline(client, applicant, catalogue):
    past = make_schedule(catalogue, deadline=clock.today() - timedelta(days=1))
    page = f"/asesi/jadwal/{past.id}"
    response = post(client, page, page)
    assert response.headers["Location"] == "/jadwal"
    assert db.session.scalar(select(func.count(Case.id))) == 0


# --- the quota race --------------------------------------------------------------------------

RACERS, SEATS = 200, 20


def _ready_drafts(catalogue, schedule, n: int) -> list[ApplicantAccount]:
    """n accounts, each with a complete draft for the schedule (ready to submit)."""
    template = catalogue["applicant"]
    accounts = []
    for i in range(n):
        nik = new_nik()
        person = Applicant(
            nik=nik,
            full_name=f"Peserta {i}",
            birth_place="Jakarta",
            birth_date=template.birth_date,
            sex="L",
            address="Jakarta",
            phone="+6281234567890",
            education_level="S1",
        )
        account = ApplicantAccount(
            email=f"peserta{i}@example.org",
            nik=nik,
            full_name=person.full_name,
            password_hash="x",
            applicant=person,
        )
        case = Case(
            reg_number=f"APL-RACE-{i:04d}",
            applicant=person,
            scheme=catalogue["scheme"],
            schedule=schedule,
            online=True,
            declaration_signed=True,
            units=[CaseUnit(unit_id=catalogue["units"][0].id)],
            attachments=[judged_attachment("photo"), judged_attachment("ijazah")],
        )
        db.session.add_all([person, account, case])
        accounts.append(account)
    db.session.commit()
    return accounts


def test_200_applicants_racing_for_20_seats_get_exactly_20(app, catalogue):
    schedule = make_schedule(catalogue, quota=SEATS)
    accounts = _ready_drafts(catalogue, schedule, RACERS)
    pairs = [
        (a.id, db.session.scalar(select(Case.id).where(Case.applicant_id == a.applicant_id)))
        for a in accounts
    ]
    settings = Settings.of({"today": clock.today()})
    barrier = threading.Barrier(8)
    results: list[str] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def racer(chunk: list[tuple[int, int]]) -> None:
        with app.app_context():
            barrier.wait()
            for account_id, case_id in chunk:
                account = db.session.get(ApplicantAccount, account_id)
                try:
                    online.submit(db.session, account, case_id, settings)
                    outcome = "seat"
                except Exception as error:  # noqa: BLE001 - a refusal is expected; others fail
                    outcome = str(error)
                    if "full" not in outcome:
                        errors.append(error)
                with lock:
                    results.append(outcome)
            db.session.remove()

    threads = [threading.Thread(target=racer, args=(pairs[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert results.count("seat") == SEATS
    assert len(results) == RACERS
    assert results.count(f"This schedule is full: all {SEATS} seats are taken.") == RACERS - SEATS
    db.session.rollback()  # end the test's read snapshot: read what the racers committed
    submitted = db.session.scalar(
        select(func.count(Case.id)).where(
            Case.schedule_id == schedule.id, Case.status == "submitted"
        )
    )
    assert submitted == SEATS


def test_a_refused_profile_is_shown_again_with_what_was_typed(client, catalogue):
    make_account("budi@example.org", nik=catalogue["applicant"].nik)  # staff hold that NIK
    sign_in(client, "budi@example.org")
    typed = {**PROFILE, "institution": "Perpustakaan Kota Bogor"}
    page = post(client, "/asesi/profil", "/asesi/profil", **typed)
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert "The LSP already holds a record with your NIK." in shown
    assert 'value="Perpustakaan Kota Bogor"' in shown, "the applicant's input is kept"


def test_a_refusal_goes_back_to_its_page_or_is_a_409_without_one(client, applicant, catalogue):
    case = start(client, make_schedule(catalogue))
    page = f"/asesi/permohonan/{case.id}"
    back = post(client, f"{page}/ajukan", page)
    assert (back.status_code, back.headers["Location"]) == (302, f"http://localhost{page}")
    token = csrf_token(client, page)
    bare = client.post(f"{page}/ajukan", data={"csrf_token": token})  # no referrer
    assert bare.status_code == 409
    assert "The applicant has not signed the declaration." in bare.get_data(as_text=True)
    db.session.refresh(case)
    assert case.status == CaseStatus.DRAFT

"""Creating and editing an application (FR.APL.01) through the case form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, Case, Schedule, Unit
from tests.applicant_world import make_schedule
from tests.conftest import login, make_user


def _form(client, url):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _post_case(client, catalogue, units, **extra):
    token = _form(client, "/admin/case/new/")
    return client.post(
        "/admin/case/new/",
        data={
            "csrf_token": token,
            "applicant": str(catalogue["applicant"].id),
            "scheme": str(catalogue["scheme"].id),
            "chosen_units": [str(u.id) for u in units],
            "purpose": "sertifikasi",
            "declaration_signed": "y",
            "declaration_name": "Budi Santoso",
            "declaration_date": clock.today().isoformat(),
            **extra,
        },
        follow_redirects=True,
    )


@pytest.fixture
def secretariat(client, app, catalogue):
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")


def test_a_new_application_gets_a_number_its_units_and_draft_status(client, catalogue, secretariat):
    _post_case(client, catalogue, catalogue["units"])
    case = db.session.scalar(select(Case))
    assert re.fullmatch(r"APL-\d{4}-\d{6}", case.reg_number)
    assert case.status == "draft"
    assert {cu.unit_id for cu in case.units} == {u.id for u in catalogue["units"]}


def test_a_unit_outside_the_scheme_is_refused_and_nothing_is_saved(client, catalogue, secretariat):
    stranger = Unit(code="DEMO.XX01.001.01", title="Demo: unit of another scheme")
    db.session.add(stranger)
    db.session.commit()
    response = _post_case(client, catalogue, [catalogue["units"][0], stranger])
    assert "DEMO.XX01.001.01" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_the_status_is_not_on_the_form(client, catalogue, secretariat):
    html = client.get("/admin/case/new/").get_data(as_text=True)
    assert 'name="status"' not in html


def test_a_submitted_application_cannot_be_edited(client, catalogue, secretariat):
    _post_case(client, catalogue, catalogue["units"])
    case = db.session.scalar(select(Case))
    case.status = "submitted"  # test set-up: the workflow's own tests cover how it gets there
    db.session.commit()
    why = "Permohonan hanya dapat diubah selama masih draf atau dikembalikan."
    opened = client.get(f"/admin/case/edit/?id={case.id}")  # no form refused only when saved
    assert opened.status_code == 302
    assert opened.location.startswith(f"/admin/case/details/?id={case.id}")
    page = client.get(opened.location).get_data(as_text=True)
    assert why in page and 'name="purpose"' not in page
    token = _form(client, "/admin/case/new/")
    response = client.post(
        f"/admin/case/edit/?id={case.id}",
        data={
            "csrf_token": token,
            "applicant": str(catalogue["applicant"].id),
            "scheme": str(catalogue["scheme"].id),
            "chosen_units": [str(catalogue["units"][0].id)],
            "purpose": "rpl",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200 and why in response.get_data(as_text=True)
    assert response.request.path == "/admin/case/details/"
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.purpose == "sertifikasi" and len(case.units) == 2


# --- the schedule's quota and registration deadline (issue #11) -------------------------------


def _full_schedule(catalogue, **dates) -> Schedule:
    """A schedule of one seat, taken by a submitted case (a draft would hold none)."""
    schedule = make_schedule(catalogue, code="JDW-PENUH", quota=1, **dates)
    db.session.add(
        Case(
            reg_number="APL-TEST-000009",
            applicant=catalogue["applicant"],
            scheme=catalogue["scheme"],
            schedule=schedule,
            status="submitted",
        )
    )
    db.session.commit()
    return schedule


def _cases_on(schedule: Schedule) -> int:
    return db.session.scalar(select(func.count()).where(Case.schedule_id == schedule.id))


def test_the_secretariat_cannot_put_a_case_on_a_full_schedule(client, catalogue):
    make_user("sekretariat", "secretariat", locale="en")
    login(client, "sekretariat")
    schedule = _full_schedule(catalogue)
    page = _post_case(
        client, catalogue, catalogue["units"], schedule=str(schedule.id), seat_override_note="Ok"
    ).get_data(as_text=True)
    assert "This schedule is full: all 1 seats are taken." in page
    assert _cases_on(schedule) == 1, "nothing saved"


def test_the_secretariat_cannot_put_a_case_on_a_schedule_past_its_deadline(client, catalogue):
    make_user("sekretariat", "secretariat", locale="en")
    login(client, "sekretariat")
    closed = make_schedule(catalogue, code="JDW-TUTUP", deadline=clock.lsp_today() - timedelta(1))
    page = _post_case(client, catalogue, catalogue["units"], schedule=str(closed.id))
    assert "Registration for this schedule closed on" in page.get_data(as_text=True)
    assert _cases_on(closed) == 0
    open_ = make_schedule(catalogue, code="JDW-BUKA")
    _post_case(client, catalogue, catalogue["units"], schedule=str(open_.id))
    assert _cases_on(open_) == 1, "a schedule with a free seat, before its deadline, takes it"


def test_the_certification_head_overrides_a_full_schedule_with_a_note_audited(client, catalogue):
    head = make_user("sertifikasi", "certification_head", locale="en")
    login(client, "sertifikasi")
    schedule = _full_schedule(catalogue)
    page = _post_case(client, catalogue, catalogue["units"], schedule=str(schedule.id))
    assert "This schedule is full: all 1 seats are taken." in page.get_data(as_text=True)
    assert _cases_on(schedule) == 1, "no override without a note"

    note = "Permintaan instansi pembina; kursi tambahan disediakan TUK"
    _post_case(
        client, catalogue, catalogue["units"], schedule=str(schedule.id), seat_override_note=note
    )
    placed = db.session.scalar(
        select(Case).where(Case.schedule_id == schedule.id, Case.status == "draft")
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "seat_override"))
    assert (event.user_id, event.case_id, event.note) == (head.id, placed.id, note)
    assert event.data == {
        "schedule": "JDW-PENUH",
        "refusal": "This schedule is full: all 1 seats are taken.",
    }

"""A schedule's seats at every door: a draft (online, staff-made or imported) holds none; the
first submission takes one, whoever submits; a resubmission keeps the seat it holds."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal import clock
from portal.casework import apply
from portal.casework.audit import write_event
from portal.casework.imports import NewApplication, import_applications
from portal.casework.seats import seats_taken
from portal.extensions import db
from portal.models import Applicant, Case, CaseUnit
from portal.rules.schedules import SEAT_OVERRIDE
from portal.rules.vocabulary import CaseStatus, Role
from tests.applicant_world import make_schedule, new_nik
from tests.conftest import judged_attachment, make_user

PERSON = {
    "birth_place": "Jakarta",
    "birth_date": date(1985, 8, 17),
    "sex": "L",
    "address": "Jakarta",
    "phone": "+6281234567890",
    "education_level": "S1",
}
FULL = "This schedule is full: all %(quota)s seats are taken."


def _case(catalogue, schedule, status: CaseStatus = CaseStatus.DRAFT) -> Case:
    """A complete case of a new applicant on the schedule (ready to submit)."""
    person = Applicant(nik=new_nik(), full_name="Peserta", **PERSON)
    case = Case(
        reg_number=f"APL-S-{person.nik[-4:]}",
        applicant=person,
        scheme=catalogue["scheme"],
        schedule=schedule,
        status=status.value,
        declaration_signed=True,
        units=[CaseUnit(unit_id=catalogue["units"][0].id)],
        attachments=[judged_attachment("photo"), judged_attachment("ijazah")],
    )
    db.session.add(case)
    db.session.commit()
    return case


def _submit(staff, *cases):
    outcome = apply(
        db.session, "submit", [c.id for c in cases], staff, {}, {"today": clock.today()}
    )
    return outcome.done, [refusal.msgid for _, _, refusal in outcome.skipped]


def test_drafts_hold_no_seat_and_the_staff_submission_takes_one(app, catalogue):
    staff = make_user("sekretariat", Role.SECRETARIAT)
    schedule = make_schedule(catalogue, quota=2)
    drafts = [_case(catalogue, schedule) for _ in range(3)]
    assert seats_taken(db.session, [schedule.id]) == {}

    done, refused = _submit(staff, *drafts)

    assert done == [drafts[0].id, drafts[1].id]
    assert refused == [FULL]
    assert seats_taken(db.session, [schedule.id]) == {schedule.id: 2}


def test_a_returned_case_resubmits_on_a_full_schedule_it_holds_a_seat_of(app, catalogue):
    staff = make_user("sekretariat", Role.SECRETARIAT)
    schedule = make_schedule(catalogue, quota=1)
    returned = _case(catalogue, schedule, CaseStatus.RETURNED)
    late_draft = _case(catalogue, schedule)

    assert _submit(staff, late_draft) == ([], [FULL])
    assert _submit(staff, returned) == ([returned.id], [])


def test_the_deadline_binds_a_staff_submission_unless_the_head_placed_the_case(app, catalogue):
    staff = make_user("sekretariat", Role.SECRETARIAT)
    head = make_user("kepala", Role.CERTIFICATION_HEAD)
    today = clock.today()
    closed = make_schedule(
        catalogue, deadline=today - timedelta(days=1), starts_on=today + timedelta(days=5)
    )
    plain, placed = _case(catalogue, closed), _case(catalogue, closed)
    write_event(
        db.session,
        user_id=head.id,
        action=SEAT_OVERRIDE,
        case_id=placed.id,
        note="Berkas kertas diterima tepat waktu",
        data={"schedule": closed.code, "refusal": "closed"},
    )
    db.session.commit()

    done, refused = _submit(staff, plain, placed)

    assert done == [placed.id]
    assert refused == ["Registration for this schedule closed on %(date)s."]


def test_imported_drafts_hold_no_seat_until_submitted(app, catalogue):
    staff = make_user("sekretariat", Role.SECRETARIAT)
    schedule = make_schedule(catalogue, quota=3)
    rows = [
        NewApplication(
            row=i,
            nik=nik,
            applicant={"nik": nik, "full_name": f"Impor {i}", **PERSON},
            existing_id=None,
            update_existing=False,
            scheme_id=catalogue["scheme"].id,
            schedule_id=schedule.id,
            tuk_id=catalogue["tuk"].id,
            unit_ids=(catalogue["units"][0].id,),
        )
        for i, nik in enumerate([new_nik(), new_nik()], start=2)
    ]
    result = import_applications(db.session, staff, rows, "intake.xlsx", clock.today())
    assert len(result.made) == 2
    assert seats_taken(db.session, [schedule.id]) == {}

    submitted = _case(catalogue, schedule)
    assert _submit(staff, submitted) == ([submitted.id], [])
    statuses = db.session.scalars(select(Case.status).where(Case.schedule_id == schedule.id))
    assert sorted(statuses) == ["draft", "draft", "submitted"]
    assert seats_taken(db.session, [schedule.id]) == {schedule.id: 1}

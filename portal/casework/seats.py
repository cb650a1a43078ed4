"""A schedule's seats at submission, for every door (applicant portal, staff, import drafts).

A case takes its seat when it is first submitted (DRAFT → SUBMITTED); a resubmitted case already
holds one. The rule is `rules/schedules.py`; this module reads its facts with the schedule rows
locked, in the transaction of the submission.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, Case, Schedule, User
from ..rules.schedules import SEAT_OVERRIDE, SEATLESS_STATUSES, placement_refusal, seat_refusal
from ..rules.vocabulary import CaseStatus
from ..rules.workflow import Refusal
from .audit import write_event


def seats_taken(session: Session, schedule_ids: Iterable[int]) -> dict[int, int]:
    """Seats taken per schedule: its cases that hold a seat (rules/schedules.py)."""
    ids = sorted(set(schedule_ids))
    if not ids:
        return {}
    query = (
        select(Case.schedule_id, func.count())
        .where(Case.schedule_id.in_(ids), Case.status.not_in([s.value for s in SEATLESS_STATUSES]))
        .group_by(Case.schedule_id)
    )
    return dict(session.execute(query).all())


def claim(session: Session, drafts: Sequence[int], today) -> dict[int, Refusal]:
    """Give each of these drafts (in order) a seat of its schedule while one is free; the
    refusal of each that gets none. A draft that the certification head placed on its schedule
    with an audited override (`seat_override`) keeps that placement."""
    placed = session.execute(
        select(Case.id, Case.schedule_id).where(
            Case.id.in_(drafts), Case.status == CaseStatus.DRAFT, Case.schedule_id.is_not(None)
        )
    ).all()
    if not placed:
        return {}
    schedule_of = dict(placed)
    schedules = {
        s.id: s
        for s in session.scalars(
            select(Schedule)
            .where(Schedule.id.in_(set(schedule_of.values())))
            .order_by(Schedule.id)
            .with_for_update()
        )
    }
    taken = seats_taken(session, schedules)
    overridden = {
        (case_id, (data or {}).get("schedule"))
        for case_id, data in session.execute(
            select(AuditEvent.case_id, AuditEvent.data).where(
                AuditEvent.case_id.in_(schedule_of), AuditEvent.action == SEAT_OVERRIDE
            )
        )
    }
    refused: dict[int, Refusal] = {}
    for case_id in (c for c in drafts if c in schedule_of):
        schedule = schedules[schedule_of[case_id]]
        refusal = seat_refusal(
            quota=schedule.quota,
            taken=taken.get(schedule.id, 0),
            deadline=schedule.registration_deadline,
            today=today,
        )
        if refusal is not None and (case_id, schedule.code) not in overridden:
            refused[case_id] = refusal
        else:
            taken[schedule.id] = taken.get(schedule.id, 0) + 1
    return refused


def place(session: Session, case: Case, user: User, override_note: str | None, today: date) -> None:
    """Put a case on its schedule from the staff screen: refused when the schedule is full or
    closed, unless the certification head overrides it with a note, audited. The schedule's row
    is locked while counting."""
    schedule = session.scalar(
        select(Schedule).where(Schedule.id == case.schedule.id).with_for_update()
    )
    taken = session.scalar(
        select(func.count()).where(
            Case.schedule_id == schedule.id,
            Case.status.not_in(SEATLESS_STATUSES),
            Case.id != case.id,
        )
    )
    fact = {
        "quota": schedule.quota,
        "taken": taken,
        "deadline": schedule.registration_deadline,
        "today": today,
    }
    refusal = placement_refusal(**fact, roles=frozenset(user.roles), override_note=override_note)
    if refusal is not None:
        raise refusal
    overridden = seat_refusal(**fact)
    if overridden is not None:
        write_event(
            session,
            user_id=user.id,
            action=SEAT_OVERRIDE,
            case_id=case.id,
            note=override_note.strip(),
            data={"schedule": schedule.code, "refusal": str(overridden)},
        )

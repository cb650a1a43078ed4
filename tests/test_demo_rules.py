"""The demo keeps the rules the service enforces: its decisions cite meetings held after the
assessment, attended by the decider, the chair and a quorum; its histories follow the table."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from portal.demo import seed_demo
from portal.extensions import db
from portal.models import (
    AuditEvent,
    Case,
    Certificate,
    DecisionMeeting,
    MeetingAttendee,
    UserRole,
)
from portal.rules.vocabulary import CaseStatus, Role
from portal.rules.workflow import DEFAULT_MEETING_QUORUM, Action, Transition, rows

TODAY = date(2026, 3, 2)


def test_demo_decisions_follow_the_meeting_rules(app, tmp_path):
    seed_demo(db.session, 120, tmp_path / "uploads", today=TODAY)
    present: dict[int, set[int]] = defaultdict(set)
    for meeting_id, user_id in db.session.execute(
        select(MeetingAttendee.meeting_id, MeetingAttendee.user_id)
    ):
        present[meeting_id].add(user_id)
    chairs = set(db.session.scalars(select(UserRole.user_id).where(UserRole.role == Role.CHAIR)))
    decided = db.session.execute(
        select(Case.reg_number, Case.assessment_date, Case.decided_by_id, DecisionMeeting).join(
            DecisionMeeting, DecisionMeeting.id == Case.decision_meeting_id
        )
    ).all()
    assert decided, "the demo decides some cases"
    problems = [
        reg
        for reg, assessed, decider, meeting in decided
        if (assessed and meeting.held_on < assessed)
        or meeting.held_on > TODAY
        or decider not in present[meeting.id]
        or not present[meeting.id] & chairs
        or len(present[meeting.id]) < DEFAULT_MEETING_QUORUM
    ]
    assert problems == []
    issued = db.session.execute(select(Certificate.number, Certificate.issued_on)).all()
    assert [number for number, on in issued if on > TODAY] == []


def test_every_demo_case_s_history_is_a_path_through_the_transition_table(app, tmp_path):
    """The demo writes its rows directly (fast, dated in the past), so this walk is what keeps
    it to the one flow: each case's audit events, in order, are rows of `TRANSITIONS` taken
    by a user holding one of the row's roles, from the status the case was in, to a status
    the row leads to, ending at the case's status, which the case has held since the last one."""
    seed_demo(db.session, 120, tmp_path / "uploads", today=TODAY)
    roles: dict[int, set[str]] = defaultdict(set)
    for user_id, role in db.session.execute(select(UserRole.user_id, UserRole.role)):
        roles[user_id].add(role)
    events: dict[int, list[AuditEvent]] = defaultdict(list)
    for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.at, AuditEvent.id)):
        events[event.case_id].append(event)
    cases = db.session.execute(
        select(Case.id, Case.reg_number, Case.status, Case.status_since, Case.created_at)
    ).all()
    problems = []
    for case_id, reg, final, since, created in cases:
        if since != (events[case_id][-1].at if events[case_id] else created):
            problems.append((reg, "since", since, final))
        status = CaseStatus.DRAFT
        for event in events[case_id]:
            row = _row_taken(event, status, roles[event.user_id])
            if row is None:
                problems.append((reg, event.action, event.from_status, event.to_status))
                break
            status = CaseStatus(event.to_status)
        else:
            if status != final:
                problems.append((reg, "ends", status.value, final))
    assert len(cases) == 120 and len({case.status for case in cases}) == len(CaseStatus)
    assert sum(len(events[case.id]) for case in cases) > 5 * len(cases)
    assert problems == []


def _row_taken(event: AuditEvent, status: CaseStatus, roles: set[str]) -> Transition | None:
    """The row of the table this event went through from `status`, or None when there is none."""
    if event.action not in set(Action) or event.from_status != status:
        return None
    for row in rows(event.action):
        to = CaseStatus(event.to_status)
        leads = to in row.targets or (row.to is None and to == status)
        if status in row.sources and leads and row.roles & roles:
            return row
    return None

"""The demo keeps the decision-integrity rules the service enforces: its decisions cite
meetings held after the assessment, attended by the decider, the chair and a quorum."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from portal.demo import seed_demo
from portal.extensions import db
from portal.models import Case, Certificate, DecisionMeeting, MeetingAttendee, UserRole
from portal.rules.vocabulary import Role
from portal.rules.workflow import DEFAULT_MEETING_QUORUM

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

"""Decision meetings after their decisions: a correction is an addendum, audited, never a rewrite."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..models import DecisionMeeting, MeetingAddendum, User
from ..rules.meetings import ADDENDUM_EVENT, ADDENDUM_ROLES, addendum_refusal
from ..rules.vocabulary import N_
from ..rules.workflow import Refusal
from ..transactions import writing
from .audit import write_event


def add_meeting_addendum(
    session: Session, meeting_id: int, author: User, text: str | None
) -> MeetingAddendum:
    """Add a correction to a meeting's record, with its audit event, in one transaction."""
    refusal = addendum_refusal(author.roles, text)
    if refusal:
        raise refusal
    with writing(session):
        if session.get(DecisionMeeting, meeting_id) is None:
            raise Refusal(N_("This meeting does not exist."))
        addendum = MeetingAddendum(
            meeting_id=meeting_id, text=text.strip(), author_id=author.id, created_at=clock.now()
        )
        session.add(addendum)
        session.flush()
        write_event(
            session,
            at=addendum.created_at,
            user_id=author.id,
            action=ADDENDUM_EVENT,
            record_type=DecisionMeeting.__tablename__,
            record_id=meeting_id,
            note=addendum.text,
            data={"addendum": addendum.id},
        )
    return addendum


@dataclass(frozen=True)
class MeetingAddenda:
    """What the meeting's page shows of its corrections, and whether this user may add one."""

    addenda: list[MeetingAddendum]
    may_add: bool


def meeting_addenda(session: Session, meeting_id: int, user: User) -> MeetingAddenda:
    """The meeting's addenda, oldest first, with their authors (one query)."""
    addenda = session.scalars(
        select(MeetingAddendum)
        .options(joinedload(MeetingAddendum.author))
        .where(MeetingAddendum.meeting_id == meeting_id)
        .order_by(MeetingAddendum.id)
    ).all()
    return MeetingAddenda(list(addenda), bool(ADDENDUM_ROLES.intersection(user.roles)))

"""What a user may do on a page now: the answers pages and menus ask for."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import (
    AuditEvent,
    Case,
    CaseUnit,
    Certificate,
    User,
)
from ..rules.workflow import (
    Action,
    check_new_application,
)
from ..rules.workflow import available_actions as _available_actions
from ..scoping import scope_cases
from .facts import load_facts
from .settings import actor_of
from .submissions import Changed, resubmission_changes


def available_actions(session: Session, case: Case, actor: User) -> list[Action]:
    """The actions this user may start on this case now, for its page and its action menu."""
    facts = load_facts(session, [case.id])
    return _available_actions(facts[case.id], actor_of(actor)) if case.id in facts else []


@dataclass(frozen=True)
class TimelineEntry:
    """One audit event of a case, with the name of the member of staff who acted (or None)."""

    event: AuditEvent
    actor: str | None


@dataclass(frozen=True)
class CasePage:
    """Everything the case page shows, read at once so that the template never queries.

    `case` comes with its applicant, scheme, schedule, TUK, asesor, decider, certificate and
    attachments loaded (the attachments partial reads `case.attachments`)."""

    case: Case
    units: list[CaseUnit]
    timeline: list[TimelineEntry]
    actions: list[Action]
    may_start_new_application: bool
    certificate: Certificate | None  # offered as a document when the user may read it
    resubmitted: list[Changed]  # what the applicant changed since the previous submission


def case_page(session: Session, case_id: int, user: User) -> CasePage | None:
    """The case page of a case this user may see (None when not), in a constant number of
    queries whatever its number of units, attachments and events."""
    case = session.scalar(
        scope_cases(select(Case), user)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.applicant),
            joinedload(Case.scheme),
            joinedload(Case.schedule),
            joinedload(Case.tuk),
            joinedload(Case.assessor),
            joinedload(Case.decided_by),
            joinedload(Case.certificate),
            selectinload(Case.units).joinedload(CaseUnit.unit),
            selectinload(Case.attachments),
        )
    )
    if case is None:
        return None
    facts = load_facts(session, [case.id], needs=frozenset({"units"}))[case.id]
    actor = actor_of(user)
    started = session.scalar(select(Case.reg_number).where(Case.previous_case_id == case.id))
    timeline = _timeline(session, case.id)
    return CasePage(
        case=case,
        units=list(case.units),
        timeline=timeline,
        resubmitted=resubmission_changes([entry.event for entry in timeline]),
        actions=_available_actions(facts, actor),
        may_start_new_application=check_new_application(facts, actor, started) is None,
        certificate=case.certificate,
    )


def _timeline(session: Session, case_id: int) -> list[TimelineEntry]:
    """The case's audit events, oldest first, with the acting user's name."""
    rows = session.execute(
        select(AuditEvent, User.full_name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.case_id == case_id)
        .order_by(AuditEvent.id)
    ).all()
    return [TimelineEntry(event, name) for event, name in rows]

"""What a user may do on a page now: the answers pages and menus ask for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from ..models import (
    ApplicantAccount,
    AuditEvent,
    Case,
    CaseUnit,
    Certificate,
    User,
)
from ..rules.workflow import (
    Action,
    CaseFacts,
    Policy,
    Refusal,
    check_new_application,
    offers,
    reads,
)
from ..scoping import scope_cases
from .facts import load_facts
from .settings import Settings, actor_of
from .submissions import Changed, resubmission_changes


@dataclass(frozen=True)
class Offer:
    """An action of the case's status that the user's roles take. `refusal` says why it cannot
    succeed now, whatever its form says (the page shows it disabled with that reason)."""

    action: Action
    refusal: Refusal | None


# The facts the offers read: those of every action's early guards (not the requirement check).
_OFFER_FACTS = frozenset().union(*(reads(a) for a in Action)) - {"requirement_met"}


def offers_of(facts: CaseFacts, user: User, settings: Mapping[str, Any] | None) -> list[Offer]:
    """The offers to this user on a case with these facts (loaded with `_OFFER_FACTS`)."""
    conf = Settings.of(settings)
    policy = Policy(conf.today, conf.appeal_window_days, conf.meeting_quorum)
    return [Offer(a, refusal) for a, refusal in offers(facts, actor_of(user), policy)]


def case_offer(
    session: Session, case_id: int, action: Action, user: User, settings: Mapping[str, Any]
) -> Offer | None:
    """The offer of one action on one case to this user, or None when their roles do not take
    it from the case's status."""
    facts = load_facts(session, [case_id], needs=_OFFER_FACTS).get(case_id)
    found = offers_of(facts, user, settings) if facts else []
    return next((offer for offer in found if offer.action == action), None)


@dataclass(frozen=True)
class TimelineEntry:
    """One audit event of a case, with the name of who acted: a member of staff, or the
    applicant from the applicant portal (`by_applicant`); None for the portal itself."""

    event: AuditEvent
    actor: str | None
    by_applicant: bool = False


@dataclass(frozen=True)
class CasePage:
    """Everything the case page shows, read at once so that the template never queries.

    `case` comes with its applicant, scheme, schedule, TUK, asesor, decider, certificate and
    attachments loaded (the attachments partial reads `case.attachments`)."""

    case: Case
    units: list[CaseUnit]
    timeline: list[TimelineEntry]
    offers: list[Offer]
    may_start_new_application: bool
    certificate: Certificate | None  # offered as a document when the user may read it
    resubmitted: list[Changed]  # what the applicant changed since the previous submission

    @property
    def actions(self) -> list[Action]:
        """The actions whose form the user may fill in now."""
        return [offer.action for offer in self.offers if offer.refusal is None]


def case_page(
    session: Session, case_id: int, user: User, settings: Mapping[str, Any] | None = None
) -> CasePage | None:
    """The case page of a case this user may see (None when not), in a constant number of
    queries whatever its number of units, attachments and events."""
    successor = aliased(Case)  # the application that re-certifies this one, if started
    started = (
        select(successor.reg_number)
        .where(successor.previous_case_id == Case.id)
        .limit(1)
        .scalar_subquery()
    )
    found = session.execute(
        scope_cases(select(Case, started), user)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.applicant),
            joinedload(Case.scheme),
            joinedload(Case.schedule),
            joinedload(Case.tuk),
            joinedload(Case.assessor),
            joinedload(Case.decided_by).lazyload(User.role_rows),  # shown by name only
            joinedload(Case.certificate),
            selectinload(Case.units).joinedload(CaseUnit.unit),
            selectinload(Case.attachments),
        )
    ).first()
    if found is None:
        return None
    case, started = found
    facts = load_facts(session, [case.id], needs=_OFFER_FACTS)[case.id]
    actor = actor_of(user)
    timeline = _timeline(session, case.id)
    return CasePage(
        case=case,
        units=list(case.units),
        timeline=timeline,
        resubmitted=resubmission_changes([entry.event for entry in timeline]),
        offers=offers_of(facts, user, settings),
        may_start_new_application=check_new_application(facts, actor, started) is None,
        certificate=case.certificate,
    )


def _timeline(session: Session, case_id: int) -> list[TimelineEntry]:
    """The case's audit events, oldest first, with the acting user's or applicant's name."""
    rows = session.execute(
        select(AuditEvent, User.full_name, ApplicantAccount.full_name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .outerjoin(ApplicantAccount, ApplicantAccount.id == AuditEvent.account_id)
        .where(AuditEvent.case_id == case_id)
        .order_by(AuditEvent.id)
    ).all()
    return [
        TimelineEntry(event, staff or applicant, by_applicant=staff is None and bool(applicant))
        for event, staff, applicant in rows
    ]

"""What an action's form shows beside its fields: the facts a person needs to fill it in.

The verify form shows the attachments' verdicts and why each basic-requirement alternative is
met or not; the assign form lists every active assessor, eligible ones first with their
workload, the others with the reason the assign row's guards give. One case's form also gets
its offer, so an action that cannot succeed now says why instead of taking input in vain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import Assessor, Attachment, Case, Scheme, User
from ..rules.requirements import Alternative, Evaluation, Qualifications, evaluate
from ..rules.workflow import (
    ASSESSOR_WORKLOAD_STATUSES,
    Action,
    Refusal,
    assessor_refusal,
)
from ..scoping import scope_cases
from .facts import active_assessors, load_facts
from .offers import Offer, case_offer
from .settings import Settings


@dataclass(frozen=True)
class Candidate:
    """An active assessor offered for assignment: their open cases, and why they may not be
    assigned (None when eligible for every chosen case)."""

    assessor: Assessor
    workload: int
    refusal: Refusal | None


@dataclass(frozen=True)
class ActionPage:
    """The facts an action's form shows. For one case: `case`, and its `offer` (None when the
    user's roles do not take the action from its status)."""

    case: Case | None = None
    offer: Offer | None = None
    attachments: list[Attachment] = field(default_factory=list)
    requirements: Evaluation | None = None
    candidates: list[Candidate] = field(default_factory=list)


def action_page(
    session: Session,
    action: Action,
    case_ids: Sequence[int],
    user: User,
    settings: Mapping[str, Any] | None = None,
    on: date | None = None,
) -> ActionPage:
    """The page model of an action's form for the chosen cases (ids the user may see).

    `on` is the assessment date typed so far, against which licences are judged (else the
    case's planned date, else today)."""
    single = len(case_ids) == 1
    case = _case(session, case_ids[0], user) if single else None
    found: dict[str, Any] = {}
    if case is not None:
        found["offer"] = case_offer(session, case.id, action, user, settings)
    if action == Action.VERIFY and case is not None:
        found["attachments"] = sorted(
            (a for a in case.attachments if a.is_current), key=lambda a: (a.kind, a.id)
        )
        found["requirements"] = evaluate(
            [Alternative.of(r) for r in case.scheme.requirements],
            Qualifications.of(case.applicant),
        )
    if action == Action.ASSIGN_ASSESSOR:
        day = on or (case.assessment_date if case else None) or Settings.of(settings).today
        found["candidates"] = assessor_candidates(session, case_ids, day)
    return ActionPage(case=case, **found)


def _case(session: Session, case_id: int, user: User) -> Case | None:
    """One case with what its forms show or pre-fill."""
    return session.scalar(
        scope_cases(select(Case), user)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.applicant),
            joinedload(Case.scheme).selectinload(Scheme.requirements),
            selectinload(Case.attachments),
        )
    )


def assessor_candidates(session: Session, case_ids: Sequence[int], on: date) -> list[Candidate]:
    """Every active assessor for these cases: eligible first, fewest open cases first; then
    the others, each with the first refusal the assign row gives for one of the cases."""
    facts = load_facts(session, case_ids)
    applicants = {f.applicant_id for f in facts.values()}
    workload = dict(
        session.execute(
            select(Case.assessor_id, func.count())
            .where(Case.status.in_(ASSESSOR_WORKLOAD_STATUSES), Case.assessor_id.is_not(None))
            .group_by(Case.assessor_id)
        ).all()
    )
    candidates = []
    for assessor, assessor_facts in active_assessors(session, applicants):
        refusal = next(
            (
                r
                for case_facts in facts.values()
                if (r := assessor_refusal(case_facts, assessor_facts, on)) is not None
            ),
            None,
        )
        candidates.append(Candidate(assessor, workload.get(assessor.id, 0), refusal))
    return sorted(candidates, key=lambda c: (c.refusal is not None, c.workload))

"""New applications: drafts started from an earlier case or certificate, and their numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import (
    ApplicantAccount,
    Case,
    CaseUnit,
    User,
)
from ..numbering import reserve
from ..rules.vocabulary import (
    CaseStatus,
    Purpose,
)
from ..rules.workflow import (
    check_new_application,
)
from ..transactions import writing
from .audit import write_event
from .facts import load_facts
from .settings import Settings, actor_of


def start_new_application_from(
    session: Session,
    case: Case,
    actor: User,
    settings: Mapping[str, Any] | None = None,
) -> Case:
    """A new draft case pre-filled from one whose unit reached the re-assessment limit."""
    conf = Settings.of(settings)
    with writing(session):
        facts = load_facts(session, [case.id], lock=True, needs=frozenset({"units"}))[case.id]
        started = session.scalar(select(Case.reg_number).where(Case.previous_case_id == case.id))
        refusal = check_new_application(facts, actor_of(actor), started)
        if refusal:
            raise refusal
        old = session.get(Case, case.id)
        return new_case(
            session,
            old,
            actor,
            conf.today,
            purpose=Purpose(old.purpose),
            previous_case_id=old.id,
            event=("start_new_application", {"previous_case": old.reg_number}),
        )


def new_case(
    session: Session,
    source: Case,
    actor: User | ApplicantAccount,
    today: date,
    *,
    purpose: Purpose,
    event: tuple[str, dict[str, Any]],
    **links: int,
) -> Case:
    """A draft case for the same applicant, scheme and units as `source`, with its audit event."""
    who = actor_of(actor)
    case = Case(
        reg_number=next_reg_number(session, today),
        applicant_id=source.applicant_id,
        scheme_id=source.scheme_id,
        purpose=purpose.value,
        status=CaseStatus.DRAFT.value,
        online=who.account_id is not None,
        units=[CaseUnit(unit_id=unit.unit_id) for unit in source.units],
        **links,
    )
    session.add(case)
    session.flush()
    action, data = event
    write_event(
        session,
        user_id=who.user_id,
        account_id=who.account_id,
        action=action,
        case_id=case.id,
        to_status=CaseStatus.DRAFT.value,
        data=data,
    )
    return case


def open_draft(session: Session, case: Case, today: date) -> None:
    """A case made on the staff screen starts as a draft with the next registration number."""
    case.status = CaseStatus.DRAFT.value
    case.reg_number = next_reg_number(session, today)


def next_reg_number(session: Session, today: date) -> str:
    """The next application number, e.g. APL-2026-000123 (one series per year)."""
    (seq,) = reserve(session, f"APL-{today.year}")
    return f"APL-{today.year}-{seq:06d}"

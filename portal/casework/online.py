"""What an applicant does from the applicant portal: the profile (FR.APL.01 part 1), a draft
application for a schedule, its units, declaration and attachments, and submitting it.

The applicant is the actor: every function takes their account, finds only their own records
(anything else is "not found"), writes in one write transaction with its audit event, and
submits through the same transition table as staff, with the schedule's seat taken atomically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import (
    Applicant,
    ApplicantAccount,
    Attachment,
    Case,
    CaseUnit,
    Schedule,
)
from ..rules.vocabulary import EDITABLE_CASE_STATUSES, N_, PROFILE_FIELDS, CaseStatus, Purpose
from ..rules.workflow import Action, Refusal
from ..transactions import writing
from . import audit
from .applications import next_reg_number
from .settings import Settings
from .transitions import apply_within

NOT_FOUND = N_("Application not found.")
NO_PROFILE = N_("Fill in your personal data (FR.APL.01 part 1) first.")
NOT_EDITABLE = N_("This application can be changed only while it is a draft or returned.")


def _record(
    session: Session,
    account: ApplicantAccount,
    action: str,
    case: Case | None,
    *,
    started: bool = False,
    **data: Any,
) -> None:
    """The audit event of the applicant's own action (the status unchanged; a case `started`
    now had none before)."""
    status = case.status if case else None
    audit.write_event(
        session,
        account_id=account.id,
        action=action,
        case_id=case.id if case else None,
        from_status=None if started else status,
        to_status=status,
        data=data or None,
    )


def save_profile(session: Session, account: ApplicantAccount, values: Mapping[str, Any]) -> None:
    """Create or update the account's applicant record from FR.APL.01 part 1.

    A record that staff made earlier for the same NIK is never taken over here: linking it needs
    a proof the person controls, so the applicant is told to ask for it.
    """
    with writing(session):
        acc = session.get(ApplicantAccount, account.id)
        fields = {k: values[k] for k in PROFILE_FIELDS if k in values}
        if acc.applicant_id is None:
            taken = session.scalar(select(Applicant.id).where(Applicant.nik == acc.nik))
            if taken is not None:
                raise Refusal(
                    N_(
                        "The LSP already holds a record with your NIK. Link it to your account "
                        "first (My applications)."
                    )
                )
            applicant = Applicant(nik=acc.nik, full_name=acc.full_name, email=acc.email, **fields)
            session.add(applicant)
            session.flush()
            acc.applicant_id = applicant.id
        else:
            session.execute(
                update(Applicant).where(Applicant.id == acc.applicant_id).values(**fields)
            )
        _record(session, acc, "applicant_profile", None, fields=sorted(fields))
    session.refresh(account)


def own_case(session: Session, account: ApplicantAccount, case_id: int) -> Case:
    """The account's case with this id, or the refusal "not found" (never someone else's)."""
    case = session.scalar(
        select(Case).where(
            Case.id == case_id,
            Case.applicant_id == account.applicant_id,
            Case.applicant_id.is_not(None),
        )
    )
    if case is None or account.applicant_id is None:
        raise Refusal(NOT_FOUND)
    return case


def start_for_schedule(
    session: Session, account: ApplicantAccount, schedule_id: int, settings: Settings
) -> Case:
    """The applicant's draft for a published schedule, started now or the one they already have.

    The draft holds no seat: the seat is taken when it is submitted (`submit`).
    """
    if account.applicant_id is None:
        raise Refusal(NO_PROFILE)
    with writing(session):
        schedule = session.get(Schedule, schedule_id)
        if schedule is None or not schedule.published or schedule.ends_on < settings.today:
            raise Refusal(N_("This schedule is not open for registration."))
        if settings.today > schedule.registration_deadline:
            raise Refusal(
                N_("Registration for this schedule closed on %(date)s."),
                date=schedule.registration_deadline,
            )
        existing = session.scalar(
            select(Case).where(
                Case.applicant_id == account.applicant_id,
                Case.schedule_id == schedule.id,
                Case.status != CaseStatus.WITHDRAWN,
            )
        )
        if existing is not None:
            return existing
        case = Case(
            reg_number=next_reg_number(session, settings.today),
            applicant_id=account.applicant_id,
            scheme_id=schedule.scheme_id,
            schedule_id=schedule.id,
            tuk_id=schedule.tuk_id,
            purpose=Purpose.CERTIFICATION.value,
            status=CaseStatus.DRAFT.value,
            online=True,
            units=[CaseUnit(unit_id=unit.id) for unit in schedule.scheme.units],
        )
        session.add(case)
        session.flush()
        _record(
            session, account, "start_online_application", case, started=True, schedule=schedule.code
        )
    return case


def save_draft(
    session: Session,
    account: ApplicantAccount,
    case_id: int,
    *,
    unit_ids: Iterable[int],
    purpose: str,
    declaration_name: str | None,
    today: date,
) -> None:
    """Keep the chosen units (of the scheme only), the purpose and the declaration of a draft."""
    with writing(session):
        case = own_case(session, account, case_id)
        if case.status not in EDITABLE_CASE_STATUSES:
            raise Refusal(NOT_EDITABLE)
        allowed = {unit.id for unit in case.scheme.units}
        chosen = set(unit_ids)
        if not chosen:
            raise Refusal(N_("Choose at least one unit."))
        if not chosen <= allowed:
            raise Refusal(N_("Only units of this scheme may be chosen."))
        if purpose not in {p.value for p in Purpose}:
            raise Refusal(N_("Choose the purpose of the assessment."))
        before = {u.unit_id for u in case.units}
        case.units = [u for u in case.units if u.unit_id in chosen] + [
            CaseUnit(unit_id=uid) for uid in sorted(chosen - before)
        ]
        case.purpose = purpose
        signed = bool(declaration_name and declaration_name.strip())
        case.declaration_signed = signed
        case.declaration_name = declaration_name.strip() if signed else None
        case.declaration_date = today if signed else None
        _record(
            session,
            account,
            "online_draft_saved",
            case,
            units=len(chosen),
            purpose=purpose,
            declaration=signed,
        )


def attach(
    session: Session, account: ApplicantAccount, case_id: int, kind: str, stored: Any
) -> Attachment:
    """Record an uploaded (already content-checked) file; an earlier one of the kind stays, not
    current. Refused once the application may no longer change."""
    with writing(session):
        case = own_case(session, account, case_id)
        if case.status not in EDITABLE_CASE_STATUSES:
            raise Refusal(NOT_EDITABLE)
        session.execute(
            update(Attachment)
            .where(Attachment.case_id == case.id, Attachment.kind == kind, Attachment.is_current)
            .values(is_current=False)
        )
        attachment = Attachment(
            case_id=case.id, kind=kind, uploaded_by_account_id=account.id, **stored.columns()
        )
        session.add(attachment)
        session.flush()
        _record(
            session,
            account,
            "attachment_upload",
            case,
            attachment_id=attachment.id,
            kind=kind,
            sha256=attachment.sha256,
        )
    return attachment


def submit(session: Session, account: ApplicantAccount, case_id: int, settings: Settings) -> None:
    """Submit (or resubmit) the application; a first submission takes its schedule's seat in
    the same transaction (`seats.claim`, with the schedule row locked: of many applicants racing
    for the last seats exactly the quota get one)."""
    with writing(session):
        case = own_case(session, account, case_id)
        outcome = apply_within(session, Action.SUBMIT, [case.id], account, {}, settings)
        if outcome.skipped:
            raise outcome.skipped[0][2]

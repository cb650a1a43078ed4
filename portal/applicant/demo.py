"""Demo applicant accounts, one at every stage of the flow, linked to demo applicants."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock
from ..models import Applicant, ApplicantAccount, Case
from ..rules.vocabulary import CaseStatus

S = CaseStatus
# The stages a demo applicant signs in at (their newest demo case has this status).
STAGES = (
    S.DRAFT,
    S.SUBMITTED,
    S.RETURNED,
    S.VERIFIED,
    S.SELF_ASSESSED,
    S.READY_FOR_ASSESSMENT,
    S.NOT_YET_COMPETENT,
    S.APPEALED,
    S.CERTIFIED,
)


def demo_email(status: str) -> str:
    return f"{status.replace('_', '-')}@asesi.example.org"


def seed_demo_accounts(session: Session, password_hash: str) -> None:
    """One confirmed account per stage, for an applicant with a demo case at that stage."""
    if session.scalar(select(ApplicantAccount.id).where(ApplicantAccount.is_demo).limit(1)):
        return
    linked = set(session.scalars(select(ApplicantAccount.applicant_id)).all())
    for status in STAGES:
        applicant = session.scalar(
            select(Applicant)
            .join(Case, Case.applicant_id == Applicant.id)
            .where(Case.status == status, Case.is_demo, Applicant.id.not_in(linked or {0}))
            .group_by(Applicant.id)
            .having(func.count(Case.id) == 1)  # one application: the account shows one stage
            .order_by(Applicant.id)
            .limit(1)
        )
        if applicant is None:
            continue
        linked.add(applicant.id)
        session.add(
            ApplicantAccount(
                email=demo_email(status),
                nik=applicant.nik,
                full_name=applicant.full_name,
                password_hash=password_hash,
                confirmed_at=clock.now(),
                applicant_id=applicant.id,
                is_demo=True,
            )
        )
    session.commit()


def demo_accounts(session: Session) -> list[tuple[str, str]]:
    """(e-mail, stage) of the demo accounts, in the order of the flow."""
    rows = session.execute(
        select(ApplicantAccount.email, Case.status)
        .join(Case, Case.applicant_id == ApplicantAccount.applicant_id)
        .where(ApplicantAccount.is_demo)
    ).all()
    order = {status.value: i for i, status in enumerate(STAGES)}
    return sorted(((e, s) for e, s in rows), key=lambda row: order.get(row[1], 99))

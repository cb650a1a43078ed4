"""The records related to a record's page, where the user stands: a decision meeting's cases,
an applicant's cases with their certificates and appeals, an appeal's case and the decision it
appeals, a certificate's surveillance reports. Each is read in a constant number of queries, whatever the number of records, and
only the cases the user may see (`scope_cases`) are listed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import (
    Appeal,
    Applicant,
    Case,
    CaseUnit,
    Certificate,
    DecisionMeeting,
    Scheme,
    SurveillanceReport,
    User,
)
from ..scoping import scope_cases


@dataclass(frozen=True)
class CaseRow:
    """One case as a related list shows it."""

    id: int
    reg_number: str
    applicant: str
    scheme: str
    status: str
    decided_on: date | None


@dataclass(frozen=True)
class Related:
    """A page's related records: cases, certificates, appeals, surveillance reports (each
    empty when not asked)."""

    cases: list[CaseRow] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)
    surveillance: list[SurveillanceReport] = field(default_factory=list)


def _case_rows(session: Session, user: User, *conditions: object) -> list[CaseRow]:
    """The visible cases meeting the conditions, newest first, in one query."""
    query = (
        select(
            Case.id,
            Case.reg_number,
            Applicant.full_name,
            Scheme.title,
            Case.status,
            Case.decided_on,
        )
        .join(Applicant, Applicant.id == Case.applicant_id)
        .join(Scheme, Scheme.id == Case.scheme_id)
        .where(*conditions)
        .order_by(Case.id.desc())
    )
    return [CaseRow(*row) for row in session.execute(scope_cases(query, user)).all()]


def meeting_related(session: Session, meeting: DecisionMeeting, user: User) -> Related:
    """The cases decided in the meeting."""
    return Related(cases=_case_rows(session, user, Case.decision_meeting_id == meeting.id))


def applicant_related(session: Session, applicant: Applicant, user: User) -> Related:
    """The applicant's cases, with the certificates and appeals of those cases."""
    cases = _case_rows(session, user, Case.applicant_id == applicant.id)
    ids = [row.id for row in cases]
    certificates = session.scalars(
        select(Certificate)
        .where(Certificate.case_id.in_(ids))
        .order_by(Certificate.issued_on.desc())
    ).all()
    appeals = session.scalars(
        select(Appeal).where(Appeal.case_id.in_(ids)).order_by(Appeal.filed_on.desc())
    ).all()
    return Related(cases=cases, certificates=list(certificates), appeals=list(appeals))


def certificate_related(session: Session, certificate: Certificate) -> Related:
    """The certificate's surveillance reports (seed 2.11), the latest first, whether the holder
    sent them from the applicant portal or staff recorded them. The certificate's page is
    already scoped to the user."""
    reports = session.scalars(
        select(SurveillanceReport)
        .where(SurveillanceReport.certificate_id == certificate.id)
        .order_by(SurveillanceReport.due_on.desc(), SurveillanceReport.id.desc())
    ).all()
    return Related(surveillance=list(reports))


def appeal_case(session: Session, appeal: Appeal, user: User) -> Case | None:
    """The appealed case with its decision (decider, meeting, units' results), if visible."""
    return session.scalar(
        scope_cases(select(Case), user)
        .where(Case.id == appeal.case_id)
        .options(
            joinedload(Case.applicant),
            joinedload(Case.scheme),
            joinedload(Case.decided_by),
            joinedload(Case.decision_meeting),
            selectinload(Case.units).joinedload(CaseUnit.unit),
        )
    )

"""Certificates after issue: suspension, reinstatement, withdrawal, expiry, surveillance, re-certification."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..models import (
    ApplicantAccount,
    Case,
    Certificate,
    SurveillanceReport,
    User,
)
from ..rules import certificates as certs
from ..rules.vocabulary import (
    FINAL_CASE_STATUSES,
    N_,
    CertificateStatus,
    JobFit,
    Purpose,
)
from ..rules.workflow import (
    ALREADY_DONE,
    ROLE_REFUSED,
    Refusal,
)
from ..transactions import writing
from .applications import new_case
from .audit import certificate_audit, write_event, write_events
from .settings import Outcome, Settings, actor_of
from .tables import CERT


def change_certificates(
    session: Session,
    action: str,
    certificate_ids: Sequence[int],
    actor: User,
    reason: str,
    settings: Mapping[str, Any] | None = None,
) -> Outcome:
    """Suspend, reinstate or withdraw certificates, with the reason; who and when are audited."""
    act, today = certs.CertificateAction(action), Settings.of(settings).today
    roles, outcome = frozenset(actor.roles), Outcome()
    with writing(session):
        rows = session.execute(
            select(CERT.c.id, CERT.c.number, CERT.c.status, CERT.c.expires_on, CERT.c.case_id)
            .where(CERT.c.id.in_(list(certificate_ids)))
            .order_by(CERT.c.id)
            .with_for_update()
        ).all()
        changes = []
        for row in rows:
            current = certs.effective_status(row.status, row.expires_on, today)
            try:
                changes.append((row, certs.certificate_change(act, current, reason, roles)))
            except Refusal as refusal:
                outcome.skipped.append((row.id, row.number, refusal))
        _write_certificate_changes(session, act, changes, actor.id, reason, outcome)
    return outcome


def _write_certificate_changes(
    session: Session,
    action: certs.CertificateAction,
    changes: list[tuple[Row, CertificateStatus]],
    user_id: int | None,
    reason: str,
    outcome: Outcome,
) -> None:
    """Guarded status UPDATEs, one per (from, to) pair, and the audit events of those applied."""
    groups: dict[tuple[str, CertificateStatus], list[Row]] = defaultdict(list)
    for row, target in changes:
        groups[(row.status, target)].append(row)
    at, audit = clock.now(), []
    for (source, target), members in groups.items():
        won = set(
            session.execute(
                update(CERT)
                .where(CERT.c.id.in_([row.id for row in members]), CERT.c.status == source)
                .values(status=target.value, status_reason=reason)
                .returning(CERT.c.id)
            )
            .scalars()
            .all()
        )
        for row in members:
            if row.id not in won:
                outcome.skipped.append((row.id, row.number, Refusal(ALREADY_DONE)))
                continue
            outcome.done.append(row.id)
            audit.append(
                certificate_audit(at, user_id, action)
                | {
                    "case_id": row.case_id,
                    "certificate_id": row.id,
                    "from_status": source,
                    "to_status": target.value,
                    "note": reason,
                }
            )
    write_events(session, audit)


def expire_certificates(session: Session, settings: Mapping[str, Any] | None = None) -> int:
    """Mark active and suspended certificates past their expiry date as expired; how many."""
    today = Settings.of(settings).today
    outcome = Outcome()
    with writing(session):
        rows = session.execute(
            select(CERT.c.id, CERT.c.number, CERT.c.status, CERT.c.expires_on, CERT.c.case_id)
            .where(
                CERT.c.expires_on < today,
                CERT.c.status.in_([CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED]),
            )
            .with_for_update()
        ).all()
        reason = N_("The expiry date has passed.")
        changes = [(row, CertificateStatus.EXPIRED) for row in rows]
        _write_certificate_changes(
            session, certs.CertificateAction.EXPIRE, changes, None, reason, outcome
        )
    return len(outcome.done)


def record_surveillance(
    session: Session,
    certificate: Certificate,
    actor: User | ApplicantAccount,
    *,
    placement: str,
    duties: str,
    job_fit: str,
    evidence: str | None = None,
    submitted_on: date | None = None,
    settings: Mapping[str, Any] | None = None,
) -> SurveillanceReport:
    """Record the holder's yearly report (seed 2.11) and move the next due date on."""
    today = Settings.of(settings).today
    who = actor_of(actor)
    if not who.roles & certs.SURVEILLANCE_ROLES:
        raise Refusal(ROLE_REFUSED, action="record_surveillance")
    if job_fit not in set(JobFit):
        raise Refusal(N_("Say how well the placement fits the job."))
    with writing(session):
        cert = session.get(Certificate, certificate.id, with_for_update=True)
        refusal = certs.holder_refusal(who, cert.applicant_id)
        if refusal:
            raise refusal
        current = certs.effective_status(cert.status, cert.expires_on, today)
        if current not in (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED):
            raise Refusal(
                N_("No surveillance is recorded for a certificate that is %(status)s."),
                status=current.value,
            )
        done = session.scalar(
            select(func.count()).where(SurveillanceReport.certificate_id == cert.id)
        )
        interval = cert.scheme.surveillance_months
        report = SurveillanceReport(
            certificate_id=cert.id,
            due_on=cert.next_surveillance_due
            or certs.surveillance_due(cert.issued_on, interval, done + 1),
            submitted_on=submitted_on or today,
            placement=placement,
            duties=duties,
            job_fit=job_fit,
            evidence=evidence,
            recorded_by_id=who.user_id,
        )
        cert.next_surveillance_due = certs.next_surveillance_due(
            cert.issued_on, interval, cert.expires_on, done + 1
        )
        session.add(report)
        write_event(
            session,
            user_id=who.user_id,
            account_id=who.account_id,
            action="record_surveillance",
            case_id=cert.case_id,
            certificate_id=cert.id,
            note=placement,
            data={"due_on": report.due_on.isoformat(), "job_fit": job_fit},
        )
    return report


def start_recertification(
    session: Session,
    certificate: Certificate,
    actor: User | ApplicantAccount,
    settings: Mapping[str, Any] | None = None,
) -> Case:
    """A new draft case (purpose re-certification) for the holder, linked to the old certificate."""
    conf = Settings.of(settings)
    who = actor_of(actor)
    if not who.roles & certs.RECERTIFICATION_ROLES:
        raise Refusal(ROLE_REFUSED, action="start_recertification")
    with writing(session):
        cert = session.get(Certificate, certificate.id, with_for_update=True)
        refusal = certs.holder_refusal(who, cert.applicant_id)
        if refusal:
            raise refusal
        under_way = session.scalar(
            select(Case.reg_number).where(
                Case.previous_certificate_id == cert.id, Case.status.not_in(FINAL_CASE_STATUSES)
            )
        )
        refusal = certs.check_recertification(
            cert.status, cert.expires_on, conf.today, conf.horizon_months, under_way
        )
        if refusal:
            raise refusal
        return new_case(
            session,
            cert.case,
            actor,
            conf.today,
            purpose=Purpose.RECERTIFICATION,
            previous_certificate_id=cert.id,
            event=("start_recertification", {"previous_certificate": cert.number}),
        )

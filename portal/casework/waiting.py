"""The page model of "Menunggu Anda": per step, how much work waits, how much is overdue, and
the oldest items, in a constant number of queries (two per step the user's roles have).

A case has waited since it entered its current status: `Case.status_since`, written by casework
with every step (the time of its audit event), or its creation when no step was taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from ..models import Applicant, Case, Certificate, Complaint, User
from ..rules import certificates as certs
from ..rules.vocabulary import CertificateStatus, ComplaintStatus
from ..rules.waiting import (
    Step,
    WaitingStep,
    case_step,
    is_overdue,
    parse_targets,
    steps_for,
    working_days_before,
    working_days_between,
)
from ..rules.workflow import Action, decides_only_for_a_conflicted_chair
from ..scoping import scope_cases
from .facts import chair_conflicted, free_to_decide
from .settings import Settings

SHOWN_ITEMS = 5  # the oldest items listed under each step
OPEN_COMPLAINTS = (ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS)
CERTIFICATE_WORKLISTS = (Step.SURVEILLANCE_DUE, Step.SURVEILLANCE_OVERDUE, Step.EXPIRING)


@dataclass(frozen=True)
class WaitingItem:
    """One piece of waiting work: what it is, for whom, since when, and whether it is late.

    `days` counts working days waited for targeted steps; for certificate steps it counts the
    calendar days until the due date (negative once it has passed).
    """

    record_id: int
    title: str
    person: str
    since: date
    days: int
    overdue: bool


@dataclass(frozen=True)
class WaitingWork:
    """One step of the user's day: its count, its overdue count, its target and oldest items."""

    step: WaitingStep
    count: int
    overdue: int
    target_days: int | None
    items: tuple[WaitingItem, ...]


def targets_of(config: Mapping[str, Any]) -> dict[Step, int]:
    """The per-step targets in working days the LSP configured (STEP_TARGET_DAYS)."""
    return parse_targets(config.get("STEP_TARGET_DAYS"))


def certificate_worklist(step: str | None, settings: Settings) -> Any:
    """The condition of a certificate worklist (seed 2.11, 2.12), or None for another name."""
    today = settings.today
    live = Certificate.status == CertificateStatus.ACTIVE
    if step == Step.EXPIRING:
        horizon = certs.recertification_horizon(today, settings.horizon_months)
        return and_(live, Certificate.expires_on.between(today, horizon))
    if step == Step.SURVEILLANCE_DUE:
        notice = today + timedelta(days=certs.DEFAULT_SURVEILLANCE_NOTICE_DAYS)
        return and_(live, Certificate.next_surveillance_due.between(today, notice))
    if step == Step.SURVEILLANCE_OVERDUE:
        return and_(live, Certificate.next_surveillance_due < today)
    return None


def case_condition(work: WaitingStep, user: User) -> Any:
    """Which cases wait at a case step for this user: its statuses, whether an asesor is
    assigned; to decide, none the user assessed or trained, and for a deputy chair only those
    whose chair is conflicted."""
    condition = Case.status.in_([s.value for s in work.statuses])
    if work.action == Action.DECIDE:
        condition = and_(condition, free_to_decide(user.id, user.assessor_id))
        if decides_only_for_a_conflicted_chair(user.roles):
            condition = and_(condition, chair_conflicted())
    if work.unassigned is True:
        condition = and_(condition, Case.assessor_id.is_(None))
    elif work.unassigned is False:
        condition = and_(condition, Case.assessor_id.is_not(None))
    return condition


def case_worklist(name: str | None, user: User) -> Any:
    """The condition of a case step's list, named as the home page links it (`worklist=decide`),
    for this user; None for another name."""
    step = case_step(name)
    return None if step is None else case_condition(step, user)


def waiting_for(session: Session, user: User, config: Mapping[str, Any]) -> list[WaitingWork]:
    """Every step that waits for this user, in workflow order, with its counts and oldest items."""
    settings = Settings.of(config)
    targets = targets_of(config)
    zone = ZoneInfo(config.get("LSP_TIMEZONE") or "Asia/Jakarta")
    work = []
    for step in steps_for(frozenset(user.roles)):
        target = targets.get(step.step)
        if step.action is not None:
            work.append(_case_work(session, user, step, target, settings.today, zone))
        elif step.step in CERTIFICATE_WORKLISTS:
            work.append(_certificate_work(session, step, settings))
        else:
            work.append(_complaint_work(session, step, target, settings.today))
    return work


def _case_work(
    session: Session,
    user: User,
    step: WaitingStep,
    target: int | None,
    today: date,
    zone: ZoneInfo,
) -> WaitingWork:
    """A case step: count, overdue count and the oldest cases, scoped to what the user sees."""
    since = Case.status_since
    where = case_condition(step, user)
    late = None
    if target is not None:
        start = datetime.combine(working_days_before(today, target), time(), zone)
        late = since < start.astimezone(UTC)
    totals = select(
        func.count(),
        func.coalesce(func.sum(case((late, 1), else_=0)), 0) if late is not None else 0,
    ).where(where)
    count, overdue = session.execute(scope_cases(totals, user)).one()
    # the oldest cases first (ix_case_status_since), their applicants' names then: joined
    # before the LIMIT, PostgreSQL read every applicant to name 50,000 cases (bench_scale.py)
    oldest = scope_cases(
        select(Case.id, Case.reg_number, Case.applicant_id, since.label("since"))
        .where(where)
        .order_by(since, Case.id)
        .limit(SHOWN_ITEMS),
        user,
    ).subquery()
    rows = session.execute(
        select(oldest.c.id, oldest.c.reg_number, Applicant.full_name, oldest.c.since)
        .join(Applicant, Applicant.id == oldest.c.applicant_id)
        .order_by(oldest.c.since, oldest.c.id)
    ).all()
    items = []
    for row in rows:
        day = _local_day(row.since, zone)
        items.append(
            WaitingItem(
                row.id,
                row.reg_number,
                row.full_name,
                day,
                working_days_between(day, today),
                is_overdue(day, today, target),
            )
        )
    return WaitingWork(step, count, int(overdue or 0), target, tuple(items))


def _certificate_work(session: Session, step: WaitingStep, settings: Settings) -> WaitingWork:
    """A certificate worklist: count, overdue count (surveillance past due) and the nearest."""
    due = (
        Certificate.expires_on if step.step == Step.EXPIRING else Certificate.next_surveillance_due
    )
    where = certificate_worklist(step.step, settings)
    count = session.scalar(select(func.count()).select_from(Certificate).where(where)) or 0
    rows = session.execute(
        select(Certificate.id, Certificate.number, Certificate.holder_name, due.label("due"))
        .where(where)
        .order_by(due, Certificate.id)
        .limit(SHOWN_ITEMS)
    ).all()
    late = step.step == Step.SURVEILLANCE_OVERDUE
    items = tuple(
        WaitingItem(r.id, r.number, r.holder_name, r.due, (r.due - settings.today).days, late)
        for r in rows
    )
    return WaitingWork(step, count, count if late else 0, None, items)


def _complaint_work(
    session: Session, step: WaitingStep, target: int | None, today: date
) -> WaitingWork:
    """Open complaints: count, overdue against the target, and the oldest."""
    where = Complaint.status.in_([s.value for s in OPEN_COMPLAINTS])
    late = Complaint.received_on < working_days_before(today, target or 0)
    count, overdue = session.execute(
        select(func.count(), func.coalesce(func.sum(case((late, 1), else_=0)), 0)).where(where)
    ).one()
    rows = session.execute(
        select(Complaint.id, Complaint.subject, Complaint.complainant_name, Complaint.received_on)
        .where(where)
        .order_by(Complaint.received_on, Complaint.id)
        .limit(SHOWN_ITEMS)
    ).all()
    items = tuple(
        WaitingItem(
            r.id,
            r.subject,
            r.complainant_name,
            r.received_on,
            working_days_between(r.received_on, today),
            is_overdue(r.received_on, today, target),
        )
        for r in rows
    )
    return WaitingWork(step, count, int(overdue), target, items)


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The LSP-local date of a stored UTC time (naive on SQLite, aware on PostgreSQL)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()

"""The page model of the heads' dashboard: the funnel of a period's applications, pass rates
per scheme and per asesor, median days per step, and the certificates to watch.

Every figure is one grouped query over the audit trail (each transition writes one event with
its from and to status), so the page costs a fixed number of queries at any size. Medians are
taken from a per-day histogram that the database groups, not from every duration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from ..models import Assessor, AuditEvent, Case, Certificate, Scheme
from ..rules import certificates as certs
from ..rules.vocabulary import N_, CaseStatus, CertificateStatus, Role
from ..rules.workflow import Action
from .settings import Settings

HEAD_ROLES = frozenset(
    {
        Role.ADMIN,
        Role.CHAIR,
        Role.DEPUTY_CHAIR,
        Role.CERTIFICATION_HEAD,
        Role.QUALITY_HEAD,
        Role.STANDARDS_HEAD,
    }
)
DEFAULT_PERIOD_DAYS = 365
EXPIRY_MONTHS = 12  # the expiry chart looks a year ahead

# The funnel: each stage counts the period's applications that ever reached one of its statuses.
FUNNEL: tuple[tuple[str, tuple[CaseStatus, ...]], ...] = (
    (N_("Submitted"), (CaseStatus.SUBMITTED,)),
    (N_("Verified"), (CaseStatus.VERIFIED,)),
    (N_("Ready for assessment"), (CaseStatus.READY_FOR_ASSESSMENT,)),
    (N_("Assessed"), (CaseStatus.ASSESSED,)),
    (N_("Decided"), (CaseStatus.COMPETENT, CaseStatus.NOT_YET_COMPETENT)),
    (N_("Certified"), (CaseStatus.CERTIFIED,)),
)
# Time per step: from entering a status to leaving it for one of the next ones.
STEP_DURATIONS: tuple[tuple[str, CaseStatus, tuple[CaseStatus, ...]], ...] = (
    (N_("Submission to verification"), CaseStatus.SUBMITTED, (CaseStatus.VERIFIED,)),
    (N_("Verification to self-assessment"), CaseStatus.VERIFIED, (CaseStatus.SELF_ASSESSED,)),
    (
        N_("Self-assessment to plan"),
        CaseStatus.SELF_ASSESSED,
        (CaseStatus.READY_FOR_ASSESSMENT,),
    ),
    (N_("Plan to recommendation"), CaseStatus.READY_FOR_ASSESSMENT, (CaseStatus.ASSESSED,)),
    (
        N_("Recommendation to decision"),
        CaseStatus.ASSESSED,
        (CaseStatus.COMPETENT, CaseStatus.NOT_YET_COMPETENT),
    ),
    (N_("Decision to certificate"), CaseStatus.COMPETENT, (CaseStatus.CERTIFIED,)),
)


@dataclass(frozen=True)
class Period:
    """The days the dashboard looks at, both ends included (LSP-local dates)."""

    start: date
    end: date

    @classmethod
    def parse(cls, start: str | None, end: str | None, today: date) -> Period:
        """The period from ISO dates in the query string; a year up to today when unreadable."""
        last = _iso(end) or today
        first = _iso(start) or last - timedelta(days=DEFAULT_PERIOD_DAYS)
        return cls(first, last) if first <= last else cls(last, first)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants: from its first midnight to the midnight after it."""
        begin = datetime.combine(self.start, time(), zone).astimezone(UTC)
        after = datetime.combine(self.end + timedelta(days=1), time(), zone).astimezone(UTC)
        return begin, after


@dataclass(frozen=True)
class PassRate:
    """Decisions K and BK for one scheme or asesor."""

    name: str
    competent: int
    not_yet: int

    @property
    def total(self) -> int:
        return self.competent + self.not_yet

    @property
    def percent(self) -> int:
        """The share decided K, rounded to a whole percent."""
        return round(100 * self.competent / self.total) if self.total else 0


@dataclass(frozen=True)
class StepTime:
    """The median and number of the durations of one step, in days."""

    label: str
    median_days: float | None
    cases: int


@dataclass(frozen=True)
class HeadsDashboard:
    """Everything the heads' dashboard shows."""

    funnel: list[tuple[str, int]]
    by_scheme: list[PassRate]
    by_assessor: list[PassRate]
    step_times: list[StepTime]
    expiring: list[tuple[date, int]]  # first day of each month ahead, certificates expiring
    surveillance_overdue: list[tuple[str, int]]  # scheme, certificates overdue


def heads_dashboard(
    session: Session, period: Period, scheme_id: int | None, config: Mapping[str, Any]
) -> HeadsDashboard:
    """The dashboard's figures for a period and, when given, one scheme."""
    zone = ZoneInfo(config.get("LSP_TIMEZONE") or "Asia/Jakarta")
    begin, after = period.bounds(zone)
    in_scheme = Case.scheme_id == scheme_id if scheme_id else None
    today = Settings.of(config).today
    return HeadsDashboard(
        funnel=_funnel(session, begin, after, in_scheme),
        by_scheme=_pass_rates(session, begin, after, in_scheme, Scheme.title, Case.scheme_id),
        by_assessor=_pass_rates(
            session, begin, after, in_scheme, Assessor.full_name, Case.assessor_id
        ),
        step_times=_step_times(session, begin, after, in_scheme),
        expiring=_expiring(session, today, scheme_id),
        surveillance_overdue=_surveillance_overdue(session, today, scheme_id),
    )


def _where(*conditions: Any) -> Any:
    """The conditions that are given, joined with AND."""
    return and_(*(c for c in conditions if c is not None))


def _funnel(session: Session, begin: datetime, after: datetime, in_scheme: Any) -> list:
    """Applications created in the period, and how many reached each stage."""
    stage = case(
        *((AuditEvent.to_status.in_([s.value for s in ss]), n) for n, (_l, ss) in enumerate(FUNNEL))
    )
    rows = session.execute(
        select(stage, func.count(func.distinct(AuditEvent.case_id)))
        .join(Case, Case.id == AuditEvent.case_id)
        .where(
            _where(Case.created_at >= begin, Case.created_at < after, in_scheme),
            stage.is_not(None),
        )
        .group_by(stage)
    ).all()
    reached = dict(rows)
    return [(label, reached.get(n, 0)) for n, (label, _s) in enumerate(FUNNEL)]


def _pass_rates(
    session: Session, begin: datetime, after: datetime, in_scheme: Any, name: Any, key: Any
) -> list[PassRate]:
    """Decisions taken in the period (the decide action's events), K and BK per group."""
    competent = func.sum(case((AuditEvent.to_status == CaseStatus.COMPETENT.value, 1), else_=0))
    rows = session.execute(
        select(name, competent, func.count())
        .select_from(AuditEvent)
        .join(Case, Case.id == AuditEvent.case_id)
        .join(name.class_, name.class_.id == key)
        .where(
            _where(
                AuditEvent.action == Action.DECIDE.value,
                AuditEvent.at >= begin,
                AuditEvent.at < after,
                in_scheme,
            )
        )
        .group_by(name)
        .order_by(name)
    ).all()
    return [PassRate(n, int(k or 0), int(total) - int(k or 0)) for n, k, total in rows]


def _step_times(session: Session, begin: datetime, after: datetime, in_scheme: Any) -> list:
    """The median days of each step that ended in the period."""
    entered = (
        select(
            AuditEvent.case_id,
            AuditEvent.to_status,
            AuditEvent.at,
            func.lag(AuditEvent.at)
            .over(partition_by=AuditEvent.case_id, order_by=(AuditEvent.at, AuditEvent.id))
            .label("before"),
            func.lag(AuditEvent.to_status)
            .over(partition_by=AuditEvent.case_id, order_by=(AuditEvent.at, AuditEvent.id))
            .label("came_from"),
        )
        .join(Case, Case.id == AuditEvent.case_id)
        .where(_where(AuditEvent.to_status.is_not(None), in_scheme))
        .subquery()
    )
    days = _days_between(session, entered.c.before, entered.c.at)
    steps = or_(
        *(
            and_(entered.c.came_from == a.value, entered.c.to_status.in_([t.value for t in to]))
            for _label, a, to in STEP_DURATIONS
        )
    )
    rows = session.execute(
        select(entered.c.came_from, days, func.count())
        .where(entered.c.at >= begin, entered.c.at < after, steps)
        .group_by(entered.c.came_from, days)
    ).all()
    histograms: dict[str, list[tuple[int, int]]] = {}
    for came_from, day_count, n in rows:
        histograms.setdefault(came_from, []).append((int(day_count), int(n)))
    return [
        StepTime(label, *_median(histograms.get(a.value, []))) for label, a, _to in STEP_DURATIONS
    ]


def _days_between(session: Session, start: Any, end: Any) -> Any:
    """Whole days between two timestamps, in the database's own arithmetic."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", end - start) / 86400), Integer)
    return cast(func.julianday(end) - func.julianday(start), Integer)


def _median(histogram: list[tuple[int, int]]) -> tuple[float | None, int]:
    """The median of values given as (value, how many) pairs, and how many there were."""
    total = sum(n for _v, n in histogram)
    if not total:
        return None, 0
    ordered = sorted(histogram)
    middle = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value, n in ordered:
        while middle and middle[0] < seen + n:
            found.append(value)
            middle.pop(0)
        seen += n
    return sum(found) / 2, total


def _expiring(session: Session, today: date, scheme_id: int | None) -> list[tuple[date, int]]:
    """Active certificates expiring in each of the next months."""
    first = today.replace(day=1)
    months = [certs.add_months(first, n) for n in range(EXPIRY_MONTHS + 1)]
    bucket = case(
        *((Certificate.expires_on < months[n + 1], n) for n in range(EXPIRY_MONTHS)),
    )
    rows = session.execute(
        select(bucket, func.count())
        .where(
            _where(
                Certificate.status == CertificateStatus.ACTIVE.value,
                Certificate.expires_on >= today,
                Certificate.expires_on < months[-1],
                Certificate.scheme_id == scheme_id if scheme_id else None,
            )
        )
        .group_by(bucket)
    ).all()
    counts = dict(rows)
    return [(months[n], counts.get(n, 0)) for n in range(EXPIRY_MONTHS)]


def _surveillance_overdue(
    session: Session, today: date, scheme_id: int | None
) -> list[tuple[str, int]]:
    """Active certificates whose surveillance report is overdue, per scheme."""
    rows = session.execute(
        select(Scheme.title, func.count())
        .select_from(Certificate)
        .join(Scheme, Scheme.id == Certificate.scheme_id)
        .where(
            _where(
                Certificate.status == CertificateStatus.ACTIVE.value,
                Certificate.next_surveillance_due < today,
                Certificate.scheme_id == scheme_id if scheme_id else None,
            )
        )
        .group_by(Scheme.title)
        .order_by(Scheme.title)
    ).all()
    return [(title, n) for title, n in rows]


def _iso(text: str | None) -> date | None:
    """A date from ISO text, or None when it is missing or unreadable."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None

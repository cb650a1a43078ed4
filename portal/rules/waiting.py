"""What waits for whom: the steps of a staff member's day, in workflow order, with targets.

Pure Python. Each case step is read off the transition table (the roles that may fire its
action and the statuses it starts from), so "Menunggu Anda" cannot drift from the workflow.
The LSP sets a target per step in working days (`STEP_TARGET_DAYS`); an item that has waited
longer is overdue. Working days are Monday to Friday (public holidays are not known here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from . import certificates as certs
from . import workflow
from .vocabulary import N_, CaseStatus, Role
from .workflow import Action


class Step(StrEnum):
    VERIFY = "verify"
    SELF_ASSESS = "self_assess"
    ASSIGN = "assign"
    PLAN = "plan"
    RECOMMEND = "recommend"
    DECIDE = "decide"
    ISSUE = "issue"
    APPEAL = "appeal"
    SURVEILLANCE_OVERDUE = "surveillance_overdue"
    SURVEILLANCE_DUE = "surveillance_due"
    EXPIRING = "expiring"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class WaitingStep:
    """One kind of work: who does it, which screen lists it, and its default target.

    A case step names its action (roles and statuses come from the transition table);
    `unassigned` narrows it to cases without an assessor. Other steps name their roles.
    """

    step: Step
    label: str
    screen: str
    default_target_days: int | None
    action: Action | None = None
    unassigned: bool | None = None
    own_roles: frozenset[Role] = frozenset()

    @property
    def roles(self) -> frozenset[Role]:
        """The roles this work waits for."""
        if self.action is None:
            return self.own_roles
        return frozenset().union(*(row.roles for row in workflow.rows(self.action)))

    @property
    def statuses(self) -> tuple[CaseStatus, ...]:
        """The case statuses of this step, in workflow order (empty for non-case steps)."""
        return () if self.action is None else workflow.starts_from(self.action)


_COMPLAINT_ROLES = frozenset({Role.QUALITY_HEAD})

STEPS: tuple[WaitingStep, ...] = (
    WaitingStep(Step.VERIFY, N_("Applications to verify"), "case", 5, Action.VERIFY),
    WaitingStep(
        Step.SELF_ASSESS, N_("Self-assessments to record"), "case", 5, Action.RECORD_SELF_ASSESSMENT
    ),
    WaitingStep(
        Step.ASSIGN, N_("Cases without an asesor"), "case", 3, Action.ASSIGN_ASSESSOR, True
    ),
    WaitingStep(Step.PLAN, N_("Assessments to plan"), "case", 10, Action.PRE_ASSESS, False),
    WaitingStep(Step.RECOMMEND, N_("Recommendations to give"), "case", 10, Action.RECOMMEND),
    WaitingStep(Step.DECIDE, N_("Cases to decide"), "case", 10, Action.DECIDE),
    WaitingStep(Step.ISSUE, N_("Certificates to issue"), "case", 5, Action.ISSUE),
    WaitingStep(Step.APPEAL, N_("Appeals to decide"), "case", 10, Action.DECIDE_APPEAL),
    WaitingStep(
        Step.SURVEILLANCE_OVERDUE,
        N_("Surveillance overdue"),
        "certificate",
        None,
        own_roles=certs.SURVEILLANCE_ROLES,
    ),
    WaitingStep(
        Step.SURVEILLANCE_DUE,
        N_("Surveillance due"),
        "certificate",
        None,
        own_roles=certs.SURVEILLANCE_ROLES,
    ),
    WaitingStep(
        Step.EXPIRING,
        N_("Certificates expiring (re-certification)"),
        "certificate",
        None,
        own_roles=certs.RECERTIFICATION_ROLES,
    ),
    WaitingStep(Step.COMPLAINT, N_("Open complaints"), "complaint", 20, own_roles=_COMPLAINT_ROLES),
)
TARGETED = tuple(s.step for s in STEPS if s.default_target_days is not None)


def steps_for(roles: frozenset[str] | set[str]) -> tuple[WaitingStep, ...]:
    """The steps whose work waits for someone with these roles, in workflow order."""
    return tuple(s for s in STEPS if s.roles.intersection(roles))


def case_step(name: str | None) -> WaitingStep | None:
    """The case step of this name (as the home page links its list: `worklist=decide`), or None."""
    return next((s for s in STEPS if s.step == name and s.action is not None), None)


def parse_targets(text: str | None) -> dict[Step, int]:
    """The targets in working days: the defaults, overridden by `step=days,step=days`.

    Raises ValueError naming the bad entry, so a misconfigured portal refuses to start.
    """
    targets = {s.step: s.default_target_days for s in STEPS if s.default_target_days is not None}
    for entry in (text or "").split(","):
        if not entry.strip():
            continue
        name, _, days = entry.partition("=")
        name = name.strip()
        if name not in TARGETED:
            raise ValueError(
                f"STEP_TARGET_DAYS: unknown step {name!r} (known: {', '.join(TARGETED)})"
            )
        if not days.strip().isdigit() or int(days) < 1:
            raise ValueError(
                f"STEP_TARGET_DAYS: {entry.strip()!r} needs a whole number of days ≥ 1"
            )
        targets[Step(name)] = int(days)
    return targets


def working_days_before(day: date, n: int) -> date:
    """The date `n` working days (Monday–Friday) before `day`."""
    while n > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (0 if none)."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


def is_overdue(since: date, today: date, target_days: int | None) -> bool:
    """True when work waiting since `since` has passed its target by `today`."""
    return target_days is not None and since < working_days_before(today, target_days)

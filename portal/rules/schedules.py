"""A schedule's seats and registration deadline (seed 2.1): who holds a seat, and when an
application may still take one."""

from __future__ import annotations

from datetime import date

from .vocabulary import N_, CaseStatus, Role
from .workflow import Refusal

# Who may put a case on a full or closed schedule, with a note that goes into the audit trail.
SEAT_OVERRIDE_ROLES = frozenset({Role.CERTIFICATION_HEAD})
SEAT_OVERRIDE = "seat_override"  # the audit event's action

# A case holds a seat of its schedule once submitted, until it is withdrawn; a draft does not
# (an abandoned draft must not keep a seat from anyone).
SEATLESS_STATUSES = frozenset({CaseStatus.DRAFT, CaseStatus.WITHDRAWN})


def seats_left(quota: int, taken: int) -> int:
    """Seats still free: the quota less the seats held, never below zero."""
    return max(quota - taken, 0)


def registration_refusal(deadline: date, today: date) -> Refusal | None:
    """Why nobody may register on the schedule any more, or None until its deadline (inclusive)."""
    if today > deadline:
        return Refusal(N_("Registration for this schedule closed on %(date)s."), date=deadline)
    return None


def quota_refusal(quota: int, taken: int) -> Refusal | None:
    """Why one more candidate does not fit on the schedule, or None while a seat is free."""
    if taken >= quota:
        return Refusal(N_("This schedule is full: all %(quota)s seats are taken."), quota=quota)
    return None


def seat_refusal(*, quota: int, taken: int, deadline: date, today: date) -> Refusal | None:
    """Why an application may not take a seat of the schedule now, or None when it may."""
    return registration_refusal(deadline, today) or quota_refusal(quota, taken)


def placement_refusal(
    *,
    quota: int,
    taken: int,
    deadline: date,
    today: date,
    roles: frozenset[str],
    override_note: str | None,
) -> Refusal | None:
    """Why staff may not put a case on the schedule now, or None when they may: the seat rule,
    which the certification head may override by giving a note."""
    refusal = seat_refusal(quota=quota, taken=taken, deadline=deadline, today=today)
    if refusal is not None and SEAT_OVERRIDE_ROLES & roles and (override_note or "").strip():
        return None
    return refusal

"""A schedule's seats and registration deadline, as rules: whether one more candidate may be
registered on it. Pure: the caller passes the quota, the seats taken and today."""

from __future__ import annotations

from datetime import date

from .identity import Message
from .vocabulary import N_, CaseStatus

# A withdrawn candidate frees the seat; every other case on the schedule holds one.
FREEING = frozenset({CaseStatus.WITHDRAWN})


def registration_refusal(deadline: date, today: date) -> Message | None:
    """Why no one can register any more, or None while registration is open (until the deadline,
    inclusive)."""
    if today > deadline:
        return Message(
            N_("registration closed on %(deadline)s"), {"deadline": deadline.isoformat()}
        )
    return None


def seat_refusal(quota: int, taken: int) -> Message | None:
    """Why one more candidate does not fit, or None while a seat is free."""
    if taken >= quota:
        return Message(N_("the schedule is full (quota %(quota)d)"), {"quota": quota})
    return None

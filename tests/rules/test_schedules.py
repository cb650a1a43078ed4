"""A schedule's seats and registration deadline."""

from datetime import date

import pytest

from portal.rules.schedules import seat_refusal, seats_left

DEADLINE = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("taken", "today", "message"),
    [
        (0, DEADLINE, None),
        (19, DEADLINE, None),
        (20, DEADLINE, "This schedule is full: all 20 seats are taken."),
        (25, date(2026, 3, 1), "This schedule is full: all 20 seats are taken."),
        (0, date(2026, 3, 11), "Registration for this schedule closed on 2026-03-10."),
    ],
)
def test_a_seat_is_free_until_the_quota_and_the_deadline(taken, today, message):
    refusal = seat_refusal(quota=20, taken=taken, deadline=DEADLINE, today=today)
    assert (str(refusal) if refusal else None) == message


def test_seats_left_never_goes_below_zero():
    assert [seats_left(20, taken) for taken in (0, 20, 21)] == [20, 0, 0]

"""A schedule's quota and registration deadline."""

from __future__ import annotations

from datetime import date

import pytest

from portal.rules.seats import registration_refusal, seat_refusal

DEADLINE = date(2026, 2, 20)


@pytest.mark.parametrize(
    ("today", "open_"),
    [(date(2026, 2, 19), True), (DEADLINE, True), (date(2026, 2, 21), False)],
)
def test_registration_is_open_until_the_deadline_inclusive(today, open_):
    refusal = registration_refusal(DEADLINE, today)
    assert (refusal is None) == open_
    if refusal:
        assert refusal.params == {"deadline": "2026-02-20"}


@pytest.mark.parametrize(("taken", "fits"), [(0, True), (29, True), (30, False), (31, False)])
def test_a_seat_is_free_below_the_quota(taken, fits):
    assert (seat_refusal(30, taken) is None) == fits

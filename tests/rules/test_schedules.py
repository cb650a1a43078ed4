"""A schedule's seats and registration deadline."""

from datetime import date

import pytest

from portal.rules.schedules import (
    placement_refusal,
    quota_refusal,
    registration_refusal,
    seat_refusal,
    seats_left,
)

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


@pytest.mark.parametrize(
    ("today", "open_"),
    [(date(2026, 3, 9), True), (DEADLINE, True), (date(2026, 3, 11), False)],
)
def test_registration_is_open_until_the_deadline_inclusive(today, open_):
    assert (registration_refusal(DEADLINE, today) is None) == open_


@pytest.mark.parametrize(("taken", "fits"), [(0, True), (29, True), (30, False), (31, False)])
def test_a_seat_is_free_below_the_quota(taken, fits):
    assert (quota_refusal(30, taken) is None) == fits


HEAD = frozenset({"certification_head"})
SECRETARIAT = frozenset({"secretariat"})
FULL = "This schedule is full: all 20 seats are taken."
CLOSED = "Registration for this schedule closed on 2026-03-10."


@pytest.mark.parametrize(
    ("taken", "today", "roles", "note", "message"),
    [
        (5, DEADLINE, SECRETARIAT, None, None),
        (20, DEADLINE, SECRETARIAT, None, FULL),
        (20, DEADLINE, SECRETARIAT, "Permintaan instansi", FULL),
        (5, date(2026, 3, 11), SECRETARIAT, "Terlambat", CLOSED),
        (20, DEADLINE, HEAD, None, FULL),
        (20, DEADLINE, HEAD, "   ", FULL),
        (20, DEADLINE, HEAD, "Permintaan instansi", None),
        (5, date(2026, 3, 11), HEAD, "Berkas terlambat dikirim pos", None),
        (5, DEADLINE, HEAD, None, None),
    ],
)
def test_staff_place_a_case_within_the_seats_unless_the_head_overrides(
    taken, today, roles, note, message
):
    refusal = placement_refusal(
        quota=20, taken=taken, deadline=DEADLINE, today=today, roles=roles, override_note=note
    )
    assert (str(refusal) if refusal else None) == message

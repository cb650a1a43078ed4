"""Certificate rules: numbers and series, validity dates, lifecycle, surveillance, re-certification."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.rules.certificates import (
    DEFAULT_NUMBER_PATTERN,
    LIFECYCLE,
    CertificateAction,
    SurveillanceState,
    add_months,
    certificate_change,
    check_recertification,
    effective_status,
    expiring_soon,
    expiry,
    format_number,
    next_surveillance_due,
    number_fields,
    series_key,
    surveillance_due,
    surveillance_state,
)
from portal.rules.vocabulary import CertificateStatus, Role
from portal.rules.workflow import ROLE_REFUSED, Refusal

C = CertificateStatus
HEAD = {Role.CERTIFICATION_HEAD}
TODAY = date(2026, 3, 2)


def test_default_number_and_its_series():
    fields = number_fields("KLP", date(2026, 7, 1))
    assert format_number(DEFAULT_NUMBER_PATTERN, 42, **fields) == "00042/LSP-PUST/KLP/2026"
    assert series_key(DEFAULT_NUMBER_PATTERN, **fields) == "/LSP-PUST/KLP/2026"


def test_series_follow_the_pattern():
    monthly = "LSP/{scheme}/{year}/{month:02d}/{seq}"
    assert series_key(monthly, **number_fields("KKNI6", date(2026, 7, 1))) == "LSP/KKNI6/2026/07/"
    lifelong = "{scheme}-{seq:06d}"
    assert series_key(lifelong, **number_fields("KKNI6", date(2026, 7, 1))) == "KKNI6-"
    assert series_key(lifelong, **number_fields("KKNI6", date(2031, 1, 1))) == "KKNI6-"


def test_a_pattern_without_seq_is_refused():
    with pytest.raises(ValueError, match="seq"):
        series_key("{scheme}/{year}", scheme="X", year=2026)


@given(
    st.integers(1, 99_999), st.integers(1, 99_999), st.dates(date(2000, 1, 1), date(2099, 12, 31))
)
def test_numbers_differ_within_a_series(a, b, day):
    fields = number_fields("KLP", day)
    same = format_number(DEFAULT_NUMBER_PATTERN, a, **fields) == format_number(
        DEFAULT_NUMBER_PATTERN, b, **fields
    )
    assert same == (a == b)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 3, 31), 36, date(2029, 3, 31)),
        (date(2026, 8, 31), -6, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


@given(st.dates(date(1990, 1, 1), date(2090, 12, 31)), st.integers(1, 120))
def test_expiry_is_always_later_and_in_the_right_month(day, months):
    end = expiry(day, months)
    assert end > day
    assert (end.year * 12 + end.month) - (day.year * 12 + day.month) == months
    assert end.day <= day.day


def test_default_validity_is_36_months():
    assert expiry(date(2026, 3, 2)) == date(2029, 3, 2)


@pytest.mark.parametrize(
    ("action", "source", "target"),
    [(row.action, source, row.to) for row in LIFECYCLE for source in sorted(row.sources)],
)
def test_every_lifecycle_change_is_declared(action, source, target):
    roles = None if not next(r for r in LIFECYCLE if r.action == action).roles else HEAD
    assert certificate_change(action, source, "Alasan", roles) == target


@pytest.mark.parametrize(
    ("action", "source"),
    [
        (row.action, status)
        for row in LIFECYCLE
        for status in CertificateStatus
        if status not in row.sources
    ],
)
def test_undeclared_lifecycle_changes_are_refused(action, source):
    with pytest.raises(Refusal, match="not possible"):
        certificate_change(action, source, "Alasan")


def test_lifecycle_changes_need_a_reason_and_a_role():
    with pytest.raises(Refusal, match="A reason is required"):
        certificate_change(CertificateAction.SUSPEND, C.ACTIVE, "  ", HEAD)
    with pytest.raises(Refusal) as refused:
        certificate_change(CertificateAction.SUSPEND, C.ACTIVE, "x", {Role.SECRETARIAT})
    assert refused.value.msgid == ROLE_REFUSED
    with pytest.raises(Refusal):
        certificate_change(CertificateAction.EXPIRE, C.ACTIVE, "x", HEAD)  # only by date


def test_suspended_certificate_is_reinstated_or_withdrawn():
    suspended = certificate_change(CertificateAction.SUSPEND, C.ACTIVE, "Surveilan", HEAD)
    assert certificate_change(CertificateAction.REINSTATE, suspended, "Laporan", HEAD) == C.ACTIVE
    assert certificate_change(CertificateAction.WITHDRAW, suspended, "Palsu", HEAD) == C.WITHDRAWN


def test_expired_by_date():
    assert effective_status("active", TODAY, TODAY) == C.ACTIVE
    assert effective_status("active", TODAY, TODAY + timedelta(days=1)) == C.EXPIRED
    assert effective_status("suspended", TODAY, TODAY + timedelta(days=1)) == C.EXPIRED
    assert effective_status("withdrawn", TODAY, TODAY + timedelta(days=1)) == C.WITHDRAWN


def test_surveillance_due_dates_follow_the_interval():
    issued = date(2026, 1, 31)
    assert [surveillance_due(issued, 12, n) for n in (1, 2)] == [
        date(2027, 1, 31),
        date(2028, 1, 31),
    ]
    assert surveillance_due(issued, 1, 1) == date(2026, 2, 28)
    expires = expiry(issued, 36)
    assert next_surveillance_due(issued, 12, expires, 0) == date(2027, 1, 31)
    assert next_surveillance_due(issued, 12, expires, 1) == date(2028, 1, 31)
    assert next_surveillance_due(issued, 12, expires, 2) is None  # re-certification instead


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2027, 1, 1), SurveillanceState.NOT_DUE),
        (date(2027, 1, 31), SurveillanceState.DUE),
        (date(2027, 3, 2), SurveillanceState.DUE),
        (date(2027, 3, 3), SurveillanceState.OVERDUE),
    ],
)
def test_surveillance_due_and_overdue(today, state):
    assert surveillance_state(date(2027, 3, 2), today) == state


def test_no_surveillance_due_after_the_last():
    assert surveillance_state(None, TODAY) == SurveillanceState.NOT_DUE


def test_recertification_horizon():
    assert expiring_soon(TODAY + timedelta(days=180), TODAY)
    assert not expiring_soon(add_months(TODAY, 6) + timedelta(days=1), TODAY)
    assert not expiring_soon(TODAY - timedelta(days=1), TODAY)
    assert expiring_soon(add_months(TODAY, 12), TODAY, months=12)


@pytest.mark.parametrize(
    ("status", "expires_on", "open_case", "message"),
    [
        ("active", TODAY + timedelta(days=30), None, None),
        ("active", TODAY - timedelta(days=1), None, None),  # expired by date: still allowed
        ("active", TODAY + timedelta(days=400), None, "beyond the next 6 months"),
        ("withdrawn", TODAY + timedelta(days=30), None, "withdrawn cannot be re-certified"),
        ("superseded", TODAY + timedelta(days=30), None, "superseded cannot be re-certified"),
        ("active", TODAY + timedelta(days=30), "APL-2026-000009", "already under way"),
    ],
)
def test_recertification_may_start(status, expires_on, open_case, message):
    refusal = check_recertification(status, expires_on, TODAY, 6, open_case)
    assert (refusal is None) if message is None else (message in str(refusal))

"""Linking a staff-made record: how long a code lives, how often it may be tried."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.rules.account_link import MAX_ATTEMPTS, code_expiry, code_refusal, masked

SENT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expires_at", "attempts", "minutes_later", "refused"),
    [
        (code_expiry(SENT), 0, 29, None),
        (code_expiry(SENT), MAX_ATTEMPTS - 1, 30, None),
        (code_expiry(SENT), MAX_ATTEMPTS, 1, "The code has expired or was tried too often."),
        (code_expiry(SENT), 0, 31, "The code has expired or was tried too often."),
        (None, 0, 0, "Ask for a code first."),
    ],
)
def test_a_code_is_tried_only_while_fresh_and_not_tried_too_often(
    expires_at, attempts, minutes_later, refused
):
    now = SENT + timedelta(minutes=minutes_later)
    refusal = code_refusal(expires_at=expires_at, attempts=attempts, now=now)
    if refused is None:
        assert refusal is None
    else:
        assert refusal.msgid.startswith(refused)


def test_the_address_is_masked():
    assert masked("rina.wati@example.org") == "r***@example.org"

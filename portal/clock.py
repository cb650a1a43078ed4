"""The one clock: every "now" and "today" of the portal is read here.

Times are kept in UTC; "today" is the date in the LSP's time zone, because a deadline or a
validity ends at midnight where the LSP works. Tests move the clock with `moved_by`, so
reminders and deadlines are checked on the days they fall, never by sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Jakarta"

_offset = timedelta(0)


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC) + _offset


def today(zone: str | None = None) -> date:
    """Today's date in the given time zone (the LSP's, by default)."""
    return now().astimezone(ZoneInfo(zone or DEFAULT_TIMEZONE)).date()


def lsp_today() -> date:
    """Today in the time zone the running application is configured with."""
    from flask import current_app, has_app_context

    zone = current_app.config.get("LSP_TIMEZONE") if has_app_context() else None
    return today(zone)


@contextmanager
def moved_by(delta: timedelta) -> Iterator[None]:
    """Within the block the clock reads `delta` later (tests of reminders and deadlines)."""
    global _offset
    before, _offset = _offset, _offset + delta
    try:
        yield
    finally:
        _offset = before

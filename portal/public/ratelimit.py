"""The verification page's per-client rate limit, counted by the app's one limiter
(`portal.security.limiter`, keyed by the remote address; tests switch it off)."""

from __future__ import annotations

from flask import current_app

from ..security import limiter

__all__ = ["limiter", "verify_limit"]

DEFAULT_VERIFY_LIMIT = "30/minute"


def verify_limit() -> str:
    """The verification page's limit, from VERIFY_RATE_LIMIT (e.g. `30/minute`)."""
    return current_app.config.get("VERIFY_RATE_LIMIT") or DEFAULT_VERIFY_LIMIT

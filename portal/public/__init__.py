"""Public pages, no login: the schedule with its downloads (seed 2.1) and certificate checks."""

from __future__ import annotations

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    """Register the public pages (their rate limit is counted by `portal.security.limiter`)."""
    app.register_blueprint(bp)

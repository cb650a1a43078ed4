"""The applicant portal (/asesi/): applicants' own accounts and applications, apart from staff."""

from __future__ import annotations

from flask import Flask

from .accounts import current_account
from .views import bp


def init_app(app: Flask) -> None:
    """Register the applicant pages; templates may ask who is signed in as an applicant."""
    app.register_blueprint(bp)
    app.jinja_env.globals["current_account"] = current_account

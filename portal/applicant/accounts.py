"""Applicant sessions and signed links, kept apart from staff logins.

An applicant's session holds only their account id and a fingerprint of their password hash
(so a password reset ends every other session); it never holds Flask-Login's staff user id, and
signing in as one kind ends any session of the other. Confirmation and reset links are signed
with the app's secret, carry their purpose (salt), and expire.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models import ApplicantAccount

SESSION_KEY = "applicant"
CONFIRM = "applicant-confirm"
RESET = "applicant-reset"
LINK = "applicant-link"


def _fingerprint(account: ApplicantAccount) -> str:
    """A short digest of the password hash: changes whenever the password does."""
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def fresh_session() -> None:
    """Start the session afresh, ending any staff login, keeping only the language."""
    language = session.get("lang")
    session.clear()
    logout_user()  # after the clear: it marks a staff "remember me" cookie for deletion
    if language:
        session["lang"] = language


def sign_in(account: ApplicantAccount) -> None:
    """Start an applicant session (after ending whatever session this browser had)."""
    fresh_session()
    session[SESSION_KEY] = {"id": account.id, "v": _fingerprint(account)}


def sign_out() -> None:
    """End the applicant session."""
    fresh_session()


def current_account() -> ApplicantAccount | None:
    """The signed-in applicant of this request, or None (a changed password ends the session)."""
    if "applicant_account" in g:
        return g.applicant_account
    held = session.get(SESSION_KEY)
    account = None
    if isinstance(held, dict) and isinstance(held.get("id"), int):
        found = db.session.get(ApplicantAccount, held["id"])
        if found is not None and found.confirmed_at and held.get("v") == _fingerprint(found):
            account = found
    g.applicant_account = account
    return account


def account_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only a signed-in applicant opens the view; staff are refused (they never act as one)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_authenticated:
            abort(403)
        if current_account() is None:
            flash(gettext("Sign in to your applicant account to open this page."), "info")
            return redirect(url_for("asesi.sign_in", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def make_token(purpose: str, account: ApplicantAccount) -> str:
    """A signed token for the account: confirmation binds the e-mail, a reset the password."""
    bound = account.email if purpose == CONFIRM else _fingerprint(account)
    return _serializer(purpose).dumps([account.id, bound])


def read_token(purpose: str, token: str, max_age_hours: int) -> ApplicantAccount | None:
    """The account a valid, unexpired, still-current token names, else None."""
    try:
        account_id, bound = _serializer(purpose).loads(token, max_age=max_age_hours * 3600)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    account = db.session.get(ApplicantAccount, account_id) if isinstance(account_id, int) else None
    if account is None:
        return None
    expected = account.email if purpose == CONFIRM else _fingerprint(account)
    return account if bound == expected else None

"""The messages the applicant portal sends: confirmation, password reset, "already registered".

Each goes through the outbox in the request's transaction (sent by the worker after the commit,
never for a change that was rolled back), rendered from templates/email/ in the visitor's
language. Links point at PUBLIC_BASE_URL, not at whatever host the request named.
"""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from flask_babel import get_locale

from .. import clock
from ..extensions import db
from ..models import ApplicantAccount
from ..outbox import queue_email


def _absolute(endpoint: str, **values: object) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)


def _queue(account: ApplicantAccount, template: str, key: str, **context: object) -> None:
    queue_email(
        db.session,
        to=account.email,
        template=template,
        context={"name": account.full_name, **context},
        language=str(get_locale()),
        key=f"{template}:{account.id}:{key}",
    )


def _digest(token: str) -> str:
    """A message key from a token (each new link is a new message; the key holds no secret)."""
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def confirmation(account: ApplicantAccount, token: str) -> None:
    """The link that confirms the e-mail address of a new account."""
    _queue(
        account,
        "applicant_confirm",
        _digest(token),
        action_url=_absolute("asesi.confirm", token=token),
        hours=current_app.config["APPLICANT_CONFIRM_HOURS"],
    )


def password_reset(account: ApplicantAccount, token: str) -> None:
    """The link that sets a new password."""
    _queue(
        account,
        "applicant_reset",
        _digest(token),
        action_url=_absolute("asesi.reset", token=token),
        hours=current_app.config["APPLICANT_RESET_HOURS"],
    )


def already_registered(account: ApplicantAccount) -> None:
    """Someone registered again with this account's address or NIK: tell the owner, once a day."""
    _queue(
        account,
        "applicant_exists",
        clock.now().date().isoformat(),
        action_url=_absolute("asesi.forgot"),
    )

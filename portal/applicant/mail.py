"""The messages the applicant portal sends: confirmation, password reset, "already registered".

Each is rendered from templates/email/ and handed on in the request's transaction. Until the
outbox of the notifications issue is merged, the message is written to the application log
(where `make run` shows it); nothing here talks SMTP.
"""

from __future__ import annotations

from flask import current_app, render_template, url_for

from ..models import ApplicantAccount


def _hand_on(account: ApplicantAccount, template: str, **context: object) -> None:
    """Render the message and hand it on (see the module docstring)."""
    body = render_template(f"email/{template}.txt", account=account, **context)
    current_app.logger.info("applicant e-mail to %s (%s):\n%s", account.email, template, body)


def _absolute(endpoint: str, **values: object) -> str:
    """A link for an e-mail: on PUBLIC_BASE_URL, not on whatever host the request named."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)


def confirmation(account: ApplicantAccount, token: str) -> None:
    """The link that confirms the e-mail address of a new account."""
    link = _absolute("asesi.confirm", token=token)
    hours = current_app.config["APPLICANT_CONFIRM_HOURS"]
    _hand_on(account, "applicant_confirm", link=link, hours=hours)


def password_reset(account: ApplicantAccount, token: str) -> None:
    """The link that sets a new password."""
    link = _absolute("asesi.reset", token=token)
    hours = current_app.config["APPLICANT_RESET_HOURS"]
    _hand_on(account, "applicant_reset", link=link, hours=hours)


def already_registered(account: ApplicantAccount) -> None:
    """Someone registered again with this account's address or NIK: tell the owner."""
    _hand_on(account, "applicant_exists", link=_absolute("asesi.forgot"))

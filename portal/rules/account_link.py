"""Linking an applicant account to the record staff made earlier for its NIK: never by the NIK
alone, only by a proof the person controls (issue 14): a code sent to the record's e-mail, or
the secretariat's confirmation when the record has no e-mail."""

from __future__ import annotations

from datetime import datetime, timedelta

from .vocabulary import N_, Role
from .workflow import Refusal

CODE_MINUTES = 30  # a code is valid this long after it is sent
MAX_ATTEMPTS = 5  # wrong codes before the request is spent and a new code is needed
LINK_CONFIRMERS = frozenset({Role.SECRETARIAT})  # who confirms a link without an e-mail

WRONG_CODE = N_("The code is not right. Check the e-mail and try again.")


def code_expiry(sent_at: datetime) -> datetime:
    """Until when a code sent now may be typed in."""
    return sent_at + timedelta(minutes=CODE_MINUTES)


def code_refusal(*, expires_at: datetime | None, attempts: int, now: datetime) -> Refusal | None:
    """Why a code may not be tried on this request any more, or None while it may."""
    if expires_at is None:
        return Refusal(N_("Ask for a code first."))
    if attempts >= MAX_ATTEMPTS or now > expires_at:
        return Refusal(N_("The code has expired or was tried too often. Ask for a new code."))
    return None


def masked(email: str) -> str:
    """An address shown to someone who has yet to prove they own it: r***@example.org."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"

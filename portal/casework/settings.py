"""The values the service reads from the configuration, and its view of who acts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import clock
from ..models import (
    ApplicantAccount,
    User,
)
from ..rules import certificates as certs
from ..rules.workflow import (
    APPLICANT,
    DEFAULT_APPEAL_WINDOW_DAYS,
    DEFAULT_MEETING_QUORUM,
    Actor,
    Refusal,
)


@dataclass
class Outcome:
    """What a bulk action did: the cases changed, and every case skipped with its reason."""

    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str, Refusal]] = field(default_factory=list)


@dataclass(frozen=True)
class Settings:
    """The configurable values the service reads (Flask's config, or a plain dict in tests)."""

    today: date
    number_pattern: str = certs.DEFAULT_NUMBER_PATTERN
    appeal_window_days: int = DEFAULT_APPEAL_WINDOW_DAYS
    horizon_months: int = certs.DEFAULT_RECERTIFICATION_HORIZON_MONTHS
    meeting_quorum: int = DEFAULT_MEETING_QUORUM

    @classmethod
    def of(cls, settings: Mapping[str, Any] | None) -> Settings:
        """Read the settings, with today's date in the LSP's time zone unless one is given."""
        conf = settings or {}
        today = conf.get("today") or clock.today(conf.get("LSP_TIMEZONE"))
        return cls(
            today=today,
            number_pattern=conf.get("CERTIFICATE_NUMBER_PATTERN", cls.number_pattern),
            appeal_window_days=conf.get("APPEAL_WINDOW_DAYS", cls.appeal_window_days),
            horizon_months=conf.get("RECERTIFICATION_HORIZON_MONTHS", cls.horizon_months),
            meeting_quorum=conf.get("LSP_MEETING_QUORUM", cls.meeting_quorum),
        )


def actor_of(user: User | ApplicantAccount) -> Actor:
    """The workflow's view of who acts: a member of staff, or an applicant from their account."""
    if isinstance(user, ApplicantAccount):
        return Actor(
            user_id=None,
            roles=frozenset({APPLICANT}),
            account_id=user.id,
            applicant_id=user.applicant_id,
        )
    return Actor(user_id=user.id, roles=frozenset(user.roles), assessor_id=user.assessor_id)

"""Certificates: numbering, validity, lifecycle, surveillance and re-certification dates.

Pure Python: `portal.casework` reads the database and writes the outcome. Numbers come from a
configurable pattern; the series key is the pattern without its sequence number, so a number is
never skipped within its series (e.g. one scheme's year). RULES.md #8, #11, #12, #13.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from string import Formatter
from typing import Any

from .vocabulary import N_, CertificateStatus, Role
from .workflow import APPLICANT, ROLE_REFUSED, Actor, Refusal

DEFAULT_NUMBER_PATTERN = "{seq:05d}/LSP-PUST/{scheme}/{year}"
DEFAULT_VALIDITY_MONTHS = 36
DEFAULT_SURVEILLANCE_MONTHS = 12
DEFAULT_SURVEILLANCE_NOTICE_DAYS = 30
DEFAULT_RECERTIFICATION_HORIZON_MONTHS = 6


# --- numbers ---------------------------------------------------------------------------------


def number_fields(scheme_code: str, issued_on: date) -> dict[str, Any]:
    """The fields a certificate number pattern may use besides `seq`."""
    return {"scheme": scheme_code, "year": issued_on.year, "month": issued_on.month}


def format_number(pattern: str, seq: int, **fields: Any) -> str:
    """The number for one sequence value of a series."""
    return pattern.format(seq=seq, **fields)


def series_key(pattern: str, **fields: Any) -> str:
    """The pattern applied without `seq`: numbers are unique and gap-free within this key."""
    parsed = list(Formatter().parse(pattern))
    if "seq" not in {name for _literal, name, _spec, _conv in parsed}:
        raise ValueError(f"number pattern {pattern!r} has no {{seq}} field")
    kept = "".join(
        literal.replace("{", "{{").replace("}", "}}") + _field(name, spec, conversion)
        for literal, name, spec, conversion in parsed
    )
    return kept.format(**fields)


def _field(name: str | None, spec: str | None, conversion: str | None) -> str:
    """One replacement field rebuilt as written, or nothing for `seq` and the end of the text."""
    if name is None or name == "seq":
        return ""
    return (
        "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
    )


# --- dates -----------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month0 + 1, min(day.day, monthrange(year, month0 + 1)[1]))


def expiry(issued_on: date, validity_months: int = DEFAULT_VALIDITY_MONTHS) -> date:
    """The expiry date: the issue date plus the scheme's validity."""
    return add_months(issued_on, validity_months)


def effective_status(status: str, expires_on: date, today: date) -> CertificateStatus:
    """The status as of today: an active or suspended certificate expires once its date passes."""
    current = CertificateStatus(status)
    if current in (CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED) and today > expires_on:
        return CertificateStatus.EXPIRED
    return current


# --- lifecycle -------------------------------------------------------------------------------


class CertificateAction(StrEnum):
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    WITHDRAW = "withdraw_certificate"
    EXPIRE = "expire"
    SUPERSEDE = "supersede"


@dataclass(frozen=True)
class CertificateTransition:
    """One row of the lifecycle; no roles means the portal itself does it (by date, by a case)."""

    action: CertificateAction
    sources: frozenset[CertificateStatus]
    to: CertificateStatus
    roles: frozenset[Role]
    label: str


C = CertificateStatus
_DECIDERS = frozenset({Role.CHAIR, Role.CERTIFICATION_HEAD})
_SYSTEM: frozenset[Role] = frozenset()

LIFECYCLE: tuple[CertificateTransition, ...] = (
    CertificateTransition(
        CertificateAction.SUSPEND,
        frozenset({C.ACTIVE}),
        C.SUSPENDED,
        _DECIDERS,
        N_("Suspend certificate"),
    ),
    CertificateTransition(
        CertificateAction.REINSTATE,
        frozenset({C.SUSPENDED}),
        C.ACTIVE,
        _DECIDERS,
        N_("Reinstate certificate"),
    ),
    CertificateTransition(
        CertificateAction.WITHDRAW,
        frozenset({C.ACTIVE, C.SUSPENDED}),
        C.WITHDRAWN,
        _DECIDERS,
        N_("Withdraw certificate"),
    ),
    CertificateTransition(
        CertificateAction.EXPIRE,
        frozenset({C.ACTIVE, C.SUSPENDED}),
        C.EXPIRED,
        _SYSTEM,
        N_("Expired"),
    ),
    CertificateTransition(
        CertificateAction.SUPERSEDE,
        frozenset({C.ACTIVE, C.SUSPENDED, C.EXPIRED}),
        C.SUPERSEDED,
        _SYSTEM,
        N_("Superseded by re-certification"),
    ),
)


def lifecycle_row(action: CertificateAction | str) -> CertificateTransition:
    """The lifecycle row of an action."""
    return next(row for row in LIFECYCLE if row.action == action)


def certificate_change(
    action: CertificateAction | str,
    status: str,
    reason: str | None,
    roles: Iterable[str] | None = None,
) -> CertificateStatus:
    """The status a change leads to, or raise the Refusal; `roles` None means the portal itself."""
    row = lifecycle_row(CertificateAction(action))
    if roles is not None and not row.roles.intersection(roles):
        raise Refusal(ROLE_REFUSED, action=row.action.value)
    if status not in row.sources:
        raise Refusal(
            N_("%(action)s is not possible for a certificate that is %(status)s."),
            action=row.action.value,
            status=status,
        )
    if not reason or not reason.strip():
        raise Refusal(N_("A reason is required."))
    return row.to


# --- surveillance (seed 2.11) ----------------------------------------------------------------


# The holder reports for themselves from the applicant portal; staff record a report on paper.
SURVEILLANCE_ROLES = frozenset({Role.SECRETARIAT, Role.CERTIFICATION_HEAD, APPLICANT})


def holder_refusal(actor: Actor, holder_applicant_id: int) -> Refusal | None:
    """An applicant acts only on their own certificate (staff are not limited by this)."""
    if APPLICANT in actor.roles and actor.applicant_id != holder_applicant_id:
        return Refusal(N_("This certificate is not yours."))
    return None


class SurveillanceState(StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"


def surveillance_due(issued_on: date, interval_months: int, n: int) -> date:
    """The due date of the n-th surveillance report (n = 1, 2, ...)."""
    return add_months(issued_on, n * interval_months)


def next_surveillance_due(
    issued_on: date, interval_months: int, expires_on: date, reports_done: int
) -> date | None:
    """The next report's due date, or None when the certificate expires first."""
    due = surveillance_due(issued_on, interval_months, reports_done + 1)
    return due if due < expires_on else None


def surveillance_state(
    due_on: date | None, today: date, notice_days: int = DEFAULT_SURVEILLANCE_NOTICE_DAYS
) -> SurveillanceState:
    """Overdue once the due date has passed; due within the notice period before it."""
    if due_on is None or today < due_on - timedelta(days=notice_days):
        return SurveillanceState.NOT_DUE
    return SurveillanceState.OVERDUE if today > due_on else SurveillanceState.DUE


# --- re-certification (seed 2.12) ------------------------------------------------------------

RECERTIFICATION_ROLES = frozenset({Role.CERTIFICATION_HEAD, Role.SECRETARIAT, APPLICANT})


def recertification_horizon(
    today: date, months: int = DEFAULT_RECERTIFICATION_HORIZON_MONTHS
) -> date:
    """The last expiry date that the re-certification list shows today."""
    return add_months(today, months)


def expiring_soon(
    expires_on: date, today: date, months: int = DEFAULT_RECERTIFICATION_HORIZON_MONTHS
) -> bool:
    """True when the certificate expires within the horizon (and has not expired yet)."""
    return today <= expires_on <= recertification_horizon(today, months)


def check_recertification(
    status: str,
    expires_on: date,
    today: date,
    months: int = DEFAULT_RECERTIFICATION_HORIZON_MONTHS,
    open_case: str | None = None,
) -> Refusal | None:
    """Why a re-certification may not start for this certificate now, or None."""
    current = effective_status(status, expires_on, today)
    if current not in (C.ACTIVE, C.EXPIRED):
        return Refusal(
            N_("A certificate that is %(status)s cannot be re-certified."), status=current.value
        )
    if current == C.ACTIVE and not expiring_soon(expires_on, today, months):
        return Refusal(
            N_("This certificate expires on %(date)s, beyond the next %(months)s months."),
            date=expires_on,
            months=months,
        )
    if open_case:
        return Refusal(N_("A re-certification is already under way: %(case)s."), case=open_case)
    return None

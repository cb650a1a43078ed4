"""Who may open which screen: one table, read by the menu, the views and the tests.

Workflow actions have their own roles in `workflow.py`; this table is about screens and the
plain record edits they allow. `admin` is the technical administrator: it sees every screen but
takes no certification decision (those roles are in the transition table).
"""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import Role

ALL_STAFF = frozenset(Role)
_A, _S, _AS, _CH, _QH, _SH, _C, _DC = (
    Role.ADMIN,
    Role.SECRETARIAT,
    Role.ASSESSOR,
    Role.CERTIFICATION_HEAD,
    Role.QUALITY_HEAD,
    Role.STANDARDS_HEAD,
    Role.CHAIR,
    Role.DEPUTY_CHAIR,
)
_MANAGEMENT = frozenset({_A, _S, _CH, _QH, _C, _DC})
_APPEAL_DECIDERS = frozenset({_CH, _QH, _SH, _C})  # must reach the case screen (workflow.py)


@dataclass(frozen=True)
class ScreenAccess:
    """The roles that may read a screen, and those that may also create and edit on it."""

    read: frozenset[Role]
    write: frozenset[Role]


SCREENS: dict[str, ScreenAccess] = {
    "dashboard": ScreenAccess(ALL_STAFF, frozenset()),
    "applicant": ScreenAccess(_MANAGEMENT, frozenset({_A, _S})),
    # the certification head edits a case to place it on a full or closed schedule (override)
    "case": ScreenAccess(_MANAGEMENT | _APPEAL_DECIDERS | {_AS}, frozenset({_A, _S, _CH})),
    "attachment": ScreenAccess(_MANAGEMENT | {_AS}, frozenset({_A, _S})),
    "scheme": ScreenAccess(ALL_STAFF, frozenset({_A, _SH})),
    "unit": ScreenAccess(ALL_STAFF, frozenset({_A, _SH})),
    "assessor": ScreenAccess(_MANAGEMENT, frozenset({_A, _CH})),
    "tuk": ScreenAccess(ALL_STAFF, frozenset({_A, _S})),
    "schedule": ScreenAccess(ALL_STAFF, frozenset({_A, _S})),
    "public_document": ScreenAccess(_MANAGEMENT, frozenset({_A, _S})),
    "decision_meeting": ScreenAccess(_MANAGEMENT | {_SH}, frozenset({_A, _S, _C})),
    "certificate": ScreenAccess(_MANAGEMENT, frozenset({_A, _CH})),
    "surveillance": ScreenAccess(_MANAGEMENT, frozenset({_A, _S, _CH})),
    "appeal": ScreenAccess(_MANAGEMENT | _APPEAL_DECIDERS, frozenset({_A, _S})),
    "complaint": ScreenAccess(frozenset({_A, _QH, _C, _CH}), frozenset({_A, _QH})),
    "bnsp_code": ScreenAccess(frozenset({_A, _S}), frozenset({_A})),
    "user": ScreenAccess(frozenset({_A}), frozenset({_A})),
    "audit": ScreenAccess(frozenset({_A, _QH, _C, _CH}), frozenset()),
    # messages carry applicants' names and addresses: those who see personal data
    "outbox": ScreenAccess(_MANAGEMENT, frozenset({_A, _S})),
    # the BNSP sheet (read) and the imports of BNSP numbers and of applicants (write)
    "exchange": ScreenAccess(_MANAGEMENT, frozenset({_A, _S})),
}


def can_read(screen: str, roles: frozenset[str] | set[str]) -> bool:
    """True when any of the roles may open the screen."""
    return bool(SCREENS[screen].read.intersection(roles))


def can_write(screen: str, roles: frozenset[str] | set[str]) -> bool:
    """True when any of the roles may create and edit records on the screen."""
    return bool(SCREENS[screen].write.intersection(roles))

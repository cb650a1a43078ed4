"""A decision meeting's record once decisions cite it (ISO/IEC 17024 §9.4, §9.6)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .vocabulary import N_, Role
from .workflow import Refusal

# What a decision rests on: changing these afterwards would rewrite the decision's record.
LOCKED_ONCE_CITED = frozenset({"held_on", "chair", "attendees", "minutes"})
LOCKED_FIELD_LABELS = {  # how a refusal names them (the meeting screen's labels)
    "held_on": N_("Date"),
    "chair": N_("Chaired by"),
    "attendees": N_("Attendees"),
    "minutes": N_("Minutes (berita acara)"),
}


def meeting_edit_refusal(cited: bool, changed: Iterable[str]) -> Refusal | None:
    """Why this edit of a meeting may not be saved, or None.

    `changed` names the changed (or posted) fields: `attendees[…].position` and the form's
    `attendees-0-position` count as `attendees`. Once a decision cites the meeting, its date,
    chair, attendees and minutes stay as they were.
    """
    touched = sorted(
        {re.split(r"[\[-]", name, maxsplit=1)[0] for name in changed} & LOCKED_ONCE_CITED
    )
    if cited and touched:
        return Refusal(
            N_(
                "Decisions cite this meeting: its %(fields)s can no longer be changed. "
                "Record a correction as an addendum on the meeting's page instead."
            ),
            fields=", ".join(touched),
        )
    return None


# Who records a correction of a meeting's record: its chair and the secretariat that keeps it.
ADDENDUM_ROLES = frozenset({Role.CHAIR, Role.SECRETARIAT})
ADDENDUM_MAX = 4000
ADDENDUM_EVENT = "meeting_addendum"  # the audit action of an added addendum


def addendum_refusal(roles: Iterable[str], text: str | None) -> Refusal | None:
    """Why this addendum may not be added to a meeting's record, or None."""
    if not ADDENDUM_ROLES.intersection(roles):
        return Refusal(N_("Only the chair or the secretariat may add an addendum to a meeting."))
    if not (text or "").strip():
        return Refusal(N_("Write the correction the addendum records."))
    if len(text or "") > ADDENDUM_MAX:
        return Refusal(N_("An addendum is at most %(max)s characters."), max=ADDENDUM_MAX)
    return None

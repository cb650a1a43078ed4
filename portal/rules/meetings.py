"""A decision meeting's record once decisions cite it (ISO/IEC 17024 §9.4, §9.6)."""

from __future__ import annotations

from collections.abc import Iterable

from .vocabulary import N_
from .workflow import Refusal

# What a decision rests on: changing these afterwards would rewrite the decision's record.
LOCKED_ONCE_CITED = frozenset({"held_on", "chair", "attendees", "minutes"})


def meeting_edit_refusal(cited: bool, changed: Iterable[str]) -> Refusal | None:
    """Why this edit of a meeting may not be saved, or None.

    `changed` names the changed fields (`attendees[…].position` counts as `attendees`). Once a
    decision cites the meeting, its date, chair, attendees and minutes stay as they were.
    """
    touched = sorted({name.split("[", 1)[0] for name in changed} & LOCKED_ONCE_CITED)
    if cited and touched:
        return Refusal(
            N_(
                "Decisions cite this meeting: its %(fields)s can no longer be changed. "
                "Record a correction as a new meeting's minutes instead."
            ),
            fields=", ".join(touched),
        )
    return None

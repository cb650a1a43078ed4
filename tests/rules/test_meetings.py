"""A meeting that decisions cite keeps what the decisions rest on."""

from __future__ import annotations

import pytest

from portal.rules.meetings import meeting_edit_refusal

LOCKED = (
    "Decisions cite this meeting: its %s can no longer be changed. "
    "Record a correction as a new meeting's minutes instead."
)

EDITS = [
    (False, {"held_on", "minutes"}, None),  # nothing decided in it yet
    (True, {"place"}, None),  # where it was held is no part of a decision
    (True, {"held_on"}, LOCKED % "held_on"),
    (True, {"minutes", "place"}, LOCKED % "minutes"),
    (True, {"attendees[meeting_attendee#4].position"}, LOCKED % "attendees"),
    (True, {"chair", "attendees"}, LOCKED % "attendees, chair"),
    (True, set(), None),
]


@pytest.mark.parametrize(("cited", "changed", "message"), EDITS)
def test_meeting_edits(cited, changed, message):
    refusal = meeting_edit_refusal(cited, changed)
    assert (str(refusal) if refusal else None) == message

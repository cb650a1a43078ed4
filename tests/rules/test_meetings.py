"""A meeting that decisions cite keeps what the decisions rest on; corrections are addenda."""

from __future__ import annotations

import pytest

from portal.rules.meetings import ADDENDUM_MAX, addendum_refusal, meeting_edit_refusal
from portal.rules.vocabulary import Role

LOCKED = (
    "Decisions cite this meeting: its %s can no longer be changed. "
    "Record a correction as an addendum on the meeting's page instead."
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


ADDENDA = [
    ({Role.CHAIR}, "Nama peserta rapat ketiga salah eja.", None),
    ({Role.SECRETARIAT}, "x" * ADDENDUM_MAX, None),
    ({Role.QUALITY_HEAD}, "Koreksi", "Only the chair or the secretariat may add an addendum to a meeting."),
    ({Role.ADMIN}, "Koreksi", "Only the chair or the secretariat may add an addendum to a meeting."),
    ({Role.CHAIR}, "   ", "Write the correction the addendum records."),
    ({Role.CHAIR}, None, "Write the correction the addendum records."),
    ({Role.CHAIR}, "x" * (ADDENDUM_MAX + 1), f"An addendum is at most {ADDENDUM_MAX} characters."),
]  # fmt: skip


@pytest.mark.parametrize(("roles", "text", "message"), ADDENDA)
def test_addenda(roles, text, message):
    refusal = addendum_refusal(roles, text)
    assert (str(refusal) if refusal else None) == message

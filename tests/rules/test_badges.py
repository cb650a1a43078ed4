"""Who gets an ID badge: a case on a schedule, ready for assessment or later."""

import pytest

from portal.rules.badges import badge_refusal
from portal.rules.vocabulary import CaseStatus as S

LATER = "A badge is printed once the case is ready for assessment; it is now: %s."


@pytest.mark.parametrize(
    ("status", "has_schedule", "message"),
    [
        (S.DRAFT, True, LATER % "draft"),
        (S.SUBMITTED, True, LATER % "submitted"),
        (S.RETURNED, True, LATER % "returned"),
        (S.VERIFIED, True, LATER % "verified"),
        (S.SELF_ASSESSED, True, LATER % "self_assessed"),
        (S.READY_FOR_ASSESSMENT, True, None),
        (S.ASSESSED, True, None),
        (S.COMPETENT, True, None),
        (S.NOT_YET_COMPETENT, True, None),
        (S.CERTIFIED, True, None),
        (S.APPEALED, True, None),
        (S.CLOSED, True, LATER % "closed"),
        (S.WITHDRAWN, True, LATER % "withdrawn"),
        (
            S.READY_FOR_ASSESSMENT,
            False,
            "The case is not on a schedule: a badge names the schedule.",
        ),
    ],
)
def test_a_badge_once_the_case_is_ready_for_assessment(status, has_schedule, message):
    refusal = badge_refusal(status, has_schedule)
    assert (str(refusal) if refusal else None) == message

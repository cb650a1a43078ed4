"""FR.APL.02 per KUK: the unit's verdict and evidence follow from its KUKs."""

import pytest

from portal.rules.self_assessment import unit_evidence, unit_verdict


@pytest.mark.parametrize(
    ("answers", "verdict"),
    [
        (["K", "K"], "K"),
        (["K", "BK"], "BK"),
        (["BK"], "BK"),
        (["K", None], None),
        (["K", "maybe"], None),
        ([], None),
    ],
)
def test_a_unit_is_k_only_when_every_kuk_is(answers, verdict):
    assert unit_verdict(answers) == verdict


def test_the_unit_evidence_lists_each_reference_once_in_order():
    assert unit_evidence(["Ijazah", None, " ", "CV ", "Ijazah"]) == "Ijazah; CV"
    assert unit_evidence([None, ""]) is None
    assert len(unit_evidence(["x" * 1500, "y" * 1500])) == 2000

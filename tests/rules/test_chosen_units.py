"""The units an application chooses: at least one, every one from its scheme."""

import pytest

from portal.rules.chosen_units import chosen_units_refusal

SCHEME = frozenset({1, 2})


@pytest.mark.parametrize(
    ("scheme_units", "chosen", "message"),
    [
        (SCHEME, [(1, "U1")], None),
        (SCHEME, [(1, "U1"), (2, "U2")], None),
        (None, [(1, "U1")], "Choose a scheme and at least one of its units."),
        (SCHEME, [], "Choose a scheme and at least one of its units."),
        (frozenset(), [], "Choose a scheme and at least one of its units."),
        (SCHEME, [(1, "U1"), (7, "X7")], "These units are not part of the scheme: X7"),
        (
            SCHEME,
            [(9, "X9"), (2, "U2"), (7, "X7")],
            "These units are not part of the scheme: X9, X7",
        ),
        (frozenset(), [(1, "U1")], "These units are not part of the scheme: U1"),
    ],
)
def test_chosen_units_come_from_the_scheme(scheme_units, chosen, message):
    refusal = chosen_units_refusal(scheme_units, chosen)
    assert (str(refusal) if refusal else None) == message

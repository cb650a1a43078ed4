"""The units an application chooses (RULES #1): at least one, every one from its scheme."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from .vocabulary import N_
from .workflow import Refusal

NO_UNITS = N_("Choose a scheme and at least one of its units.")
OUTSIDE_SCHEME = N_("These units are not part of the scheme: %(codes)s")


def chosen_units_refusal(
    scheme_units: Collection[int] | None, chosen: Sequence[tuple[int, str]]
) -> Refusal | None:
    """Why these units may not be chosen, or None when they may.

    `scheme_units` holds the ids of the scheme's units (None while no scheme is chosen);
    `chosen` the (id, code) of each chosen unit, in the order shown back to the user.
    """
    if scheme_units is None or not chosen:
        return Refusal(NO_UNITS)
    outside = [code for unit_id, code in chosen if unit_id not in scheme_units]
    if outside:
        return Refusal(OUTSIDE_SCHEME, codes=", ".join(outside))
    return None

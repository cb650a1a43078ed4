"""FR.APL.02 per KUK: the asesi answers K or BK for each performance criterion of a unit, with
the evidence they rely on; the unit's self-assessment follows from its KUKs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .vocabulary import Verdict

EVIDENCE_MAX = 2000  # the unit's evidence column as the forms limit it


def unit_verdict(answers: Sequence[str | None]) -> str | None:
    """K when every KUK of the unit is answered K; BK when any is BK; None while one is
    unanswered (or the unit has no KUK: then the asesi answers for the whole unit)."""
    if not answers or any(a not in (Verdict.K, Verdict.BK) for a in answers):
        return None
    return Verdict.BK.value if Verdict.BK in answers else Verdict.K.value


def unit_evidence(references: Iterable[str | None]) -> str | None:
    """The unit's evidence: the distinct references given for its KUKs, in order."""
    seen = list(dict.fromkeys(r.strip() for r in references if r and r.strip()))
    return "; ".join(seen)[:EVIDENCE_MAX] or None

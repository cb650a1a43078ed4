"""A scheme's basic requirements (RULES.md #2): alternatives (OR), each a set of conditions (AND).

The inputs are plain dataclasses whose fields are named as the model columns, so a view builds
them with `Alternative.of(requirement)` and `Qualifications.of(applicant)`, and the rules never
hold an ORM object. The outcome names the alternative met, or why each one is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Self

from .identity import Message, education_rank
from .vocabulary import N_, AttachmentKind, Education


class _Mirror:
    """Build a dataclass from the same-named attributes of a model row (or anything alike)."""

    @classmethod
    def of(cls, record: object) -> Self:
        """Copy the fields from `record`, so a rule works on a snapshot, not on the ORM object."""
        return cls(**{f.name: getattr(record, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class Alternative(_Mirror):
    """One alternative of a scheme's requirements, as in `SchemeRequirement`."""

    description: str
    min_education: Education | str
    library_field_required: bool = False
    training_certificate_required: bool = False
    min_experience_months: int = 0


@dataclass(frozen=True)
class Qualifications(_Mirror):
    """What an applicant brings, as in `Applicant`."""

    education_level: Education | str
    library_field: bool = False
    has_library_training: bool = False
    experience_months: int = 0


def _shown(level: Education | str) -> str:
    """Name an education level as RULES.md does, where SMA, SMK and MA are one SLTA."""
    return "SLTA" if education_rank(level) == education_rank(Education.SMA) else str(level)


def shortfalls(alternative: Alternative, applicant: Qualifications) -> tuple[Message, ...]:
    """The conditions of one alternative the applicant does not meet, as readable reasons."""
    reasons = []
    if education_rank(applicant.education_level) < education_rank(alternative.min_education):
        reasons.append(
            Message(
                N_("Education %(actual)s is below the minimum %(minimum)s."),
                {
                    "actual": _shown(applicant.education_level),
                    "minimum": _shown(alternative.min_education),
                },
            )
        )
    if alternative.library_field_required and not applicant.library_field:
        reasons.append(Message(N_("The education is not in library science.")))
    if alternative.training_certificate_required and not applicant.has_library_training:
        reasons.append(Message(N_("There is no competency-based library training certificate.")))
    if applicant.experience_months < alternative.min_experience_months:
        reasons.append(
            Message(
                N_(
                    "%(actual)d months of relevant work experience, fewer than the %(minimum)d required."
                ),
                {
                    "actual": applicant.experience_months,
                    "minimum": alternative.min_experience_months,
                },
            )
        )
    return tuple(reasons)


@dataclass(frozen=True)
class Outcome:
    """One alternative and the reasons it is not met (none when it is)."""

    alternative: Alternative
    reasons: tuple[Message, ...]

    @property
    def met(self) -> bool:
        """True when the applicant meets every condition of this alternative."""
        return not self.reasons


@dataclass(frozen=True)
class Evaluation:
    """Every alternative of a scheme judged against one applicant, in the scheme's order."""

    outcomes: tuple[Outcome, ...]

    @property
    def met(self) -> Alternative | None:
        """The first alternative met, or None (also when the scheme has none: an empty OR is false)."""
        return next((outcome.alternative for outcome in self.outcomes if outcome.met), None)


def evaluate(alternatives: Iterable[Alternative], applicant: Qualifications) -> Evaluation:
    """Judge every alternative, so the screen can show the one met or why each one fails."""
    return Evaluation(tuple(Outcome(a, shortfalls(a, applicant)) for a in alternatives))


def documents_for(alternative: Alternative) -> tuple[AttachmentKind, ...]:
    """The documents that show an alternative is met: the ijazah, and the training certificate
    or the work-experience letter when the alternative asks for them."""
    kinds = [AttachmentKind.IJAZAH]
    if alternative.training_certificate_required:
        kinds.append(AttachmentKind.CERTIFICATE)
    if alternative.min_experience_months:
        kinds.append(AttachmentKind.WORK_EXPERIENCE)
    return tuple(kinds)


def backed(evaluation: Evaluation, attached: Iterable[str]) -> Alternative | None:
    """The first alternative met by the data whose documents are all attached, or None."""
    kinds = set(attached)
    return next(
        (
            o.alternative
            for o in evaluation.outcomes
            if o.met and kinds.issuperset(documents_for(o.alternative))
        ),
        None,
    )


def pustakawan_alternatives() -> tuple[Alternative, ...]:
    """LSP Pustakawan's three alternatives of today, to seed a scheme's `SchemeRequirement` rows."""
    return (
        Alternative(
            N_("D2 or higher in library science"), Education.D2, library_field_required=True
        ),
        Alternative(
            N_(
                "D2 or higher in another field, with a competency-based library training certificate"
            ),
            Education.D2,
            training_certificate_required=True,
        ),
        Alternative(
            N_("SLTA with at least 24 months of relevant work experience"),
            Education.SMA,
            min_experience_months=24,
        ),
    )

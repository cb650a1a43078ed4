"""Who gets an ID badge (tanda pengenal, kartu peserta; seed 2.7): an asesi whose assessment is
planned. A draft, an application still being checked or a withdrawn one gets none, so the
badge sheet of a schedule lists only the candidates who will sit the assessment."""

from __future__ import annotations

from .vocabulary import N_, CaseStatus
from .workflow import Refusal

# Ready for assessment and every later step of the flow up to its outcome (the appeal and its
# re-assessment included); a closed or withdrawn case has no assessment to attend.
BADGE_STATUSES = frozenset(
    {
        CaseStatus.READY_FOR_ASSESSMENT,
        CaseStatus.ASSESSED,
        CaseStatus.COMPETENT,
        CaseStatus.NOT_YET_COMPETENT,
        CaseStatus.CERTIFIED,
        CaseStatus.APPEALED,
    }
)


def badge_refusal(status: str, has_schedule: bool) -> Refusal | None:
    """Why this case gets no badge now, or None when it does."""
    if not has_schedule:
        return Refusal(N_("The case is not on a schedule: a badge names the schedule."))
    if status not in BADGE_STATUSES:
        return Refusal(
            N_("A badge is printed once the case is ready for assessment; it is now: %(status)s."),
            status=status,  # shown by its label (i18n.translate)
        )
    return None

"""What an applicant is told about each status of their application: the status in plain
words and what is expected of them now (seed 2.2–2.12, as the candidate lives it)."""

from __future__ import annotations

from .vocabulary import N_, CaseStatus

S = CaseStatus

# status → (in plain words, what to do now)
STEPS: dict[CaseStatus, tuple[str, str]] = {
    S.DRAFT: (
        N_("Not sent yet"),
        N_("Complete the form, attach the documents, sign the declaration and submit."),
    ),
    S.SUBMITTED: (
        N_("Sent: the secretariat is checking it"),
        N_("Nothing for now. We will tell you when it is checked."),
    ),
    S.RETURNED: (
        N_("Returned to you for correction"),
        N_("Read the reason, correct the application and submit it again."),
    ),
    S.VERIFIED: (
        N_("Accepted: waiting for your self-assessment"),
        N_("Fill in the self-assessment (FR.APL.02) for each unit."),
    ),
    S.SELF_ASSESSED: (
        N_("Self-assessment received: the assessor is preparing the assessment"),
        N_("Nothing for now. The assessment date and place will be shown here."),
    ),
    S.READY_FOR_ASSESSMENT: (
        N_("Assessment planned"),
        N_("Come to the TUK on the assessment date with your participant card."),
    ),
    S.ASSESSED: (
        N_("Assessed: waiting for the LSP's decision"),
        N_("Nothing for now. The decision will be shown here."),
    ),
    S.COMPETENT: (
        N_("Competent (K)"),
        N_("Your certificate is being issued."),
    ),
    S.NOT_YET_COMPETENT: (
        N_("Not yet competent (BK)"),
        N_("You may appeal within the appeal window if you disagree with the decision."),
    ),
    S.CERTIFIED: (
        N_("Certified"),
        N_("Download your certificate. Report on your work every year (surveillance)."),
    ),
    S.APPEALED: (
        N_("Appeal received"),
        N_("Nothing for now. The appeal decision will be shown here."),
    ),
    S.CLOSED: (N_("Closed"), N_("Nothing more to do for this application.")),
    S.WITHDRAWN: (N_("Withdrawn"), N_("Nothing more to do for this application.")),
}


def next_step(status: str) -> tuple[str, str]:
    """The plain-words status and the next thing to do, as msgids."""
    return STEPS[CaseStatus(status)]

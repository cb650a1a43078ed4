"""The secretariat's verdicts on a case's attachments (ada / memenuhi), one or all at once.

One function records them, for the verdict form beside one attachment and for the checklist of
the verify form alike: one write transaction, one audit event per attachment judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Attachment, Case, User
from ..rules.vocabulary import N_, CaseStatus
from ..rules.workflow import Refusal
from ..scoping import scope_cases
from ..transactions import writing
from .audit import write_event

# The secretariat judges the attachments of a submitted application (seed 2.3); before that
# they may still change, and after it the verdicts are the record the verification rests on.
VERDICT_STATUSES = frozenset({CaseStatus.SUBMITTED})


@dataclass(frozen=True)
class AttachmentVerdict:
    """Whether one attachment is present and adequate, with the secretariat's note."""

    present: bool
    adequate: bool
    note: str | None = None


def verdict_refusal(case_status: str, verdict: AttachmentVerdict | None = None) -> Refusal | None:
    """Why attachments of a case in this status may not be judged (so), or None."""
    if case_status not in VERDICT_STATUSES:
        return Refusal(N_("Attachments are judged only while the application is submitted."))
    if verdict is not None and verdict.adequate and not verdict.present:
        return Refusal(N_("An attachment that is not present cannot be adequate."))
    return None


def judge_attachments(
    session: Session, case_id: int, user: User, verdicts: Mapping[int, AttachmentVerdict]
) -> list[Attachment]:
    """Record the verdicts (attachment id → AttachmentVerdict) on a case the user may see; commits.

    Raises Refusal, changing nothing, when the case is not submitted, an attachment is not a
    current one of this case, or a verdict says adequate but not present."""
    with writing(session):
        case = session.scalar(
            scope_cases(select(Case), user).where(Case.id == case_id).with_for_update()
        )
        if case is None:
            raise Refusal(N_("Case not found."))
        current = {
            a.id: a
            for a in session.scalars(
                select(Attachment).where(Attachment.case_id == case_id, Attachment.is_current)
            )
        }
        judged = []
        for attachment_id, verdict in verdicts.items():
            refusal = verdict_refusal(case.status, verdict)
            if refusal:
                raise refusal
            attachment = current.get(attachment_id)
            if attachment is None:
                raise Refusal(N_("This file was replaced; judge the current one."))
            note = (verdict.note or "").strip() or None
            seen = (attachment.present, attachment.adequate, attachment.verdict_note)
            if seen == (verdict.present, verdict.adequate, note):
                continue  # the checklist sends every attachment: audit only what changed
            attachment.present, attachment.adequate = verdict.present, verdict.adequate
            attachment.verdict_note = note
            write_event(
                session,
                user_id=user.id,
                action="attachment_verdict",
                case_id=case.id,
                from_status=case.status,
                to_status=case.status,
                note=note,
                data={
                    "attachment_id": attachment.id,
                    "kind": attachment.kind,
                    "sha256": attachment.sha256,
                },
            )
            judged.append(attachment)
    return judged

"""What an application looked like when it was submitted, and what changed at a resubmission.

Each SUBMIT audit event keeps the application as sent (FR.APL.01 part 1 and 2, the current
attachment of each kind), so the case page can show staff, after a return and a correction,
the new version beside the old one without any other history table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..models import Attachment, Unit
from ..rules.vocabulary import APPLICATION_FIELD_LABELS, PROFILE_FIELDS
from ..rules.workflow import Action
from .tables import APPLICANT, CASE, UNIT

if TYPE_CHECKING:
    from ..models import AuditEvent
    from .transitions import Batch

KEY = "submitted"  # the audit data's key holding the snapshot


def record_snapshot(batch: Batch) -> None:
    """Add the application as submitted to each SUBMIT audit row (three queries a batch)."""
    ids = list(batch.steps)
    rows = batch.session.execute(
        select(CASE.c.id, CASE.c.purpose, CASE.c.declaration_name, *APPLICANT.c[PROFILE_FIELDS])
        .join(APPLICANT, APPLICANT.c.id == CASE.c.applicant_id)
        .where(CASE.c.id.in_(ids))
    ).mappings()
    units: dict[int, list[str]] = defaultdict(list)
    for case_id, code in batch.session.execute(
        select(UNIT.c.case_id, Unit.code)
        .join(Unit, Unit.id == UNIT.c.unit_id)
        .where(UNIT.c.case_id.in_(ids))
        .order_by(Unit.code)
    ):
        units[case_id].append(code)
    files: dict[int, dict[str, list]] = defaultdict(dict)
    for a in batch.session.execute(
        select(Attachment.case_id, Attachment.kind, Attachment.id, Attachment.original_name)
        .where(Attachment.case_id.in_(ids), Attachment.is_current)
        .order_by(Attachment.id)
    ):
        files[a.case_id][a.kind] = [a.id, a.original_name]
    for row in rows:
        fields = {k: _plain(row[k]) for k in (*PROFILE_FIELDS, "purpose", "declaration_name")}
        snapshot = {"fields": {**fields, "units": units[row["id"]]}, "files": files[row["id"]]}
        audit = batch.audit[row["id"]]
        audit["data"] = {**(audit["data"] or {}), KEY: snapshot}


def _plain(value: Any) -> Any:
    """A value as JSON keeps it."""
    return value.isoformat() if isinstance(value, date) else value


@dataclass(frozen=True)
class Changed:
    """One field or document that differs between two submissions (label is a msgid)."""

    name: str  # the field's name, or the attachment's kind (then old and new are [id, name])
    label: str | None
    old: Any
    new: Any


def resubmission_changes(events: list[AuditEvent]) -> list[Changed]:
    """What differs between the last two submissions in these events (oldest first): nothing
    until an application has been submitted twice with its snapshot."""
    sent = [e.data[KEY] for e in events if e.action == Action.SUBMIT and (e.data or {}).get(KEY)]
    if len(sent) < 2:
        return []
    old, new = sent[-2], sent[-1]
    changed = [
        Changed(name, label, old["fields"].get(name), new["fields"].get(name))
        for name, label in APPLICATION_FIELD_LABELS.items()
        if old["fields"].get(name) != new["fields"].get(name)
    ]
    for kind in sorted(set(old["files"]) | set(new["files"])):
        before, after = old["files"].get(kind), new["files"].get(kind)
        if before != after:
            changed.append(Changed(kind, None, before, after))
    return changed

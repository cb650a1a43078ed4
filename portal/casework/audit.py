"""The one audit writer: every event of the trail is built and written here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..rules.workflow import (
    CaseFacts,
    Step,
)
from .tables import AUDIT

if TYPE_CHECKING:
    from .transitions import Batch


def audit_rows(batch: Batch) -> dict[int, dict[str, Any]]:
    """The audit event of each applied step: who, when, what, from, to, note and data."""
    common = {
        "at": batch.at,
        "user_id": batch.actor.user_id,
        "account_id": batch.actor.account_id,
        "action": batch.action.value,
        "certificate_id": None,
        "note": next((batch.inputs[k] for k in _NOTES if batch.inputs.get(k)), None),
    }
    return {
        case_id: {
            **common,
            "case_id": case_id,
            "from_status": batch.facts[case_id].status.value,
            "to_status": step.to.value,
            "data": _audit_data(step, batch.facts[case_id]),
        }
        for case_id, step in batch.steps.items()
    }


_NOTES = ("reason", "note", "override_note")  # the free text an action carries into the trail


def _audit_data(step: Step, facts: CaseFacts) -> dict[str, Any] | None:
    """What the step wrote, units named by their code; None when it wrote no column."""
    data: dict[str, Any] = {}
    if step.change.case:
        data["case"] = _jsonable(step.change.case)
    if step.change.units:
        codes = {u.unit_id: u.code for u in facts.units}
        data["units"] = {codes[uid]: _jsonable(cols) for uid, cols in step.change.units.items()}
    return data or None


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    """Dates and times as ISO text, so the audit data is plain JSON."""
    return {
        k: v.isoformat() if isinstance(v, date | time | datetime) else v for k, v in values.items()
    }


def certificate_audit(at: datetime, user_id: int | None, action: str) -> dict[str, Any]:
    """The common columns of an audit event about a certificate."""
    return {"at": at, "user_id": user_id, "action": str(action), "note": None, "data": None}


def write_events(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert audit events in the caller's transaction (one INSERT for the lot).

    A row names a member of staff (`user_id`) or, from the applicant portal, an applicant's
    account (`account_id`); every row gets both keys so the lot is one executemany.
    """
    if rows:
        session.execute(insert(AUDIT), [{"account_id": None, **row} for row in rows])

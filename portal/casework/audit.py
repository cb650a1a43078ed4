"""The one audit writer: every event of the trail is built and written here.

Workflow actions write one event per case (`audit_rows`); certificate changes one per
certificate (`certificate_audit`); every create, update and delete of a record (Flask-Admin,
the CLI) one event with the changed fields, old and new (`record_edit`). Events are never
edited or deleted: a flush that tries is refused (`_refuse_rewrites`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..models import AuditEvent, Case, Certificate, MeetingAddendum
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


def write_event(session: Session, **columns: Any) -> None:
    """Insert one audit event (`at` defaults to now) in the caller's transaction."""
    write_events(session, [{"at": clock.now(), **columns}])


# --- record edits ----------------------------------------------------------------------------

RECORD_ACTIONS = {
    "create": "record_created",
    "update": "record_updated",
    "delete": "record_deleted",
}
SECRET_FIELDS = frozenset({"password_hash"})  # shown as changed, never their value
CHANGED = "changed"
_SKIPPED_FIELDS = frozenset(
    {"created_at", "updated_at", "uploaded_at", "session_version"}
)  # bookkeeping, not data


def record_edit(session: Session, user_id: int | None, record: Any, kind: str) -> bool:
    """Write the one audit event of a create, update or delete of `record`, with its changes.

    Call it after the record's new values are set and before the commit (a created record is
    flushed here to learn its id). Returns False, writing nothing, for an update that changed
    no field.
    """
    changes = record_changes(session, record, kind)
    if kind == "update" and not changes:
        return False
    if kind == "create":
        session.flush()
    record_id = inspect(record).identity[0] if inspect(record).identity else None
    write_event(
        session,
        user_id=user_id,
        action=RECORD_ACTIONS[kind],
        record_type=record.__tablename__,
        record_id=record_id,
        case_id=record_id if isinstance(record, Case) and kind != "delete" else None,
        certificate_id=record_id if isinstance(record, Certificate) and kind != "delete" else None,
        changes=changes,
    )
    return True


def record_changes(session: Session, record: Any, kind: str) -> dict[str, Any]:
    """The changed fields of a record before the flush: {field: [old, new]}, or "changed".

    Columns and single related records by their history; collections (roles, attendees,
    units) as the sorted labels before and after; edited members of a collection (an
    attendee's position) as `collection[member].field`. A delete keeps the last values.
    """
    state = inspect(record)
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _SKIPPED_FIELDS or attr.columns[0].foreign_keys or attr.columns[0].primary_key:
            continue
        if kind == "delete":
            old, new = state.attrs[key].value, None
        else:
            old, new = _scalar_change(state.attrs[key].history)
        if _blank_as_none(old) != _blank_as_none(new):
            changes[key] = CHANGED if key in SECRET_FIELDS else [_plain(old), _plain(new)]
    for rel in state.mapper.relationships:
        if rel.viewonly or (rel.direction.name == "ONETOMANY" and not rel.uselist):
            continue
        history = state.attrs[rel.key].history
        if rel.uselist:
            changes.update(_collection_changes(session, rel.key, history, kind))
            continue
        old, new = _scalar_change(history)
        if kind == "delete":
            old, new = state.attrs[rel.key].value, None
        if old is not None and not _is_loaded(old):
            old = None
        if _label(old) != _label(new) and (old is not None or new is not None):
            changes[rel.key] = [_label(old), _label(new)]
    return changes


def _scalar_change(history: Any) -> tuple[Any, Any]:
    """The old and new value of a scalar attribute's history (both None when unchanged)."""
    if not history.has_changes():
        return None, None
    return (history.deleted[0] if history.deleted else None), (
        history.added[0] if history.added else None
    )


def _collection_changes(session: Session, key: str, history: Any, kind: str) -> dict[str, Any]:
    """A collection's members before and after, and the fields changed on kept members."""
    kept = [m for m in history.unchanged if m not in session.deleted]
    before = sorted(_label(m) for m in (*history.unchanged, *history.deleted))
    after = [] if kind == "delete" else sorted(_label(m) for m in (*kept, *history.added))
    changes: dict[str, Any] = {}
    if before != after:
        changes[key] = [before, after]
    for member in kept if kind != "delete" else ():
        if member in session.dirty:
            for field, change in record_changes(session, member, "update").items():
                changes[f"{key}[{_label(member)}].{field}"] = change
    return changes


def _blank_as_none(value: Any) -> Any:
    """An empty text is no value: a form saving "" over NULL changes nothing."""
    return None if value == "" else value


def _is_loaded(value: Any) -> bool:
    """True for a value worth naming (the ORM gives the never-loaded marker otherwise)."""
    return hasattr(value, "__table__")


def _label(value: Any) -> str | None:
    """How a related record is named in the trail: its own name, else table and id."""
    if value is None or not _is_loaded(value):
        return None
    if type(value).__str__ is not object.__str__:
        return str(value)
    identity = inspect(value).identity
    return f"{value.__tablename__}#{identity[0] if identity else 'new'}"


def _plain(value: Any) -> Any:
    """A value as plain JSON: dates and times as ISO text, other objects as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    return str(value)


def history_of(session: Session, record_type: str, record_id: int) -> list[AuditEvent]:
    """A record's audit events, oldest first, with who made them (one query)."""
    return list(
        session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.user))
            .where(AuditEvent.record_type == record_type, AuditEvent.record_id == record_id)
            .order_by(AuditEvent.id)
        )
    )


APPEND_ONLY = (AuditEvent, MeetingAddendum)


@event.listens_for(Session, "before_flush")
def _refuse_rewrites(session: Session, _context: Any, _instances: Any) -> None:
    """The trail and the meetings' addenda are append-only: a flush that edits or deletes one
    fails."""
    for record in (*session.dirty, *session.deleted):
        if isinstance(record, APPEND_ONLY) and (
            record in session.deleted or session.is_modified(record)
        ):
            raise PermissionError(f"{record.__tablename__} rows are never edited or deleted.")

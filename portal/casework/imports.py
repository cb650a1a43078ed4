"""Writes of the spreadsheet imports: BNSP numbers onto certificates, applicants and their cases.

The importers (`portal/exchange/`) read and check a file at the edge and hand over plain rows;
here each import is one write-locked transaction that re-checks what may have changed since the
preview, writes set-based, and records one audit event per record with the import as its source.
Nothing is half-imported: any refusal rolls the whole import back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock
from ..models import Case, Certificate, Schedule, User
from ..numbering import reserve
from ..rules.identity import Message
from ..rules.schedules import seat_refusal
from ..rules.vocabulary import N_, CaseStatus, Purpose
from ..rules.workflow import Refusal
from ..transactions import writing
from .audit import _jsonable, certificate_audit, write_events
from .seats import seats_taken
from .tables import APPLICANT, CASE, CERT, UNIT

BNSP_FIELDS = ("bnsp_registration_number", "blanko_number")
IMPORT_BNSP_NUMBERS = "import_bnsp_numbers"


@dataclass(frozen=True)
class NumberChange:
    """BNSP's numbers for one certificate: what the preview saw (`old`) and what to write."""

    certificate_id: int
    old: dict[str, str | None]
    new: dict[str, str]


def record_bnsp_numbers(
    session: Session,
    actor: User,
    changes: Sequence[NumberChange],
    source: str,
    receipt: Callable[[int], None] | None = None,
) -> int:
    """Write BNSP's numbers onto certificates, all or none; the count of certificates changed.

    Refused (nothing written) when a certificate's numbers changed since the preview, or when a
    number was taken by another certificate meanwhile. `receipt` is called with the count inside
    the transaction, so what the caller records of the import commits with it or not at all.
    """
    if not changes:
        return 0
    with writing(session):
        ids = [change.certificate_id for change in changes]
        current = {
            row.id: {name: getattr(row, name) for name in BNSP_FIELDS}
            for row in session.execute(
                select(Certificate.id, *(getattr(Certificate, n) for n in BNSP_FIELDS))
                .where(Certificate.id.in_(ids))
                .with_for_update()
            )
        }
        for change in changes:
            seen = current.get(change.certificate_id)
            if seen is None or any(seen[name] != change.old.get(name) for name in BNSP_FIELDS):
                raise Refusal(N_("Certificates changed since the preview: preview the file again."))
        values = [
            {
                "cid": change.certificate_id,
                **{n: change.new.get(n, current[change.certificate_id][n]) for n in BNSP_FIELDS},
            }
            for change in changes
        ]
        try:
            session.execute(
                update(CERT).where(CERT.c.id == bindparam("cid")),
                values,
                execution_options={"synchronize_session": False},
            )
        except IntegrityError:
            raise Refusal(
                N_("A BNSP number was taken meanwhile: preview the file again.")
            ) from None
        common = certificate_audit(clock.now(), actor.id, IMPORT_BNSP_NUMBERS)
        write_events(
            session,
            [
                {
                    **common,
                    "certificate_id": change.certificate_id,
                    "note": source,
                    "data": _changed(change),
                }
                for change in changes
            ],
        )
        if receipt:
            receipt(len(changes))
    return len(changes)


def _changed(change: NumberChange) -> dict[str, Any]:
    """The audit data of a change: each written field, old → new."""
    return {
        name: [change.old.get(name), value]
        for name, value in change.new.items()
        if value != change.old.get(name)
    }


# --- applicants and cases in bulk ----------------------------------------------------------------

IMPORT_APPLICANT = "import_applicant"
IMPORT_CASE = "import_case"
CHUNK = 500


@dataclass(frozen=True)
class NewApplication:
    """One checked row of an intake file: the applicant's data and the case to open."""

    row: int
    nik: str
    applicant: dict[str, Any]
    existing_id: int | None
    update_existing: bool
    scheme_id: int
    schedule_id: int
    tuk_id: int
    unit_ids: tuple[int, ...]

    def accepting(self, update: bool) -> NewApplication:
        """The same row, with the existing applicant's data updated or not."""
        return replace(self, update_existing=update)


@dataclass
class IntakeResult:
    """What an intake import did: each case made, each row refused with its reason."""

    made: list[tuple[int, int, str]] = field(default_factory=list)  # (row, case id, reg number)
    refused: list[tuple[int, Message]] = field(default_factory=list)
    updated: int = 0


def import_applications(
    session: Session,
    actor: User,
    applications: Sequence[NewApplication],
    source: str,
    today: date,
    receipt: Callable[[IntakeResult], None] | None = None,
) -> IntakeResult:
    """Create the applicants and draft cases of checked intake rows, in one transaction.

    The schedules are locked first; then each row is checked again against the database as it
    is now (an earlier case of the same NIK, scheme and schedule; the deadline; the quota, counted
    row by row), so a row refused here makes nothing and the others go ahead. One audit event per
    applicant created or updated and per case, with the file as the source. `receipt` is called
    with the result inside the transaction (see `record_bnsp_numbers`).
    """
    result = IntakeResult()
    if not applications:
        return result
    with writing(session):
        schedule_ids = sorted({a.schedule_id for a in applications})
        schedules = {
            sid: (quota, deadline)
            for sid, quota, deadline in session.execute(
                select(Schedule.id, Schedule.quota, Schedule.registration_deadline)
                .where(Schedule.id.in_(schedule_ids))
                .order_by(Schedule.id)
                .with_for_update()
            )
        }
        taken = seats_taken(session, schedule_ids)
        current = _applicants(session, [a.nik for a in applications])
        registered = registrations(session, [row["id"] for row in current.values()])
        accepted: list[NewApplication] = []
        for app in applications:
            reason = _refusal(app, schedules, taken, registered, current, today)
            if reason:
                result.refused.append((app.row, reason))
                continue
            accepted.append(app)
            taken[app.schedule_id] = taken.get(app.schedule_id, 0) + 1
            registered.add(
                (current.get(app.nik, {}).get("id", app.nik), app.scheme_id, app.schedule_id)
            )
        applicant_ids, events = _write_applicants(session, accepted, current)
        result.updated = sum(1 for e in events.values() if "changes" in e)
        cases = _write_cases(session, accepted, applicant_ids, today)
        at = clock.now()
        rows = []
        for app, (case_id, reg_number) in zip(accepted, cases, strict=True):
            result.made.append((app.row, case_id, reg_number))
            common = {"at": at, "user_id": actor.id, "case_id": case_id, "certificate_id": None}
            common["note"] = source
            if app.nik in events:
                rows.append(
                    {
                        **common,
                        "action": IMPORT_APPLICANT,
                        "from_status": None,
                        "to_status": None,
                        "data": events.pop(app.nik),
                    }
                )
            rows.append(
                {
                    **common,
                    "action": IMPORT_CASE,
                    "from_status": None,
                    "to_status": CaseStatus.DRAFT.value,
                    "data": {"row": app.row},
                }
            )
        write_events(session, rows)
        if receipt:
            receipt(result)
    return result


def _refusal(
    app: NewApplication,
    schedules: dict[int, tuple[int, date]],
    taken: dict[int, int],
    registered: set[tuple[Any, int, int]],
    current: dict[str, dict[str, Any]],
    today: date,
) -> Message | None:
    """Why a row cannot be imported now, or None."""
    if app.schedule_id not in schedules:
        return Message(N_("unknown schedule"))
    key = current.get(app.nik, {}).get("id", app.nik)
    if (key, app.scheme_id, app.schedule_id) in registered:
        return Message(N_("already registered on this schedule"))
    quota, deadline = schedules[app.schedule_id]
    refusal = seat_refusal(
        quota=quota, taken=taken.get(app.schedule_id, 0), deadline=deadline, today=today
    )
    return Message(refusal.msgid, refusal.params) if refusal else None


def _applicants(session: Session, niks: list[str]) -> dict[str, dict[str, Any]]:
    """The applicants of these NIKs as they are now, by NIK."""
    found: dict[str, dict[str, Any]] = {}
    wanted = sorted(set(niks))
    for start in range(0, len(wanted), CHUNK):
        query = select(APPLICANT).where(APPLICANT.c.nik.in_(wanted[start : start + CHUNK]))
        for row in session.execute(query).mappings():
            found[row["nik"]] = dict(row)
    return found


def registrations(session: Session, applicant_ids: list[int]) -> set[tuple[Any, int, int]]:
    """(applicant, scheme, schedule) of every case these applicants have on a schedule."""
    found: set[tuple[Any, int, int]] = set()
    for start in range(0, len(applicant_ids), CHUNK):
        query = select(Case.applicant_id, Case.scheme_id, Case.schedule_id).where(
            Case.applicant_id.in_(applicant_ids[start : start + CHUNK]),
            Case.schedule_id.is_not(None),
        )
        found.update(tuple(r) for r in session.execute(query))
    return found


def _write_applicants(
    session: Session, accepted: list[NewApplication], current: dict[str, dict[str, Any]]
) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """Insert the new applicants (once per NIK) and update the accepted existing ones; their ids
    and the audit data of each applicant created or changed, by NIK."""
    ids = {nik: row["id"] for nik, row in current.items()}
    events: dict[str, dict[str, Any]] = {}
    new: dict[str, dict[str, Any]] = {}
    updates: dict[frozenset[str], list[dict[str, Any]]] = {}
    for app in accepted:
        if app.nik in current:
            if not app.update_existing or app.nik in events:
                continue
            old = current[app.nik]
            changes = {
                k: v for k, v in app.applicant.items() if v not in (None, "") and old.get(k) != v
            }
            if changes:
                updates.setdefault(frozenset(changes), []).append({"aid": old["id"], **changes})
                events[app.nik] = {
                    "nik": app.nik,
                    "changes": {
                        k: [_jsonable({k: old.get(k)})[k], _jsonable({k: v})[k]]
                        for k, v in changes.items()
                    },
                }
        elif app.nik not in new:
            new[app.nik] = dict(app.applicant)  # same keys on every row: one executemany
            events[app.nik] = {"nik": app.nik, "created": True}
    for group in updates.values():
        session.execute(update(APPLICANT).where(APPLICANT.c.id == bindparam("aid")), group)
    if new:
        inserted = session.execute(
            insert(APPLICANT).returning(
                APPLICANT.c.id, APPLICANT.c.nik, sort_by_parameter_order=True
            ),
            list(new.values()),
        )
        ids.update({nik: aid for aid, nik in inserted})
    return ids, events


def _write_cases(
    session: Session, accepted: list[NewApplication], applicant_ids: dict[str, int], today: date
) -> list[tuple[int, str]]:
    """Insert a draft case per accepted row with its units; their ids and numbers, in order."""
    if not accepted:
        return []
    # the series of `applications.next_reg_number`, reserved for the whole file at once
    regs = [
        f"APL-{today.year}-{seq:06d}"
        for seq in reserve(session, f"APL-{today.year}", len(accepted))
    ]
    rows = [
        {
            "reg_number": reg,
            "applicant_id": applicant_ids[app.nik],
            "scheme_id": app.scheme_id,
            "schedule_id": app.schedule_id,
            "tuk_id": app.tuk_id,
            "purpose": Purpose.CERTIFICATION.value,
            "status": CaseStatus.DRAFT.value,
        }
        for app, reg in zip(accepted, regs, strict=True)
    ]
    inserted = session.execute(
        insert(CASE).returning(CASE.c.id, CASE.c.reg_number, sort_by_parameter_order=True), rows
    ).all()
    units = [
        {"case_id": case_id, "unit_id": unit_id}
        for (case_id, _), app in zip(inserted, accepted, strict=True)
        for unit_id in app.unit_ids
    ]
    if units:
        session.execute(insert(UNIT), units)
    return [(case_id, reg) for case_id, reg in inserted]

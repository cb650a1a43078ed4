"""Writes of the spreadsheet imports: BNSP numbers onto certificates, applicants and their cases.

The importers (`portal/exchange/`) read and check a file at the edge and hand over plain rows;
here each import is one write-locked transaction that re-checks what may have changed since the
preview, writes set-based, and records one audit event per record with the import as its source.
Nothing is half-imported: any refusal rolls the whole import back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock
from ..models import Certificate, User
from ..rules.vocabulary import N_
from ..rules.workflow import Refusal
from ..transactions import writing
from .audit import certificate_audit, write_events
from .tables import CERT

BNSP_FIELDS = ("bnsp_registration_number", "blanko_number")
IMPORT_BNSP_NUMBERS = "import_bnsp_numbers"


@dataclass(frozen=True)
class NumberChange:
    """BNSP's numbers for one certificate: what the preview saw (`old`) and what to write."""

    certificate_id: int
    old: dict[str, str | None]
    new: dict[str, str]


def record_bnsp_numbers(
    session: Session, actor: User, changes: Sequence[NumberChange], source: str
) -> int:
    """Write BNSP's numbers onto certificates, all or none; the count of certificates changed.

    Refused (nothing written) when a certificate's numbers changed since the preview, or when a
    number was taken by another certificate meanwhile.
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
    return len(changes)


def _changed(change: NumberChange) -> dict[str, Any]:
    """The audit data of a change: each written field, old → new."""
    return {
        name: [change.old.get(name), value]
        for name, value in change.new.items()
        if value != change.old.get(name)
    }

"""The BNSP reporting sheet: one row per decided candidate (K and BK), BNSP's columns in order.

The rows are read in batches straight from one joined query (no ORM objects), so a sheet of
100,000 cases streams in flat memory; the pre-check reads the same rows once more and lists every
missing or invalid code with the record to fix it on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from ..models import Applicant, Assessor, BnspCode, Case, Schedule
from ..rules import bnsp
from ..rules.identity import Message

BATCH_ROWS = 2_000
SHOWN_GAPS = 200  # the pre-check lists this many gaps and counts the rest


def _national(phone: str | None) -> str | None:
    """+6281234567890 as 081234567890: the form BNSP's sheet and Indonesian staff use."""
    return "0" + phone[3:] if phone and phone.startswith("+62") else phone


# sheet column -> (selected expression, how the value is written)
_SELECTED: dict[str, tuple[Any, Any]] = {
    "nama_asesi": (Applicant.full_name, None),
    "nik": (Applicant.nik, None),
    "tempat_lahir": (Applicant.birth_place, None),
    "tanggal_lahir": (Applicant.birth_date, bnsp.shown_date),
    "jenis_kelamin": (Applicant.sex, None),
    "tempat_tinggal": (Applicant.address, None),
    "kode_kabupaten": (Applicant.regency_code, None),
    "kode_provinsi": (Applicant.province_code, None),
    "telp": (Applicant.phone, _national),
    "email": (Applicant.email, None),
    "kode_pendidikan": (Applicant.education_code, None),
    "kode_pekerjaan": (Applicant.occupation_code, None),
    "kode_jadwal": (Schedule.code, None),
    "tanggal_uji": (Case.assessment_date, bnsp.shown_date),
    "nomor_registrasi_asesor": (Assessor.met_number, None),
    "kode_sumber_anggaran": (Applicant.budget_source_code, None),
    "kode_kementerian": (Applicant.ministry_code, None),
    "status_kompeten": (Case.status, bnsp.verdict),
}
_KEYS = (Case.id, Case.reg_number, Case.applicant_id, Case.assessor_id)


def decided(condition: ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """The cases the sheet reports, within `condition` (a schedule, a period, a list's filter)."""
    reported = Case.status.in_([s.value for s in bnsp.DECIDED])
    return reported if condition is None else reported & condition


def _query(condition: ColumnElement[bool] | None) -> Select:
    return (
        select(*_KEYS, *(expr for expr, _ in _SELECTED.values()))
        .select_from(Case)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .outerjoin(Schedule, Schedule.id == Case.schedule_id)
        .outerjoin(Assessor, Assessor.id == Case.assessor_id)
        .where(decided(condition))
        .order_by(Case.id)
    )


@dataclass(frozen=True)
class SheetRow:
    """One row of the sheet with the keys of the records it comes from."""

    case_id: int
    reg_number: str
    applicant_id: int
    assessor_id: int | None
    values: dict[str, Any]


def rows(session: Session, condition: ColumnElement[bool] | None = None) -> Iterator[SheetRow]:
    """The sheet's rows in case order, read in batches."""
    result = session.execute(_query(condition), execution_options={"yield_per": BATCH_ROWS})
    writers = [write for _, write in _SELECTED.values()]
    for case_id, reg_number, applicant_id, assessor_id, *raw in result:
        values = {
            column: (write(value) if write and value is not None else value)
            for column, write, value in zip(_SELECTED, writers, raw, strict=True)
        }
        yield SheetRow(case_id, reg_number, applicant_id, assessor_id, values)


def cells(session: Session, condition: ColumnElement[bool] | None = None) -> Iterator[list[Any]]:
    """The sheet's rows as cell lists in BNSP's column order (identifiers stay text)."""
    for row in rows(session, condition):
        yield [row.values[column] for column in bnsp.COLUMNS]


def case_ids(session: Session, condition: ColumnElement[bool] | None) -> list[int]:
    """The ids of the cases the sheet reports, in its order."""
    return list(session.scalars(select(Case.id).where(decided(condition)).order_by(Case.id)))


def cells_by_id(
    session: Session, ids: list[int], progress: Callable[[int, int], None]
) -> Iterator[list[Any]]:
    """The sheet's rows of these cases (ids ascending), one batch per query (a job's sheet);
    `progress` hears each batch but the last (the file is complete only when written)."""
    for start in range(0, len(ids), BATCH_ROWS):
        batch = ids[start : start + BATCH_ROWS]
        yield from cells(session, Case.id.in_(batch))
        if start + len(batch) < len(ids):
            progress(start + len(batch), len(ids))


def code_tables(session: Session) -> dict[str, frozenset[str]]:
    """Every BNSP code table, as the set of its codes per kind."""
    tables: dict[str, set[str]] = {}
    for kind, code in session.execute(select(BnspCode.kind, BnspCode.code)):
        tables.setdefault(kind, set()).add(code)
    return {kind: frozenset(codes) for kind, codes in tables.items()}


@dataclass(frozen=True)
class RowGap:
    """A gap of one row, with the record that holds the cell."""

    reg_number: str
    name: str
    column: str
    reason: Message
    fix: tuple[str, int]  # (screen endpoint, id) of the record to edit


# where each column is corrected
_FIXED_ON = {"kode_jadwal": "case", "tanggal_uji": "case", "nomor_registrasi_asesor": "assessor"}


@dataclass
class Check:
    """The pre-check of a sheet: how many rows, how many have gaps, and the first gaps."""

    rows: int = 0
    rows_with_gaps: int = 0
    gaps: int = 0
    shown: list[RowGap] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.gaps == 0


def check(session: Session, condition: ColumnElement[bool] | None = None) -> Check:
    """Read every row of the sheet and list its missing or invalid cells."""
    codes = code_tables(session)
    result = Check()
    for row in rows(session, condition):
        result.rows += 1
        found = bnsp.gaps(row.values, codes)
        if not found:
            continue
        result.rows_with_gaps += 1
        result.gaps += len(found)
        for gap in found:
            if len(result.shown) < SHOWN_GAPS:
                result.shown.append(_located(row, gap))
    return result


def _located(row: SheetRow, gap: bnsp.Gap) -> RowGap:
    screen = _FIXED_ON.get(gap.column, "applicant")
    record = {"case": row.case_id, "assessor": row.assessor_id, "applicant": row.applicant_id}
    if screen == "assessor" and row.assessor_id is None:
        screen = "case"  # no asesor assigned: the case is where one is chosen
    return RowGap(
        row.reg_number, row.values["nama_asesi"], gap.column, gap.reason, (screen, record[screen])
    )

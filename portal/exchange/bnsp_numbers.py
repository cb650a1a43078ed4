"""BNSP numbers back in: a sheet of BNSP registration and blanko numbers, matched to
certificates by certificate number (or NIK + scheme code), checked cell by cell.

The preview says per row what will change (old → new), or why not: unknown certificate, a number
already used by another certificate or twice in the file, a malformed number, a certificate that
already holds a different number. The import is committed only when no row has an error; rows
that change nothing are shown as such, so importing the same file again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from ..casework.imports import BNSP_FIELDS, NumberChange
from ..models import Applicant, Certificate, Scheme
from ..rules.bnsp import parse_bnsp_number
from ..rules.identity import Invalid, Message, parse_nik
from ..rules.vocabulary import N_
from .reading import FileRefused, Table

CERTIFICATE, NIK, SCHEME = "nomor_sertifikat", "nik", "kode_skema"
COLUMNS = {"nomor_registrasi": BNSP_FIELDS[0], "nomor_blanko": BNSP_FIELDS[1]}
CHUNK = 500  # ids per IN (...) list


@dataclass
class NumberRow:
    """One row of the file as the preview shows it."""

    row: int
    certificate: str = ""
    holder: str = ""
    certificate_id: int | None = None
    old: dict[str, str | None] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Message] = field(default_factory=dict)

    @property
    def changes(self) -> dict[str, tuple[str | None, str]]:
        return {k: (self.old.get(k), v) for k, v in self.new.items() if self.old.get(k) != v}


@dataclass
class NumberPreview:
    rows: list[NumberRow]

    @property
    def errors(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def changing(self) -> list[NumberRow]:
        return [row for row in self.rows if row.changes and not row.errors]

    def to_commit(self) -> list[NumberChange]:
        return [NumberChange(r.certificate_id, r.old, r.new) for r in self.changing]


def preview(session: Session, table: Table, today: date) -> NumberPreview:
    """Check every row of the file against the certificates, in a constant number of queries."""
    if not set(COLUMNS) & set(table.header) or not (
        CERTIFICATE in table.header or {NIK, SCHEME} <= set(table.header)
    ):
        raise FileRefused(
            N_("The file needs the columns %(columns)s."),
            columns="nomor_sertifikat (or nik + kode_skema), nomor_registrasi, nomor_blanko",
        )
    rows = [_parsed(number, values, table) for number, values in table.rows]
    certificates = _certificates(session, rows, table)
    for row, values in zip(rows, (v for _, v in table.rows), strict=True):
        _match(row, values, certificates, today)
    _check_numbers(session, rows)
    return NumberPreview(rows)


def _parsed(number: int, values: dict[str, str], table: Table) -> NumberRow:
    row = NumberRow(number, certificate=values.get(CERTIFICATE, ""))
    for column, name in COLUMNS.items():
        if (number, column) in table.cell_errors:
            row.errors[column] = table.cell_errors[(number, column)]
        elif values.get(column):
            try:
                row.new[name] = parse_bnsp_number(values[column])
            except Invalid as error:
                row.errors[column] = error.message
    if not row.new and not row.errors:
        row.errors["nomor_registrasi"] = Message(N_("no number to record"))
    return row


@dataclass(frozen=True)
class _Cert:
    id: int
    number: str
    holder: str
    numbers: dict[str, str | None]


def _certificates(session: Session, rows: list[NumberRow], table: Table) -> dict:
    """The certificates the file names, by number and by (NIK, scheme code) of a current one."""
    numbers = {row.certificate for row in rows if row.certificate}
    keys = {
        (values.get(NIK, ""), values.get(SCHEME, ""))
        for _, values in table.rows
        if not values.get(CERTIFICATE) and values.get(NIK)
    }
    columns = (
        Certificate.id,
        Certificate.number,
        Certificate.holder_name,
        *(getattr(Certificate, n) for n in BNSP_FIELDS),
        Applicant.nik,
        Scheme.code,
    )
    base = (
        select(*columns)
        .join(Applicant, Applicant.id == Certificate.applicant_id)
        .join(Scheme, Scheme.id == Certificate.scheme_id)
    )
    found: dict = {}
    for chunk in _chunks(sorted(numbers)):
        _collect(session, base.where(Certificate.number.in_(chunk)), found)
    for chunk in _chunks(sorted(keys)):
        query = base.where(
            tuple_(Applicant.nik, Scheme.code).in_(chunk), Certificate.superseded_by_id.is_(None)
        )
        _collect(session, query, found)
    return found


def _collect(session: Session, query, found: dict) -> None:
    for cid, number, holder, reg, blanko, nik, scheme in session.execute(query):
        cert = _Cert(cid, number, holder, {BNSP_FIELDS[0]: reg, BNSP_FIELDS[1]: blanko})
        found[number] = cert
        found.setdefault((nik, scheme), []).append(cert)


def _chunks(items: list) -> Iterable[list]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _match(row: NumberRow, values: dict[str, str], certificates: dict, today: date) -> None:
    if row.certificate:
        cert = certificates.get(row.certificate)
        if cert is None:
            row.errors[CERTIFICATE] = Message(N_("unknown certificate"))
            return
    else:
        try:
            nik = parse_nik(values.get(NIK, ""), today).number
        except Invalid as error:
            row.errors[NIK] = error.message
            return
        matches = {c.id: c for c in certificates.get((nik, values.get(SCHEME, "")), [])}
        if len(matches) != 1:
            row.errors[NIK] = Message(
                N_("no certificate for this NIK and scheme")
                if not matches
                else N_("several certificates: give the certificate number")
            )
            return
        (cert,) = matches.values()
    row.certificate_id, row.certificate, row.holder = cert.id, cert.number, cert.holder
    row.old = dict(cert.numbers)
    for name, value in row.new.items():
        held = cert.numbers[name]
        if held and held != value:
            column = _column_of(name)
            row.errors.setdefault(
                column,
                Message(N_("the certificate already has number %(number)s"), {"number": held}),
            )


def _column_of(name: str) -> str:
    return next(column for column, field_name in COLUMNS.items() if field_name == name)


def _check_numbers(session: Session, rows: list[NumberRow]) -> None:
    """A number used by another certificate, or given twice in the file, is an error; so is a
    certificate named by two rows."""
    owners: dict[tuple[str, str], int | None] = {}
    certificates: set[int] = set()
    for row in rows:
        if row.certificate_id is None:
            continue
        if row.certificate_id in certificates:
            row.errors.setdefault(CERTIFICATE, Message(N_("the certificate is twice in the file")))
            continue
        certificates.add(row.certificate_id)
        for name, value in row.new.items():
            if owners.setdefault((name, value), row.certificate_id) != row.certificate_id:
                row.errors.setdefault(_column_of(name), Message(N_("used twice in the file")))
    taken: dict[tuple[str, str], tuple[int, str]] = {}
    for name in BNSP_FIELDS:
        column = getattr(Certificate, name)
        for chunk in _chunks(sorted(v for n, v in owners if n == name)):
            query = select(Certificate.id, Certificate.number, column).where(column.in_(chunk))
            for cid, number, value in session.execute(query):
                taken[(name, value)] = (cid, number)
    for row in rows:
        for name, value in row.new.items():
            owner = taken.get((name, value))
            if owner and owner[0] != row.certificate_id:
                row.errors.setdefault(
                    _column_of(name),
                    Message(N_("already used by certificate %(number)s"), {"number": owner[1]}),
                )

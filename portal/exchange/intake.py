"""Applicants and cases in bulk: one row per candidate, checked with the rules of the forms.

Each row is checked at the edge with the same rules the applicant and case forms use (NIK,
phone, e-mail, BNSP codes, scheme and unit codes, the schedule's deadline and quota); basic
requirements are shown as information only, as on the verification screen. The preview lists
the errors per row and cell; an existing applicant (same NIK) is updated only where the user
accepts it; a NIK already registered for the scheme on the schedule never makes a second case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..casework.imports import NewApplication, registrations
from ..casework.seats import seats_taken
from ..models import Applicant, Schedule, Scheme, SchemeRequirement, Unit, scheme_unit
from ..rules import bnsp, identity, schedules
from ..rules.identity import Invalid, Message
from ..rules.requirements import Alternative, Qualifications, evaluate
from ..rules.vocabulary import N_, Education, Sex
from .bnsp_sheet import code_tables
from .reading import FileRefused, Table

CHUNK = 500
YES, NO = ("y", "ya", "yes", "1", "true"), ("t", "tidak", "no", "n", "0", "false", "")


@dataclass(frozen=True)
class Column:
    """A column of the template: its name, whether it is required, and what it holds."""

    name: str
    required: bool
    explanation: str  # an English msgid; the template's sheet shows it in Indonesian
    example: str = ""


COLUMNS = (
    Column("nama_asesi", True, N_("Full name as on the identity card."), "Budi Santoso"),
    Column("nik", True, N_("NIK: 16 digits, typed as text."), "3171011708800001"),
    Column("tempat_lahir", True, N_("Place of birth."), "Jakarta"),
    Column("tanggal_lahir", True, N_("Date of birth, DD-MM-YYYY."), "17-08-1980"),
    Column("jenis_kelamin", True, N_("Sex: L (male) or P (female)."), "L"),
    Column("tempat_tinggal", True, N_("Home address."), "Jl. Merdeka 1, Jakarta"),
    Column("kode_kabupaten", False, N_("BNSP regency code (sheet Kode)."), "3171"),
    Column("kode_provinsi", False, N_("BNSP province code (sheet Kode)."), "31"),
    Column("telp", True, N_("Indonesian mobile number."), "081234567890"),
    Column("email", False, N_("E-mail address."), "budi@example.id"),
    Column("kode_pendidikan", False, N_("BNSP education code (sheet Kode)."), ""),
    Column("kode_pekerjaan", False, N_("BNSP occupation code (sheet Kode)."), ""),
    Column("kode_jadwal", True, N_("Code of the assessment schedule (sheet Kode)."), ""),
    Column("kode_sumber_anggaran", False, N_("BNSP budget source code (sheet Kode)."), ""),
    Column("kode_kementerian", False, N_("BNSP ministry code (sheet Kode)."), ""),
    Column("pendidikan_terakhir", True, N_("Highest education: SD … S3."), "S1"),
    Column("kode_skema", False, N_("Scheme code; empty: the schedule's scheme."), ""),
    Column(
        "kode_unit",
        False,
        N_("Unit codes separated by commas; empty: every unit of the scheme."),
        "",
    ),
    Column("bidang_perpustakaan", False, N_("Education in library science: Y or T."), "Y"),
    Column("pelatihan_perpustakaan", False, N_("Library training certificate: Y or T."), "T"),
    Column("pengalaman_bulan", False, N_("Relevant work experience in months."), "24"),
    Column("lembaga", False, N_("Institution or employer."), "Perpustakaan Nasional RI"),
    Column("jabatan", False, N_("Position."), "Pustakawan"),
)
REQUIRED = frozenset(c.name for c in COLUMNS if c.required)

# template column -> Applicant attribute, for the columns copied as text
_TEXT = {
    "nama_asesi": ("full_name", 200),
    "tempat_lahir": ("birth_place", 100),
    "tempat_tinggal": ("address", 1000),
    "kode_kabupaten": ("regency_code", 8),
    "kode_provinsi": ("province_code", 4),
    "kode_pendidikan": ("education_code", 8),
    "kode_pekerjaan": ("occupation_code", 8),
    "kode_sumber_anggaran": ("budget_source_code", 8),
    "kode_kementerian": ("ministry_code", 8),
    "lembaga": ("institution", 200),
    "jabatan": ("job_title", 200),
}
# Applicant attribute -> template column, to show an error on the column it came from
COLUMN_OF = {
    **{attr: column for column, (attr, _) in _TEXT.items()},
    "nik": "nik",
    "birth_date": "tanggal_lahir",
    "sex": "jenis_kelamin",
    "phone": "telp",
    "email": "email",
    "education_level": "pendidikan_terakhir",
    "library_field": "bidang_perpustakaan",
    "has_library_training": "pelatihan_perpustakaan",
    "experience_months": "pengalaman_bulan",
}


@dataclass
class IntakeRow:
    """One row of the file as the preview shows it."""

    row: int
    name: str = ""
    nik: str = ""
    schedule_code: str = ""
    applicant: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Message] = field(default_factory=dict)
    notes: list[Message] = field(default_factory=list)  # information: never blocks the import
    existing_id: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    application: NewApplication | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class IntakePreview:
    rows: list[IntakeRow]

    @property
    def valid(self) -> list[IntakeRow]:
        return [row for row in self.rows if row.valid]

    @property
    def invalid(self) -> list[IntakeRow]:
        return [row for row in self.rows if not row.valid]

    def applications(self, accepted_updates: Iterable[int]) -> list[NewApplication]:
        """The valid rows to import; an existing applicant's data updated only on the rows
        whose update was accepted."""
        accepted = set(accepted_updates)
        return [
            row.application.accepting(row.row in accepted)
            for row in self.valid
            if row.application is not None
        ]


@dataclass
class _Catalogue:
    """What the file's rows refer to, read once for the whole file."""

    schedules: dict[str, Any]
    schemes: dict[str, Any]
    units: dict[int, dict[str, int]]  # scheme id -> unit code -> unit id
    requirements: dict[int, list[Alternative]]
    codes: dict[str, frozenset[str]]
    applicants: dict[str, Applicant]
    registered: set[tuple[int, int, int]]  # (applicant, scheme, schedule) with a case
    taken: dict[int, int]  # schedule id -> seats taken


def preview(
    session: Session,
    table: Table,
    today: date,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> IntakePreview:
    """Check every row of the file, in a constant number of queries per 500 rows; `progress`
    hears every 500 rows checked (never the last: the caller says when the work is done)."""
    missing = sorted(REQUIRED - set(table.header))
    if missing:
        raise FileRefused(N_("The file needs the columns %(columns)s."), columns=", ".join(missing))
    catalogue = _catalogue(session, table)
    rows = []
    in_file: set[tuple[str, int, int]] = set()
    taken = dict(catalogue.taken)
    total = len(table.rows)
    progress(0, total)
    for number, values in table.rows:
        row = _checked(number, values, table, catalogue, today)
        _place(row, values, catalogue, in_file, taken, today)
        rows.append(row)
        if len(rows) % CHUNK == 0 and len(rows) < total:
            progress(len(rows), total)
    return IntakePreview(rows)


def _catalogue(session: Session, table: Table) -> _Catalogue:
    values = [v for _, v in table.rows]
    schedule_codes = sorted({v.get("kode_jadwal", "") for v in values} - {""})
    schedules = {}
    for chunk in _chunks(schedule_codes):
        for schedule in session.scalars(select(Schedule).where(Schedule.code.in_(chunk))):
            schedules[schedule.code] = schedule
    schemes = {s.code: s for s in session.scalars(select(Scheme))}
    units: dict[int, dict[str, int]] = {}
    for scheme_id, code, unit_id in session.execute(
        select(scheme_unit.c.scheme_id, Unit.code, Unit.id).join(
            Unit, Unit.id == scheme_unit.c.unit_id
        )
    ):
        units.setdefault(scheme_id, {})[code] = unit_id
    requirements: dict[int, list[Alternative]] = {}
    for requirement in session.scalars(
        select(SchemeRequirement).order_by(SchemeRequirement.position)
    ):
        requirements.setdefault(requirement.scheme_id, []).append(Alternative.of(requirement))
    niks = sorted({_nik_digits(v.get("nik", "")) for v in values} - {""})
    applicants = {}
    for chunk in _chunks(niks):
        for applicant in session.scalars(select(Applicant).where(Applicant.nik.in_(chunk))):
            applicants[applicant.nik] = applicant
    registered = registrations(session, sorted(a.id for a in applicants.values()))
    return _Catalogue(
        schedules,
        schemes,
        units,
        requirements,
        code_tables(session),
        applicants,
        registered,
        seats_taken(session, [s.id for s in schedules.values()]),
    )


def _nik_digits(raw: str) -> str:
    digits = "".join(ch for ch in raw if ch.isdigit())
    return digits if len(digits) == 16 else ""


def _checked(
    number: int, values: dict[str, str], table: Table, catalogue: _Catalogue, today: date
) -> IntakeRow:
    """The row's applicant data, normalised by the rules, with an error per refused cell."""
    row = IntakeRow(number, name=values.get("nama_asesi", ""), nik=values.get("nik", ""))
    row.schedule_code = values.get("kode_jadwal", "")
    errors = row.errors
    for (line, column), message in table.cell_errors.items():
        if line == number:
            errors[column] = message
    for column in REQUIRED:
        if not values.get(column) and column not in errors:
            errors[column] = Message(N_("required"))
    data = row.applicant
    for column, (attr, limit) in _TEXT.items():
        text = values.get(column, "")
        if len(text) > limit:
            errors[column] = Message(N_("at most %(max)d characters"), {"max": limit})
        data[attr] = text or None
    _parse(row, "nama_asesi", values, identity.parse_person_name, "full_name")
    _parse(row, "nik", values, lambda raw: identity.parse_nik(raw, today).number, "nik")
    _parse(row, "telp", values, identity.parse_phone, "phone")
    _parse(row, "email", values, identity.parse_email, "email")
    _parse(row, "tanggal_lahir", values, lambda raw: _date(raw, today), "birth_date")
    _parse(row, "jenis_kelamin", values, lambda raw: _choice(raw.upper(), Sex), "sex")
    _parse(
        row,
        "pendidikan_terakhir",
        values,
        lambda raw: _choice(raw.upper(), Education),
        "education_level",
    )
    _parse(row, "bidang_perpustakaan", values, _yes_no, "library_field", blank=False)
    _parse(row, "pelatihan_perpustakaan", values, _yes_no, "has_library_training", blank=False)
    _parse(row, "pengalaman_bulan", values, _months, "experience_months", blank=0)
    if "nik" in data and data.get("birth_date") and data.get("sex"):
        nik = identity.parse_nik(data["nik"], today)
        row.notes.extend(identity.nik_mismatches(nik, data["birth_date"], data["sex"]))
    coded = {c: values.get(c, "") for c in bnsp.CODED}
    for gap in bnsp.gaps(coded, catalogue.codes):
        if coded.get(gap.column) and gap.column not in errors:
            errors[gap.column] = gap.reason
    return row


def _parse(
    row: IntakeRow, column: str, values: dict[str, str], rule: Any, attr: str, blank: Any = None
) -> None:
    raw = values.get(column, "")
    if not raw:
        row.applicant[attr] = blank
        return
    try:
        row.applicant[attr] = rule(raw)
    except Invalid as error:
        row.errors.setdefault(column, error.message)


def _date(raw: str, today: date) -> date:
    for layout in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            day = datetime.strptime(raw, layout).date()
        except ValueError:
            continue
        if not date(1900, 1, 1) <= day <= today:
            raise Invalid(N_("a date between 1900 and today"))
        return day
    raise Invalid(N_("a date as DD-MM-YYYY"))


def _choice(raw: str, values: Any) -> str:
    if raw not in {v.value for v in values}:
        raise Invalid(N_("one of %(choices)s"), choices=", ".join(v.value for v in values))
    return raw


def _yes_no(raw: str) -> bool:
    text = raw.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise Invalid(N_("Y or T"))


def _months(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 1200:
        raise Invalid(N_("a whole number of months"))
    return int(raw)


def _place(
    row: IntakeRow,
    values: dict[str, str],
    catalogue: _Catalogue,
    in_file: set[tuple[str, int, int]],
    taken: dict[int, int],
    today: date,
) -> None:
    """The row's schedule, scheme and units; its seat; the applicant it matches and what would
    change on them. A seat is counted only for a row without errors."""
    schedule = catalogue.schedules.get(row.schedule_code)
    if row.schedule_code and schedule is None:
        row.errors.setdefault("kode_jadwal", Message(N_("unknown schedule")))
    if schedule is None:
        return
    scheme_id = schedule.scheme_id
    named = values.get("kode_skema", "")
    if named and getattr(catalogue.schemes.get(named), "id", None) != scheme_id:
        row.errors.setdefault(
            "kode_skema",
            Message(N_("not the scheme of schedule %(code)s"), {"code": schedule.code}),
        )
    unit_ids = _units(row, values.get("kode_unit", ""), catalogue.units.get(scheme_id, {}))
    data = row.applicant
    nik = data.get("nik")
    existing = catalogue.applicants.get(nik) if nik else None
    if existing is not None:
        row.existing_id = existing.id
        row.changes = {
            attr: (getattr(existing, attr), value)
            for attr, value in data.items()
            if value not in (None, "") and getattr(existing, attr) != value
        }
        if (existing.id, scheme_id, schedule.id) in catalogue.registered:
            row.errors.setdefault("kode_jadwal", Message(N_("already registered on this schedule")))
    key = (nik or "", scheme_id, schedule.id)
    if nik and key in in_file:
        row.errors.setdefault("nik", Message(N_("twice in the file for this schedule")))
    closed = schedules.registration_refusal(schedule.registration_deadline, today)
    if closed:
        row.errors.setdefault("kode_jadwal", Message(closed.msgid, closed.params))
    alternatives = catalogue.requirements.get(scheme_id, [])
    if alternatives and not row.errors:
        qualifications = Qualifications.of(_Attrs(data))
        if evaluate(alternatives, qualifications).met is None:
            row.notes.append(Message(N_("basic requirements not met (checked at verification)")))
    if row.errors:
        return
    full = schedules.quota_refusal(schedule.quota, taken.get(schedule.id, 0))
    if full:
        row.errors["kode_jadwal"] = Message(full.msgid, full.params)
        return
    taken[schedule.id] = taken.get(schedule.id, 0) + 1
    in_file.add(key)
    row.application = NewApplication(
        row=row.row,
        nik=nik,
        applicant=dict(data),
        existing_id=row.existing_id,
        update_existing=False,
        scheme_id=scheme_id,
        schedule_id=schedule.id,
        tuk_id=schedule.tuk_id,
        unit_ids=unit_ids,
    )


def _units(row: IntakeRow, raw: str, units: dict[str, int]) -> tuple[int, ...]:
    """The units named in the row (every unit of the scheme when none is named)."""
    codes = [c.strip().upper() for c in raw.replace(";", ",").split(",") if c.strip()]
    unknown = [code for code in codes if code not in units]
    if unknown:
        row.errors.setdefault(
            "kode_unit",
            Message(N_("not units of the scheme: %(codes)s"), {"codes": ", ".join(unknown)}),
        )
    chosen = [units[code] for code in codes if code in units] or list(units.values())
    if not chosen:
        row.errors.setdefault("kode_unit", Message(N_("the scheme has no units")))
    return tuple(dict.fromkeys(chosen))


class _Attrs:
    """A dict read as attributes (for the rules' `of` constructors)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)


def _chunks(items: list) -> Iterable[list]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]

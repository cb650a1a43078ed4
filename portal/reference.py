"""The competency catalogue: the verified reference rows the portal ships, and the unit importer.

`import_units` reads a unit list (CSV or XLSX: code, title, element no., element title, KUK no.,
KUK text) and upserts units by code, elements by (unit, number) and KUK by (element, number).
Each row is checked whole before anything of it is written, so a refused row leaves nothing
behind; the report names every refused row and why. `load_reference` runs the importer on the
verified units in `portal/data/reference/` and upserts the verified schemes, which makes it safe
to run any number of times.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Element, Kuk, Scheme, SchemeRequirement, Unit
from .rules.identity import Invalid, Message, parse_unit_code
from .rules.requirements import pustakawan_alternatives
from .rules.vocabulary import N_, SchemeType

DATA_DIR = Path(__file__).resolve().parent / "data" / "reference"
UNITS_FILE = DATA_DIR / "units-verified.csv"
SCHEMES_FILE = DATA_DIR / "schemes-verified.csv"

# Column → the header names accepted for it, after `_header_key` (English and Indonesian).
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "code": ("code", "unit_code", "kode", "kode_unit", "unit"),
    "title": ("title", "unit_title", "judul", "judul_unit", "nama_unit"),
    "element_no": ("element_no", "element_number", "no_elemen", "nomor_elemen", "elemen_no"),
    "element_title": ("element_title", "element", "elemen", "judul_elemen", "nama_elemen"),
    "kuk_no": ("kuk_no", "kuk_number", "no_kuk", "nomor_kuk"),
    "kuk_text": ("kuk_text", "kuk", "teks_kuk", "kriteria_unjuk_kerja"),
    "standard": ("standard", "standar", "skkni"),
}
REQUIRED_COLUMNS = ("code", "title")
# The column widths of the models, checked before writing so that no database refuses a row.
MAX_LENGTH = {"code": 40, "title": 300, "element_title": 300, "kuk_no": 16, "standard": 100}
MAX_ELEMENT_NUMBER = 999
# A unit catalogue is a few thousand rows (SKKNI's KUK lines); these bounds keep a hostile or
# mistaken file (2 million rows, a ZIP bomb) from running for minutes and taking gigabytes.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 50_000
# What openpyxl and the XML parsers raise on a damaged or hostile workbook, at load or read time.
XLSX_ERRORS = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    SyntaxError,  # lxml's XMLSyntaxError
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    EOFError,
    OSError,
)


class CatalogueFileError(Exception):
    """A file that cannot be read as a unit list at all (format, encoding, headers)."""


@dataclass
class Tally:
    """How many records of one kind an import created and updated."""

    created: int = 0
    updated: int = 0


@dataclass
class ImportReport:
    """What an import did: counts per kind, and the rows refused or worth a look, by row number."""

    units: Tally = field(default_factory=Tally)
    elements: Tally = field(default_factory=Tally)
    kuks: Tally = field(default_factory=Tally)
    refused: list[tuple[int, Message]] = field(default_factory=list)
    warnings: list[tuple[int, Message]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines of text for staff."""
        lines = [
            f"{name}: {tally.created} created, {tally.updated} updated."
            for name, tally in (
                ("Units", self.units),
                ("Elements", self.elements),
                ("KUK", self.kuks),
            )
        ]
        for heading, items in (("Warnings", self.warnings), ("Refused rows", self.refused)):
            if items:
                lines.append(f"{heading} ({len(items)}):")
                lines.extend(f"  row {row}: {message}" for row, message in items)
        return lines


# --- reading a file --------------------------------------------------------------------------


def _header_key(name: str) -> str:
    """A header as a key: lower case, runs of spaces and punctuation as one underscore."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def _cell(value: object) -> str:
    """A cell as text; a spreadsheet's whole numbers (2.0) read as written (2)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _read_csv(path: Path) -> Iterator[list[str]]:
    """The rows of a UTF-8 CSV file, with the delimiter (comma, semicolon or tab) detected."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogueFileError(f"{path.name} is not UTF-8 text: save it as CSV UTF-8.") from None
    if "\0" in text:
        raise CatalogueFileError(f"{path.name} is not a CSV file.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    for row in csv.reader(io.StringIO(text, newline=""), dialect):
        yield [_cell(value) for value in row]


def _read_xlsx(path: Path) -> Iterator[list[str]]:
    """The rows of the first sheet of an XLSX workbook; a damaged one is refused, at any row."""
    not_valid = CatalogueFileError(f"{path.name} is not a valid XLSX workbook.")
    try:
        with zipfile.ZipFile(path) as package:
            unpacked = sum(member.file_size for member in package.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise CatalogueFileError(
                f"{path.name} unpacks to {unpacked // 1024 // 1024} MB, more than the "
                f"{MAX_XLSX_UNPACKED_BYTES // 1024 // 1024} MB a unit catalogue can be."
            )
        workbook = load_workbook(path, read_only=True, data_only=True)
    except XLSX_ERRORS:
        raise not_valid from None
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_cell(value) for value in row]
    except XLSX_ERRORS:
        raise not_valid from None
    finally:
        workbook.close()


READERS = {".csv": _read_csv, ".xlsx": _read_xlsx}


def read_table(path: Path, max_rows: int = MAX_ROWS) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row after the header, by its row number, as values keyed by column.

    The header is read at once, so a file that cannot be read fails here, before any row.
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise CatalogueFileError(f"{path.name}: only .csv and .xlsx files can be imported.")
    if not path.is_file():
        raise CatalogueFileError(f"{path} does not exist.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise CatalogueFileError(
            f"{path.name} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB: "
            "split the catalogue into several files."
        )
    rows = reader(path)
    header = next(rows, None)
    if header is None:
        raise CatalogueFileError(f"{path.name} is empty.")
    columns = _match_columns(header)

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        for number, row in enumerate(rows, start=2):
            if number > max_rows + 1:
                raise CatalogueFileError(
                    f"{path.name} has more than {max_rows:,} rows: split the catalogue into "
                    "several files. Nothing was imported."
                )
            yield number, {key: row[i] if i < len(row) else "" for key, i in columns.items()}

    return records()


def _match_columns(header: list[str]) -> dict[str, int]:
    """Which position holds which column; refuse a header without the unit code and title."""
    keys = [_header_key(name) for name in header]
    columns = {
        column: keys.index(name)
        for column, names in HEADER_NAMES.items()
        for name in names
        if name in keys
    }
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise CatalogueFileError(
            f"The header row has no column for: {', '.join(missing)} "
            f"(found: {', '.join(h for h in header if h) or 'nothing'})."
        )
    return columns


# --- checking and applying rows --------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueRow:
    """One checked row: a unit, optionally one of its elements, optionally one KUK of it."""

    code: str
    title: str
    standard: str
    element_no: int | None
    element_title: str
    kuk_no: str
    kuk_text: str
    warning: Message | None = None


def _element_number(raw: str) -> int | None:
    """The element number of a row, or None when the row names no element."""
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ELEMENT_NUMBER:
        raise Invalid(N_("The element number %(value)s is not a whole number from 1."), value=raw)
    return int(raw)


def _same(a: str, b: str) -> bool:
    """True when two titles are the same, ignoring case."""
    return a.casefold() == b.casefold()


class _Catalogue:
    """The units in the database and what this import has added to them, indexed for look-ups.

    `first_seen` keeps, per unit, element and KUK, the text and row where this file first gave
    it: a later row that disagrees is a conflict within the file, and is refused.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.units = {unit.code: unit for unit in session.scalars(select(Unit))}
        self.first_seen: dict[tuple, tuple[str, int]] = {}
        self.updated: set[tuple] = set()

    # checking

    def check(self, values: dict[str, str]) -> CatalogueRow:
        """The row, checked as a whole; raise Invalid with the reason it is refused."""
        for column, limit in MAX_LENGTH.items():
            if len(values.get(column, "")) > limit:
                raise Invalid(
                    N_("The %(column)s is longer than %(limit)d characters."),
                    column=column.replace("_", " "),
                    limit=limit,
                )
        if not values["code"]:
            raise Invalid(N_("The unit code is missing."))
        code = parse_unit_code(values["code"])
        element_no = _element_number(values.get("element_no", ""))
        row = CatalogueRow(
            code=code.code,
            title=values["title"],
            standard=values.get("standard", ""),
            element_no=element_no,
            element_title=values.get("element_title", ""),
            kuk_no=values.get("kuk_no", ""),
            kuk_text=values.get("kuk_text", ""),
            warning=code.warning,
        )
        self._check_unit(row)
        self._check_element(row)
        self._check_kuk(row)
        return row

    def _check_text(self, key: tuple, text: str, known: bool, missing: str) -> None:
        """Refuse a missing text for a new record, and one that contradicts an earlier row."""
        if not text:
            if not known:
                raise Invalid(missing)
            return
        seen = self.first_seen.get(key)
        if seen and not _same(seen[0], text):
            raise Invalid(
                N_("This differs from what row %(row)d gives: %(text)s"), row=seen[1], text=seen[0]
            )

    def _check_unit(self, row: CatalogueRow) -> None:
        """A new unit needs its title; the same code must not get two titles in one file."""
        known = row.code in self.units
        self._check_text(("unit", row.code), row.title, known, N_("The unit title is missing."))

    def _check_element(self, row: CatalogueRow) -> None:
        """A KUK or element title needs an element number; a new element needs its title."""
        if row.element_no is None:
            if row.element_title or row.kuk_no or row.kuk_text:
                raise Invalid(N_("The element number is missing."))
            return
        known = self._element(row) is not None
        key = ("element", row.code, row.element_no)
        self._check_text(key, row.element_title, known, N_("The element title is missing."))

    def _check_kuk(self, row: CatalogueRow) -> None:
        """A KUK text needs its number; a new KUK needs its text."""
        if not row.kuk_no:
            if row.kuk_text:
                raise Invalid(N_("The KUK number is missing."))
            return
        element = self._element(row)
        known = element is not None and self._kuk(element, row.kuk_no) is not None
        key = ("kuk", row.code, row.element_no, row.kuk_no)
        self._check_text(key, row.kuk_text, known, N_("The KUK text is missing."))

    # looking up

    def _element(self, row: CatalogueRow) -> Element | None:
        """The element a row names, if the unit has it already."""
        unit = self.units.get(row.code)
        if unit is None:
            return None
        return next((e for e in unit.elements if e.number == row.element_no), None)

    @staticmethod
    def _kuk(element: Element, number: str) -> Kuk | None:
        """The KUK of an element by its number, if it has it already."""
        return next((k for k in element.kuks if k.number == number), None)

    # applying

    def apply(self, row: CatalogueRow, number: int, report: ImportReport) -> None:
        """Write a checked row: create what is new, update what the file changes."""
        unit = self._upsert_unit(row, number, report)
        if row.element_no is None:
            return
        element = self._element(row)
        if element is None:
            element = Element(number=row.element_no, title=row.element_title)
            unit.elements.append(element)
            report.elements.created += 1
        else:
            self._update(
                element,
                "title",
                row.element_title,
                ("element", row.code, row.element_no),
                report.elements,
            )
        self._remember(("element", row.code, row.element_no), row.element_title, number)
        if not row.kuk_no:
            return
        kuk = self._kuk(element, row.kuk_no)
        key = ("kuk", row.code, row.element_no, row.kuk_no)
        if kuk is None:
            element.kuks.append(Kuk(number=row.kuk_no, text=row.kuk_text))
            report.kuks.created += 1
        else:
            self._update(kuk, "text", row.kuk_text, key, report.kuks)
        self._remember(key, row.kuk_text, number)

    def _upsert_unit(self, row: CatalogueRow, number: int, report: ImportReport) -> Unit:
        """The row's unit, created or with its title and standard brought up to date."""
        unit = self.units.get(row.code)
        key = ("unit", row.code)
        if unit is None:
            unit = Unit(code=row.code, title=row.title, standard=row.standard or None)
            self.session.add(unit)
            self.units[row.code] = unit
            report.units.created += 1
        else:
            old_title = unit.title
            self._update(unit, "title", row.title, key, report.units)
            self._update(unit, "standard", row.standard, key, report.units)
            if unit.title != old_title:
                report.warnings.append(
                    (
                        number,
                        Message(
                            N_("Unit %(code)s was titled %(old)s."),
                            {"code": row.code, "old": old_title},
                        ),
                    )
                )
        self._remember(key, row.title, number)
        return unit

    def _update(self, record: object, column: str, value: str, key: tuple, tally: Tally) -> None:
        """Set a column to a non-empty new value, counting each record once as updated."""
        if not value or getattr(record, column) == value:
            return
        setattr(record, column, value)
        if key not in self.updated:
            self.updated.add(key)
            tally.updated += 1

    def _remember(self, key: tuple, text: str, number: int) -> None:
        """Keep the first text this file gave for a record, to catch later contradictions."""
        if text:
            self.first_seen.setdefault(key, (text, number))


def import_units(session: Session, path: Path | str, max_rows: int = MAX_ROWS) -> ImportReport:
    """Import a unit list; raise CatalogueFileError when the file cannot be read at all, or is
    damaged or too long at any row (the caller rolls back: nothing is imported then)."""
    records = read_table(Path(path), max_rows)
    catalogue = _Catalogue(session)
    report = ImportReport()
    with session.no_autoflush:
        for number, values in records:
            if not any(values.values()):
                continue
            try:
                row = catalogue.check(values)
            except Invalid as refusal:
                report.refused.append((number, refusal.message))
                continue
            if row.warning:
                report.warnings.append((number, row.warning))
            catalogue.apply(row, number, report)
    session.flush()
    return report


# --- the shipped reference data --------------------------------------------------------------


@dataclass
class ReferenceReport:
    """What `load_reference` did: the unit import, and the schemes."""

    units: ImportReport
    schemes: Tally = field(default_factory=Tally)
    links: int = 0
    requirements: int = 0

    def lines(self) -> list[str]:
        """The report as lines of text for staff."""
        return [
            *self.units.lines(),
            f"Schemes: {self.schemes.created} created, {self.schemes.updated} updated.",
            f"Units linked to schemes: {self.links}.",
            f"Basic-requirement alternatives added: {self.requirements}.",
        ]


def basic_requirements() -> list[SchemeRequirement]:
    """LSP Pustakawan's three alternatives of basic requirements (RULES.md #2), as new rows."""
    return [
        SchemeRequirement(position=position, **asdict(alternative))
        for position, alternative in enumerate(pustakawan_alternatives(), start=1)
    ]


def scheme_code(title: str, taken: set[str]) -> str:
    """A short unique scheme code: the initials of the title's words (`Klaster Layanan Pemustaka`
    gives `KLP`), with 2, 3, … appended when another scheme has it already."""
    base = "".join(word[0] for word in re.findall(r"[0-9A-Za-z]+", title)).upper()[:28] or "S"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}{n}"
    return code


_UNIT_CODE_TOKEN = re.compile(r"[A-Z0-9]+(?:\.[A-Z0-9]+)+")


def load_reference(session: Session) -> ReferenceReport:
    """Load the verified units and schemes; running it again changes nothing."""
    report = ReferenceReport(units=import_units(session, UNITS_FILE))
    units = {unit.code: unit for unit in session.scalars(select(Unit))}
    schemes = list(session.scalars(select(Scheme)))
    taken = {scheme.code for scheme in schemes}
    with SCHEMES_FILE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            scheme = _upsert_scheme(session, row, schemes, taken, report)
            linked = [
                units[c] for c in _UNIT_CODE_TOKEN.findall(row["unit_codes_known"]) if c in units
            ]
            new_links = [unit for unit in linked if unit not in scheme.units]
            scheme.units.extend(new_links)
            report.links += len(new_links)
            if not scheme.requirements:
                scheme.requirements = basic_requirements()
                report.requirements += len(scheme.requirements)
    session.flush()
    return report


def _upsert_scheme(
    session: Session,
    row: dict[str, str],
    schemes: list[Scheme],
    taken: set[str],
    report: ReferenceReport,
) -> Scheme:
    """The scheme of a reference row, found by number (or by title when it has none)."""
    number = row["scheme_number"].strip() or None
    title = row["scheme_title"].strip()
    values = {
        "number": number,
        "title": title,
        "scheme_type": SchemeType(row["scheme_type"].strip()).value,
        "standard": row["standard"].strip() or None,
    }
    scheme = next(
        (s for s in schemes if (s.number == number if number else _same(s.title, title))), None
    )
    if scheme is None:
        scheme = Scheme(code=scheme_code(title, taken), **values)
        session.add(scheme)
        schemes.append(scheme)
        taken.add(scheme.code)
        report.schemes.created += 1
    elif any(getattr(scheme, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(scheme, key, value)
        report.schemes.updated += 1
    return scheme

"""Reading an uploaded spreadsheet (XLSX or CSV) that may be hostile.

Before a workbook is parsed, its ZIP is checked: a bounded number of parts, a bounded unpacked
size and compression ratio (zip bombs), and no XML part that declares a DTD (XXE, "billion
laughs"); openpyxl then parses it through defusedxml as well. While the rows are read, their
number is bounded (millions of rows are refused early) and a cell holding a formula refuses the
file: an import takes values, never computes them. Numbers too long to be exact (a NIK typed as a
number) are reported per cell, never silently rounded.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook

from ..rules.identity import Message
from ..rules.vocabulary import N_

MAX_PARTS = 200
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # unpacked/packed size of one part; real sheets compress 5-20 times
MAX_EMPTY_ROWS = 10_000  # blank rows read past before the file counts as padded
_PROLOG_BYTES = 64 * 1024
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_ELEMENT = re.compile(rb"<[A-Za-z_]")
_EXACT = 10**15  # Excel keeps 15 significant digits: a 16-digit NIK typed as a number is rounded
FORMULA_START = ("=", "@")


class FileRefused(Exception):
    """The whole file is refused, with a reason a person can read."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.message = Message(msgid, params)
        super().__init__(str(self.message))


@dataclass
class Table:
    """The rows of a sheet below its header, keyed by the header's (normalised) names."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    cell_errors: dict[tuple[int, str], Message] = field(default_factory=dict)


def read(data: bytes, filename: str, max_rows: int, sheet: str | None = None) -> Table:
    """The table of an uploaded file, by its extension: `.xlsx` or `.csv`."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _table(_xlsx_rows(data, sheet), max_rows)
    if name.endswith(".csv"):
        return _table(_csv_rows(data), max_rows)
    raise FileRefused(N_("Upload an XLSX or CSV file."))


def header_key(name: object) -> str:
    """A column title as a key: `Nomor Blanko ` → `nomor_blanko`."""
    return "_".join(str(name or "").strip().lower().split())


def _table(rows: Iterator[list[object]], max_rows: int) -> Table:
    try:
        header = [header_key(v) for v in next(rows)]
    except StopIteration:
        raise FileRefused(N_("The file is empty.")) from None
    table = Table(header)
    blank = 0
    for number, values in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            blank += 1
            if blank > MAX_EMPTY_ROWS:
                raise FileRefused(N_("The file has too many empty rows."))
            continue
        blank = 0
        if len(table.rows) >= max_rows:
            raise FileRefused(N_("The file has more than %(max)d rows."), max=max_rows)
        record = {}
        for column, value in zip(header, values, strict=False):
            if column:
                record[column] = _text(value, number, column, table)
        table.rows.append((number, record))
    return table


def _text(value: object, row: int, column: str, table: Table) -> str:
    """A cell as text: whole numbers without `.0`, dates in ISO form, formulas refused."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        if abs(value) >= _EXACT:
            table.cell_errors[(row, column)] = Message(
                N_("typed as a number too long to be exact: type it as text")
            )
            return ""
        return str(int(value)) if float(value).is_integer() else str(value)
    text = str(value).strip()
    if text.startswith(FORMULA_START):
        raise FileRefused(
            N_("Row %(row)d, column %(column)s holds a formula; save the file with values only."),
            row=row,
            column=column,
        )
    return " ".join(text.split()) if "\n" not in text else text


def _csv_rows(data: bytes) -> Iterator[list[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(N_("The CSV file is not UTF-8 text: save it as CSV UTF-8.")) from None
    if "\0" in text:
        raise FileRefused(N_("The file is not a CSV file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        yield from csv.reader(io.StringIO(text, newline=""), dialect)
    except csv.Error:
        raise FileRefused(N_("The file is not a CSV file.")) from None


def _xlsx_rows(data: bytes, sheet: str | None) -> Iterator[list[object]]:
    _check_package(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise FileRefused(N_("The file is not a valid XLSX workbook.")) from None
    try:
        worksheet = workbook[sheet] if sheet in workbook.sheetnames else workbook.worksheets[0]
        yield from (list(row) for row in worksheet.iter_rows(values_only=True))
    except FileRefused:
        raise
    except Exception:
        raise FileRefused(N_("The file is not a valid XLSX workbook.")) from None
    finally:
        workbook.close()


def _check_package(data: bytes) -> None:
    """Refuse a ZIP that would unpack too large, or any XML part that declares a DTD."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        parts = package.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise FileRefused(N_("The file is not a valid XLSX workbook.")) from None
    total = sum(part.file_size for part in parts)
    if len(parts) > MAX_PARTS or total > MAX_UNPACKED_BYTES:
        raise FileRefused(N_("The workbook unpacks too large to be read."))
    for part in parts:
        if part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise FileRefused(N_("The workbook unpacks too large to be read."))
        if part.filename.endswith((".xml", ".rels")) and _declares_dtd(package, part):
            raise FileRefused(N_("The workbook declares a DTD, which is not accepted."))


def _declares_dtd(package: zipfile.ZipFile, part: zipfile.ZipInfo) -> bool:
    """True when the part's prolog (before its first element) declares a DTD or entity, or is
    not in an 8-bit encoding that this check can read (UTF-16 could hide one)."""
    try:
        with package.open(part) as stream:
            head = stream.read(_PROLOG_BYTES)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        raise FileRefused(N_("The file is not a valid XLSX workbook.")) from None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in head[:200]:
        return True
    element = _ELEMENT.search(head)
    prolog = head[: element.start()] if element else head
    return bool(_DTD.search(prolog)) or element is None and len(head) == _PROLOG_BYTES

"""Streamed CSV and XLSX exports of a list: every matching row, in flat memory, as an office
opens them.

Flask-Admin's export loads ORM objects for up to `export_max_rows` rows into memory (tablib builds
the whole file there too). Here the list's query selects only the exported columns as plain rows,
read in batches (`yield_per`: a server-side cursor on PostgreSQL), and:

- CSV is written batch by batch into the response as it is read, with a byte-order mark (Excel
  then reads UTF-8) and the separator the user picks: `;` for Excel set to Indonesian, `,`
  otherwise;
- XLSX is written by XlsxWriter in constant-memory mode (each row goes to a temporary file as it
  is written) and streamed from there: text (NIK, phone, numbers) as text cells, dates and times
  as real date cells in the LSP's time zone, a named sheet, column widths, a frozen and
  filterable header.

A value such as `=HYPERLINK(…)` typed into a form is shown by a spreadsheet, never run: every CSV
cell goes through `security.neutralise_cell`, and XLSX text is written as text cells, which a
spreadsheet never reads as a formula, so they keep the value as typed.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from flask import Response, current_app, request, stream_with_context
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import Query, Session, aliased
from werkzeug.utils import secure_filename

from .. import jobs
from ..config import CSV_DELIMITERS
from ..extensions import db
from ..models import Job
from ..security import neutralise_cell

BATCH_ROWS = 2_000  # rows read per round trip and written per chunk
CHUNK_BYTES = 256 * 1024  # the finished workbook is sent in pieces of this size
WIDTH_SAMPLE = 200  # column widths follow the header and the first rows
MAX_WIDTH, MIN_WIDTH = 60, 8
MAX_TEXT = 32_767  # the most characters a spreadsheet cell holds
DATE_FORMAT, DATETIME_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm"
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def response(view: Any, query: Query, export_type: str) -> Response:
    """The export of a list view's query (filtered, searched, sorted; not paged) as a download."""
    headers, columns, formatters = _columns(view)
    rows = _joined(view.model, query, columns).yield_per(BATCH_ROWS)
    cells = _cells(rows, formatters, ZoneInfo(current_app.config["LSP_TIMEZONE"]))
    body = table_body(export_type, headers, cells, str(view.name))
    filename = secure_filename(view.get_export_name(export_type))
    return Response(
        stream_with_context(body),
        mimetype=MIMETYPES[export_type],
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


def table_body(
    export_type: str,
    headers: list[str],
    cells: Iterator[list[Any]],
    title: str,
    delimiter: str | None = None,
) -> Iterator[bytes]:
    """A table as CSV (the separator given, else the one asked for in the request, else the
    configured one) or as an XLSX workbook with a sheet named after `title`, in chunks."""
    if export_type == "csv":
        return _csv(headers, cells, delimiter or csv_delimiter(request.args.get("delimiter")))
    return _xlsx(headers, cells, sheet_name(title))


# --- many rows: the export as a job ----------------------------------------------------------


def needs_job(view: Any, query: Query) -> bool:
    """True when the list matches more than INLINE_MAX_ROWS rows: the export is a job."""
    limit = current_app.config["INLINE_MAX_ROWS"]
    ids = query.with_entities(view.get_pk_value_column()).order_by(None).limit(limit + 1)
    return len(ids.all()) > limit


def start_job(view: Any, query: Query, export_type: str) -> Job:
    """The export as a job. The ids are taken here, in the list's order and the person's
    scope; the worker reads the rows by id, in batches, as the person would have seen them
    (their language, their labels)."""
    ids = [row[0] for row in query.with_entities(view.get_pk_value_column())]
    return jobs.start(
        db.session,
        current_user.id,
        "export",
        gettext("Export: %(name)s (%(count)s rows)", name=str(view.name), count=len(ids)),
        {
            "endpoint": view.endpoint,
            "ids": ids,
            "type": export_type,
            "delimiter": csv_delimiter(request.args.get("delimiter")),
            "filename": secure_filename(view.get_export_name(export_type)),
            "locale": str(get_locale()),
        },
    )


def write_job(session: Session, job: Job, progress: Callable[[int, int], None], out: Path) -> str:
    """The worker's side of `start_job`: the rows by id, BATCH_ROWS at a time, into the file."""
    params = job.params
    admin = current_app.extensions["portal_admin"]
    view = next(v for v in admin._views if v.endpoint == params["endpoint"])
    ids: list[int] = params["ids"]
    with force_locale(params["locale"]):
        headers, names, formatters = _columns(view)
        zone = ZoneInfo(current_app.config["LSP_TIMEZONE"])
        rows = _rows_by_id(session, view, names, ids, progress)
        cells = _cells(rows, formatters, zone)
        body = table_body(params["type"], headers, cells, str(view.name), params["delimiter"])
        save(body, out)
    progress(len(ids), len(ids))
    return params["filename"]


def save(body: Iterator[bytes], out: Path) -> None:
    """A table's chunks written to a job's result file."""
    with out.open("wb") as file:
        for chunk in body:
            file.write(chunk)


def _rows_by_id(
    session: Session,
    view: Any,
    names: list[str],
    ids: list[int],
    progress: Callable[[int, int], None],
) -> Iterator[Any]:
    """The exported columns of these rows, in the order of `ids`, one batch per query."""
    pk = view.get_pk_value_column()
    for start in range(0, len(ids), BATCH_ROWS):
        batch = ids[start : start + BATCH_ROWS]
        query = _joined(view.model, session.query(view.model).filter(pk.in_(batch)), names)
        found = {row[-1]: row[:-1] for row in query.add_columns(pk)}
        yield from (found[i] for i in batch if i in found)
        if start + len(batch) < len(ids):  # the last counts once the file is complete
            progress(start + len(batch), len(ids))


def csv_delimiter(asked: str | None) -> str:
    """The CSV separator: the one asked for when it is offered, else the configured default."""
    return asked if asked in CSV_DELIMITERS else current_app.config["EXPORT_CSV_DELIMITER"]


def sheet_name(title: str) -> str:
    """A worksheet name from the list's title: without the characters sheets refuse, ≤ 31."""
    return SHEET_NAME_FORBIDDEN.sub(" ", title).strip()[:31] or "Data"


def _columns(view: Any) -> tuple[list[str], list[str], list[Callable[[Any], Any] | None]]:
    """The exported columns: their titles, their dotted names, and a label lookup for coded
    values (`view.export_labels`: e.g. a status code shown as its label in the user's language;
    translated once per export, not once per row)."""
    names = [name for name, _label in view.get_export_columns()]
    titles = [str(label) for _name, label in view.get_export_columns()]
    formatters: list[Callable[[Any], Any] | None] = []
    for name in names:
        labels = view.export_labels.get(name)
        if labels:
            shown = {code: gettext(text) for code, text in labels.items()}
            formatters.append(lambda value, shown=shown: shown.get(value, value))
        else:
            formatters.append(None)
    return titles, names, formatters


def _joined(model: type, query: Query, names: list[str]) -> Query:
    """The query reduced to the named columns; a dotted name (`applicant.full_name`) outer-joins
    its relationship under an alias of its own, apart from any join a filter made."""
    aliases: dict[str, Any] = {}
    selected = []
    for name in names:
        *path, attribute = name.split(".")
        owner: Any = model
        for depth in range(len(path)):
            key = ".".join(path[: depth + 1])
            if key not in aliases:
                relationship = getattr(owner, path[depth])
                aliases[key] = aliased(relationship.property.mapper.class_)
                query = query.outerjoin(aliases[key], relationship.of_type(aliases[key]))
            owner = aliases[key]
        selected.append(getattr(owner, attribute))
    return query.with_entities(*selected)


def _cells(
    rows: Iterable[Any], formatters: list[Callable[[Any], Any] | None], zone: ZoneInfo
) -> Iterator[list[Any]]:
    """Each row as cell values: labels for codes, times in the LSP's zone to the second (stored
    in UTC; SQLite hands them back without a zone), and text without control characters (XML
    cannot carry them; removed before the CSV neutralises formulas, so that a removed character
    cannot uncover one)."""
    for row in rows:
        cells = []
        for value, formatter in zip(row, formatters, strict=True):
            if formatter is not None:
                value = formatter(value)
            if isinstance(value, str):
                if not value.isprintable():  # C-fast test first: most text has no control
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
            elif isinstance(value, datetime):
                aware = value if value.tzinfo else value.replace(tzinfo=UTC)
                value = aware.astimezone(zone).replace(tzinfo=None, microsecond=0)
            cells.append(value)
        yield cells


def _csv(headers: list[str], cells: Iterator[list[Any]], delimiter: str) -> Iterator[bytes]:
    """CSV in UTF-8 with a byte-order mark (so that Excel reads the names right), in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    buffer.write("\ufeff")
    writer.writerow([neutralise_cell(title) for title in headers])
    for n, row in enumerate(cells, 1):
        writer.writerow(_csv_cell(value) for value in row)
        if n % BATCH_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _csv_cell(value: Any) -> Any:
    """One CSV cell: empty for none, 1/0 for yes/no, ISO dates, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return neutralise_cell(value)


def _xlsx(headers: list[str], cells: Iterator[list[Any]], name: str) -> Iterator[bytes]:
    """An XLSX workbook written row by row to temporary files (constant memory), then sent."""
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        path = f"{folder}/export.xlsx"
        _write_workbook(path, headers, cells, name)
        with open(path, "rb") as workbook:
            while chunk := workbook.read(CHUNK_BYTES):
                yield chunk


def _write_workbook(path: str, headers: list[str], cells: Iterator[list[Any]], name: str) -> None:
    """One sheet: a bold, frozen, filterable header; typed cells; widths from the first rows."""
    book = xlsxwriter.Workbook(
        path, {"constant_memory": True, "tmpdir": path.rsplit("/", 1)[0], "strings_to_urls": False}
    )
    styles = {
        "header": book.add_format({"bold": True, "bg_color": "#E9ECEF", "bottom": 1}),
        date: book.add_format({"num_format": DATE_FORMAT}),
        datetime: book.add_format({"num_format": DATETIME_FORMAT}),
    }
    sheet = book.add_worksheet(name)
    first = list(islice(cells, WIDTH_SAMPLE))
    for column, width in enumerate(_widths(headers, first)):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    for column, title in enumerate(headers):
        sheet.write_string(0, column, title, styles["header"])
    write = _cell_writers(sheet, styles)
    last = 0
    for last, row in enumerate(_chain(first, cells), 1):
        for column, value in enumerate(row):
            if value is not None:
                write[type(value)](last, column, value)
    sheet.autofilter(0, 0, last, max(len(headers) - 1, 0))
    book.close()


def _chain(first: list[list[Any]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """The sampled rows, then the rest."""
    yield from first
    yield from rest


def _cell_writers(sheet: Any, styles: dict) -> dict[type, Callable[[int, int, Any], Any]]:
    """How each type of value is written: text stays text, whatever it looks like (a NIK, a
    phone number, `=1+1`); dates and times are date cells; numbers and yes/no their own kind.
    Looked up by type per cell, the cheapest dispatch for a million cells."""

    def text(row: int, column: int, value: Any) -> Any:
        return sheet.write_string(row, column, str(value)[:MAX_TEXT])

    writers: dict[type, Callable[[int, int, Any], Any]] = defaultdict(lambda: text)
    writers[str] = lambda row, column, value: sheet.write_string(row, column, value[:MAX_TEXT])
    writers[bool] = sheet.write_boolean
    writers[int] = writers[float] = sheet.write_number
    writers[Decimal] = lambda row, column, value: sheet.write_number(row, column, float(value))
    for kind in (date, datetime):
        writers[kind] = lambda row, column, value, style=styles[kind]: sheet.write_datetime(
            row, column, value, style
        )
    return writers


def _widths(headers: list[str], rows: list[list[Any]]) -> list[float]:
    """A width per column: its longest header or sampled value, within bounds."""
    widths = [len(title) + 2 for title in headers]
    for row in rows:
        for column, value in enumerate(row):
            if isinstance(value, datetime):
                size = len(DATETIME_FORMAT)
            elif isinstance(value, date):
                size = len(DATE_FORMAT)
            else:
                size = len(str(value)) if value is not None else 0
            widths[column] = max(widths[column], size + 2)
    return [min(max(w, MIN_WIDTH), MAX_WIDTH) for w in widths]

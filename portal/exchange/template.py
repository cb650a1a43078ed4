"""The intake template: a workbook to fill with applicants and their schedule.

Sheet `Data` has the columns of `intake.COLUMNS` (identifiers formatted as text, so a NIK keeps
its 16 digits) with drop-downs from the code tables; sheet `Kode` lists every code table and the
open schedules; sheet `Petunjuk` explains each column, in Indonesian.
"""

from __future__ import annotations

import io
from datetime import date

from flask_babel import force_locale, gettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import BnspCode, Schedule, Scheme
from ..rules import bnsp
from ..rules.vocabulary import Education, Sex
from .intake import COLUMNS

DATA, CODES, HELP = "Data", "Kode", "Petunjuk"
_TEXT_COLUMNS = {"nik", "telp", "kode_jadwal", "kode_skema", "kode_unit", *bnsp.CODED}


def workbook(session: Session, today: date, rows: int) -> bytes:
    """The template as XLSX bytes, with drop-downs on its first `rows` data rows."""
    book = Workbook()
    data = book.active
    data.title = DATA
    codes = book.create_sheet(CODES)
    help_sheet = book.create_sheet(HELP)
    lists = _code_lists(session, today)
    ranges = {}
    for n, (column, entries) in enumerate(lists.items(), start=1):
        letter = get_column_letter(2 * n - 1)
        codes.cell(1, 2 * n - 1, column).font = Font(bold=True)
        codes.cell(1, 2 * n, "nama").font = Font(bold=True)
        for line, (code, name) in enumerate(entries, start=2):
            codes.cell(line, 2 * n - 1, code).number_format = "@"
            codes.cell(line, 2 * n, name)
        if entries:
            ranges[column] = f"{CODES}!${letter}$2:${letter}${len(entries) + 1}"
    for n, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(n)
        data.cell(1, n, column.name).font = Font(bold=True)
        data.column_dimensions[letter].width = max(14, len(column.name) + 2)
        if column.name in _TEXT_COLUMNS:  # the whole column is text, typed rows included
            data.column_dimensions[letter].number_format = "@"
        source = ranges.get(column.name) or _FIXED.get(column.name)
        if source:
            check = DataValidation(type="list", formula1=source, allow_blank=True)
            check.error = "Pilih nilai dari daftar."
            data.add_data_validation(check)
            check.add(f"{letter}2:{letter}{rows + 1}")
    data.freeze_panes = "A2"
    with force_locale("id"):
        help_sheet.append(["kolom", "wajib", "penjelasan", "contoh"])
        for column in COLUMNS:
            help_sheet.append(
                [
                    column.name,
                    "ya" if column.required else "",
                    gettext(column.explanation),
                    column.example,
                ]
            )
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    help_sheet.column_dimensions["A"].width = 24
    help_sheet.column_dimensions["C"].width = 70
    help_sheet.column_dimensions["D"].width = 26
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_FIXED = {
    "jenis_kelamin": '"' + ",".join(s.value for s in Sex) + '"',
    "pendidikan_terakhir": '"' + ",".join(e.value for e in Education) + '"',
    "bidang_perpustakaan": '"Y,T"',
    "pelatihan_perpustakaan": '"Y,T"',
}


def _code_lists(session: Session, today: date) -> dict[str, list[tuple[str, str]]]:
    """Each drop-down's entries: the BNSP code tables, the open schedules, the schemes."""
    kinds = {kind.value: column for column, kind in bnsp.CODED.items()}
    lists: dict[str, list[tuple[str, str]]] = {column: [] for column in bnsp.CODED}
    for kind, code, name in session.execute(
        select(BnspCode.kind, BnspCode.code, BnspCode.name).order_by(BnspCode.kind, BnspCode.code)
    ):
        lists[kinds[kind]].append((code, name))
    open_schedules = (
        select(Schedule.code, Schedule.starts_on, Scheme.title)
        .join(Scheme)
        .where(Schedule.registration_deadline >= today)
    )
    lists["kode_jadwal"] = [
        (code, f"{starts:%d-%m-%Y} {title}")
        for code, starts, title in session.execute(open_schedules.order_by(Schedule.starts_on))
    ]
    lists["kode_skema"] = [
        (code, title)
        for code, title in session.execute(
            select(Scheme.code, Scheme.title).where(Scheme.active.is_(True)).order_by(Scheme.code)
        )
    ]
    return lists

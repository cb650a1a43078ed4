"""Exports an office opens (issue 15): an XLSX opened in LibreOffice keeps a NIK exact and a
date a date; times are the LSP's; the sheet is named, its header frozen and filterable; the
CSV has a byte-order mark and the separator the user picked.

LibreOffice (Debian's libreoffice-calc-nogui, installed by `make office-deps`) opens the file
and saves it again as XLSX, so what is read back is what LibreOffice understood; without it,
the file as the portal wrote it is read with openpyxl.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import Applicant, Case
from tests.conftest import login, make_user

SOFFICE = shutil.which("soffice")
NIK = "3173016607000168"  # a spreadsheet reading it as a number turns it into …170
PHONE = "081234567890"  # the leading zero matters too


@pytest.fixture
def office(app, client, catalogue):
    """One case of an applicant with a long NIK and a phone with a leading zero, created at a
    known UTC time; the secretariat logged in."""
    applicant = Applicant(
        nik=NIK,
        full_name="Siti Rahmawati",
        birth_place="Jakarta",
        birth_date=date(1990, 6, 26),
        sex="P",
        address="Jakarta",
        phone=PHONE,
        education_level="S1",
    )
    db.session.add(
        Case(
            reg_number="APL-2026-000001",
            applicant=applicant,
            scheme=catalogue["scheme"],
            created_at=datetime(2026, 3, 1, 17, 30, 15, 123456, tzinfo=UTC),
        )
    )
    db.session.commit()
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    return client


def _as_office_reads_it(content: bytes, tmp_path: Path):
    """The workbook as LibreOffice understood it (opened and saved again), else as written."""
    source = tmp_path / "export.xlsx"
    source.write_bytes(content)
    if SOFFICE is None:
        return load_workbook(source)
    out = tmp_path / "office"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return load_workbook(out / "export.xlsx")


def test_an_office_keeps_the_nik_exact_and_dates_as_dates(office, tmp_path):
    response = office.get("/admin/case/export/xlsx/")
    assert response.status_code == 200
    book = _as_office_reads_it(response.get_data(), tmp_path)
    sheet = book.worksheets[0]
    assert sheet.title == "Permohonan"
    header = [cell.value for cell in sheet[1]]
    row = {title: cell for title, cell in zip(header, sheet[2], strict=True)}
    assert row["NIK"].value == NIK and row["NIK"].data_type == "s"
    created = row["Dibuat"]
    assert created.is_date
    assert created.value == datetime(2026, 3, 2, 0, 30, 15)  # WIB, to the second


def test_the_sheet_has_a_frozen_filterable_header_and_widths(office):
    book = load_workbook(io.BytesIO(office.get("/admin/applicant/export/xlsx/").get_data()))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet["A1"].font.bold
    widths = [d.width for d in sheet.column_dimensions.values()]
    assert widths and all(8 <= w <= 61 for w in widths)
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell for cell in sheet[2]], strict=True))
    assert row["NIK"].value == NIK
    assert row["Nomor ponsel"].value == PHONE and row["Nomor ponsel"].data_type == "s"
    assert row["Tanggal lahir"].is_date and row["Tanggal lahir"].value == datetime(1990, 6, 26)


@pytest.mark.parametrize(("delimiter", "asked"), [(";", None), (";", ";"), (",", ",")])
def test_csv_has_a_bom_and_the_separator_picked(office, delimiter, asked):
    query = f"?delimiter={asked}" if asked else ""
    text = office.get(f"/admin/case/export/csv/{query}").get_data(as_text=True)
    assert text.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))
    assert row[header.index("NIK")] == NIK
    assert row[header.index("Dibuat")] == "2026-03-02 00:30:15"


def test_the_list_offers_xlsx_and_csv_with_either_separator(office):
    page = office.get("/admin/case/?flt0_0=draft").get_data(as_text=True)
    assert "/admin/case/export/xlsx/?flt0_0=draft" in page
    assert "/admin/case/export/csv/?delimiter=;&amp;flt0_0=draft" in page
    assert "/admin/case/export/csv/?delimiter=,&amp;flt0_0=draft" in page
    # a separator nobody offers falls back to the configured one; a crafted list URL is no 500
    assert office.get("/admin/case/export/csv/?delimiter=x").get_data(as_text=True)[1:].count(";")
    assert office.get("/admin/case/?delimiter=%3B").status_code == 200

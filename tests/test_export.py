"""Exports of the case, certificate and applicant lists: streamed, as filtered, neutralised
against spreadsheet formulas, and only for those who read the whole screen."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.models import Applicant, Case, Certificate, Job
from tests.conftest import login, make_user, worked

# Text a spreadsheet would run as a formula (or that hides one behind a control character).
HOSTILE = (
    '=HYPERLINK("http://example.com","x")',
    "+62 812",
    "-1+2",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\x01=1+1",  # the control character is dropped first, so the formula is still quoted
)


def _applicant(n: int, name: str) -> Applicant:
    return Applicant(
        nik=f"3171{n:012d}",
        full_name=name,
        birth_place="Jakarta",
        birth_date=date(1990, 1, 1),
        sex="P",
        address="Jakarta",
        phone="+6281234567890",
        education_level="S1",
    )


@pytest.fixture
def cases(app, catalogue) -> list[Case]:
    """A case per hostile name, all submitted, and one draft case of a plain name."""
    made = []
    names = [*HOSTILE, "Budi Santoso"]
    for n, name in enumerate(names, 1):
        case = Case(
            reg_number=f"APL-2026-{n:06d}",
            applicant=_applicant(n, name),
            scheme=catalogue["scheme"],
            status="draft" if name == "Budi Santoso" else "submitted",
        )
        db.session.add(case)
        made.append(case)
    db.session.commit()
    return made


@pytest.fixture
def secretariat(client, app):
    make_user("sekretariat", "secretariat")
    login(client, "sekretariat")
    return client


def _csv_rows(response, delimiter: str = ";") -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def _xlsx_rows(response) -> list[tuple]:
    """The sheet's rows, text with OOXML's `_xHHHH_` escapes (control characters) read back as
    an office suite reads them."""
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return [
        tuple(_unescaped(value) for value in row)
        for row in workbook.active.iter_rows(values_only=True)
    ]


def _unescaped(value):
    if not isinstance(value, str):
        return value
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def test_the_case_export_streams_every_row_the_list_shows(secretariat, cases):
    response = secretariat.get("/admin/case/export/csv/?flt0_0=submitted")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = _csv_rows(response)
    assert len(header) == 8 and len(rows) == len(HOSTILE)
    assert [row[0] for row in rows] == [f"APL-2026-{n:06d}" for n in range(len(HOSTILE), 0, -1)]


def _quoted(text: str) -> str:
    """The text with a `'` before its first non-blank character."""
    visible = text.lstrip()
    return text[: len(text) - len(visible)] + "'" + visible


@pytest.mark.parametrize("export_type", ["csv", "xlsx"])
def test_formula_like_cells_are_quoted_in_csv_and_text_cells_in_xlsx(
    secretariat, cases, export_type
):
    response = secretariat.get(f"/admin/case/export/{export_type}/?flt0_0=submitted")
    rows = _csv_rows(response) if export_type == "csv" else _xlsx_rows(response)
    names = {row[1] for row in rows[1:]}
    typed = {name.lstrip("\x01") for name in HOSTILE}
    # XLSX: inline strings, which a spreadsheet never evaluates, keep the value as typed
    assert names == ({_quoted(name) for name in typed} if export_type == "csv" else typed)


def test_formula_like_cells_are_text_cells_in_xlsx_and_keep_their_value(secretariat, cases):
    response = secretariat.get("/admin/case/export/xlsx/?flt0_0=submitted")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    cells = [row[1] for row in workbook.active.iter_rows(min_row=2)]
    assert {cell.data_type for cell in cells} == {"s"}  # text, never a formula ("f")
    # openpyxl leaves OOXML's escape of a control character (`_x000D_`) as it is; Excel and
    # LibreOffice read it back as the character
    values = {re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m[1], 16)), c.value) for c in cells}
    assert values == {name.lstrip("\x01") for name in HOSTILE}


def test_the_xlsx_export_is_a_workbook_with_the_lists_columns(secretariat, cases):
    response = secretariat.get("/admin/case/export/xlsx/?search=santoso")
    assert response.status_code == 200 and response.is_streamed
    header, *rows = _xlsx_rows(response)
    assert header[:3] == ("No. pendaftaran", "Asesi", "NIK")
    assert [row[:3] for row in rows] == [("APL-2026-000008", "Budi Santoso", "3171000000000008")]
    assert rows[0][6] == "Draf"  # the status as its label, in the user's language


def test_certificate_and_applicant_lists_export_too(client, cases, catalogue):
    db.session.add(
        Certificate(
            number="00001/LSP-PUST/KLP/2026",
            series="LSP-PUST/KLP/2026",
            seq=1,
            verify_code="v1",
            case_id=cases[0].id,
            applicant_id=cases[0].applicant_id,
            scheme_id=catalogue["scheme"].id,
            holder_name="=cmd",
            issued_on=date(2026, 1, 5),
            expires_on=date(2029, 1, 5),
        )
    )
    db.session.commit()
    make_user("kabid", "certification_head")
    login(client, "kabid")
    header, row = _csv_rows(client.get("/admin/certificate/export/csv/"))
    assert row[:2] == ["00001/LSP-PUST/KLP/2026", "'=cmd"]
    assert row[header.index("Berlaku sampai")] == "2029-01-05"  # a date, not its display
    assert len(_xlsx_rows(client.get("/admin/applicant/export/xlsx/"))) == len(HOSTILE) + 3


@pytest.mark.parametrize(
    ("roles", "screen", "status"),
    [
        (("assessor",), "case", 403),  # reads only the cases assigned to them
        (("secretariat",), "case", 200),
        (("chair",), "certificate", 200),
        (("secretariat",), "applicant", 200),
        (("standards_head",), "applicant", 403),  # may not read the screen at all
    ],
)
def test_those_who_read_the_whole_screen_may_export_it(client, catalogue, roles, screen, status):
    assessor = catalogue["assessor"] if "assessor" in roles else None
    make_user("someone", *roles, assessor=assessor)
    login(client, "someone")
    assert client.get(f"/admin/{screen}/export/csv/").status_code == status


def test_an_unknown_export_type_is_not_found(secretariat, cases):
    assert secretariat.get("/admin/case/export/pdf/").status_code == 404


def test_the_list_offers_the_export_to_those_who_may(app, catalogue):
    make_user("sekretariat", "secretariat")
    make_user("asesor", "assessor", assessor=catalogue["assessor"])
    staff, assessor = app.test_client(), app.test_client()
    login(staff, "sekretariat")
    login(assessor, "asesor")
    assert "/admin/case/export/csv/" in staff.get("/admin/case/").get_data(as_text=True)
    assert "/admin/case/export/" not in assessor.get("/admin/case/").get_data(as_text=True)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_of_more_rows_than_inline_is_a_job_with_the_same_rows(
    app, secretariat, cases, kind
):
    url = f"/admin/case/export/{kind}/?flt0_0=submitted&delimiter=,"
    inline = secretariat.get(url)
    app.config["INLINE_MAX_ROWS"] = 3
    confirm = secretariat.get(url).get_data(as_text=True)
    assert 'id="start-job"' in confirm and not db.session.scalars(select(Job)).all()
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm).group(1)
    page = worked(secretariat, secretariat.post(url, data={"csrf_token": token}))
    assert "100%" in page and 'id="job-download"' in page
    job = db.session.scalars(select(Job)).one()
    assert (job.kind, job.status, job.done, job.total) == ("export", "done", 7, 7)
    download = secretariat.get(f"/admin/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].endswith(f".{kind}")
    if kind == "csv":
        assert download.mimetype == "text/csv"
        assert _csv_rows(download, ",") == _csv_rows(inline, ",")
    else:
        assert _xlsx_rows(download) == _xlsx_rows(inline)

"""Hostile spreadsheets are refused with a message before anything is imported: XXE, zip bombs,
millions of rows, formulas, numbers too long to be exact, files that are not what they say."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from portal.exchange.reading import FileRefused, read


def _xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _repacked(data: bytes, part: str, content: bytes) -> bytes:
    """The workbook with one part replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            if item.filename != part:
                new.writestr(item, old.read(item))
        new.writestr(part, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _refusal(data: bytes, name: str = "x.xlsx", max_rows: int = 100) -> str:
    with pytest.raises(FileRefused) as refused:
        read(data, name, max_rows)
    return str(refused.value)


def test_a_plain_workbook_is_read_with_its_header_as_keys():
    table = read(_xlsx([["Nama Asesi", "NIK"], ["Budi", "3171011708800001"]]), "a.xlsx", 10)
    assert table.rows == [(2, {"nama_asesi": "Budi", "nik": "3171011708800001"})]


XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row><c t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>'
)


def test_an_external_entity_is_refused():
    data = _repacked(_xlsx([["a"]]), "xl/worksheets/sheet1.xml", XXE)
    assert "declares a DTD" in _refusal(data)


def test_a_dtd_hidden_behind_a_long_prolog_or_utf16_is_refused():
    padded = b'<?xml version="1.0"?>' + b"<!-- " + b"x" * 70_000 + b" -->" + XXE[39:]
    assert "declares a DTD" in _refusal(_repacked(_xlsx([["a"]]), "xl/workbook.xml", padded))
    utf16 = XXE.decode().replace("UTF-8", "UTF-16").encode("utf-16")
    assert "declares a DTD" in _refusal(_repacked(_xlsx([["a"]]), "xl/styles.xml", utf16))


def test_a_zip_bomb_is_refused():
    bomb = _repacked(_xlsx([["a"]]), "xl/worksheets/sheet2.xml", b"\0" * (50 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    assert "unpacks too large" in _refusal(bomb)


def test_more_rows_than_allowed_are_refused():
    rows = [["nik"]] + [[str(n)] for n in range(101)]
    assert "more than 100 rows" in _refusal(_xlsx(rows))
    csv = ("nik\n" + "\n".join(str(n) for n in range(101))).encode()
    assert "more than 100 rows" in _refusal(csv, "x.csv")


def test_millions_of_empty_rows_are_refused_early():
    csv = b"nik\n1\n" + b";\n" * 2_000_000
    assert "too many empty rows" in _refusal(csv, "x.csv")


@pytest.mark.parametrize("formula", ["=1+1", '=HYPERLINK("http://x","y")', "@SUM(A1)"])
def test_a_formula_refuses_the_file(formula):
    assert "holds a formula" in _refusal(_xlsx([["nama"], [formula]]))
    assert "holds a formula" in _refusal(f"nama\n{formula}\n".encode(), "x.csv")


def test_a_nik_typed_as_a_number_is_an_error_of_its_cell_never_rounded():
    table = read(_xlsx([["nik", "umur"], [3171011708800001, 45]]), "a.xlsx", 10)
    assert table.rows == [(2, {"nik": "", "umur": "45"})]
    assert "too long to be exact" in str(table.cell_errors[(2, "nik")])


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"PK\x03\x04 broken", "x.xlsx", "not a valid XLSX"),
        (b"\xff\xfe\x00n\x00i\x00k", "x.csv", "not UTF-8"),
        (b"nik\n1", "x.pdf", "XLSX or CSV"),
        (b"", "x.csv", "empty"),
    ],
)
def test_files_that_are_not_what_they_say_are_refused(data, name, reason):
    assert reason in _refusal(data, name)

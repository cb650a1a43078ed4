"""The BNSP sheet's rules: who is reported, K or BK, and which cells BNSP would reject."""

from __future__ import annotations

from datetime import date

import pytest

from portal.rules import bnsp
from portal.rules.vocabulary import CaseStatus, CodeKind

CODES = {
    CodeKind.PROVINCE: frozenset({"31"}),
    CodeKind.REGENCY: frozenset({"3171", "3273"}),
    CodeKind.EDUCATION: frozenset({"DM3"}),
    CodeKind.OCCUPATION: frozenset({"DM1"}),
    CodeKind.BUDGET_SOURCE: frozenset({"DM1"}),
    CodeKind.MINISTRY: frozenset({"DM1"}),
}
FULL = {
    "nama_asesi": "Budi",
    "nik": "3171011708450001",
    "tempat_lahir": "Jakarta",
    "tanggal_lahir": "17-08-1945",
    "jenis_kelamin": "L",
    "tempat_tinggal": "Jl. Merdeka 1",
    "kode_kabupaten": "3171",
    "kode_provinsi": "31",
    "telp": "081234567890",
    "email": None,
    "kode_pendidikan": "DM3",
    "kode_pekerjaan": "DM1",
    "kode_jadwal": "JDW-01",
    "tanggal_uji": "01-03-2026",
    "nomor_registrasi_asesor": "MET.000.001668 2012",
    "kode_sumber_anggaran": "DM1",
    "kode_kementerian": "DM1",
    "status_kompeten": "K",
}


def test_a_full_row_has_no_gap_and_email_is_optional():
    assert bnsp.gaps(FULL, CODES) == []


@pytest.mark.parametrize("column", [c for c in bnsp.COLUMNS if c != "email"])
def test_each_required_column_missing_is_a_gap(column):
    found = bnsp.gaps({**FULL, column: None}, CODES)
    assert [(g.column, g.reason.msgid) for g in found] == [(column, "missing")]


@pytest.mark.parametrize("column", sorted(bnsp.CODED))
def test_a_code_outside_its_table_is_a_gap(column):
    found = bnsp.gaps({**FULL, column: "XX9"}, CODES)
    assert column in [g.column for g in found]
    assert any(g.reason.params == {"code": "XX9"} for g in found)


def test_a_regency_outside_its_province_is_a_gap():
    found = bnsp.gaps({**FULL, "kode_kabupaten": "3273"}, CODES)
    assert [g.column for g in found] == ["kode_kabupaten"]
    assert found[0].reason.params == {"regency": "3273", "province": "31"}


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (CaseStatus.COMPETENT, "K"),
        (CaseStatus.CERTIFIED, "K"),
        (CaseStatus.NOT_YET_COMPETENT, "BK"),
        (CaseStatus.APPEALED, "BK"),
        (CaseStatus.CLOSED, "BK"),
    ],
)
def test_verdict_of_each_decided_status(status, verdict):
    assert status in bnsp.DECIDED
    assert bnsp.verdict(status) == verdict


def test_undecided_cases_are_not_reported():
    assert CaseStatus.DRAFT not in bnsp.DECIDED
    assert CaseStatus.ASSESSED not in bnsp.DECIDED


def test_dates_as_bnsp_shows_them():
    assert bnsp.shown_date(date(1945, 8, 17)) == "17-08-1945"
    assert bnsp.shown_date(None) is None

"""The BNSP reporting sheet as rules: which cases it reports, K or BK, and what makes a row
incomplete (RULES.md "The BNSP reporting sheet"). Pure: the caller passes the row's values and
the code tables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from .identity import Invalid, Message
from .vocabulary import N_, CaseStatus, CodeKind

# The columns of the sheet, in BNSP's order.
COLUMNS = (
    "nama_asesi",
    "nik",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "tempat_tinggal",
    "kode_kabupaten",
    "kode_provinsi",
    "telp",
    "email",
    "kode_pendidikan",
    "kode_pekerjaan",
    "kode_jadwal",
    "tanggal_uji",
    "nomor_registrasi_asesor",
    "kode_sumber_anggaran",
    "kode_kementerian",
    "status_kompeten",
)

# Which code table each coded column is checked against.
CODED = {
    "kode_kabupaten": CodeKind.REGENCY,
    "kode_provinsi": CodeKind.PROVINCE,
    "kode_pendidikan": CodeKind.EDUCATION,
    "kode_pekerjaan": CodeKind.OCCUPATION,
    "kode_sumber_anggaran": CodeKind.BUDGET_SOURCE,
    "kode_kementerian": CodeKind.MINISTRY,
}

OPTIONAL = frozenset({"email"})  # every other column must be filled

# A case is reported once it has been decided: K or BK, whatever happened after.
DECIDED = frozenset(
    {
        CaseStatus.COMPETENT,
        CaseStatus.NOT_YET_COMPETENT,
        CaseStatus.CERTIFIED,
        CaseStatus.APPEALED,
        CaseStatus.CLOSED,
    }
)
_COMPETENT = frozenset({CaseStatus.COMPETENT, CaseStatus.CERTIFIED})

DATE_FORMAT = "%d-%m-%Y"  # dates as BNSP's template shows them: 17-08-1945


def verdict(status: str) -> str:
    """K for a competent (or certified) candidate, BK for every other decided one."""
    return "K" if status in _COMPETENT else "BK"


def shown_date(day: date | None) -> str | None:
    """A date as the sheet writes it."""
    return day.strftime(DATE_FORMAT) if day else None


@dataclass(frozen=True)
class Gap:
    """A cell of the sheet BNSP would reject: its column and why."""

    column: str
    reason: Message


def gaps(row: Mapping[str, object], codes: Mapping[str, frozenset[str]]) -> list[Gap]:
    """The missing or invalid cells of one sheet row; `codes` maps a CodeKind to its codes."""
    found: list[Gap] = []
    for column in COLUMNS:
        value = row.get(column)
        if value in (None, ""):
            if column not in OPTIONAL:
                found.append(Gap(column, Message(N_("missing"))))
        elif column in CODED and str(value) not in codes.get(CODED[column], frozenset()):
            found.append(
                Gap(column, Message(N_("%(code)s is not in BNSP's code table"), {"code": value}))
            )
    regency, province = row.get("kode_kabupaten"), row.get("kode_provinsi")
    if regency and province and not str(regency).startswith(str(province)):
        found.append(
            Gap(
                "kode_kabupaten",
                Message(
                    N_("regency %(regency)s is not in province %(province)s"),
                    {"regency": regency, "province": province},
                ),
            )
        )
    return found


_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./\-]{0,63}")


def parse_bnsp_number(raw: str) -> str:
    """A BNSP registration or blanko number: letters, digits, spaces, `.`, `/`, `-`, at most 64."""
    number = " ".join(raw.split())
    if not _NUMBER.fullmatch(number):
        raise Invalid(
            N_("Enter a number of letters, digits, spaces, '.', '/' or '-' (at most 64).")
        )
    return number

"""Data for the exchange tests: BNSP code tables, a schedule, and decided candidates."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import Applicant, BnspCode, Case, CaseUnit, Schedule
from portal.rules.vocabulary import CodeKind

CODES = (
    (CodeKind.PROVINCE, "31", "DKI Jakarta"),
    (CodeKind.REGENCY, "3171", "Kota Jakarta Selatan"),
    (CodeKind.EDUCATION, "DM3", "Sarjana"),
    (CodeKind.OCCUPATION, "DM1", "Pustakawan"),
    (CodeKind.BUDGET_SOURCE, "DM1", "APBN"),
    (CodeKind.MINISTRY, "DM1", "Perpustakaan Nasional RI"),
)
BNSP_FIELDS = {
    "regency_code": "3171",
    "province_code": "31",
    "education_code": "DM3",
    "occupation_code": "DM1",
    "budget_source_code": "DM1",
    "ministry_code": "DM1",
}


def add_codes() -> None:
    db.session.add_all(
        BnspCode(kind=kind.value, code=code, name=name) for kind, code, name in CODES
    )


def add_schedule(catalogue: dict, code: str = "JDW-2026-01", **fields) -> Schedule:
    values = {
        "starts_on": date(2026, 3, 2),
        "ends_on": date(2026, 3, 3),
        "registration_deadline": date(2026, 2, 20),
        "quota": 30,
        **fields,
    }
    schedule = Schedule(code=code, scheme=catalogue["scheme"], tuk=catalogue["tuk"], **values)
    db.session.add(schedule)
    return schedule


def applicant(n: int, **fields) -> Applicant:
    """An applicant whose NIK agrees with the birth date (17-08-1980) and sex."""
    female = n % 2 == 0
    values = {
        "nik": f"317101{57 if female else 17}0880{n:04d}",
        "full_name": f"Asesi {n}",
        "birth_place": "Jakarta",
        "birth_date": date(1980, 8, 17),
        "sex": "P" if female else "L",
        "address": f"Jl. Merdeka {n}",
        "phone": f"+628123456{n:04d}",
        "email": f"asesi{n}@example.id",
        "education_level": "S1",
        **BNSP_FIELDS,
        **fields,
    }
    return Applicant(**values)


def decided_case(
    n: int, catalogue: dict, schedule: Schedule | None, status: str = "competent", **fields
) -> Case:
    """A case decided K (competent) or BK, assessed on the schedule's first day."""
    verdict = "K" if status in ("competent", "certified") else "BK"
    values = {
        "reg_number": f"APL-2026-{n:06d}",
        "applicant": applicant(n),
        "scheme": catalogue["scheme"],
        "schedule": schedule,
        "tuk": catalogue["tuk"],
        "assessor": catalogue["assessor"],
        "status": status,
        "assessment_date": date(2026, 3, 2),
        "decided_on": date(2026, 3, 5),
        "units": [CaseUnit(unit=u, result=verdict) for u in catalogue["units"]],
        **fields,
    }
    case = Case(**values)
    db.session.add(case)
    return case

"""Round trip: a schedule's candidates exported as the BNSP sheet, and the intake template filled
from the same data and imported into an empty database, give the same applicants and cases."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import Applicant, Case, Scheme, Tuk, Unit
from tests.conftest import BrowserClient, login, make_user
from tests.exchange_data import add_codes, add_schedule, applicant, decided_case
from tests.test_exchange_intake import commit, filled, upload

COMPARED = (
    "nik full_name birth_place birth_date sex address regency_code province_code phone email"
    " education_code occupation_code budget_source_code ministry_code education_level"
    " library_field has_library_training experience_months institution job_title"
).split()
# the template's columns that the BNSP sheet lacks, filled from the same applicants
EXTRA = {
    "pendidikan_terakhir": lambda a: a.education_level,
    "bidang_perpustakaan": lambda a: "Y" if a.library_field else "T",
    "pelatihan_perpustakaan": lambda a: "Y" if a.has_library_training else "T",
    "pengalaman_bulan": lambda a: str(a.experience_months),
    "lembaga": lambda a: a.institution or "",
    "jabatan": lambda a: a.job_title or "",
}


def _people_and_cases() -> tuple[dict, set]:
    """Every applicant with a case (by NIK), and every case as NIK, scheme, schedule, units."""
    with_cases = select(Applicant).join(Case, Case.applicant_id == Applicant.id)
    people = {
        a.nik: {name: getattr(a, name) for name in COMPARED} for a in db.session.scalars(with_cases)
    }
    cases = {
        (
            c.applicant.nik,
            c.scheme.code,
            c.schedule.code,
            tuple(sorted(u.unit.code for u in c.units)),
        )
        for c in db.session.scalars(select(Case))
    }
    return people, cases


def _same_catalogue(source: dict) -> dict:
    """The source's catalogue, rebuilt in an empty database."""
    units = [Unit(code=u.code, title=u.title) for u in source["units"]]
    scheme = Scheme(code="KLP", scheme_type="Klaster", title=source["scheme"].title, units=units)
    tuk = Tuk(code="TUK-01", name="TUK Perpusnas", tuk_type="sewaktu", address="Jakarta")
    db.session.add_all([scheme, tuk])
    add_codes()
    schedule = add_schedule({"scheme": scheme, "tuk": tuk})
    db.session.commit()
    return {"schedule": schedule}


@pytest.fixture
def source(app, catalogue, client):
    add_codes()
    schedule = add_schedule(catalogue)
    decided_case(1, catalogue, schedule, "competent")
    decided_case(
        2,
        catalogue,
        schedule,
        "not_yet_competent",
        applicant=applicant(2, institution="Perpustakaan Nasional RI", job_title="Pustakawan"),
    )
    decided_case(3, catalogue, schedule, "certified", applicant=applicant(3, experience_months=30))
    db.session.commit()
    make_user("sekretariat", "secretariat", locale="en")
    login(client, "sekretariat")
    return schedule


def test_bnsp_sheet_and_filled_template_give_the_same_applicants_and_cases(
    app, client, catalogue, source, tmp_path
):
    sheet = load_workbook(
        io.BytesIO(client.get(f"/admin/exchange/bnsp-sheet/download/?schedule_id={source.id}").data)
    ).worksheets[0]
    header, *lines = [list(r) for r in sheet.iter_rows(values_only=True)]
    expected_people, expected_cases = _people_and_cases()
    by_nik = {a.nik: a for a in db.session.scalars(select(Applicant))}
    rows = []
    for line in lines:
        values = {k: v or "" for k, v in zip(header, line, strict=True)}
        person = by_nik[values["nik"]]
        rows.append({**values, **{column: fill(person) for column, fill in EXTRA.items()}})

    target = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.db",
            "UPLOAD_DIR": tmp_path / "uploads-empty",
            "RATELIMIT_ENABLED": False,
            "today": date(2026, 2, 10),  # registration still open
        }
    )
    target.test_client_class = BrowserClient
    with target.app_context():
        db.create_all()
        _same_catalogue(catalogue)
        make_user("sekretariat", "secretariat", locale="en")
        staff = target.test_client()
        login(staff, "sekretariat")
        result = commit(staff, upload(staff, filled(staff, rows)))
        assert "3 cases made, 0 applicants updated, 0 rows refused" in result
        got_people, got_cases = _people_and_cases()
        db.session.remove()
        db.engine.dispose()
    assert set(got_people) == set(expected_people)
    differing = {
        (nik, name): (got_people[nik][name], value)
        for nik, person in expected_people.items()
        for name, value in person.items()
        if got_people[nik][name] != value
    }
    assert differing == {}
    assert got_cases == expected_cases

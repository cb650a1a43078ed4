"""Applicants and cases in bulk: the template, the checks per cell with the forms' rules, the
schedule's quota and deadline, one case per NIK + scheme + schedule, updates of known
applicants only where accepted, valid rows or nothing, and an audit event per record."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.exchange.intake import COLUMNS
from portal.extensions import db
from portal.models import Applicant, AuditEvent, Case
from tests.conftest import login, make_user, worked
from tests.exchange_data import add_codes, add_schedule, applicant

URL = "/admin/exchange/intake/"
TODAY = date(2026, 2, 10)


@pytest.fixture
def schedule(app, catalogue):
    app.config["today"] = TODAY
    add_codes()
    schedule = add_schedule(catalogue, quota=5)
    add_schedule(catalogue, "JDW-CLOSED", registration_deadline=date(2026, 2, 1))
    db.session.commit()
    return schedule


@pytest.fixture
def staff(client):
    make_user("sekretariat", "secretariat", locale="en")
    login(client, "sekretariat")
    return client


def row(n: int, **overrides) -> dict[str, str]:
    """A valid intake row for candidate n (NIK agreeing with birth date and sex)."""
    female = n % 2 == 0
    values = {
        "nama_asesi": f"Calon {n}",
        "nik": f"317101{57 if female else 17}0880{n:04d}",
        "tempat_lahir": "Jakarta",
        "tanggal_lahir": "17-08-1980",
        "jenis_kelamin": "P" if female else "L",
        "tempat_tinggal": f"Jl. Merdeka {n}",
        "kode_kabupaten": "3171",
        "kode_provinsi": "31",
        "telp": f"08123456{n:04d}",
        "email": f"calon{n}@example.id",
        "kode_pendidikan": "DM3",
        "kode_pekerjaan": "DM1",
        "kode_jadwal": "JDW-2026-01",
        "kode_sumber_anggaran": "DM1",
        "kode_kementerian": "DM1",
        "pendidikan_terakhir": "S1",
        "bidang_perpustakaan": "Y",
        "pengalaman_bulan": "24",
    }
    values.update(overrides)
    return values


def filled(client, rows: list[dict[str, str]]) -> bytes:
    """The downloaded template with the rows typed into its Data sheet."""
    book = load_workbook(io.BytesIO(client.get(URL + "template.xlsx").data))
    sheet = book["Data"]
    names = [c.value for c in sheet[1]]
    for values in rows:
        sheet.append([values.get(name, "") for name in names])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "calon.xlsx") -> str:
    token = _csrf(client.get(URL).get_data(as_text=True))
    return client.post(
        URL,
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)


def commit(client, preview: str, updates: tuple[int, ...] = (), cancel: bool = False) -> str:
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    data = {"csrf_token": _csrf(preview), "token": token, "update": [str(n) for n in updates]}
    if cancel:
        data["cancel"] = "1"
        return client.post(URL + "commit/", data=data, follow_redirects=True).get_data(as_text=True)
    return worked(client, client.post(URL + "commit/", data=data))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_template_has_drop_downs_and_an_indonesian_explanation(staff, schedule):
    book = load_workbook(io.BytesIO(staff.get(URL + "template.xlsx").data))
    assert book.sheetnames == ["Data", "Kode", "Petunjuk"]
    data = book["Data"]
    assert [c.value for c in data[1]] == [c.name for c in COLUMNS]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in data.data_validations.dataValidation}
    assert any(f.startswith("Kode!") for f in lists.values())
    assert '"L,P"' in lists.values()
    assert data.column_dimensions["B"].number_format == "@"  # NIK typed as text
    codes = [c.value for c in book["Kode"]["A"] if c.value]
    assert "kode_kabupaten" in codes and "3171" in codes
    jadwal = [r for r in book["Kode"].iter_rows(values_only=True) if "JDW-2026-01" in r]
    assert jadwal, "the open schedule is offered"
    assert not [r for r in book["Kode"].iter_rows(values_only=True) if "JDW-CLOSED" in r]
    help_rows = {r[0]: r for r in book["Petunjuk"].iter_rows(values_only=True)}
    assert help_rows["nik"][1] == "ya"
    assert "16 digit" in help_rows["nik"][2]  # in Indonesian


def test_valid_rows_make_applicants_and_draft_cases_with_audit_events(staff, schedule, catalogue):
    preview = upload(staff, filled(staff, [row(1), row(2)]))
    assert "2 rows: 2 valid, 0 with errors" in preview
    assert _count(Case) == 0
    result = commit(staff, preview)
    assert "2 cases made, 0 applicants updated, 0 rows refused" in result
    cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert [(c.applicant.nik, c.status, c.schedule_id, c.tuk_id) for c in cases] == [
        ("3171011708800001", "draft", schedule.id, catalogue["tuk"].id),
        ("3171015708800002", "draft", schedule.id, catalogue["tuk"].id),
    ]
    assert cases[0].reg_number in result
    assert {u.unit_id for u in cases[0].units} == {u.id for u in catalogue["units"]}
    first = cases[0].applicant
    assert (first.phone, first.birth_date, first.regency_code, first.library_field) == (
        "+6281234560001",
        date(1980, 8, 17),
        "3171",
        True,
    )
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.case_id, e.note) for e in events] == [
        ("import_applicant", cases[0].id, "calon.xlsx"),
        ("import_case", cases[0].id, "calon.xlsx"),
        ("import_applicant", cases[1].id, "calon.xlsx"),
        ("import_case", cases[1].id, "calon.xlsx"),
    ]


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [
        ({"nik": "12345"}, "nik", "must have 16 digits"),
        ({"nik": "9971011708800001"}, "nik", "not a province code"),
        ({"telp": "021 555 1234"}, "telp", "Indonesian mobile number"),
        ({"email": "not-an-address"}, "email", "valid e-mail address"),
        ({"tanggal_lahir": "31-02-1980"}, "tanggal_lahir", "DD-MM-YYYY"),
        ({"jenis_kelamin": "X"}, "jenis_kelamin", "one of L, P"),
        ({"pendidikan_terakhir": "PhD"}, "pendidikan_terakhir", "one of SD"),
        ({"kode_provinsi": "99"}, "kode_provinsi", "not in BNSP"),
        ({"kode_kabupaten": "3271"}, "kode_kabupaten", "not in BNSP"),
        ({"kode_jadwal": "JDW-NONE"}, "kode_jadwal", "unknown schedule"),
        (
            {"kode_jadwal": "JDW-CLOSED"},
            "kode_jadwal",
            "Registration for this schedule closed on 2026-02-01.",
        ),
        ({"kode_skema": "OTHER"}, "kode_skema", "not the scheme of schedule"),
        ({"kode_unit": "NOPE.01"}, "kode_unit", "not units of the scheme: NOPE.01"),
        ({"nama_asesi": ""}, "nama_asesi", "required"),
        ({"nama_asesi": "Calon \u202e2"}, "nama_asesi", "control character (U+202E)"),
        ({"pengalaman_bulan": "dua"}, "pengalaman_bulan", "whole number of months"),
        ({"bidang_perpustakaan": "mungkin"}, "bidang_perpustakaan", "Y or T"),
    ],
)
def test_each_refused_cell_is_named_and_its_row_not_imported(
    staff, schedule, overrides, column, reason
):
    preview = upload(staff, filled(staff, [row(1), row(2, **overrides)]))
    assert "2 rows: 1 valid, 1 with errors" in preview
    assert f"<code>{column}</code>: " in preview
    assert reason in preview
    result = commit(staff, preview)
    assert "1 cases made, 0 applicants updated, 1 rows refused" in result
    assert _count(Case) == 1


def test_the_quota_counts_existing_cases_and_the_file_row_by_row(staff, schedule, catalogue):
    db.session.add_all(
        Case(
            reg_number=f"APL-2026-9{n:05d}",
            applicant=applicant(90 + n),
            scheme=catalogue["scheme"],
            schedule=schedule,
            status="submitted",  # a submitted case holds its seat (rules/schedules.py)
        )
        for n in range(3)
    )
    db.session.commit()
    preview = upload(staff, filled(staff, [row(1), row(2), row(3), row(4)]))
    assert "4 rows: 2 valid, 2 with errors" in preview
    assert preview.count("This schedule is full: all 5 seats are taken.") == 2
    commit(staff, preview)
    assert _count(Case, Case.schedule_id == schedule.id) == 5


def test_the_quota_is_checked_again_when_committing(staff, schedule, catalogue):
    preview = upload(staff, filled(staff, [row(1), row(2)]))
    db.session.add_all(
        Case(
            reg_number=f"APL-2026-9{n:05d}",
            applicant=applicant(90 + n),
            scheme=catalogue["scheme"],
            schedule=schedule,
            status="submitted",  # a submitted case holds its seat (rules/schedules.py)
        )
        for n in range(4)
    )
    db.session.commit()
    result = commit(staff, preview)
    assert "1 cases made, 0 applicants updated, 1 rows refused" in result
    assert "This schedule is full: all 5 seats are taken." in result


def test_the_same_nik_scheme_and_schedule_never_makes_a_second_case(staff, schedule):
    data = filled(staff, [row(1), row(2)])
    commit(staff, upload(staff, data))
    again = upload(staff, data)
    assert "2 rows: 0 valid, 2 with errors" in again
    assert again.count("already registered on this schedule") == 2
    twice = upload(staff, filled(staff, [row(3), row(3)]))
    assert "twice in the file for this schedule" in twice
    assert _count(Case) == 2


def test_a_known_applicant_is_updated_only_where_accepted(staff, schedule, catalogue):
    known = applicant(1, phone="+6281200000000")
    db.session.add(known)
    db.session.commit()
    before = _count(Applicant)
    preview = upload(staff, filled(staff, [row(1, nama_asesi="Calon Satu")]))
    assert 'name="update" value="2"' in preview
    assert "+6281200000000 → <strong>+6281234560001</strong>" in preview
    commit(staff, preview)
    db.session.expire_all()
    assert db.session.get(Applicant, known.id).phone == "+6281200000000"
    assert _count(Applicant) == before
    assert _count(Case) == 1

    other = add_schedule(catalogue, "JDW-2026-02")
    db.session.commit()
    preview = upload(staff, filled(staff, [row(1, kode_jadwal=other.code)]))
    result = commit(staff, preview, updates=(2,))
    assert "1 cases made, 1 applicants updated" in result
    db.session.expire_all()
    assert db.session.get(Applicant, known.id).phone == "+6281234560001"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import_applicant"))
    assert event.data["changes"]["phone"] == ["+6281200000000", "+6281234560001"]


def test_import_nothing_discards_the_file(staff, schedule):
    preview = upload(staff, filled(staff, [row(1)]))
    assert "Nothing was imported" in commit(staff, preview, cancel=True)
    assert _count(Case) == 0
    assert _count(Applicant, Applicant.nik == "3171011708800001") == 0


def test_basic_requirements_are_information_only(staff, schedule):
    preview = upload(
        staff,
        filled(
            staff,
            [row(1, pendidikan_terakhir="SMA", bidang_perpustakaan="T", pengalaman_bulan="0")],
        ),
    )
    assert "1 valid, 0 with errors" in preview
    assert "basic requirements not met" in preview


def test_a_reader_may_not_import(client, schedule):
    make_user("kepala", "certification_head")
    login(client, "kepala")
    assert client.get(URL).status_code == 403
    assert client.get(URL + "template.xlsx").status_code == 403

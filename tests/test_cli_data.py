"""The data commands: load-reference, import-units, seed-demo, and create-user from a script."""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections import Counter

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models import (
    Applicant,
    Attachment,
    AuditEvent,
    Case,
    Certificate,
    Element,
    Kuk,
    NumberCounter,
    Scheme,
    Unit,
    User,
)
from portal.passwords import verify_password
from portal.reference import MAX_FILE_BYTES, CatalogueFileError, import_units
from portal.rules.identity import nik_mismatches, parse_nik
from portal.rules.vocabulary import CaseStatus, Role
from portal.uploads import stored_path
from tests.conftest import login


def count(model) -> int:
    """Rows in a table."""
    return db.session.scalar(select(func.count()).select_from(model))


# --- load-reference ----------------------------------------------------------------------------


def test_load_reference_loads_the_verified_rows_and_is_idempotent(runner):
    first = runner.invoke(args=["load-reference"])
    assert first.exit_code == 0, first.output
    assert "Units: 2 created" in first.output and "Schemes: 5 created" in first.output
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    assert set(units) == {"PRP.LP01.001.01", "R.91PRP02.021.1"}
    assert units["PRP.LP01.001.01"].title == "Mengoperasikan Komputer Tingkat Dasar"
    assert [(e.number, e.title) for e in units["R.91PRP02.021.1"].elements] == [
        (1, "Menyiapkan pembuatan tajuk kendali"),
        (2, "Menyusun istilah subjek sebagai bentuk tajuk kendali"),
    ]
    schemes = {s.title: s for s in db.session.scalars(select(Scheme))}
    pemustaka = schemes["Klaster Layanan Pemustaka"]
    assert (pemustaka.number, pemustaka.code, pemustaka.scheme_type) == (
        "SKM.LP.01.2014",
        "KLP",
        "Klaster",
    )
    assert [u.code for u in pemustaka.units] == ["PRP.LP01.001.01"]
    assert [u.code for u in schemes["Klaster Pengembangan Koleksi"].units] == ["PRP.LP01.001.01"]
    assert len({s.code for s in schemes.values()}) == 5
    assert all(len(s.requirements) == 3 for s in schemes.values())
    assert (
        schemes["Klaster Pelaksanaan Pengatalogan Deskriptif"].requirements[2].min_experience_months
        == 24
    )

    tables = (Unit, Element, Kuk, Scheme)
    before = [count(m) for m in tables]
    second = runner.invoke(args=["load-reference"])
    assert second.exit_code == 0
    assert (
        "Units: 0 created, 0 updated" in second.output
        and "Schemes: 0 created, 0 updated" in second.output
    )
    assert [count(m) for m in tables] == before


# --- import-units --------------------------------------------------------------------------------

CSV_ROWS = """kode_unit;judul_unit;no_elemen;elemen;no_kuk;kuk
DEMO.IMP.001.01;Mengelola Koleksi Demo;1;Menyiapkan koleksi;1.1;Koleksi diidentifikasi
DEMO.IMP.001.01;Mengelola Koleksi Demo;1;Menyiapkan koleksi;1.2;Rak disiapkan
DEMO.IMP.001.01;;2;Menata koleksi;2.1;Koleksi ditata
;Tanpa Kode;1;Elemen;1.1;KUK
DEMO.IMP.001.01;Judul Lain;3;Elemen tiga;;
DEMO.IMP.002.01;Unit Dengan Elemen Salah;x;Elemen;1.1;KUK
DEMO.IMP.003.01;Unit Tanpa Nomor KUK;1;Elemen;;Teks tanpa nomor
KODE-ANEH-1;Unit Kode Tidak Dikenal;;;;
;;;;;
DEMO.IMP.004.01;;;;;
"""


def test_import_units_from_csv_reports_created_refused_and_warnings(runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(CSV_ROWS, encoding="utf-8")
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    assert "Units: 2 created, 0 updated." in result.output
    assert "Elements: 2 created" in result.output and "KUK: 3 created" in result.output
    refused = dict(re.findall(r"row (\d+): (.+)", result.output.split("Refused rows")[1]))
    assert set(refused) == {"5", "6", "7", "8", "11"}
    assert "unit code is missing" in refused["5"]
    assert "row 2" in refused["6"]  # a second title for the same code
    assert "element number x" in refused["7"]
    assert "KUK number is missing" in refused["8"]
    assert "unit title is missing" in refused["11"]
    assert "KODE-ANEH-1 follows neither" in result.output.split("Refused rows")[0]
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    # Nothing of a refused row is written, not even its unit.
    assert set(units) == {"DEMO.IMP.001.01", "KODE-ANEH-1"}
    unit = units["DEMO.IMP.001.01"]
    assert [(e.number, e.title, [k.number for k in e.kuks]) for e in unit.elements] == [
        (1, "Menyiapkan koleksi", ["1.1", "1.2"]),
        (2, "Menata koleksi", ["2.1"]),
    ]

    again = runner.invoke(args=["import-units", str(path)])
    assert (
        "Units: 0 created, 0 updated." in again.output
        and "KUK: 0 created, 0 updated." in again.output
    )
    assert count(Kuk) == 3


def test_import_units_from_xlsx_with_english_headers_updates_and_refuses(runner, tmp_path):
    runner.invoke(args=["load-reference"])
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Code", "Title", "Element no.", "Element title", "KUK no.", "KUK text"])
    sheet.append(
        [
            "R.91PRP02.021.1",
            "Membuat Tajuk Kendali Subjek",
            2.0,
            None,
            "2.1",
            "Istilah subjek disusun",
        ]
    )
    sheet.append(
        [
            "prp.lp01.001.01",
            "Mengoperasikan Komputer Tingkat Dasar",
            1,
            "Menyalakan komputer",
            None,
            None,
        ]
    )
    sheet.append(["R.91PRP02.021.1", None, 0, "Elemen nol", None, None])
    sheet.append(["DEMO.X.1", "Unit baru", 1, None, None, None])
    sheet.append(["PRP.LP01.001.01", "x" * 301, None, None, None, None])
    path = tmp_path / "katalog.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 0, result.output
    assert "Units: 0 created, 0 updated." in result.output
    assert "Elements: 1 created, 0 updated." in result.output and "KUK: 1 created" in result.output
    refused = dict(re.findall(r"row (\d+): (.+)", result.output.split("Refused rows")[1]))
    assert set(refused) == {"4", "5", "6"}
    assert "element number 0" in refused["4"]
    assert "element title is missing" in refused["5"]
    assert "longer than 300" in refused["6"]
    element = db.session.scalar(
        select(Element).where(
            Element.title == "Menyusun istilah subjek sebagai bentuk tajuk kendali"
        )
    )
    assert [k.text for k in element.kuks] == ["Istilah subjek disusun"]
    assert db.session.scalar(select(Unit).where(Unit.code == "DEMO.X.1")) is None


def test_import_updates_a_changed_title_with_a_warning(runner, tmp_path):
    runner.invoke(args=["load-reference"])
    path = tmp_path / "fix.csv"
    path.write_text(
        "code,title\nPRP.LP01.001.01,Mengoperasikan Komputer Tingkat Dasar (revisi)\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-units", str(path)])
    assert "Units: 0 created, 1 updated." in result.output
    assert "was titled Mengoperasikan Komputer Tingkat Dasar" in result.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("units.pdf", b"%PDF-1.4", "only .csv and .xlsx"),
        ("units.xlsx", b"code,title\nA,B\n", "not a valid XLSX workbook"),
        ("units.csv", b"nama,alamat\nBudi,Jakarta\n", "no column for: code, title"),
        ("units.csv", b"", "is empty"),
        ("units.csv", "kode,judul\nA,B\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_import_units_refuses_an_unreadable_file_without_a_traceback(
    runner, tmp_path, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert count(Unit) == 0


def test_import_units_missing_file(runner, tmp_path):
    result = runner.invoke(args=["import-units", str(tmp_path / "tidak-ada.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output


# --- seed-demo -----------------------------------------------------------------------------------


@pytest.fixture
def seeded(app, runner):
    """A database seeded with a small demo (every status at least once)."""
    result = runner.invoke(args=["seed-demo", "--cases", "60"])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_demo_covers_every_status_with_consistent_records(app, seeded):
    statuses = Counter(db.session.scalars(select(Case.status).where(Case.is_demo)))
    assert set(statuses) == set(CaseStatus) and sum(statuses.values()) == 60
    for case in db.session.scalars(select(Case)):
        events = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.at)
            )
        )
        if case.status == CaseStatus.DRAFT:
            assert events == []
            continue
        assert events[-1].to_status == case.status
        assert all(a.to_status == b.from_status for a, b in zip(events, events[1:], strict=False))
        if case.decided_on:
            assert case.decision_meeting.held_on == case.decided_on
            assert {cu.result for cu in case.units} <= {"K", "BK"} and None not in {
                cu.result for cu in case.units
            }
        if case.status == CaseStatus.CERTIFIED:
            assert case.certificate.issued_on >= case.decided_on
            assert all(cu.result == "K" for cu in case.units)
        if case.status in (CaseStatus.VERIFIED, CaseStatus.ASSESSED):
            assert all(a.present and a.adequate for a in case.attachments if a.is_current)
        if case.status == CaseStatus.ASSESSED:
            assert all(cu.recommendation for cu in case.units) and case.assessor_id


def test_seed_demo_numbers_are_gap_free_and_continue_the_counters(app, seeded):
    by_series: dict[str, list[int]] = {}
    for series, seq in db.session.execute(select(Certificate.series, Certificate.seq)):
        by_series.setdefault(series, []).append(seq)
    assert by_series
    counters = dict(db.session.execute(select(NumberCounter.series, NumberCounter.value)).all())
    for series, seqs in by_series.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        assert counters[series] == len(seqs)
    numbers = [n for (n,) in db.session.execute(select(Case.reg_number))]
    assert len(set(numbers)) == len(numbers)


def test_seed_demo_people_are_valid_and_marked(app, seeded):
    for applicant in db.session.scalars(select(Applicant)):
        nik = parse_nik(applicant.nik, clock.today())
        assert nik_mismatches(nik, applicant.birth_date, applicant.sex) == ()
        assert applicant.is_demo
    assert (
        db.session.scalar(select(func.count()).select_from(Unit).where(~Unit.code.like("DEMO.%")))
        == 0
    )


def test_seed_demo_attachment_files_exist_with_their_checksum(app, seeded):
    rows = list(db.session.scalars(select(Attachment)))
    assert rows and any(not a.is_current for a in rows)
    for row in rows:
        content = stored_path(app.config["UPLOAD_DIR"], row.stored_name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == row.sha256 and len(content) == row.size_bytes


def test_every_demo_role_logs_in_with_the_printed_password(app, seeded):
    password = re.search(r"password for all: (\S+)\)", seeded).group(1)
    users = list(db.session.scalars(select(User)))
    assert set().union(*(u.roles for u in users)) == set(Role)
    for user in users:
        assert user.username in seeded
        assert verify_password(user.password_hash, password)
    for username in ("admin", "sekretariat", "asesor1", "ketua", "kabid", "mutu", "standar"):
        client = app.test_client()
        response = login(client, username, password)
        assert response.status_code == 302 and response.headers["Location"] == "/admin/", username
    assert db.session.scalar(select(User).where(User.username == "asesor1")).assessor is not None


def test_rows_added_after_the_seed_get_fresh_ids(app, seeded):
    highest = db.session.scalar(select(func.max(AuditEvent.id)))
    event = AuditEvent(action="after_seed")
    db.session.add(event)
    db.session.commit()  # on PostgreSQL this needs the id sequence moved past the seeded ids
    assert event.id > highest


def test_seed_demo_refuses_a_second_run(runner, seeded):
    result = runner.invoke(args=["seed-demo", "--cases", "5"])
    assert result.exit_code == 1 and "present already" in result.output
    assert count(Case) == 60


def test_seed_demo_refuses_a_production_database(app, runner):
    app.config.update(TESTING=False, DEMO=False)
    result = runner.invoke(args=["seed-demo", "--cases", "5"])
    assert result.exit_code == 1 and "PORTAL_DEMO=1" in result.output
    assert count(Case) == 0


@pytest.mark.parametrize("cases", ["0", "abc"])
def test_seed_demo_refuses_a_bad_count(runner, cases):
    result = runner.invoke(args=["seed-demo", "--cases", cases])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_seed_demo_dates_are_not_in_the_future_except_plans(app, seeded):
    today = clock.today()
    assert db.session.scalar(select(func.max(AuditEvent.at))).date() <= today
    assert db.session.scalar(select(func.max(Certificate.issued_on))) <= today


# --- create-user ------------------------------------------------------------------------------


def test_create_user_reads_the_password_from_a_confirmed_prompt(app, runner):
    result = runner.invoke(
        args=["create-user", "rina", "--role", "secretariat", "--name", "Rina"],
        input="kata-sandi-panjang-77\nkata-sandi-panjang-77\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "rina"))
    assert user.roles == {"secretariat"} and verify_password(
        user.password_hash, "kata-sandi-panjang-77"
    )
    assert login(app.test_client(), "rina", "kata-sandi-panjang-77").status_code == 302


def test_create_user_refuses_mismatched_or_weak_passwords(runner):
    mismatch = runner.invoke(
        args=["create-user", "rina", "--role", "secretariat"],
        input="satu-dua-tiga-4\nlain-sekali-5\n" * 3,
    )
    assert mismatch.exit_code != 0
    weak = runner.invoke(
        args=["create-user", "rina", "--role", "secretariat"], input="pendek\npendek\n"
    )
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    assert count(User) == 0


def test_create_user_takes_a_name_by_the_user_forms_rule(runner):
    hidden = runner.invoke(
        args=["create-user", "rina", "--role", "secretariat", "--name", "Rina\u202eanirM"],
        input="kata-sandi-panjang-77\nkata-sandi-panjang-77\n",
    )
    assert hidden.exit_code == 1 and "U+202E" in hidden.output
    assert count(User) == 0
    spaced = runner.invoke(
        args=["create-user", "rina", "--role", "secretariat", "--name", "  Rina   Marlina "],
        input="kata-sandi-panjang-77\nkata-sandi-panjang-77\n",
    )
    assert spaced.exit_code == 0, spaced.output
    assert db.session.scalar(select(User.full_name)) == "Rina Marlina"


# --- hostile and huge catalogues (issue 12, finding 11) ----------------------------------------


def _workbook(path, parts: dict[str, bytes] | None = None, rows: int = 1) -> None:
    """Write a unit workbook; `parts` replaces members of its ZIP package (a damaged file)."""
    book = Workbook()
    book.active.append(["code", "title"])
    for n in range(rows):
        book.active.append([f"PRP.LP01.{n:03d}.01", f"Unit {n}"])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            out.writestr(member.filename, (parts or {}).get(member.filename, source.read(member)))
        for name, content in (parts or {}).items():
            if name not in source.namelist():
                out.writestr(name, content)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row><c><v>1"}, "not a valid XLSX"),
        ({"xl/workbook.xml": b"<<<"}, "not a valid XLSX"),
        ({"xl/styles.xml": b"\xff\xfe not xml"}, "not a valid XLSX"),
        ({"xl/bomb.bin": b"\0" * (201 * 1024 * 1024)}, "unpacks to 201 MB"),
    ],
)
def test_a_hostile_workbook_is_refused_with_a_message_not_a_traceback(
    runner, tmp_path, parts, message
):
    path = tmp_path / "units.xlsx"
    _workbook(path, parts)
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert count(Unit) == 0


def test_a_file_past_the_row_cap_imports_nothing(app, tmp_path):
    path = tmp_path / "units.xlsx"
    _workbook(path, rows=6)
    with pytest.raises(CatalogueFileError, match="more than 5 rows"):
        import_units(db.session, path, max_rows=5)
    db.session.rollback()
    assert count(Unit) == 0
    assert import_units(db.session, path, max_rows=6).lines()  # at the cap: imported


def test_a_file_past_the_size_cap_is_refused_before_it_is_read(runner, tmp_path):
    path = tmp_path / "units.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("code,title\n")
        line = "PRP.LP01.001.01," + "x" * 200 + "\n"
        out.write(line * (MAX_FILE_BYTES // len(line) + 1))
    result = runner.invoke(args=["import-units", str(path)])
    assert result.exit_code == 1
    assert "larger than 20 MB" in result.output and "Traceback" not in result.output

"""The BNSP reporting sheet: decided candidates only, BNSP's columns in order, a pre-check that
lists every gap with a link to fix it, and a download only when clean or the gaps accepted."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.rules import bnsp
from tests.conftest import login, make_user, worked
from tests.exchange_data import add_codes, add_schedule, applicant, decided_case


@pytest.fixture
def schedule(app, catalogue):
    add_codes()
    schedule = add_schedule(catalogue)
    decided_case(1, catalogue, schedule, "competent")
    decided_case(2, catalogue, schedule, "not_yet_competent")
    decided_case(3, catalogue, schedule, "certified")
    decided_case(4, catalogue, schedule, "draft", decided_on=None)  # not decided: not reported
    decided_case(5, catalogue, add_schedule(catalogue, "JDW-OTHER"), "competent")
    db.session.commit()
    return schedule


@pytest.fixture
def staff(client):
    make_user("sekretariat", "secretariat", locale="en")
    login(client, "sekretariat")
    return client


def _sheet(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_a_clean_sheet_lists_each_decided_candidate_with_bnsp_columns(staff, schedule):
    page = staff.get(f"/admin/exchange/bnsp-sheet/?schedule_id={schedule.id}")
    assert page.status_code == 200
    assert "3 candidates decided; 0 rows with 0 gaps" in page.get_data(as_text=True)
    got = staff.get(f"/admin/exchange/bnsp-sheet/download/?schedule_id={schedule.id}")
    assert got.status_code == 200
    rows = _sheet(got)
    assert rows[0] == list(bnsp.COLUMNS)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["nik"] == "3171011708800001"  # text, every digit kept
    assert first["tanggal_lahir"] == "17-08-1980"
    assert first["telp"] == "081234560001"
    assert first["kode_jadwal"] == "JDW-2026-01"
    assert first["tanggal_uji"] == "02-03-2026"
    assert first["nomor_registrasi_asesor"] == "MET.000.001668 2012"
    assert [r[-1] for r in rows[1:]] == ["K", "BK", "K"]


def test_a_sheet_of_more_rows_than_inline_is_written_by_a_job(app, staff, schedule):
    from portal.models import Job

    url = f"/admin/exchange/bnsp-sheet/download/?schedule_id={schedule.id}"
    inline = _sheet(staff.get(url))
    app.config["INLINE_MAX_ROWS"] = 2
    confirm = staff.get(url).get_data(as_text=True)
    assert 'id="start-job"' in confirm  # a job costs work: started by a POST only
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm).group(1)
    page = worked(staff, staff.post(url, data={"csrf_token": token}))
    assert 'id="job-download"' in page
    job = db.session.scalars(db.select(Job)).one()
    assert (job.kind, job.done, job.total) == ("bnsp_sheet", 3, 3)
    download = staff.get(f"/admin/jobs/{job.id}/download")
    assert "filename=bnsp-JDW-2026-01.xlsx" in download.headers["Content-Disposition"]
    assert _sheet(download) == inline


def test_gaps_are_listed_with_links_and_block_the_download(staff, schedule, catalogue):
    case = decided_case(6, catalogue, schedule, applicant=applicant(6, occupation_code=None))
    case.applicant.regency_code = "3199"
    db.session.commit()
    page = staff.get(f"/admin/exchange/bnsp-sheet/?schedule_id={schedule.id}")
    html = page.get_data(as_text=True)
    assert "4 candidates decided; 1 rows with 2 gaps" in html
    assert f"/admin/applicant/edit/?id={case.applicant_id}" in html
    assert "3199 is not in BNSP" in html
    refused = staff.get(f"/admin/exchange/bnsp-sheet/download/?schedule_id={schedule.id}")
    assert refused.status_code == 302
    assert "/bnsp-sheet/?schedule_id=" in refused.headers["Location"]
    accepted = staff.get(
        f"/admin/exchange/bnsp-sheet/download/?schedule_id={schedule.id}&accept=1&format=csv"
    )
    assert accepted.status_code == 200
    rows = list(csv.reader(io.StringIO(accepted.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(bnsp.COLUMNS)
    assert len(rows) == 5
    assert rows[4][bnsp.COLUMNS.index("kode_pekerjaan")] == ""


def test_missing_asesor_and_test_date_link_to_the_case(staff, schedule, catalogue):
    case = decided_case(7, catalogue, schedule, assessment_date=None)
    case.assessor = None
    db.session.commit()
    html = staff.get(f"/admin/exchange/bnsp-sheet/?schedule_id={schedule.id}").get_data(True)
    assert html.count(f"/admin/case/edit/?id={case.id}") == 2


def test_a_period_of_test_dates(staff, schedule):
    page = staff.get("/admin/exchange/bnsp-sheet/?from=2026-03-01&to=2026-03-31")
    assert "4 candidates decided" in page.get_data(as_text=True)
    empty = staff.get("/admin/exchange/bnsp-sheet/?from=2025-01-01&to=2025-01-31")
    assert "0 candidates decided" in empty.get_data(as_text=True)
    assert staff.get("/admin/exchange/bnsp-sheet/?from=nonsense").status_code == 302


def test_the_case_list_filter_makes_the_sheet(staff, schedule):
    html = staff.get("/admin/case/?flt0_6=JDW-OTHER").get_data(True)
    assert "bnsp-sheet-link" in html
    got = staff.get("/admin/exchange/bnsp-sheet/download/?from_list=1&flt0_6=JDW-OTHER")
    rows = _sheet(got)
    assert [r[bnsp.COLUMNS.index("kode_jadwal")] for r in rows[1:]] == ["JDW-OTHER"]


def test_hostile_text_is_shown_never_run(staff, schedule, catalogue):
    decided_case(8, catalogue, schedule, applicant=applicant(8, full_name="=HYPERLINK(1)"))
    db.session.commit()
    got = staff.get(f"/admin/exchange/bnsp-sheet/download/?schedule_id={schedule.id}&format=csv")
    assert "'=HYPERLINK(1)" in got.data.decode("utf-8-sig")


def test_an_asesor_may_not_read_the_sheet(client, schedule, catalogue):
    make_user("asesor", "assessor", assessor=catalogue["assessor"])
    login(client, "asesor")
    assert client.get(f"/admin/exchange/bnsp-sheet/?schedule_id={schedule.id}").status_code == 403

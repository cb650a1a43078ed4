"""Imports as jobs: a large file is checked on the worker and previewed from its report, every
commit runs on the worker once, and uploads left at the preview are swept after their time."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from portal import clock
from portal.exchange import pending
from portal.extensions import db
from portal.models import Case, Job
from tests.conftest import login, make_user, worked
from tests.test_exchange_intake import URL, filled, row
from tests.test_exchange_intake import schedule as schedule_fixture
from tests.test_exchange_intake import staff as staff_fixture

schedule, staff = schedule_fixture, staff_fixture  # the intake tests' fixtures, used here too


def _uploads(app) -> list[Path]:
    return list((Path(app.config["UPLOAD_DIR"]) / "imports").iterdir())


def _post(client, data: bytes):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(URL).get_data(as_text=True))
    form = {"csrf_token": token.group(1), "file": (io.BytesIO(data), "calon.xlsx")}
    return client.post(URL, data=form, content_type="multipart/form-data")


def test_a_large_file_is_checked_by_the_worker_then_committed_once(app, staff, schedule):
    app.config["IMPORT_INLINE_BYTES"] = 1000  # every test file is "large"
    answer = _post(staff, filled(staff, [row(1), row(2), row(3, telp="021 555")]))
    progress = staff.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' in progress  # queued: the page follows the job
    preview = worked(staff, answer)
    assert "3 rows: 2 valid, 1 with errors." in preview and "telp" in preview
    check = db.session.scalars(select(Job)).one()
    assert (check.kind, check.status) == ("import_check", "done")

    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', preview).group(1)
    commit = staff.post(URL + "commit/", data={"csrf_token": csrf, "token": token})
    result = worked(staff, commit)
    assert "2 cases made, 0 applicants updated, 1 rows refused." in result
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2
    assert _uploads(app) == []  # the committed upload is removed

    again = staff.post(URL + "commit/", data={"csrf_token": csrf, "token": token})
    assert again.status_code == 302 and again.headers["Location"].endswith(URL)
    assert "The upload has expired" in staff.get(URL).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 2


def test_a_refused_large_file_says_why_on_the_upload_page(app, staff, schedule):
    app.config["IMPORT_INLINE_BYTES"] = 10
    page = worked(staff, _post(staff, b"PK\x03\x04 not a workbook at all"))
    assert "The file is not a valid XLSX workbook." in page


def test_another_person_cannot_read_the_report(app, staff, schedule):
    app.config["IMPORT_INLINE_BYTES"] = 1000
    answer = _post(staff, filled(staff, [row(1)]))
    worked(staff, answer)
    job_id = db.session.scalars(select(Job.id)).one()
    other = app.test_client()
    make_user("lain", "secretariat")
    login(other, "lain")
    assert other.get(f"/admin/exchange/job/{job_id}/").status_code == 404
    assert other.get(f"/admin/jobs/{job_id}/").status_code == 404


def test_the_sweep_removes_uploads_left_at_their_preview(app, staff, schedule, monkeypatch):
    from portal.worker import tasks

    _post(staff, filled(staff, [row(1)]))
    assert len(_uploads(app)) == 1
    keep = timedelta(hours=app.config["IMPORT_KEEP_HOURS"])
    with clock.moved_by(keep - timedelta(minutes=5)):
        assert pending.sweep() == 0
    monkeypatch.setattr(tasks, "_app", app)
    with clock.moved_by(keep + timedelta(minutes=5)):
        tasks.sweep.call_local()  # the worker's minute sweep
    assert _uploads(app) == []

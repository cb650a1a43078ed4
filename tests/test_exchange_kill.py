"""An import's commit survives a worker killed (-9) after the rows were committed and before
the job ended: the job runs again, imports nothing twice, and its report is the first run's
(what was imported), not "already registered" for every row. A second run started while the
first was still importing does the same.

The real worker runs the commit. To stop it exactly between the commit and the job's end, the
job's result file is a named pipe nobody reads: the worker blocks writing its report there, as
on a hung disk, after the import's transaction committed. The test then kills it, removes the
pipe and starts a worker again, whose sweep finds the job's heartbeat stopped.
"""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.jobs import remove_expired
from portal.models import AuditEvent, Case, Job
from tests.mail import Mailbox
from tests.test_exchange_intake import URL as INTAKE_URL
from tests.test_exchange_intake import filled, row
from tests.test_exchange_intake import schedule as schedule_fixture
from tests.test_exchange_intake import staff as staff_fixture
from tests.test_exchange_numbers import GOOD, upload, xlsx
from tests.test_exchange_numbers import URL as NUMBERS_URL
from tests.test_exchange_numbers import certificates as certificates_fixture

schedule, staff, certificates = schedule_fixture, staff_fixture, certificates_fixture


@pytest.fixture
def open_schedule(app, schedule):
    """The intake tests' schedule, open for registration on the worker's real today (the worker
    is another process: it does not read the test's `today`)."""
    app.config.pop("today")
    schedule.registration_deadline = clock.today() + timedelta(days=30)
    schedule.starts_on = schedule.registration_deadline + timedelta(days=10)
    schedule.ends_on = schedule.starts_on + timedelta(days=1)
    db.session.commit()
    return schedule


def _job(job_id: int) -> Job:
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    db.session.rollback()
    return job


def _wait(job_id: int, done, timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while not done(job := _job(job_id)):
        assert time.monotonic() < deadline, f"job {job_id} stuck at {job.status} {job.done}"
        time.sleep(0.1)
    return job


def _count(query) -> int:
    value = db.session.scalar(query)
    db.session.rollback()
    return value


def _commit_killed_after_its_transaction(
    app, staff, mailbox: Mailbox, url: str, preview: str, committed
) -> int:
    """Post the preview's commit, let the worker commit the import (`committed()` says when) and
    kill it before the job ends; then start a worker again, which ends the job. Its id."""
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', preview).group(1)
    upload_file = Path(app.config["UPLOAD_DIR"]) / "imports" / token
    mailbox.stop_worker()  # the commit waits in the queue until its result file is a pipe
    answer = staff.post(url + "commit/", data={"csrf_token": csrf, "token": token})
    job_id = int(re.search(r"/admin/jobs/(\d+)/", answer.headers["Location"]).group(1))
    pipe = mailbox.start_worker_on_a_pipe(job_id)
    results = pipe.parent

    # imported and the upload consumed: the worker is writing the result file, where it blocks
    _wait(job_id, lambda j: committed() and not upload_file.exists())
    mailbox.kill_worker()
    assert _job(job_id).status == "running" and not list(results.glob("*.out"))

    pipe.unlink()
    time.sleep(app.config["WORKER_LEASE_SECONDS"])  # the killed worker's lease runs out
    mailbox.start_worker()  # its sweep at start runs the job again
    job = _wait(job_id, lambda j: j.status in ("done", "failed"))
    assert (job.status, job.attempts) == ("done", 2)
    return job_id


def test_an_intake_commit_killed_after_its_transaction_reports_what_it_imported(
    app, staff, open_schedule, mailbox
):
    rows = [row(1), row(2), row(3, telp="021 555")]
    preview = upload(staff, filled(staff, rows), "calon.xlsx", INTAKE_URL).get_data(as_text=True)
    assert "3 rows: 2 valid, 1 with errors." in preview
    events = select(func.count()).where(AuditEvent.action == "import_case")
    job_id = _commit_killed_after_its_transaction(
        app, staff, mailbox, INTAKE_URL, preview, lambda: _count(events) == 2
    )

    report = staff.get(f"/admin/exchange/job/{job_id}/", follow_redirects=True).get_data(
        as_text=True
    )
    assert "2 cases made, 0 applicants updated, 1 rows refused." in report
    assert "already registered" not in report and "expired" not in report
    assert _count(select(func.count()).select_from(Case)) == 2
    assert _count(events) == 2

    with clock.moved_by(timedelta(hours=app.config["JOB_KEEP_HOURS"], minutes=1)):
        assert remove_expired(db.session) == 1
    assert _job(job_id).report is None  # the names it lists are not kept past the result file


def test_a_numbers_commit_killed_after_its_transaction_reports_what_it_recorded(
    app, staff, certificates, mailbox
):
    preview = upload(staff, xlsx(GOOD)).get_data(as_text=True)
    assert "2 rows: 2 certificates to change, 0 rows with errors" in preview
    events = select(func.count()).where(AuditEvent.action == "import_bnsp_numbers")
    job_id = _commit_killed_after_its_transaction(
        app, staff, mailbox, NUMBERS_URL, preview, lambda: _count(events) == 2
    )

    report = staff.get(f"/admin/exchange/job/{job_id}/", follow_redirects=True).get_data(
        as_text=True
    )
    assert "BNSP numbers recorded on 2 certificates." in report
    assert "already recorded" not in report and "expired" not in report
    assert _count(events) == 2


def test_a_second_run_started_meanwhile_imports_nothing_and_keeps_the_first_report(
    app, staff, schedule, tmp_path
):
    """A run that loaded the job before the first run committed (a second worker, once the
    first one's lease ran out) rolls back and hands back the first run's report."""
    from sqlalchemy.orm import Session

    from portal import jobs
    from portal.exchange import import_jobs

    rows = [row(1), row(2)]
    preview = upload(staff, filled(staff, rows), "calon.xlsx", INTAKE_URL).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', preview).group(1)
    answer = staff.post(INTAKE_URL + "commit/", data={"csrf_token": csrf, "token": token})
    job_id = int(re.search(r"/admin/jobs/(\d+)/", answer.headers["Location"]).group(1))
    db.session.commit()
    with Session(db.engine) as second_worker:
        late = second_worker.get(Job, job_id)  # loaded before the first run commits
        jobs.run(db.session, job_id)  # the first run
        first = Path(_job(job_id).result_path).read_text(encoding="utf-8")
        made = json.loads(first)
        assert (len(made["made"]), made["refused"]) == (2, [])
        import_jobs.run(second_worker, late, lambda done, total: None, tmp_path / "second.out")
    assert (tmp_path / "second.out").read_text(encoding="utf-8") == first
    assert _job(job_id).report == first
    assert _count(select(func.count()).select_from(Case)) == 2

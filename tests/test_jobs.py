"""Long work as jobs: the certificate ZIP started from the admin runs in the real worker with
progress, survives a worker killed with -9, is downloaded by its owner only, and expires."""

from __future__ import annotations

import io
import os
import time
import zipfile
from datetime import timedelta
from pathlib import Path

from flask import Flask

from bench.bench_pdf import make_certificates
from portal import clock
from portal.extensions import db
from portal.jobs import remove_expired
from portal.models import Job
from tests.conftest import csrf_token, login, make_user

PERIOD = "?from=2025-01-01&to=2025-12-31"
COUNT = 60


def _job(job_id: int) -> Job:
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    db.session.rollback()
    return job


def _wait(job_id: int, done, timeout: float = 120, poll: float = 0.2) -> Job:
    deadline = time.monotonic() + timeout
    while not done(job := _job(job_id)):
        assert time.monotonic() < deadline, f"job {job_id} stuck at {job.status} {job.done}"
        time.sleep(poll)
    return job


def _start_zip(client) -> int:
    page = client.get(f"/admin/jobs/certificate-zip{PERIOD}").get_data(as_text=True)
    assert f"{COUNT}" in page and "Buat ZIP" in page
    token = csrf_token(client, f"/admin/jobs/certificate-zip{PERIOD}")
    answer = client.post(f"/admin/jobs/certificate-zip{PERIOD}", data={"csrf_token": token})
    assert answer.status_code == 302
    return int(answer.headers["Location"].rstrip("/").split("/")[-1])


def test_a_zip_job_survives_a_killed_worker_and_completes_once(app: Flask, client, mailbox):
    make_certificates(COUNT)
    make_user("kepala", "certification_head")
    login(client, "kepala")
    mailbox.stop_worker()
    job_id = _start_zip(client)
    # The ZIP's part file is a pipe the test reads a few certificates from and then no more: the
    # worker is held in the middle of the ZIP, however fast the machine renders.
    pipe = mailbox.start_worker_on_a_pipe(job_id)
    results = pipe.parent
    reader = os.open(pipe, os.O_RDONLY)  # returns once the worker has opened it to write
    received = 0
    while received < 3 * 64 * 1024:  # a few certificates' worth, more than the pipe holds
        chunk = os.read(reader, 64 * 1024)
        assert chunk, "the worker stopped writing the ZIP"
        received += len(chunk)
    _wait(job_id, lambda j: j.status == "running", poll=0.05)
    mailbox.kill_worker()  # kill -9 in the middle of the ZIP
    os.close(reader)
    pipe.unlink()
    assert _job(job_id).done < COUNT and not list(results.glob("*.out"))
    page = client.get(f"/admin/jobs/{job_id}/").get_data(as_text=True)
    assert f"dari {COUNT} selesai" in page and 'http-equiv="refresh"' in page

    mailbox.start_worker()  # the sweep at start finds the job's heartbeat stopped
    job = _wait(job_id, lambda j: j.status in ("done", "failed"))
    assert (job.status, job.done, job.total, job.attempts) == ("done", COUNT, COUNT, 2)

    page = client.get(f"/admin/jobs/{job_id}/").get_data(as_text=True)
    assert "100%" in page and "Unduh" in page and 'http-equiv="refresh"' not in page
    download = client.get(f"/admin/jobs/{job_id}/download")
    assert download.status_code == 200
    assert (
        "filename=sertifikat-2025-01-01-2025-12-31.zip" in download.headers["Content-Disposition"]
    )
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert len(names) == len(set(names)) == COUNT
    assert names[0] == "sertifikat-00001-LSP-PUST-KPK-2025.pdf"
    assert len(list(Path(app.config["JOB_RESULT_DIR"]).iterdir())) == 1  # no leftover part

    assert client.get("/admin/jobs/").status_code == 200
    other = app.test_client()
    make_user("lain", "certification_head")
    login(other, "lain")
    assert other.get(f"/admin/jobs/{job_id}/").status_code == 404
    assert other.get(f"/admin/jobs/{job_id}/download").status_code == 404

    keep = timedelta(hours=app.config["JOB_KEEP_HOURS"], minutes=1)
    with clock.moved_by(keep):
        assert remove_expired(db.session) == 1
    assert client.get(f"/admin/jobs/{job_id}/download").status_code == 404
    assert "telah dihapus" in client.get(f"/admin/jobs/{job_id}/").get_data(as_text=True)


def test_a_failed_job_says_why_in_indonesian(app: Flask, client, tmp_path):
    from portal import jobs

    make_certificates(3)
    user = make_user("kepala", "certification_head")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the results should go")
    app.config["JOB_RESULT_DIR"] = blocked
    job = jobs.start(
        db.session, user.id, "certificate_zip", "ZIP", {"ids": [1, 2, 3], "filename": "x.zip"}
    )
    jobs.run(db.session, job.id)  # as the worker would
    failed = _job(job.id)
    assert failed.status == "failed" and failed.error.startswith(
        "Pekerjaan berhenti karena kesalahan"
    )
    login(client, "kepala")
    page = client.get(f"/admin/jobs/{job.id}/").get_data(as_text=True)
    assert "Gagal" in page and "Pekerjaan berhenti karena kesalahan" in page
    assert client.get(f"/admin/jobs/{job.id}/download").status_code == 404


def test_a_jobs_inputs_keep_their_dates_and_times_through_json():
    import json
    from datetime import date, datetime, time

    from portal.jobs import jsonable, restored

    inputs = {
        "assessment_date": date(2026, 3, 2),
        "assessment_time": time(9, 30),
        "at": datetime(2026, 3, 2, 9, 30),
        "units": {7: {"methods": ["observasi"], "note": "x"}},
        "agreement_confirmed": True,
    }
    back = restored(json.loads(json.dumps(jsonable(inputs))))
    assert back == {**inputs, "units": {"7": inputs["units"][7]}}  # resolve_inputs reads int(k)

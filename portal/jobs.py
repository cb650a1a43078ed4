"""Long work as jobs: started in a request, run by the worker, followed on a progress page.

A job row holds what to do (kind, params), how far it is (done / total), its result file and why
it failed. The worker claims a job, beats while it works, writes the result to a temporary file
and renames it when complete, so a killed worker leaves no half result: the sweep sees the
heartbeat stop and runs the job again from the start, and its effect (one file) happens once.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from . import clock
from .models import Job
from .transactions import writing

BEAT_SECONDS = 1.0  # progress is written at most this often (and at the end)

Runner = Callable[[Session, Job, Callable[[int, int], None], Path], str]


def start(session: Session, user_id: int, kind: str, title: str, params: dict[str, Any]) -> Job:
    """Record a job for a person and hand it to the worker; returns the committed row."""
    if kind not in RUNNERS:
        raise ValueError(kind)
    job = Job(kind=kind, user_id=user_id, title=title, params=params, status="queued")
    with writing(session):
        session.add(job)
    from .worker.tasks import run_job

    try:
        run_job(job.id)
    except Exception:  # broker down: the sweep starts queued jobs it finds
        current_app.logger.exception("job %s not queued; the sweep will start it", job.id)
    return job


def run(session: Session, job_id: int) -> None:
    """Claim the job (unless another worker runs it) and run it to done or failed."""
    if not _claim(session, job_id):
        return
    job = session.get(Job, job_id)
    assert job is not None
    folder = Path(current_app.config["JOB_RESULT_DIR"])
    final = folder / f"job-{job.id}.out"
    partial_file = folder / f"job-{job.id}.part"
    progress = _Progress(session, job_id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        name = RUNNERS[job.kind](session, job, progress, partial_file)
    except Exception as error:
        session.rollback()
        current_app.logger.exception("job %s failed", job_id)
        with suppress(OSError):  # the folder itself may be what failed
            partial_file.unlink(missing_ok=True)
        _finish(session, job_id, status="failed", error=_reason(error))
        return
    os.replace(partial_file, final)  # atomic: the result appears complete or not at all
    keep = timedelta(hours=current_app.config["JOB_KEEP_HOURS"])
    _finish(
        session,
        job_id,
        status="done",
        result_name=name,
        result_path=str(final),
        expires_at=clock.now() + keep,
        done=progress.last_done,
    )


def _claim(session: Session, job_id: int) -> bool:
    """Take the job when it is queued, or running with a heartbeat older than the lease."""
    now = clock.now()
    stale = now - timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"])
    with writing(session):
        won = session.execute(
            update(Job)
            .where(Job.id == job_id, _runnable(stale))
            .values(
                status="running",
                started_at=now,
                heartbeat_at=now,
                attempts=Job.attempts + 1,
                done=0,
                error=None,
            )
        ).rowcount
    return bool(won)


def _runnable(stale: Any) -> Any:
    return or_(Job.status == "queued", (Job.status == "running") & (Job.heartbeat_at < stale))


def stale_jobs(session: Session) -> list[int]:
    """Jobs that no worker is running: queued long ago, or running without a heartbeat."""
    now = clock.now()
    stale = now - timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"])
    lost_queued = (Job.status == "queued") & (Job.created_at < stale)
    dead = (Job.status == "running") & (Job.heartbeat_at < stale)
    return list(session.scalars(select(Job.id).where(or_(lost_queued, dead)).order_by(Job.id)))


def remove_expired(session: Session) -> int:
    """Delete result files (and an import's report, the same text) past their keeping time;
    the rows stay, saying the file is gone."""
    expired = session.scalars(
        select(Job).where(Job.expires_at < clock.now(), Job.result_path.is_not(None))
    ).all()
    for job in expired:
        Path(job.result_path or "").unlink(missing_ok=True)
        job.result_path = job.report = None
    session.commit()
    return len(expired)


class _Progress:
    """Writes done / total and the heartbeat, at most once per BEAT_SECONDS."""

    def __init__(self, session: Session, job_id: int) -> None:
        self.session, self.job_id = session, job_id
        self.last_write = 0.0
        self.last_done = 0

    def __call__(self, done: int, total: int) -> None:
        self.last_done = done
        if time.monotonic() - self.last_write < BEAT_SECONDS and done < total:
            return
        self.last_write = time.monotonic()
        with writing(self.session):
            self.session.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(done=done, total=total, heartbeat_at=clock.now())
            )


def _finish(session: Session, job_id: int, **values: Any) -> None:
    with writing(session):
        session.execute(
            update(Job).where(Job.id == job_id).values(finished_at=clock.now(), **values)
        )


def _reason(error: Exception) -> str:
    """Why the job failed, in Indonesian (the person reads it on the progress page)."""
    with force_locale("id"):
        return gettext("The job stopped with an error: %(error)s", error=str(error)[:500])


# --- the kinds of job ------------------------------------------------------------------------


def certificate_zip_job(
    session: Session, job: Job, progress: Callable[[int, int], None], out: Path
) -> str:
    """The certificate ZIP of documents/bulk.py, written to a file with progress per PDF."""
    from .documents.archive import keeper, loader
    from .documents.bulk import certificate_zip
    from .documents.certificate import CertificateSettings

    ids: list[int] = job.params["ids"]
    settings = CertificateSettings.from_config(current_app.config)
    chunks = certificate_zip(
        ids, loader(session, settings), settings, keep=keeper(session, settings)
    )
    progress(0, len(ids))
    with out.open("wb") as file:
        for done, data in _counted(chunks, len(ids)):
            file.write(data)
            progress(done, len(ids))
    return job.params["filename"]


def _counted(chunks: Iterator[bytes], total: int) -> Iterator[tuple[int, bytes]]:
    """certificate_zip yields once per certificate, then once to close the archive."""
    for index, data in enumerate(chunks, start=1):
        yield min(index, total), data


def case_action_job(
    session: Session, job: Job, progress: Callable[[int, int], None], out: Path
) -> str:
    """A workflow action on "all matching" cases, in batches with progress; the report (done,
    and each case skipped with its reason) kept as JSON for the case list's report page."""
    from .casework import apply
    from .models import User

    actor = session.get(User, job.user_id)
    outcome = apply(
        session,
        job.params["action"],
        job.params["ids"],
        actor,
        restored(job.params["inputs"]),
        current_app.config,
        progress=progress,
    )
    skipped = [(cid, reg, r.msgid, jsonable(r.params)) for cid, reg, r in outcome.skipped]
    report = {"action": job.params["action"], "done": len(outcome.done), "skipped": skipped}
    out.write_text(json.dumps(report), encoding="utf-8")
    return "report.json"


def export_job(session: Session, job: Job, progress: Callable[[int, int], None], out: Path) -> str:
    """A list's export of many rows (admin_views/export.py), written to the result file."""
    from .admin_views.export import write_job

    return write_job(session, job, progress, out)


def bnsp_sheet_job(
    session: Session, job: Job, progress: Callable[[int, int], None], out: Path
) -> str:
    """The BNSP sheet of many cases (exchange/bnsp_sheet.py), written to the result file."""
    from .admin_views.export import save, table_body
    from .exchange.bnsp_sheet import cells_by_id
    from .rules.bnsp import COLUMNS

    ids, params = job.params["ids"], job.params
    cells = cells_by_id(session, ids, progress)
    save(table_body(params["type"], list(COLUMNS), cells, "BNSP", params["delimiter"]), out)
    progress(len(ids), len(ids))
    return params["filename"]


def import_job(session: Session, job: Job, progress: Callable[[int, int], None], out: Path) -> str:
    """An import's check or commit (exchange/import_jobs.py), its report kept as JSON."""
    from .exchange import import_jobs

    return import_jobs.run(session, job, progress, out)


RUNNERS: dict[str, Runner] = {
    "certificate_zip": certificate_zip_job,
    "import_check": import_job,
    "import_commit": import_job,
    "case_action": case_action_job,
    "export": export_job,
    "bnsp_sheet": bnsp_sheet_job,
}


def jsonable(value: Any) -> Any:
    """A job's inputs as JSON can keep them: dates and times tagged, to be `restored`."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date | day_time):
        return {"$" + type(value).__name__: value.isoformat()}
    return value


_TAGS = {"$date": date, "$datetime": datetime, "$time": day_time}


def restored(value: Any) -> Any:
    """What `jsonable` kept, with its dates and times back."""
    if isinstance(value, list):
        return [restored(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and next(iter(value)) in _TAGS:
        tag, text = next(iter(value.items()))
        return _TAGS[tag].fromisoformat(text)
    return {k: restored(v) for k, v in value.items()}

"""What the worker runs: outbox delivery, jobs, signing certificates at issue, the minute sweep,
the daily reminders and the hourly look for staff digests due.

Huey keeps the queue; the database keeps the truth. A task lost with a killed worker is
recovered from the rows: the sweep (every minute, and once when a worker starts) delivers what
is due and restarts jobs whose worker stopped beating.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from huey import crontab

from .engine import huey

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)
_app: Flask | None = None


def bind(app: Flask) -> None:
    """The application whose database and settings the tasks use (the worker's own)."""
    global _app
    _app = app


def _context() -> AbstractContextManager:
    if _app is None:
        raise RuntimeError("the worker tasks run inside `flask worker` (no application bound)")
    return _app.app_context()


@huey.task(name="deliver")
def deliver() -> int:
    """Send every outbox message that is due."""
    from flask import current_app

    from .. import clock
    from ..extensions import db
    from .delivery import deliver_due, next_due

    with _context():
        try:
            sent = deliver_due(db.session, current_app.config)
            waiting = next_due(db.session) if current_app.config["MAIL_SERVER"] else None
        finally:
            db.session.remove()
    if waiting is not None:  # a retry or a dead worker's lease ends before the next sweep
        delay = (waiting - clock.now()).total_seconds()
        if delay < 60:
            deliver.schedule(delay=max(delay, 0) + 0.1)
    return sent


@huey.task(name="run_job")
def run_job(job_id: int) -> None:
    """Run one job to its end (or to a failure the person can read)."""
    from ..extensions import db
    from ..jobs import run

    with _context():
        try:
            run(db.session, job_id)
        finally:
            db.session.remove()


@huey.task(name="sign_certificates")
def sign_certificates(ids: list[int] | None = None) -> int:
    """Sign and store certificates just issued (None: recent ones whose hand-over was lost)."""
    from flask import current_app

    from ..documents.archive import sign_issued
    from ..extensions import db

    with _context():
        try:
            return sign_issued(db.session, current_app.config, ids)
        finally:
            db.session.remove()


@huey.periodic_task(crontab(minute="*/10"), name="sign_missed")
def sign_missed() -> None:
    """Every ten minutes: sign recent certificates whose signing job was lost (a killed worker)."""
    sign_certificates.call_local()


@huey.periodic_task(crontab(minute="*"), name="sweep")
def sweep() -> None:
    """Every minute: deliver what is due, restart abandoned jobs, remove expired results and
    the import uploads left at their preview."""
    from ..exchange import pending
    from ..extensions import db
    from ..jobs import remove_expired, stale_jobs

    deliver.call_local()
    with _context():
        try:
            for job_id in stale_jobs(db.session):
                run_job(job_id)
            remove_expired(db.session)
            pending.sweep()
        finally:
            db.session.remove()


@huey.periodic_task(crontab(hour="1", minute="0"), name="reminders")
def reminders() -> None:
    """Every day at 08:00 in Jakarta (01:00 UTC): the reminders to certificate holders."""
    from ..clock import lsp_today
    from ..extensions import db
    from ..reminders import send_reminders

    with _context():
        try:
            send_reminders(db.session, lsp_today())
        finally:
            db.session.remove()


@huey.periodic_task(crontab(minute="0"), name="digest")
def digest() -> None:
    """Every hour: the staff daily digests due (from DIGEST_HOUR on, once a day per person)."""
    from ..digest import send_digests
    from ..extensions import db

    with _context():
        try:
            send_digests(db.session)
        finally:
            db.session.remove()


@huey.on_startup(name="resume")
def resume() -> None:
    """A (re)started worker first takes up what a killed one left."""
    sweep.call_local()

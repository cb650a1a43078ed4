"""Background work benchmark: a 1,000-certificate ZIP as a job, and outbox delivery rate.

Runs the real worker (`flask --app portal worker`) on a fresh SQLite database against a real
SMTP server on loopback (aiosmtpd), and reports: the ZIP job's wall time from the click to the
finished file and the worker's peak resident memory (the process and its render processes,
sampled from /proc), and messages per second delivered to the SMTP server.

Run: .venv/bin/python -m bench.bench_jobs [--count 1000] [--messages 1000]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from bench.bench_pdf import TreeMemory, make_certificates
from portal import create_app
from portal.extensions import db
from portal.models import Job, User
from portal.outbox import queue_email
from portal.transactions import writing
from portal.worker.engine import configure

PROJECT = Path(__file__).resolve().parent.parent


class Counter:
    """An SMTP handler that only counts what it accepts."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        with self.lock:
            self.count += 1
        return "250 OK"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates in the ZIP")
    parser.add_argument("--messages", type=int, default=1000, help="messages to deliver")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    counter, port = Counter(), _port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/portal.db",
        "BROKER_URL": f"sqlite:///{folder}/broker.db",
        "BROKER_QUEUE": "bench",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "JOB_RESULT_DIR": folder / "jobs",
    }
    app = create_app({"TESTING": True, **settings})
    env = {**os.environ, **{k: str(v) for k, v in settings.items()}, "SECRET_KEY": "bench"}
    env["DATABASE_URL"] = settings["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.create_all()
        configure(app.config)
        ids = make_certificates(args.count)
        user = User(username="bench", full_name="Bench", password_hash="-")
        db.session.add(user)
        db.session.commit()
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "worker"],
            cwd=PROJECT,
            env=env,
            stdout=(folder / "worker.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            time.sleep(3)  # the worker's start-up, not part of either figure
            memory = TreeMemory(root=worker.pid)
            memory.start()
            from portal import jobs

            began = time.perf_counter()
            with app.test_request_context():
                job = jobs.start(
                    db.session,
                    user.id,
                    "certificate_zip",
                    "bench",
                    {"ids": ids, "filename": "b.zip"},
                )
            while (state := _status(job.id)) not in ("done", "failed"):
                time.sleep(0.1)
            seconds = time.perf_counter() - began
            peak = memory.stop()
            size = Path(db.session.get(Job, job.id).result_path or "").stat().st_size
            print(
                f"ZIP job of {args.count} certificates: {state}, {seconds:.1f} s wall, "
                f"{size / 1024 / 1024:.1f} MB, worker peak RSS {peak / 1024:.0f} MB"
            )

            began = time.perf_counter()
            with writing(db.session):
                for n in range(args.messages):
                    queue_email(
                        db.session,
                        to=f"asesi{n}@example.org",
                        template="application_received",
                        context={"name": "Asesi", "reg_number": f"B-{n}", "scheme": "KLP"},
                        key=f"bench:{n}",
                    )
            while counter.count < args.messages:
                time.sleep(0.05)
            seconds = time.perf_counter() - began
            print(
                f"outbox: {args.messages} messages to the loopback SMTP server in {seconds:.1f} s, "
                f"{args.messages / seconds:.0f} messages/s"
            )
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            controller.stop()


def _status(job_id: int) -> str:
    db.session.expire_all()
    status = db.session.get(Job, job_id).status
    db.session.rollback()
    return status


if __name__ == "__main__":
    main()

"""A real SMTP server on loopback (aiosmtpd) and a real worker process (`flask worker`).

The `mailbox` fixture points the test's app at a fresh broker file, starts the SMTP server on a
free port and one worker on the test's database, and returns a `Mailbox`: the messages the
server received, a way to wait for them, and the worker to kill (-9) and start again.
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage
from portal.worker.engine import configure

PROJECT = Path(__file__).resolve().parent.parent


class _Handler:
    """Keeps every message the server accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class Mailbox:
    """What the loopback SMTP server received, and the worker process that sends to it."""

    def __init__(self, app: Flask, handler: _Handler, env: dict[str, str], log: Path) -> None:
        self.app, self.handler, self.env, self.log = app, handler, env, log
        self.worker: subprocess.Popen | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages received for one recipient."""
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived (fails after `timeout` seconds)."""
        _end_the_tests_transaction()
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{len(self.messages)} of {count} messages after {timeout} s; "
                    f"worker log:\n{self.log.read_text()[-3000:]}"
                )
            time.sleep(0.05)
        return self.messages

    def recorded(self, key: str, timeout: float = 30) -> OutboxMessage:
        """The outbox row of `key` once the worker has recorded it as sent.

        The worker commits "sent" after the server's reply, so a message can arrive a moment
        before its row says so.
        """
        _end_the_tests_transaction()
        deadline = time.monotonic() + timeout
        while True:
            db.session.expire_all()
            row = db.session.scalars(select(OutboxMessage).filter_by(key=key)).one()
            db.session.commit()
            if row.status == "sent" or time.monotonic() > deadline:
                return row
            time.sleep(0.05)

    def settled_rows(self, timeout: float = 30) -> list[OutboxMessage]:
        """Every outbox row once the worker has finished with each (sent or failed)."""
        _end_the_tests_transaction()
        deadline = time.monotonic() + timeout
        while True:
            db.session.expire_all()
            rows = db.session.scalars(select(OutboxMessage)).all()
            db.session.commit()
            pending = [r.key for r in rows if r.status not in ("sent", "failed")]
            if not pending:
                return rows
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(pending)} messages still pending after {timeout} s")
            time.sleep(0.1)

    def settle(self, seconds: float = 1.0) -> list[EmailMessage]:
        """The messages once nothing more arrived for `seconds` (to check that none was extra)."""
        _end_the_tests_transaction()
        seen = -1
        while seen != len(self.messages):
            seen = len(self.messages)
            time.sleep(seconds)
        return self.messages

    def start_worker(self) -> None:
        """Start `flask worker` in its own process group (so a kill takes its children too)."""
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "worker"],
            cwd=PROJECT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_worker(self) -> None:
        """kill -9 the worker and everything it started, as a crash or power cut would."""
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()
        self.worker = None

    def restart_worker(self, **env: str) -> None:
        """Start the worker again with more settings (e.g. a signing key set by the test)."""
        self.stop_worker()
        self.env.update(env)
        self.start_worker()

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.kill_worker()

    def start_worker_on_a_pipe(self, job_id: int) -> Path:
        """Start the worker with the queued job's part file made a pipe: the worker blocks when it
        writes its result (until the test reads it), so a test can kill it at a known point."""
        db.session.commit()  # the job's row is the worker's to take
        results = Path(self.app.config["JOB_RESULT_DIR"])
        results.mkdir(parents=True, exist_ok=True)
        pipe = results / f"job-{job_id}.part"
        os.mkfifo(pipe)
        self.start_worker()
        return pipe


def _end_the_tests_transaction() -> None:
    """The test's app context outlives its requests, so its session may still hold the
    transaction a request began (on SQLite a POST's is a write lock, kept until the request's
    teardown removes the session in production): end it, so that the worker can write."""
    db.session.commit()


def _free_port() -> int:
    """A loopback port nobody listens on (aiosmtpd checks readiness by connecting to it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_answers() -> bool:
    """True when the production broker (Redis) answers on loopback."""
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def mailbox(request, app: Flask, tmp_path: Path) -> Iterator[Mailbox]:
    """A loopback SMTP server and a running worker sharing the test's database and broker.

    Parametrise indirectly with "redis" to use the production broker (a queue of its own per
    test run on the shared Redis; skipped, saying so, when Redis does not answer).
    """
    broker = getattr(request, "param", "sqlite")
    if broker == "redis" and not redis_answers():
        pytest.skip(f"SKIPPED: Redis does not answer at {REDIS_URL}; the Redis broker is untested")
    handler = _Handler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "BROKER_URL": REDIS_URL if broker == "redis" else f"sqlite:///{tmp_path}/broker.db",
        "BROKER_QUEUE": f"test-{os.getpid()}-{time.monotonic_ns()}",
        "WORKER_LEASE_SECONDS": 5,
        "MAIL_RETRY_SECONDS": 1,
        "JOB_RESULT_DIR": tmp_path / "jobs",
    }
    app.config.update(settings)
    configure(app.config)
    env = {
        **os.environ,
        **{k: str(v) for k, v in settings.items()},
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],  # the test app's own random key
        "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
        "PORTAL_DEMO": "0",
        "UPLOAD_DIR": str(app.config["UPLOAD_DIR"]),
    }
    box = Mailbox(app, handler, env, tmp_path / "worker.log")
    box.start_worker()
    try:
        yield box
    finally:
        box.stop_worker()
        controller.stop()
        from portal.worker.engine import huey

        huey.storage.flush_all()  # this run's queue only (keys carry BROKER_QUEUE)

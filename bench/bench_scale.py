"""Scale benchmark (issue 8): lists, bulk actions and exports at 100,000 cases, over HTTP.

For SQLite (a file), then PostgreSQL when it answers at --pg-url's server: a fresh database is
migrated and seeded with `flask seed-demo --cases N`, served by gunicorn (2 sync workers) on a
free loopback port, and measured as demo users over HTTP:

- list pages, the case page and the dashboard: median and p95 ms over --requests requests
  after warm-up, and the SQL queries each page runs (counted in-process with a cursor hook,
  the logged-in user's load included, after one warm-up request);
- bulk actions on 1,000 selected cases (verify, decide, issue), through the service and through
  the action form's POST, and an action on every case matching a filter (withdraw of the
  draft, submitted and returned cases: about 11,000 at 100,000 cases);
- CSV and XLSX exports of the whole case list, as jobs on the portal's worker (started beside
  gunicorn, as `make run` does): time from the confirmation's POST to the file's last byte, and
  the worker's peak resident memory, its render processes included (sampled from /proc).

Each bulk run is undone after it is timed (the rows it changed are restored from a snapshot),
so every run meets the same data. Requests go to 127.0.0.1 only, in bounded loops. The
PostgreSQL database (`bench_portal` unless --pg-db) is dropped afterwards.

    .venv/bin/python bench/bench_scale.py [--cases 100000] [--requests 30] [--only sqlite]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench_pdf import TreeMemory, _rss_kb, _tree  # the worker's memory, render processes included

PROJECT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DEMO_PASSWORD = "demo-pustakawan-2026"
NAME = "wijaya"  # a family name of the demo data: about one applicant in eighteen
BULK = 1_000
BULK_RUNS = 5
# issue 8's targets: p50 ms of pages at 100,000 cases per database (also shown, as a guide, for
# smaller runs), and of the first page at 1,000,000 on PostgreSQL; bulk medians (SQLite); exports
PAGE_TARGETS = {
    "sqlite": {
        "case list, first page": 35,
        "case list, name search": 60,
        "case list, page 1,000": 55,
    },
    "postgresql": {
        "case list, first page": 45,
        "case list, name search": 60,
        "case list, page 1,000": 55,
    },
}
MILLION_TARGETS = {"case list, first page": 150}
BULK_TARGETS = {"verify": 60, "decide": 200, "issue": 300}
MATCHING_TARGET_S = 5.0
EXPORT_TARGET_S, EXPORT_TARGET_MB = 10.0, 150


# --- the server and a browser ------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], log: Path, workers: int = 2) -> Iterator[Server]:
    """gunicorn with sync workers serving the portal on a free loopback port, stopped afterwards."""
    import gunicorn.config

    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    if any(s.name == "control_socket_disable" for s in gunicorn.config.KNOWN_SETTINGS):
        command.append("--no-control-socket")  # gunicorn 24+: no socket shared between runs
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [*command, "portal:create_app()"], env=env, cwd=PROJECT, stdout=out, stderr=out
        )
    server = Server(process, port)
    try:
        server.wait_ready()
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def job_worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """The portal's job worker (as `make run` starts it beside the server), killed afterwards."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "worker"],
            env=env,
            cwd=PROJECT,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    try:
        time.sleep(3)  # its start-up, not part of any figure
        yield process
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@dataclass
class Server:
    """A running gunicorn: its master process and port."""

    process: subprocess.Popen
    port: int

    def wait_ready(self, seconds: float = 60) -> None:
        """Wait until the login page answers (bounded)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn stopped; see its log")
            try:
                if Browser(self.port).request("GET", "/login")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within a minute")

    def workers(self) -> list[int]:
        """The worker processes' ids."""
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            try:
                pids += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                pass
        return pids


@dataclass
class Browser:
    """A client with a cookie jar, one connection per request (gunicorn's sync workers close it)."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    location: str = ""  # where the last response redirected to

    def request(
        self, method: str, path: str, form: list[tuple[str, str]] | None = None, sink: bool = False
    ) -> tuple[int, bytes, int]:
        """(status, body, bytes received); with `sink` the body is counted, not kept."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        kept, size = [], 0
        while chunk := response.read(256 * 1024):
            size += len(chunk)
            if not sink:
                kept.append(chunk)
        self.location = response.getheader("Location", "")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        connection.close()
        return response.status, b"".join(kept), size

    def get(self, path: str) -> bytes:
        status, body, _size = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        return body

    def token(self, path: str) -> str:
        """The CSRF token of a page's form."""
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', self.get(path))
        if not match:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1).decode()

    def login(self, username: str) -> Browser:
        token = self.token("/login")
        form = [("username", username), ("password", DEMO_PASSWORD), ("csrf_token", token)]
        status, _body, _size = self.request("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"login as {username}: {status}")
        return self


def timings(browser: Browser, path: str, requests: int) -> list[float]:
    """Milliseconds of `requests` GETs of a page, after three warm-up requests."""
    for _ in range(3):
        browser.get(path)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        browser.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return times


def p50_p95(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


# --- the database ------------------------------------------------------------------------------


@dataclass
class Target:
    """One database under test."""

    kind: str  # sqlite | postgresql
    url: str
    upload_dir: Path
    seconds_seeded: float = 0.0

    def env(self) -> dict[str, str]:
        return os.environ | {
            "PORTAL_DEMO": "1",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": self.url,
            "UPLOAD_DIR": str(self.upload_dir),
            "BROKER_URL": f"sqlite:///{self.upload_dir.parent / f'broker-{self.kind}.db'}",
            "JOB_RESULT_DIR": str(self.upload_dir.parent / f"jobs-{self.kind}"),
        }


SECRET = secrets.token_hex(32)


def flask_command(target: Target, *args: str) -> None:
    """Run one of the portal's CLI commands on the target database, as an operator would."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "portal", *args],
        env=target.env(),
        cwd=PROJECT,
        check=True,
        capture_output=True,
    )


def seed(target: Target, cases: int) -> None:
    """Migrate an empty database and seed the demo data; then refresh the planner statistics."""
    start = time.perf_counter()
    flask_command(target, "init-db")
    flask_command(target, "seed-demo", "--cases", str(cases))
    target.seconds_seeded = time.perf_counter() - start
    if target.kind == "postgresql":  # autovacuum would, some time later
        with _pg_admin(target.url, database=True) as connection:
            connection.execute("VACUUM ANALYZE")


@contextmanager
def _pg_admin(url: str, database: bool = False) -> Iterator[object]:
    """An autocommit connection to the server's `postgres` database (or to the URL's own)."""
    import psycopg

    parts = urllib.parse.urlsplit(url.replace("+psycopg", ""))
    path = parts.path if database else "/postgres"
    with psycopg.connect(parts._replace(path=path).geturl(), autocommit=True) as connection:
        yield connection


@contextmanager
def scratch_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server (one left by an earlier run is dropped
    first), dropped afterwards; its URL."""
    with _pg_admin(server_url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlsplit(server_url)._replace(path=f"/{name}").geturl()
    finally:
        with _pg_admin(server_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_answers(url: str) -> bool:
    try:
        with _pg_admin(url):
            return True
    except Exception:  # noqa: BLE001 - any failure means: not there
        return False


def in_process_app(target: Target):  # noqa: ANN201
    """The application on the target database, for query counts and direct service calls."""
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": target.url,
            "UPLOAD_DIR": target.upload_dir,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": SECRET,
            "DEMO": True,  # the demo portal, as served (PUBLIC_BASE_URL unset)
        }
    )


# --- pages ---------------------------------------------------------------------------------------


def case_view(app):  # noqa: ANN001, ANN201
    """The admin's case list view (its filters give the list's URL arguments)."""
    return next(v for v in app.extensions["portal_admin"]._views if v.endpoint == "case")


def pages(app) -> list[tuple[str, str]]:  # noqa: ANN001
    """(name, path) of the measured pages, with filter arguments read from the case view."""
    from flask_admin.contrib.sqla.filters import FilterEqual, FilterInList
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Case

    view = case_view(app)
    position = {
        key: n
        for n, flt in enumerate(view._filters)
        for key in [(flt.column.key, type(flt).__name__)]
    }
    status = position[("status", FilterEqual.__name__)]
    scheme = position[("scheme_id", "LookupFilter")]
    with app.app_context():
        scheme_id = db.session.scalar(
            select(Case.scheme_id).group_by(Case.scheme_id).order_by(func.count().desc()).limit(1)
        )
        middle = db.session.scalar(select(func.max(Case.id))) // 2
    assert FilterInList  # the matching-filter action below uses status' in-list filter
    return [
        ("case list, first page", "/admin/case/"),
        ("case list, 100 per page", "/admin/case/?page_size=100"),
        (
            "case list, status + scheme",
            f"/admin/case/?flt0_{status}=verified&flt1_{scheme}={scheme_id}",
        ),
        ("case list, name search", f"/admin/case/?search={NAME}"),
        ("case list, page 1,000", "/admin/case/?page=999"),
        ("case page", f"/admin/case/details/?id={middle}"),
        ("dashboard", "/admin/"),
        ("certificate list", "/admin/certificate/"),
        ("certificate search", f"/admin/certificate/?search={NAME}"),
        ("applicant list", "/admin/applicant/"),
        ("applicant search", f"/admin/applicant/?search={NAME}"),
    ]


def query_counts(app, paths: list[tuple[str, str]], username: str) -> dict[str, int]:  # noqa: ANN001
    """The SQL statements each page runs (BEGIN and the like not counted), after a warm-up."""
    from sqlalchemy import event

    from portal.extensions import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        client = app.test_client()
        client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        counts = {}
        for name, path in paths:
            client.get(path)
            statements.clear()
            client.get(path)
            counts[name] = len(statements)
        return counts
    finally:
        event.remove(engine, "before_cursor_execute", count)


# --- bulk actions --------------------------------------------------------------------------------


class Snapshot:
    """The rows an action may change, put back after a timed run: the cases and their units,
    certificates they replace, the number counters; rows the action added are deleted (its
    queued e-mails too: kept, each run's keys for the same cases would pile up in the outbox's
    indexes, and every later run would write more pages than the one before)."""

    ADDED = ("audit_event", "appeal", "certificate", "outbox_message")  # child tables first

    def __init__(self, session, case_ids: list[int]) -> None:  # noqa: ANN001
        from sqlalchemy import func, select

        from portal.models import Case, CaseUnit, Certificate, NumberCounter

        self.tables = {m.__tablename__: m.__table__ for m in (Case, CaseUnit, Certificate)}
        self.counters = [
            dict(r) for r in session.execute(select(NumberCounter.__table__)).mappings()
        ]
        self.rows: dict[str, list[dict]] = {"case": [], "case_unit": [], "certificate": []}
        for chunk in _chunks(case_ids):
            case, unit, cert = (self.tables[n].c for n in ("case", "case_unit", "certificate"))
            self.rows["case"] += _rows(
                session, select(self.tables["case"]).where(case.id.in_(chunk))
            )
            self.rows["case_unit"] += _rows(
                session, select(self.tables["case_unit"]).where(unit.case_id.in_(chunk))
            )
            replaced = select(case.previous_certificate_id).where(case.id.in_(chunk))
            self.rows["certificate"] += _rows(
                session, select(self.tables["certificate"]).where(cert.id.in_(replaced))
            )
        self.last = {}
        for name in self.ADDED:
            table = Case.metadata.tables[name]
            self.last[name] = session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
        session.commit()

    def restore(self, session) -> None:  # noqa: ANN001
        from sqlalchemy import bindparam, delete, update

        from portal.models import Case, NumberCounter

        for name in self.ADDED:
            table = Case.metadata.tables[name]
            session.execute(delete(table).where(table.c.id > self.last[name]))
        for name, rows in self.rows.items():
            if rows:
                table = self.tables[name]
                values = {c.name: bindparam(c.name) for c in table.c if c.name != "id"}
                statement = update(table).where(table.c.id == bindparam("row_id")).values(values)
                session.execute(statement, [row | {"row_id": row["id"]} for row in rows])
        counter = NumberCounter.__table__
        session.execute(
            update(counter).where(counter.c.series == bindparam("s")).values(value=bindparam("v")),
            [{"s": row["series"], "v": row["value"]} for row in self.counters],
        )
        session.commit()


def _chunks(ids: list[int], size: int = 2000) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _rows(session, statement) -> list[dict]:  # noqa: ANN001
    return [dict(row) for row in session.execute(statement).mappings()]


@dataclass
class BulkCase:
    """One measured bulk action: who does it to which cases, with which inputs."""

    name: str
    action: str
    username: str
    ids: list[int]
    inputs: dict
    form: list[tuple[str, str]]
    query: str = ""  # "all matching" instead of ids: the list's filter arguments


def bulk_cases(app) -> list[BulkCase]:  # noqa: ANN001
    """1,000 cases for each of verify, decide and issue, and the filter for the matching run."""
    from sqlalchemy import select, update

    from portal.extensions import db
    from portal.models import Attachment, Case, DecisionMeeting

    def ids(status: str) -> list[int]:
        query = (
            select(Case.id)
            .where(Case.status == status, Case.previous_certificate_id.is_(None))
            .order_by(Case.id)
            .limit(BULK)
        )
        return list(db.session.scalars(query))

    with app.app_context():
        verify = ids("submitted")
        # demo cases wait for the secretariat to judge their documents first: judged here
        db.session.execute(
            update(Attachment)
            .where(Attachment.case_id.in_(verify), Attachment.is_current.is_(True))
            .values(present=True, adequate=True)
        )
        db.session.commit()
        meeting = db.session.scalar(
            select(DecisionMeeting.id).order_by(DecisionMeeting.held_on.desc()).limit(1)
        )
        view = case_view(app)
        in_list = next(
            n
            for n, flt in enumerate(view._filters)
            if flt.column.key == "status" and type(flt).__name__ == "FilterInList"
        )
        matching = "draft,submitted,returned"
        matching_ids = list(
            db.session.scalars(select(Case.id).where(Case.status.in_(matching.split(","))))
        )
        cases = [
            BulkCase("verify", "verify", "sekretariat", verify, {}, []),
            BulkCase(
                "decide",
                "decide",
                "ketua",
                ids("assessed"),
                {"meeting_id": meeting},
                [("meeting_id", str(meeting)), ("unitall__verdict", "")],
            ),
            BulkCase("issue", "issue", "ketua", ids("competent"), {}, [("issued_on", "")]),
            BulkCase(
                f"withdraw all matching ({len(matching_ids):,})",
                "withdraw",
                "sekretariat",
                matching_ids,
                {"reason": "Benchmark"},
                [("reason", "Benchmark")],
                query=f"all=1&flt0_{in_list}={matching}",
            ),
        ]
        db.session.remove()
    return cases


def run_service(app, case: BulkCase, runs: int) -> tuple[list[float], int]:  # noqa: ANN001
    """Milliseconds of `runs` direct service calls after a warm-up one (each undone), and the
    cases each did."""
    from sqlalchemy import select

    from portal import casework
    from portal.extensions import db
    from portal.models import User

    times, done = [], 0
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == case.username))
        snapshot = Snapshot(db.session, case.ids)
        for _ in range(runs + 1):
            start = time.perf_counter()
            outcome = casework.apply(
                db.session, case.action, case.ids, user, case.inputs, app.config
            )
            times.append((time.perf_counter() - start) * 1000)
            done = len(outcome.done)
            snapshot.restore(db.session)
        db.session.remove()
    return times[1:], done


def run_http(app, browser: Browser, case: BulkCase, runs: int) -> tuple[list[float], int]:  # noqa: ANN001
    """Milliseconds of `runs` POSTs of the action form after a warm-up one (each undone), and
    the cases each did."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import AuditEvent

    token = browser.token(f"/admin/case/act/{case.action}/?id={case.ids[0]}")
    if case.query:
        path, ids = f"/admin/case/act/{case.action}/?{case.query}", []
    else:
        path, ids = f"/admin/case/act/{case.action}/", [("id", str(i)) for i in case.ids]
    form = [("csrf_token", token), ("apply", "1"), *ids, *case.form]
    times, done = [], 0
    with app.app_context():
        snapshot = Snapshot(db.session, case.ids)
        for _ in range(runs + 1):
            before = db.session.scalar(select(func.max(AuditEvent.id)))
            db.session.commit()
            start = time.perf_counter()
            status, _body, _size = browser.request("POST", path, form)
            if status not in (200, 302):
                raise RuntimeError(f"POST {path}: {status}")
            if (job_id := job_started(browser)) is not None:  # "all matching": the worker's
                wait_for_job(app, job_id)
            times.append((time.perf_counter() - start) * 1000)
            done = db.session.scalar(
                select(func.count()).where(AuditEvent.id > before, AuditEvent.action == case.action)
            )
            snapshot.restore(db.session)
        db.session.remove()
    return times[1:], done


# --- exports -------------------------------------------------------------------------------------


def job_started(browser: Browser) -> int | None:
    """The job a POST started (it redirects to the job's page), or None."""
    match = re.search(r"/admin/jobs/(\d+)/", browser.location)
    return int(match.group(1)) if match else None


def wait_for_job(app, job_id: int) -> str:  # noqa: ANN001
    """Poll the job's row until the worker has finished it; its final status."""
    from portal.extensions import db
    from portal.models import Job

    with app.app_context():
        while (status := db.session.get(Job, job_id).status) not in ("done", "failed"):
            db.session.rollback()
            time.sleep(0.05)
        db.session.remove()
    return status


def run_export(
    app,
    worker: subprocess.Popen,
    browser: Browser,
    export_type: str,  # noqa: ANN001
) -> tuple[float, float, float, float]:
    """The whole case list exported as a person does it: the confirmation's POST starts a job,
    the worker writes the file, the person downloads it. (Seconds from the POST to the file's
    last byte, MB, the worker's RSS before and its peak during, in MB, render processes included.)"""
    path = f"/admin/case/export/{export_type}/"
    token = browser.token(path)  # the confirmation page: above INLINE_MAX_ROWS it is a job
    before = sum(map(_rss_kb, _tree(worker.pid))) / 1024
    memory = TreeMemory(root=worker.pid)
    memory.start()
    start = time.perf_counter()
    status, _body, _size = browser.request("POST", path, [("csrf_token", token)])
    job_id = job_started(browser)
    if status != 302 or job_id is None:
        raise RuntimeError(f"export {export_type}: {status}, no job started")
    if (state := wait_for_job(app, job_id)) != "done":
        raise RuntimeError(f"export {export_type}: job {job_id} {state}")
    status, _body, size = browser.request("GET", f"/admin/jobs/{job_id}/download", sink=True)
    seconds = time.perf_counter() - start
    peak = memory.stop() / 1024
    if status != 200:
        raise RuntimeError(f"export {export_type} download: {status}")
    return seconds, size / 1024 / 1024, before, peak


# --- one database --------------------------------------------------------------------------------


def measure(target: Target, args: argparse.Namespace, log: Path) -> None:
    """Everything for one database (only its pages with --pages-only), printed as it comes."""
    cases, requests = args.cases, args.requests
    from portal.extensions import db

    label = {"sqlite": "SQLite (file, WAL)", "postgresql": "PostgreSQL"}[target.kind]
    print(f"\n== {label}: {cases:,} demo cases, seeded in {target.seconds_seeded:.0f} s")
    app = in_process_app(target)
    paths = pages(app)
    counts = {} if args.exports_only else query_counts(app, paths, "sekretariat")
    with gunicorn(target.env(), log) as server, job_worker(target.env(), log) as worker:
        browser = Browser(server.port).login("sekretariat")
        print(f"{'page (as sekretariat)':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}  target")
        for name, path in [] if args.exports_only else paths:
            p50, p95 = p50_p95(timings(browser, path, requests))
            targets = MILLION_TARGETS if cases >= 1_000_000 else PAGE_TARGETS[target.kind]
            limit = targets.get(name)
            verdict = f"p50 <= {limit}: {'OK' if p50 <= limit else 'MISSED'}" if limit else ""
            print(f"{name:34} {p50:8.1f} {p95:8.1f} {counts[name]:8d}  {verdict}")
        if args.pages_only:
            return

        # The worker holds the whole app (about 170 MB at rest); the target is what an export adds.
        print(
            f"\n{'export of the case list':34} {'seconds':>8} {'MB':>8} {'RSS MB':>8} {'added':>8}"
            "  target"
        )
        for export_type in ("csv", "xlsx"):
            seconds, size, before, peak = run_export(app, worker, browser, export_type)
            added = peak - before
            ok = seconds <= EXPORT_TARGET_S and added <= EXPORT_TARGET_MB
            print(
                f"{export_type.upper() + f' ({cases:,} rows)':34} {seconds:8.1f} {size:8.1f} "
                f"{peak:8.0f} {added:8.0f}  <= {EXPORT_TARGET_S:.0f} s, <= {EXPORT_TARGET_MB} MB "
                f"added: {'OK' if ok else 'MISSED'}"
            )
        if args.exports_only:
            return

        print(
            f"\n{'bulk action':34} {'service':>8} {'p95':>8} {'HTTP':>8} {'p95':>8} {'done':>7}"
            "  target (median)"
        )
        for case in bulk_cases(app):
            runs = BULK_RUNS if not case.query else 1
            if not case.ids:
                print(f"{case.name:34} (no cases in the needed status)")
                continue
            service, done = run_service(app, case, runs)
            actor = Browser(server.port).login(case.username)
            over_http, done_http = run_http(app, actor, case, runs)
            s50, s95 = p50_p95(service)
            h50, h95 = p50_p95(over_http)
            if case.query:
                verdict = f"<= {MATCHING_TARGET_S:.0f} s: {'OK' if h50 / 1000 <= MATCHING_TARGET_S else 'MISSED'}"
            elif target.kind == "sqlite":
                limit = BULK_TARGETS[case.action]
                verdict = f"<= {limit} ms (service): {'OK' if s50 <= limit else 'MISSED'}"
            else:
                verdict = ""
            name = case.name if case.query else f"{case.name} {len(case.ids):,}"
            print(f"{name:34} {s50:8.0f} {s95:8.0f} {h50:8.0f} {h95:8.0f} {done:7,}  {verdict}")
            if done_http != done:
                print(f"{'':34} (over HTTP {done_http:,} done)")
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument("--pg-url", default=PG_URL, help="any database on the server to use")
    parser.add_argument("--pg-db", default="bench_portal", help="the database made and dropped")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: measure --pg-db as it is when it exists (else seed it), and keep it",
    )
    parser.add_argument("--pages-only", action="store_true", help="no exports, no bulk actions")
    parser.add_argument("--exports-only", action="store_true", help="no pages, no bulk actions")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lsp-bench-"))
    log = work / "gunicorn.log"
    print(f"Scale benchmark: {args.cases:,} cases; gunicorn 2 workers; files in {work}")
    try:
        _run(args, work, log)
    except BaseException:
        if log.exists():
            print("gunicorn's log ends with:\n" + log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path, log: Path) -> None:
    """Seed, serve and measure each database in turn."""
    if args.only != "postgresql":
        target = Target("sqlite", f"sqlite:///{work}/bench.db", work / "uploads-sqlite")
        seed(target, args.cases)
        measure(target, args, log)
    if args.only == "sqlite":
        return
    if not postgres_answers(args.pg_url):
        print("\n== PostgreSQL: SKIPPED, nothing answers at", args.pg_url.split("@")[-1])
        return
    url = urllib.parse.urlsplit(args.pg_url)._replace(path=f"/{args.pg_db}").geturl()
    target = Target("postgresql", url, work / "uploads-postgresql")
    with _pg_admin(args.pg_url) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (args.pg_db,)
        ).fetchone()
        if not (args.reuse and exists):
            admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.pg_db}"')
    try:
        if not (args.reuse and exists):
            seed(target, args.cases)
        measure(target, args, log)
    finally:
        if not args.reuse:
            with _pg_admin(args.pg_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{args.pg_db}" WITH (FORCE)')


if __name__ == "__main__":
    main()

"""The portal beside its Django admin peer (issue 17): one run, one machine, one client.

`../shared/bench/peer_django` is the Django 5.2 admin over the same core schema, tuned as a strong
Django engineer would. This script copies it to a git-ignored build folder (its code stays in
../shared), makes its venv from PyPI, seeds both systems with the same number of cases (once: a
later run reuses the databases when they hold that number), serves both with gunicorn × 2 on
free loopback ports, and times them with the shared load script's client
(`../shared/bench/http_bench.py`) in interleaved rounds: each round times every request on one
system, then on the other, the first system alternating. It prints one table per database:
request, peer ms, portal ms, portal / peer, and the HTML size of each page.

The requests: the case list's page 1, the status filter, a search for a name only one applicant
has, a search for a common family name, a deep page (offset 49,950), the case page, and verify on
1,000 submitted cases through the path a user takes: for the peer the action's POST and the list
it redirects to; for the portal the action's POST, its confirmation page's POST and the report.
Every verify is undone after it is timed, so each round meets the same cases. On SQLite the floor
(`../shared/bench/floor.py`, the least a Flask page can do for page 1) is timed too.

    .venv/bin/python bench/bench_peer.py [--cases 100000] [--rounds 5] [--requests 20]
        [--only sqlite|postgresql] [--pg-url URL] [--pg-portal-db NAME] [--pg-peer-db NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_scale import DEMO_PASSWORD, SECRET, Snapshot, _pg_admin, free_port, postgres_answers
from sqlalchemy import Engine, column, create_engine, delete, func, select, table, update
from sqlalchemy.pool import NullPool

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared" / "bench"
sys.path.insert(0, str(SHARED))
import http_bench  # noqa: E402  (the shared load script: its client, login and page scraper)

PEER_PASSWORD = "peer-bench-admin"
PORTAL_USER = "sekretariat"  # the demo login that verifies applications
COMMON_NAME = "Siregar"  # a family name both systems' data share: hundreds of applicants
PAGE_SIZE = 50
BATCH = 1_000
# The peer's tables, as far as this script reads and resets them.
PEER_CASE = table("certs_case", column("id"), column("status"))
PEER_EVENT = table("certs_auditevent", column("id"))
PEER_APPLICANT = table("certs_applicant", column("id"), column("name"))


# --- processes ------------------------------------------------------------------------------------


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a command to its end; its output, or its error shown in full."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


@contextmanager
def gunicorn(
    python: Path, app: str, cwd: Path, env: dict[str, str], log: Path, ready: str
) -> Iterator[str]:
    """gunicorn × 2 (sync workers) on a free loopback port; its base URL, stopped afterwards."""
    port = free_port()
    command = [str(python), "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "-t", "300"]
    with open(log, "ab") as out:
        process = subprocess.Popen([*command, app], cwd=cwd, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn for {app} did not start; see {log}")
            try:
                urllib.request.urlopen(base + ready, timeout=5).close()
                break
            except OSError:
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- the two systems ------------------------------------------------------------------------------


@dataclass
class System:
    """One system under test: how to seed, serve and log in to it, its URLs and its verify."""

    name: str
    kind: str  # sqlite | postgresql
    work: Path
    urls: dict[str, str] = field(default_factory=dict)
    verify_ids: list[int] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        raise NotImplementedError


class Peer(System):
    """The Django admin peer, from its copy in the build folder."""

    def __init__(self, kind: str, work: Path, database_url: str) -> None:
        super().__init__("peer", kind, work)
        self.project = work / "peer_django"
        self.python = self.project / ".venv" / "bin" / "python"
        self.database_url = database_url
        self.sqlite = work / "peer-sqlite.db"

    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        if self.kind == "postgresql":
            return base | {"DATABASE_URL": self.database_url.replace("+psycopg", "")}
        return base | {"PEER_SQLITE_PATH": str(self.sqlite)}

    def build(self) -> None:
        """Copy the peer's code and make its venv (once)."""
        if not (self.project / ".venv" / "bin" / "gunicorn").exists():
            shutil.rmtree(self.project, ignore_errors=True)
            ignore = shutil.ignore_patterns(".venv", "run", "*.db*", "__pycache__")
            shutil.copytree(SHARED / "peer_django", self.project, ignore=ignore)
            print("== peer: making its venv from PyPI (Django, gunicorn, psycopg)", flush=True)
            run([sys.executable, "-m", "venv", ".venv"], self.project, dict(os.environ))
            pip = [str(self.python), "-m", "pip", "install", "-q"]
            run([*pip, "-r", "requirements.txt"], self.project, dict(os.environ))
        else:  # the code may have moved on in ../shared: keep the copy current
            ignore = shutil.ignore_patterns(".venv", "run", "*.db*", "__pycache__")
            shutil.copytree(SHARED / "peer_django", self.project, ignore=ignore, dirs_exist_ok=True)

    def manage(self, *args: str) -> str:
        return run([str(self.python), "manage.py", *args], self.project, self.env())

    def seed(self, cases: int) -> None:
        self.manage("freshdb")
        self.manage("migrate", "-v0")
        self.manage("seed", "--cases", str(cases))
        env = self.env() | {"DJANGO_SUPERUSER_PASSWORD": PEER_PASSWORD}
        run(
            [str(self.python), "manage.py", "createsuperuser", "--noinput", "--username", "admin"]
            + ["--email", "admin@example.com"],
            self.project,
            env,
        )

    def engine(self) -> Engine:
        """The peer's database, read and reset by this script directly."""
        if self.kind == "sqlite":
            return create_engine(f"sqlite:///{self.sqlite}", poolclass=NullPool)
        return create_engine(self.database_url, poolclass=NullPool)

    def prepare(self) -> None:
        """The URLs (from the peer's own `benchinfo`) and the cases verify will take."""
        info = json.loads(self.manage("benchinfo"))
        case = PEER_CASE
        with self.engine().connect() as db:
            unique = _unique_name(db, PEER_APPLICANT.c.name)
            self.verify_ids = list(
                db.scalars(
                    select(case.c.id)
                    .where(case.c.status == "submitted")
                    .order_by(case.c.id)
                    .limit(BATCH)
                )
            )
        deep = _deep_page(info["cases"])
        self.urls = {
            "case list, page 1": "/admin/certs/case/",
            "status filter (submitted)": "/admin/certs/case/?status__exact=submitted",
            "search: a unique name": "/admin/certs/case/?" + urllib.parse.urlencode({"q": unique}),
            f"search: '{COMMON_NAME}'": "/admin/certs/case/?q=" + COMMON_NAME,
            "deep page (offset 49,950)": f"/admin/certs/case/?p={deep + 1}",
            "case page": f"/admin/certs/case/{info['change_case_id']}/change/",
        }

    def login(self, base: str) -> http_bench.Client:
        client = http_bench.Client(base, 300)
        http_bench.login(client, "/admin/login/", "admin", PEER_PASSWORD, None)
        return client

    def verify(self, client: http_bench.Client) -> float:
        """Django's path: the changelist's action POST, then the list it redirects to (ms)."""
        post_url, fields, id_field, _shape, page_url = http_bench.action_form(
            client, "/admin/certs/case/", "verify", "django"
        )
        data = fields + [(id_field, str(i)) for i in self.verify_ids]
        with self.engine().connect() as db:
            last = db.scalar(select(func.coalesce(func.max(PEER_EVENT.c.id), 0)))
        posted = client.request(post_url, data=data, referer=page_url)
        if posted.status != 302:
            raise RuntimeError(f"peer verify answered {posted.status}")
        listed = client.request(urllib.parse.urljoin(post_url, posted.location))
        done = self._undo(last)
        if done != len(self.verify_ids):
            raise RuntimeError(f"peer verify did {done} of {len(self.verify_ids)}")
        return posted.ms + listed.ms

    def _undo(self, last_event: int) -> int:
        """Put the verified cases back to submitted; the number of cases that were verified."""
        case, mine = PEER_CASE, PEER_CASE.c.id.in_(self.verify_ids)
        with self.engine().begin() as db:
            done = db.scalar(
                select(func.count()).select_from(case).where(mine, case.c.status == "verified")
            )
            db.execute(update(case).where(mine).values(status="submitted"))
            db.execute(delete(PEER_EVENT).where(PEER_EVENT.c.id > last_event))
        return done


class Portal(System):
    """The portal, from this worktree."""

    def __init__(self, kind: str, work: Path, database_url: str) -> None:
        super().__init__("portal", kind, work)
        self.database_url = database_url
        self.uploads = work / f"uploads-{kind}"
        self.app = None

    def env(self) -> dict[str, str]:
        return os.environ | {
            "PORTAL_DEMO": "1",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": self.database_url,
            "UPLOAD_DIR": str(self.uploads),
        }

    def flask(self, *args: str) -> str:
        return run([sys.executable, "-m", "flask", "--app", "portal", *args], PROJECT, self.env())

    def seed(self, cases: int) -> None:
        if self.kind == "sqlite":
            path = Path(urllib.parse.urlsplit(self.database_url).path[1:])
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(self.uploads, ignore_errors=True)
        self.flask("init-db")
        self.flask("seed-demo", "--cases", str(cases))

    def in_process(self):  # noqa: ANN201
        from portal import create_app

        if self.app is None:
            self.app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": self.database_url,
                    "UPLOAD_DIR": self.uploads,
                    "RATELIMIT_ENABLED": False,
                    "WTF_CSRF_ENABLED": False,  # the query count's in-process login
                    "SECRET_KEY": SECRET,
                    "DEMO": True,  # the demo portal, as served (PUBLIC_BASE_URL unset)
                }
            )
        return self.app

    def prepare(self) -> None:
        """The URLs, and the cases verify will take with their documents judged (the demo's
        submitted cases wait for the secretariat's judgement before they can be verified)."""
        from sqlalchemy import func, select, update

        from portal.extensions import db
        from portal.models import Applicant, Attachment, Case, CaseStatus

        self.flask("init-db")  # a reused database gets this branch's migrations
        app = self.in_process()
        with app.app_context():
            total = db.session.scalar(select(func.count()).select_from(Case))
            unique = _unique_name(db.session, Applicant.full_name)
            certified = db.session.scalar(
                select(Case.id)
                .where(Case.status == CaseStatus.CERTIFIED.value, Case.id >= total // 2)
                .order_by(Case.id)
                .limit(1)
            )
            self.verify_ids = list(
                db.session.scalars(
                    select(Case.id)
                    .where(Case.status == "submitted", Case.previous_certificate_id.is_(None))
                    .order_by(Case.id)
                    .limit(BATCH)
                )
            )
            db.session.execute(
                update(Attachment)
                .where(Attachment.case_id.in_(self.verify_ids), Attachment.is_current.is_(True))
                .values(present=True, adequate=True)
            )
            db.session.commit()
        view = next(v for v in app.extensions["portal_admin"]._views if v.endpoint == "case")
        status = next(
            n
            for n, flt in enumerate(view._filters)
            if flt.column.key == "status" and type(flt).__name__ == "FilterEqual"
        )
        size = f"page_size={PAGE_SIZE}"
        self.urls = {
            "case list, page 1": f"/admin/case/?{size}",
            "status filter (submitted)": f"/admin/case/?flt0_{status}=submitted&{size}",
            "search: a unique name": f"/admin/case/?{size}&"
            + urllib.parse.urlencode({"search": unique}),
            f"search: '{COMMON_NAME}'": f"/admin/case/?{size}&search={COMMON_NAME}",
            "deep page (offset 49,950)": f"/admin/case/?{size}&page={_deep_page(total)}",
            "case page": f"/admin/case/details/?id={certified}",
        }

    def login(self, base: str) -> http_bench.Client:
        client = http_bench.Client(base, 300)
        http_bench.login(client, "/login", PORTAL_USER, DEMO_PASSWORD, None)
        return client

    def verify(self, client: http_bench.Client) -> float:
        """The portal's path: the list's action POST, which answers the confirmation page, and
        that page's POST, which applies the action and answers the report (ms of both)."""
        from portal.extensions import db

        post_url, fields, id_field, _shape, page_url = http_bench.action_form(
            client, self.urls["case list, page 1"], "verify", "flask-admin"
        )
        data = fields + [(id_field, str(i)) for i in self.verify_ids]
        app = self.in_process()
        with app.app_context():
            snapshot = Snapshot(db.session, self.verify_ids)
            confirm = client.request(post_url, data=data, referer=page_url)
            if confirm.status != 200:
                raise RuntimeError(f"portal verify (confirmation) answered {confirm.status}")
            form = next(f for f in http_bench.scrape(confirm.text).forms if f.named("apply"))
            answer = [(f["name"], f["value"]) for f in form.fields if f.get("name")]
            target = urllib.parse.urljoin(confirm.url, form.attrs["action"])
            report = client.request(target, data=answer, referer=confirm.url)
            messages = http_bench.scrape(report.text).messages
            snapshot.restore(db.session)
            db.session.remove()
        if report.status != 200 or not any(f"{len(self.verify_ids)} " in m for m in messages):
            raise RuntimeError(f"portal verify answered {report.status}: {messages}")
        return confirm.ms + report.ms


def _deep_page(cases: int) -> int:
    """The 0-based page at offset 49,950 (page 1,000 of 50), or the last page of a smaller list."""
    return max(0, min(999, cases // PAGE_SIZE - 1))


def _unique_name(db: Any, name: Any) -> str:
    """A full name that no other applicant has, from the last two thirds of the table."""
    table = name.table
    once = select(name).group_by(name).having(func.count() == 1)
    return db.scalar(
        select(name)
        .where(table.c.id >= select(func.max(table.c.id) / 3).scalar_subquery(), name.in_(once))
        .order_by(table.c.id)
        .limit(1)
    )


# --- seeding once ---------------------------------------------------------------------------------


def ensure_seeded(systems: list[System], cases: int, marker: Path, fresh: bool) -> None:
    """Seed every system with `cases` unless the marker says this was done already."""
    if not fresh and marker.exists() and json.loads(marker.read_text()).get("cases") == cases:
        print(f"   reusing the databases seeded with {cases:,} cases ({marker})", flush=True)
        return
    marker.unlink(missing_ok=True)
    for system in systems:
        start = time.perf_counter()
        system.seed(cases)
        print(f"   {system.name} seeded in {time.perf_counter() - start:.0f} s", flush=True)
    marker.write_text(json.dumps({"cases": cases}))


def analyze(portal: Portal, peer: Peer) -> None:
    """Fresh planner statistics on PostgreSQL, as autovacuum would give some time later."""
    for url in (portal.database_url, peer.database_url):
        with _pg_admin(url, database=True) as connection:
            connection.execute("ANALYZE")


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Samples:
    """The milliseconds and the last size of one request on one system."""

    ms: list[float] = field(default_factory=list)
    size: int = 0


def time_gets(client: http_bench.Client, urls: dict[str, str], n: int) -> dict[str, Samples]:
    out = {name: Samples() for name in urls}
    for _ in range(n):
        for name, url in urls.items():
            response = client.request(url)
            if response.status != 200:
                raise RuntimeError(f"GET {url}: {response.status}")
            out[name].ms.append(response.ms)
            out[name].size = len(response.body)
    return out


def measure(
    systems: list[System], bases: dict[str, str], args: argparse.Namespace, floor: str | None
) -> dict[str, dict[str, Samples]]:
    """Interleaved rounds; per system, per request, every sample."""
    clients = {s.name: s.login(bases[s.name]) for s in systems}
    results: dict[str, dict[str, Samples]] = {s.name: {} for s in systems}
    floor_client = http_bench.Client(floor, 60) if floor else None
    for system in systems:  # warm-up: the workers' caches, the database's pages
        time_gets(clients[system.name], system.urls, 3)
    if floor_client:
        time_gets(floor_client, {"floor": "/case/"}, 3)
    for round_ in range(args.rounds):
        order = systems if round_ % 2 == 0 else systems[::-1]
        for system in order:
            client = clients[system.name]
            for name, samples in time_gets(client, system.urls, args.requests).items():
                kept = results[system.name].setdefault(name, Samples())
                kept.ms += samples.ms
                kept.size = samples.size
            verify = results[system.name].setdefault(f"verify × {BATCH:,}, whole path", Samples())
            verify.ms.append(system.verify(client))
            if floor_client and system.name == "portal":
                floor_samples = time_gets(floor_client, {"floor": "/case/"}, args.requests)
                results.setdefault("floor", {}).setdefault("floor", Samples()).ms += floor_samples[
                    "floor"
                ].ms
        print(f"   round {round_ + 1}/{args.rounds} done", flush=True)
    return results


def print_table(label: str, results: dict[str, dict[str, Samples]], counts: dict[str, int]) -> None:
    """The table: request, peer ms, portal ms, ratio, page sizes, the portal's queries."""
    print(f"\n{label}")
    head = f"| {'request':32} | peer ms | portal ms | portal / peer | peer KiB | portal KiB | queries |"
    print(head)
    print("|" + "|".join("-" * (len(part) + 0) for part in head.split("|")[1:-1]) + "|")
    for name, peer in results["peer"].items():
        portal = results["portal"][name]
        a, b = statistics.median(peer.ms), statistics.median(portal.ms)
        sizes = (
            f"{peer.size / 1024:8.0f} | {portal.size / 1024:10.0f}"
            if peer.size
            else f"{'':8} | {'':10}"
        )
        queries = counts.get(name, "")
        print(f"| {name:32} | {a:7.1f} | {b:9.1f} | {b / a:13.2f} | {sizes} | {queries!s:>7} |")
    if "floor" in results:
        floor = statistics.median(results["floor"]["floor"].ms)
        page = statistics.median(results["portal"]["case list, page 1"].ms)
        print(
            f"floor (../shared/bench/floor.py) {floor:.1f} ms: portal page 1 = {page / floor:.1f}× it"
        )
    samples = {len(s.ms) for r in results.values() for s in r.values()}
    print(f"(medians; samples per request: {sorted(samples)})")


def query_counts(portal: Portal) -> dict[str, int]:
    """SQL statements per portal page, counted in-process after a warm-up request."""
    from bench_scale import query_counts as count

    return count(portal.in_process(), list(portal.urls.items()), PORTAL_USER)


def bench_database(kind: str, args: argparse.Namespace, work: Path) -> None:
    """Seed (once), serve and measure both systems on one database."""
    if kind == "sqlite":
        portal_url = f"sqlite:///{work}/portal-sqlite.db"
        peer_url = ""
    else:
        portal_url = _with_database(args.pg_url, args.pg_portal_db)
        peer_url = _with_database(args.pg_url, args.pg_peer_db)
        with _pg_admin(args.pg_url) as admin:
            for name in (args.pg_portal_db, args.pg_peer_db):
                if not admin.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
                ).fetchone():
                    admin.execute(f'CREATE DATABASE "{name}"')
    peer, portal = Peer(kind, work, peer_url), Portal(kind, work, portal_url)
    peer.build()
    title = {"sqlite": "SQLite (file, WAL)", "postgresql": "PostgreSQL"}[kind]
    print(f"\n== {title}: {args.cases:,} cases in each system", flush=True)
    ensure_seeded([peer, portal], args.cases, work / f"seeded-{kind}.json", args.fresh)
    if kind == "postgresql":
        analyze(portal, peer)
    peer.prepare()
    portal.prepare()
    counts = query_counts(portal)
    log = work / "gunicorn.log"
    with (
        gunicorn(
            peer.python, "peerproj.wsgi:application", peer.project, peer.env(), log, "/admin/login/"
        ) as peer_base,
        gunicorn(
            Path(sys.executable), "portal:create_app()", PROJECT, portal.env(), log, "/login"
        ) as portal_base,
        _floor(kind, portal, log) as floor,
    ):
        results = measure([peer, portal], {"peer": peer_base, "portal": portal_base}, args, floor)
    print_table(
        f"{title}, {args.cases:,} cases, gunicorn × 2 each, {args.rounds} interleaved rounds "
        f"of {args.requests} requests per page (verify: 1 per round)",
        results,
        counts,
    )


@contextmanager
def _floor(kind: str, portal: Portal, log: Path) -> Iterator[str | None]:
    """The floor on the portal's SQLite database (it reads SQLite only)."""
    if kind != "sqlite":
        yield None
        return
    path = urllib.parse.urlsplit(portal.database_url).path[1:]
    env = os.environ | {"FLOOR_DB": path}
    with gunicorn(Path(sys.executable), "floor:app", SHARED, env, log, "/case/") as base:
        yield base


def _with_database(url: str, name: str) -> str:
    return urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--requests", type=int, default=20, help="GETs per page per round")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-portal-db", default="bench_peer_portal")
    parser.add_argument("--pg-peer-db", default="bench_peer_django")
    parser.add_argument("--work", type=Path, default=PROJECT / "build" / "bench-peer")
    parser.add_argument("--fresh", action="store_true", help="seed again even when seeded")
    args = parser.parse_args()
    # stopped by a signal, the servers are stopped too (the context managers' exits run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.work.mkdir(parents=True, exist_ok=True)
    kinds = [args.only] if args.only else ["sqlite", "postgresql"]
    for kind in kinds:
        if kind == "postgresql" and not postgres_answers(args.pg_url):
            print(f"\n== PostgreSQL: SKIPPED, nothing answers at {args.pg_url.split('@')[-1]}")
            continue
        bench_database(kind, args, args.work.resolve())


if __name__ == "__main__":
    main()

"""The applicant rush (issue 17): hundreds apply at once when a popular schedule opens.

A fresh PostgreSQL database (`bench_rush` unless --pg-db, dropped afterwards) is migrated and
given the shipped reference data, one TUK and one open schedule with --quota seats, and --users
applicant accounts, registered and e-mail-confirmed (rush0001@example.org upwards, one real
argon2 hash of one password; made directly, not timed). gunicorn serves the portal with the
workers docs/serving.md recommends (2 × cores + 1) on a loopback port; locust (headless, the
`bench` extra) starts --users simulated applicants at --spawn-rate a second (300 over 60 s),
and each does the journey of bench/rush_locustfile.py once: sign in, open the schedule, fill
FR.APL.01 (personal data, units, declaration), upload a JPEG photo and a PDF ijazah, submit.
The run stops when every journey has ended, or after --limit seconds at most.

Printed: per request name the count, failures, median and p95 (locust's percentiles, rounded
to 10 ms above 100 ms), and overall; the submit outcomes; then the check in the database that
the seats taken equal min(quota, applicants who submitted) and that no case beyond the quota
left the draft. Targets: p95 ≤ 500 ms per request, no failure, the quota exact.

The applicant sign-in limit (APPLICANT_RATE_LIMIT, per client address) is raised for the run:
every simulated applicant comes from 127.0.0.1, where a real rush comes from many addresses.

    make bench-rush        # installs the extra, then:
    .venv/bin/python bench/bench_rush.py [--users 300] [--quota 250] [--spawn-rate 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import (  # noqa: E402 - the scale benchmark's server and databases
    PG_URL,
    PROJECT,
    Browser,
    Target,
    _pg_admin,
    flask_command,
    gunicorn,
    in_process_app,
    postgres_answers,
    scratch_database,
)

PASSWORD = "kopi-tubruk-pagi-hari"
P95_TARGET_MS = 500
SUBMIT = "POST /asesi/permohonan/[id]/ajukan"


def prepare(target: Target, users: int, quota: int) -> int:
    """Migrate, load the reference data (CLI), add a TUK, one open schedule and the confirmed
    accounts; the schedule's id."""
    flask_command(target, "init-db")
    flask_command(target, "load-reference")
    from sqlalchemy import func, select

    from portal import clock
    from portal.extensions import db
    from portal.models import ApplicantAccount, Schedule, Scheme, Tuk, scheme_unit
    from portal.passwords import hash_password
    from portal.rules.vocabulary import TukType

    app = in_process_app(target)
    with app.app_context():
        scheme = db.session.scalar(  # the reference scheme with the most units
            select(Scheme)
            .join(scheme_unit)
            .group_by(Scheme.id)
            .order_by(func.count().desc(), Scheme.id)
            .limit(1)
        )
        today = clock.lsp_today()
        tuk = Tuk(
            code="TUK-RUSH",
            name="TUK Perpustakaan Nasional",
            tuk_type=TukType.SEWAKTU.value,
            address="Jl. Salemba Raya No. 28A, Jakarta Pusat",
            verified_until=today + timedelta(days=365),
        )
        schedule = Schedule(
            code="JDW-RUSH",
            scheme=scheme,
            tuk=tuk,
            starts_on=today + timedelta(days=30),
            ends_on=today + timedelta(days=30),
            registration_deadline=today + timedelta(days=20),
            quota=quota,
        )
        password_hash = hash_password(PASSWORD)  # one hash: argon2 is slow on purpose
        db.session.add_all(
            [tuk, schedule]
            + [
                ApplicantAccount(
                    email=f"rush{n:04d}@example.org",
                    nik=f"317101170885{n:04d}",  # Jakarta Pusat, male, born 17-08-1985
                    full_name=f"Peserta Rush {n}",
                    password_hash=password_hash,
                    confirmed_at=clock.now(),
                )
                for n in range(1, users + 1)
            ]
        )
        db.session.commit()
        schedule_id = schedule.id
        db.session.remove()
        db.engine.dispose()
    return schedule_id


def upload_files(work: Path) -> dict[str, str]:
    """A real JPEG photo and a one-page PDF (the tests' own files: uploads are checked by
    content), written for the locust users to read."""
    sys.path.insert(0, str(PROJECT))
    from tests import files

    paths = {"RUSH_PHOTO": work / "foto.jpg", "RUSH_IJAZAH": work / "ijazah.pdf"}
    paths["RUSH_PHOTO"].write_bytes(files.image("JPEG"))
    paths["RUSH_IJAZAH"].write_bytes(files.pdf())
    return {name: str(path) for name, path in paths.items()}


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used, from /proc (0 for one that ended)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def server_processes(server, pg_url: str, database: str) -> list[int]:  # noqa: ANN001
    """gunicorn's workers and the PostgreSQL backends connected to the database."""
    with _pg_admin(pg_url) as admin:
        backends = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchall()
    return server.workers() + [pid for (pid,) in backends]


def warm_up(port: int, workers: int) -> None:
    """A few visits of the public pages, so that each worker has loaded its templates and
    connected to the database before the rush (as a server that has been running has)."""
    browser = Browser(port)
    for _ in range(4 * workers):
        for path in ("/jadwal", "/asesi/masuk"):
            browser.get(path)


def run_locust(port: int, args: argparse.Namespace, work: Path) -> tuple[dict, float]:
    """Run locust headless against the server; (its results, seconds)."""
    results = work / "results.json"
    env = os.environ | upload_files(work)
    env |= {
        "RUSH_PASSWORD": PASSWORD,
        "RUSH_USERS": str(args.users),
        "RUSH_THINK": str(args.think),
        "RUSH_RESULTS": str(results),
    }
    command = [
        *(
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(Path(__file__).with_name("rush_locustfile.py")),
        ),
        *("--headless", "--only-summary", "--loglevel", "WARNING"),
        *("-u", str(args.users), "-r", str(args.spawn_rate)),
        *("--run-time", f"{args.limit}s", "--stop-timeout", "30"),
        *("--host", f"http://127.0.0.1:{port}"),
    ]
    start = time.perf_counter()
    with open(work / "locust.log", "wb") as log:
        subprocess.run(command, env=env, cwd=PROJECT, check=False, stdout=log, stderr=log)
    seconds = time.perf_counter() - start
    if not results.exists():
        raise RuntimeError("locust wrote no results:\n" + (work / "locust.log").read_text()[-3000:])
    return json.loads(results.read_text()), seconds


def report(rows: list[dict]) -> bool:
    """Print the per-request table; True when every p95 and the failures meet the targets."""
    print(
        f"\n{'request':42} {'count':>6} {'failed':>6} {'median':>7} {'p95':>7}  p95 ≤ {P95_TARGET_MS} ms"
    )
    ok = True
    for row in rows:
        met = row["p95"] <= P95_TARGET_MS and row["failures"] == 0
        ok &= met
        print(
            f"{row['name'][:42]:42} {row['count']:6d} {row['failures']:6d} {row['median']:7.0f} "
            f"{row['p95']:7.0f}  {'OK' if met else 'MISSED'}"
        )
    return ok


def check_quota(target: Target, schedule_id: int, quota: int, submitters: int) -> bool:
    """Seats taken == min(quota, submitters), and no case beyond the quota left the draft."""
    from sqlalchemy import func, select

    from portal.casework.seats import seats_taken
    from portal.extensions import db
    from portal.models import Case

    app = in_process_app(target)
    with app.app_context():
        taken = seats_taken(db.session, [schedule_id]).get(schedule_id, 0)
        by_status = dict(
            db.session.execute(
                select(Case.status, func.count())
                .where(Case.schedule_id == schedule_id)
                .group_by(Case.status)
            ).all()
        )
        db.session.remove()
        db.engine.dispose()
    expected = min(quota, submitters)
    beyond = sum(n for status, n in by_status.items() if status != "draft") - quota
    print(
        f"\nquota {quota}, applicants who submitted {submitters}: seats taken {taken} "
        f"(expected {expected}); cases by status {by_status}"
    )
    exact = taken == expected and beyond <= 0
    print(f"quota exact, none submitted beyond it: {'OK' if exact else 'MISSED'}")
    return exact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--spawn-rate", type=float, default=5, help="applicants starting a second")
    parser.add_argument("--quota", type=int, default=250)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds on a page")
    parser.add_argument("--limit", type=int, default=240, help="seconds the run may take at most")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--pg-url", default=PG_URL, help="any database on the server to use")
    parser.add_argument("--pg-db", default="bench_rush", help="the database made and dropped")
    args = parser.parse_args()
    if not 0 < args.users < 10_000:
        parser.error("--users: 1 to 9,999 (the accounts' NIKs end in a 4-digit number)")
    os.environ.setdefault("PORTAL_DEMO", "1")  # a throw-away database: no public address needed
    if not postgres_answers(args.pg_url):
        sys.exit(f"PostgreSQL does not answer at {args.pg_url.split('@')[-1]}")

    work = Path(tempfile.mkdtemp(prefix="lsp-rush-"))
    try:
        with scratch_database(args.pg_url, args.pg_db) as url:
            target = Target("postgresql", url, work / "uploads")
            schedule_id = prepare(target, args.users, args.quota)
            print(
                f"Applicant rush: {args.users} applicants at {args.spawn_rate:g}/s, quota {args.quota}, "
                f"gunicorn {args.workers} workers, PostgreSQL; files in {work}"
            )
            print("load average before:", Path("/proc/loadavg").read_text().strip())
            env = target.env() | {"APPLICANT_RATE_LIMIT": "100000/minute"}
            with gunicorn(env, work / "gunicorn.log", workers=args.workers) as server:
                warm_up(server.port, args.workers)
                before = cpu_seconds(server_processes(server, args.pg_url, args.pg_db))
                results, seconds = run_locust(server.port, args, work)
                # the backends that warming up opened are the pools' (each worker keeps its own)
                used = cpu_seconds(server_processes(server, args.pg_url, args.pg_db)) - before
            print("load average after: ", Path("/proc/loadavg").read_text().strip())
            print(f"locust ran {seconds:.0f} s; outcomes: {results['outcomes']}")
            print(
                f"CPU of the server (gunicorn workers and their PostgreSQL backends): {used:.0f} s, "
                f"{used * 1000 / args.users:.0f} ms per applicant's journey"
            )
            for error in results["errors"]:
                print("  failure:", error)
            fast = report(results["requests"])
            submitters = next((r["count"] for r in results["requests"] if r["name"] == SUBMIT), 0)
            exact = check_quota(target, schedule_id, args.quota, submitters)
            print(f"\nrush targets: {'MET' if fast and exact else 'MISSED'}")
    except BaseException:
        log = work / "gunicorn.log"
        if log.exists():
            print("gunicorn's log ends with:\n" + log.read_text()[-3000:], file=sys.stderr)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

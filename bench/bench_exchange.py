"""Exchange benchmark: an intake import of 10,000 rows (read, check, commit) and the BNSP sheet
of 100,000 decided cases (pre-check and XLSX), each timed with the process's peak memory.

Both run as the worker runs them: the import's check and commit are `import_check` and
`import_commit` jobs on the kept upload, the sheet a `bnsp_sheet` job (`jobs.run`, in this
process: the queue is not measured).

Each measurement runs in a process of its own (`--part`), so its peak memory is its own. The data
is made here, in a temporary SQLite database (or PostgreSQL with `--db-url`).

    .venv/bin/python bench/bench_exchange.py [--rows 10000] [--cases 100000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

TODAY = date(2026, 2, 10)


def _app(url: str, tmp: Path):
    from portal import create_app

    settings = {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": tmp, "JOB_RESULT_DIR": tmp / "jobs"}
    return create_app({"TESTING": True, "today": TODAY, **settings})


def _job(session, kind: str, params: dict):
    """Run a job as the worker would; the finished row."""
    from portal import jobs
    from portal.models import Job

    job = Job(kind=kind, user_id=1, title=kind, params=params, status="queued")
    session.add(job)
    session.commit()
    jobs.run(session, job.id)
    session.expire_all()
    done = session.get(Job, job.id)
    assert done.status == "done", done.error
    return done


def _catalogue(session, quota: int):
    from portal.models import Assessor, BnspCode, Schedule, Scheme, Tuk, Unit, User

    units = [Unit(code=f"BEN.LP01.00{n}.01", title=f"Unit {n}") for n in range(1, 4)]
    scheme = Scheme(code="BEN", scheme_type="Klaster", title="Bench", units=units)
    tuk = Tuk(code="TUK-B", name="TUK Bench", tuk_type="sewaktu", address="Jakarta")
    schedule = Schedule(
        code="JDW-BENCH",
        scheme=scheme,
        tuk=tuk,
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 3),
        registration_deadline=date(2026, 2, 20),
        quota=quota,
    )
    assessor = Assessor(
        full_name="Asesor", met_number="MET.000.000001 2020", licence_valid_until=date(2030, 1, 1)
    )
    codes = [("provinsi", "31"), ("kabupaten", "3171"), ("pendidikan", "DM3")]
    session.add_all([schedule, assessor, User(username="b", full_name="B", password_hash="x")])
    session.add_all(BnspCode(kind=k, code=c, name=c) for k, c in codes)
    session.commit()
    return schedule, assessor


def _row(n: int) -> dict[str, str]:
    return {
        "nama_asesi": f"Calon {n}",
        "nik": f"3171011708{80 + n // 9000:02d}{n % 9000 + 1:04d}",
        "tempat_lahir": "Jakarta",
        "tanggal_lahir": f"17-08-19{80 + n // 9000:02d}",
        "jenis_kelamin": "L",
        "tempat_tinggal": f"Jl. Merdeka {n}",
        "kode_kabupaten": "3171",
        "kode_provinsi": "31",
        "telp": f"0812{n:08d}",
        "email": f"calon{n}@example.id",
        "kode_pendidikan": "DM3",
        "kode_jadwal": "JDW-BENCH",
        "pendidikan_terakhir": "S1",
    }


def part_import(url: str, rows: int, tmp: Path) -> None:
    from openpyxl import Workbook

    from portal.exchange.intake import COLUMNS
    from portal.extensions import db

    app = _app(url, tmp)
    with app.app_context():
        db.create_all()
        _catalogue(db.session, rows)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Data")
        names = [c.name for c in COLUMNS]
        sheet.append(names)
        for n in range(1, rows + 1):
            values = _row(n)
            sheet.append([values.get(name, "") for name in names])
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
        token = "bench-upload"
        (tmp / "imports").mkdir(exist_ok=True)
        (tmp / "imports" / token).write_bytes(data)
        params = {"kind": "intake", "token": token, "filename": "bench.xlsx"}
        before = _peak_mb()
        _trace_start()
        start = time.perf_counter()
        checked = _job(db.session, "import_check", params)
        check_s = time.perf_counter() - start
        assert checked.total == rows
        committed = _job(db.session, "import_commit", params)
        total = time.perf_counter() - start
        report = json.loads(Path(committed.result_path).read_text())
        assert len(report["made"]) == rows, report.get("refused", [])[:3]
    print(
        f"import {rows} rows as jobs: {total:.1f} s (check job {check_s:.1f} s, commit job "
        f"{total - check_s:.1f} s: read, check again, write); file {len(data) / 1e6:.1f} MB; "
        f"peak RSS {_peak_mb():.0f} MB ({before:.0f} MB before the jobs){_trace_peak()}"
    )


def part_sheet(url: str, cases: int, tmp: Path) -> None:
    from sqlalchemy import insert

    from portal.exchange import bnsp_sheet
    from portal.extensions import db
    from portal.models import Applicant, Case

    app = _app(url, tmp)
    with app.app_context():
        db.create_all()
        schedule, assessor = _catalogue(db.session, cases)
        for start in range(0, cases, 10_000):
            chunk = range(start + 1, min(start + 10_000, cases) + 1)
            people = [
                {
                    **{
                        "nik": f"31710117{n:08d}",
                        "full_name": f"Asesi {n}",
                        "birth_place": "Jakarta",
                        "birth_date": date(1980, 8, 17),
                        "sex": "L",
                        "address": "Jakarta",
                        "phone": "+6281234567890",
                        "education_level": "S1",
                        "regency_code": "3171",
                        "province_code": "31",
                        "education_code": "DM3",
                    }
                }
                for n in chunk
            ]
            ids = db.session.execute(
                insert(Applicant).returning(Applicant.id, sort_by_parameter_order=True), people
            ).scalars()
            db.session.execute(
                insert(Case),
                [
                    {
                        "reg_number": f"APL-2026-{aid:06d}",
                        "applicant_id": aid,
                        "scheme_id": schedule.scheme_id,
                        "schedule_id": schedule.id,
                        "tuk_id": schedule.tuk_id,
                        "assessor_id": assessor.id,
                        "status": "competent" if aid % 3 else "not_yet_competent",
                        "assessment_date": date(2026, 3, 2),
                        "decided_on": date(2026, 3, 5),
                    }
                    for aid in ids
                ],
            )
            db.session.commit()
        condition = Case.schedule_id == schedule.id
        db.session.expunge_all()
        before = _peak_mb()
        _trace_start()
        start = time.perf_counter()
        result = bnsp_sheet.check(db.session, condition)
        check_s = time.perf_counter() - start
        ids = bnsp_sheet.case_ids(db.session, condition)
        params = {"ids": ids, "type": "xlsx", "delimiter": ";", "filename": "bnsp.xlsx"}
        job = _job(db.session, "bnsp_sheet", params)
        size = Path(job.result_path).stat().st_size
        total = time.perf_counter() - start
        assert result.rows == cases
    print(
        f"BNSP sheet of {cases} cases: {total:.1f} s (pre-check {check_s:.1f} s with "
        f"{result.gaps} gaps, XLSX job {total - check_s:.1f} s, {size / 1e6:.1f} MB); "
        f"peak RSS {_peak_mb():.0f} MB ({before:.0f} MB before the check){_trace_peak()}"
    )


def _trace_start() -> None:
    """With BENCH_TRACEMALLOC=1, trace Python's allocations from here (slower, but the peak is
    the measured work's own, apart from what making the data cost)."""
    if os.environ.get("BENCH_TRACEMALLOC") == "1":
        tracemalloc.start()


def _trace_peak() -> str:
    if not tracemalloc.is_tracing():
        return ""
    return f"; Python allocations peak {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MB"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db-url", default="")
    parser.add_argument("--part", choices=("import", "sheet"))
    args = parser.parse_args()
    if args.part:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.db_url or f"sqlite:///{tmp}/bench.db"
            if args.part == "import":
                part_import(url, args.rows, Path(tmp))
            else:
                part_sheet(url, args.cases, Path(tmp))
        return
    for part in ("import", "sheet"):
        command = [sys.executable, __file__, "--part", part, "--rows", str(args.rows)]
        command += ["--cases", str(args.cases)] + (["--db-url", args.db_url] if args.db_url else [])
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()

"""PDF benchmark: median milliseconds per certificate, and a ZIP of 1,000 certificates.

Targets (issue 6): at most 50 ms per certificate; 1,000 certificates in at most 30 s using both
cores; peak memory of the whole process tree at most 300 MB. The data is made here, in a
temporary SQLite database, so the run needs nothing but the checkout.

    .venv/bin/python bench/bench_pdf.py [--count 1000] [--renders 30] [--signed]

With --signed, a demo key (PKCS#12, made here) signs every certificate (PAdES, as the portal does
with CERT_SIGNING_P12): the median is then render + sign, and the ZIP signs and stores each one
(a second ZIP of the same certificates serves the stored files).

The web app, the database and the models are imported inside the functions that use them, not
at the top: the spawned render workers re-import this file, and like the workers of the web
process they should load only the renderer.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import tempfile
import threading
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

from portal.documents.bulk import certificate_zip
from portal.documents.certificate import CertificateSettings, printed_certificate

TARGET_MS = 50
TARGET_ZIP_SECONDS = 30
TARGET_PEAK_MB = 300
UNITS = (
    "Mengoperasikan Komputer Tingkat Dasar",
    "Menyusun Rencana Kerja Perpustakaan",
    "Membuat Laporan Kerja Perpustakaan",
    "Melakukan Seleksi Bahan Perpustakaan",
    "Melakukan Pengadaan Bahan Perpustakaan",
    "Melakukan Layanan Sirkulasi",
)


def make_certificates(count: int) -> list[int]:
    """A scheme of six (demo) units and `count` certified cases with their certificates.

    Inserted with Core statements, not ORM objects: thousands of objects would leave the
    process far larger than a web worker is, and skew the memory figure.
    """
    from sqlalchemy import insert

    from portal.extensions import db
    from portal.models import Applicant, Case, CaseUnit, Certificate, Scheme, Unit, scheme_unit
    from portal.rules.certificates import expiry

    issued, people = date(2025, 3, 12), range(1, count + 1)
    units = [{"id": i, "code": f"DEMO.LP01.{i:03d}.01", "title": t} for i, t in enumerate(UNITS, 1)]
    statements = [
        (Unit, units),
        (
            Scheme,
            [
                {
                    "id": 1,
                    "code": "KPK",
                    "number": "SKM.DEMO.02",
                    "scheme_type": "Klaster",
                    "title": "Klaster Demo",
                }
            ],
        ),
        (scheme_unit, [{"scheme_id": 1, "unit_id": u["id"]} for u in units]),
        (
            Applicant,
            [
                {
                    "id": n,
                    "nik": f"3171{n:012d}",
                    "full_name": f"Pemegang Sertifikat {n}",
                    "birth_place": "Jakarta",
                    "birth_date": date(1980, 1, 1) + timedelta(days=n),
                    "sex": "L",
                    "address": "Jakarta",
                    "phone": "+6281200000000",
                    "education_level": "S1",
                }
                for n in people
            ],
        ),
        (
            Case,
            [
                {
                    "id": n,
                    "reg_number": f"BENCH-{n:06d}",
                    "applicant_id": n,
                    "scheme_id": 1,
                    "status": "certified",
                }
                for n in people
            ],
        ),
        (
            CaseUnit,
            [{"case_id": n, "unit_id": u["id"], "result": "K"} for n in people for u in units],
        ),
        (
            Certificate,
            [
                {
                    "id": n,
                    "number": f"{n:05d}/LSP-PUST/KPK/2025",
                    "series": "LSP-PUST/KPK/2025",
                    "seq": n,
                    "verify_code": f"bench-{n:010d}",
                    "case_id": n,
                    "applicant_id": n,
                    "scheme_id": 1,
                    "holder_name": f"Pemegang Sertifikat {n}",
                    "issued_on": issued,
                    "expires_on": expiry(issued, 36),
                }
                for n in people
            ],
        ),
    ]
    for table, rows in statements:
        db.session.execute(insert(table), rows)
    db.session.commit()
    return list(people)


def median_render_ms(certificate_id: int, settings: CertificateSettings, renders: int) -> float:
    """The median wall time of one certificate render, after warm-up renders."""
    from portal.documents.loading import load_certificates
    from portal.extensions import db

    (data,) = load_certificates(db.session, [certificate_id])
    for _ in range(5):
        printed_certificate(data, settings)
    times = []
    for _ in range(renders):
        start = time.perf_counter()
        printed_certificate(data, settings)  # rendered, and signed when a key is set
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class TreeMemory(threading.Thread):
    """Samples the summed resident memory of a process (this one unless `root`) and all its
    descendants (/proc).

    Not getrusage: a child's ru_maxrss includes the parent's image it was forked from before it
    exec'd the spawned interpreter, and the parent's includes a transient 64 MB argon2 hash made
    at import; neither is memory the ZIP needs.
    """

    def __init__(self, interval: float = 0.05, root: int | None = None) -> None:
        super().__init__(daemon=True)
        self.interval, self.root = interval, root or os.getpid()
        self.peak_kb = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_kb = max(self.peak_kb, sum(map(_rss_kb, _tree(self.root))))
            self._done.wait(self.interval)

    def stop(self) -> int:
        """Stop sampling and return the peak in kB."""
        self._done.set()
        self.join()
        return self.peak_kb


def _tree(pid: int) -> list[int]:
    """A process and its descendants."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            pids.extend(_tree(int(child)))
    return pids


def _rss_kb(pid: int) -> int:
    """The resident set size of one process in kB (0 when it has just ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def zip_run(ids: list[int], settings: CertificateSettings) -> tuple[float, int, int]:
    """Stream the ZIP of these certificates to a file; wall seconds, size, entries."""
    from portal.documents.archive import keeper, loader
    from portal.extensions import db

    load, keep = loader(db.session, settings), keeper(db.session, settings)
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        for chunk in certificate_zip(ids, load, settings, keep=keep):
            out.write(chunk)
        seconds = time.perf_counter() - start
        size = out.tell()
        out.seek(0)
        with zipfile.ZipFile(io.BufferedReader(out)) as archive:
            entries = len(archive.namelist())
    return seconds, size, entries


def _demo_key(folder: Path) -> dict[str, str]:
    """A demo signing key in the folder, as the app's settings."""
    from portal.config import DEMO_SIGNING_PASSPHRASE
    from portal.documents.signing import make_demo_key
    from portal.models import utcnow

    path = folder / "bench-signing.p12"
    make_demo_key(path, "LSP Bench", utcnow())
    return {"CERT_SIGNING_P12": str(path), "CERT_SIGNING_PASSPHRASE": DEMO_SIGNING_PASSPHRASE}


def _cpu_seconds(who: int) -> float:
    """User and system CPU seconds of this process, or of its finished children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Build the data, run both measurements, print the figures against the targets."""
    from portal import create_app
    from portal.extensions import db

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates in the ZIP")
    parser.add_argument("--renders", type=int, default=30, help="timed single renders")
    parser.add_argument("--signed", action="store_true", help="sign with a demo key (PAdES)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
            "UPLOAD_DIR": Path(tmp) / "uploads",
        }
        if args.signed:
            config.update(_demo_key(Path(tmp)))
        app = create_app(config)
        with app.app_context():
            db.create_all()
            ids = make_certificates(args.count)
            settings = CertificateSettings.from_config(app.config)

            per_certificate = median_render_ms(ids[0], settings, args.renders)
            memory = TreeMemory()
            main_cpu = _cpu_seconds(resource.RUSAGE_SELF)
            memory.start()
            seconds, size, entries = zip_run(ids, settings)
            peak_mb = memory.stop() / 1024
            main_cpu = _cpu_seconds(resource.RUSAGE_SELF) - main_cpu
            stored_seconds = zip_run(ids, settings)[0] if args.signed else None
            db.session.remove()

    workers_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN)
    print(
        f"certificate {'render + signature' if args.signed else 'render'},"
        f" median of {args.renders}: {per_certificate:.1f} ms"
        f"  (target <= {TARGET_MS} ms) {_verdict(per_certificate <= TARGET_MS)}"
    )
    print(
        f"ZIP of {entries} certificates: {seconds:.1f} s wall, {size / 1024 / 1024:.1f} MB"
        f"  (target <= {TARGET_ZIP_SECONDS} s) {_verdict(seconds <= TARGET_ZIP_SECONDS)}"
    )
    print(
        f"  CPU: workers {workers_cpu:.1f} s, web process {main_cpu:.1f} s"
        f" = {(workers_cpu + main_cpu) / entries * 1000:.0f} ms per certificate"
        f" (the wall time on 2 idle cores is about half the total)"
    )
    if stored_seconds is not None:
        print(f"ZIP again, of the stored signed files: {stored_seconds:.1f} s wall")
    print(
        f"peak RSS of the process tree (sampled sum): {peak_mb:.0f} MB"
        f"  (target <= {TARGET_PEAK_MB} MB) {_verdict(peak_mb <= TARGET_PEAK_MB)}"
    )


def _verdict(met: bool) -> str:
    """How a figure compares with its target."""
    return "OK" if met else "MISSED"


if __name__ == "__main__":
    main()

"""Concurrent writers (issue 12, finding 4): 8 members of staff saving at once for 60 s against a
live gunicorn, on SQLite and then PostgreSQL, counting the requests and the answers of 500.

Each writer logs in (as the demo admin, in a browser session of its own) and repeats, until the
time is up: a Flask-Admin save (edit of a BNSP code row of its own, which reads the row and the
unique check before it writes), a public-document upload (a real one-page PDF), and a language
switch. Requests go to 127.0.0.1 only, in loops bounded by the duration. The PostgreSQL database
(`bench_writers` unless --pg-db) is dropped afterwards.

    .venv/bin/python bench/bench_writers.py [--writers 8] [--seconds 60] [--only sqlite]
"""

from __future__ import annotations

import argparse
import http.client
import io
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import (  # noqa: E402 - the scale benchmark's server, browser and databases
    PG_URL,
    Browser,
    Target,
    gunicorn,
    postgres_answers,
    scratch_database,
    seed,
)

WORKERS = 4  # gunicorn sync workers: several processes writing to one database


def one_page_pdf() -> bytes:
    """A real PDF that the upload's content checks accept."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def multipart(fields: list[tuple[str, str]], file: tuple[str, str, bytes]) -> tuple[str, bytes]:
    """A multipart/form-data body: the fields and one file (name, file name, content)."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    name, filename, content = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return f"multipart/form-data; boundary={boundary}", b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode()


class UploadingBrowser(Browser):
    """The scale benchmark's browser, which also posts a prepared (multipart) body."""

    def post_body(self, path: str, content_type: str, body: bytes) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        cookies = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(
            "POST", path, body=body, headers={"Cookie": cookies, "Content-Type": content_type}
        )
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status


class Writer:
    """One member of staff saving in a loop; counts every answer by its status."""

    def __init__(self, port: int, n: int, pdf: bytes) -> None:
        self.browser, self.n, self.pdf = UploadingBrowser(port), n, pdf
        self.statuses: Counter[int] = Counter()

    def setup(self) -> None:
        """Log in and create this writer's own BNSP code row."""
        self.browser.login("admin")
        token = self.browser.token("/admin/bnsp_code/new/")
        form = [
            ("kind", "pekerjaan"),
            ("code", f"W{self.n}"),
            ("name", "Writer"),
            ("csrf_token", token),
        ]
        self.browser.request("POST", "/admin/bnsp_code/new/", form)
        listing = self.browser.get(f"/admin/bnsp_code/?search=W{self.n}").decode()
        self.row = re.search(r"/admin/bnsp_code/edit/\?id=(\d+)", listing).group(1)
        self.token = token

    def run(self, until: float) -> None:
        round_ = 0
        while time.monotonic() < until:
            round_ += 1
            self._count(self._save(round_))
            self._count(self._upload(round_))
            self._count(self._switch(round_))

    def _count(self, status: int) -> None:
        self.statuses[status] += 1

    def _save(self, round_: int) -> int:
        form = [
            ("kind", "pekerjaan"),
            ("code", f"W{self.n}"),
            ("name", f"Writer {self.n} round {round_}"),
            ("csrf_token", self.token),
        ]
        return self.browser.request("POST", f"/admin/bnsp_code/edit/?id={self.row}", form)[0]

    def _upload(self, round_: int) -> int:
        fields = [
            ("csrf_token", self.token),
            ("title", f"Dokumen {self.n}-{round_}"),
            ("kind", "other"),
            ("schedule", "__None"),
            ("published", "y"),
        ]
        content_type, body = multipart(fields, ("file", "dokumen.pdf", self.pdf))
        return self.browser.post_body("/berkas/dokumen-publik/baru", content_type, body)

    def _switch(self, round_: int) -> int:
        code = ("en", "id")[round_ % 2]
        return self.browser.request("POST", f"/lang/{code}", [("csrf_token", self.token)])[0]


def measure(target: Target, writers: int, seconds: float, log: Path) -> Counter[int]:
    """Run the writers against a live gunicorn on the target; the answers by status."""
    pdf = one_page_pdf()
    with gunicorn(target.env() | {"RATELIMIT_ENABLED": "0"}, log, WORKERS) as server:
        crew = [Writer(server.port, n, pdf) for n in range(writers)]
        for writer in crew:
            writer.setup()
        until = time.monotonic() + seconds
        threads = [threading.Thread(target=writer.run, args=(until,)) for writer in crew]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return sum((writer.statuses for writer in crew), Counter())


def report(kind: str, statuses: Counter[int], writers: int, seconds: float) -> None:
    total = sum(statuses.values())
    shown = ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items()))
    print(
        f"== {kind}: {writers} writers x {seconds:.0f} s: {total} requests, "
        f"{statuses.get(500, 0)} answered 500 ({shown})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--pg-db", default="bench_writers")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-writers-"))
    log = work / "gunicorn.log"
    print(f"Writers benchmark: gunicorn {WORKERS} workers; files in {work}")
    if args.only != "postgresql":
        target = Target("sqlite", f"sqlite:///{work}/bench.db", work / "uploads-sqlite")
        seed(target, 20)
        report(
            "SQLite", measure(target, args.writers, args.seconds, log), args.writers, args.seconds
        )
    if args.only == "sqlite":
        return
    if not postgres_answers(args.pg_url):
        print("== PostgreSQL: SKIPPED, nothing answers at", args.pg_url.split("@")[-1])
        return
    with scratch_database(args.pg_url, args.pg_db) as url:
        target = Target("postgresql", url, work / "uploads-postgresql")
        seed(target, 20)
        statuses = measure(target, args.writers, args.seconds, log)
        report("PostgreSQL", statuses, args.writers, args.seconds)


if __name__ == "__main__":
    main()

"""The applicant rush's simulated applicant, for locust (run by bench/bench_rush.py).

Each user is one of the accounts bench_rush.py registered (rush0001@… upwards, confirmed, no
personal data yet) and does the journey once, as a browser would: sign in, open the schedule
on /jadwal, fill FR.APL.01 part 1 (profile) and part 2 (units, purpose, declaration), upload a
JPEG photo and a PDF ijazah, submit; then it idles until the runner quits. Redirects are not
followed by the client: each page a browser would load next is its own timed request. A refusal comes back as a
redirect to the page the form was on (the Referer), as in a browser.

Settings come from the environment: RUSH_PASSWORD, RUSH_PHOTO and RUSH_IJAZAH (file paths),
RUSH_USERS (the runner quits once that many journeys ended), RUSH_THINK (seconds a person
pauses on a page, drawn from 0.5–1.5 × that), RUSH_RESULTS (the JSON file of the stats and
outcomes).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from collections import Counter

import gevent
from locust import HttpUser, constant, events, task

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SCHEDULE_LINK = re.compile(r'href="(/asesi/jadwal/\d+)"')
UNIT_INPUT = re.compile(r'<input[^>]*name="units"[^>]*>')
VALUE = re.compile(r'value="(\d+)"')
PROFILE = {  # FR.APL.01 part 1: born 17-08-1985, male, as the NIKs bench_rush.py gives
    "birth_place": "Jakarta",
    "birth_date": "1985-08-17",
    "sex": "L",
    "address": "Jl. Salemba Raya No. 28A, Jakarta Pusat",
    "phone": "081234567890",
    "education_level": "S1",
    "library_field": "y",
    "experience_months": "24",
    "institution": "Perpustakaan Nasional",
    "job_title": "Pustakawan",
}

_numbers = itertools.count(1)
outcomes: Counter[str] = Counter()
finished = 0


def _read(path_variable: str) -> bytes:
    with open(os.environ[path_variable], "rb") as handle:
        return handle.read()


PHOTO, IJAZAH = _read("RUSH_PHOTO"), _read("RUSH_IJAZAH")
THINK = float(os.environ.get("RUSH_THINK", "1"))
USERS = int(os.environ.get("RUSH_USERS", "300"))


class Applicant(HttpUser):
    """One applicant of the rush: the journey once, then idle."""

    wait_time = constant(24 * 3600)
    done = False

    def on_start(self) -> None:
        self.number = next(_numbers)
        self.email = f"rush{self.number:04d}@example.org"
        self.page, self.html = "/", ""

    def think(self) -> None:
        gevent.sleep(THINK * random.uniform(0.5, 1.5))

    def get(self, path: str, name: str) -> str:
        """Load a page as a browser would, following its redirects one timed request each;
        the final page becomes the referrer of the next form."""
        for _hop in range(3):
            with self.client.get(
                path, name=name, allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code == 302:
                    path, name = response.headers["Location"], _name(response.headers["Location"])
                    continue
                if response.status_code != 200:
                    response.failure(f"{response.status_code} on GET {path}")
                    self._stop(f"GET {name}")
                self.page, self.html = path, response.text
                return self.html
        self._stop(f"GET {name}: too many redirects")

    def post(self, path: str, name: str, data: dict, files: dict | None = None) -> str:
        """Send the form of the current page (its CSRF token, the page as the Referer); a
        redirect is expected: its target is returned."""
        token = CSRF.search(self.html)
        fields = {**data, "csrf_token": token.group(1) if token else ""}
        with self.client.post(
            path,
            data=fields,
            files=files,
            headers={"Referer": f"{self.host}{self.page}"},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code} on {name}")
                self._stop(name)
            return response.headers["Location"]

    @task
    def journey(self) -> None:
        """The journey once; then the user waits (wait_time) until the runner quits: a user that
        stopped during the ramp-up would be replaced by locust with a new one."""
        global finished
        if self.done or self.number > USERS:
            return
        self.done = True
        try:
            self._journey()
        except _Stopped:
            pass
        finished += 1
        if finished == USERS:
            gevent.spawn(self.environment.runner.quit)

    def _journey(self) -> None:
        self.get("/asesi/masuk", "/asesi/masuk")
        self.think()
        credentials = {"email": self.email, "password": os.environ["RUSH_PASSWORD"]}
        home = self.post("/asesi/masuk", "POST /asesi/masuk", credentials)
        if not home.endswith("/asesi/"):
            self._stop("sign in")
        self.get(home, "/asesi/")
        link = SCHEDULE_LINK.search(self.get("/jadwal", "/jadwal"))
        if link is None:  # full: no "Daftar" button any more
            outcomes["saw the schedule full"] += 1
            return
        schedule = link.group(1)
        self.think()
        self.get(schedule, "/asesi/jadwal/[id]")
        if self.page.startswith("/asesi/profil"):  # no personal data yet: FR.APL.01 part 1
            self.think()
            self.get(self.post(self.page, "POST /asesi/profil", PROFILE), "/asesi/jadwal/[id]")
        self.think()
        application = self.post(schedule, "POST /asesi/jadwal/[id] (start)", {})
        if not re.search(r"/asesi/permohonan/\d+$", application):
            self._stop("start")
        self.get(application, "/asesi/permohonan/[id]")
        self.think()
        draft = {
            "units": [
                VALUE.search(tag).group(1)
                for tag in UNIT_INPUT.findall(self.html)
                if "checked" in tag
            ],
            "purpose": "sertifikasi",
            "declaration_name": f"Peserta Rush {self.number}",
        }
        self.get(
            self.post(application, "POST /asesi/permohonan/[id] (draft)", draft),
            "/asesi/permohonan/[id]",
        )
        for kind, filename, content, mime in (
            ("photo", "foto.jpg", PHOTO, "image/jpeg"),
            ("ijazah", "ijazah.pdf", IJAZAH, "application/pdf"),
        ):
            self.think()
            back = self.post(
                f"{application}/lampiran",
                "POST /asesi/permohonan/[id]/lampiran",
                {"kind": kind},
                files={"file": (filename, content, mime)},
            )
            if "alert-success" not in self.get(back, "/asesi/permohonan/[id]"):
                self._stop(f"upload {kind}")
        self.think()
        back = self.post(f"{application}/ajukan", "POST /asesi/permohonan/[id]/ajukan", {})
        shown = self.get(back, "/asesi/permohonan/[id]")
        outcomes["submitted: seat" if "alert-success" in shown else "submitted: refused"] += 1

    def _stop(self, step: str) -> None:
        outcomes[f"stopped at {step}"] += 1
        raise _Stopped()


class _Stopped(Exception):
    """The journey ended early (a failure, counted in the outcomes)."""


def _name(path: str) -> str:
    """The request name of a path: its record ids and query left out."""
    return re.sub(r"/\d+", "/[id]", path.split("?")[0])


@events.test_stop.add_listener
def _write_results(environment, **_kwargs) -> None:  # noqa: ANN001, ANN003
    """The outcomes and the stats of every request name, once every journey has ended (the
    CSV that locust writes on a timer may miss the last seconds)."""
    stats = environment.stats
    entries = sorted(stats.entries.values(), key=lambda e: e.name)

    def row(entry, name: str) -> dict:  # noqa: ANN001
        return {
            "name": name,
            "count": entry.num_requests,
            "failures": entry.num_failures,
            "median": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
        }

    errors = [f"{e.method} {e.name}: {e.error} × {e.occurrences}" for e in stats.errors.values()]
    results = {
        "outcomes": dict(outcomes),
        "requests": [row(e, e.name) for e in entries] + [row(stats.total, "overall")],
        "errors": errors,
    }
    with open(os.environ["RUSH_RESULTS"], "w") as handle:
        json.dump(results, handle)

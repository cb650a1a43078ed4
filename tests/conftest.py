"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL from DATABASE_URL),
the app, a test client, and helpers that build staff and log in as a browser would."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, timedelta
from itertools import count

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import event, text

from portal import clock, create_app, jobs
from portal.extensions import db
from portal.models import (
    Applicant,
    Assessor,
    Attachment,
    DecisionMeeting,
    MeetingAttendee,
    Scheme,
    SchemeRequirement,
    Tuk,
    Unit,
    User,
)
from portal.passwords import hash_password
from portal.rules.requirements import pustakawan_alternatives
from portal.rules.vocabulary import Role
from tests.mail import mailbox  # noqa: F401 (the loopback SMTP server and worker fixture)

PASSWORD = "correct-horse-battery"
_FAST_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose


def database_url(tmp_path) -> str:
    """PostgreSQL when DATABASE_URL names it, else a fresh SQLite file for this test."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else f"sqlite:///{tmp_path}/test.db"


_fresh_schema: list[bool] = []  # once per test run


def _fresh_postgres_schema() -> None:
    """Once per run, an empty schema: a database kept from another checkout has that
    checkout's tables, and `create_all` adds missing tables but never missing columns."""
    if not _fresh_schema:
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
        _fresh_schema.append(True)


def _reset_postgres() -> None:
    """Empty every table, keeping the schema (much faster than dropping it per test)."""
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


class BrowserClient(FlaskClient):
    """A test client whose every request starts with an empty `g`.

    The `app` fixture keeps one app context open for the test's own database work, and Flask
    reuses an open app context for requests; in production each request has its own. Clearing
    `g` keeps per-request caches (the logged-in user, the locale) from leaking between requests.
    """

    def open(self, *args, **kwargs):
        g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    """The application on a clean database."""
    app = create_app(
        {
            "TESTING": True,
            "DEMO": False,  # whatever PORTAL_DEMO the Makefile exports; demo tests turn it on
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "UPLOAD_DIR": tmp_path / "uploads",
            "RATELIMIT_ENABLED": False,
            "BROKER_URL": f"sqlite:///{tmp_path}/broker.db",
            "JOB_RESULT_DIR": tmp_path / "jobs",
        }
    )
    app.test_client_class = BrowserClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _fresh_postgres_schema()
        db.create_all()
        if db.engine.dialect.name == "postgresql":
            _reset_postgres()
        yield app
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """A CLI runner for `flask` commands."""
    return app.test_cli_runner()


def make_user(username: str, *roles: str, assessor: Assessor | None = None, **fields) -> User:
    """Create and commit a member of staff with the given roles."""
    user = User(
        username=username,
        full_name=fields.pop("full_name", username.title()),
        password_hash=_FAST_HASH,
        assessor=assessor,
        **fields,
    )
    user.roles = roles
    db.session.add(user)
    db.session.commit()
    return user


def quorate_meeting(chair: User, held_on: date, place: str = "Ruang rapat LSP") -> DecisionMeeting:
    """A decision meeting the rules accept: the chair and two more officials present."""
    members = [
        make_user(f"{chair.username}-{role}", role)
        for role in (Role.QUALITY_HEAD, Role.STANDARDS_HEAD)
    ]
    meeting = DecisionMeeting(held_on=held_on, place=place, chair=chair)
    meeting.attendees = [
        MeetingAttendee(user=user, position=user.full_name) for user in (chair, *members)
    ]
    db.session.add(meeting)
    db.session.commit()
    return meeting


def csrf_token(client: FlaskClient, url: str) -> str:
    """Read the CSRF token from a page, as a browser's form would carry it."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    """Log in through the login form."""
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


@pytest.fixture
def catalogue(app: Flask) -> dict:
    """A scheme with two units, a TUK, an asesor registered for the scheme, and an applicant."""
    units = [
        Unit(code="DEMO.LP01.001.01", title="Demo: Mengoperasikan komputer"),
        Unit(code="DEMO.LP01.002.01", title="Demo: Melakukan seleksi bahan perpustakaan"),
    ]
    requirements = [
        SchemeRequirement(position=i, **asdict(alternative))
        for i, alternative in enumerate(pustakawan_alternatives(), start=1)
    ]
    scheme = Scheme(
        code="KLP",
        scheme_type="Klaster",
        title="Klaster Layanan Pemustaka",
        units=units,
        requirements=requirements,
    )
    tuk = Tuk(code="TUK-01", name="TUK Perpusnas", tuk_type="sewaktu", address="Jakarta")
    assessor = Assessor(
        full_name="Siti Asesor",
        met_number="MET.000.001668 2012",
        licence_valid_until=clock.today() + timedelta(days=365),
        schemes=[scheme],
    )
    applicant = Applicant(
        nik="3171011708450001",
        full_name="Budi Santoso",
        birth_place="Jakarta",
        birth_date=date(1945, 8, 17),
        sex="L",
        address="Jl. Merdeka 1",
        phone="+6281234567890",
        education_level="S1",
        library_field=True,
    )
    db.session.add_all([scheme, tuk, assessor, applicant])
    db.session.commit()
    return {
        "scheme": scheme,
        "units": units,
        "tuk": tuk,
        "assessor": assessor,
        "applicant": applicant,
    }


@pytest.fixture
def staff(app, catalogue):
    """One user per role of the flow; the asesor is linked to the catalogue's asesor."""
    return {
        "secretariat": make_user("sekretariat", "secretariat"),
        "assessor": make_user("asesor", "assessor", assessor=catalogue["assessor"]),
        "chair": make_user("ketua", "chair", position="Ketua LSP"),
        "head": make_user("kabid", "certification_head", position="Kepala Bidang Sertifikasi"),
    }


@pytest.fixture
def queries(app):
    """The SQL statements run since the last `clear()`."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield statements
    event.remove(db.engine, "before_cursor_execute", count)


_stored_names = count(1)


def judged_attachment(kind: str, **fields) -> Attachment:
    """A current attachment judged present and adequate; the workflow never reads its file."""
    return Attachment(
        kind=kind,
        original_name=f"{kind}.pdf",
        stored_name=f"test-{next(_stored_names):06d}.pdf",
        mime_type="application/pdf",
        size_bytes=1000,
        sha256="0" * 64,
        present=True,
        adequate=True,
        **fields,
    )


def worked(client, answer) -> str:
    """Run the job that a request started (it answered with the job's page), as the worker
    would, then follow the job's page to where it leads: its report."""
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    location = answer.headers["Location"]
    job_id = int(re.search(r"/admin/jobs/(\d+)/", location).group(1))
    db.session.commit()  # the test's app context may hold the request's transaction
    jobs.run(db.session, job_id)
    return client.get(location, follow_redirects=True).get_data(as_text=True)

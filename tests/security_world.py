"""The world the security tests probe: the demo LSP (a login per role, cases in every status,
attachments with real files) plus the rows the demo lacks, built once per test module.

Every URL parameter and `?id=` of the access matrix and the fuzz tests is filled with the id of
a real row from here, so a refused request is refused for its role, not for a missing row.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal import clock, create_app
from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.models import Attachment, Case, Complaint, PublicDocument, User
from portal.rules.vocabulary import Role
from portal.uploads import store_stream
from tests import files
from tests.conftest import BrowserClient, _reset_postgres, csrf_token, database_url, login

# One demo login per role; `asesor1` sees only the cases assigned to their Assessor record.
LOGINS = {
    Role.ADMIN: "admin",
    Role.SECRETARIAT: "sekretariat",
    Role.CHAIR: "ketua",
    Role.DEPUTY_CHAIR: "wakil",
    Role.CERTIFICATION_HEAD: "kabid",
    Role.QUALITY_HEAD: "mutu",
    Role.STANDARDS_HEAD: "standar",
    Role.ASSESSOR: "asesor1",
}
DEMO_CASES = 26  # enough for one case in every status, and several per asesor
PDF = files.pdf()


@dataclass
class World:
    """The app, its upload folder, and the ids the tests aim at."""

    app: Flask
    upload_dir: Path
    own_case: int  # assigned to asesor1, with an attachment
    other_case: int  # assigned to another asesor, with an attachment
    own_attachment: int
    other_attachment: int
    public_document: int

    def client(self, role: Role | None = None) -> FlaskClient:
        """A browser logged in with the role's demo login (anonymous for None)."""
        client = self.app.test_client()
        if role is not None:
            response = login(client, LOGINS[role], DEMO_PASSWORD)
            assert response.status_code == 302, f"{LOGINS[role]} could not log in"
        return client

    def token(self, client: FlaskClient) -> str:
        """The CSRF token of the client's session, read from a page as a browser would."""
        return csrf_token(client, "/login" if _anonymous(client) else "/admin/")


def _anonymous(client: FlaskClient) -> bool:
    """True when the client's session has no logged-in user."""
    with client.session_transaction() as session:
        return "_user_id" not in session


@contextmanager
def fresh_app(tmp: Path, **config) -> Iterator[Flask]:
    """An app on an empty database (a SQLite file in `tmp`, or DATABASE_URL's PostgreSQL),
    inside an app context; `config` adds to the test settings."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url(tmp),
            "UPLOAD_DIR": tmp / "uploads",
            "RATELIMIT_ENABLED": False,
            **config,
        }
    )
    app.test_client_class = BrowserClient
    with app.app_context():
        db.create_all()
        if db.engine.dialect.name == "postgresql":
            _reset_postgres()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@contextmanager
def built_world(tmp: Path) -> Iterator[World]:
    """A fresh app and database holding the world, inside an app context."""
    with fresh_app(tmp) as app:
        yield _populate(app, tmp / "uploads")


def _populate(app: Flask, upload_dir: Path) -> World:
    """Seed the demo, then add a complaint, a published public document and two attachments."""
    seed_demo(db.session, DEMO_CASES, upload_dir)
    asesor1 = db.session.scalar(select(User).where(User.username == LOGINS[Role.ASSESSOR]))
    own = _first_case(Case.assessor_id == asesor1.assessor_id)
    other = _first_case(Case.assessor_id.is_not(None), Case.assessor_id != asesor1.assessor_id)
    stored = store_stream(io.BytesIO(PDF), "jadwal.pdf", upload_dir, 1 << 20)
    document = PublicDocument(title="Jadwal uji", kind="other", published=True, **stored.columns())
    attachments = [
        Attachment(
            case_id=case_id,
            kind="other",
            **store_stream(io.BytesIO(PDF), "bukti.pdf", upload_dir, 1 << 20).columns(),
        )
        for case_id in (own, other)
    ]
    complaint = Complaint(
        received_on=clock.today(), complainant_name="Pelapor", subject="Uji", description="Uji"
    )
    db.session.add_all([document, complaint, *attachments])
    db.session.commit()
    return World(
        app=app,
        upload_dir=upload_dir,
        own_case=own,
        other_case=other,
        own_attachment=attachments[0].id,
        other_attachment=attachments[1].id,
        public_document=document.id,
    )


def _first_case(*conditions) -> int:
    """The smallest id of a case matching the conditions."""
    case_id = db.session.scalar(select(func.min(Case.id)).where(*conditions))
    assert case_id is not None, "the demo data has no such case"
    return case_id


def row_counts() -> dict[str, int]:
    """The number of rows in every table: a write anywhere changes one of them."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: what "nothing changed" compares."""
    db.session.expire_all()
    return {
        table.name: sorted(
            (tuple(map(repr, row)) for row in db.session.execute(select(table))), key=str
        )
        for table in db.metadata.sorted_tables
    }

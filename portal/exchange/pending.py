"""Uploaded import files kept between their preview and their commit.

The file is stored under a random name outside the web root (`UPLOAD_DIR/imports/`), and its
token is remembered in the uploader's session only: another user cannot commit it, and the
commit reads the same bytes the preview read (checked again against the database then). The
worker reads the file by its token (`read`) and removes it once committed; files left at the
preview stage are removed by the worker's sweep after IMPORT_KEEP_HOURS (`sweep`).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app, session

from .. import clock

_KEY = "exchange_pending"
_KEPT = 5  # files per session; the oldest is dropped


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(data: bytes, filename: str, kind: str) -> str:
    """Store an upload and return its token."""
    token = secrets.token_urlsafe(18)
    (_folder() / token).write_bytes(data)
    pending = dict(session.get(_KEY, {}))
    pending[token] = {"name": filename[:200], "kind": kind}
    for old in list(pending)[:-_KEPT]:
        discard(old, pending)
    session[_KEY] = pending
    return token


def load(token: str, kind: str) -> tuple[bytes, str] | None:
    """The bytes and name of a kept upload of this session and kind, or None."""
    entry = session.get(_KEY, {}).get(token)
    if not entry or entry["kind"] != kind:
        return None
    path = _folder() / token
    return (path.read_bytes(), entry["name"]) if path.is_file() else None


def forget(token: str) -> None:
    """Forget an upload in this session (its commit went to the worker, which removes it)."""
    own = dict(session.get(_KEY, {}))
    own.pop(token, None)
    session[_KEY] = own


def read(token: str) -> bytes | None:
    """The bytes of a kept upload by its token alone (the worker's side), or None."""
    path = _folder() / token
    return path.read_bytes() if token and path.name == token and path.is_file() else None


def remove(token: str) -> None:
    """Delete a kept upload's file (after its commit)."""
    if token and Path(token).name == token:
        (_folder() / token).unlink(missing_ok=True)


def sweep() -> int:
    """Delete the uploads older than IMPORT_KEEP_HOURS (previewed, never committed); how many."""
    keep = timedelta(hours=current_app.config["IMPORT_KEEP_HOURS"])
    oldest = (clock.now() - keep).timestamp()
    removed = 0
    for path in _folder().iterdir():
        if path.is_file() and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def discard(token: str, pending: dict | None = None) -> None:
    """Forget an upload and delete its file."""
    own = pending if pending is not None else dict(session.get(_KEY, {}))
    if own.pop(token, None) is not None:
        (_folder() / token).unlink(missing_ok=True)
    if pending is None:
        session[_KEY] = own

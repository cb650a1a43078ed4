"""Uploaded import files kept between their preview and their commit.

The file is stored under a random name outside the web root (`UPLOAD_DIR/imports/`), and its
token is remembered in the uploader's session only: another user cannot commit it, and the
commit reads the same bytes the preview read (checked again against the database then).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app, session

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


def discard(token: str, pending: dict | None = None) -> None:
    """Forget an upload and delete its file."""
    own = pending if pending is not None else dict(session.get(_KEY, {}))
    if own.pop(token, None) is not None:
        (_folder() / token).unlink(missing_ok=True)
    if pending is None:
        session[_KEY] = own

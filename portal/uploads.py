"""Uploaded files: typed by their content, size-limited, stored outside the web root under
generated names, with a SHA-256 checksum.

Nothing the user sends is trusted: neither the file name nor the browser's content type. The
type is read from the first bytes and the whole content checked (`content_checks`: a PDF must
parse and carry no scripts or embedded files, an image must decode within a pixel budget and is
downscaled); the stored name is random; the user's name is kept for
display only. A file is written beside its final place and renamed into it when complete, so a
failure never leaves a partial file under a stored name.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from werkzeug.datastructures import FileStorage

from .content_checks import ContentRefused, check_image, check_pdf
from .rules.identity import Message
from .rules.vocabulary import N_

CHUNK_BYTES = 64 * 1024
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class FileType:
    """An accepted type: the bytes a file of that type starts with, its MIME type and extension."""

    signature: bytes
    mime_type: str
    extension: str


ACCEPTED_TYPES = (
    FileType(b"%PDF-", "application/pdf", "pdf"),
    FileType(b"\xff\xd8\xff", "image/jpeg", "jpg"),
    FileType(b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
_HEAD_BYTES = max(len(t.signature) for t in ACCEPTED_TYPES)
_EXTENSIONS = {"pdf": (".pdf",), "jpg": (".jpg", ".jpeg"), "png": (".png",)}
# What `new_stored_name` makes: 32 hex digits and an accepted extension. Nothing else is a path.
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:pdf|jpg|png)")


class UploadRefused(Exception):
    """Why an upload was refused; `message` is an English msgid with parameters, for gettext."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.message = Message(msgid, params)
        super().__init__(str(self.message))


@dataclass(frozen=True)
class StoredFile:
    """The values of `StoredFileMixin`'s columns for one stored file."""

    original_name: str
    stored_name: str
    mime_type: str
    size_bytes: int
    sha256: str

    def columns(self) -> dict[str, object]:
        """The values as keyword arguments for a model built on StoredFileMixin."""
        return asdict(self)


def detect_type(head: bytes) -> FileType | None:
    """The accepted type whose signature starts the content, or None."""
    return next((t for t in ACCEPTED_TYPES if head.startswith(t.signature)), None)


def new_stored_name(file_type: FileType) -> str:
    """A fresh random name for a stored file of this type."""
    return f"{secrets.token_hex(16)}.{file_type.extension}"


def relative_path(stored_name: str) -> str:
    """Where a stored file lives under the upload folder: a fan-out folder of its first two
    characters, so that no folder holds too many files.

    Raises ValueError for anything that `new_stored_name` could not have made, so no value
    from a request or a tampered row can name another file.
    """
    if not STORED_NAME.fullmatch(stored_name):
        raise ValueError(f"not a stored file name: {stored_name!r}")
    return f"{stored_name[:2]}/{stored_name}"


def stored_path(root: Path, stored_name: str) -> Path:
    """The path of a stored file (see `relative_path`)."""
    return Path(root) / relative_path(stored_name)


def discard(root: Path, stored_name: str) -> None:
    """Remove a stored file whose database row was not written (a failed transaction)."""
    stored_path(root, stored_name).unlink(missing_ok=True)


def display_name(filename: str | None, file_type: FileType) -> str:
    """The user's file name made safe to show and to offer as a download name.

    Folders and control characters are dropped, and the extension of the detected type is
    added when the name does not already end with it (a PDF named `x.exe` becomes `x.exe.pdf`).
    """
    base = re.split(r"[/\\]", filename or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    base = " ".join(base.split()).strip(". ") or "file"
    extensions = _EXTENSIONS[file_type.extension]
    if not base.lower().endswith(extensions):
        base = f"{base}{extensions[0]}"
    if len(base) > MAX_NAME_LENGTH:
        suffix = extensions[0]
        base = base[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return base


def store_upload(upload: FileStorage, root: Path, max_bytes: int) -> StoredFile:
    """Check and store a file from a form; raise UploadRefused with the reason when refused."""
    return store_stream(upload.stream, upload.filename, root, max_bytes)


def store_stream(stream: BinaryIO, filename: str | None, root: Path, max_bytes: int) -> StoredFile:
    """Check and store the content of a stream, read in chunks and stopped as soon as too large."""
    head = _read_head(stream)
    if not head:
        raise UploadRefused(N_("The file is empty."))
    file_type = detect_type(head)
    if file_type is None:
        raise UploadRefused(
            N_(
                "Only PDF, JPEG and PNG files are accepted, and this file's content is none of them."
            )
        )
    stored_name = new_stored_name(file_type)
    chunks = chain([head], iter(lambda: stream.read(CHUNK_BYTES), b""))
    check = lambda path: check_content(path, file_type)  # noqa: E731
    size, sha256 = _write_new(stored_path(root, stored_name), chunks, max_bytes, check)
    return StoredFile(
        display_name(filename, file_type), stored_name, file_type.mime_type, size, sha256
    )


def _read_head(stream: BinaryIO) -> bytes:
    """The first bytes of the stream, enough to recognise every accepted type (fewer at its end)."""
    head = b""
    while len(head) < _HEAD_BYTES:
        chunk = stream.read(CHUNK_BYTES)
        if not chunk:
            break
        head += chunk
    return head


def check_content(path: Path, file_type: FileType) -> bool:
    """Check a written file's whole content (see `content_checks`); True when it was rewritten."""
    try:
        if file_type.extension == "pdf":
            check_pdf(path)
            return False
        return check_image(path, file_type.extension)
    except ContentRefused as refused:
        raise UploadRefused(refused.msgid, **refused.params) from None


def _write_new(
    path: Path, chunks: Iterable[bytes], max_bytes: int, check: Callable[[Path], bool]
) -> tuple[int, str]:
    """Write chunks to a temporary file beside `path`, `check` it (it may rewrite it), then
    rename it there; return size and SHA-256 of what is stored."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRefused(
                        N_("The file is larger than the limit of %(limit)s."),
                        limit=_megabytes(max_bytes),
                    )
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if check(Path(temporary)):
            size, digest = _measure(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def _measure(path: Path) -> tuple[int, hashlib._Hash]:
    """The size and SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return path.stat().st_size, digest


def _megabytes(size: int) -> str:
    """A byte count as people read it, e.g. `5 MB` or `0.5 MB`."""
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"

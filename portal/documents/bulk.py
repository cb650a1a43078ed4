"""Many certificates as one ZIP, streamed while it renders.

Progress without a frozen page: a batch of hundreds takes tens of seconds, so the response starts
with the first rendered chunk and each PDF goes into the ZIP as soon as it arrives. The browser
treats it as a download (Content-Disposition: attachment): the page the user clicked from stays
usable and the download bar shows the file growing until the last certificate is in.

Flat memory: certificates are loaded from the database one chunk at a time, and only a bounded
window of chunks is ever submitted and not yet written, whatever the batch size. The ZIP is
written to a sink that is emptied after every entry.

Signed as they are printed: a certificate in force whose PDF was signed and stored earlier goes
into the ZIP as stored; one printed now is signed (in the worker) and handed to `keep`, which
stores it, so each certificate is signed once.

Processes, not threads: xhtml2pdf serialises renders within one process. Workers are spawned
(they inherit no database connection or thread state of the web process) and results are
consumed in submission order, like an ordered `imap` with back-pressure.
"""

from __future__ import annotations

import io
import multiprocessing
import zipfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from typing import NamedTuple

from .certificate import CertificateData, CertificateSettings, printed_certificate
from .pdf import safe_filename

WORKERS = 2
CHUNK = 10
# Below this many certificates, rendering in the request beats starting worker processes (~1 s).
IN_PROCESS_MAX = 2 * CHUNK

Loader = Callable[[Sequence[int]], list[CertificateData]]
# Called with (certificate id, PDF) for each certificate signed now, in the calling process.
Keeper = Callable[[int, bytes], None]


class Printed(NamedTuple):
    """One certificate's PDF in a batch, and whether it was signed now (so is to be kept)."""

    certificate_id: int
    filename: str
    pdf: bytes
    newly_signed: bool


Rendered = list[Printed]


def certificate_filename(number: str) -> str:
    """The file name of one certificate's PDF, inside a ZIP or as a download."""
    return safe_filename(f"sertifikat-{number}", ".pdf")


def certificate_zip(
    ids: Sequence[int],
    load: Loader,
    settings: CertificateSettings,
    workers: int = WORKERS,
    keep: Keeper | None = None,
) -> Iterator[bytes]:
    """Yield the bytes of a ZIP holding one PDF per certificate, in the order of `ids`."""
    sink = _Sink()
    stamp = datetime.now().timetuple()[:6]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for printed in printed_certificates(ids, load, settings, workers, keep):
            archive.writestr(zipfile.ZipInfo(printed.filename, date_time=stamp), printed.pdf)
            yield sink.drain()
    yield sink.drain()


def render_chunk(chunk: Sequence[CertificateData], settings: CertificateSettings) -> Rendered:
    """Print a chunk of certificates (in a worker process, or in the request for small batches)."""
    printed = []
    for data in chunk:
        result = printed_certificate(data, settings)
        name = certificate_filename(data.number)
        printed.append(Printed(data.id, name, result.pdf, result.newly_signed))
    return printed


def printed_certificates(
    ids: Sequence[int],
    load: Loader,
    settings: CertificateSettings,
    workers: int = WORKERS,
    keep: Keeper | None = None,
) -> Iterator[Printed]:
    """Each certificate's PDF in the order of `ids`; those signed now are handed to `keep` first."""
    for printed in _rendered(ids, load, settings, workers):
        if printed.newly_signed and keep is not None:
            keep(printed.certificate_id, printed.pdf)
        yield printed


def _rendered(
    ids: Sequence[int], load: Loader, settings: CertificateSettings, workers: int
) -> Iterator[Printed]:
    """Each certificate's PDF, in order, printed in the request or by worker processes."""
    chunks = (ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK))
    if len(ids) <= IN_PROCESS_MAX:
        for chunk in chunks:
            yield from render_chunk(load(chunk), settings)
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    window: deque[Future[Rendered]] = deque()

    def submit_next() -> None:
        chunk = next(chunks, None)
        if chunk is None:
            return
        loaded = load(chunk)
        if all(data.signed_pdf is not None for data in loaded):
            stored: Future[Rendered] = Future()  # nothing to render: no trip to a worker
            stored.set_result(render_chunk(loaded, settings))
            window.append(stored)
        else:
            window.append(pool.submit(render_chunk, loaded, settings))

    try:
        for _ in range(2 * workers):  # each worker has one chunk running and one queued
            submit_next()
        while window:
            done = window.popleft().result()
            submit_next()
            yield from done
    finally:
        # Done: wait for the workers to exit. Cut short (a client that went away): do not wait.
        pool.shutdown(wait=not window, cancel_futures=True)


class _Sink(io.RawIOBase):
    """A write-only stream that hands over what was written since the last drain.

    It cannot seek or tell, so `zipfile` writes in streaming mode (sizes after each entry).
    """

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        """Everything written since the previous drain."""
        data = b"".join(self._parts)
        self._parts.clear()
        return data

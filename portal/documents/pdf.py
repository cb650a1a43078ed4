"""HTML to PDF with xhtml2pdf, locked down: no remote fetch, local reads only from our assets.

Every image a document shows (logo, signature, photo, QR code) is read by our own code and
inlined as a data URI, so the markup itself never names a file outside the font folder and the
portal's static folder, and nothing is fetched over the network. xhtml2pdf only logs a resource
it refuses and leaves it out (a font silently falls back to Helvetica), and only logs a character
no embedded font can draw; here each of these fails the render instead, so a broken set-up never
prints a certificate in the wrong typeface or with a name missing letters.
"""

from __future__ import annotations

import base64
import io
import logging
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import segno
from PIL import Image, ImageOps
from reportlab import rl_config
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from ..config import PROJECT_DIR

# Source Serif Pro (SIL Open Font License 1.1), shipped by the PyPI package font-source-serif-pro.
FONT_DIR = Path(str(files("font_source_serif_pro") / "files"))
STATIC_DIR = PROJECT_DIR / "static"
DEFAULT_LOGO = STATIC_DIR / "img" / "logo.png"
MAX_IMAGE_BYTES = 4 * 1024 * 1024

# Images as binary streams: smaller, and no ASCII85 pass (pure Python without rl-accel: ~30 ms).
rl_config.useA85 = 0

POLICY = ResourceAccessPolicy.server(
    base_dir=None, extra_roots=(FONT_DIR, STATIC_DIR), allow_remote=False
)


@dataclass(frozen=True)
class FontFace:
    """One @font-face rule of the documents' family."""

    path: Path
    weight: str = "normal"
    style: str = "normal"


FONT_FACES = (
    FontFace(FONT_DIR / "SourceSerifPro-Regular.ttf"),
    FontFace(FONT_DIR / "SourceSerifPro-Bold.ttf", weight="bold"),
    FontFace(FONT_DIR / "SourceSerifPro-It.ttf", style="italic"),
)


class DocumentError(Exception):
    """A document could not be rendered as designed (a refused resource, a missing font)."""


class _ResourceProblems(logging.Handler):
    """Collect this thread's warnings about resources and fonts during one render."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep refused resources and font problems (missing faces or glyphs)."""
        message = record.getMessage()
        if record.thread == self.thread and (
            record.name == "xhtml2pdf.files" or "font" in message.lower()
        ):
            self.messages.append(message)


_XHTML2PDF_LOG = logging.getLogger("xhtml2pdf")


def html_to_pdf(html: str) -> bytes:
    """Render one HTML document to PDF bytes under the locked-down policy."""
    if _XHTML2PDF_LOG.getEffectiveLevel() > logging.WARNING:
        _XHTML2PDF_LOG.setLevel(logging.WARNING)  # the problems below are logged at WARNING
    problems = _ResourceProblems()
    _XHTML2PDF_LOG.addHandler(problems)
    try:
        out = io.BytesIO()
        status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=POLICY)
    finally:
        _XHTML2PDF_LOG.removeHandler(problems)
    if status.err or problems.messages:
        raise DocumentError("; ".join(problems.messages) or "xhtml2pdf reported an error")
    return out.getvalue()


def qr_data_uri(payload: str) -> str:
    """A QR code of the payload as a PNG data URI (medium error correction, quiet zone kept).

    The mask is fixed: any mask decodes, and scoring all eight to pick one doubled the QR's cost.
    """
    return segno.make(payload, error="m", mask=0).png_data_uri(scale=4, border=2)


def image_data_uri(path: str | Path | None) -> str | None:
    """A local image (logo, signature) as a data URI, or None when it is not configured."""
    if not path:
        return None
    resolved = Path(path)
    try:
        version = resolved.stat().st_mtime_ns
    except OSError as error:
        raise DocumentError(f"{path} cannot be read: {error}") from error
    return _inline(str(resolved), version)


def thumbnail_data_uri(path: Path, size: tuple[int, int] = (300, 400)) -> str | None:
    """A photo cropped to 3 × 4 at print size, as a JPEG data URI; None when it cannot be read.

    Uploads may be 24-megapixel photographs: embedded as they are, eight badges a page would make
    a huge PDF. An unreadable or oversized image leaves the placeholder instead of failing the
    whole sheet.
    """
    try:
        with Image.open(path) as image:
            image.draft("RGB", size)  # a JPEG decodes at a fraction of its size, much faster
            photo = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"), size)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return _jpeg_data_uri(photo, quality=85)


@lru_cache(maxsize=16)
def _inline(path: str, _mtime_ns: int) -> str:
    """Read an image once per file version, flattened on white paper as a JPEG.

    A PDF carries a JPEG as it is, whereas a PNG is decoded and compressed again in every render
    (3 ms of a 50 ms certificate); the documents are printed on white, so nothing is lost.
    """
    if Path(path).stat().st_size > MAX_IMAGE_BYTES:
        raise DocumentError(f"{path} is larger than {MAX_IMAGE_BYTES} bytes")
    try:
        with Image.open(path) as image:
            rgba = image.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise DocumentError(f"{path} is not a readable image: {error}") from error
    paper = Image.new("RGB", rgba.size, "white")
    paper.paste(rgba, mask=rgba)
    return _jpeg_data_uri(paper, quality=95)


def _jpeg_data_uri(image: Image.Image, quality: int) -> str:
    """An RGB image as a JPEG data URI (full colour resolution, so edges stay sharp)."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, subsampling=0)
    return f"data:image/jpeg;base64,{base64.b64encode(out.getvalue()).decode('ascii')}"


def safe_filename(text: str, suffix: str) -> str:
    """A download name built from a document's number: `00001/LSP/X/2025` → `00001-LSP-X-2025`."""
    cleaned = "".join(c if (c.isascii() and c.isalnum()) or c == "_" else "-" for c in text)
    return f"{'-'.join(filter(None, cleaned.split('-'))) or 'document'}{suffix}"

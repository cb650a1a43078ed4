"""HTML to PDF with xhtml2pdf, locked down: no remote fetch, local reads only from our assets.

Every image a document shows (logo, signature, photo, QR code) is read by our own code and
inlined as a data URI, so the markup itself never names a file outside the font folder and the
portal's static folder, and nothing is fetched over the network. xhtml2pdf only logs a resource
it refuses and leaves it out (a font silently falls back to Helvetica), and only logs a character
no embedded font can draw; here each of these fails the render instead, so a broken set-up never
prints a certificate in the wrong typeface.

Any name a person can have prints: the documents' font stack covers the scripts of names in
Indonesia (Source Serif for Latin; Noto Serif for more Latin diacritics, Greek and Cyrillic; Noto
Naskh Arabic for Arabic and Jawi; Droid Sans Fallback for CJK), and xhtml2pdf picks, character by
character, the first face that has a glyph. Data never fails a document: every value a template
prints passes `printable`, which drops invisible and bidirectional control characters and
replaces what no face can draw with "?", so one odd record never breaks a batch.
"""

from __future__ import annotations

import base64
import io
import logging
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import segno
from markupsafe import Markup
from PIL import Image, ImageOps
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont, TTFontFile
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy
from xhtml2pdf.default import DEFAULT_FONT

from ..config import PROJECT_DIR

# Source Serif Pro (SIL Open Font License 1.1), shipped by the PyPI package font-source-serif-pro.
FONT_DIR = Path(str(files("font_source_serif_pro") / "files"))
# Debian's fonts-noto-core and fonts-droid-fallback (`make pdf-deps` installs them when missing).
NOTO_DIR = Path("/usr/share/fonts/truetype/noto")
DROID_DIR = Path("/usr/share/fonts/truetype/droid")
STATIC_DIR = PROJECT_DIR / "static"
DEFAULT_LOGO = STATIC_DIR / "img" / "logo.png"
MAX_IMAGE_BYTES = 4 * 1024 * 1024

# Images as binary streams: smaller, and no ASCII85 pass (pure Python without rl-accel: ~30 ms).
rl_config.useA85 = 0

POLICY = ResourceAccessPolicy.server(
    base_dir=None, extra_roots=(FONT_DIR, STATIC_DIR), allow_remote=False
)
REPLACEMENT = "?"


@dataclass(frozen=True)
class FontFace:
    """One @font-face rule of the documents' main family."""

    family: str
    path: Path
    weight: str = "normal"
    style: str = "normal"


FONT_FACES = (
    FontFace("SourceSerifPro", FONT_DIR / "SourceSerifPro-Regular.ttf"),
    FontFace("SourceSerifPro", FONT_DIR / "SourceSerifPro-Bold.ttf", weight="bold"),
    FontFace("SourceSerifPro", FONT_DIR / "SourceSerifPro-It.ttf", style="italic"),
)


@dataclass(frozen=True)
class FallbackFamily:
    """A family that draws what Source Serif cannot: registered once per process with
    ReportLab, not declared by @font-face in every document (xhtml2pdf would read and hash a
    4 MB CJK file on each render). A face it lacks is drawn by its regular file."""

    name: str
    regular: Path
    bold: Path | None = None
    italic: Path | None = None


# In order of preference: a character is drawn by the first family of the stack that has it.
FALLBACKS = (
    FallbackFamily(
        "NotoSerif",
        NOTO_DIR / "NotoSerif-Regular.ttf",
        NOTO_DIR / "NotoSerif-Bold.ttf",
        NOTO_DIR / "NotoSerif-Italic.ttf",
    ),
    FallbackFamily(
        "NotoNaskhArabic",
        NOTO_DIR / "NotoNaskhArabic-Regular.ttf",
        NOTO_DIR / "NotoNaskhArabic-Bold.ttf",
    ),
    FallbackFamily("DroidSansFallback", DROID_DIR / "DroidSansFallbackFull.ttf"),
)
# A family whose files are not installed is left out: its characters print as REPLACEMENT.
INSTALLED_FALLBACKS = tuple(
    family
    for family in FALLBACKS
    if all(path.is_file() for path in (family.regular, family.bold, family.italic) if path)
)
FONT_STACK = ", ".join(["SourceSerifPro", *(family.name for family in INSTALLED_FALLBACKS)])


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
    register_fallbacks()
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


@lru_cache(maxsize=1)
def register_fallbacks() -> None:
    """Register the fallback families with ReportLab and xhtml2pdf, once per process."""
    for family in INSTALLED_FALLBACKS:
        faces = {}
        for face, path in (
            ("normal", family.regular),
            ("bold", family.bold),
            ("italic", family.italic),
        ):
            name = family.name if face == "normal" else f"{family.name}-{face}"
            pdfmetrics.registerFont(TTFont(name, str(path or family.regular)))
            faces[face] = name
        registerFontFamily(family.name, boldItalic=faces["bold"], **faces)
        DEFAULT_FONT[family.name.lower()] = family.name


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    """The code points the regular face of some family of the stack has a glyph for."""
    register_fallbacks()
    covered = set(TTFontFile(str(FONT_FACES[0].path)).charToGlyph)
    for family in INSTALLED_FALLBACKS:
        covered.update(pdfmetrics.getFont(family.name).face.charToGlyph)
    return frozenset(covered)


def printable(text: str) -> str:
    """Text as the documents can draw it: NFC, no control or invisible characters, and "?" for
    a character no face of the stack has (a name is never refused by the printer).

    Bidirectional controls (RLO and the like) would let a name reorder the text around it;
    xhtml2pdf lays Arabic out right to left by itself.
    """
    if text.isascii() and text.isprintable():
        return text  # the common case, and every data URI: Source Serif draws all of ASCII
    drawable = _drawable()
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if char in "\n\t":
            kept.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Cn"):
            continue
        elif char.isspace() or ord(char) in drawable:
            kept.append(char)
        else:
            kept.append(REPLACEMENT)
    return "".join(kept)


def printable_value(value: object) -> object:
    """Jinja's `finalize` for documents: every printed string from data passes `printable`.

    Markup (the template's own translated text, already safe) is left as it is.
    """
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


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

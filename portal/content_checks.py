"""Deep checks of an uploaded file's content, after its first bytes named its type.

A PDF must parse as a PDF and carry nothing that runs or hides: JavaScript, launch and other
actions that reach outside the document, forms that submit or import, XFA, rich media, or
embedded files. An image must decode, within a pixel budget that keeps a "decompression bomb"
(a small file of a huge picture) out, and is downscaled once here, so that every document that
prints it (badges, forms) reads a small image.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from .rules.vocabulary import N_

# Pillow refuses to open anything past twice this (DecompressionBombError) and warns past it;
# the warning is an error here. 40 megapixels is a 7,300 × 5,500 camera picture.
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 10_000  # a long, thin picture stays under the pixel budget but not this
STORED_IMAGE_SIDE = 2_400  # the longest side kept: an A4 scan at about 200 dpi
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG"}
# Keys that hold scripts, embedded files or interactive content, and action types that leave
# the document; either refuses the PDF.
PDF_REFUSED_KEYS = frozenset({"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMedia"})
PDF_REFUSED_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/GoToE",
        "/GoToR",
        "/SubmitForm",
        "/ImportData",
        "/RichMediaExecute",
    }
)
PDF_MAX_OBJECTS = 200_000  # a walk past this is a hostile file, not a scan


class ContentRefused(Exception):
    """Why the content was refused: `msgid` is an English msgid, `params` its parameters."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.msgid, self.params = msgid, params
        super().__init__(msgid % params if params else msgid)


def check_pdf(path: Path) -> None:
    """Refuse a file that does not parse as a PDF, or that carries active or embedded content."""
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise ContentRefused(
                N_("Password-protected PDFs are not accepted: upload the PDF without a password.")
            )
        if len(reader.pages) == 0:
            raise ContentRefused(N_("This PDF has no pages."))
        active = _has_active_content(reader.trailer)
    except ContentRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        raise ContentRefused(N_("This file starts like a PDF but cannot be read as one.")) from None
    if active:
        raise ContentRefused(
            N_(
                "This PDF contains JavaScript, actions that open other files or sites, forms that "
                "submit data, or embedded files, which are not accepted. Print it to a new PDF "
                "and upload that."
            )
        )


def _has_active_content(root: object) -> bool:
    """Walk every object reachable from the trailer once, looking for refused keys and actions."""
    seen: set[tuple[int, int]] = set()
    pending = [root]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > PDF_MAX_OBJECTS:
                raise ValueError("too many objects")
            pending.append(item.get_object())
        elif isinstance(item, DictionaryObject):
            if PDF_REFUSED_KEYS.intersection(item.keys()):
                return True
            action = item.get("/S")
            if isinstance(action, NameObject) and action in PDF_REFUSED_ACTIONS:
                return True
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return False


def check_image(path: Path, extension: str) -> bool:
    """Refuse an image that does not decode or is too large; downscale a large one in place.

    Returns True when the file was rewritten (smaller)."""
    image_format = PILLOW_FORMATS[extension]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[image_format]) as image:
                width, height = image.size
                if max(width, height) > MAX_IMAGE_SIDE:  # the pixel count: Pillow's warning
                    raise _too_large(width, height)
                image.load()
                if max(width, height) <= STORED_IMAGE_SIDE:
                    return False
                smaller = image.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large(None, None) from None
    except ContentRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ContentRefused(
            N_("This image cannot be read: it is damaged or incomplete.")
        ) from None
    smaller.thumbnail((STORED_IMAGE_SIDE, STORED_IMAGE_SIDE))
    options = {"quality": 88} if image_format == "JPEG" else {"optimize": True}
    smaller.save(path, format=image_format, **options)
    return True


def _too_large(width: int | None, height: int | None) -> ContentRefused:
    """The refusal of a picture past the pixel budget."""
    if width is None:
        return ContentRefused(
            N_(
                "This image has too many pixels. Upload a picture of at most %(limit)s pixels a side."
            ),
            limit=MAX_IMAGE_SIDE,
        )
    return ContentRefused(
        N_(
            "This image is %(width)s × %(height)s pixels, too large. Upload a picture of at "
            "most %(limit)s pixels a side."
        ),
        width=width,
        height=height,
        limit=MAX_IMAGE_SIDE,
    )

"""Real files for upload tests, made here: PDFs that parse (with or without active content)
and images that decode."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject


def pdf(*, javascript: bool = False, launch: bool = False, attachment: bool = False) -> bytes:
    """A one-page PDF; optionally opening with JavaScript, a launch action or an embedded file."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if javascript or launch:
        kind, key, value = (
            ("/JavaScript", "/JS", "app.alert(1);") if javascript else ("/Launch", "/F", "calc.exe")
        )
        action = DictionaryObject(
            {NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject(value)}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    if attachment:
        writer.add_attachment("payload.exe", b"MZ\x90\x00")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image(kind: str = "PNG", width: int = 40, height: int = 30) -> bytes:
    """A small picture in the given format (PNG or JPEG)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format=kind)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge picture (as a "decompression bomb" does) and whose data
    is a few bytes: what Pillow reads first, and must refuse, without making the picture here."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )

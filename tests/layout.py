"""A machine check of a PDF's layout, read back with pdfplumber as a reader's eye would see it.

Three faults are looked for on every page: a word that leaves the page (or its printable
margin), two words drawn over each other, and a word that crosses the edge of the table cell it
starts in. Each fault comes back as a sentence naming the page and the words.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import pdfplumber

# Points a word may touch an edge by: glyph boxes include side bearings, borders have width.
TOLERANCE = 1.0
# Words on one line overlap by their side bearings; more than this share of the smaller box is a
# real collision.
OVERLAP_SHARE = 0.25
PAGE_MARGIN = 5.0  # no printer draws closer to the paper's edge


def layout_problems(pdf: bytes) -> list[str]:
    """Every text overflow and overlap found in the PDF (empty when the layout is sound)."""
    problems: list[str] = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, 1):
            words = page.extract_words(use_text_flow=False, keep_blank_chars=False)
            problems += [f"page {number}: {p}" for p in _off_page(words, page)]
            problems += [f"page {number}: {p}" for p in _overlaps(words)]
            problems += [f"page {number}: {p}" for p in _stacked_glyphs(page.chars)]
            problems += [f"page {number}: {p}" for p in _out_of_cells(words, page)]
    return problems


def page_words(pdf: bytes) -> list[list[dict[str, Any]]]:
    """The words of each page, with their boxes (for tests that look at where text is)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [page.extract_words() for page in document.pages]


def _off_page(words: Iterable[dict], page: Any) -> Iterable[str]:
    for word in words:
        if (
            word["x0"] < PAGE_MARGIN
            or word["top"] < PAGE_MARGIN
            or word["x1"] > page.width - PAGE_MARGIN
            or word["bottom"] > page.height - PAGE_MARGIN
        ):
            yield f"{word['text']!r} leaves the page at ({word['x0']:.0f}, {word['top']:.0f})"


def _overlaps(words: list[dict]) -> Iterable[str]:
    ordered = sorted(words, key=lambda w: w["top"])
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second["top"] >= first["bottom"] - TOLERANCE:
                break  # sorted by top: no later word reaches up into this one
            width = min(first["x1"], second["x1"]) - max(first["x0"], second["x0"])
            height = min(first["bottom"], second["bottom"]) - max(first["top"], second["top"])
            if width <= TOLERANCE or height <= TOLERANCE:
                continue
            smaller = min(_area(first), _area(second))
            if width * height > OVERLAP_SHARE * smaller:
                yield f"{first['text']!r} and {second['text']!r} overlap"


def _stacked_glyphs(chars: list[dict]) -> Iterable[str]:
    """Glyphs on one line drawn over each other (pdfplumber merges such runs into one word)."""
    lines: dict[int, list[dict]] = {}
    for char in chars:
        if char["text"].strip():
            lines.setdefault(round(char["top"]), []).append(char)
    for line in lines.values():
        line.sort(key=lambda c: c["x0"])
        for before, after in zip(line, line[1:], strict=False):
            if after["x0"] < before["x1"] - max(TOLERANCE, 0.3 * (before["x1"] - before["x0"])):
                yield f"{before['text']!r} and {after['text']!r} overlap (drawn over each other)"
                break


def _out_of_cells(words: list[dict], page: Any) -> Iterable[str]:
    cells = [cell for table in page.find_tables() for cell in table.cells if cell]
    for word in words:
        cell = next((c for c in cells if _starts_in(word, c)), None)
        if cell is None:
            continue
        x0, top, x1, bottom = cell
        if word["x1"] > x1 + TOLERANCE or word["bottom"] > bottom + TOLERANCE:
            yield f"{word['text']!r} crosses the edge of its table cell"


def _starts_in(word: dict, cell: tuple[float, float, float, float]) -> bool:
    """Whether the word's first glyph lies in the cell."""
    x0, top, x1, bottom = cell
    mid = (word["top"] + word["bottom"]) / 2
    return x0 - TOLERANCE <= word["x0"] < x1 and top <= mid <= bottom


def _area(word: dict) -> float:
    return max(word["x1"] - word["x0"], 0.1) * max(word["bottom"] - word["top"], 0.1)

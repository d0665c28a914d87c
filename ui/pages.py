"""Render a cited PDF page as a PNG (pypdfium2), with the quoted sentences highlighted.

A highlight is found by matching letters and digits only: the index stores sentences with
whitespace normalised, while the PDF's text has line breaks, hyphenation at line ends,
ligatures and curly quotes. Both sides are reduced to lower-case letters and digits, and each
kept letter remembers its character index on pdfium's text page, so a match maps straight
back to pdfium's text rectangles (one per line). A highlight that cannot be found is skipped.
A table row's statement ("Dental — Employee only: $5.10; …", ingest/tables.py) is found by its
cells instead: its label, and each value on the same row band.
"""
from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from core.config import Settings
from core.errors import BenefitsQAError
from core.rows import row_cells

# 1.5 × 72 dpi = 108 dpi: legible on a laptop screen, about 150 KB per page.
RENDER_SCALE = 1.5
FILL = (255, 220, 0, 90)  # translucent, so the text stays readable under the highlight
OUTLINE = (200, 150, 0, 200)
# If the whole sentence does not match (e.g. a table cell in the middle), highlight from its
# opening letters to its closing letters, provided they are close together on the page.
HEAD, TAIL = 50, 30
# The bitmap never exceeds Settings.page_max_pixels: a larger page is drawn at a smaller scale, and
# one that would fall below this scale (text unreadable, or an absurd page) is not drawn at all.
MIN_SCALE = 0.05
DEFAULT_MAX_PIXELS = Settings.page_max_pixels  # the setting's default (core/config.py)

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points


class PageGoneError(BenefitsQAError):
    """A cited page is no longer in its document: the document changed since the answer."""


class PageTooLargeError(BenefitsQAError):
    """A cited page is too large to draw within the pixel budget."""


def fitting_scale(width: float, height: float, scale: float, max_pixels: int) -> float:
    """`scale`, or less if a width × height points page would exceed max_pixels at it."""
    if width <= 0 or height <= 0:
        raise PageTooLargeError("the page has no area")
    fitted = min(scale, math.sqrt(max_pixels / (width * height)))
    while math.ceil(width * fitted) * math.ceil(height * fitted) > max_pixels:  # pdfium rounds up
        fitted *= 0.995
    if fitted < MIN_SCALE:
        raise PageTooLargeError(f"a {width:.0f} × {height:.0f} pt page is too large to draw")
    return fitted


def render_page_png(path: Path, page: int, highlights: Sequence[str] = (),
                    scale: float = RENDER_SCALE, max_pixels: int = DEFAULT_MAX_PIXELS) -> bytes:
    """The 1-based `page` as a PNG, with a yellow box over the text of each highlight.
    PageGoneError if the document has no such page; PageTooLargeError if it cannot be drawn
    within max_pixels at a readable scale."""
    from PIL import Image, ImageDraw

    with _open_page(path, page) as pdf_page:
        # Checked before drawing: pdfium would allocate the whole bitmap first (a 200-inch page
        # at the normal scale is 5 GB).
        scale = fitting_scale(*pdf_page.get_size(), scale, max_pixels)
        image = pdf_page.render(scale=scale).to_pil().convert("RGBA")
        boxes = _find_boxes(pdf_page, highlights)
        # Text coordinates are PDF points from the bottom-left; pixels count from the top-left.
        left, _, _, top = pdf_page.get_bbox()
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        pad = 1.5  # points: pdfium's rectangles hug the glyphs
        for x0, y0, x1, y1 in boxes:
            draw.rectangle(((x0 - pad - left) * scale, (top - y1 - pad) * scale,
                            (x1 + pad - left) * scale, (top - y0 + pad) * scale),
                           fill=FILL, outline=OUTLINE, width=1)
        image = Image.alpha_composite(image, overlay)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def find_highlight_boxes(path: Path, page: int, highlights: Sequence[str]) -> list[Box]:
    """PDF-point rectangles (left, bottom, right, top) covering each highlight found on `page`."""
    with _open_page(path, page) as pdf_page:
        return _find_boxes(pdf_page, highlights)


@contextmanager
def _open_page(path: Path, page: int):
    """The 1-based page of a PDF, closed on exit; PageGoneError if the page is out of range (the
    document changed since the page was cited)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= page <= len(pdf):
            raise PageGoneError(f"{Path(path).name} has {len(pdf)} pages, not {page}: the document "
                                f"changed since the page was cited; ask again.")
        yield pdf[page - 1]
    finally:
        pdf.close()


def _key(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def _find_boxes(pdf_page, highlights: Sequence[str]) -> list[Box]:
    import pypdfium2.raw as pdfium_c

    textpage = pdf_page.get_textpage()
    # The page's letters and digits, each with its index in pdfium's character list.
    chars = [chr(pdfium_c.FPDFText_GetUnicode(textpage, index))
             for index in range(textpage.count_chars())]
    letters: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(chars):
        for letter in _key(char):
            letters.append(letter)
            origin.append(index)
    text = "".join(letters)

    def rects(span: tuple[int, int]) -> list[Box]:
        first, last = origin[span[0]], origin[span[1] - 1]
        # Take in the closing full stop, bracket or quote that the letters-only match left out.
        while last + 1 < len(chars) and not (chars[last + 1].isalnum()
                                             or chars[last + 1].isspace()):
            last += 1
        # One rectangle per line of the range; pdfium merges the characters on a line.
        return [textpage.get_rect(n) for n in range(textpage.count_rects(first, last - first + 1))]

    boxes: list[Box] = []
    for highlight in highlights:
        span = _locate(text, _key(highlight))
        if span is not None:
            boxes += rects(span)
            continue
        row = row_cells(highlight)
        if row is None:
            continue
        # A table row's statement is not on the page as written: its cells are, each once per
        # place it occurs; the row's are those on the band of one place of its label.
        label = [rects(s) for s in _occurrences(text, _key(row.label))]
        values = [[rects(s) for s in _occurrences(text, _key(v))] for v in row.values]
        boxes += row_boxes(label, values)
    return boxes


def row_boxes(label: Sequence[Sequence[Box]], values: Sequence[Sequence[Sequence[Box]]]) -> list[Box]:
    """The boxes of one table row: of the label's occurrences (each a list of line boxes), the one
    whose band (its vertical extent) holds the most cell values, with the occurrence of each value
    that shares that band. [] when no occurrence of the label shares a band with any value."""
    best: list[Box] = []
    best_count = 0
    for place in label:
        if not place:
            continue
        chosen = [place]
        for occurrences in values:
            on_band = next((o for o in occurrences if o and _same_band(place, o)), None)
            if on_band is not None:
                chosen.append(on_band)
        if len(chosen) - 1 > best_count:
            best_count, best = len(chosen) - 1, [box for occurrence in chosen for box in occurrence]
    return best


def _same_band(a: Sequence[Box], b: Sequence[Box]) -> bool:
    """True when two texts overlap vertically: cells of one table row do, those of the rows
    above and below it (set apart by the row's rules) do not."""
    slack = 1.0  # points: neighbouring rows' glyph boxes may touch at the rule between them
    a_bottom, a_top = min(box[1] for box in a), max(box[3] for box in a)
    b_bottom, b_top = min(box[1] for box in b), max(box[3] for box in b)
    return min(a_top, b_top) - max(a_bottom, b_bottom) > slack


def _occurrences(text: str, key: str, limit: int = 50) -> list[tuple[int, int]]:
    """Start and end of each place `key` occurs in `text` (at most `limit`: a figure like "60%"
    may occur often on a page, and only one of them is on the row's band)."""
    spans: list[tuple[int, int]] = []
    start = text.find(key) if key else -1
    while start >= 0 and len(spans) < limit:
        spans.append((start, start + len(key)))
        start = text.find(key, start + 1)
    return spans


def _locate(text: str, key: str) -> tuple[int, int] | None:
    """Start and end (in `text`) of the first match of `key`, or of its head…tail; else None."""
    if not key:
        return None
    start = text.find(key)
    if start >= 0:
        return start, start + len(key)
    if len(key) <= HEAD + TAIL:
        return None
    start = text.find(key[:HEAD])
    if start < 0:
        return None
    tail = text.find(key[-TAIL:], start + HEAD)
    # Far apart means the tail belongs to some other sentence.
    if tail < 0 or tail + TAIL - start > 2 * len(key):
        return None
    return start, tail + TAIL

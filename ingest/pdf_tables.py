"""Ruled tables on PDF pages (pdfplumber's table finder), as `Table`s with their place on the page.

pdfplumber reads a page in pure Python (pdfminer), about 50 ms a page, so it runs only on the
pages that draw enough lines to hold a grid: pdfium counts each page's path segments in
well under a millisecond. A page whose only drawings are a header rule or a box never reaches it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.tables import Table
from ingest.text_utils import clean

# The smallest ruled grid, two columns by two rows, is three horizontal and three vertical rules
# of two points each; a page's header rule, an underline or a framed note draws fewer.
_MIN_PATH_SEGMENTS = 12


@dataclass(frozen=True)
class PdfTable:
    """A table found on a 1-based page, with its box in PDF points (origin bottom-left)."""

    page: int
    left: float
    bottom: float
    right: float
    top: float
    table: Table

    def holds(self, x: float, y: float, slack: float = 1.0) -> bool:
        """True when the point (a text piece's start on its baseline) lies inside the table."""
        return (self.left - slack <= x <= self.right + slack
                and self.bottom - slack <= y <= self.top + slack)


def find_tables(path: Path, pages: int) -> list[PdfTable]:
    """The ruled tables of the document, page by page; [] when none is found, or when the file
    is one pdfium or pdfplumber cannot read (its text then parses as lines, as before)."""
    import pdfplumber
    import pypdfium2 as pdfium
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        candidates = _ruled_pages(path, pages, pdfium)
        if not candidates:
            return []
        found: list[PdfTable] = []
        with pdfplumber.open(path, pages=candidates) as pdf:
            for page in pdf.pages:
                found.extend(_page_tables(page))
        return found
    # Tables are an improvement on top of the text, which pypdf has already read: a file these
    # readers stumble on keeps its flattened text rather than failing.
    except (pdfium.PdfiumError, PdfminerException, PSException, ValueError, KeyError, TypeError,
            AttributeError, IndexError, RecursionError, ZeroDivisionError, AssertionError):
        return []


def _ruled_pages(path: Path, pages: int, pdfium) -> list[int]:
    """1-based numbers of the pages that draw at least a small grid's worth of path segments."""
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(str(path))
    try:
        ruled = []
        for index in range(min(len(pdf), pages)):
            page = pdf[index]
            segments = 0
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
                segments += max(0, pdfium_c.FPDFPath_CountSegments(obj.raw))
                if segments >= _MIN_PATH_SEGMENTS:
                    ruled.append(index + 1)
                    break
            page.close()
        return ruled
    finally:
        pdf.close()


def _page_tables(page) -> list[PdfTable]:
    # pdfplumber measures from the top-left of the page's box; pypdf's text from the user-space
    # origin, bottom-left. A rotated page would need its axes swapped: its tables stay text.
    if page.rotation % 360:
        return []
    box_left, _, _, box_top = page.mediabox
    tables = []
    for found in page.find_tables():
        cells = [[clean(cell or "") for cell in row] for row in found.extract()]
        cells = [row for row in cells if any(row)]
        # A framed note or a one-column box is not a table: it stays text.
        if len(cells) < 2 or max(len(row) for row in cells) < 2:
            continue
        x0, top, x1, bottom = found.bbox
        tables.append(PdfTable(page=page.page_number, left=box_left + x0, bottom=box_top - bottom,
                               right=box_left + x1, top=box_top - top,
                               table=Table(header=tuple(cells[0]), rows=tuple(tuple(r) for r in cells[1:]))))
    return tables

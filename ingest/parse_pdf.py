"""PDF → sections, page by page with pypdf: drops running headers/footers, finds headings by font.

A ruled table (ingest/pdf_tables.py) is taken out of its page's text and put back, where it stood,
as one statement per row (ingest/tables.py), so a cell is quoted with its row and column headers
and never read as a heading or a line of its own. A PDF without a text layer is read by OCR when
the engine is installed (ingest/ocr.py).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.config import Settings
from ingest.ocr import OcrRequest, engine_available, run_ocr
from ingest.pdf_tables import PdfTable, find_tables
from ingest.tables import table_lines
from ingest.text_utils import clean, find_effective_date, find_version
from ingest.errors import ParseError
from ingest.types import ParsedDocument, Section

# A line repeated in the top or bottom band of at least half the pages is a running header/footer.
_BAND_LINES = 3
_PAGE_NUMBER = re.compile(r"^(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"[a-z)][.!?] [A-Z]")  # "…day 8. STD…"; not "5. Waiting period"
# Headings are short; a longer bold line is emphasis inside a paragraph.
_MAX_HEADING_CHARS = 120
_BULLET_GLYPHS = "•▪◦·‣\uf0b7\x7f"  # pypdf reads Helvetica's bullet as \x7f
_BULLET = re.compile(rf"^([{_BULLET_GLYPHS}\-–*]|\(?[a-z0-9]{{1,2}}[.)])\s+")


# Stands in a page's text for a table taken out of it, until the table's rows are put back. A
# noncharacter, so no document's text is ever mistaken for it.
_TABLE_MARK = "\uffff"


@dataclass(frozen=True)
class _TableRows:
    """A table's rows as statements, in the place of the table among a page's lines."""

    lines: tuple[str, ...]


def _signature(line: str) -> str:
    return _DIGITS.sub("#", clean(line).lower())


def _read_page(page, tables: list[PdfTable]) -> tuple[str, list[tuple[float, str, float, bool]]]:
    """A page's text, and its text pieces as pypdf draws them: (baseline y, text, font size, bold).
    Pieces that start inside a table are left out of both; the text holds a mark line for each
    table instead, where its first piece was. Without tables the text is pypdf's own."""
    fragments: list[tuple[float, str, float, bool]] = []
    pieces: list[str] = []
    placed: set[int] = set()

    def visit(text, cm, tm, font_dict, font_size):
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y_exact = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        inside = next((n for n, t in enumerate(tables) if t.holds(x, y_exact)), None) if text.strip() else None
        if inside is not None:
            if inside not in placed:
                placed.add(inside)
                pieces.append(f"\n{_TABLE_MARK}{inside}\n")
            return
        pieces.append(text)
        if not text.strip():
            return
        y = round(tm[5] * cm[3] + cm[5], 1)
        size = abs(font_size * (tm[3] or 1) * (cm[3] or 1))
        font = str((font_dict or {}).get("/BaseFont", ""))
        fragments.append((y, text, size, "Bold" in font or "Black" in font or "Heavy" in font))

    text = page.extract_text(visitor_text=visit) or ""
    # pypdf's text is the sum of the pieces it visits, so without a table nothing changes.
    return ("".join(pieces) if placed else text), fragments


def _styled_lines(fragments: list[tuple[float, str, float, bool]]) -> tuple[list[tuple[str, float, bool]], float]:
    """Visual lines of a page as (text, font size, all-bold), and the page's body font size."""
    lines: list[tuple[str, float, bool]] = []
    chars_by_size: Counter = Counter()
    current_y, parts = None, []
    for y, text, size, bold in fragments + [(None, "", 0.0, False)]:
        if parts and (y is None or abs(y - current_y) > 1.0):
            line_text = clean(" ".join(p[0] for p in parts))
            if line_text:
                lines.append((line_text, max(p[1] for p in parts), all(p[2] for p in parts)))
            parts = []
        if y is not None:
            current_y = y
            parts.append((text, size, bold))
            chars_by_size[round(size, 1)] += len(text)
    body_size = chars_by_size.most_common(1)[0][0] if chars_by_size else 0.0
    return lines, body_size


def _heading_lines(fragments: list[tuple[float, str, float, bool]]) -> set[str]:
    """Normalised texts of the lines that are headings: set in a larger font than the body, or
    bold at body size when short and not part of a sentence (a bold lead-in is emphasis, not a heading)."""
    lines, body = _styled_lines(fragments)
    # Width of a full body line (a column's width on a two-column page), not of a running header.
    widest = max((len(text) for text, size, _ in lines if abs(size - body) < 0.5), default=0)
    headings = set()
    for text, size, bold in lines:
        if len(text) > _MAX_HEADING_CHARS or text.endswith((".", ",", ";")) or _SENTENCE_END.search(text):
            continue
        larger = body and size >= body * 1.15
        short_bold = bold and len(text) < 0.6 * widest and len(text.split()) <= 12
        if larger or short_bold:
            headings.add(clean(text).lower())
    return headings


def _table_row_items(line: str, tables: list[PdfTable]) -> _TableRows | None:
    """The rows of the table a mark line stands for, or None for an ordinary line."""
    if not line.startswith(_TABLE_MARK):
        return None
    number = line[len(_TABLE_MARK):]
    if not number.isdigit() or int(number) >= len(tables):
        return None
    return _TableRows(tuple(table_lines(tables[int(number)].table)))


def _section_text(items: list[str | _TableRows]) -> str:
    """Lines joined into paragraphs; a table's rows each stay a paragraph of their own."""
    paragraphs: list[str] = []
    run: list[str] = []
    for item in items:
        if isinstance(item, _TableRows):
            paragraphs += _paragraphs(run) + list(item.lines)
            run = []
        else:
            run.append(item)
    return "\n".join(paragraphs + _paragraphs(run))


def _paragraphs(lines: list[str]) -> list[str]:
    """Join wrapped lines back into paragraphs; a short line, a bullet or a blank ends one."""
    widths = sorted(len(line) for line in lines if line.strip())
    full = widths[int(len(widths) * 0.9)] if widths else 0  # a typical full line's length
    paragraphs, current = [], []
    for line in lines:
        raw = line.strip()
        bullet = bool(_BULLET.match(raw))
        text = clean(raw.lstrip(_BULLET_GLYPHS) if raw[:1] in _BULLET_GLYPHS else raw)
        if not text:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if bullet and current:
            paragraphs.append(" ".join(current))
            current = []
        if current and current[-1].endswith("-") and text[:1].islower():
            current[-1] += text  # a word broken at a hyphen: keep the hyphen, drop the gap
        else:
            current.append(text)
        if len(text) < 0.7 * full:  # a short line is the last line of its paragraph (or a table row)
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def parse_pdf(path: Path, source: str, max_pages: int = Settings.max_pages, ocr: OcrRequest | None = None) -> ParsedDocument:
    """The document's sections. A PDF without a text layer is read by OCR when `ocr` says where
    to keep the recognised copy and the engine is installed; else it fails with a hint."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    with open(path, "rb") as f:
        head = f.read(1024)
        f.seek(max(0, path.stat().st_size - 2048))
        tail = f.read()
    if b"%PDF-" not in head:
        raise ParseError(source, "not a PDF (no %PDF header)",
                         "check the file type; rename it if it is HTML or text")
    if b"%%EOF" not in tail:
        raise ParseError(source, "the PDF is truncated (its end-of-file marker is missing)",
                         "copy or download the file again; it did not arrive whole")
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseError(source, "the PDF is encrypted with a password",
                             "save an unprotected copy and ingest that")
        pages = len(reader.pages)  # before any text is read: pages may share one costly content stream
        if pages > max_pages:
            raise ParseError(source, f"the PDF has {pages:,} pages, over the limit of {max_pages:,}",
                             "split it into smaller documents, or raise BENEFITS_QA_MAX_PAGES")
        tables = find_tables(path, pages)
        page_tables = [[t for t in tables if t.page == number] for number in range(1, pages + 1)]
        read = [_read_page(page, on_page) for page, on_page in zip(reader.pages, page_tables)]
        raw_pages = [text for text, _ in read]
        page_fragments = [fragments for _, fragments in read]
        meta_title = clean(str((reader.metadata or {}).get("/Title", "") or ""))
    except ParseError:
        raise
    # Only pypdf's reading is inside the try: on a damaged file it raises its own errors and, from
    # deep in its parser, Python's (NotImplementedError: a stream filter it does not know, as a
    # damaged filter name reads). Our layout code runs below, where a bug shows as a bug.
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            OSError, RecursionError, ZeroDivisionError, AssertionError, NotImplementedError) as exc:
        if isinstance(exc, PyPdfError) and ("crypt" in str(exc).lower() or "crypt" in type(exc).__name__.lower()):
            raise ParseError(source, "the PDF is encrypted and cannot be opened",
                             "save an unprotected copy and ingest that") from None
        raise ParseError(source, f"not a readable PDF ({type(exc).__name__}: {str(exc)[:120]})",
                         "re-export the file from its source application") from None
    page_headings = [_heading_lines(fragments) for fragments in page_fragments]

    if not any(text.strip() for text in raw_pages):
        return _recognised(path, source, max_pages, ocr)

    page_lines = [text.splitlines() for text in raw_pages]
    boilerplate = _running_lines(page_lines)
    title = meta_title if meta_title and meta_title.lower() not in {"untitled", "(anonymous)"} else ""
    sections: list[Section] = []
    heading = ""
    for number, (lines, headings, on_page) in enumerate(zip(page_lines, page_headings, page_tables), start=1):
        kept = [
            line for i, line in enumerate(lines)
            if line.startswith(_TABLE_MARK) or not _is_boilerplate(line, i, len(lines), boilerplate)
        ]
        buffer: list[str | _TableRows] = []

        def flush():
            text = _section_text(buffer)
            if text.strip():
                rows = tuple(row for item in buffer if isinstance(item, _TableRows) for row in item.lines)
                sections.append(Section(heading=heading, text=text, page=number, rows=rows))
            buffer.clear()

        for line in kept:
            rows = _table_row_items(line, on_page)
            if rows is not None:
                buffer.append(rows)
                continue
            if clean(line).lower() in headings:
                flush()
                heading = clean(line)
                title = title or heading
                continue
            buffer.append(line)
        flush()

    first_page = clean(" ".join(line for line in page_lines[0] if not line.startswith(_TABLE_MARK))) if page_lines else ""
    return ParsedDocument(
        source=source,
        title=title or Path(source).stem.replace("-", " ").replace("_", " ").title(),
        sections=tuple(sections),
        kind="pdf",
        version=find_version(first_page),
        effective_date=find_effective_date(first_page),
    )


def _recognised(path: Path, source: str, max_pages: int, ocr: OcrRequest | None) -> ParsedDocument:
    """A PDF without a text layer, read from its OCR'd copy (made once per file content and kept
    beside the index, where the page viewer finds it too)."""
    if ocr is None or not engine_available():
        raise ParseError(source, "the PDF has no text layer (a scan or images only)",
                         "install the OCR engine (Debian: `apt-get install ocrmypdf tesseract-ocr`) so ingest "
                         "reads scans, or run OCR on it first, e.g. `ocrmypdf in.pdf out.pdf`, and ingest the result")
    if not ocr.copy.is_file():
        run_ocr(path, ocr.copy, ocr.seconds, source)
    try:
        return parse_pdf(ocr.copy, source, max_pages)
    except ParseError as err:
        if "no text layer" not in err.reason:
            raise
        raise ParseError(source, "the PDF has no text layer, and OCR recognised no text in it",
                         "check that the scan is legible (upright, 300 dpi or more) and scan it again; "
                         "OCR cannot read handwriting or pictures") from None


def _running_lines(page_lines: list[list[str]]) -> set[str]:
    """Signatures of lines that recur in the header/footer band of at least half the pages."""
    if len(page_lines) < 2:
        return set()
    counts: Counter = Counter()
    for lines in page_lines:
        band = [l for l in lines if l.strip()]
        band = band[:_BAND_LINES] + band[-_BAND_LINES:]
        counts.update({_signature(line) for line in band})
    needed = max(2, (len(page_lines) + 1) // 2)
    return {sig for sig, n in counts.items() if n >= needed and sig}


def _is_boilerplate(line: str, position: int, total: int, boilerplate: set[str]) -> bool:
    text = clean(line)
    if not text:
        return False
    in_band = position < _BAND_LINES + 2 or position >= total - _BAND_LINES - 2
    return in_band and (_signature(text) in boilerplate or bool(_PAGE_NUMBER.match(text)))

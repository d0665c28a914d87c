"""PDF → sections, page by page with pypdf: drops running headers/footers, finds headings by font."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

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


def _signature(line: str) -> str:
    return _DIGITS.sub("#", clean(line).lower())


def _text_fragments(page) -> list[tuple[float, str, float, bool]]:
    """A page's text pieces as pypdf draws them: (baseline y, text, font size, bold)."""
    fragments: list[tuple[float, str, float, bool]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text.strip():
            return
        y = round(tm[5] * cm[3] + cm[5], 1)
        size = abs(font_size * (tm[3] or 1) * (cm[3] or 1))
        font = str((font_dict or {}).get("/BaseFont", ""))
        fragments.append((y, text, size, "Bold" in font or "Black" in font or "Heavy" in font))

    page.extract_text(visitor_text=visit)
    return fragments


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


def parse_pdf(path: Path, source: str, max_pages: int = 1000) -> ParsedDocument:
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
        raw_pages = [(page.extract_text() or "") for page in reader.pages]
        page_fragments = [_text_fragments(page) for page in reader.pages]
        meta_title = clean(str((reader.metadata or {}).get("/Title", "") or ""))
    except ParseError:
        raise
    # Only pypdf's reading is inside the try: on a damaged file it raises its own errors and, from
    # deep in its parser, Python's. Our layout code runs below, where a bug shows as a bug.
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            OSError, RecursionError, ZeroDivisionError, AssertionError) as exc:
        if isinstance(exc, PyPdfError) and ("crypt" in str(exc).lower() or "crypt" in type(exc).__name__.lower()):
            raise ParseError(source, "the PDF is encrypted and cannot be opened",
                             "save an unprotected copy and ingest that") from None
        raise ParseError(source, f"not a readable PDF ({type(exc).__name__}: {str(exc)[:120]})",
                         "re-export the file from its source application") from None
    page_headings = [_heading_lines(fragments) for fragments in page_fragments]

    if not any(text.strip() for text in raw_pages):
        raise ParseError(source, "the PDF has no text layer (a scan or images only)",
                         "run OCR on it first, e.g. `ocrmypdf in.pdf out.pdf`, then ingest the result")

    page_lines = [text.splitlines() for text in raw_pages]
    boilerplate = _running_lines(page_lines)
    title = meta_title if meta_title and meta_title.lower() not in {"untitled", "(anonymous)"} else ""
    sections: list[Section] = []
    heading = ""
    for number, (lines, headings) in enumerate(zip(page_lines, page_headings), start=1):
        kept = [
            line for i, line in enumerate(lines)
            if not _is_boilerplate(line, i, len(lines), boilerplate)
        ]
        buffer: list[str] = []

        def flush():
            text = "\n".join(_paragraphs(buffer))
            if text.strip():
                sections.append(Section(heading=heading, text=text, page=number))
            buffer.clear()

        for line in kept:
            if clean(line).lower() in headings:
                flush()
                heading = clean(line)
                title = title or heading
                continue
            buffer.append(line)
        flush()

    first_page = clean(" ".join(page_lines[0])) if page_lines else ""
    return ParsedDocument(
        source=source,
        title=title or Path(source).stem.replace("-", " ").replace("_", " ").title(),
        sections=tuple(sections),
        kind="pdf",
        version=find_version(first_page),
        effective_date=find_effective_date(first_page),
    )


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

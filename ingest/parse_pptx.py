"""PowerPoint (.pptx) decks → one section per slide, headed by the slide's title and placed as
"slide N": the text of its shapes in reading order, tables as row statements, then its speaker notes."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.errors import ParseError
from ingest.office import check_package, damaged
from ingest.tables import table_from_grid, table_lines
from ingest.text_utils import clean, find_effective_date, find_version
from ingest.types import ParsedDocument, Section

# What python-pptx's own template writes as the title: no one's title, so the first slide's is used.
_TEMPLATE_TITLES = {"PowerPoint Presentation", "Presentation"}


def parse_pptx(path: Path, source: str, max_pages: int) -> ParsedDocument:
    import pptx
    from lxml.etree import LxmlError
    from pptx.exc import PythonPptxError

    check_package(path, source)
    try:
        deck = pptx.Presentation(str(path))
        slides = len(deck.slides)
        if slides > max_pages:
            raise ParseError(source, f"the deck has {slides:,} slides, over the limit of {max_pages:,}",
                             "split it into smaller decks, or raise BENEFITS_QA_MAX_PAGES")
        sections = [s for n, slide in enumerate(deck.slides, start=1) if (s := _slide(slide, n))]
        title = clean(deck.core_properties.title or "")
    except (zipfile.BadZipFile, KeyError, ValueError, PythonPptxError, LxmlError) as err:
        raise damaged(source, "PowerPoint", err) from None
    if not sections:
        raise ParseError(source, "the deck has no text",
                         "check that it is the deck itself; text inside pictures is not read")
    if title in _TEMPLATE_TITLES:
        title = ""
    first_titled = next((s.heading for s in sections if not s.heading.startswith("Slide ")), "")
    title = title or first_titled or Path(source).stem.replace("-", " ").replace("_", " ").title()
    head = " ".join(s.text for s in sections[:3])
    return ParsedDocument(source=source, title=title, sections=tuple(sections), kind="pptx",
                          version=find_version(head), effective_date=find_effective_date(head))


def _slide(slide, number: int) -> Section | None:
    title_shape = slide.shapes.title
    heading = clean(title_shape.text_frame.text) if title_shape is not None and title_shape.has_text_frame else ""
    lines: list[str] = []
    rows: list[str] = []
    for shape in _reading_order(slide.shapes):
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        _shape_text(shape, lines, rows)
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        lines.extend(t for t in (clean(p.text) for p in slide.notes_slide.notes_text_frame.paragraphs) if t)
    if not lines and not heading:
        return None
    return Section(heading=heading or f"Slide {number}", text="\n".join(lines or [heading]), page=None,
                   place=f"slide {number}", rows=tuple(rows))


def _reading_order(shapes) -> list:
    """Top to bottom, then left to right: the order a person reads a slide in (the order shapes
    were added is often not)."""
    return sorted(shapes, key=lambda s: (s.top or 0, s.left or 0))


def _shape_text(shape, lines: list[str], rows: list[str]) -> None:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for inner in _reading_order(shape.shapes):
            _shape_text(inner, lines, rows)
    elif getattr(shape, "has_table", False) and shape.has_table:
        grid = [["" if cell.is_spanned else cell.text for cell in row.cells] for row in shape.table.rows]
        table = table_from_grid(grid)
        if table:
            found = table_lines(table)
            lines.extend(found)
            rows.extend(found[len(table.caption):] if table.rows else [])
    elif shape.has_text_frame:
        lines.extend(t for t in (clean(p.text) for p in shape.text_frame.paragraphs) if t)

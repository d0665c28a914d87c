"""Word (.docx) files → sections: each Title or Heading paragraph starts one, paragraphs and tables
follow in document order, each table row a statement that carries its column headers."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.errors import ParseError
from ingest.office import check_package, damaged
from ingest.tables import table_from_grid, table_lines
from ingest.text_utils import clean, find_effective_date, find_version
from ingest.types import ParsedDocument, Section

_HEADING_STYLE = re.compile(r"^(Title|Heading \d)$", re.IGNORECASE)


def parse_docx(path: Path, source: str) -> ParsedDocument:
    import docx
    from docx.exceptions import PythonDocxError
    from docx.opc.exceptions import OpcError
    from lxml.etree import LxmlError

    check_package(path, source)
    try:
        document = docx.Document(str(path))
        return _read(document, source)
    except (zipfile.BadZipFile, KeyError, ValueError, OpcError, PythonDocxError, LxmlError) as err:
        raise damaged(source, "Word", err) from None


def _style_name(paragraph) -> str:
    style = paragraph.style  # None when the style part is missing
    return style.name or "" if style is not None else ""


def _read(document, source: str) -> ParsedDocument:
    from docx.table import Table as DocxTable

    sections: list[Section] = []
    heading, lines, rows = "", [], []
    first_heading = ""

    def end_section():
        if lines:
            sections.append(Section(heading=heading, text="\n".join(lines), rows=tuple(rows)))
        lines.clear()
        rows.clear()

    for block in document.iter_inner_content():
        if isinstance(block, DocxTable):
            table = table_from_grid(_grid(block))
            if table:
                found = table_lines(table)
                lines.extend(found)
                rows.extend(found[len(table.caption):] if table.rows else [])
            continue
        text = clean(block.text)
        if not text:
            continue
        if _HEADING_STYLE.match(_style_name(block)):
            end_section()
            heading = text
            first_heading = first_heading or text
        else:
            lines.append(text)
    end_section()
    if not sections:
        raise ParseError(source, "the Word document has no text",
                         "check that it is the policy itself; text in pictures or text boxes is not read")
    title = clean(document.core_properties.title or "") or first_heading or Path(source).stem.replace("-", " ").title()
    head = " ".join(s.text for s in sections[:3])
    return ParsedDocument(source=source, title=title, sections=tuple(sections), kind="docx",
                          version=find_version(head), effective_date=find_effective_date(head))


def _grid(table) -> list[list[str]]:
    """The table's cells as text. A cell spanning columns is read once and blank after, so the
    columns stay under their headers; a cell merged down repeats (python-docx gives the top one)."""
    grid = []
    for row in table.rows:
        texts, previous = [], None
        for cell in row.cells:
            texts.append("" if cell._tc is previous else cell.text)
            previous = cell._tc
        grid.append(texts)
    return grid

"""What a parser makes of a file, before it is cut into chunks (core/types.py)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """A run of text under one heading on one page (page is None for HTML and text files)."""

    heading: str
    text: str
    page: int | None = None
    # Where a person finds it when there is no PDF page: "slide 4", "sheet Premiums, rows 2-9".
    place: str = ""
    # Lines of `text` that are table rows (ingest/tables.py): each stays one sentence, so a row is
    # quoted whole even when a cell holds sentences of its own.
    rows: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedDocument:
    """What a parser makes of one file: its title, version facts and its sections in order."""

    source: str  # file name relative to the ingested folder, e.g. "short-term-disability-plan.pdf"
    title: str
    sections: tuple[Section, ...]
    kind: str  # a Format.kind of ingest/formats.py: pdf | docx | xlsx | csv | pptx | html | text
    version: str = ""
    effective_date: str = ""  # ISO date when the document states one

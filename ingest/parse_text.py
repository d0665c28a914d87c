"""Markdown and plain-text files → sections split on '#' headings and blank lines."""
from __future__ import annotations

import re
from pathlib import Path

from ingest.text_utils import clean, find_effective_date, find_version
from ingest.errors import ParseError
from ingest.types import ParsedDocument, Section

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


def decode(data: bytes, source: str) -> str:
    if b"\x00" in data[:4096]:
        raise ParseError(source, "the file is binary, not text", "export it as PDF, HTML or text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def parse_text(path: Path, source: str) -> ParsedDocument:
    text = decode(path.read_bytes(), source)
    sections: list[Section] = []
    heading, paragraphs, current = "", [], []

    def end_paragraph():
        if current:
            paragraphs.append(clean(" ".join(current)))
            current.clear()

    def end_section():
        end_paragraph()
        if paragraphs:
            sections.append(Section(heading=heading, text="\n".join(paragraphs)))
            paragraphs.clear()

    title = ""
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            end_section()
            heading = clean(match.group(1))
            title = title or heading
        elif not line.strip():
            end_paragraph()
        elif re.match(r"^\s*([-*+]|\d+[.)])\s+", line):
            end_paragraph()
            current.append(line.strip())
        else:
            current.append(line.strip())
    end_section()
    if not sections:
        raise ParseError(source, "the file is empty", "add text to it or remove it from the folder")
    head = " ".join(s.text for s in sections[:2])
    return ParsedDocument(source=source, title=title or Path(source).stem.replace("-", " ").title(),
                          sections=tuple(sections), kind="text",
                          version=find_version(head), effective_date=find_effective_date(head))

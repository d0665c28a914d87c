"""Pick the parser for a file by its extension, after the checks every file gets (empty, too big)."""
from __future__ import annotations

from pathlib import Path

from rag.errors import ParseError
from rag.types import ParsedDocument

SUPPORTED = {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "text", ".markdown": "text",
             ".txt": "text"}
# A policy PDF of several hundred pages is a few MB; far larger files are usually scans or bundles.
MAX_FILE_BYTES = 50 * 1024 * 1024


def parse_file(path: Path, source: str, max_bytes: int = MAX_FILE_BYTES) -> ParsedDocument:
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise ParseError(source, f"unsupported file type '{path.suffix or '(none)'}'",
                         "supported: " + ", ".join(sorted(SUPPORTED)))
    size = path.stat().st_size
    if size == 0:
        raise ParseError(source, "the file is empty (0 bytes)", "copy the file again; it may not have finished uploading")
    if size > max_bytes:
        raise ParseError(source, f"the file is {size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit",
                         "split it into smaller documents")
    if kind == "pdf":
        from ingest.parse_pdf import parse_pdf
        return parse_pdf(path, source)
    if kind == "html":
        from ingest.parse_html import parse_html
        return parse_html(path, source)
    from ingest.parse_text import parse_text
    return parse_text(path, source)

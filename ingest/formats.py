"""The one list of document formats ingest reads: suffixes, MIME types, what the bytes start with,
the parser, and whether the format has pages. Parsing, uploads, URL fetching and the maintainers'
uploader all read it, so a format is added here and nowhere else."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from ingest.ocr import OcrRequest
from ingest.types import ParsedDocument

# Every Office Open XML file (docx, xlsx, pptx) is a zip archive.
ZIP_MAGIC = b"PK\x03\x04"
# The compound-file container of the old binary formats (.doc, .xls, .ppt), and also of a
# password-protected docx/xlsx/pptx: Office encrypts the whole zip into one of these.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Format:
    kind: str  # ParsedDocument.kind, and the ledger's kind
    label: str  # what a maintainer calls it: "Word"
    suffixes: tuple[str, ...]
    mime_types: tuple[str, ...]
    parser: str  # "module:function", imported only when a file of this kind is read
    has_pages: bool  # citations name a page, and the viewer can draw it
    magic: tuple[bytes, ...] = ()  # a real file starts with one of these ('' = any bytes)
    # The parser takes the page budget (pages, slides, or spreadsheet rows by the page).
    budgeted: bool = False
    # The parser takes an OcrRequest too (a scanned PDF is read by OCR when one is given).
    ocr: bool = False

    def parse(self, path: Path, source: str, max_pages: int, ocr: OcrRequest | None = None) -> ParsedDocument:
        module, _, function = self.parser.partition(":")
        parse = getattr(importlib.import_module(module), function)
        if self.ocr:
            return parse(path, source, max_pages, ocr)
        return parse(path, source, max_pages) if self.budgeted else parse(path, source)

    def bytes_match(self, head: bytes) -> bool:
        return not self.magic or head.startswith(self.magic)


FORMATS: tuple[Format, ...] = (
    Format("pdf", "PDF", (".pdf",), ("application/pdf",), "ingest.parse_pdf:parse_pdf", has_pages=True,
           magic=(b"%PDF-",), budgeted=True, ocr=True),
    Format("docx", "Word", (".docx",),
           ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
           "ingest.parse_docx:parse_docx", has_pages=False, magic=(ZIP_MAGIC,)),
    Format("xlsx", "Excel", (".xlsx", ".xlsm"),
           ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.ms-excel.sheet.macroEnabled.12"),
           "ingest.parse_sheet:parse_xlsx", has_pages=False, magic=(ZIP_MAGIC,), budgeted=True),
    Format("csv", "CSV", (".csv",), ("text/csv",), "ingest.parse_sheet:parse_csv", has_pages=False,
           budgeted=True),
    Format("pptx", "PowerPoint", (".pptx",),
           ("application/vnd.openxmlformats-officedocument.presentationml.presentation",),
           "ingest.parse_pptx:parse_pptx", has_pages=False, magic=(ZIP_MAGIC,), budgeted=True),
    Format("html", "HTML", (".html", ".htm"), ("text/html", "application/xhtml+xml"),
           "ingest.parse_html:parse_html", has_pages=False),
    Format("text", "Markdown or text", (".md", ".markdown", ".txt"), ("text/markdown", "text/plain"),
           "ingest.parse_text:parse_text", has_pages=False),
)

# The old binary Office formats: not read, but named with what to do instead.
LEGACY = {".doc": ("Word", ".docx"), ".xls": ("Excel", ".xlsx"), ".ppt": ("PowerPoint", ".pptx"),
          ".rtf": ("Word", ".docx")}

_BY_SUFFIX = {suffix: f for f in FORMATS for suffix in f.suffixes}
_BY_MIME = {mime: f for f in FORMATS for mime in f.mime_types}


def format_for(path: str | Path) -> Format | None:
    return _BY_SUFFIX.get(Path(path).suffix.lower())


def format_for_mime(content_type: str) -> Format | None:
    return _BY_MIME.get(content_type.split(";")[0].strip().lower())


def suffixes() -> list[str]:
    """Every suffix ingest reads, without the dot, in the registry's order: the uploader's list."""
    return [s.lstrip(".") for f in FORMATS for s in f.suffixes]


def supported_text() -> str:
    """The supported types for a message: "PDF (.pdf), Word (.docx), …"."""
    return ", ".join(f"{f.label} ({', '.join(f.suffixes)})" for f in FORMATS)


def labels_text() -> str:
    """The formats by name for a label: "PDF, Word, Excel, …, or Markdown or text files"."""
    names = [f.label for f in FORMATS]
    return ", ".join(names[:-1]) + f" or {names[-1]} files"


def legacy_advice(suffix: str) -> str:
    """What to do with an old binary Office file, or '' for any other suffix."""
    found = LEGACY.get(suffix.lower())
    if not found:
        return ""
    app, modern = found
    return f"open it in {app} (or LibreOffice) and save it as {modern}"


@dataclass(frozen=True)
class Mismatch:
    """Why a file's bytes are not what its suffix says, and what to do."""

    reason: str
    hint: str


def mismatch(fmt: Format, head: bytes) -> Mismatch | None:
    """None when the file's first bytes fit its format."""
    if fmt.bytes_match(head):
        return None
    if head.startswith(OLE_MAGIC) and ZIP_MAGIC in fmt.magic:
        return Mismatch(f"the {fmt.label} file is password-protected, or in the old binary format under a new name",
                        f"remove the password, or open it in {fmt.label} and save it as {fmt.suffixes[0]}")
    article = "an" if fmt.label[0] in "AEIOU" else "a"
    return Mismatch(f"the file is named {fmt.suffixes[0]} but is not {article} {fmt.label} file",
                    f"export it again from {fmt.label}, or give it the suffix of its real type")

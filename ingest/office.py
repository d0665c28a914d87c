"""Checks every Office Open XML file (docx, xlsx, pptx) gets before its library opens it: the bytes
are a zip archive of the right kind, not a password-protected or old binary file, and not a zip
whose parts unpack to far more than a document holds."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.errors import ParseError
from ingest.formats import format_for, mismatch

# A policy's XML compresses about 10:1; a part list that unpacks past this is a zip bomb, or a
# package of media that holds no more text than its XML parts.
MAX_UNPACKED_BYTES = 500 * 2**20
# The part each kind of package must hold (its main document).
_MAIN_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


def check_package(path: Path, source: str) -> None:
    """Raise a ParseError naming what is wrong with the package, or return when it can be opened."""
    fmt = format_for(path)
    with open(path, "rb") as f:
        head = f.read(8)
    wrong = mismatch(fmt, head)
    if wrong:
        raise ParseError(source, wrong.reason, wrong.hint)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as err:
        raise ParseError(source, f"the {fmt.label} file is damaged or truncated ({type(err).__name__})",
                         f"copy it again, or open it in {fmt.label} and save it again") from None
    names = [i.filename for i in infos]
    if "[Content_Types].xml" not in names or not any(n.startswith(_MAIN_PART[fmt.kind]) for n in names):
        raise ParseError(source, f"the file is a zip archive but not a {fmt.label} document",
                         f"open it in {fmt.label} and save it as {fmt.suffixes[0]}")
    unpacked = sum(i.file_size for i in infos if i.filename.endswith((".xml", ".rels")))
    if unpacked > MAX_UNPACKED_BYTES:
        raise ParseError(source, f"the file's parts unpack to {unpacked / 2**20:,.0f} MB, over the "
                         f"{MAX_UNPACKED_BYTES / 2**20:.0f} MB limit", "split it into smaller documents")


def damaged(source: str, label: str, err: Exception) -> ParseError:
    """The error for a package its library could not read."""
    return ParseError(source, f"the {label} file could not be read ({type(err).__name__}: {str(err)[:120]})",
                      f"open it in {label} and save it again, or export it as PDF")

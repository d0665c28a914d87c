"""OCR for scanned PDFs: ocrmypdf (Tesseract) adds a text layer to a copy, never to the original.

The copy is kept beside the index, named by the original's hash (`<index>/ocr/<sha256>.pdf`): a
re-ingest of the same scan reads it again without OCR, and the page viewer draws it, with its
recognised text under the highlights, in place of the original (it looks the same: the scan's
image with invisible text). Copies of documents no longer in the index are removed at commit.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.ledger import OCR_FOLDER
from ingest.errors import ParseError

# OCR gets this share of a file's reading deadline (ingest/reading.py stops the worker at the
# deadline); the rest is for parsing and chunking the recognised text, a second or two.
OCR_SHARE = 0.75
_STOP_GRACE = 5.0  # seconds ocrmypdf gets to end tesseract after SIGTERM, before SIGKILL


@dataclass(frozen=True)
class OcrRequest:
    """Where the OCR'd copy of one file is kept, and how long OCR may take."""

    copy: Path
    seconds: float


def engine_available() -> bool:
    """True when ocrmypdf and the tesseract it drives are on PATH."""
    return shutil.which("ocrmypdf") is not None and shutil.which("tesseract") is not None


def run_ocr(original: Path, copy: Path, seconds: float, source: str) -> None:
    """Write `original` with a recognised text layer to `copy` (whole or not at all), within
    `seconds`; ParseError when OCR fails or runs out of time."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=".ocr-", suffix=".pdf", dir=copy.parent)
    os.close(fd)
    # --skip-text leaves any page that already has text as it is; --output-type pdf skips the PDF/A
    # conversion (Ghostscript), which the viewer does not need; one job, as ingest runs a reader per core.
    command = ["ocrmypdf", "--skip-text", "--output-type", "pdf", "--jobs", "1", "--quiet",
               str(original), partial]
    # Its own session, so a timeout ends tesseract and the rasteriser too, not only ocrmypdf.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        try:
            _, err = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise ParseError(source, f"OCR of the scan took longer than {seconds:g} s and was stopped",
                             "run `ocrmypdf --skip-text in.pdf out.pdf` on it yourself and ingest the result, "
                             "or raise BENEFITS_QA_PARSE_SECONDS (OCR gets three quarters of it)") from None
        if process.returncode != 0:
            last = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise ParseError(source, f"OCR of the scan failed (ocrmypdf exit code {process.returncode}: "
                                     f"{last[0][:120]})",
                             "run `ocrmypdf --skip-text in.pdf out.pdf` on it to see why, and ingest the result")
        os.replace(partial, copy)
    finally:
        Path(partial).unlink(missing_ok=True)


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(_STOP_GRACE)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:  # already gone
        process.wait()


def prune(index_dir: Path, live_hashes: set[str]) -> None:
    """Remove the OCR'd copies of documents no longer in the index (and half-written ones)."""
    folder = Path(index_dir) / OCR_FOLDER
    if not folder.is_dir():
        return
    for path in folder.glob("*.pdf"):
        if path.stem not in live_hashes:
            path.unlink(missing_ok=True)

"""Pick the parser for a file by its suffix (ingest/formats.py), after the checks every file gets
(empty, too big)."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from core.config import Settings
from ingest.errors import ParseError
from ingest.formats import format_for, legacy_advice, supported_text
from ingest.ocr import OcrRequest
from ingest.types import ParsedDocument

# The budgets' defaults are the settings' own (core/config.py), so they are written down once.
MAX_FILE_BYTES = int(Settings.max_file_mb * 2**20)


class _TimedOut(Exception):
    pass


@contextmanager
def _time_limit(seconds: int | None):
    """Interrupt parsing after `seconds` (only possible in the main thread, where signals arrive)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise _TimedOut()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parse_file(path: Path, source: str, max_bytes: int = MAX_FILE_BYTES, seconds: float | None = Settings.parse_seconds,
               max_pages: int = Settings.max_pages, max_chars: int = Settings.max_document_chars,
               ocr: OcrRequest | None = None) -> ParsedDocument:
    """Parse one file within its size budgets. `seconds` is a limit for callers on the main thread
    only (an alarm); ingest reads files in worker processes with a deadline (ingest/reading.py).
    `ocr` lets a scanned PDF be read by OCR (ingest/ocr.py); without it a scan fails with a hint."""
    try:
        with _time_limit(seconds):
            doc = _parse(path, source, max_bytes, max_pages, ocr)
    except _TimedOut:
        raise ParseError(source, f"parsing took longer than {seconds:g} s and was stopped",
                         "the file is probably damaged; re-export it from its source application") from None
    except RecursionError:
        raise ParseError(source, "the file's structure is nested too deeply to read",
                         "re-export it from its source application") from None
    chars = sum(len(section.text) for section in doc.sections)
    if chars > max_chars:
        raise ParseError(source, f"the document has {chars:,} characters of text, over the limit of {max_chars:,}",
                         "split it into smaller documents, or raise BENEFITS_QA_MAX_DOCUMENT_CHARS")
    return doc


def _parse(path: Path, source: str, max_bytes: int, max_pages: int, ocr: OcrRequest | None) -> ParsedDocument:
    fmt = format_for(path)
    if fmt is None:
        suffix = path.suffix.lower()
        if legacy_advice(suffix):
            raise ParseError(source, f"'{suffix}' is an old binary format that cannot be read", legacy_advice(suffix))
        raise ParseError(source, f"unsupported file type '{path.suffix or '(none)'}'", "supported: " + supported_text())
    size = path.stat().st_size
    if size == 0:
        raise ParseError(source, "the file is empty (0 bytes)", "copy the file again; it may not have finished uploading")
    if size > max_bytes:
        raise ParseError(source, f"the file is {size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit",
                         "split it into smaller documents")
    return fmt.parse(path, source, max_pages, ocr)

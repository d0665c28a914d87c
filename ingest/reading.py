"""Read (parse and chunk) files in worker processes, each file within a time budget.

A hostile or damaged file can keep a parser or the chunker busy for minutes. An alarm signal
cannot stop it on the app's ingest thread (signals reach only the main thread), so every file is
read in a worker process that the ingest kills when the file's deadline passes; that file then
fails with a clear reason and the run goes on with the others, as for any bad file.

Workers come from a forkserver: a clean process that imported the parsers once, so a worker
starts in milliseconds and never inherits the threads of torch or onnxruntime that the
ingesting process may run (forking those mid-lock can hang the child).
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterator

from core.config import Settings
from ingest.errors import ParseError
from core.types import Chunk

# Imported once by the forkserver, so each worker starts with them loaded.
from ingest.types import ParsedDocument
# The Office libraries are not among them: most corpora have no Office file, and a worker that
# reads one imports its library itself.
_PRELOAD = ["ingest.reading", "ingest.parse", "ingest.formats", "ingest.parse_pdf", "ingest.parse_html",
            "ingest.parse_text", "ingest.parse_docx", "ingest.parse_sheet", "ingest.parse_pptx", "ingest.chunk", "core.embed", "pypdf", "pdfplumber", "bs4", "pysbd", "tokenizers"]
_STOP_GRACE = 5.0  # seconds a worker gets to exit when asked, before it is killed


@dataclass(frozen=True)
class ReadLimits:
    """What one file may cost: bytes, pages, characters, chunks and seconds (core/config.py)."""

    max_bytes: int
    max_pages: int
    max_chars: int
    max_chunks: int
    seconds: float
    model_path: str
    max_chunk_tokens: int
    chunk_tokens: int
    index_dir: Path  # OCR'd copies of scans are kept under it (ingest/ocr.py)

    @classmethod
    def from_settings(cls, settings: Settings) -> "ReadLimits":
        return cls(max_bytes=int(settings.max_file_mb * 2**20), max_pages=settings.max_pages,
                   max_chars=settings.max_document_chars, max_chunks=settings.max_document_chunks,
                   seconds=settings.parse_seconds, model_path=settings.embed_model_path,
                   max_chunk_tokens=settings.max_chunk_tokens, chunk_tokens=settings.chunk_tokens,
                   index_dir=Path(settings.index_dir))


@dataclass(frozen=True)
class ReadTask:
    path: Path
    source: str
    sha256: str


@dataclass(frozen=True)
class ChunkedDocument:
    document: ParsedDocument
    chunks: tuple[Chunk, ...]


@dataclass(frozen=True)
class ReadOutcome:
    """One file read: its chunked document, or the error that says why it could not be read."""

    task: ReadTask
    document: ChunkedDocument | None = None
    error: ParseError | None = None


@lru_cache(maxsize=2)
def _token_counter(model_path: str):
    from core.embed import TokenCounter

    return TokenCounter(model_path)


def read_file(task: ReadTask, limits: ReadLimits) -> ChunkedDocument:
    """Parse and chunk one file within its size budgets (not its time: see read_files)."""
    from ingest.chunk import chunk_document
    from core.ledger import ocr_copy_path
    from ingest.ocr import OCR_SHARE, OcrRequest
    from ingest.parse import parse_file

    # OCR within its share of the file's deadline, so it ends (and says so) before the worker is stopped.
    ocr = OcrRequest(ocr_copy_path(limits.index_dir, task.sha256), seconds=limits.seconds * OCR_SHARE)
    doc = parse_file(task.path, task.source, max_bytes=limits.max_bytes, seconds=None,
                     max_pages=limits.max_pages, max_chars=limits.max_chars, ocr=ocr)
    chunks = chunk_document(doc, task.sha256, _token_counter(limits.model_path), limits.max_chunk_tokens,
                            limits.chunk_tokens, max_chunks=limits.max_chunks)
    if not chunks:
        raise ParseError(task.source, "no text could be extracted", "check the file opens and has text")
    return ChunkedDocument(doc, tuple(chunks))


def _exit_with_parent() -> None:
    """End this worker when the process that forked it (the forkserver, which ends with the ingest)
    is gone: a worker busy on a hostile file would otherwise run on after a killed ingest."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _serve(conn, limits: ReadLimits) -> None:
    """A worker: read the files it is sent, one at a time, until told to stop or orphaned."""
    _exit_with_parent()
    while True:
        try:
            task = conn.recv()
        except EOFError:  # the ingest is gone
            return
        if task is None:
            return
        try:
            conn.send(ReadOutcome(task, document=read_file(task, limits)))
        except ParseError as err:
            conn.send(ReadOutcome(task, error=err))


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


class _Worker:
    def __init__(self, context, limits: ReadLimits):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, limits), daemon=True,
                                       name="benefits-qa-reader")
        self.process.start()
        child.close()
        self.task: ReadTask | None = None
        self.deadline = 0.0

    def give(self, task: ReadTask, seconds: float) -> None:
        self.task, self.deadline = task, time.monotonic() + seconds
        self.conn.send(task)

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:  # already gone
            pass
        self.process.join(_STOP_GRACE)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def read_files(tasks: list[ReadTask], limits: ReadLimits, warm_up: Callable[[], object] = lambda: None,
               workers: int | None = None) -> Iterator[ReadOutcome]:
    """Read every task in worker processes (a process per core at most), yielding each outcome
    as it ends; meanwhile this process runs `warm_up` (loading the model takes seconds too)."""
    if not tasks:
        warm_up()
        return
    context = _context()
    count = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    queue = deque(tasks)
    pool = [_Worker(context, limits) for _ in range(count)]
    try:
        for worker in pool:
            worker.give(queue.popleft(), limits.seconds)
            if not queue:
                break
        warm_up()
        while any(w.task for w in pool):
            busy = [w for w in pool if w.task]
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
            for number, worker in enumerate(pool):
                if worker.task is None:
                    continue
                outcome = _outcome(worker, limits)
                if outcome is None:
                    continue  # still reading, within its time
                yield outcome
                if worker.conn.closed:  # killed or died: a fresh one takes its place
                    worker = pool[number] = _Worker(context, limits)
                worker.task = None
                if queue:
                    worker.give(queue.popleft(), limits.seconds)
    finally:
        for worker in pool:
            if worker.task is not None:
                worker.kill()  # an error or an abandoned generator: nothing waits for these
            else:
                worker.stop()


def _outcome(worker: _Worker, limits: ReadLimits) -> ReadOutcome | None:
    """The worker's outcome if it has one, a failure if it died or ran out of time, else None."""
    task = worker.task
    if worker.conn.poll():
        try:
            return worker.conn.recv()
        except (EOFError, ConnectionResetError):  # it died before answering
            pass
    elif worker.process.is_alive():
        if time.monotonic() < worker.deadline:
            return None
        worker.kill()
        return ReadOutcome(task, error=ParseError(
            task.source, f"reading and chunking it took longer than {limits.seconds:g} s and was stopped",
            "the file is probably damaged or far too large: re-export or split it, or raise "
            "BENEFITS_QA_PARSE_SECONDS"))
    worker.process.join()
    code = worker.process.exitcode
    worker.conn.close()
    return ReadOutcome(task, error=ParseError(
        task.source, f"the process reading it stopped unexpectedly (exit code {code})",
        "the file may be damaged or too large for this machine's memory: re-export or split it"))

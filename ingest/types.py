"""The typed data of ingest: what a parser makes of a file (Section, ParsedDocument), before it is
cut into chunks (core/types.py), and what a run reports (FileReport, IngestReport)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

ADDED, UPDATED, UNCHANGED, RENAMED, REMOVED, FAILED = (
    "added", "updated", "unchanged", "renamed", "removed", "failed")
STATUSES = (ADDED, UPDATED, UNCHANGED, RENAMED, REMOVED, FAILED)  # the order reports list them in


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


@dataclass(frozen=True)
class FileReport:
    source: str
    status: str
    chunks: int = 0
    reason: str = ""
    hint: str = ""
    previous_source: str = ""
    note: str = ""


@dataclass(frozen=True)
class IngestReport:
    files: tuple[FileReport, ...] = ()
    seconds: float = 0.0
    dry_run: bool = False
    live_documents: int = 0
    live_chunks: int = 0
    embedded_chunks: int = 0
    embed_seconds: float = 0.0  # time inside the embedding model, for throughput figures
    reused_chunks: int = 0  # vectors taken over from an interrupted earlier run

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def ok(self) -> bool:
        return self.count(FAILED) == 0

    def counts_line(self) -> str:
        """The statuses that occurred, with their counts: "added 2, unchanged 17"."""
        return ", ".join(f"{s} {self.count(s)}" for s in STATUSES if self.count(s))

    def to_json(self) -> dict:
        return {"ok": self.ok, "dry_run": self.dry_run, "seconds": round(self.seconds, 3),
                "counts": {s: self.count(s) for s in STATUSES},
                "live_documents": self.live_documents, "live_chunks": self.live_chunks,
                "embedded_chunks": self.embedded_chunks, "reused_chunks": self.reused_chunks, "embed_seconds": round(self.embed_seconds, 3),
                "files": [asdict(f) for f in self.files]}

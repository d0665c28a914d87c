"""The ledger: which documents are live in the index, in which version. Written atomically.

The ledger is the commit point of an ingest run: chunks may be written before it, but only chunks
of documents the ledger names are ever answered from. Replacing the file with os.replace is atomic,
so a reader sees the old ledger or the new one, never half of either.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

LEDGER_FILE = "ledger.json"
# The OCR'd copies of scanned PDFs, by content hash, beside the ledger (ingest/ocr.py writes them).
OCR_FOLDER = "ocr"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class LedgerEntry:
    source: str
    doc_hash: str
    title: str
    kind: str
    chunks: int
    size: int
    ingested_at: str
    version: str = ""
    effective_date: str = ""
    origin: str = ""  # what was ingested to find it: a folder, a file, a URL or a sources file
    local_path: str = ""  # for a fetched URL, the saved copy under the index folder
    # The groups the document is shown to (ingest/audiences.py); empty: everyone.
    audience: tuple[str, ...] = ()

    def shown_to(self, groups: frozenset[str]) -> bool:
        return not self.audience or not groups.isdisjoint(self.audience)


@dataclass(frozen=True)
class Ledger:
    documents: dict[str, LedgerEntry] = field(default_factory=dict)  # by source name
    generation: int = 0
    updated_at: str = ""
    embed_model: str = ""
    store: str = ""  # folder of the Chroma store generation holding exactly these documents

    @property
    def live_hashes(self) -> set[str]:
        return {entry.doc_hash for entry in self.documents.values()}

    @property
    def chunk_count(self) -> int:
        return sum(e.chunks for e in {e.doc_hash: e for e in self.documents.values()}.values())

    def hidden_from(self, groups: frozenset[str]) -> frozenset[str]:
        """Content hashes of the live documents someone in `groups` may not see. A file shown to
        them under another name is not hidden: its text is theirs to read there."""
        shown = {e.doc_hash for e in self.documents.values() if e.shown_to(groups)}
        return frozenset(e.doc_hash for e in self.documents.values() if e.doc_hash not in shown)

    def shown(self, groups: frozenset[str]) -> "Ledger":
        """The ledger as someone in `groups` may know it: only the documents shown to them."""
        return replace(self, documents={s: e for s, e in self.documents.items() if e.shown_to(groups)})

    def page_file(self, source: str, index_dir: Path) -> Path | None:
        """The PDF to draw the live document's pages from: the OCR'd copy of a scan, which has the
        text to highlight, else the document itself (None where path_of is None)."""
        path = self.path_of(source)
        entry = self.documents.get(source)
        if path is None or entry is None:
            return path
        copy = ocr_copy_path(index_dir, entry.doc_hash)
        return copy if copy.is_file() else path

    def path_of(self, source: str) -> Path | None:
        """Where the live document named `source` is on disk (None for a URL or an unknown name)."""
        entry = self.documents.get(source)
        if entry is not None and entry.local_path:
            return Path(entry.local_path) if Path(entry.local_path).is_file() else None
        if entry is None or not entry.origin or "://" in entry.origin or entry.origin.startswith("sources:"):
            return None
        origin = Path(entry.origin)
        path = origin if origin.is_file() else origin / source
        return path if path.is_file() else None

    def with_documents(self, documents: dict[str, LedgerEntry], embed_model: str, store: str) -> "Ledger":
        return replace(self, documents=documents, generation=self.generation + 1,
                       updated_at=now_iso(), embed_model=embed_model, store=store)


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def ledger_from_json(text: str) -> Ledger:
    data = json.loads(text)
    documents = {src: LedgerEntry(**{**entry, "audience": tuple(entry.get("audience", ()))})
                 for src, entry in data.get("documents", {}).items()}
    return Ledger(documents=documents, generation=data.get("generation", 0),
                  updated_at=data.get("updated_at", ""), embed_model=data.get("embed_model", ""),
                  store=data.get("store", ""))


def ledger_to_json(ledger: Ledger) -> str:
    return json.dumps({
        "format": FORMAT_VERSION,
        "generation": ledger.generation,
        "updated_at": ledger.updated_at,
        "embed_model": ledger.embed_model,
        "store": ledger.store,
        "documents": {src: asdict(e) for src, e in sorted(ledger.documents.items())},
    }, indent=1)


def read_ledger(index_dir: Path) -> Ledger | None:
    path = Path(index_dir) / LEDGER_FILE
    return ledger_from_json(path.read_text(encoding="utf-8")) if path.exists() else None


def write_ledger(index_dir: Path, ledger: Ledger) -> None:
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".ledger-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(ledger_to_json(ledger))
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, index_dir / LEDGER_FILE)


def ocr_copy_path(index_dir: Path, sha256: str) -> Path:
    """Where the OCR'd copy of the file with this content hash is kept (it may not exist)."""
    return Path(index_dir) / OCR_FOLDER / f"{sha256}.pdf"

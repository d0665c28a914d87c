"""One ingest run: gather → plan → execute (parse → chunk → embed → store → commit).

`gather` finds the files and fetches the URLs (I/O, no model); `plan` compares them with the old
ledger and decides what is unchanged, renamed, to build and removed (pure, tested without Chroma);
`execute` builds what the plan says into a new store generation and commits it, and returns the
report.

Safety comes from generations (see core/store.py): changes go into a copy of the live store, and
replacing the ledger is the single moment the new documents go live and removed ones stop being
answered from. A run killed at any point leaves the old ledger and store, so the old answers;
its half-written copy is deleted by the next run. A run with no changes writes nothing at all.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping

from ingest.discover import SourceFile, discover
from ingest.fetch import FetchFailure, UrlPolicy, fetch, is_url, read_sources_file
from ingest.ocr import prune as prune_ocr_copies
from ingest.reading import ReadLimits, ReadTask, read_files
from ingest.types import ADDED, FAILED, REMOVED, RENAMED, UNCHANGED, UPDATED, FileReport, IngestReport
from core.config import Settings
from core.embed import model_id
from core.errors import BenefitsQAError
from core.store import IndexStore
from core.ledger import Ledger, LedgerEntry, now_iso


Progress = Callable[[int, int, str], None]  # (done, total, what is being done)
# Chunks embedded between two writes to the store: several model batches, so the model stays busy.
EMBED_BATCHES_PER_WRITE = 4


def run_ingest(targets: list[Path | str], settings: Settings, dry_run: bool = False,
               progress: Progress | None = None, sources_files: list[Path] = ()) -> IngestReport:
    """Ingest folders, files and URLs (targets), and the URLs or paths listed in sources files.

    A document that was ingested from one of these targets and is no longer there is removed;
    documents from other targets are left alone.
    """
    _check_exist(targets, sources_files)  # before the index folder or its lock is created
    store = IndexStore(settings, create=True)
    try:
        if dry_run:
            return _run(targets, sources_files, settings, store, dry_run, progress)
        with store.writing():
            return _run(targets, sources_files, settings, store, dry_run, progress)
    finally:
        store.close()  # the app ingests on a thread of its own process: nothing may stay open


def _check_exist(targets, sources_files) -> None:
    """A folder, file or sources file that is not there stops the run before it writes anything."""
    given = [(Path(t), "", "a folder, file or URL that exists") for t in targets if not is_url(str(t))]
    given += [(Path(s), "the sources file ", "a file that lists URLs or paths, one per line") for s in sources_files]
    for path, what, fix in given:
        if not path.exists():
            where = "" if path.is_absolute() else f" (looked for {path.resolve()})"
            raise BenefitsQAError(f"Nothing was ingested: {what}{path} does not exist{where}. "
                                  f"Check the path, or give {fix}.")


@dataclass(frozen=True)
class Candidates:
    """What `gather` found: the files (on disk and fetched), the origins this run speaks for, and
    the URLs that could not be fetched."""

    files: tuple[SourceFile, ...]
    origins: frozenset[str]
    failures: tuple[FileReport, ...] = ()


@dataclass(frozen=True)
class BuildItem:
    file: SourceFile
    status: str  # ADDED or UPDATED


@dataclass(frozen=True)
class IngestPlan:
    """What a run will do, decided from hashes alone (no model, no store)."""

    model: str  # the embedding model the new vectors are made with (core/embed.py model_id)
    model_changed: bool  # every live document is embedded again
    carried: Mapping[str, LedgerEntry]  # live after the run without being built: unchanged, renamed, other origins
    to_build: tuple[BuildItem, ...]
    removed: tuple[str, ...]
    reports: tuple[FileReport, ...]  # unchanged, renamed, removed, and the fetches that failed
    regrouped: tuple[str, ...] = ()  # unchanged files shown to other groups now: a ledger change only

    @property
    def renamed(self) -> tuple[FileReport, ...]:
        return tuple(r for r in self.reports if r.status == RENAMED)

    @property
    def writes(self) -> bool:
        return bool(self.to_build or self.removed or self.model_changed or self.renamed or self.regrouped)


def _model_changed(old: Ledger, model: str) -> bool:
    """The live vectors were made by another model: new ones cannot live beside them."""
    return bool(old.documents) and old.embed_model != model


def gather(targets, sources_files, settings: Settings, old: Ledger, model: str) -> Candidates:
    """The files and fetched pages of this run. When the model changed, also those of every
    other origin in the ledger (they must be embedded again); an origin that is gone from disk
    is spoken for, so its documents are removed."""
    found = _collect(targets, sources_files, settings)
    files, origins, failures = list(found.files), set(found.origins), list(found.failures)
    if _model_changed(old, model):
        others = sorted({e.origin for e in old.documents.values() if e.origin and e.origin not in origins})
        gone = {o for o in others if not is_url(o) and not Path(o.removeprefix("sources:")).exists()}
        kept = [o for o in others if o not in gone]
        more = _collect([o for o in kept if not o.startswith("sources:")],
                        [Path(o.removeprefix("sources:")) for o in kept if o.startswith("sources:")], settings)
        files += more.files
        origins |= more.origins | gone
        failures += more.failures
    origins |= _moved_origins(old, files, origins)
    return Candidates(tuple(files), frozenset(origins), tuple(failures))


def _collect(targets, sources_files, settings) -> Candidates:
    """Files and fetched pages to consider, and the origins this run speaks for."""
    listed: list[tuple[str, str]] = [(str(t), "") for t in targets]
    for sources in sources_files:
        marker = f"sources:{Path(sources).resolve()}"
        listed += [(entry, marker) for entry in read_sources_file(sources)]
    files, origins, failures = [], {o for _, o in listed if o}, []
    paths = [(Path(t), o) for t, o in listed if not is_url(t)]
    for path, marker in paths:
        found = discover([path])
        files += [replace(f, origin=marker) for f in found] if marker else found
        origins.add(marker or str(path.resolve()))
    max_bytes = int(settings.max_file_mb * 2**20)
    for url, marker in ((t, o) for t, o in listed if is_url(t)):
        origins.add(marker or url)
        fetched = fetch(url, marker or url, Path(settings.index_dir) / "fetched", settings.fetch_timeout, max_bytes,
                        policy=UrlPolicy.from_settings(settings))  # this run's settings, not the environment's
        if isinstance(fetched, FetchFailure):
            failures.append(FileReport(url, FAILED, reason=fetched.reason, hint=fetched.hint))
        else:
            files.append(fetched)
    return Candidates(tuple(files), frozenset(origins), tuple(failures))


def plan(old: Ledger, candidates: Candidates, model: str) -> IngestPlan:
    """Unchanged, renamed, to (re)build, removed: by content hash, against the old ledger."""
    model_changed = _model_changed(old, model)
    origins = candidates.origins
    carried: dict[str, LedgerEntry] = {src: e for src, e in old.documents.items() if e.origin not in origins}
    by_hash = {e.doc_hash: e for e in old.documents.values()}
    present = {f.source for f in candidates.files}
    to_build: list[BuildItem] = []
    regrouped: list[str] = []
    reports = list(candidates.failures)
    for f in candidates.files:
        previous = old.documents.get(f.source)
        moved_from = by_hash.get(f.sha256)
        if model_changed:
            to_build.append(BuildItem(f, UPDATED if previous else ADDED))
        elif previous and previous.doc_hash == f.sha256 and previous.audience != f.audience:
            carried[f.source] = _entry_for(previous, f)
            regrouped.append(f.source)
            reports.append(FileReport(f.source, UPDATED, previous.chunks,
                                      note=f"shown to {_groups(f.audience)}, was {_groups(previous.audience)}"))
        elif previous and previous.doc_hash == f.sha256:
            carried[f.source] = _entry_for(previous, f)
            reports.append(FileReport(f.source, UNCHANGED, previous.chunks))
        elif moved_from and moved_from.source not in present:
            carried[f.source] = _entry_for(moved_from, f)
            reports.append(FileReport(f.source, RENAMED, moved_from.chunks, previous_source=moved_from.source))
        else:
            to_build.append(BuildItem(f, UPDATED if previous else ADDED))
    failed_fetches = {r.source for r in candidates.failures}
    renamed_from = {r.previous_source for r in reports if r.status == RENAMED}
    removed = [src for src, e in old.documents.items()
               if e.origin in origins and src not in present and src not in failed_fetches and src not in renamed_from]
    reports += [FileReport(src, REMOVED, old.documents[src].chunks) for src in removed]
    return IngestPlan(model, model_changed, carried, tuple(to_build), tuple(removed), tuple(reports), tuple(regrouped))


def _groups(audience: tuple[str, ...]) -> str:
    return ", ".join(audience) if audience else "everyone"


def execute(plan: IngestPlan, old: Ledger, settings: Settings, store: IndexStore, dry_run: bool = False,
            progress: Progress | None = None) -> IngestReport:
    """Build into a new store generation; the old one keeps answering until the commit."""
    generation = None
    if not dry_run and plan.writes:
        generation = store.new_generation(Ledger() if plan.model_changed else old)
    leftovers = store.leftovers(old, exclude=generation.name) if generation is not None else []
    built = _build(plan.to_build, settings, generation, progress, store, leftovers)
    live = {**plan.carried, **built.entries}
    reports = [*plan.reports, *built.reports]
    for failed in (r for r in reports if r.status == FAILED):
        if failed.source in old.documents and not plan.model_changed:
            # A bad new copy never erases the good old one; the groups it is for are today's.
            audience = next((i.file.audience for i in plan.to_build if i.file.source == failed.source),
                            old.documents[failed.source].audience)
            live[failed.source] = replace(old.documents[failed.source], audience=audience)

    if generation is not None:
        for r in plan.renamed:
            generation.rename_source(live[r.source].doc_hash, r.source)
        live_hashes = {e.doc_hash for e in live.values()}
        generation.delete_documents(generation.doc_hashes() - live_hashes)
        store.commit(old.with_documents(live, plan.model, generation.name), base=old)
        prune_ocr_copies(Path(settings.index_dir), live_hashes)
        store.lexical(store.ledger())  # saved now, so no serving process has to build it at start
    elif not dry_run:
        store.save_lexical(old)  # an index saved by an older version gets its BM25 words now
    return IngestReport(
        files=tuple(sorted(reports, key=lambda r: (r.status != FAILED, r.source))), dry_run=dry_run,
        live_documents=len(live), live_chunks=sum(e.chunks for e in {e.doc_hash: e for e in live.values()}.values()),
        embedded_chunks=built.embedded_chunks, embed_seconds=built.embed_seconds, reused_chunks=built.reused_chunks)


def _run(targets, sources_files, settings, store, dry_run, progress) -> IngestReport:
    started = time.perf_counter()
    old = store.ledger(fresh=True)
    model = model_id(settings)
    candidates = gather(targets, sources_files, settings, old, model)
    report = execute(plan(old, candidates, model), old, settings, store, dry_run, progress)
    return replace(report, seconds=time.perf_counter() - started)


def _moved_origins(old: Ledger, files: list[SourceFile], origins: set[str]) -> set[str]:
    """Folders (or files, or sources files) of earlier runs that are gone from disk while this run
    found their documents elsewhere: the corpus moved. This run then speaks for them too, so a
    document deleted while it moved is removed, not kept forever under the old path."""
    names, hashes = {f.source for f in files}, {f.sha256 for f in files}
    gone = {e.origin for e in old.documents.values()
            if e.origin and e.origin not in origins and not is_url(e.origin)
            and not Path(e.origin.removeprefix("sources:")).exists()}
    return {origin for origin in gone
            if any(e.source in names or e.doc_hash in hashes for e in old.documents.values() if e.origin == origin)}


def _entry_for(entry: LedgerEntry, f: SourceFile) -> LedgerEntry:
    return replace(entry, source=f.source, origin=f.origin, size=f.size, audience=f.audience,
                   local_path=str(f.path) if is_url(f.source) else "")


@dataclass(frozen=True)
class Built:
    """What `_build` made: ledger entries and a report for each file, and the embedding figures."""

    entries: Mapping[str, LedgerEntry]
    reports: tuple[FileReport, ...] = ()
    embedded_chunks: int = 0
    reused_chunks: int = 0
    embed_seconds: float = 0.0


def _build(to_build: tuple[BuildItem, ...], settings, generation, progress, store, leftovers=()) -> Built:
    """Parse and chunk the new and changed files, then embed all their chunks in large batches
    into the new generation (None: dry run). Chunks that an interrupted earlier run already
    embedded (in a leftover generation) are copied, not embedded again."""
    if not to_build:
        return Built({})
    from core.embed import Embedder

    embedder = Embedder(settings)
    entries: dict[str, LedgerEntry] = {}
    pending = []  # chunks of every parsed file, embedded together below
    built_hashes: dict[str, LedgerEntry] = {}
    reports: list[FileReport] = []
    embedded, reused_count, embed_seconds = 0, 0, 0.0
    unique = list({i.file.sha256: i.file for i in reversed(to_build)}.values())[::-1]  # first name of each content

    def warm_up():
        if generation is not None:
            embedder.model  # noqa: B018  (load while the workers parse)
            generation.collection  # noqa: B018  (imports chromadb and opens the store: a second)

    if progress:  # the files are read in parallel first: most of the time goes here
        progress(0, len(to_build), "reading files")
    tasks = [ReadTask(f.path, f.source, f.sha256) for f in unique]
    results = {o.task.sha256: o for o in read_files(tasks, ReadLimits.from_settings(settings), warm_up)}
    for done, (f, status) in enumerate((i.file, i.status) for i in to_build):
        if progress:
            progress(done, len(to_build), f"reading {f.source}")
        if f.sha256 in built_hashes:  # the same content under a second name: its chunks are shared
            twin = built_hashes[f.sha256]
            entries[f.source] = replace(twin, source=f.source, origin=f.origin, audience=f.audience,
                                        local_path=str(f.path) if is_url(f.source) else "")
            reports.append(FileReport(f.source, status, twin.chunks, note="; ".join(filter(None, [f.note, f"same content as {twin.source}"]))))
            continue
        outcome = results[f.sha256]
        if outcome.error is not None:
            reports.append(FileReport(f.source, FAILED, reason=outcome.error.reason, hint=outcome.error.hint))
            continue
        doc, chunks = outcome.document.document, outcome.document.chunks
        pending += chunks
        entries[f.source] = LedgerEntry(
            source=f.source, doc_hash=f.sha256, title=doc.title, kind=doc.kind, chunks=len(chunks),
            size=f.size, ingested_at=now_iso(), version=doc.version, effective_date=doc.effective_date,
            origin=f.origin, local_path=str(f.path) if is_url(f.source) else "", audience=f.audience)
        built_hashes[f.sha256] = entries[f.source]
        reports.append(FileReport(f.source, status, len(chunks), note=f.note))
    vectors_of = model_id(settings)  # recorded on every vector this run stores
    if generation is not None and pending and leftovers:
        vectors = store.reusable_vectors(leftovers, pending, vectors_of)
        reused = [c for c in pending if c.id in vectors]
        for first in range(0, len(reused), 1000):
            batch = reused[first:first + 1000]
            generation.add_chunks(batch, [vectors[c.id] for c in batch], vectors_of)
        pending = [c for c in pending if c.id not in vectors]
        reused_count = len(reused)
    if generation is not None and pending:
        # Batches across documents keep the model busy, and texts of similar length batched
        # together need little padding; each batch is stored as soon as it is done.
        pending.sort(key=lambda c: len(c.embedding_text()))
        step = settings.embed_batch_size * EMBED_BATCHES_PER_WRITE
        started = time.perf_counter()
        for first in range(0, len(pending), step):
            if progress:
                progress(first, len(pending), "embedding chunks")
            batch = pending[first:first + step]
            vectors = embedder.embed([c.embedding_text() for c in batch])
            embed_seconds += time.perf_counter() - started
            generation.add_chunks(batch, vectors, vectors_of)
            started = time.perf_counter()
        embedded = len(pending)
    if progress:
        progress(1, 1, "done")
    return Built(entries, tuple(reports), embedded, reused_count, embed_seconds)

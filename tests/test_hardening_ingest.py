"""Issue #20, ingest side: a kill at the wrong moment, hostile documents, old generations held open,
a moved corpus. Real PDFs, the real model, real Chroma (embedded and a server); a fault is injected
only where a moment must be hit exactly (a sitecustomize in the ingest subprocess)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ingest.pipeline import run_ingest
from rag.config import load_settings
from rag.index import IndexStore
from tests.conftest import CORPUS, ROOT

# Loaded by the ingest subprocess (PYTHONPATH): copies half of the store, says so, then waits to be
# killed. Embedded store: the copy of chroma.sqlite3; server: the first add of copied records.
HALF_COPY = textwrap.dedent("""
    import os, shutil, time
    from pathlib import Path

    def _stop_here():
        Path(os.environ["HANG_MARKER"]).touch()
        time.sleep(3600)

    _copyfile = shutil.copyfile
    def copyfile(src, dst, *args, **kwargs):
        if Path(src).name == "chroma.sqlite3":
            with open(src, "rb") as f, open(dst, "wb") as out:
                out.write(f.read(os.path.getsize(src) // 2))
            _stop_here()
        return _copyfile(src, dst, *args, **kwargs)
    shutil.copyfile = copyfile

    from chromadb.api.models.Collection import Collection
    _add = Collection.add
    def add(self, ids, embeddings=None, metadatas=None, documents=None, **kwargs):
        if os.environ.get("BENEFITS_QA_CHROMA_URL") and len(ids) > 1:
            half = len(ids) // 2
            _add(self, ids=ids[:half], embeddings=embeddings[:half], metadatas=metadatas[:half],
                 documents=documents[:half])
            _stop_here()
        return _add(self, ids=ids, embeddings=embeddings, metadatas=metadatas, documents=documents, **kwargs)
    Collection.add = add
""")


@pytest.fixture
def small_corpus(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("short-term-disability-plan.pdf", "faq-leave-and-time-off.html"):
        shutil.copy(CORPUS / name, docs / name)
    return docs


def snapshot(settings):
    store = IndexStore(settings)
    try:
        return store.ledger(fresh=True), sorted((c.id, c.text) for c in store.live_chunks())
    finally:
        close = getattr(store, "close", None)
        if close:
            close()


def stored_generations(settings) -> list[str]:
    """Everything that holds a copy of the chunks: folders of the index, or the server's collections."""
    if settings.chroma_url:
        import chromadb

        url = settings.chroma_url.removeprefix("http://")
        host, port = url.split(":")
        client = chromadb.HttpClient(host=host, port=int(port))
        return [c.name for c in client.list_collections()
                if c.name.startswith(f"{settings.chroma_prefix}-") and not c.name.endswith("-ledger")]
    return [p.name for p in settings.index_dir.iterdir() if p.is_dir() and p.name not in {"lexical", "fetched"}]


def test_a_run_killed_while_copying_the_store_does_not_jam_later_runs(store_mode, small_corpus, tmp_path):
    index = tmp_path / "index"
    settings = load_settings(index_dir=index)
    assert run_ingest([small_corpus], settings).ok
    before = snapshot(settings)
    shutil.copy(CORPUS / "leave-of-absence-policy.pdf", small_corpus)

    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(HALF_COPY)
    for attempt in range(3):  # each killed retry must not leave one more copy behind
        marker = tmp_path / f"copying-{attempt}"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": f"{inject}{os.pathsep}{ROOT}",
               "HANG_MARKER": str(marker)}
        process = subprocess.Popen([sys.executable, "-m", "rag.cli", "ingest", str(small_corpus), "--index", str(index)],
                                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 240
        while not marker.exists() and process.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert marker.exists(), f"the run never reached the copy: {process.stderr.read().decode()[-2000:]}"
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stderr.close()
        assert snapshot(settings) == before  # readers still see the old index, whole
    # The live generation, and at most the one copy the last killed run left.
    assert len(stored_generations(settings)) <= 2, stored_generations(settings)

    report = run_ingest([small_corpus], settings)  # the next run completes the update
    assert report.ok, [(f.source, f.reason) for f in report.files if f.status == "failed"]
    assert {f.source: f.status for f in report.files}["leave-of-absence-policy.pdf"] == "added"
    ledger, chunks = snapshot(settings)
    assert "leave-of-absence-policy.pdf" in ledger.documents and len(chunks) == ledger.chunk_count
    # Nothing half-made is left: only committed generations (live + previous) remain.
    names = stored_generations(settings)
    assert all("partial" not in n for n in names) and len(names) <= 2, names


def test_a_document_deleted_while_the_corpus_moved_is_removed(tmp_path):
    old_home = tmp_path / "old" / "policies"
    old_home.mkdir(parents=True)
    for name in ("short-term-disability-plan.pdf", "severance-pay-plan.pdf", "faq-leave-and-time-off.html"):
        shutil.copy(CORPUS / name, old_home / name)
    settings = load_settings(index_dir=tmp_path / "index")
    assert run_ingest([old_home], settings).ok

    new_home = tmp_path / "new" / "policies"
    new_home.parent.mkdir()
    old_home.rename(new_home)  # the corpus moves ...
    (new_home / "severance-pay-plan.pdf").unlink()  # ... and the severance plan is withdrawn
    report = run_ingest([new_home], settings)

    assert {f.source: f.status for f in report.files} == {
        "short-term-disability-plan.pdf": "unchanged", "faq-leave-and-time-off.html": "unchanged",
        "severance-pay-plan.pdf": "removed"}
    assert report.live_documents == 2
    store = IndexStore(settings)
    ledger = store.ledger()
    assert "severance-pay-plan.pdf" not in ledger.documents
    assert "severance-pay-plan.pdf" not in {c.source for c in store.live_chunks()}  # never cited again
    assert ledger.path_of("short-term-disability-plan.pdf") == new_home / "short-term-disability-plan.pdf"
    # A folder of its own that still exists is left alone (several folders may feed one index).
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(CORPUS / "severance-pay-plan.pdf", other)
    run_ingest([other], settings)
    assert {f.source: f.status for f in run_ingest([new_home], settings).files}["short-term-disability-plan.pdf"] == "unchanged"
    assert "severance-pay-plan.pdf" in snapshot(settings)[0].documents

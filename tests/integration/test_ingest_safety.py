"""A killed ingest leaves the index answering as before; readers keep answering during a run."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.pipeline import run_ingest
from rag.answer import Assistant
from core.config import load_settings
from core.store import IndexStore
from tests.conftest import CORPUS, ROOT

QUESTION = "How many weeks of FMLA leave can I take?"


def snapshot(index):
    """What answering depends on: the ledger and every live chunk (ids and text)."""
    store = IndexStore(load_settings(index_dir=index))
    chunks = store.live_chunks()
    return (index / "ledger.json").read_bytes(), sorted((c.id, c.text) for c in chunks)




def start_ingest(docs, index):
    # Small batches: the run writes to its new store several times while it embeds.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "BENEFITS_QA_EMBED_BATCH_SIZE": "8"}
    return subprocess.Popen([sys.executable, "-m", "cli", "ingest", str(docs), "--index", str(index), "--json"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigkill_mid_embedding_changes_nothing_and_next_run_completes(small_corpus, tmp_path, embedder):
    index = tmp_path / "index"
    settings = load_settings(index_dir=index)
    run_ingest([small_corpus], settings)
    before = snapshot(index)
    answer_before = Assistant(settings, embedder=embedder).ask(QUESTION).to_json()

    # A run with real work: two large documents added, one removed.
    shutil.copy(CORPUS / "leave-of-absence-policy.pdf", small_corpus)
    shutil.copy(CORPUS / "severance-pay-plan.pdf", small_corpus)
    (small_corpus / "faq-leave-and-time-off.html").unlink()
    process = start_ingest(small_corpus, index)
    # Kill once the new store generation has received its first batch of chunks: the run is then
    # embedding the next batch.
    deadline = time.time() + 180
    baseline = None
    while time.time() < deadline and process.poll() is None:
        fresh = [p / "chroma.sqlite3" for p in index.glob("chroma-*") if not (p / ".committed").exists()]
        if fresh and fresh[0].exists():
            size = fresh[0].stat().st_size + sum(f.stat().st_size for f in fresh[0].parent.glob("*-wal"))
            baseline = size if baseline is None else baseline
            if size > baseline:
                break
        time.sleep(0.02)
    assert process.poll() is None, "the ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()

    assert snapshot(index) == before  # same ledger, same chunks: no duplicate, no orphan
    answer_after = Assistant(settings, embedder=embedder).ask(QUESTION).to_json()
    assert answer_after == answer_before

    report = run_ingest([small_corpus], settings)
    statuses = {f.source: f.status for f in report.files}
    assert statuses == {"short-term-disability-plan.pdf": "unchanged", "leave-of-absence-policy.pdf": "added",
                        "severance-pay-plan.pdf": "added", "faq-leave-and-time-off.html": "removed"}
    store = IndexStore(settings)
    ledger = store.ledger()
    live = store.live_chunks()
    assert len(live) == len({c.id for c in live}) == ledger.chunk_count
    assert {c.doc_hash for c in live} == ledger.live_hashes
    assert len(list(index.glob("chroma-*"))) <= 3  # the killed run's half-written store is gone
    # What the killed run had embedded is taken over, not embedded again; the rest is embedded.
    assert report.reused_chunks > 0 and report.embedded_chunks > 0
    assert report.reused_chunks + report.embedded_chunks == sum(
        f.chunks for f in report.files if f.status == "added")
    fresh = Assistant(settings, embedder=embedder).ask("How is severance pay calculated?")
    assert not fresh.abstained and any(c.source == "severance-pay-plan.pdf" for c in fresh.citations)


def test_app_side_reader_keeps_answering_during_reingest(small_corpus, tmp_path, embedder):
    index = tmp_path / "index"
    settings = load_settings(index_dir=index)
    run_ingest([small_corpus], settings)
    reader = Assistant(settings, embedder=embedder)  # one long-lived reader, like the app's
    shutil.copy(CORPUS / "leave-of-absence-policy.pdf", small_corpus)
    process = start_ingest(small_corpus, index)
    answers = 0
    while process.poll() is None:
        answer = reader.ask(QUESTION)
        assert not answer.abstained and answer.citations
        answers += 1
    out, err = process.communicate()
    assert process.returncode == 0, err.decode()[-2000:]
    assert json.loads(out)["counts"]["added"] == 1
    assert answers >= 3
    retrieval = reader.ask_with_evidence(QUESTION).retrieval
    # the new generation is picked up without a restart
    assert "leave-of-absence-policy.pdf" in {s.chunk.source for s in retrieval.ranked}


def test_noop_run_writes_nothing(small_corpus, tmp_path):
    index = tmp_path / "index"
    settings = load_settings(index_dir=index)
    run_ingest([small_corpus], settings)
    ledger_before = (index / "ledger.json").read_bytes()
    stores_before = sorted(p.name for p in index.glob("chroma-*"))
    report = run_ingest([small_corpus], settings)
    assert report.count("unchanged") == 2
    assert (index / "ledger.json").read_bytes() == ledger_before
    assert sorted(p.name for p in index.glob("chroma-*")) == stores_before


def test_second_writer_is_refused(small_corpus, tmp_path):
    from core.errors import BenefitsQAError

    store = IndexStore(load_settings(index_dir=tmp_path / "index"), create=True)
    with store.writing():
        with pytest.raises(BenefitsQAError, match="Another ingest"):
            run_ingest([small_corpus], load_settings(index_dir=tmp_path / "index"))


def test_killed_ingest_leaves_no_worker_processes_behind(tmp_path):
    docs = tmp_path / "many"
    docs.mkdir()
    for copy in range(4):  # enough files that workers are still reading when the run is killed
        for pdf in CORPUS.glob("*.pdf"):
            shutil.copy(pdf, docs / f"{copy}-{pdf.name}")
    process = start_ingest(docs, tmp_path / "index")
    workers: set[int] = set()
    deadline = time.time() + 60
    while time.time() < deadline and not workers:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        workers = {int(pid) for pid in children.read_text().split()} if children.exists() else set()
        time.sleep(0.1)
    assert workers, "the ingest started no worker processes"
    time.sleep(1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False

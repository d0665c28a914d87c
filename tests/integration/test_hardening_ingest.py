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
from core.config import load_settings
from core.store import IndexStore
from tests.pdf_factory import shared_stream_pdf
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
        process = subprocess.Popen([sys.executable, "-m", "cli", "ingest", str(small_corpus), "--index", str(index)],
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


# -- point 3: budgets for small files that cost minutes ---------------------------------------------

def test_one_long_paragraph_is_split_in_bounded_windows(monkeypatch):
    """pysbd's time grows with the square of its input (a 165 KB paragraph took 81 s to ingest):
    it must see a long paragraph only in windows of bounded size, so the cost grows linearly."""
    from ingest import text_utils

    real = text_utils._segmenter()
    seen: list[int] = []

    class Recorder:
        def segment(self, text):
            seen.append(len(text))
            return real.segment(text)

    monkeypatch.setattr(text_utils, "_segmenter", lambda: Recorder())
    paragraph = "Leave is paid. " * 11000  # 165 KB
    assert text_utils.split_sentences(paragraph) == ["Leave is paid."] * 11000
    assert max(seen) <= 4000 and sum(seen) <= len(paragraph)

    # Windows end where a sentence surely ends, so real prose splits as it did whole.
    prose = " ".join(["Larkspur Analytics, Inc. pays STD benefits of 60% of pay, e.g. $4.2 per hour in the U.S. "
                      "only after the waiting period ends.", "See section 4.2 for details.",
                      "Dr. Smith approves claims within 10 days!", "Was the claim filed on time?"] * 60)
    seen.clear()
    assert text_utils.split_sentences(prose) == [text_utils.clean(s) for s in real.segment(prose)]
    assert max(seen) <= 4000




def failures(report):
    return {f.source: f"{f.reason} | {f.hint}" for f in report.files if f.status == "failed"}


def test_a_small_pdf_of_thousands_of_pages_is_refused_with_the_setting_to_raise(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shared_stream_pdf(docs / "bundle.pdf")
    (docs / "leave.md").write_text("# Leave\n\nLeave is paid.\n")
    assert (docs / "bundle.pdf").stat().st_size < 1_000_000
    report = run_ingest([docs], load_settings(index_dir=tmp_path / "index"), dry_run=True)
    failed = failures(report)
    assert set(failed) == {"bundle.pdf"}
    assert "2,000 pages, over the limit of 1,000" in failed["bundle.pdf"] and "BENEFITS_QA_MAX_PAGES" in failed["bundle.pdf"]
    assert {f.source: f.status for f in report.files}["leave.md"] == "added"


def test_chunk_and_character_budgets_name_their_settings(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "long.md").write_text("# Leave\n\n" + "\n\n".join(f"Rule {i} says leave is paid at the usual rate for "
                                                                 f"every day of the {i}th week." for i in range(400)))
    monkeypatch.setenv("BENEFITS_QA_MAX_DOCUMENT_CHUNKS", "20")
    failed = failures(run_ingest([docs], load_settings(index_dir=tmp_path / "a"), dry_run=True))
    assert "over 20 chunks" in failed["long.md"] and "BENEFITS_QA_MAX_DOCUMENT_CHUNKS" in failed["long.md"]
    monkeypatch.delenv("BENEFITS_QA_MAX_DOCUMENT_CHUNKS")
    monkeypatch.setenv("BENEFITS_QA_MAX_DOCUMENT_CHARS", "10000")
    failed = failures(run_ingest([docs], load_settings(index_dir=tmp_path / "b"), dry_run=True))
    assert "over the limit of 10,000" in failed["long.md"] and "BENEFITS_QA_MAX_DOCUMENT_CHARS" in failed["long.md"]


# Loaded by the ingest subprocess: reading a file whose name says so never ends (a parser loop).
NEVER_ENDS = textwrap.dedent("""
    import time
    import ingest.parse_text as parse_text

    _parse_text = parse_text.parse_text
    def never_ends(path, source):
        if "never-ends" in source:
            time.sleep(3600)
        return _parse_text(path, source)
    parse_text.parse_text = never_ends
""")

# The maintainers' page's way: the ingest on a thread of its own (ingest/background.py).
ON_A_THREAD = textwrap.dedent("""
    import json, sys
    from pathlib import Path

    from ingest.background import start_ingest
    from core.config import load_settings

    if __name__ == "__main__":
        job = start_ingest([Path(sys.argv[1])], load_settings(index_dir=Path(sys.argv[2])))
        job.wait()
        print(json.dumps(job.report.to_json() if job.report else {"error": job.error}))
""")


def test_a_file_that_never_finishes_reading_fails_alone_on_the_ingest_thread(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "never-ends.md").write_text("# Loop\n\nThis file keeps its parser busy forever.\n")
    (docs / "leave.md").write_text("# Leave\n\nBereavement leave is five paid days.\n")
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(NEVER_ENDS)
    (tmp_path / "on_a_thread.py").write_text(ON_A_THREAD)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": f"{inject}{os.pathsep}{ROOT}",
           "BENEFITS_QA_PARSE_SECONDS": "5"}
    try:
        result = subprocess.run([sys.executable, str(tmp_path / "on_a_thread.py"), str(docs), str(tmp_path / "index")],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=150)
    except subprocess.TimeoutExpired:
        pytest.fail("the ingest thread never finished: nothing stopped the file that never ends")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    statuses = {f["source"]: f for f in report["files"]}
    assert statuses["never-ends.md"]["status"] == "failed"
    assert "longer than 5 s" in statuses["never-ends.md"]["reason"]
    assert "BENEFITS_QA_PARSE_SECONDS" in statuses["never-ends.md"]["hint"]
    assert statuses["leave.md"]["status"] == "added" and report["live_documents"] == 1


# -- point 6: a long-lived reader releases old generations ------------------------------------------

def held_under(folder):
    """This process's open files and memory maps under `folder`: (count, those of deleted files)."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            held.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # closed meanwhile
            pass
    with open("/proc/self/maps") as maps:
        held += sorted({line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) == 6})
    mine = [h for h in held if h.startswith(str(folder))]
    return len(mine), [h for h in mine if h.endswith("(deleted)")]


def test_a_reader_closes_old_generations_after_commits(tmp_path, embedder):
    import gc

    docs = tmp_path / "docs"
    docs.mkdir()
    index = tmp_path / "index"
    settings = load_settings(index_dir=index)
    (docs / "leave.md").write_text("# Leave\n\nBereavement leave is 1 paid day.\n")
    run_ingest([docs], settings)
    reader = IndexStore(settings)  # one long-lived reader, like the app's
    vector = embedder.embed(["How many days of bereavement leave?"])[0]
    counts = []
    for days in range(2, 9):
        (docs / "leave.md").write_text(f"# Leave\n\nBereavement leave is {days} paid days.\n")
        assert run_ingest([docs], settings).ok  # in this process, as the app's ingest thread does
        ledger = reader.ledger()
        assert f"{days} paid days" in reader.dense_search(ledger, vector, 3)[0].chunk.text
        assert reader.lexical_search(ledger, "bereavement", 3)
        gc.collect()
        counts.append(held_under(index)[0])
    held, deleted = held_under(index)
    assert not deleted, deleted  # files of deleted generations no longer hold disk space
    # Commits do not add open files (a generation held 14; a WAL file may come and go).
    assert counts[-1] <= min(counts) + 3, counts

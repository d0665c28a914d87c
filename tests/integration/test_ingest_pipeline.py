"""Ingest runs against a real Chroma and the real model: add, skip, update, remove, rename, fail.
Every test runs twice: on the embedded store and on a real Chroma server (client/server mode)."""
import pytest

from ingest.pipeline import run_ingest
from core.config import load_settings
from core.store import IndexStore
from tests.pdf_factory import make_policy_pdf


pytestmark = pytest.mark.usefixtures("store_mode")


def write_policy(folder, name, weeks):
    return make_policy_pdf(folder / name, "Bereavement Policy",
                           [[("1. Leave", f"Employees receive {weeks} paid days of bereavement leave.")]])


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    write_policy(folder, "bereavement.pdf", 5)
    (folder / "faq.html").write_text("<html><title>FAQ</title><body><h2>Can I carry over PTO?</h2>"
                                     "<p>Up to 40 hours of PTO carry over each year.</p></body></html>")
    return folder


def statuses(report):
    return {f.source: f.status for f in report.files}


def live_texts(settings):
    return sorted(c.text for c in IndexStore(settings).live_chunks())


def test_first_run_adds_then_rerun_skips(docs):
    settings = load_settings()
    first = run_ingest([docs], settings)
    assert statuses(first) == {"bereavement.pdf": "added", "faq.html": "added"} and first.ok
    second = run_ingest([docs], settings)
    assert statuses(second) == {"bereavement.pdf": "unchanged", "faq.html": "unchanged"}
    assert second.live_chunks == first.live_chunks


def test_changed_document_replaces_all_its_chunks(docs):
    settings = load_settings()
    run_ingest([docs], settings)
    write_policy(docs, "bereavement.pdf", 7)
    report = run_ingest([docs], settings)
    assert statuses(report)["bereavement.pdf"] == "updated"
    texts = " ".join(live_texts(settings))
    assert "7 paid days" in texts and "5 paid days" not in texts
    store = IndexStore(settings)
    ledger = store.ledger()
    assert store.store_for(ledger).doc_hashes() == ledger.live_hashes  # old version's chunks deleted


def test_removed_document_disappears(docs):
    settings = load_settings()
    run_ingest([docs], settings)
    (docs / "faq.html").unlink()
    report = run_ingest([docs], settings)
    assert statuses(report)["faq.html"] == "removed"
    assert not any("carry over" in t for t in live_texts(settings))
    assert set(IndexStore(settings).ledger().documents) == {"bereavement.pdf"}


def test_renamed_document_is_not_re_embedded(docs):
    settings = load_settings()
    run_ingest([docs], settings)
    (docs / "bereavement.pdf").rename(docs / "bereavement-policy.pdf")
    report = run_ingest([docs], settings)
    assert statuses(report) == {"bereavement-policy.pdf": "renamed", "faq.html": "unchanged"}
    sources = {c.source for c in IndexStore(settings).live_chunks()}
    assert sources == {"bereavement-policy.pdf", "faq.html"}


def test_bad_file_is_reported_and_loses_nothing(docs):
    settings = load_settings()
    run_ingest([docs], settings)
    before = live_texts(settings)
    (docs / "bereavement.pdf").write_bytes(b"%PDF-1.4 truncated")
    (docs / "zero.pdf").write_bytes(b"")
    report = run_ingest([docs], settings)
    assert not report.ok
    failed = {f.source: f for f in report.files if f.status == "failed"}
    assert set(failed) == {"bereavement.pdf", "zero.pdf"}
    assert "empty" in failed["zero.pdf"].reason and failed["bereavement.pdf"].hint
    assert live_texts(settings) == before  # the good old version is still answered from


def test_dry_run_writes_nothing(docs):
    settings = load_settings()
    report = run_ingest([docs], settings, dry_run=True)
    assert statuses(report) == {"bereavement.pdf": "added", "faq.html": "added"}
    assert IndexStore(settings, create=True).ledger().documents == {}


def test_ignore_file_keeps_sources_out(docs):
    (docs / "src").mkdir()
    (docs / "src" / "draft.txt").write_text("Draft text that is not a policy.")
    (docs / ".ingestignore").write_text("# sources\nsrc/\n")
    report = run_ingest([docs], load_settings())
    assert "src/draft.txt" not in statuses(report)


def test_old_generations_are_collected(docs):
    settings = load_settings()
    for days in (5, 6, 7, 8, 9):
        write_policy(docs, "bereavement.pdf", days)
        run_ingest([docs], settings)
    store = IndexStore(settings)
    names = store.host.store_names()
    assert store.ledger().store in names and len(names) <= 3  # live + 2 previous for readers mid-query


def test_commit_is_refused_when_another_run_committed_meanwhile(docs):
    from core.errors import BenefitsQAError

    settings = load_settings()
    run_ingest([docs], settings)
    store = IndexStore(settings)
    base = store.ledger()
    mine = store.new_generation(base)  # this run starts ...
    write_policy(docs, "bereavement.pdf", 8)
    run_ingest([docs], settings)  # ... and another one commits first
    after_other = store.ledger(fresh=True)
    with pytest.raises(BenefitsQAError, match="Another ingest"):
        store.commit(base.with_documents(base.documents, base.embed_model, mine.name), base=base)
    assert store.ledger(fresh=True) == after_other and mine.name not in store.host.store_names()
    assert "8 paid days" in " ".join(live_texts(settings))


def test_new_embedding_backend_re_embeds_documents_from_every_origin(docs, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    (other / "pto.md").write_text("# PTO\n\nFull-time employees accrue 15 days of PTO per year.\n")
    run_ingest([docs], load_settings())
    run_ingest([other], load_settings())
    monkeypatch.setenv("BENEFITS_QA_EMBED_BACKEND", "onnx")
    settings = load_settings()
    report = run_ingest([docs], settings)  # names one folder; the other's document is re-embedded too
    assert statuses(report) == {"bereavement.pdf": "updated", "faq.html": "updated", "pto.md": "updated"}
    store = IndexStore(settings)
    ledger = store.ledger()
    assert "[onnx]" in ledger.embed_model
    assert store.store_for(ledger).doc_hashes() == ledger.live_hashes
    assert len(store.live_chunks()) == ledger.chunk_count


def test_bm25_index_is_saved_at_ingest_and_loaded_without_reading_chunks(docs, monkeypatch):
    from core.lexical import LexicalIndex

    settings = load_settings()
    run_ingest([docs], settings)
    fresh = IndexStore(settings)
    ledger = fresh.ledger()
    assert (settings.index_dir / "lexical" / ledger.store / "chunk_ids.json").exists()
    expected = LexicalIndex.build(fresh.live_chunks()).search("carry over PTO", 5)
    monkeypatch.setattr(IndexStore, "live_chunks", lambda *a: pytest.fail("BM25 was rebuilt, not loaded"))
    hits = fresh.lexical_search(ledger, "carry over PTO", 5)
    assert [(h.chunk.id, round(h.score, 4)) for h in hits] == [(h.chunk_id, round(h.score, 4)) for h in expected]
    assert hits and "carry over" in hits[0].chunk.text
    assert fresh.lexical(ledger).words.get("carry", 0) > 0  # the words for typo repair came too


def test_a_bm25_index_saved_without_words_is_rebuilt_with_them(docs):
    # Indexes saved before typo repair have no words.json: the first reader rebuilds and saves them.
    settings = load_settings()
    run_ingest([docs], settings)
    ledger = IndexStore(settings).ledger()
    words_file = settings.index_dir / "lexical" / ledger.store / "words.json"
    words_file.unlink()
    reader = IndexStore(settings)
    assert reader.lexical(ledger).words.get("carry", 0) > 0
    assert words_file.exists()
    # A re-ingest with nothing to do saves them too, so that no serving process has to.
    words_file.unlink()
    report = run_ingest([docs], settings)
    assert report.embedded_chunks == 0 and IndexStore(settings).ledger().store == ledger.store
    assert words_file.exists()


def test_a_long_lived_reader_sees_a_commit_within_the_ledger_max_age(docs):
    import time

    from core.store import LEDGER_MAX_AGE

    settings = load_settings()
    run_ingest([docs], settings)
    reader = IndexStore(settings)
    before = reader.ledger()
    write_policy(docs, "bereavement.pdf", 9)
    run_ingest([docs], settings)  # another process, in effect: its own IndexStore
    time.sleep(LEDGER_MAX_AGE + 0.1)
    after = reader.ledger()
    assert after.generation == before.generation + 1
    assert "9 paid days" in " ".join(c.text for c in reader.live_chunks(after))

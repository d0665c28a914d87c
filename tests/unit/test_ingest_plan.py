"""The ingest plan on typed data: what is unchanged, renamed, built and removed, decided from
hashes and origins alone (no file is read, no model or store is opened)."""
from pathlib import Path

from core.ledger import Ledger, LedgerEntry
from ingest.discover import SourceFile
from ingest.pipeline import BuildItem, Candidates, plan
from ingest.types import ADDED, FAILED, REMOVED, RENAMED, UNCHANGED, UPDATED, FileReport

MODEL = "all-MiniLM-L6-v2 (bundled) [onnx-int8]"
DOCS = "/srv/policies"


def entry(source, doc_hash, origin=DOCS, chunks=10):
    return LedgerEntry(source=source, doc_hash=doc_hash, title=source, kind="pdf", chunks=chunks, size=100,
                       ingested_at="2026-12-01T00:00:00+00:00", origin=origin)


def found(source, sha256, origin=DOCS):
    return SourceFile(path=Path(origin) / source, source=source, origin=origin, sha256=sha256, size=100)


def ledger(*entries, model=MODEL):
    return Ledger(documents={e.source: e for e in entries}, generation=3, embed_model=model, store="chroma-3")


def statuses(the_plan):
    return {r.source: r.status for r in the_plan.reports} | {i.file.source: i.status for i in the_plan.to_build}


def test_each_file_is_unchanged_renamed_updated_added_or_removed():
    old = ledger(entry("std.pdf", "h-std"), entry("old-name.pdf", "h-pip"), entry("leave.pdf", "h-leave-1"),
                 entry("gone.pdf", "h-gone"))
    candidates = Candidates(files=(found("std.pdf", "h-std"), found("new-name.pdf", "h-pip"),
                                   found("leave.pdf", "h-leave-2"), found("cobra.pdf", "h-cobra")),
                            origins=frozenset({DOCS}))
    the_plan = plan(old, candidates, MODEL)
    assert statuses(the_plan) == {"std.pdf": UNCHANGED, "new-name.pdf": RENAMED, "leave.pdf": UPDATED,
                                  "cobra.pdf": ADDED, "gone.pdf": REMOVED}
    assert the_plan.removed == ("gone.pdf",)
    assert [r.previous_source for r in the_plan.renamed] == ["old-name.pdf"]
    assert set(the_plan.carried) == {"std.pdf", "new-name.pdf"}  # live without being built
    assert the_plan.carried["new-name.pdf"].source == "new-name.pdf" and not the_plan.model_changed
    assert the_plan.writes


def test_nothing_changed_writes_nothing():
    old = ledger(entry("std.pdf", "h-std"))
    the_plan = plan(old, Candidates((found("std.pdf", "h-std"),), frozenset({DOCS})), MODEL)
    assert not the_plan.writes and the_plan.to_build == () and the_plan.removed == ()


def test_documents_of_other_origins_are_kept_and_not_touched():
    other = "/srv/intranet-faq"
    old = ledger(entry("std.pdf", "h-std"), entry("faq.html", "h-faq", origin=other))
    the_plan = plan(old, Candidates((), frozenset({DOCS})), MODEL)
    assert the_plan.removed == ("std.pdf",)  # this run speaks for DOCS, which no longer has it
    assert set(the_plan.carried) == {"faq.html"}


def test_a_url_that_failed_to_fetch_is_reported_and_not_removed():
    url = "https://intranet.example/benefits"
    old = ledger(entry(url, "h-page", origin=url))
    failure = FileReport(url, FAILED, reason="timed out")
    the_plan = plan(old, Candidates((), frozenset({url}), failures=(failure,)), MODEL)
    assert the_plan.removed == () and failure in the_plan.reports


def test_a_new_model_builds_every_document_again():
    old = ledger(entry("std.pdf", "h-std"), model="another-model [torch]")
    the_plan = plan(old, Candidates((found("std.pdf", "h-std"), found("cobra.pdf", "h-cobra")), frozenset({DOCS})), MODEL)
    assert the_plan.model_changed and the_plan.writes
    assert the_plan.to_build == (BuildItem(found("std.pdf", "h-std"), UPDATED), BuildItem(found("cobra.pdf", "h-cobra"), ADDED))


def test_the_same_content_under_two_new_names_is_built_under_both():
    the_plan = plan(Ledger(), Candidates((found("a.pdf", "h-same"), found("b.pdf", "h-same")), frozenset({DOCS})), MODEL)
    assert [i.file.source for i in the_plan.to_build] == ["a.pdf", "b.pdf"]  # _build embeds the content once

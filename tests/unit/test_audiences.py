"""The audiences convention (ingest/audiences.py) and the ledger's view of it, on typed data."""
from __future__ import annotations

import json

import pytest

from core.ledger import Ledger, LedgerEntry, ledger_from_json, ledger_to_json
from ingest.audiences import AUDIENCES_FILE, Audiences, AudienceRule, AudiencesError, read_audiences


def entry(source, doc_hash, audience=()):
    return LedgerEntry(source=source, doc_hash=doc_hash, title=source, kind="pdf", chunks=1, size=1,
                       ingested_at="2026-12-08T00:00:00+00:00", audience=audience)


def test_patterns_name_files_folders_and_globs(tmp_path):
    (tmp_path / AUDIENCES_FILE).write_text(
        '# who sees what\n"guide.pdf" = ["managers"]\n"uk/" = ["uk", "hr", "uk"]\n"union-*.docx" = "union"\n',
        encoding="utf-8")
    rules = read_audiences(tmp_path)
    assert rules.of("guide.pdf") == ("managers",)
    assert rules.of("policies/guide.pdf") == ("managers",)  # a name matches in any folder, as in .ingestignore
    assert rules.of("uk/leave.pdf") == ("hr", "uk")
    assert rules.of("union-contract-2026.docx") == ("union",)
    assert rules.of("severance-pay-plan.pdf") == ()


def test_no_file_means_every_document_is_for_everyone(tmp_path):
    assert read_audiences(tmp_path).of("anything.pdf") == ()


def test_one_document_under_two_groups_is_an_error_that_names_both_patterns():
    rules = Audiences((AudienceRule("guide.pdf", ("managers",)), AudienceRule("*.pdf", ("uk",))), "corpus/.audiences.toml")
    with pytest.raises(AudiencesError, match=r"'guide.pdf' and '\*.pdf'"):
        rules.of("guide.pdf")
    same = Audiences((AudienceRule("guide.pdf", ("managers",)), AudienceRule("g*.pdf", ("managers",))))
    assert same.of("guide.pdf") == ("managers",)


def test_the_ledger_hides_what_no_group_of_the_asker_may_see():
    ledger = Ledger(documents={"guide.pdf": entry("guide.pdf", "a" * 64, ("managers",)),
                               "plan.pdf": entry("plan.pdf", "b" * 64),
                               "copy-of-plan.pdf": entry("copy-of-plan.pdf", "b" * 64, ("managers",))})
    assert ledger.hidden_from(frozenset()) == {"a" * 64}  # the copy's text is the plan's, shown to all
    assert ledger.hidden_from(frozenset({"managers", "sales"})) == frozenset()
    assert set(ledger.shown(frozenset()).documents) == {"plan.pdf"}
    assert ledger_from_json(ledger_to_json(ledger)) == ledger  # the groups survive the file


def test_a_ledger_written_before_audiences_reads_as_for_everyone():
    data = json.loads(ledger_to_json(Ledger(documents={"plan.pdf": entry("plan.pdf", "b" * 64)})))
    del data["documents"]["plan.pdf"]["audience"]
    assert ledger_from_json(json.dumps(data)).documents["plan.pdf"].audience == ()

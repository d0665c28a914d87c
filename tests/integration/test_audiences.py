"""Documents by audience (issue #17, point 3), on real PDFs, the real model and a real Chroma, embedded
and server: a document `.audiences.toml` limits to managers never reaches anyone else, in answers,
citations, snippets, typo repairs, counts or the citation viewer."""
from __future__ import annotations

import random
from datetime import date
import re
import shutil

import pytest

from core.config import load_settings
from core.lexical import words
from core.types import Asker
from ingest.audiences import AUDIENCES_FILE, AudiencesError
from ingest.pipeline import run_ingest
from rag.answer import Assistant
from rag.types import Citation
from tests.conftest import CORPUS
from tests.pdf_factory import make_policy_pdf

GUIDE = "manager-guide-workforce-changes.pdf"
GUIDE_TEXT = [[
    ("1. Announcing a reduction in force",
     "Before announcing a reduction in force, a manager must notify the Workforce Review Council at least "
     "21 calendar days in advance. Managers must not discuss planned layoffs with affected employees before "
     "the Council approves them."),
    ("2. Retention bonuses",
     "Retention bonuses of up to 15 percent of base salary may be offered to critical employees during the "
     "restructuring codenamed Bluefin. Severance above the standard formula requires approval by the Chief "
     "People Officer.")], [
    ("3. Calibration",
     "Performance calibration sessions are held every October, and managers place each report in one of "
     "four tiers. A report placed in the lowest tier twice in a row is reviewed by the Council.")]]
PUBLIC = ("short-term-disability-plan.pdf", "severance-pay-plan.pdf", "faq-leave-and-time-off.html")
MANAGERS = Asker(frozenset({"managers"}))
# About the guide, in the guide's words or an employee's, typos included.
ABOUT_THE_GUIDE = [
    "how many days notice does a manager give the workforce review council before a reduction in force",
    "what retention bonus can critical employees get during the bluefin restructuring",
    "who approves severance above the standard formula",
    "when are performance calibration sessions held",
    "what happens if i am in the lowest tier twice",
    "can my manager talk about planned layoffs before the council approves them",
    "whats project bluefn",
    "retention bonus 15 percent of base salary?",
    "how many tiers are there in calibration",
    "is there a workforce reveiw council",
    "chief people officer approval for severance",
    "reduction in force notice period for managers",
]
OTHER = [
    "How long is the waiting period for short-term disability?",
    "how many weeks of severance do i get",
    "can i take unpaid leave",
    "do I get paid while on STD",
    "what is the severance formula",
]


@pytest.fixture
def audience_corpus(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in PUBLIC:
        shutil.copy(CORPUS / name, docs / name)
    make_policy_pdf(docs / GUIDE, "Manager Guide: Workforce Changes", GUIDE_TEXT, header="Larkspur | Managers only")
    (docs / AUDIENCES_FILE).write_text(f'# managers only\n"{GUIDE}" = ["managers"]\n', encoding="utf-8")
    return docs


def guide_only_words(assistant: Assistant) -> set[str]:
    """Words of the guide that no document for everyone holds: any of them in what an employee is
    shown (and not in what they typed) came from the guide."""
    chunks = assistant.store.live_chunks()
    public = {w for c in chunks if c.source != GUIDE for w in words(f"{c.title} {c.section} {c.text}")}
    guide = {w for c in chunks if c.source == GUIDE for w in words(f"{c.title} {c.section} {c.text}")}
    return {w for w in guide - public if len(w) > 3 and not w.isdigit()}


def shown_words(answer) -> set[str]:
    texts = [answer.full_text(), answer.searched_for, *answer.notices]
    texts += [f"{c.title} {c.section} {c.snippet} {c.source}" for c in answer.citations]
    return set(words(" ".join(texts)))


def test_a_managers_only_document_reaches_managers_and_nobody_else(audience_corpus, store_mode, embedder):
    settings = load_settings()
    report = run_ingest([audience_corpus], settings)
    assert report.ok and report.live_documents == 4
    assistant = Assistant(settings, embedder=embedder)
    assert assistant.store.ledger().documents[GUIDE].audience == ("managers",)
    secret = guide_only_words(assistant)
    assert {"bluefin", "calibration", "council"} <= secret, secret

    # Managers get the guide's answer, cited.
    answer = assistant.ask("How many days of notice must a manager give before a reduction in force?", asker=MANAGERS)
    assert "21 calendar days" in answer.full_text() and any(c.source == GUIDE for c in answer.citations)

    # The leak test: 120 randomized questions, as an anonymous employee and as another group.
    rng = random.Random(17)
    askers = [Asker(), Asker(frozenset({"uk-employees", "sales"}))]
    for n in range(120):
        question = rng.choice(ABOUT_THE_GUIDE) if rng.random() < 0.7 else rng.choice(OTHER)
        if rng.random() < 0.3:  # a follow-up, or two questions in one
            history = [rng.choice(ABOUT_THE_GUIDE)]
        else:
            history = []
        asker = askers[n % 2]
        answer = assistant.ask(question, history, asker=asker)
        assert all(c.source != GUIDE for c in answer.citations), (question, answer.citations)
        leaked = (shown_words(answer) & secret) - set(words(" ".join([question, *history])))
        assert not leaked, (question, leaked, answer.full_text())

    # A typo is not repaired into a word only the guide holds.
    def searched(question, asker=Asker()):
        return assistant.ask_with_evidence(question, asker=asker).retrieval.question.lower()

    assert "council" not in searched("is there a workforce review counsil")
    assert "council" in searched("is there a workforce review counsil", MANAGERS)

    # Counts and the viewer: the guide is not counted for an employee, and a citation of it
    # (one kept from before signing out, or forged) gives nothing of it.
    assert assistant.index_status(date.today()).documents == 3
    assert assistant.index_status(date.today(), MANAGERS).documents == 4
    cited = next(c for c in answer_for(assistant, MANAGERS).citations if c.source == GUIDE)
    withheld = assistant.cited_document(cited)
    assert withheld.withheld and withheld.path is None and withheld.page_file is None and not withheld.passage
    assert assistant.cited_document(cited, MANAGERS).path is not None


def answer_for(assistant: Assistant, asker: Asker):
    return assistant.ask("what retention bonus can critical employees get during the bluefin restructuring", asker=asker)


def test_a_new_audience_changes_the_ledger_without_embedding_again(audience_corpus, store_mode, embedder):
    settings = load_settings()
    assert run_ingest([audience_corpus], settings).ok
    (audience_corpus / AUDIENCES_FILE).write_text(
        f'"{GUIDE}" = ["managers", "hr"]\n"faq-*.html" = "uk-employees"\n', encoding="utf-8")
    report = run_ingest([audience_corpus], settings)
    changed = {f.source: f for f in report.files if f.status == "updated"}
    assert set(changed) == {GUIDE, "faq-leave-and-time-off.html"}, report.files
    assert changed[GUIDE].note == "shown to hr, managers, was managers"
    assert changed["faq-leave-and-time-off.html"].note == "shown to uk-employees, was everyone"
    assert report.embedded_chunks == 0 and report.count("unchanged") == 2
    assistant = Assistant(settings, embedder=embedder)
    hr = Asker(frozenset({"hr"}))
    assert any(c.source == GUIDE for c in answer_for(assistant, hr).citations)
    leave = "can i take unpaid leave"
    assert all(c.source != "faq-leave-and-time-off.html" for c in assistant.ask(leave).citations)

    # Taken out of the file: for everyone again, still without embedding anything.
    (audience_corpus / AUDIENCES_FILE).unlink()
    report = run_ingest([audience_corpus], settings)
    assert report.embedded_chunks == 0 and report.count("updated") == 2
    assert any(c.source == GUIDE for c in answer_for(Assistant(settings, embedder=embedder), Asker()).citations)


@pytest.mark.parametrize("content, says", [
    ('"manager-guide.pdf" = [', "is not valid TOML"),
    ('"manager-guide.pdf" = []', "must name a list of one or more group names"),
    ('"manager-guide.pdf" = [3]', "must name a list of one or more group names"),
    ('[managers]\nfile = "x"', "must name a list of one or more group names"),
])
def test_a_bad_audiences_file_stops_the_run_and_keeps_the_index(audience_corpus, content, says):
    settings = load_settings()
    assert run_ingest([audience_corpus], settings).ok
    before = Assistant(settings).store.ledger()
    (audience_corpus / AUDIENCES_FILE).write_text(content, encoding="utf-8")
    (audience_corpus / "severance-pay-plan.pdf").unlink()  # a change the stopped run must not apply
    with pytest.raises(AudiencesError, match=re.escape(says)) as raised:
        run_ingest([audience_corpus], settings)
    assert "Nothing was ingested" in str(raised.value) and AUDIENCES_FILE in str(raised.value)
    assert Assistant(settings).store.ledger().documents == before.documents


def test_two_patterns_naming_one_document_for_different_groups_are_refused(audience_corpus):
    (audience_corpus / AUDIENCES_FILE).write_text(f'"{GUIDE}" = ["managers"]\n"*.pdf" = ["uk"]\n', encoding="utf-8")
    with pytest.raises(AudiencesError, match="matches both"):
        run_ingest([audience_corpus], load_settings())


def test_the_cli_answers_as_the_groups_it_is_given(audience_corpus, isolated_index):
    from tests.conftest import run_cli

    assert run_ingest([audience_corpus], load_settings()).ok
    question = "How many days of notice must a manager give before a reduction in force?"
    employee = run_cli("ask", question, "--json", index=isolated_index)
    manager = run_cli("ask", question, "--json", "--groups", "sales, managers", index=isolated_index)
    assert employee.returncode == 0 and manager.returncode == 0, employee.stderr + manager.stderr
    assert GUIDE not in employee.stdout and "21 calendar days" not in employee.stdout
    assert GUIDE in manager.stdout and "21 calendar days" in manager.stdout
    status = run_cli("status", index=isolated_index)
    assert "for managers" in next(line for line in status.stdout.splitlines() if GUIDE in line)

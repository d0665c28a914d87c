"""Client/server mode: the same answers from a real Chroma server as from the embedded store, through
the library, the CLI and the app; a clear error when the server is down."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from core.config import load_settings
from ingest.formats import format_for
from ingest.ocr import engine_available
from rag.answer import Assistant
from rag.evaluate import load_questions
from tests.conftest import CORPUS, ROOT, run_cli
from tests.servers import free_port

QUESTIONS = [q for q in load_questions(ROOT / "tests" / "eval" / "questions.jsonl") if q.answerable][:25]




def test_server_retrieves_and_answers_as_the_embedded_store(corpus_index, server_corpus_settings, embedder):
    embedded = Assistant(load_settings(index_dir=corpus_index), embedder=embedder)
    server = Assistant(server_corpus_settings, embedder=embedder)
    hits = 0
    for question in QUESTIONS:
        ours, theirs = embedded.ask_with_evidence(question.question), server.ask_with_evidence(question.question)
        assert [c.chunk.id for c in theirs.retrieval.chunks] == [c.chunk.id for c in ours.retrieval.chunks], question.id
        assert theirs.answer.text == ours.answer.text, question.id
        expected = {e.source for e in question.expected_sources}
        hits += any(c.chunk.source in expected for c in theirs.retrieval.chunks[:5])
    assert hits / len(QUESTIONS) >= 0.9


def test_cli_asks_the_server(server_corpus_settings):
    env = {"BENEFITS_QA_CHROMA_URL": server_corpus_settings.chroma_url, "BENEFITS_QA_CHROMA_PREFIX": "corpus",
           "BENEFITS_QA_INDEX": str(server_corpus_settings.index_dir)}
    result = run_cli("ask", "--json", "How long is the waiting period for short-term disability?", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "7 consecutive calendar days" in data["answer"]
    assert "short-term-disability-plan.pdf" in {c["source"] for c in data["citations"]}
    status = json.loads(run_cli("status", "--json", env=env).stdout)
    assert server_corpus_settings.chroma_url in status["index"]
    # Every document of the corpus that ingest reads; the scanned memo only when OCR can read it.
    readable = {p.name for p in CORPUS.iterdir() if p.is_file() and format_for(p) is not None}
    if not engine_available():
        readable.discard("jury-duty-and-voting-leave-memo.pdf")
    assert {d["source"] for d in status["documents"]} == readable


def test_app_answers_from_the_server(server_corpus_settings, monkeypatch):
    monkeypatch.setenv("BENEFITS_QA_CHROMA_URL", server_corpus_settings.chroma_url)
    monkeypatch.setenv("BENEFITS_QA_CHROMA_PREFIX", "corpus")
    monkeypatch.setenv("BENEFITS_QA_INDEX", str(server_corpus_settings.index_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.chat_input(key="question").set_value("How many weeks of FMLA leave can I take?").run()
    assert not at.exception
    text = "\n".join(md.value for msg in at.chat_message if msg.name == "assistant" for md in msg.markdown)
    assert "**[1]**" in text and "12" in text


@pytest.mark.parametrize("command", [["ask", "anything"], ["ingest", "corpus/"], ["status"]])
def test_unreachable_server_is_a_clear_error(command, tmp_path):
    env = {"BENEFITS_QA_CHROMA_URL": f"http://127.0.0.1:{free_port()}", "BENEFITS_QA_INDEX": str(tmp_path / "i")}
    result = run_cli(*command, env=env)
    assert result.returncode == 2
    assert "Cannot reach the Chroma server" in result.stderr and "Traceback" not in result.stderr

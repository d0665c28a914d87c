"""The question sets are well-formed and still agree with the corpus as built (pages and facts)."""
import re
import subprocess
import sys
from functools import lru_cache

import pytest
from pypdf import PdfReader

from ingest.parse import parse_file
from rag.evaluate import load_dialogues, load_questions
from tests.conftest import CORPUS, ROOT

EVAL = ROOT / "tests" / "eval"


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).lower()


@lru_cache(maxsize=None)
def page_text(source: str, page: int | None) -> str:
    path = CORPUS / source
    if page is None:
        doc = parse_file(path, source)
        return squash(" ".join(s.heading + " " + s.text for s in doc.sections))
    text = PdfReader(path).pages[page - 1].extract_text()
    scanned = CORPUS / "src" / "scan" / f"{path.stem}.txt"
    if not text.strip() and scanned.exists():  # an image-only page: its facts are in its source
        text = scanned.read_text(encoding="utf-8").partition("\n===\n")[2].replace("**", "")
    return squash(text)


@pytest.mark.parametrize("name,minimum,unanswerable", [("questions.jsonl", 100, 20), ("calibration.jsonl", 30, 10),
                                                          ("holdout.jsonl", 50, 10), ("formats_holdout.jsonl", 56, 0),
                                                          ("formats_dev.jsonl", 56, 0)])
def test_question_file_shape(name, minimum, unanswerable):
    questions = load_questions(EVAL / name)
    assert len(questions) >= minimum
    assert sum(not q.answerable for q in questions) >= unanswerable
    assert len({q.id for q in questions}) == len(questions)
    for q in questions:
        assert bool(q.expected_sources) == q.answerable, q.id
        assert bool(q.must_include) == q.answerable, q.id


def test_question_sets_do_not_overlap():
    sets = {name: {squash(q.question) for q in load_questions(EVAL / name)}
            for name in ("questions.jsonl", "calibration.jsonl", "holdout.jsonl")}
    assert not sets["questions.jsonl"] & sets["calibration.jsonl"]
    assert not sets["holdout.jsonl"] & (sets["questions.jsonl"] | sets["calibration.jsonl"])


def test_dialogue_set_shape():
    dialogues = load_dialogues(EVAL / "dialogues.jsonl")
    assert len(dialogues) >= 15 and all(d.turns for d in dialogues)
    assert sum(len(d.turns) >= 2 for d in dialogues) >= 4  # some have three turns or more


def questions_in(name):
    if name == "dialogues.jsonl":
        return [d.last for d in load_dialogues(EVAL / name)]
    return load_questions(EVAL / name)


@pytest.mark.parametrize("name", ["questions.jsonl", "calibration.jsonl", "holdout.jsonl", "dialogues.jsonl",
                                  "formats_holdout.jsonl", "formats_dev.jsonl"])
def test_expected_pages_state_the_key_facts(name):
    problems = []
    for q in questions_in(name):
        texts = []
        for source, page in ((e.source, e.page) for e in q.expected_sources):
            if not (CORPUS / source).exists():
                problems.append(f"{q.id}: {source} is not in corpus/")
                continue
            if page is not None and not 1 <= page <= len(PdfReader(CORPUS / source).pages):
                problems.append(f"{q.id}: {source} has no page {page}")
                continue
            texts.append(page_text(source, page))
        for fact in q.must_include + q.table_row:  # a table row's cells as the file shows them
            if not any(squash(fact) in t for t in texts):
                problems.append(f"{q.id}: '{fact}' is on none of its expected pages")
    assert not problems, "\n".join(problems)


def test_committed_pdfs_match_their_sources():
    result = subprocess.run([sys.executable, str(CORPUS / "src" / "build.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr

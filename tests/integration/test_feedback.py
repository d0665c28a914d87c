"""Feedback: topics, redaction, what reaches the SQLite file (and what never does), the summary, the CLI."""
import json
import sqlite3
from dataclasses import asdict

import pytest

from core.config import load_settings
from core.errors import BenefitsQAError
from rag.feedback import feedback_path, record, redact, summarize
from rag.topics import TOPICS, topic_of
from tests.conftest import run_cli

STD = "short-term-disability-plan.pdf"
FMLA = "fmla-leave-policy.pdf"


@pytest.mark.parametrize("question, topic", [
    ("How long is the waiting period for STD?", "disability"),
    ("Does LTD pay 60% of salary?", "disability"),
    ("Can I get short-term disability while on FMLA leave?", "disability"),
    ("Am I eligible for FMLA?", "leave"),
    ("How much PTO do I accrue each month?", "leave"),
    ("How many weeks of parental leave do fathers get?", "leave"),
    ("What is the bereavement policy for a grandparent?", "leave"),
    ("Can I take a leave of absence to care for my mother?", "leave"),
    ("How much does COBRA cost?", "insurance"),
    ("Does the dental plan cover braces?", "insurance"),
    ("Is vision included in the medical plan?", "insurance"),
    ("Can I convert my life insurance to an individual policy?", "insurance"),
    ("What is the HSA employer contribution?", "insurance"),
    ("When does my health insurance end if I leave the company?", "insurance"),
    ("How is severance pay calculated?", "severance"),
    ("How long do I have to sign the release?", "severance"),
    ("When do I get my final pay?", "severance"),
    ("What happens to my 401(k) when I leave the company?", "severance"),
    ("What happens to my unvested RSUs if I'm laid off?", "severance"),
    ("How long can I stay on my H-1B visa after separation?", "severance"),
    ("What does it mean to be put on a PIP?", "performance plans"),
    ("Can my manager extend my performance improvement plan?", "performance plans"),
    ("Is coaching documented in my file?", "performance plans"),
    ("What is the cafeteria menu on Friday?", "other"),
    ("Do I need a visa to attend the offsite?", "other"),
    ("", "other"),
])
def test_topic_of(question, topic):
    assert topic_of(question) == topic
    assert topic_of(question.upper()) == topic  # acronyms and words in any case
    assert topic in TOPICS


@pytest.mark.parametrize("text, expected", [
    ("mail me at jane.doe+hr@example.co.uk please", "mail me at [email] please"),
    ("call 555-867-5309 or (555) 867-5309", "call [phone] or [phone]"),
    ("office 555.867.5309, toll-free 1-800-555-0142", "office [phone], toll-free [phone]"),
    ("my UK number is +44 20 7946 0958.", "my UK number is [phone]."),
    ("US mobile +1 415 555 0199", "US mobile [phone]"),
    ("extension 555-0142", "extension [phone]"),
    ("SSN 123-45-6789 and employee id 1234567", "SSN [number] and employee id [number]"),
    ("member E00123456 card 4111 1111 1111 1111", "member E[number] card [number]"),
])
def test_redact_replaces_personal_data(text, expected):
    assert redact(text) == expected


def test_redact_keeps_ordinary_numbers():
    text = "The 401(k) match is 4% after 90 days; effective 2026-01-01, $1,250 per year, 12 weeks."
    assert redact(text) == text


def test_question_is_never_written_without_opt_in():
    settings = load_settings()
    private = "Does my bipolar diagnosis qualify me for STD benefits"
    shared = "How long is the STD waiting period for part-timers"
    record(settings, vote=0, topic=topic_of(private), sources=[STD], abstained=False,
           comment="Reach me at jo@example.com or 555-867-5309, SSN 123-45-6789")
    record(settings, vote=1, topic=topic_of(shared), sources=[STD], abstained=False, question=shared)

    data = feedback_path(settings).read_bytes()
    assert feedback_path(settings) == settings.index_dir / "feedback.sqlite3"
    assert private.encode() not in data and b"bipolar" not in data
    assert shared.encode() in data
    for secret in (b"jo@example.com", b"555-867-5309", b"123-45-6789"):
        assert secret not in data
    with sqlite3.connect(feedback_path(settings)) as db:
        rows = db.execute("SELECT day, vote, topic, sources, abstained, comment, question FROM feedback ORDER BY id").fetchall()
    assert rows[0][1:] == (0, "disability", json.dumps([STD]), 0, "Reach me at [email] or [phone], SSN [number]", None)
    assert rows[1][6] == shared
    assert len(rows[0][0]) == 10  # a date, no time of day


def test_shared_question_is_redacted_too():
    settings = load_settings()
    record(settings, vote=None, topic="leave", sources=[], abstained=True,
           question="I'm 123-45-6789, can I take leave? mail a@b.org")
    gap = summarize(settings).gaps[0]
    assert gap.questions == ["I'm [number], can I take leave? mail [email]"]
    assert b"123-45-6789" not in feedback_path(settings).read_bytes()


def test_invalid_feedback_is_refused_with_a_hint():
    settings = load_settings()
    with pytest.raises(BenefitsQAError, match="1 \\(up\\), 0 \\(down\\)"):
        record(settings, vote=2, topic="leave", sources=[], abstained=False)
    with pytest.raises(BenefitsQAError, match="abstained=True"):
        record(settings, vote=None, topic="leave", sources=[], abstained=False)
    with pytest.raises(BenefitsQAError, match="topic_of"):
        record(settings, vote=1, topic="pets", sources=[], abstained=False)
    assert not feedback_path(settings).exists()


def test_missing_file_summarises_as_empty_and_is_not_created():
    settings = load_settings()
    assert summarize(settings) == summarize(settings)
    assert asdict(summarize(settings)) == {"total_votes": 0, "up": 0, "down": 0, "abstentions": 0,
                                          "by_topic": {}, "by_document": {}, "gaps": []}
    assert not feedback_path(settings).exists()


def test_table_creation_is_idempotent_and_rows_accumulate():
    settings = load_settings()
    for _ in range(3):  # each call opens the file afresh and runs CREATE TABLE IF NOT EXISTS
        record(settings, vote=1, topic="leave", sources=[FMLA], abstained=False)
    assert summarize(settings).total_votes == 3


def _record_sample(settings):
    record(settings, vote=1, topic="disability", sources=[STD, STD], abstained=False)  # two pages, one doc
    record(settings, vote=1, topic="disability", sources=[STD], abstained=False)
    record(settings, vote=0, topic="disability", sources=[STD, FMLA], abstained=False, comment="wrong plan")
    record(settings, vote=1, topic="leave", sources=[FMLA], abstained=False)
    record(settings, vote=0, topic="leave", sources=[FMLA], abstained=False,
           question="Is FMLA paid for part-time staff?")
    record(settings, vote=None, topic="leave", sources=[], abstained=True)
    record(settings, vote=None, topic="insurance", sources=[], abstained=True,
           question="Can I buy long-term care insurance?")
    record(settings, vote=0, topic="insurance", sources=[], abstained=True)
    record(settings, vote=None, topic="insurance", sources=[], abstained=True,
           question="Can I buy long-term care insurance?")


def test_summary_counts_by_topic_document_and_gaps():
    settings = load_settings()
    _record_sample(settings)
    s = summarize(settings)
    assert (s.total_votes, s.up, s.down, s.abstentions) == (6, 3, 3, 4)
    assert {t: asdict(c) for t, c in s.by_topic.items()} == {
        "disability": {"up": 2, "down": 1, "abstained": 0},
        "leave": {"up": 1, "down": 1, "abstained": 1},
        "insurance": {"up": 0, "down": 1, "abstained": 3},
    }
    assert {d: asdict(c) for d, c in s.by_document.items()} == {
        FMLA: {"up": 1, "down": 2}, STD: {"up": 2, "down": 1}}
    assert list(s.by_document) == [FMLA, STD]  # most thumbs-down first
    assert [asdict(g) for g in s.gaps] == [
        {"topic": "insurance", "abstentions": 3, "thumbs_down": 1,
         "questions": ["Can I buy long-term care insurance?"], "comments": []},
        {"topic": "leave", "abstentions": 1, "thumbs_down": 1,
         "questions": ["Is FMLA paid for part-time staff?"], "comments": []},
        {"topic": "disability", "abstentions": 0, "thumbs_down": 1, "questions": [], "comments": ["wrong plan"]},
    ]


def test_summary_leaves_out_questions_of_good_answers():
    settings = load_settings()
    record(settings, vote=1, topic="leave", sources=[FMLA], abstained=False, question="How much PTO do I get?")
    assert summarize(settings).gaps == []


def test_damaged_file_is_reported_with_what_to_do():
    settings = load_settings()
    settings.index_dir.mkdir(parents=True)
    feedback_path(settings).write_bytes(b"this is not a database" * 100)
    with pytest.raises(BenefitsQAError, match="Move the damaged file aside"):
        summarize(settings)
    with pytest.raises(BenefitsQAError, match="move a damaged file aside"):
        record(settings, vote=1, topic="leave", sources=[], abstained=False)




def test_cli_feedback_json_and_table(tmp_path):
    index = tmp_path / "other-index"  # --index wins over $BENEFITS_QA_INDEX
    _record_sample(load_settings(index_dir=index))

    result = run_cli("feedback", "--json", "--index", str(index))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["total_votes"], data["up"], data["down"], data["abstentions"]) == (6, 3, 3, 4)
    assert data["by_topic"]["insurance"] == {"up": 0, "down": 1, "abstained": 3}
    assert data["by_document"][STD] == {"up": 2, "down": 1}
    assert data["gaps"][0]["topic"] == "insurance"
    assert data["gaps"][0]["questions"] == ["Can I buy long-term care insurance?"]

    table = run_cli("feedback", "--index", str(index))
    assert table.returncode == 0, table.stderr
    assert "6 votes (3 up, 3 down), 4 abstentions" in table.stdout
    assert STD in table.stdout and "asked: Can I buy long-term care insurance?" in table.stdout


def test_cli_feedback_without_any_votes(tmp_path):
    result = run_cli("feedback", "--index", str(tmp_path / "empty"))
    assert result.returncode == 0 and "No feedback yet" in result.stdout
    data = json.loads(run_cli("feedback", "--json", "--index", str(tmp_path / "empty")).stdout)
    assert data["total_votes"] == 0 and data["gaps"] == []

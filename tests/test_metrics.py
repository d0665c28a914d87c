"""Evaluation metrics and threshold calibration on typed outcomes (no model)."""
import json

import pytest

from rag.errors import BenefitsQAError
from rag.evaluate import Outcome, Question, best_thresholds, load_questions, percentile, score


def outcome(qid, answerable=True, expected=(("a.pdf", 2),), ranked=(), cited=(), text="", abstained=False,
            facts=(), seconds=0.1, confidence=0.7):
    q = Question(qid, "q?", answerable, tuple(expected) if answerable else (), tuple(facts))
    return Outcome(q, tuple(ranked), tuple(cited), text, abstained, confidence, seconds)


def test_ranking_metrics():
    outcomes = [
        outcome("1", ranked=[("a.pdf", 2), ("b.pdf", 1)]),                     # rank 1
        outcome("2", ranked=[("b.pdf", 1), ("a.pdf", 1), ("a.pdf", 2)]),         # rank 3
        outcome("3", ranked=[("b.pdf", 1)]),                                   # miss
        outcome("4", expected=(("faq.html", None),), ranked=[("x.pdf", 1), ("faq.html", None)]),  # rank 2
    ]
    report = score(outcomes)
    assert report.hit_at_1 == 0.25 and report.hit_at_5 == 0.75
    assert report.mrr == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4, abs=1e-4)


def test_citation_precision_and_key_facts():
    outcomes = [outcome("1", cited=[("a.pdf", 2), ("c.pdf", 9)], text="It is 7 days [1].", facts=("7 days", "60%"))]
    report = score(outcomes)
    assert report.citation_precision == 0.5
    assert report.key_fact_recall == 0.5


def test_abstention_precision_and_recall():
    outcomes = [outcome("1", answerable=False, abstained=True), outcome("2", answerable=False, abstained=False),
                outcome("3", abstained=True), outcome("4")]
    report = score(outcomes)
    assert report.abstention_precision == 0.5 and report.abstention_recall == 0.5
    assert {f["id"] for f in report.failures} >= {"2", "3"}


def test_percentiles_and_latency():
    assert percentile([1, 2, 3, 4, 5], 0.5) == 3
    assert percentile([10.0], 0.95) == 10.0
    report = score([outcome(str(i), seconds=i / 1000) for i in range(1, 101)])
    assert report.latency_p50_ms == pytest.approx(50.5) and report.latency_p95_ms == pytest.approx(95.05, abs=0.1)


def test_threshold_separates_when_possible():
    # Lexical scores all equal: the words never decide, so it comes down to the semantic cut.
    confidences = [0.8, 0.7, 0.62, 0.3, 0.35, 0.4]
    labels = [True, True, True, False, False, False]
    t, b = best_thresholds(confidences, [1.0] * 6, labels)
    assert t == pytest.approx(0.51) and b is None


def test_question_file_errors_name_the_line(tmp_path):
    path = tmp_path / "q.jsonl"
    good = {"id": "1", "question": "q", "answerable": True, "expected_sources": [{"source": "a.pdf", "page": 1}],
            "must_include": ["x"]}
    path.write_text(json.dumps(good) + "\n{broken\n")
    with pytest.raises(BenefitsQAError, match="line 2"):
        load_questions(path)
    path.write_text(json.dumps(good) + "\n")
    assert load_questions(path)[0].expected_sources == (("a.pdf", 1),)


def test_two_signal_thresholds_let_strong_words_overrule_weak_meaning():
    # Answerable: (0.8, 2), (0.5, 9) — weak meaning but its rare words are found; unanswerable: (0.45, 3), (0.3, 1).
    semantic, lexical = [0.8, 0.5, 0.45, 0.3], [2.0, 9.0, 3.0, 1.0]
    t, b = best_thresholds(semantic, lexical, [True, True, False, False])
    from rag.compose import should_abstain
    assert [should_abstain(s, l, t, b) for s, l in zip(semantic, lexical)] == [False, False, True, True]
    assert 3.0 < b <= 9.0


def test_should_abstain_rule():
    from rag.compose import should_abstain
    assert not should_abstain(0.7, 0.0, 0.5, 5.0)
    assert should_abstain(0.4, 1.0, 0.5, 5.0)
    assert not should_abstain(0.4, 6.0, 0.5, 5.0)
    assert should_abstain(0.4, 99.0, 0.5, None)

"""Evaluation metrics and threshold calibration on typed outcomes (no model)."""
import json

import numpy as np
import pytest

from rag.compose import should_abstain
from core.config import load_settings
from core.errors import BenefitsQAError, ConfigError
from rag.evaluate import DocumentPage, Outcome, Question, fit_abstention, load_questions, logistic_weights, percentile, score


def outcome(qid, answerable=True, expected=(("a.pdf", 2),), ranked=(), cited=(), text="", abstained=False,
            facts=(), seconds=0.1, confidence=0.7):
    def places(pairs):
        return tuple(DocumentPage(source, page) for source, page in pairs)

    q = Question(qid, "q?", answerable, places(expected) if answerable else (), tuple(facts))
    return Outcome(q, places(ranked), places(cited), text, abstained, confidence, seconds)


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
    assert {f.id for f in report.failures} >= {"2", "3"}


def test_percentiles_and_latency():
    assert percentile([1, 2, 3, 4, 5], 0.5) == 3
    assert percentile([10.0], 0.95) == 10.0
    report = score([outcome(str(i), seconds=i / 1000) for i in range(1, 101)])
    assert report.latency_p50_ms == pytest.approx(50.5) and report.latency_p95_ms == pytest.approx(95.05, abs=0.1)


def test_threshold_separates_when_possible():
    # Lexical scores all equal: the words never decide, so it comes down to the semantic cut.
    confidences = [0.8, 0.7, 0.62, 0.3, 0.35, 0.4]
    labels = [True, True, True, False, False, False]
    rule = fit_abstention(confidences, [1.0] * 6, labels)
    t, w = rule.threshold, rule.lexical_weight
    assert t == pytest.approx(0.51) and w == 0.0


def test_question_file_errors_name_the_line(tmp_path):
    path = tmp_path / "q.jsonl"
    good = {"id": "1", "question": "q", "answerable": True, "expected_sources": [{"source": "a.pdf", "page": 1}],
            "must_include": ["x"]}
    path.write_text(json.dumps(good) + "\n{broken\n")
    with pytest.raises(BenefitsQAError, match="line 2"):
        load_questions(path)
    path.write_text(json.dumps(good) + "\n")
    assert load_questions(path)[0].expected_sources == (DocumentPage("a.pdf", 1),)


def test_words_make_up_for_weak_meaning():
    # No cut on meaning alone separates these: the answerable (0.5, 9) — a chatty paraphrase whose
    # rare words the documents use — sits below the unanswerable (0.6, 1), a near miss.
    semantic = [0.8, 0.5, 0.65, 0.6, 0.45, 0.3]
    lexical = [2.0, 9.0, 4.0, 1.0, 3.0, 1.0]
    labels = [True, True, True, False, False, False]
    rule = fit_abstention(semantic, lexical, labels)
    t, w = rule.threshold, rule.lexical_weight
    assert w > 0
    assert [should_abstain(s, l, t, w) for s, l in zip(semantic, lexical)] == [not a for a in labels]


def test_words_that_point_the_wrong_way_get_no_weight():
    # Here the unanswerable questions score higher on BM25: the words must not count.
    semantic, lexical = [0.8, 0.7, 0.3, 0.35], [1.0, 2.0, 8.0, 9.0]
    rule = fit_abstention(semantic, lexical, [True, True, False, False])
    t, w = rule.threshold, rule.lexical_weight
    assert w == 0.0 and 0.35 < t < 0.7


def test_logistic_weights_recover_a_known_boundary():
    # Labels drawn from P(answerable) = sigmoid(12 * semantic + 0.5 * lexical - 10): the ratio of
    # the fitted coefficients must come back near 0.5 / 12, whatever the features' scales.
    rng = np.random.default_rng(7)
    semantic, lexical = rng.uniform(0.2, 0.9, 4000), rng.uniform(0.0, 14.0, 4000)
    p = 1 / (1 + np.exp(-(12 * semantic + 0.5 * lexical - 10)))
    labels = list(rng.uniform(size=4000) < p)
    on_meaning, on_words = logistic_weights(np.column_stack([semantic, lexical]).tolist(), labels, l2=0.0)
    assert on_words / on_meaning == pytest.approx(0.5 / 12, rel=0.15)


def test_should_abstain_rule():
    assert not should_abstain(0.7, 0.0, 0.5)  # meaning alone is enough
    assert should_abstain(0.4, 1.0, 0.5, 0.04)  # 0.44: weak both ways
    assert not should_abstain(0.4, 6.0, 0.5, 0.04)  # 0.64: the words make up for it
    assert should_abstain(0.4, 99.0, 0.5, 0.0)  # weight 0: words never count


def test_the_old_two_threshold_setting_is_refused_with_the_way_forward():
    with pytest.raises(ConfigError, match="ABSTAIN_LEXICAL_WEIGHT"):
        load_settings({"BENEFITS_QA_ABSTAIN_LEXICAL_THRESHOLD": "9.0"})
    assert load_settings({"BENEFITS_QA_ABSTAIN_LEXICAL_WEIGHT": "0.05"}).abstain_lexical_weight == 0.05


def test_answer_sentences_end_at_their_citation_markers():
    from rag.evaluate import answer_sentences

    text = "STD starts on day 8. [1] It pays 60% of pay. [1][2]\n\nThe EAP is free. [3]"
    assert answer_sentences(text) == ("STD starts on day 8.", "It pays 60% of pay.", "The EAP is free.")
    assert answer_sentences("One generated sentence. Another one [2].") == ("One generated sentence.", "Another one.")


def test_lead_false_refusals_repeats_and_length():
    from dataclasses import replace

    led = replace(outcome("1", facts=("26 weeks",), text="x"), sentences=("STD lasts 26 weeks.", "Other."))
    second = replace(outcome("2", facts=("7 days",), text="x"), sentences=("Other.", "The wait is 7 days."), repeated=True)
    refused = outcome("3", facts=("60%",), abstained=True)
    report = score([led, second, refused, outcome("4", answerable=False, abstained=True)])
    assert report.lead_at_1 == pytest.approx(1 / 3, abs=1e-4)  # a refusal leads with nothing
    assert report.false_refusals == pytest.approx(1 / 3, abs=1e-4)
    assert report.repeats == 0.5 and report.answer_sentences == 2.0
    lead = {f.id: f.lead for f in report.failures if not f.answered_unanswerable}
    assert lead["2"] is False and lead["3"] is False


def test_repeats_are_the_same_words_or_the_same_figures_alike_in_meaning():
    from rag.evaluate import repeats

    alike = np.array([[1.0, 0.0], [0.96, 0.28]])  # cosine 0.96
    assert repeats(("STD lasts up to 26 weeks.", "STD lasts a maximum of 26 weeks."), alike)
    assert not repeats(("STD pays 100% with 2 years of service.", "STD pays 60% with less than 2 years."), alike)
    assert repeats(("Same words.", "same  words."), np.eye(2))
    assert not repeats(("A rule.", "Another rule."), np.eye(2)) and not repeats(("Only one.",), np.eye(1))


def test_a_table_question_counts_only_when_one_sentence_quotes_its_row():
    row = ("Employee + child(ren)", "$74.77")
    def asked(qid, sentences):
        q = Question(qid, "q?", True, (DocumentPage("rates.xlsx"),), ("$74.77",), table_row=row)
        return Outcome(q, (DocumentPage("rates.xlsx"),), (DocumentPage("rates.xlsx"),), " ".join(sentences), False, 0.7,
                       0.1, sentences=tuple(sentences))
    right = asked("1", ["Employee + child(ren) — Larkspur PPO: $74.77; Kaiser HMO: $53.54."])
    # The label in one sentence and the figure in another (another row's): not the row quoted.
    split = asked("2", ["Employee + child(ren) rates are per paycheck.", "Family — Larkspur PPO: $74.77."])
    report = score([right, split, outcome("3")])
    assert report.table_questions == 2 and report.table_rows_quoted == 0.5
    assert score([outcome("3")]).table_rows_quoted is None

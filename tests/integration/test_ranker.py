"""The lead-sentence ranker on typed data (no model), and its training command on the real corpus."""
import json

import pytest

from rag.compose import compose_answer
from rag.types import ScoredSentence
from core.errors import ConfigError
from rag.ranker import FEATURES, RankerExample, SentenceRanker, features, holds_answer, train_ranker
from core.types import Chunk


def sentence(text, similarity=0.7, index=0, page=1, cid="a"):
    chunk = Chunk(id=cid, doc_hash="h", source="plan.pdf", title="Plan", section="S", page=page,
                  sentences=tuple(["Filler."] * index + [text]), ordinal=0)
    return ScoredSentence(chunk, 0, index, similarity, 0.3)


def test_features_say_what_the_question_asks_for_and_the_sentence_holds():
    asks_how_long = dict(zip(FEATURES, features("how long is the waiting period", sentence("The wait is 7 calendar days."))))
    assert asks_how_long["duration_asked_and_held"] == 1.0 and asks_how_long["amount_asked_and_held"] == 0.0
    asks_how_much = dict(zip(FEATURES, features("how much does std pay", sentence("STD pays 60% of base pay."))))
    assert asks_how_much["amount_asked_and_held"] == 1.0 and asks_how_much["has_number"] == 1.0
    assert len(features("q", sentence("A rule applies."))) == len(FEATURES)


def test_the_ranker_learns_which_sentences_hold_answers_and_round_trips(tmp_path):
    examples = []
    for i in range(30):
        examples.append(RankerExample("how long is the wait", sentence(f"The wait is {i + 2} days.", 0.6), True))
        examples.append(RankerExample("how long is the wait", sentence("Employees should read the plan carefully.", 0.65), False))
    ranker = train_ranker(examples, trained_on=("typed",))
    duration, vague = ranker.relevance("how long is the wait", [sentence("The wait is 9 days.", 0.6),
                                                                   sentence("Employees should read the plan carefully.", 0.65)])
    assert duration > 0.5 > vague
    ranker.save(tmp_path / "r.json")
    assert SentenceRanker.load(tmp_path / "r.json") == ranker
    with pytest.raises(ConfigError, match="both|hold the answer"):
        train_ranker(examples[::2])  # positives only


def test_a_missing_or_stale_ranker_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="train-ranker"):
        SentenceRanker.load(tmp_path / "none.json")
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({"features": ["similarity"], "mean": [0], "scale": [1], "coef": [1], "intercept": 0}))
    with pytest.raises(ConfigError, match="train-ranker"):
        SentenceRanker.load(stale)


def test_the_likeliest_sentence_leads_even_when_it_scores_lower():
    rule = sentence("STD pays 60% of base pay.", 0.70, index=1)
    chatter = sentence("The plan is administered by Meridian.", 0.74, index=0)
    rule, chatter = (ScoredSentence(**{**s.__dict__, "relevance": p}) for s, p in ((rule, 0.9), (chatter, 0.2)))
    answer = compose_answer([chatter, rule], 0.45, 4, "no")
    assert answer.text.startswith("STD pays 60% of base pay. [1]")


def test_labels_need_the_fact_and_much_of_a_key_sentence():
    key = ("Medical certification is due within 15 calendar days of Meridian's request.",)
    assert holds_answer("Have your provider return the medical certification within 15 calendar days of Meridian's request.",
                        ("15 calendar days",), key)
    assert not holds_answer("Appeals are decided within 15 calendar days.", ("15 calendar days",), key)
    assert holds_answer("Appeals are decided within 15 calendar days.", ("15 calendar days",), ())
    assert not holds_answer("Nothing relevant here.", ("15 calendar days",), ())


def test_train_ranker_learns_from_dev_questions_and_refuses_held_out_sets(tmp_path, corpus_index, capsys):
    from cli.main import main

    from tests.conftest import ROOT

    rows = [json.loads(line) for line in (ROOT / "tests/eval/questions.jsonl").read_text(encoding="utf-8").splitlines()[:25]]
    small = tmp_path / "dev.jsonl"
    small.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "ranker.json"
    assert main(["train-ranker", "--questions", str(small), "--out", str(out), "--index", str(corpus_index)]) == 0
    assert SentenceRanker.load(out).trained_on == ("dev.jsonl",)
    held = tmp_path / "voice_holdout.jsonl"
    held.write_text(small.read_text())
    assert main(["train-ranker", "--questions", str(held), "--dry-run", "--index", str(corpus_index)]) == 2
    assert "held-out" in capsys.readouterr().err


def test_a_word_every_retrieved_sentence_holds_weighs_least():
    from rag.answer import rarity_weights

    weights = rarity_weights({"std", "wait"}, [{"std", "wait"}, {"std"}, {"std", "last"}, {"std"}])
    assert weights["wait"] > weights["std"] > 0


def test_taxed_and_taxable_are_the_same_word_for_overlap():
    from core.lexical import content_terms

    assert content_terms("are ltd payments taxed") & content_terms("basic benefits are taxable income")
    assert "tabl" in content_terms("the table below")  # a short stem keeps its ending

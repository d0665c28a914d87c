"""Reciprocal rank fusion, acronym expansion and everyday phrasings: pure functions."""
import pytest

from rag.glossary import Glossary
from rag.retrieve import reciprocal_rank_fusion

GLOSSARY = Glossary.parse("# comment\nSTD\tshort-term disability\nUI\tunemployment insurance\n"
                          "COBRA\tcontinuation coverage\n")


def test_rrf_rewards_agreement_between_rankings():
    scores = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d"]], k=60)
    assert max(scores, key=scores.get) == "b"
    assert scores["a"] == 1 / 61 and scores["d"] == 1 / 62


def test_rrf_of_nothing_is_empty():
    assert reciprocal_rank_fusion([[], []]) == {}


def test_acronym_gets_its_expansion_and_back():
    assert GLOSSARY.expansions("Is depression covered by STD?") == ["short-term disability"]
    assert GLOSSARY.expansions("how do i claim short term disability") == ["STD"]
    assert GLOSSARY.expansions("what does std pay") == ["short-term disability"]


def test_short_acronyms_only_match_in_capitals():
    assert GLOSSARY.expansions("Can I file for UI?") == ["unemployment insurance"]
    assert GLOSSARY.expansions("the ui of the portal is slow") == []


def test_no_expansion_when_both_forms_present_or_none():
    assert GLOSSARY.expansions("STD (short-term disability) rules") == []
    assert GLOSSARY.expand("What is the cafeteria menu?") == "What is the cafeteria menu?"
    assert GLOSSARY.expand("COBRA cost") == "COBRA cost (continuation coverage)"


PHRASED = Glossary.parse("STD\tshort-term disability\n",
                         "# everyday phrase, policy words\nafter I leave\tseparation from employment\n"
                         "health insurance\tmedical coverage\n")


def test_an_everyday_phrase_also_searches_for_the_policy_words():
    assert PHRASED.expansions("Can I keep my health insurance after I leave?") == [
        "separation from employment", "medical coverage"]
    assert PHRASED.expand("what happens after i leave") == "what happens after i leave (separation from employment)"


def test_phrasings_work_one_way_and_on_whole_words_only():
    assert PHRASED.expansions("When does separation from employment end medical coverage?") == []
    assert PHRASED.expansions("What happens after I leaves the building") == []  # not the phrase
    assert PHRASED.expansions("Is STD paid after I leave?") == ["short-term disability", "separation from employment"]


def test_employer_name_is_dropped_for_topic_evidence():
    from core.config import load_settings
    from core.lexical import without_words

    words = load_settings({"BENEFITS_QA_EMPLOYER_NAMES": "Acme, Acme Widgets"}).employer_words
    assert {"acme", "widgets", "acme's", "company"} <= words
    assert without_words("Does Acme's plan pay for a transit pass?", words) == "Does plan pay for a transit pass?"
    assert without_words("Acme company", words) == "Acme company"  # nothing left: keep the question


def test_word_evidence_counts_rare_words_whatever_the_corpus_size():
    # BM25 scores grow with the log of the chunk count; divided by LexicalIndex.rare_word_weight,
    # one rare word found in a chunk of average length scores the same in a small index and a large
    # one: 1 / (1 + k1) = 0.4 with bm25s's Lucene scoring.
    import math

    from core.lexical import LexicalIndex
    from core.types import Chunk

    def index_of(n):
        chunks = [Chunk(id=f"c{i}", doc_hash="h", source="a.md", title="", section="", page=None,
                        sentences=(f"Filler words number{i} alpha beta gamma.",), ordinal=i)
                  for i in range(n)]
        return LexicalIndex.build(chunks)

    raw = []
    for n in (3, 300):
        index = index_of(n)
        assert index.rare_word_weight == math.log(1 + (n - 0.5) / 1.5)
        [hit] = index.search("number1", 5)
        assert hit.chunk_id == "c1" and hit.score / index.rare_word_weight == pytest.approx(0.4, rel=1e-3)
        raw.append(hit.score)
    assert raw[1] > 3 * raw[0]  # the raw scores differ by the corpus size

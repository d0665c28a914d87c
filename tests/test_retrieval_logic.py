"""Reciprocal rank fusion and acronym expansion: pure functions."""
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


def test_generic_words_are_dropped_for_topic_evidence():
    from rag.lexical import LexicalIndex, without_words
    from rag.types import Chunk

    chunks = [Chunk(id=str(i), doc_hash="h", source="a.pdf", title="Acme Plan", section="", page=1,
                    sentences=(f"Acme pays rule {i} about topic{i}.",), ordinal=i) for i in range(8)]
    generic = LexicalIndex(chunks).generic_words
    assert {"acme", "plan", "pays"} <= generic and "topic3" not in generic
    assert without_words("Does Acme pay for a transit pass?", {"acme", "pay"}) == "Does for a transit pass?"
    assert without_words("Acme plan", {"acme", "plan"}) == "Acme plan"  # nothing left: keep the question

"""The ranker's table-row features (rag/ranker.py row_features): typed data, no model."""
from core.types import Chunk
from rag.ranker import row_features
from rag.types import ScoredSentence


def scored(text: str, matched: set[str]) -> ScoredSentence:
    chunk = Chunk(id="c", doc_hash="h", source="rates.xlsx", title="Rates", section="Supplemental life",
                  page=None, sentences=(text,), ordinal=0)
    return ScoredSentence(chunk=chunk, chunk_rank=0, index=0, similarity=0.5, overlap=0.5, matched=frozenset(matched))


def test_a_row_named_by_the_question_and_a_number_in_its_span():
    row = scored("Age on January 1: 45-49 — Employee rate per $10,000: $1.20; Spouse or partner rate per $10,000: $2.20.",
                 {"spous", "rate"})
    assert row_features("spouse supplemental life rate age 47", row) == (1.0, 0.0, 1.0)
    assert row_features("spouse supplemental life rate age 52", row) == (1.0, 0.0, 0.0)
    family = scored("Family — Employee share per paycheck: $19.40; Company share per paycheck: $47.52.", {"famili", "share"})
    assert row_features("family dental per paycheck?", family) == (1.0, 1.0, 0.0)


def test_open_ended_spans_and_prose():
    under = scored("Under 30 — Employee rate per $10,000: $0.50; Spouse or partner rate per $10,000: $0.60.", set())
    over = scored("70+ — Employee rate per $10,000: $20.00; Spouse or partner rate per $10,000: $28.00.", set())
    assert row_features("rate at 25", under)[2] == 1.0 and row_features("rate at 35", under)[2] == 0.0
    assert row_features("i'm 72", over)[2] == 1.0 and row_features("i'm 69", over)[2] == 0.0
    assert row_features("how long is the waiting period", scored("The waiting period is 7 days.", set())) == (0.0, 0.0, 0.0)

"""The typed data of answering, in the order the steps make it: Chunk (core/types.py) →
ScoredChunk → Retrieval (rag/retrieve.py) → ScoredSentence (rag/answer.py) → Answer (rag/compose.py,
finished in rag/answer.py) → Answered; beside the flow, SafetyCheck (rag/safety*.py) and
GroundingCheck (rag/llm.py). Every one is frozen: a step makes a new value, never patches one."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.ledger import Ledger
from core.types import Chunk
from rag.versions import VersionRole

CRISIS, CONCERN, DISTRESS, NONE = "crisis", "concern", "distress", "none"
OUTCOMES = (NONE, DISTRESS, CONCERN, CRISIS)  # in rising order of what the reply must show first


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float  # fused (RRF) score
    dense_similarity: float = 0.0  # cosine similarity of question and chunk, 0 if not a dense hit


@dataclass(frozen=True)
class Citation:
    n: int
    title: str
    source: str
    page: int | None
    section: str
    snippet: str
    score: float
    place: str = ""  # where to look when there is no PDF page: "slide 4", "sheet Premiums, row 3"

    @classmethod
    def of(cls, n: int, chunk: Chunk, snippet: str, score: float) -> Citation:
        return cls(n=n, title=chunk.title, source=chunk.source, page=chunk.page, section=chunk.section,
                   snippet=snippet, score=score, place=chunk.place)

    def where(self) -> str:
        """What a person looks for in the document: its page, slide or sheet and row; else what
        the document is (its heading, in the label, is the place within it)."""
        if self.page is not None:
            return f"p. {self.page}"
        if self.place:
            return self.place
        suffix = self.source.lower().split("?")[0].rpartition("/")[2].rpartition(".")[2]
        return {"docx": "Word document", "md": "document", "markdown": "document", "txt": "document",
                "pptx": "slides", "xlsx": "spreadsheet", "xlsm": "spreadsheet", "csv": "spreadsheet",
                }.get(suffix, "web page")

    def label(self) -> str:
        return f"{self.title}, {self.where()}" + (f", {self.section}" if self.section else "")


@dataclass(frozen=True)
class Retrieval:
    """What retrieval hands to composition: the fused chunks and the question's vector."""

    question: str
    ranked: tuple[ScoredChunk, ...]  # every fused candidate, best first
    query_vector: np.ndarray
    expanded_query: str
    context_k: int
    versions: dict[str, VersionRole] = field(default_factory=dict)  # doc_hash → role, where versions exist
    ledger: Ledger | None = None  # the ledger (generation) this retrieval read, for follow-up reads
    # How well the question's words are found: the best BM25 score in units of one rare word's
    # weight (LexicalIndex.rare_word_weight), so that it means the same in a small corpus.
    lexical_evidence: float = 0.0

    @property
    def chunks(self) -> tuple[ScoredChunk, ...]:
        """The top of the ranking, handed to the composer."""
        return self.ranked[: self.context_k]


# Weights of the sentence score. A sentence alone is short and its similarity noisy, so the
# similarity of its whole chunk (the passage it stands in) counts too; the share of the question's
# content words present breaks ties between paraphrases; the chunk's retrieval rank adds a prior.
# Weights and margin were chosen by a sweep over the eval set's answerable questions
# (key-fact recall against citation precision); see README, Evaluation.
W_SIMILARITY, W_CHUNK, W_OVERLAP, W_RANK = 0.6, 0.4, 0.10, 0.05
# A sentence stating the asker's own case is kept within the selection margin of the best one.
W_FITS = 0.1


@dataclass(frozen=True)
class ScoredSentence:
    chunk: Chunk
    chunk_rank: int  # 0 = best fused chunk
    index: int  # position of the sentence in its chunk
    similarity: float  # cosine similarity to the question
    overlap: float  # share of the question's content words found in the sentence (0..1)
    chunk_similarity: float = 0.0  # cosine similarity of the question and the sentence's chunk
    # Similarity to the question without the employer's name ("Does Larkspur pay for a transit
    # pass?" → "Does pay for a transit pass?"): every policy names the employer, so the name lends
    # any sentence a similarity that says nothing about whether the topic is covered.
    topic_similarity: float | None = None
    matched: frozenset[str] = frozenset()  # the question's content words (stemmed) found in the sentence
    # Similarity of the question to the sentence's section heading alone (an FAQ's question), and
    # the share of the question's content words in the sentence's first words (its subject): a
    # sentence *about* the waiting period, not one that mentions it in passing.
    heading_similarity: float = 0.0
    early_overlap: float = 0.0
    # The same two shares with each question word weighted by how few of the retrieved sentences
    # hold it: in "how long is the STD waiting period?" every sentence says STD, few say waiting
    # period, so a sentence that opens with the waiting period is the one about it.
    distinct_overlap: float = 0.0
    distinct_early_overlap: float = 0.0
    # The sentence's unit vector, for telling paraphrases apart from neighbouring rules (None in
    # tests on typed data: then only shared words count).
    vector: object = field(default=None, compare=False, repr=False)
    # The ranker's score (higher: likelier to hold the answer) (rag/ranker.py); None where it
    # was not asked (tests on typed data, sentences far below the best): then the score decides.
    relevance: float | None = None
    # Facets of the asker's situation (rag/situation.py) whose case the sentence states for them:
    # such a sentence leads the answer, before the ranker's likeliest.
    fits: int = 0

    @property
    def lead_rank(self) -> tuple[int, float, float]:
        return (self.fits, self.relevance if self.relevance is not None else -1.0, self.score)

    @property
    def semantic_evidence(self) -> float:
        """How well the sentence holds the question's topic: the semantic abstention signal."""
        return self.similarity if self.topic_similarity is None else self.topic_similarity

    @property
    def text(self) -> str:
        return self.chunk.sentences[self.index]

    @property
    def score(self) -> float:
        return (W_SIMILARITY * self.similarity + W_CHUNK * self.chunk_similarity
                + W_OVERLAP * self.overlap + W_RANK / (1 + self.chunk_rank) + W_FITS * self.fits)


@dataclass(frozen=True)
class SafetyCheck:
    """What the check decided for one message, and which legal topics it touches."""

    outcome: str = NONE
    legal_topics: tuple[str, ...] = ()

    @property
    def crisis(self) -> bool:
        return self.outcome == CRISIS

    @property
    def concern(self) -> bool:
        return self.outcome == CONCERN

    @property
    def distress(self) -> bool:
        return self.outcome == DISTRESS


@dataclass(frozen=True)
class GroundingCheck:
    """A generated answer checked against the passages it cites (rag/llm.py)."""

    ok: bool
    text: str  # the answer with citations to unknown sources removed
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    text: str  # sentences each ending with its citation marker [n]
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    preamble: str = ""  # shown before the answer: crisis resources, or how to help someone at risk
    # The line before the quoted sentences that says whose case they state, from the asker's
    # situation ("For part-time employees in California:"); '' when no situation decided it.
    applies_to: str = ""
    notices: tuple[str, ...] = ()  # shown after it: version, EAP and legal notes
    safety: str = NONE  # the safety check's outcome: crisis | concern | distress | none
    searched_for: str = ""  # the question as retrieved: a follow-up joined to the one it follows
    generated: bool = False  # True when an LLM wrote the text and it passed the grounding checks
    grounding_problems: tuple[str, ...] = ()  # why a generated answer was not used
    # The two abstention signals (rag/compose.py should_abstain): how well the question's meaning
    # is found (the best sentence's similarity) and how well its words are (Retrieval.lexical_evidence).
    semantic_evidence: float = 0.0
    lexical_evidence: float = 0.0

    @property
    def crisis(self) -> bool:
        return self.safety == CRISIS

    def full_text(self) -> str:
        """Everything the user reads, in order: crisis resources, the answer, the notes."""
        return "\n\n".join(part for part in (self.preamble, self.applies_to, self.text, *self.notices) if part)

    def to_json(self) -> dict:
        return {
            "answer": self.full_text(),
            "citations": [asdict(c) for c in self.citations],
            "abstained": self.abstained,
            "crisis": self.crisis,
            "safety": self.safety,
            "applies_to": self.applies_to,
        }


@dataclass(frozen=True)
class Answered:
    """An answer with the retrieval behind it: what the evaluation scores."""

    answer: Answer
    retrieval: Retrieval


@dataclass(frozen=True)
class CitedDocument:
    """What the citation viewer can show of a cited document, as the index has it now
    (Assistant.cited_document): the file to download, the PDF to draw a page from, and the
    cited section's sentences for a citation without a page."""

    path: Path | None  # None for a fetched page, or a file no longer where it was ingested from
    page_file: Path | None  # the OCR'd copy of a scan (its text can be highlighted), else `path`
    passage: tuple[str, ...] = ()
    withheld: bool = False  # the document is not shown to the asker's groups: nothing of it is given


@dataclass(frozen=True)
class IndexStatus:
    """What the chat page says about the index: its documents and when the policies changed."""

    documents: int
    latest_change: str  # the newest effective date in force today, '' when no document states one
    updated_at: str  # when the last ingest committed, '' before the first

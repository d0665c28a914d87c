"""The unit that ingest stores and rag retrieves."""
from __future__ import annotations

from dataclasses import dataclass

from core.situation import Situation


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit: whole sentences from one section of one page, within the token budget."""

    id: str
    doc_hash: str  # content hash of the document file: the version of the document this came from
    source: str
    title: str
    section: str
    page: int | None
    sentences: tuple[str, ...]
    ordinal: int  # position in the document, for reading order
    effective_date: str = ""
    place: str = ""  # where to find it without a PDF page: "slide 4", "sheet Premiums, rows 2-9"

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    def embedding_text(self) -> str:
        """What gets embedded: the text with a short 'title › section' context prefix."""
        context = " › ".join(p for p in (self.title, self.section) if p)
        return f"{context}\n{self.text}" if context else self.text


@dataclass(frozen=True)
class Asker:
    """Who a question is answered for: the groups of the signed-in person (their identity
    provider's groups claim), which decide the documents an answer may draw on, and their situation.
    Anonymous askers and the CLI without --groups have no groups: they see the documents meant for
    everyone."""

    groups: frozenset[str] = frozenset()
    # What they said about themselves in the sidebar; with it set, answers quote their case.
    situation: Situation = Situation()


@dataclass(frozen=True)
class WordHit:
    """A BM25 hit of the lexical index: the chunk's id and its score."""

    chunk_id: str
    score: float


@dataclass(frozen=True)
class StoreHit:
    """A chunk the store found for a query, with its score: cosine similarity for a dense search,
    BM25 for a lexical one."""

    chunk: Chunk
    score: float

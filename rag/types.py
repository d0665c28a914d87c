"""The typed data of answering: Chunk (core/types.py) → ScoredChunk → Citation → Answer."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from core.types import Chunk


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


@dataclass
class Answer:
    text: str  # sentences each ending with its citation marker [n]
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    preamble: str = ""  # shown before the answer: crisis resources, or how to help someone at risk
    notices: list[str] = field(default_factory=list)  # shown after it: version, EAP and legal notes
    crisis: bool = False
    safety: str = "none"  # the safety check's outcome: crisis | concern | distress | none (rag/safety.py)
    searched_for: str = ""  # the question as retrieved: a follow-up joined to the one it follows
    generated: bool = False  # True when an LLM wrote the text and it passed the grounding checks
    grounding_problems: list[str] = field(default_factory=list)  # why a generated answer was not used
    confidence: float = 0.0  # best evidence similarity (semantic), compared to the abstention threshold
    lexical_confidence: float = 0.0  # best BM25 score of the question's words, the second abstention signal

    def full_text(self) -> str:
        """Everything the user reads, in order: crisis resources, the answer, the notes."""
        return "\n\n".join(part for part in (self.preamble, self.text, *self.notices) if part)

    def to_json(self) -> dict:
        return {
            "answer": self.full_text(),
            "citations": [asdict(c) for c in self.citations],
            "abstained": self.abstained,
            "crisis": self.crisis,
            "safety": self.safety,
        }

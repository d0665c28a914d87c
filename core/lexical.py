"""BM25 over the live chunks (bm25s), for the exact words dense retrieval misses: 'COBRA', '401(k)'."""
from __future__ import annotations

import json
import math
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path


from core.types import Chunk, WordHit


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: "eligible" and "eligibility" meet

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]):
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)


_IDS_FILE, _WORDS_FILE = "chunk_ids.json", "words.json"


class LexicalIndex:
    """BM25 over chunk texts; search gives chunk ids. Saved beside the index, so that a serving
    process loads it (memory-mapped) instead of reading every chunk back from Chroma at start."""

    def __init__(self, chunk_ids: list[str], retriever, words: dict[str, int] | None = None):
        self.chunk_ids, self._retriever = chunk_ids, retriever
        self.words = words or {}  # the chunks' words and their counts, for typo repair (core/spelling.py)
        self._masks: dict[frozenset[str], object] = {}  # bm25s weight masks, by hidden set

    @classmethod
    def build(cls, chunks: list[Chunk]) -> "LexicalIndex":
        import bm25s

        from core.spelling import word_counts

        retriever = bm25s.BM25()
        texts = [f"{c.title} {c.section} {c.text}" for c in chunks]
        if chunks:
            retriever.index(tokenize(texts), show_progress=False)
        return cls([c.id for c in chunks], retriever, word_counts(texts))

    def save(self, folder: Path) -> None:
        """Write to `folder` atomically: a reader finds a whole index or none."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
            if self.chunk_ids:
                self._retriever.save(tmp, show_progress=False)
            (Path(tmp) / _WORDS_FILE).write_text(json.dumps(self.words))
            (Path(tmp) / _IDS_FILE).write_text(json.dumps(self.chunk_ids))
            try:
                os.rename(tmp, folder)
            except OSError:  # another process saved it first: theirs is the same index
                pass

    @staticmethod
    def saved_in(folder: Path) -> bool:
        """Whether `folder` holds a whole index of this version (older ones saved no words)."""
        return (folder / _IDS_FILE).exists() and (folder / _WORDS_FILE).exists()

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex | None":
        import bm25s

        if not cls.saved_in(folder):
            return None
        chunk_ids = json.loads((folder / _IDS_FILE).read_text())
        retriever = bm25s.BM25.load(str(folder), mmap=True, show_progress=False) if chunk_ids else None
        return cls(chunk_ids, retriever, json.loads((folder / _WORDS_FILE).read_text()))

    def _mask(self, hidden: frozenset[str]):
        """1 for a chunk that may be shown, 0 for one of a hidden document (a chunk id starts
        with its document's hash, ingest/chunk.py). Kept for the last few hidden sets."""
        import numpy as np

        mask = self._masks.get(hidden)
        if mask is None:
            prefixes = {h[:16] for h in hidden}
            mask = np.asarray([0.0 if i[:16] in prefixes else 1.0 for i in self.chunk_ids], dtype=np.float32)
            if len(self._masks) >= 16:
                self._masks = {}
            self._masks[hidden] = mask
        return mask

    @property
    def rare_word_weight(self) -> float:
        """BM25's weight (Lucene IDF, bm25s's default) of a word found in one chunk only. Scores
        grow with the log of the chunk count; divided by this they count found rare words, on the
        same scale for a ten-page handbook and a large corpus (see Retrieval.lexical_evidence)."""
        n = len(self.chunk_ids)
        return math.log(1 + (n - 0.5) / 1.5) if n else 1.0

    def search(self, query: str, k: int, hidden: frozenset[str] = frozenset()) -> list[WordHit]:
        """The k best chunks for the query's words, none of a document in `hidden` (content
        hashes): they are masked out before ranking, so they take no place among the k."""
        if not self.chunk_ids:
            return []
        query_tokens = tokenize([query])
        if not query_tokens.ids or not query_tokens.ids[0]:
            return []
        k = min(k, len(self.chunk_ids))
        mask = self._mask(hidden) if hidden else None
        results, scores = self._retriever.retrieve(_as_strings(query_tokens), k=k, show_progress=False,
                                                   weight_mask=mask)
        return [WordHit(self.chunk_ids[int(i)], float(s)) for i, s in zip(results[0], scores[0]) if s > 0]


def sentences(text: str) -> list[str]:
    """A message's sentences (ends of sentences and line breaks), for questions and messages;
    documents go through ingest's sentence splitter."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def without_words(text: str, dropped: set[str]) -> str:
    """The text minus the given words (compared in lower case), or the text itself if none remain."""
    kept = [w for w in text.split() if (words(w) or [""])[0] not in dropped]
    return " ".join(kept) if kept else text


def _as_strings(tokenized) -> list[list[str]]:
    vocab = {i: w for w, i in tokenized.vocab.items()}
    return [[vocab[i] for i in ids] for ids in tokenized.ids]


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    # bm25s's list is short; questions also carry these words, which say nothing about the topic.
    question_words = {"what", "how", "when", "who", "whom", "which", "why", "do", "does", "did", "can",
                      "could", "would", "should", "i", "im", "my", "me", "we", "our", "us", "you", "your",
                      "get", "am", "much", "many", "any", "about", "have", "has", "from", "so", "will",
                      "long", "happens", "need", "know", "tell"}
    return frozenset(STOPWORDS_EN) | question_words


def content_terms(text: str) -> set[str]:
    """Stemmed words of a text without stopwords: what 'the same words' means for overlap."""
    words = [w for w in re.findall(r"\w\w+", text.lower()) if w not in _stopwords()]
    # Snowball keeps "-able" ("taxable" → "taxabl", "taxed" → "tax"): a question about being taxed
    # asks about what is taxable, so the suffix goes (on stems long enough to keep a root).
    return {stem[:-3] if len(stem) >= 6 and stem.endswith(("abl", "ibl")) else stem
            for stem in _stemmer().stemWords(words)}

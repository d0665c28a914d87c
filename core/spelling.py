"""Typo repair against the documents' own words: "improvment" → "improvement" before searching.

People type fast when they are worried. BM25 forgives some typos through stemming; the embedding
model does not: a misspelt word falls apart into word pieces that carry little meaning. A word is
repaired only when
- neither the documents nor an English dictionary (pyspellchecker's word list) know it, so a real
  word the documents don't use ("chemo", "lactation") stays as typed;
- it has at least MIN_LETTERS letters (short words have too many neighbours);
- a document word is within one edit of it (two from LONG_WORD letters on). Of equally close
  words the most frequent wins, then the alphabetically first, so the repair is deterministic.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

MIN_LETTERS = 6
LONG_WORD = 9
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")  # "C-section" is two words, "coworker's" one


def word_counts(texts) -> dict[str, int]:
    """Lower-case words of the texts and how often each occurs."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w.lower() for w in _WORD.findall(text))
    return dict(counts)


@dataclass(frozen=True)
class Speller:
    counts: dict[str, int]  # the documents' words (lower case) → occurrences
    known: Container[str] = field(default_factory=frozenset)  # other real words (english_words())

    @cached_property
    def _candidates(self) -> list[str]:
        return [w for w in self.counts if len(w) >= MIN_LETTERS - 1]

    def correct(self, text: str) -> str:
        """The text with each repairable word replaced by its document word, case kept."""
        return _WORD.sub(lambda m: self._repair(m.group(0)), text)

    def _repair(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < MIN_LETTERS or lower in self.counts or lower in self.known:
            return word
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        limit = 1 if len(lower) < LONG_WORD else 2
        found = process.extract(lower, self._candidates, scorer=Levenshtein.distance,
                                score_cutoff=limit, limit=None)
        if not found:
            return word
        closest = min(distance for _, distance, _ in found)
        choice = min((w for w, distance, _ in found if distance == closest), key=lambda w: (-self.counts[w], w))
        return _with_case_of(word, choice)


@lru_cache(maxsize=1)
def english_words() -> Container[str]:
    """pyspellchecker's English word list (160k words with their inflections; loads in 0.2 s)."""
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1).word_frequency.dictionary


def _with_case_of(original: str, replacement: str) -> str:
    if original.isupper():
        return replacement.upper()
    if original[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement

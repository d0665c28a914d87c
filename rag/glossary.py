"""Acronym ↔ spelled-out form, so 'STD' finds 'short-term disability' and the reverse; and everyday
phrasings → the policies' words, so 'after I leave' also searches for 'separation'."""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.lexical import words
from rag.prompts import parse_table


def _norm(text: str) -> str:
    return re.sub(r"[\s\-]+", " ", text.lower()).strip()


@dataclass(frozen=True)
class Glossary:
    pairs: tuple[tuple[str, str], ...]  # (acronym, expansion)
    phrasings: tuple[tuple[str, str], ...] = ()  # (everyday phrase, policy words): one way only

    @classmethod
    def parse(cls, text: str, phrasings: str = "") -> "Glossary":
        return cls(tuple(parse_table(text)), tuple(parse_table(phrasings)))

    def expansions(self, question: str) -> list[str]:
        """Terms to add to the question: expansions of its acronyms, acronyms of its phrases."""
        normalized = _norm(question)
        added: list[str] = []
        for acronym, expansion in self.pairs:
            # Short acronyms only count in capitals ("UI", not "ui"); longer ones in any case ("std").
            flags = 0 if len(acronym) <= 2 else re.IGNORECASE
            has_acronym = re.search(rf"(?<![\w&]){re.escape(acronym)}(?![\w&])", question, flags)
            has_expansion = _norm(expansion) in normalized
            if has_acronym and not has_expansion and expansion not in added:
                added.append(expansion)
            elif has_expansion and not has_acronym and acronym not in added:
                added.append(acronym)
        padded = f" {' '.join(words(question))} "  # punctuation dropped: "leave?" is "leave"
        for phrase, policy_words in self.phrasings:
            if (f" {' '.join(words(phrase))} " in padded and _norm(policy_words) not in normalized
                    and policy_words not in added):
                added.append(policy_words)
        return added

    def rephrased(self, question: str) -> list[str]:
        """The everyday phrases of the question that a phrasing translates ("after I leave"): their
        own words are ambiguous ("leave"), so the policy words stand in for them when sentences are
        matched word for word."""
        padded = f" {' '.join(words(question))} "
        return [phrase for phrase, _ in self.phrasings if f" {' '.join(words(phrase))} " in padded]

    def expand(self, question: str) -> str:
        extra = self.expansions(question)
        return f"{question} ({'; '.join(extra)})" if extra else question

    def collapse(self, text: str) -> str:
        """Spelled-out forms replaced by their acronyms, so both spellings compare equal."""
        for acronym, expansion in self.pairs:
            pattern = r"\b" + r"[\s\-]+".join(map(re.escape, expansion.split())) + r"\b"
            text = re.sub(pattern, acronym, text, flags=re.IGNORECASE)
        return text

"""Sections → chunks of whole sentences that fit the embedding model's word-piece budget.

A chunk never crosses a section or a page; a sentence too long for the budget is cut at word
boundaries. The 'title › section' prefix that is embedded with the chunk counts against the budget.
"""
from __future__ import annotations

from typing import Protocol

from ingest.text_utils import split_sentences
from ingest.errors import ParseError
from core.types import Chunk

# [CLS] and [SEP] take two of the model's positions.
from ingest.types import ParsedDocument
_SPECIAL_TOKENS = 2


class CountsTokens(Protocol):
    def count(self, text: str) -> int: ...


def chunk_document(doc: ParsedDocument, doc_hash: str, counter: CountsTokens,
                   max_tokens: int = 256, target_tokens: int = 160, max_chunks: int | None = None) -> list[Chunk]:
    """The document's chunks; over `max_chunks` it stops at once with a ParseError naming the limit."""
    chunks: list[Chunk] = []
    for section in doc.sections:
        prefix = Chunk(id="", doc_hash=doc_hash, source=doc.source, title=doc.title,
                       section=section.heading, page=section.page, sentences=("",), ordinal=0)
        prefix_tokens = counter.count(prefix.embedding_text())
        hard_budget = max_tokens - _SPECIAL_TOKENS - prefix_tokens
        if hard_budget < 16:  # a very long heading: keep the title only in the prefix
            hard_budget = max_tokens - _SPECIAL_TOKENS - counter.count(doc.title) - 4
        budget = max(16, min(target_tokens, hard_budget))
        rows = set(section.rows)
        sentences = [piece for paragraph in section.text.split("\n")
                     for sentence in ([paragraph] if paragraph in rows else split_sentences(paragraph))
                     for piece in _fit(sentence, counter, budget)]
        for group in _pack(sentences, counter, budget):
            if max_chunks is not None and len(chunks) >= max_chunks:
                raise ParseError(doc.source, f"the document makes over {max_chunks:,} chunks, the limit per document",
                                 "split it into smaller documents, or raise BENEFITS_QA_MAX_DOCUMENT_CHUNKS")
            chunks.append(Chunk(
                id=f"{doc_hash[:16]}-{len(chunks):05d}", doc_hash=doc_hash, source=doc.source,
                title=doc.title, section=section.heading, page=section.page,
                sentences=tuple(group), ordinal=len(chunks), effective_date=doc.effective_date,
                place=section.place,
            ))
    return chunks


def _pack(sentences: list[str], counter: CountsTokens, budget: int) -> list[list[str]]:
    """Greedy packing: add sentences while the joined text stays within budget."""
    groups: list[list[str]] = []
    current: list[str] = []
    used = 0
    for sentence in sentences:
        cost = counter.count(sentence)
        if current and used + cost > budget:
            groups.append(current)
            current, used = [], 0
        current.append(sentence)
        used += cost
    if current:
        groups.append(current)
    # Joining can merge word pieces differently than counting parts; re-check and split if needed.
    checked: list[list[str]] = []
    for group in groups:
        while len(group) > 1 and counter.count(" ".join(group)) > budget:
            checked.append(group[:1])
            group = group[1:]
        checked.append(group)
    return checked


def _fit(sentence: str, counter: CountsTokens, budget: int) -> list[str]:
    """A sentence within budget as is; a longer one cut into word runs that each fit."""
    if counter.count(sentence) <= budget:
        return [sentence]
    pieces, words = [], sentence.split(" ")
    current: list[str] = []
    for word in words:
        trial = " ".join(current + [word])
        if current and counter.count(trial) > budget:
            pieces.append(" ".join(current))
            current = [word]
        else:
            current.append(word)
    if current:
        pieces.append(" ".join(current))
    # A single "word" beyond budget (e.g. a long URL or a run without spaces) is cut by characters.
    out = []
    for piece in pieces:
        while counter.count(piece) > budget and len(piece) > 1:
            cut = max(1, len(piece) * budget // (2 * counter.count(piece)))
            out.append(piece[:cut])
            piece = piece[cut:]
        out.append(piece)
    return out

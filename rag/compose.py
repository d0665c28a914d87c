"""Extractive answers: pick the policy sentences that answer the question, order them, cite them.

Pure functions over typed data; the embedding of sentences happens before (rag/answer.py), so
ranking, selection, ordering and citation numbering are testable without a model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rag.types import Answer, Citation, Chunk

# Weights of the sentence score. A sentence alone is short and its similarity noisy, so the
# similarity of its whole chunk (the passage it stands in) counts too; the share of the question's
# content words present breaks ties between paraphrases; the chunk's retrieval rank adds a prior.
# Weights and margin were chosen by a sweep over the eval set's answerable questions
# (key-fact recall against citation precision); see README, Evaluation.
W_SIMILARITY, W_CHUNK, W_OVERLAP, W_RANK = 0.6, 0.4, 0.10, 0.05
# A sentence joins the answer if it scores within this margin of the best one: close seconds
# usually carry the rest of the rule (exceptions, amounts), far ones drift off topic.
SELECT_MARGIN = 0.16
# Two sentences sharing this share of their words say the same thing (an FAQ repeating a policy).
DUPLICATE_OVERLAP = 0.8
# A selected sentence opening with one of these leans on the one before; include that one too.
_LEANS_BACK = re.compile(r"^(this|these|that|those|it|they|such|however|otherwise|in that case|if so)\b",
                         re.IGNORECASE)
SNIPPET_CHARS = 400
# Who is asking changes many rules. When the answer quotes the rule for one case of these groups,
# the rules for the other cases are quoted too (where a retrieved sentence states them), and the
# answer says that it depends: (name of the distinction, one pattern per case).
CASE_GROUPS = (
    ("full-time or part-time", (r"\bfull[- ]time\b", r"\bpart[- ]time\b")),
    ("length of service", (r"\b(?:2|two|3|three|5|five) or more years\b",
                           r"\b(?:less|fewer) than (?:2|two|3|three|5|five) years\b")),
    ("age 40 and over", (r"\b(?:40|forty) (?:or older|and older|or over|and over)\b", r"\bunder (?:40|forty)\b")),
    ("individual or group layoff", (r"\bindividual (?:termination|separation)s?\b",
                                    r"\bgroup (?:termination|layoff|program)s?\b")),
    ("state", (r"\bcalifornia\b", r"\bcolorado\b", r"\bwashington\b", r"\btexas\b", r"\bnorth carolina\b",
               r"\bnew york\b", r"\bmassachusetts\b", r"\billinois\b")),
    ("medical plan", (r"\bppo\b", r"\bhdhp\b|\bhigh-deductible\b", r"\bhmo\b|\bkaiser\b")),
)
# A case sentence may come from further down the ranking than the margin allows.
CASE_MARGIN = 2 * 0.16
# At most this many sentences are brought in for searched-for words the chosen ones lack.
COVER_EXTRA = 2
# Items of a list brought in after a sentence that introduces it with a colon.
LIST_ITEMS = 4


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

    @property
    def evidence(self) -> float:
        return self.similarity if self.topic_similarity is None else self.topic_similarity

    @property
    def text(self) -> str:
        return self.chunk.sentences[self.index]

    @property
    def score(self) -> float:
        return (W_SIMILARITY * self.similarity + W_CHUNK * self.chunk_similarity
                + W_OVERLAP * self.overlap + W_RANK / (1 + self.chunk_rank))


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _duplicate(a: str, b: str) -> bool:
    if set(re.findall(r"\d+", a)) != set(re.findall(r"\d+", b)):
        return False  # "5 days for a parent" and "3 days for a cousin" are different rules
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return a == b
    return len(wa & wb) / min(len(wa), len(wb)) >= DUPLICATE_OVERLAP


def select_sentences(candidates: list[ScoredSentence], max_sentences: int,
                     required: tuple[ScoredSentence, ...] = ()) -> list[ScoredSentence]:
    """The best sentence, then others within the margin, skipping near-duplicates; then each of
    `required` (the best sentence for each part of a question in parts) that says something new."""
    ranked = sorted(candidates, key=lambda s: (-s.score, s.chunk_rank, s.index))
    if not ranked:
        return []
    best = ranked[0].score
    chosen: list[ScoredSentence] = []
    for cand in ranked:
        if len(chosen) >= max_sentences or cand.score < best - SELECT_MARGIN:
            break
        if any(_duplicate(cand.text, c.text) for c in chosen):
            continue
        chosen.append(cand)
    by_key = {(c.chunk.id, c.index): c for c in candidates}
    chosen_keys = {(c.chunk.id, c.index) for c in chosen}

    def add(key):
        if key in by_key and key not in chosen_keys:
            chosen.append(by_key[key])
            chosen_keys.add(key)

    # A question in two parts ("how long do I have to choose, and when is it paid?") needs a
    # sentence for each. Bring in the best sentence, within the margin, for a searched-for word that
    # no chosen sentence has, from a page already quoted: other pages cost citation precision.
    covered = set().union(*(c.matched for c in chosen))
    quoted_pages = {(c.chunk.source, c.chunk.page) for c in chosen}
    brought = 0
    for cand in ranked:
        if brought >= COVER_EXTRA or cand.score < best - SELECT_MARGIN:
            break
        if (cand.matched - covered and (cand.chunk.source, cand.chunk.page) in quoted_pages
                and (cand.chunk.id, cand.index) not in chosen_keys
                and not any(_duplicate(cand.text, c.text) for c in chosen)):
            add((cand.chunk.id, cand.index))
            covered |= cand.matched
            brought += 1

    for sentence in required:
        if not any(_duplicate(sentence.text, c.text) for c in chosen):
            by_key.setdefault((sentence.chunk.id, sentence.index), sentence)
            add((sentence.chunk.id, sentence.index))

    # When the rule depends on who is asking, quote each case (see CASE_GROUPS).
    for _, cases in CASE_GROUPS:
        covered = [any(re.search(case, c.text, re.IGNORECASE) for c in chosen) for case in cases]
        if not any(covered):
            continue
        for case, present in zip(cases, covered):
            other = [c for c in ranked if not present and re.search(case, c.text, re.IGNORECASE)
                     and c.score >= best - CASE_MARGIN]
            if other:
                add((other[0].chunk.id, other[0].index))

    # Pull in the antecedent of a sentence that starts with "This…", "However…", and the list
    # that a sentence ending in a colon introduces ("…when you meet all of these conditions:").
    for cand in list(chosen):
        if cand.index > 0 and _LEANS_BACK.match(cand.text):
            add((cand.chunk.id, cand.index - 1))
        if cand.text.rstrip().endswith(":"):
            for following in range(cand.index + 1, min(cand.index + 1 + LIST_ITEMS, len(cand.chunk.sentences))):
                add((cand.chunk.id, following))
    return chosen


def should_abstain(semantic: float, lexical: float, threshold: float, lexical_weight: float = 0.0) -> bool:
    """Abstain when the evidence is weak: how well the question's meaning is found in the documents
    (sentence similarity) plus, weighted, how well its words are (BM25) falls below the threshold.
    So rare words the documents do use make up for a chatty paraphrase, and the reverse."""
    return semantic + lexical_weight * lexical < threshold


def best_evidence(candidates: list[ScoredSentence]) -> float:
    """The semantic side of `should_abstain`: the best candidate's similarity to the question."""
    return max((c.evidence for c in candidates), default=0.0)


def distinctions(sentences: list[str]) -> list[str]:
    """The CASE_GROUPS distinctions of which the given sentences state two cases or more."""
    return [name for name, cases in CASE_GROUPS
            if sum(any(re.search(case, s, re.IGNORECASE) for s in sentences) for case in cases) >= 2]


def compose_answer(candidates: list[ScoredSentence], threshold: float, max_sentences: int,
                   abstain_text: str, lexical: float = 0.0, lexical_weight: float = 0.0,
                   required: tuple[ScoredSentence, ...] = ()) -> Answer:
    confidence = best_evidence(candidates)
    if should_abstain(confidence, lexical, threshold, lexical_weight):
        return Answer(text=abstain_text, citations=[], abstained=True, confidence=confidence,
                      lexical_confidence=lexical)
    chosen = select_sentences(candidates, max_sentences, required)

    # Group by cited place (document, page, section). Policy documents come first: an FAQ page
    # summarises a policy, and the reader needs the page of the policy itself; then by best sentence.
    groups: dict[tuple, list[ScoredSentence]] = {}
    for sentence in sorted(chosen, key=lambda s: (s.chunk.page is None, -s.score)):
        key = (sentence.chunk.source, sentence.chunk.page, sentence.chunk.section)
        groups.setdefault(key, []).append(sentence)

    citations, parts = [], []
    for n, members in enumerate(groups.values(), start=1):
        members.sort(key=lambda s: (s.chunk.ordinal, s.index))  # reading order within a place
        chunk = members[0].chunk
        quoted = " ".join(m.text for m in members)
        snippet = quoted if len(quoted) <= SNIPPET_CHARS else quoted[: SNIPPET_CHARS - 1].rstrip() + "…"
        citations.append(Citation(n=n, title=chunk.title, source=chunk.source, page=chunk.page,
                                  section=chunk.section, snippet=snippet,
                                  score=round(max(m.similarity for m in members), 4)))
        parts.append(" ".join(f"{m.text} [{n}]" for m in members))
    return Answer(text="\n\n".join(parts), citations=citations, abstained=False, confidence=confidence,
                  lexical_confidence=lexical)

"""Extractive answers: pick the policy sentences that answer the question, order them, cite them.

Pure functions over typed data; the embedding of sentences happens before (rag/answer.py), so
ranking, selection, ordering and citation numbering are testable without a model.
"""
from __future__ import annotations

import re

from rag.types import Answer, Citation, ScoredSentence

# A sentence joins the answer if it scores within this margin of the best one: close seconds
# usually carry the rest of the rule (exceptions, amounts), far ones drift off topic.
SELECT_MARGIN = 0.16
# Two sentences sharing this share of their words say the same thing (an FAQ repeating a policy).
DUPLICATE_OVERLAP = 0.8
# ... or whose vectors are this similar (the same rule in other words), when their figures agree.
DUPLICATE_SIMILARITY = 0.88
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




def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _duplicate(a: ScoredSentence, b: ScoredSentence) -> bool:
    """The two say the same thing: the same figures, and most words or the meaning in common."""
    if set(re.findall(r"\d+", a.text)) != set(re.findall(r"\d+", b.text)):
        return False  # "5 days for a parent" and "3 days for a cousin" are different rules
    if a.vector is not None and b.vector is not None and float(a.vector @ b.vector) >= DUPLICATE_SIMILARITY:
        return True
    wa, wb = _words(a.text), _words(b.text)
    if not wa or not wb:
        return a.text == b.text
    return len(wa & wb) / min(len(wa), len(wb)) >= DUPLICATE_OVERLAP


# What is not a statement, and never an answer sentence: a question (an FAQ's heading), a cover or
# date line, a pointer elsewhere, a short line without an ending (a heading or a table cell).
_NOT_STATEMENT = re.compile(
    r"\?\s*$"
    r"|^\(?(?:see|refer to) (?:below|above|section [\d.]+)\)?\.?$"
    r"|^(?:effective|updated|revised|last (?:updated|revised)|version)\b[^.]{0,40}\d{4}\.?$",
    re.IGNORECASE)
_HEADING_WORDS = 10


_MINOR_WORDS = {"a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with"}


def is_statement(text: str) -> bool:
    text = text.strip()
    if _NOT_STATEMENT.search(text):
        return False
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    if len(words) <= _HEADING_WORDS and all(w[0].isupper() for w in words if w.lower() not in _MINOR_WORDS):
        return False  # a title, a name or a heading ("Larkspur Analytics, Inc.", "Buy-Up Coverage")
    return bool(re.search(r"[.;:!]$", text)) or len(text.split()) > _HEADING_WORDS


def select_sentences(candidates: list[ScoredSentence], max_sentences: int,
                     required: tuple[ScoredSentence, ...] = ()) -> list[ScoredSentence]:
    """The best sentence, then others within the margin; then each of `required` (the best sentence
    for each part of a question in parts), the other cases of a rule, antecedents and list items.
    Every sentence that enters must be a statement and say something new (`_duplicate`)."""
    ranked = sorted((c for c in candidates if is_statement(c.text)), key=lambda s: (-s.score, s.chunk_rank, s.index))
    if not ranked:
        return []
    best = ranked[0].score
    chosen: list[ScoredSentence] = []
    for cand in ranked:
        if len(chosen) >= max_sentences or cand.score < best - SELECT_MARGIN:
            break
        if any(_duplicate(cand, c) for c in chosen):
            continue
        chosen.append(cand)
    by_key = {(c.chunk.id, c.index): c for c in candidates}
    chosen_keys = {(c.chunk.id, c.index) for c in chosen}
    # The sentence the ranker finds likeliest to hold the answer opens it, even past the cap.
    contenders = [c for c in ranked if c.score >= best - SELECT_MARGIN]
    likeliest = max(contenders, key=lambda c: c.lead_rank)

    def add(sentence: ScoredSentence) -> None:
        key = (sentence.chunk.id, sentence.index)
        if (key not in chosen_keys and is_statement(sentence.text)
                and not any(_duplicate(sentence, c) for c in chosen)):
            chosen.append(sentence)
            chosen_keys.add(key)

    if likeliest.relevance is not None:
        add(likeliest)

    # A question in two parts ("how long do I have to choose, and when is it paid?") needs a
    # sentence for each. Bring in the best sentence, within the margin, for a searched-for word that
    # no chosen sentence has, from a page already quoted: other pages cost citation precision.
    covered = set().union(*(c.matched for c in chosen))
    quoted_pages = {(c.chunk.source, c.chunk.page) for c in chosen}
    brought = 0
    for cand in ranked:
        if brought >= COVER_EXTRA or cand.score < best - SELECT_MARGIN:
            break
        if cand.matched - covered and (cand.chunk.source, cand.chunk.page) in quoted_pages:
            before = len(chosen)
            add(cand)
            if len(chosen) > before:
                covered |= cand.matched
                brought += 1

    for sentence in required:
        add(sentence)

    # When the rule depends on who is asking, quote each case (see CASE_GROUPS).
    for _, cases in CASE_GROUPS:
        covered = [any(re.search(case, c.text, re.IGNORECASE) for c in chosen) for case in cases]
        if not any(covered):
            continue
        for case, present in zip(cases, covered):
            other = [c for c in ranked if not present and re.search(case, c.text, re.IGNORECASE)
                     and c.score >= best - CASE_MARGIN]
            if other:
                add(other[0])

    # Pull in the antecedent of a sentence that starts with "This…", "However…", and the list
    # that a sentence ending in a colon introduces ("…when you meet all of these conditions:").
    for cand in list(chosen):
        if cand.index > 0 and _LEANS_BACK.match(cand.text) and (cand.chunk.id, cand.index - 1) in by_key:
            add(by_key[(cand.chunk.id, cand.index - 1)])
        if cand.text.rstrip().endswith(":"):
            for following in range(cand.index + 1, min(cand.index + 1 + LIST_ITEMS, len(cand.chunk.sentences))):
                if (cand.chunk.id, following) in by_key:
                    add(by_key[(cand.chunk.id, following)])
    return chosen


def _place(sentence: ScoredSentence) -> tuple:
    return (sentence.chunk.source, sentence.chunk.page, sentence.chunk.section)


def also_said(chosen: list[ScoredSentence], candidates: list[ScoredSentence]) -> dict[tuple, list[ScoredSentence]]:
    """For each chosen sentence (by key), the sentences of other places that say the same thing
    within the selection margin: quoted once, the answer cites them all (a policy and its FAQ)."""
    best = max((c.score for c in candidates), default=0.0)
    quoted = {(c.chunk.id, c.index) for c in chosen}
    out: dict[tuple, list[ScoredSentence]] = {}
    for cand in sorted(candidates, key=lambda c: -c.score):
        if cand.score < best - SELECT_MARGIN or (cand.chunk.id, cand.index) in quoted:
            continue
        for sentence in chosen:
            if _place(sentence) != _place(cand) and _duplicate(cand, sentence):
                places = out.setdefault((sentence.chunk.id, sentence.index), [])
                if all(_place(p) != _place(cand) for p in places):
                    places.append(cand)
                break
    return out


def answer_order(chosen: list[ScoredSentence]) -> list[list[ScoredSentence]]:
    """The chosen sentences grouped by place (document, page, section), most relevant place first
    (the ranker's relevance, else the score); reading order within a place, except that the answer
    opens with its likeliest sentence (after the one it leans on, if it leans back)."""
    if not chosen:
        return []
    lead = max(chosen, key=lambda s: s.lead_rank)
    groups: dict[tuple, list[ScoredSentence]] = {}
    for sentence in sorted(chosen, key=lambda s: s.lead_rank, reverse=True):
        groups.setdefault(_place(sentence), []).append(sentence)
    ordered = []
    for members in groups.values():
        members.sort(key=lambda s: (s.chunk.ordinal, s.index))
        if lead in members:
            opening = [lead]
            if _LEANS_BACK.match(lead.text):
                opening = [m for m in members if m.chunk.id == lead.chunk.id and m.index == lead.index - 1] + opening
            members = opening + [m for m in members if m not in opening]
        ordered.append(members)
    return ordered


def should_abstain(semantic: float, lexical: float, threshold: float, lexical_weight: float = 0.0) -> bool:
    """Abstain when the evidence is weak: how well the question's meaning is found in the documents
    (sentence similarity) plus, weighted, how well its words are (BM25) falls below the threshold.
    So rare words the documents do use make up for a chatty paraphrase, and the reverse."""
    return semantic + lexical_weight * lexical < threshold


def best_evidence(candidates: list[ScoredSentence]) -> float:
    """The semantic side of `should_abstain`: the best candidate's similarity to the question."""
    return max((c.semantic_evidence for c in candidates), default=0.0)


def distinctions(sentences: list[str]) -> list[str]:
    """The CASE_GROUPS distinctions of which the given sentences state two cases or more."""
    return [name for name, cases in CASE_GROUPS
            if sum(any(re.search(case, s, re.IGNORECASE) for s in sentences) for case in cases) >= 2]


def compose_answer(candidates: list[ScoredSentence], threshold: float, max_sentences: int,
                   abstain_text: str, lexical: float = 0.0, lexical_weight: float = 0.0,
                   required: tuple[ScoredSentence, ...] = ()) -> Answer:
    semantic = best_evidence(candidates)
    if should_abstain(semantic, lexical, threshold, lexical_weight):
        return Answer(text=abstain_text, abstained=True, semantic_evidence=semantic, lexical_evidence=lexical)
    chosen = select_sentences(candidates, max_sentences, required)
    duplicates = also_said(chosen, candidates)

    numbers: dict[tuple, int] = {}  # place → citation number, in order of first use
    quoted: dict[tuple, list[str]] = {}
    first_of: dict[tuple, ScoredSentence] = {}

    def cite(sentence: ScoredSentence, text: str) -> int:
        place = _place(sentence)
        if place not in numbers:
            numbers[place] = len(numbers) + 1
            first_of[place] = sentence
        quoted.setdefault(place, []).append(text)
        return numbers[place]

    parts = []
    for members in answer_order(chosen):
        quoted_here = []
        for m in members:
            markers = [cite(m, m.text)] + [cite(d, d.text) for d in duplicates.get((m.chunk.id, m.index), [])]
            quoted_here.append(m.text + " " + "".join(f"[{n}]" for n in dict.fromkeys(markers)))
        parts.append(" ".join(quoted_here))
    citations = []
    for place, n in numbers.items():
        sentence, text = first_of[place], " ".join(quoted[place])
        snippet = text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1].rstrip() + "…"
        same_place = [c for c in chosen if _place(c) == place] or [sentence]
        citations.append(Citation.of(n, sentence.chunk, snippet, round(max(c.similarity for c in same_place), 4)))
    return Answer(text="\n\n".join(parts), citations=tuple(citations), semantic_evidence=semantic,
                  lexical_evidence=lexical)

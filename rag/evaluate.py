"""Grade the real pipeline on a question file (JSON Lines) and calibrate the abstention threshold.

A question: {"id", "question", "answerable", "expected_sources": [{"source", "page"}], "must_include"}.
A source matches a retrieved or cited place on file name and page; page null matches any page.
Metrics are pure functions of typed records, so they are tested without a model.
"""
from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from core.errors import BenefitsQAError
from core.situation import Situation
from core.types import Asker

RANK_DEPTH = 10  # distinct pages considered for MRR; hit@k uses the first k of them


@dataclass(frozen=True)
class DocumentPage:
    """A place an answer may be found: a document, and its page (None: anywhere in it, or a
    document without pages)."""

    source: str
    page: int | None = None

    def within(self, expected: tuple[DocumentPage, ...]) -> bool:
        """True when this place is one of `expected` (an expected place without a page is the whole document)."""
        return any(self.source == e.source and (e.page is None or e.page == self.page) for e in expected)


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answerable: bool
    expected_sources: tuple[DocumentPage, ...] = ()
    must_include: tuple[str, ...] = ()
    key_sentences: tuple[str, ...] = ()  # the policy sentences that answer it (the ranker's labels)
    # A table-cell question: the row's label and the asked cell, both to be in one quoted sentence.
    table_row: tuple[str, ...] = ()
    # The asker's situation (issue #17): the applying case's fact is must_include, and must_exclude
    # holds what only the cases that do not apply say.
    situation: Situation = Situation()
    must_exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What the pipeline did with one question."""

    question: Question
    ranked_pages: tuple[DocumentPage, ...]  # distinct, in retrieval order
    cited_pages: tuple[DocumentPage, ...]
    answer_text: str
    abstained: bool
    semantic_evidence: float  # the two abstention signals of the answer (rag/types.py Answer)
    seconds: float
    lexical_evidence: float = 0.0
    generated: bool = False
    sentences: tuple[str, ...] = ()  # the answer's sentences, citation markers removed; () if abstained
    repeated: bool = False  # two of them say the same thing (see `repeats`)


@dataclass(frozen=True)
class Dialogue:
    """Earlier turns and a last question that only makes sense after them; graded on the last."""

    turns: tuple[str, ...]
    last: Question


def _read_lines(path: Path, what: str, needs: str, parse):
    """parse(raw) for each JSON line of the file; a bad line names its number and what it needs."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(parse(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, IndexError, ValueError) as err:
            raise BenefitsQAError(f"{path}, line {number}: not a valid {what} ({err}); "
                                  f"each line needs {needs}.") from None
    return items


def _question(raw: dict, text: str) -> Question:
    return Question(id=str(raw["id"]), question=text, answerable=bool(raw.get("answerable", True)),
                    expected_sources=tuple(DocumentPage(s["source"], s.get("page")) for s in raw.get("expected_sources", [])),
                    must_include=tuple(raw.get("must_include", [])),
                    key_sentences=tuple([key] if isinstance(key := raw.get("key_sentence", []), str) else key),
                    table_row=tuple(raw.get("table_row", [])),
                    situation=Situation.from_json(raw.get("situation", {})),
                    must_exclude=tuple(raw.get("must_exclude", [])))


def load_dialogues(path: Path) -> list[Dialogue]:
    def parse(raw):
        turns = tuple(raw["turns"])
        return Dialogue(turns=turns[:-1], last=_question(raw, turns[-1]))

    return _read_lines(path, "dialogue", "id, turns, expected_sources, must_include", parse)


def load_questions(path: Path) -> list[Question]:
    def parse(raw):
        raw["answerable"]  # required here: a question must say whether it can be answered
        return _question(raw, raw["question"])

    questions = _read_lines(path, "question", "id, question, answerable, expected_sources, must_include", parse)
    if not questions:
        raise BenefitsQAError(f"{path} holds no questions.")
    return questions


_MARKERS = re.compile(r"(?:\s*\[\d+\])+")
# Two answer sentences whose vectors are this similar say the same thing in other words (an FAQ
# restating a policy); below it they are neighbouring rules. From pairs read on the dev sets.
REPEAT_SIMILARITY = 0.9


def answer_sentences(text: str) -> tuple[str, ...]:
    """An answer's sentences: each ends at its citation markers ("… 26 weeks. [1]")."""
    pieces = []
    for part in re.split(r"(?<=\])\s+(?=\S)", text.strip()):
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", _MARKERS.sub("", part).strip()):
            if sentence:
                pieces.append(sentence)
    return tuple(pieces)


def quotes_row(sentences: tuple[str, ...], row: tuple[str, ...]) -> bool:
    """True when one of the answer's sentences holds every cell of `row` (a row statement quoted)."""
    return any(all(cell.lower() in sentence.lower() for cell in row) for sentence in sentences)


def repeats(sentences: tuple[str, ...], vectors) -> bool:
    """True when two sentences say the same thing: the same words, or the same figures and alike in
    meaning (unit vectors, one row a sentence)."""
    import numpy as np

    if len(sentences) < 2:
        return False
    similar = np.asarray(vectors) @ np.asarray(vectors).T
    for i in range(len(sentences)):
        for j in range(i + 1, len(sentences)):
            same_words = " ".join(sentences[i].lower().split()) == " ".join(sentences[j].lower().split())
            # other figures, other rule: "100% with 2 years of service" and "60% with less"
            same_figures = set(re.findall(r"\d+", sentences[i])) == set(re.findall(r"\d+", sentences[j]))
            if same_words or (same_figures and similar[i, j] >= REPEAT_SIMILARITY):
                return True
    return False


def first_hit_rank(outcome: Outcome) -> int | None:
    for rank, place in enumerate(outcome.ranked_pages[:RANK_DEPTH], start=1):
        if place.within(outcome.question.expected_sources):
            return rank
    return None


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class EvalFailure:
    """One question the pipeline did not get perfectly: what went wrong, for the --json list."""

    id: str
    semantic_evidence: float
    rank: int | None = None  # of the first expected page among the retrieved ones; None: not found
    abstained: bool = False
    missing_facts: tuple[str, ...] = ()
    lead: bool = False  # the first answer sentence holds a key fact
    repeated: bool = False
    answered_unanswerable: bool = False
    dialogue: bool = False  # the last turn of a dialogue (tests/eval/dialogues.jsonl)


@dataclass(frozen=True)
class AbstentionRule:
    """The calibrated `should_abstain` settings (BENEFITS_QA_ABSTAIN_THRESHOLD, _LEXICAL_WEIGHT)."""

    threshold: float
    lexical_weight: float


@dataclass(frozen=True)
class EvalReport:
    questions: int
    answerable: int
    unanswerable: int
    hit_at_1: float
    hit_at_5: float
    mrr: float
    citation_precision: float
    key_fact_recall: float
    abstention_precision: float
    abstention_recall: float
    latency_p50_ms: float
    latency_p95_ms: float
    lead_at_1: float = 0.0  # answerable questions whose first answer sentence holds a key fact
    false_refusals: float = 0.0  # answerable questions declined
    repeats: float = 0.0  # answers with two sentences that say the same thing
    answer_sentences: float = 0.0  # mean length of an answer, in sentences
    failures: tuple[EvalFailure, ...] = ()
    safety: tuple[SafetySetReport, ...] = ()
    multi_turn_dialogues: int | None = None
    multi_turn_hit_at_5: float | None = None
    multi_turn_key_fact_recall: float | None = None
    llm_grounded_share: float | None = None  # LLM mode: answers whose generated text passed the checks
    # Table-cell questions whose answer quotes the right row (its label and the cell in one
    # sentence); None when the set has none.
    table_rows_quoted: float | None = None
    table_questions: int = 0
    # Questions asked with a situation set: the share led by the applying case's fact (lead@1 on
    # them alone), and the share whose answer also quotes a case that does not apply.
    situation_questions: int = 0
    situation_lead_at_1: float | None = None
    other_case_quoted: float | None = None

    def to_json(self) -> dict:
        return asdict(self)


def score(outcomes: list[Outcome]) -> EvalReport:
    answerable = [o for o in outcomes if o.question.answerable and o.question.expected_sources]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    ranks = [first_hit_rank(o) for o in answerable]
    cited = [place for o in answerable if not o.abstained for place in o.cited_pages]
    cited_ok = [place for o in answerable if not o.abstained for place in o.cited_pages
                if place.within(o.question.expected_sources)]
    facts = [(o, fact) for o in outcomes if o.question.answerable for fact in o.question.must_include]
    found = [1 for o, fact in facts if fact.lower() in o.answer_text.lower()]
    abstained = [o for o in outcomes if o.abstained]

    def ratio(part, whole):
        return round(len(part) / len(whole), 4) if whole else 1.0

    failures = []
    for o, rank in zip(answerable, ranks):
        missing = [f for f in o.question.must_include if f.lower() not in o.answer_text.lower()]
        led_with_fact = bool(o.sentences) and any(f.lower() in o.sentences[0].lower() for f in o.question.must_include)
        if rank is None or rank > 1 or missing or o.abstained or o.repeated or (o.question.must_include and not led_with_fact):
            failures.append(EvalFailure(o.question.id, round(o.semantic_evidence, 3), rank=rank, abstained=o.abstained,
                                        missing_facts=tuple(missing), lead=led_with_fact, repeated=o.repeated))
    failures += [EvalFailure(o.question.id, round(o.semantic_evidence, 3), answered_unanswerable=True)
                 for o in unanswerable if not o.abstained]
    latencies = [o.seconds * 1000 for o in outcomes]
    with_facts = [o for o in outcomes if o.question.answerable and o.question.must_include]
    led = [o for o in with_facts if o.sentences and any(f.lower() in o.sentences[0].lower() for f in o.question.must_include)]
    answered = [o for o in outcomes if not o.abstained]
    tabled = [o for o in outcomes if o.question.table_row]
    right_row = [o for o in tabled if quotes_row(o.sentences, o.question.table_row)]
    situated = [o for o in with_facts if o.question.situation.is_set]
    other_case = [o for o in situated if any(x.lower() in o.answer_text.lower() for x in o.question.must_exclude)]
    return EvalReport(
        situation_questions=len(situated),
        situation_lead_at_1=ratio([o for o in situated if o in led], situated) if situated else None,
        other_case_quoted=ratio(other_case, situated) if situated else None,
        table_rows_quoted=ratio(right_row, tabled) if tabled else None, table_questions=len(tabled),
        lead_at_1=ratio(led, with_facts),
        false_refusals=ratio([o for o in outcomes if o.question.answerable and o.abstained],
                             [o for o in outcomes if o.question.answerable]),
        repeats=ratio([o for o in answered if o.repeated], answered),
        answer_sentences=round(statistics.fmean(len(o.sentences) for o in answered), 2) if answered else 0.0,
        questions=len(outcomes), answerable=len(answerable), unanswerable=len(unanswerable),
        hit_at_1=ratio([r for r in ranks if r == 1], ranks),
        hit_at_5=ratio([r for r in ranks if r is not None and r <= 5], ranks),
        mrr=round(statistics.fmean([1 / r if r else 0.0 for r in ranks]), 4) if ranks else 0.0,
        citation_precision=ratio(cited_ok, cited),
        key_fact_recall=ratio(found, facts),
        abstention_precision=ratio([o for o in abstained if not o.question.answerable], abstained),
        abstention_recall=ratio([o for o in unanswerable if o.abstained], unanswerable),
        latency_p50_ms=round(percentile(latencies, 0.5), 1),
        latency_p95_ms=round(percentile(latencies, 0.95), 1),
        failures=tuple(failures))


def full_report(outcomes: list[Outcome], dialogue_outcomes: list[Outcome] | None = None,
                safety: tuple[SafetySetReport, ...] = (), llm: bool = False) -> EvalReport:
    """The question set's scores with the dialogues' (their last turns), the safety sets' and, in
    LLM mode, the share of answers whose generated text passed the checks."""
    extra: dict = {}
    if llm:
        answered = [o for o in outcomes if not o.abstained]
        extra["llm_grounded_share"] = round(sum(o.generated for o in answered) / len(answered), 4) if answered else 0.0
    main = score(outcomes)
    if dialogue_outcomes is not None:
        multi = score(dialogue_outcomes)
        extra.update(multi_turn_dialogues=multi.answerable, multi_turn_hit_at_5=multi.hit_at_5,
                     multi_turn_key_fact_recall=multi.key_fact_recall,
                     failures=main.failures + tuple(replace(f, dialogue=True) for f in multi.failures))
    return replace(main, safety=tuple(safety), **extra)


def _cuts(values: list[float]) -> list[float]:
    points = sorted(set(values))
    return [(a + b) / 2 for a, b in zip(points, points[1:])] or points


def logistic_weights(features: list[list[float]], labels: list[bool], l2: float = 0.01) -> list[float]:
    """Coefficients of a logistic regression of the labels on the features, classes weighted
    equally, fitted by Newton's method on standardised features (light L2 keeps a separable set
    finite), returned in the features' own units. No intercept is returned."""
    import numpy as np

    x = np.asarray(features, dtype=float)
    y = np.asarray(labels, dtype=float)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.column_stack([np.ones(len(x)), (x - x.mean(axis=0)) / scale])
    positives = y.sum()
    weight = np.where(y == 1, len(y) / (2 * positives), len(y) / (2 * (len(y) - positives)))
    penalty = l2 * np.eye(z.shape[1])
    penalty[0, 0] = 0.0
    beta = np.zeros(z.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-z @ beta))
        gradient = z.T @ (weight * (y - p)) - penalty @ beta
        hessian = (z * (weight * p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-10:
            break
    return list(beta[1:] / scale)


def fit_abstention(semantic: list[float], lexical: list[float], answerable: list[bool]) -> AbstentionRule:
    """The threshold and lexical weight of `should_abstain` for a set of labelled questions.

    The weight is the ratio of the two signals' coefficients in a logistic regression of
    answerability, which uses every question's distance from the boundary rather than only the
    count of those on the wrong side (counts alone tie over a wide range of weights on a small
    set). If either signal does not point the right way, the weight is 0: meaning alone decides.
    The threshold then has the best balanced accuracy; among equally good ones, the middle one.
    """
    from rag.compose import should_abstain

    pos = [i for i, a in enumerate(answerable) if a]
    neg = [i for i, a in enumerate(answerable) if not a]
    weight = 0.0
    if pos and neg:
        on_meaning, on_words = logistic_weights([[s, w] for s, w in zip(semantic, lexical)], answerable)
        if on_meaning > 0 and on_words > 0:
            weight = round(float(on_words / on_meaning), 4)
    combined = [s + weight * w for s, w in zip(semantic, lexical)]

    def balanced(t):
        abstains = [should_abstain(semantic[i], lexical[i], t, weight) for i in range(len(semantic))]
        tpr = sum(not abstains[i] for i in pos) / len(pos) if pos else 1.0
        tnr = sum(abstains[i] for i in neg) / len(neg) if neg else 1.0
        return (tpr + tnr) / 2

    scored = {t: balanced(t) for t in _cuts(combined)}
    best = max(scored.values())
    ties = sorted(t for t, value in scored.items() if value == best)
    return AbstentionRule(round(float(ties[(len(ties) - 1) // 2]), 4), weight)


@dataclass(frozen=True)
class SafetySetFile:
    name: str
    path: Path
    held_out: bool  # written blind, never trained or tuned on


def safety_sets(root: Path) -> list[SafetySetFile]:
    """The labelled message sets `benefits-qa eval` reports on: development sets (the classifier is
    trained on them) and held-out sets (never trained or tuned on)."""
    folder = root / "tests" / "eval"
    return [SafetySetFile("crisis (dev)", folder / "crisis.jsonl", False),
            SafetySetFile("crisis set 6 (dev)", folder / "crisis_set6.jsonl", False),
            SafetySetFile("ordinary (dev)", folder / "ordinary_dev.jsonl", False),
            # Written blind for round 7 and measured once; development data since round 8.
            SafetySetFile("crisis 8 (dev, was blind)", folder / "crisis_dev8.jsonl", False),
            SafetySetFile("ordinary 8 (dev, was held out)", folder / "ordinary_dev8.jsonl", False),
            # Written blind for round 8 and measured once; development data since round 9.
            SafetySetFile("risk 8b (dev, was blind)", folder / "risk_dev8b.jsonl", False),
            SafetySetFile("ordinary 8b (dev, was blind)", folder / "ordinary_dev8b.jsonl", False),
            SafetySetFile("risk 9 (dev)", folder / "safety_dev9_risk.jsonl", False),
            SafetySetFile("ordinary 9 (dev)", folder / "safety_dev9_ordinary.jsonl", False),
            SafetySetFile("languages 9 (dev)", folder / "safety_dev9_languages.jsonl", False),
            SafetySetFile("short 9 (dev)", folder / "safety_dev9_short.jsonl", False),
            # Written blind for round 9 and measured once; development data since round 10.
            SafetySetFile("risk 9 (dev, was blind)", folder / "blind9_risk.jsonl", False),
            SafetySetFile("ordinary 9 (dev, was blind)", folder / "blind9_ordinary.jsonl", False),
            SafetySetFile("risk 10 (dev)", folder / "safety_dev10_risk.jsonl", False),
            SafetySetFile("ordinary 10 (dev)", folder / "safety_dev10_ordinary.jsonl", False),
            SafetySetFile("ordinary 11 (dev)", folder / "safety_dev11_ordinary.jsonl", False),
            # Written blind for round 10 and measured once; development data since round 11.
            SafetySetFile("risk 10 (dev, was blind)", folder / "blind10_risk.jsonl", False),
            SafetySetFile("ordinary 10 (dev, was blind)", folder / "blind10_ordinary.jsonl", False),
            # Written blind for round 11 and measured once; development data since round 12.
            SafetySetFile("risk 11 (dev, was blind)", folder / "blind11_risk.jsonl", False),
            SafetySetFile("ordinary 11 (dev, was blind)", folder / "blind11_ordinary.jsonl", False),
            SafetySetFile("risk, blind 12 (held out)", folder / "blind12_risk.jsonl", True),
            SafetySetFile("ordinary, blind 12 (held out)", folder / "blind12_ordinary.jsonl", True)]


@dataclass(frozen=True)
class SafetyMiss:
    id: str
    expected: str
    got: str
    text: str  # a test message, never a user's


@dataclass(frozen=True)
class SafetySetReport:
    """The safety check on one labelled set (rag/safety_model.py, load_labelled)."""

    name: str
    held_out: bool
    messages: int
    crisis_recall: float | None  # None: the set has no crisis message
    explicit_missed: int  # crisis messages marked "severity": "explicit" (intent, plan, means) that were missed
    false_alarm_rate: float | None  # ordinary and distress messages given crisis or concern texts
    concern_accuracy: float | None
    distress_accuracy: float | None
    distress_as_crisis: int
    wrong: tuple[SafetyMiss, ...]


def safety_set(name: str, messages, detect, held_out: bool) -> SafetySetReport:
    """Score `detect(text) -> SafetyCheck` on labelled messages."""
    from rag import safety

    got = [detect(m.text).outcome for m in messages]
    pairs = list(zip(messages, got))

    def share(of_label: set[str], matching) -> float | None:
        rows = [g for m, g in pairs if m.label in of_label]
        return round(sum(matching(g) for g in rows) / len(rows), 4) if rows else None

    wrong = tuple(SafetyMiss(m.id, m.label, g, m.text) for m, g in pairs
                  if g != m.label and not (m.label == safety.NONE and g == safety.DISTRESS))
    return SafetySetReport(
        name=name, held_out=held_out, messages=len(messages),
        crisis_recall=share({safety.CRISIS}, lambda g: g == safety.CRISIS),
        explicit_missed=sum(1 for m, g in pairs if m.label == safety.CRISIS and m.severity == "explicit" and g != safety.CRISIS),
        false_alarm_rate=share({safety.NONE, safety.DISTRESS}, lambda g: g in (safety.CRISIS, safety.CONCERN)),
        concern_accuracy=share({safety.CONCERN}, lambda g: g == safety.CONCERN),
        distress_accuracy=share({safety.DISTRESS}, lambda g: g == safety.DISTRESS),
        distress_as_crisis=sum(1 for m, g in pairs if m.label == safety.DISTRESS and g == safety.CRISIS),
        wrong=wrong)


def run_dialogues(assistant, dialogues: list[Dialogue], progress=None) -> list[Outcome]:
    """Each dialogue asked turn by turn with its history; the outcome of its last turn."""
    outcomes = []
    for number, dialogue in enumerate(dialogues):
        history: list[str] = []
        for turn in dialogue.turns:
            history.append(assistant.ask(turn, history).searched_for)
        outcomes += run(assistant, [dialogue.last], history=history)
        if progress:
            progress(number + 1, len(dialogues))
    return outcomes


def run(assistant, questions: list[Question], progress=None, history: list[str] | None = None) -> list[Outcome]:
    outcomes = []
    for number, q in enumerate(questions):
        started = time.perf_counter()
        answered = assistant.ask_with_evidence(q.question, history, asker=Asker(situation=q.situation))
        answer, retrieval = answered.answer, answered.retrieval
        seconds = time.perf_counter() - started
        ranked: list[DocumentPage] = []
        for scored in retrieval.ranked:
            place = DocumentPage(scored.chunk.source, scored.chunk.page)
            if place not in ranked:
                ranked.append(place)
        sentences = () if answer.abstained else answer_sentences(answer.text)
        outcomes.append(Outcome(
            question=q, ranked_pages=tuple(ranked),
            cited_pages=tuple(DocumentPage(c.source, c.page) for c in answer.citations),
            answer_text=answer.text, abstained=answer.abstained, semantic_evidence=answer.semantic_evidence,
            seconds=seconds, lexical_evidence=answer.lexical_evidence, generated=answer.generated,
            sentences=sentences,
            repeated=len(sentences) > 1 and repeats(sentences, assistant.embedder.embed(list(sentences)))))
        if progress:
            progress(number + 1, len(questions))
    return outcomes

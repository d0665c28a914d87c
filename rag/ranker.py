"""Which retrieved sentence should open the answer: a pairwise logistic regression over features that mean
the same on any corpus, trained on the development questions' key sentences.

The composer (rag/compose.py) still chooses what the answer holds by the hand-set score; the
ranker's score decides which chosen sentence comes first and which place is cited first.
Its weights live in rag/data/sentence_ranker.json; `benefits-qa train-ranker` refits them.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from core.errors import ConfigError
from core.lexical import content_terms
from core.rows import LABEL_MARK, row_cells
from rag.types import ScoredSentence

DEFAULT_RANKER = Path(__file__).resolve().parent / "data" / "sentence_ranker.json"

# What a sentence holds, and what the question asks for (README, Answers: "the question's type
# decides what a good sentence holds").
_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s*(?:-|to)?\s*(?:calendar |business |working |consecutive )*"
                       r"(?:days?|weeks?|months?|years?|hours?)\b|\bday \d+\b", re.IGNORECASE)
_AMOUNT = re.compile(r"\$\s?\d|\d+(?:\.\d+)?\s?%|\bpercent\b", re.IGNORECASE)
_CONTACT = re.compile(r"@|\b1-8\d\d-|\b\d{3}-\d{4}\b|\b(?:call|contact|email|portal|submit|file|apply)\b", re.IGNORECASE)
_ELIGIBILITY = re.compile(r"\b(?:eligib\w*|qualif\w*|covered|only|must|not)\b", re.IGNORECASE)
_EXAMPLE = re.compile(r"^(?:for example|example|e\.g\.)|\bfor example\b", re.IGNORECASE)
# A worked example's sentences: under an "Example" heading, or about a named person ("Dana earns").
_EXAMPLE_HEADING = re.compile(r"\bexamples?\b|\billustrat", re.IGNORECASE)
_PERSON = re.compile(r"^[A-Z][a-z]+ (?:earns|works|has|is|was|takes|took|gets|got|uses|used|joined|receives|received|"
                     r"leaves|left|starts|started|chooses|chose|signs|signed)\b")
_LEANS_BACK = re.compile(r"^(?:this|these|that|those|it|they|such|however|otherwise)\b", re.IGNORECASE)
_ASKS_DURATION = re.compile(r"how long|how many (?:days|weeks|months|hours|years)|how soon|\bwhen\b|deadline|"
                            r"how much time|by when|how fast|how quickly", re.IGNORECASE)
_ASKS_AMOUNT = re.compile(r"how much|what percent|\bcost|\$|\bpaid\b|\bpay me\b|salary|amount|\bcap\b|\bmax", re.IGNORECASE)
_ASKS_CONTACT = re.compile(r"\bwho\b|\bwhere\b|\bcall\b|contact|email|phone|how do i (?:file|apply|report|start|request|submit)",
                           re.IGNORECASE)
_ASKS_YES_NO = re.compile(r"^(?:can|am|do|does|is|are|will|would|could)\b|\b(?:can i|am i|do i|does it|is it|eligible|qualify)\b",
                          re.IGNORECASE)

FEATURES = ("similarity", "chunk_similarity", "overlap", "chunk_rank", "topic_similarity", "position",
            "faq", "ends_with_colon", "log_words", "short", "has_number", "example", "leans_back",
            "duration_asked_and_held", "amount_asked_and_held", "contact_asked_and_held",
            "eligibility_asked_and_held", "holds_duration", "holds_amount", "score", "heading_similarity",
            "early_overlap", "distinct_overlap", "distinct_early_overlap", "starts_lower",
            "table_row", "row_label_overlap", "row_number_fits")


# Features also given relative to the best of the question's candidates: what counts is being the
# closest to the question among them, more than any absolute level.
RELATIVE = ("similarity", "topic_similarity", "heading_similarity", "early_overlap", "score", "distinct_overlap",
            "distinct_early_overlap")
ALL_FEATURES = FEATURES + tuple(f"{name}_behind_best" for name in RELATIVE)


def feature_matrix(question: str, sentences: list) -> np.ndarray:
    """ALL_FEATURES of each of one question's candidate sentences, one row a sentence."""
    x = np.asarray([features(question, s) for s in sentences], dtype=float)
    columns = [FEATURES.index(name) for name in RELATIVE]
    return np.hstack([x, x[:, columns] - x[:, columns].max(axis=0)])


# A row label that is a span of numbers: "40-44", "30–34", "Under 30", "70+", "3 to 5 years".
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)")
_UNDER = re.compile(r"\b(?:under|below|less than|up to)\s+(\d+(?:\.\d+)?)", re.IGNORECASE)
_OVER = re.compile(r"(\d+(?:\.\d+)?)\s*(?:\+|or (?:more|older|over))|\b(?:over|above)\s+(\d+(?:\.\d+)?)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")


def row_features(question: str, sentence) -> tuple[float, float, float]:
    """For a table row's statement (core/rows.py): that it is one, the share of its label's words
    the question has (a row is named by its label: "Family", "Employee + spouse"), and whether a
    number in the question falls in the label's span ("age 45" in the "45-49" row). Zeros for prose."""
    text = sentence.text
    row = row_cells(text) if LABEL_MARK in text else None
    if row is None:
        return 0.0, 0.0, 0.0
    label_terms = content_terms(row.label)
    overlap = len(label_terms & sentence.matched) / len(label_terms) if label_terms else 0.0
    asked = [float(n) for n in _NUMBER.findall(question)]
    fits = 0.0
    if asked:
        if m := _SPAN.search(row.label):
            low, high = float(m.group(1)), float(m.group(2))
            fits = float(any(low <= n <= high for n in asked))
        elif m := _UNDER.search(row.label):
            fits = float(any(n < float(m.group(1)) for n in asked))
        elif m := _OVER.search(row.label):
            fits = float(any(n >= float(m.group(1) or m.group(2)) for n in asked))
        else:
            fits = float(any(float(n) in asked for n in _NUMBER.findall(row.label)))
    return 1.0, overlap, fits


def features(question: str, sentence) -> tuple[float, ...]:
    """The FEATURES of one scored sentence for one question."""
    text = sentence.text
    words = len(text.split())
    duration, amount = bool(_DURATION.search(text)), bool(_AMOUNT.search(text))
    contact, eligibility = bool(_CONTACT.search(text)), bool(_ELIGIBILITY.search(text))
    topic = sentence.topic_similarity if sentence.topic_similarity is not None else sentence.similarity
    return (sentence.similarity, sentence.chunk_similarity, sentence.overlap, 1 / (1 + sentence.chunk_rank), topic,
            1 / (1 + sentence.index), float(sentence.chunk.page is None), float(text.rstrip().endswith(":")),
            math.log(max(words, 1)), float(words < 6), float(bool(re.search(r"\d", text))),
            float(bool(_EXAMPLE.search(text) or _EXAMPLE_HEADING.search(sentence.chunk.section) or _PERSON.match(text))),
            float(bool(_LEANS_BACK.match(text))),
            float(bool(_ASKS_DURATION.search(question)) and duration), float(bool(_ASKS_AMOUNT.search(question)) and amount),
            float(bool(_ASKS_CONTACT.search(question)) and contact), float(bool(_ASKS_YES_NO.search(question)) and eligibility),
            float(duration), float(amount), sentence.score, sentence.heading_similarity, sentence.early_overlap,
            sentence.distinct_overlap, sentence.distinct_early_overlap,
            # a sentence cut from a table row or a heading ("coverage in the PPO costs…") opens in lower case
            float(text[:1].islower()), *row_features(question, sentence))


@dataclass(frozen=True)
class SentenceRanker:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    trained_on: tuple[str, ...] = ()

    def relevance(self, question: str, sentences: list) -> list[float]:
        """A score for each sentence, higher for the likelier to hold the answer's key fact (trained on
        pairs, it orders one question's sentences; it is not a calibrated probability)."""
        if not sentences:
            return []
        x = (feature_matrix(question, sentences) - np.asarray(self.mean)) / np.asarray(self.scale)
        return [float(p) for p in 1 / (1 + np.exp(-(x @ np.asarray(self.coef) + self.intercept)))]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path = DEFAULT_RANKER) -> "SentenceRanker":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            ranker = cls(features=tuple(data["features"]), mean=tuple(data["mean"]), scale=tuple(data["scale"]),
                         coef=tuple(data["coef"]), intercept=float(data["intercept"]),
                         trained_on=tuple(data.get("trained_on", ())))
        except FileNotFoundError:
            raise ConfigError(f"The sentence ranker {path} does not exist: run `benefits-qa train-ranker`.") from None
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError(f"The sentence ranker {path} cannot be read ({err}): run `benefits-qa train-ranker`.") from None
        if ranker.features != ALL_FEATURES:
            raise ConfigError(f"The sentence ranker {path} was trained on other features than this version "
                              "computes: run `benefits-qa train-ranker`.")
        return ranker


@dataclass(frozen=True)
class RankerExample:
    """One retrieved sentence of a development question, and whether it holds the key fact."""

    question: str
    sentence: ScoredSentence
    holds_answer: bool


def train_ranker(examples: list[RankerExample], trained_on: tuple[str, ...] = (), c: float = 1.0) -> SentenceRanker:
    from sklearn.linear_model import LogisticRegression

    by_question: dict[str, list[RankerExample]] = {}
    for e in examples:
        by_question.setdefault(e.question, []).append(e)
    groups = list(by_question.values())
    x = np.vstack([feature_matrix(g[0].question, [e.sentence for e in g]) for g in groups])
    y = np.asarray([e.holds_answer for g in groups for e in g])
    if y.all() or not y.any():
        raise ConfigError("The ranker needs sentences that hold the answer and sentences that do not: "
                          "check the question files' must_include and key_sentence fields.")
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    # Pairs within a question: a sentence that holds the answer against one that does not. The
    # ranker only ever orders one question's sentences, so that is what it learns.
    pairs, start = [], 0
    for g in groups:
        rows = np.arange(start, start + len(g))
        start += len(g)
        good, bad = rows[y[rows]], rows[~y[rows]]
        pairs += [(i, j) for i in good for j in bad]
    if not pairs:
        raise ConfigError("No question has both a sentence that holds its answer and one that does not.")
    first, second = np.asarray(pairs).T
    diff = np.vstack([z[first] - z[second], z[second] - z[first]])
    label = np.r_[np.ones(len(pairs)), np.zeros(len(pairs))]
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=2000).fit(diff, label)
    return SentenceRanker(features=ALL_FEATURES, mean=tuple(map(float, mean)), scale=tuple(map(float, scale)),
                          coef=tuple(float(v) for v in model.coef_[0]), intercept=0.0, trained_on=trained_on)


# A sentence that holds a key fact is labelled as answering when it shares this much of a key
# sentence's words: the corpus often says the same rule twice in other words (a policy, its FAQ).
KEY_SHARE = 0.4


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def holds_answer(text: str, must_include: tuple[str, ...], key_sentences: tuple[str, ...],
                 table_row: tuple[str, ...] = ()) -> bool:
    """The label: the sentence is a key sentence, or holds a key fact (and, where the question names
    its key sentences, shares much of one: "30 days" alone is in many rules). A table-cell question's
    answer is its row: the row's label and the asked cell together ("$13.20" is in other rows too)."""
    if table_row and not all(cell.lower() in text.lower() for cell in table_row):
        return False
    if any(_squash(k) in _squash(text) for k in key_sentences):
        return True
    if not any(f.lower() in text.lower() for f in must_include):
        return False
    if not key_sentences:
        return True
    words = set(re.findall(r"\w+", text.lower()))
    return any(len(words & (key := set(re.findall(r"\w+", k.lower())))) >= KEY_SHARE * len(key) for k in key_sentences)


def ranker_examples(questions, candidates_of) -> list[RankerExample]:
    """Labelled sentences of the answerable development questions (rag.evaluate.Question) that have
    key facts; `candidates_of(text)` gives a question's scored sentences, as the assistant makes them."""
    from rag.compose import CASE_MARGIN

    examples = []
    for q in questions:
        if not (q.answerable and q.must_include):
            continue
        candidates = candidates_of(q.question)
        if not candidates:
            continue
        # Only the sentences the assistant asks the ranker about (rag/answer.py): the relative
        # features are measured against the best of these.
        best = max(c.score for c in candidates)
        for sentence in (c for c in candidates if c.score >= best - CASE_MARGIN):
            examples.append(RankerExample(q.question, sentence, holds_answer(sentence.text, q.must_include, q.key_sentences, q.table_row)))
    return examples

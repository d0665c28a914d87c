"""Fit the safety classifier (rag/safety_model.py) on labelled messages, and choose its thresholds.

Labels are given per message, but risk often sits in one sentence of a long benefits question. So
the regression is fitted on windows in a few rounds (multiple-instance learning): first on the
messages of one window and on every window of ordinary messages, then each longer message lends
only its window that the model finds most like its label; its other windows are left out, since
"does cobra start right away?" in a crisis message is no sign of crisis.

The thresholds are chosen on scores of messages the scoring model never saw (out of fold for the
regressions alone; a development split when the encoder is fine-tuned too, since that is slow),
then frozen into the model file. The final weights are fitted on every message.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag import safety
from core.errors import ConfigError
from rag.safety_encoder import FineTuning
from rag.safety_model import (EncoderFile, LabelledMessage, MeaningWeights, MessageScores, SafetyModel, Thresholds,
                              WordingWeights, decide, message_scores, softmax, window_matrix, wording_matrix,
                              wording_vectorizers)

# Fitting rounds after the first: the chosen windows no longer change after two on the dev sets.
MIL_ROUNDS = 2
# Inverse L2 strengths, from a sweep of out-of-fold recall at 1% false alarms on the development
# sets (README, Safety): strong for the 393 standardised meaning features, weak for the sparse,
# unit-length TF-IDF rows.
MEANING_C = 0.05
# Ordinary messages that may get the EAP pointer because their crisis probability is doubtful.
SUPPORT_SHARE = 0.05
WORDING_C = 5.0
# The share of the development messages kept apart to choose the thresholds when the encoder is
# fine-tuned, and the encoder's weight in the blend (from a sweep on earlier development sets).
DEV_SPLIT = 0.2
ENCODER_WEIGHT = 0.4
MIN_PER_OUTCOME = 5
# The share of the false-alarm budget the crisis threshold may use; the concern threshold gets the rest.
CRISIS_SHARE = 0.7


@dataclass(frozen=True)
class CrossValidated:
    """Figures at the chosen thresholds on scores made without the message (out of fold, or on the
    development split): development figures, not held-out ones."""

    crisis_recall: float
    false_alarm_rate: float  # ordinary and distress messages that got crisis or concern texts
    concern_accuracy: float
    distress_accuracy: float
    distress_as_crisis: int
    method: str = "out of fold"  # how the scores were kept apart from the weights that made them


@dataclass(frozen=True)
class TrainingReport:
    model: SafetyModel
    counts: tuple[tuple[str, int], ...]
    cross_validated: CrossValidated


def _logistic(x, labels: list[str], c: float, solver: str):
    """A multinomial regression whose rows come out in safety.OUTCOMES order; an outcome with no
    window in this round (few examples, one fold) gets no probability."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    regression = LogisticRegression(C=c, class_weight="balanced", solver=solver, max_iter=1000, tol=1e-3)
    with warnings.catch_warnings():
        # saga may stop at max_iter on the sparse TF-IDF rows; the out-of-fold figures are measured
        # with the weights as they come out, so the warning adds nothing.
        warnings.simplefilter("ignore", ConvergenceWarning)
        regression.fit(x, labels)
    coef, intercept = np.zeros((len(safety.OUTCOMES), x.shape[1])), np.full(len(safety.OUTCOMES), -30.0)
    if len(regression.classes_) == 2:  # one row, for the second class: the same as logits (0, row)
        first, second = (_COLUMN[label] for label in regression.classes_)
        coef[first], intercept[first] = 0.0, 0.0
        coef[second], intercept[second] = regression.coef_[0], regression.intercept_[0]
        return coef, intercept
    for row, label in enumerate(regression.classes_):
        coef[_COLUMN[label]], intercept[_COLUMN[label]] = regression.coef_[row], regression.intercept_[row]
    return coef, intercept


_COLUMN = {label: i for i, label in enumerate(safety.OUTCOMES)}


@dataclass(frozen=True)
class _Fit:
    mean: np.ndarray
    scale: np.ndarray
    meaning_coef: np.ndarray
    meaning_intercept: np.ndarray
    wording_coef: np.ndarray
    wording_intercept: np.ndarray

    def probabilities(self, windows: "_Windows", rows) -> np.ndarray:
        meaning = softmax(((windows.x[rows] - self.mean) / self.scale) @ self.meaning_coef.T + self.meaning_intercept)
        wording = softmax(np.asarray(windows.words[rows] @ self.wording_coef.T) + self.wording_intercept)
        return (meaning + wording) / 2


class _Windows:
    """Every message's windows, embedded and counted once (folds share them). The TF-IDF
    vocabulary is fitted on all windows, without labels."""

    def __init__(self, messages: list[LabelledMessage], embedder):
        self.messages = messages
        per_message = [safety.message_windows(m.text) or [""] for m in messages]
        self.unique = sorted({w for ws in per_message for w in ws})
        position = {w: i for i, w in enumerate(self.unique)}
        self.of = [np.asarray([position[w] for w in ws]) for ws in per_message]
        self.x = window_matrix(self.unique, embedder.embed(self.unique))
        self.vectorizers = wording_vectorizers()
        for vectorizer in self.vectorizers:
            vectorizer.fit([safety.normalize(w) for w in self.unique])
        self.words = wording_matrix(self.vectorizers, self.unique)
        self.explicit = np.asarray([safety.states_risk_explicitly(m.text) for m in messages])
        self.distress_words = np.asarray([safety.shows_distress(m.text) for m in messages])


def _fit(windows: _Windows, chosen: list[int]) -> _Fit:
    fitted: _Fit | None = None
    for _ in range(MIL_ROUNDS + 1):
        rows, labels = [], []
        for m in chosen:
            message, of = windows.messages[m], windows.of[m]
            if message.label == safety.NONE or len(of) == 1:
                rows += list(of)
                labels += [message.label] * len(of)
            elif fitted is not None:
                rows.append(of[int(np.argmax(fitted.probabilities(windows, of)[:, _COLUMN[message.label]]))])
                labels.append(message.label)
        x = windows.x[rows]
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale == 0] = 1.0
        meaning = _logistic((x - mean) / scale, labels, MEANING_C, "newton-cg")
        wording = _logistic(windows.words[rows], labels, WORDING_C, "saga")
        fitted = _Fit(mean, scale, *meaning, *wording)
    return fitted


def _scores(fitted: _Fit, windows: _Windows, m: int) -> MessageScores:
    return message_scores(fitted.probabilities(windows, windows.of[m]), safety.OUTCOMES,
                          bool(windows.explicit[m]), bool(windows.distress_words[m]))


def choose_thresholds(scores: list[MessageScores], labels: list[str], max_false_alarm: float) -> Thresholds:
    """The lowest crisis and concern thresholds whose false alarms together (crisis or concern texts
    on ordinary and distress messages) stay within `max_false_alarm`; then the distress threshold with
    the best balanced accuracy on the messages left."""
    calm = [s for s, label in zip(scores, labels) if label in (safety.NONE, safety.DISTRESS)]
    allowed = int(max_false_alarm * len(calm))
    # One budget for both alarms (an ordinary asker shown the concern text is alarmed too): most of
    # it for the crisis texts, whose misses cost most; explicit patterns spend it first.
    spent = sum(s.explicit for s in calm)
    for_crisis = max(int(CRISIS_SHARE * allowed) - spent, 0)

    def lowest(values: list[float], allowed: int) -> float:
        # Just above the (allowed+1)-th highest value among calm messages.
        ranked = sorted(values, reverse=True)
        return float(min((ranked[allowed] if allowed < len(ranked) else 0.0) + 1e-4, 0.999))

    crisis = lowest([s.crisis for s in calm if not s.explicit], for_crisis)
    over = sum(1 for s in calm if s.explicit or s.crisis >= crisis)
    concern = lowest([s.concern for s in calm if s.crisis < crisis and not s.explicit], max(allowed - over, 0))
    plain = [(s, label) for s, label in zip(scores, labels)
             if label in (safety.NONE, safety.DISTRESS) and s.crisis < crisis and s.concern < concern]

    def balanced(t: float) -> float:
        hits = [(s.distress >= t or s.distress_words) == (label == safety.DISTRESS) for s, label in plain]
        pos = [h for h, (_, label) in zip(hits, plain) if label == safety.DISTRESS]
        neg = [h for h, (_, label) in zip(hits, plain) if label == safety.NONE]
        return (np.mean(pos) if pos else 1.0) / 2 + (np.mean(neg) if neg else 1.0) / 2

    candidates = [round(t, 3) for t in np.arange(0.05, 0.96, 0.025)]
    distress = max(candidates, key=lambda t: (balanced(t), t))
    ordinary = [s.crisis for s, label in zip(scores, labels) if label == safety.NONE and s.crisis < crisis]
    support = sorted(ordinary, reverse=True)[int(SUPPORT_SHARE * len(ordinary))] + 1e-4 if ordinary else crisis
    return Thresholds(crisis=round(crisis, 4), concern=round(concern, 4), distress=float(distress),
                      support=round(min(support, crisis), 4))


def cross_validate(scores: list[MessageScores], labels: list[str], thresholds: Thresholds,
                   method: str = "out of fold") -> CrossValidated:
    outcomes = [decide(s, thresholds) for s in scores]
    pairs = list(zip(outcomes, labels))

    def share(matching, of_label) -> float:
        rows = [o for o, label in pairs if label in of_label]
        return round(sum(matching(o) for o in rows) / len(rows), 4) if rows else 1.0

    return CrossValidated(
        crisis_recall=share(lambda o: o == safety.CRISIS, {safety.CRISIS}),
        false_alarm_rate=share(lambda o: o in (safety.CRISIS, safety.CONCERN), {safety.NONE, safety.DISTRESS}),
        concern_accuracy=share(lambda o: o == safety.CONCERN, {safety.CONCERN}),
        distress_accuracy=share(lambda o: o == safety.DISTRESS, {safety.DISTRESS}),
        distress_as_crisis=sum(1 for o, label in pairs if label == safety.DISTRESS and o == safety.CRISIS),
        method=method)


def train(messages: list[LabelledMessage], embedder, folds: int = 5, max_false_alarm: float = 0.01,
          seed: int = 0, trained_on: tuple[str, ...] = (), encoder_path: Path | None = None,
          fine_tuning: FineTuning = FineTuning(), log=lambda line: None) -> TrainingReport:
    """The regressions alone (encoder_path None): thresholds from `folds`-fold out-of-fold scores,
    weights refitted on every message. With the fine-tuned encoder, written to encoder_path: both
    readers learn from DEV_SPLIT's complement, the thresholds are chosen on the blend's scores of the
    split they never saw (fine-tuning five times over would take most of an hour), and then both are
    refitted on every message."""
    labels = [m.label for m in messages]
    windows = _Windows(messages, embedder)
    if encoder_path is None:
        return _train_regressions(messages, labels, windows, folds, max_false_alarm, seed, trained_on)
    from sklearn.model_selection import train_test_split

    from rag.safety_encoder import SafetyEncoder, file_digest, fine_tune

    scarce = [f"{label} ({n})" for label, n in _counts(labels) if 0 < n < MIN_PER_OUTCOME]
    if scarce:
        raise ConfigError(f"Too few examples to keep some apart for the thresholds: {', '.join(scarce)}. Give each "
                          f"outcome used at least {MIN_PER_OUTCOME} messages, or train with --regressions-only.")
    learn, held = train_test_split(np.arange(len(messages)), test_size=DEV_SPLIT, stratify=labels, random_state=seed)
    log(f"Fitting the regressions on {len(learn)} messages…")
    fitted = _fit(windows, list(learn))
    log(f"Fine-tuning the encoder on {len(learn)} messages (a few minutes a thousand on 2 cores)…")
    fine_tune([messages[m].text for m in learn], [_COLUMN[labels[m]] for m in learn], len(safety.OUTCOMES),
              encoder_path, fine_tuning, log)
    encoder = SafetyEncoder(encoder_path, "")  # the int8 graph that ships, so the thresholds fit what runs
    scores = [message_scores(fitted.probabilities(windows, windows.of[m]), safety.OUTCOMES, bool(windows.explicit[m]),
                             bool(windows.distress_words[m]), encoder.probabilities(messages[m].text), ENCODER_WEIGHT)
              for m in held]
    held_labels = [labels[m] for m in held]
    thresholds = choose_thresholds(scores, held_labels, max_false_alarm)
    # The split has done its work: with the thresholds frozen, both readers learn from every message.
    log(f"Thresholds chosen on {len(held)} messages kept apart; refitting both readers on all {len(messages)}…")
    fitted = _fit(windows, list(range(len(messages))))
    fine_tune([m.text for m in messages], [_COLUMN[label] for label in labels], len(safety.OUTCOMES),
              encoder_path, fine_tuning, log)
    model = _model(fitted, windows, thresholds, trained_on,
                   EncoderFile(file=encoder_path.name, digest=file_digest(encoder_path), weight=ENCODER_WEIGHT))
    return TrainingReport(model=model, counts=_counts(labels),
                          cross_validated=cross_validate(scores, held_labels, thresholds, f"{DEV_SPLIT:.0%} development split"))


def _counts(labels: list[str]) -> tuple[tuple[str, int], ...]:
    return tuple((label, labels.count(label)) for label in safety.OUTCOMES)


def _train_regressions(messages, labels, windows, folds, max_false_alarm, seed, trained_on) -> TrainingReport:
    from sklearn.model_selection import StratifiedKFold

    out_of_fold: list[MessageScores | None] = [None] * len(messages)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_rows, test_rows in splitter.split(np.zeros(len(labels)), labels):
        fitted = _fit(windows, list(train_rows))
        for m in test_rows:
            out_of_fold[m] = _scores(fitted, windows, m)
    thresholds = choose_thresholds(out_of_fold, labels, max_false_alarm)
    final = _fit(windows, list(range(len(messages))))
    return TrainingReport(model=_model(final, windows, thresholds, trained_on, None), counts=_counts(labels),
                          cross_validated=cross_validate(out_of_fold, labels, thresholds, f"{folds}-fold out of fold"))


def _model(final: _Fit, windows: _Windows, thresholds: Thresholds, trained_on: tuple[str, ...],
           encoder: EncoderFile | None) -> SafetyModel:
    return SafetyModel(
        classes=safety.OUTCOMES, features=safety.FEATURES, dimensions=windows.x.shape[1] - len(safety.FEATURES),
        meaning=MeaningWeights(mean=tuple(map(float, final.mean)), scale=tuple(map(float, final.scale)),
                               coef=tuple(tuple(map(float, row)) for row in final.meaning_coef),
                               intercept=tuple(map(float, final.meaning_intercept))),
        wording=WordingWeights(vocabularies=tuple(tuple(v.get_feature_names_out().tolist()) for v in windows.vectorizers),
                               idfs=tuple(tuple(map(float, v.idf_)) for v in windows.vectorizers),
                               coef=tuple(tuple(map(float, row)) for row in final.wording_coef),
                               intercept=tuple(map(float, final.wording_intercept))),
        thresholds=thresholds, trained_on=trained_on, encoder=encoder)


def training_files(root: Path, prompts_dir: Path) -> list[Path]:
    """The development sets, and the employer's own examples in prompts/ (where the held-out sets
    never go: they measure the classifier, so it must not learn them)."""
    folder = root / "tests" / "eval"
    files = [folder / "crisis.jsonl", folder / "crisis_set6.jsonl", folder / "crisis_dev7.jsonl",
             folder / "crisis_dev8.jsonl", folder / "ordinary_dev.jsonl", folder / "ordinary_dev7.jsonl",
             folder / "ordinary_dev8.jsonl", folder / "risk_dev8b.jsonl", folder / "ordinary_dev8b.jsonl",
             folder / "safety_dev9_risk.jsonl", folder / "safety_dev9_ordinary.jsonl",
             folder / "safety_dev9_languages.jsonl", folder / "safety_dev9_short.jsonl", folder / "questions_safety.jsonl",
             # Round 9's blind sets, measured once, then development data; round 10's development sets.
             folder / "blind9_risk.jsonl", folder / "blind9_ordinary.jsonl",
             folder / "safety_dev10_risk.jsonl", folder / "safety_dev10_ordinary.jsonl",
             # Round 11's: ordinary questions in thirteen languages and accidental injuries; round 10's
             # blind sets, measured once, then development data.
             folder / "safety_dev11_ordinary.jsonl", folder / "blind10_risk.jsonl", folder / "blind10_ordinary.jsonl",
             # Round 11's blind sets, measured once, then development data.
             folder / "blind11_risk.jsonl", folder / "blind11_ordinary.jsonl",
             prompts_dir / "safety_examples.jsonl"]
    return [f for f in files if f.exists()]

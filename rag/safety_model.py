"""The trained safety classifier: each window of a message → crisis, concern, distress or none.

Two multinomial logistic regressions read each window, and their probabilities are averaged:
- one over the window's sentence vector and the pattern features of rag/safety.py (meaning:
  "I won't need COBRA where I'm going" is near other ways of saying it);
- one over TF-IDF weights of its words and character n-grams (wording and typos: "kms", "sucidal",
  "offed myself", which a sentence vector of a long benefits question can drown).
On the development sets the average catches more at the same false-alarm rate than either alone
(README, Safety). Weights, vocabularies and the frozen thresholds live in one JSON file
(rag/data/safety_classifier.json); `benefits-qa train-safety` refits them (rag/safety_train.py).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from rag import safety
from core.errors import ConfigError

DEFAULT_MODEL = Path(__file__).resolve().parent / "data" / "safety_classifier.json"


@dataclass(frozen=True)
class Thresholds:
    """A message gets an outcome when its best window's probability of it reaches the threshold.
    Chosen on out-of-fold predictions of the development sets (rag/safety_train.py), then frozen."""

    crisis: float
    concern: float
    distress: float
    # Below the crisis threshold, a crisis probability above this still gets the EAP pointer
    # (DISTRESS): a gentle line for the doubtful cases, where the crisis block would alarm many
    # ordinary askers. The line under the chat title shows 988 whatever the outcome.
    support: float = 1.0


@dataclass(frozen=True)
class MessageScores:
    """The highest probability of each outcome over a message's windows, and the explicit patterns."""

    crisis: float
    concern: float
    distress: float
    explicit: bool
    distress_words: bool


def softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class MeaningWeights:
    """The regression over [sentence vector, pattern features], on standardised features."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[tuple[float, ...], ...]  # one row per class
    intercept: tuple[float, ...]

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        z = (features - np.asarray(self.mean)) / np.asarray(self.scale)
        return softmax(z @ np.asarray(self.coef).T + np.asarray(self.intercept))


# The wording regression's vocabularies: character n-grams within words (typos, "sucidal"), and
# words and word pairs ("end things", "offed myself"). n-grams seen in fewer than 3 windows are
# dropped: rarer ones are names and one-off typos that only add weight to memorise.
WORDING_ANALYZERS = (("char_wb", (3, 5)), ("word", (1, 2)))
WORDING_MIN_WINDOWS = 3


def wording_vectorizers(vocabularies=None, idfs=None) -> list:
    """TF-IDF vectorizers over normalised text (rag.safety.normalize): unfitted for training, or
    rebuilt from a model file's vocabularies and IDF weights."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizers = []
    for i, (analyzer, ngrams) in enumerate(WORDING_ANALYZERS):
        if vocabularies is None:
            vectorizers.append(TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, min_df=WORDING_MIN_WINDOWS,
                                               sublinear_tf=True, dtype=np.float32))
            continue
        vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, dtype=np.float32,
                                     vocabulary=list(vocabularies[i]))
        vectorizer.idf_ = np.asarray(idfs[i], dtype=np.float64)
        vectorizers.append(vectorizer)
    return vectorizers


def wording_matrix(vectorizers: list, windows: list[str]):
    import scipy.sparse

    texts = [safety.normalize(w) for w in windows]
    return scipy.sparse.hstack([v.transform(texts) for v in vectorizers]).tocsr()


@dataclass(frozen=True)
class WordingWeights:
    """The regression over TF-IDF weights of a window's n-grams."""

    vocabularies: tuple[tuple[str, ...], ...]  # one per WORDING_ANALYZERS entry
    idfs: tuple[tuple[float, ...], ...]
    coef: tuple[tuple[float, ...], ...]  # one row per class, over the vocabularies in order
    intercept: tuple[float, ...]

    def probabilities(self, windows: list[str]) -> np.ndarray:
        x = wording_matrix(self.vectorizers, windows)
        return softmax(np.asarray(x @ self._coef.T) + np.asarray(self.intercept))

    @property
    def vectorizers(self) -> list:
        if "_vectorizers" not in self.__dict__:  # built once: a frozen dataclass may still cache
            object.__setattr__(self, "_vectorizers", wording_vectorizers(self.vocabularies, self.idfs))
            object.__setattr__(self, "_coef", np.asarray(self.coef, dtype=np.float32))
        return self.__dict__["_vectorizers"]


@dataclass(frozen=True)
class EncoderFile:
    """The fine-tuned encoder (rag/safety_encoder.py) that ships beside the model file, and how much
    its probabilities weigh in the blend (on the log-odds scale; the regressions get the rest)."""

    file: str  # a name in the model file's folder
    digest: str  # of the graph: a model file never runs with an encoder it was not trained with
    weight: float = 0.4


@dataclass(frozen=True)
class SafetyModel:
    classes: tuple[str, ...]
    features: tuple[str, ...]  # pattern feature names, after the sentence vector's dimensions
    dimensions: int  # of the sentence vector
    meaning: MeaningWeights
    wording: WordingWeights
    thresholds: Thresholds
    trained_on: tuple[str, ...] = ()  # the training files, for the record
    encoder: EncoderFile | None = None  # None: the regressions alone
    folder: Path | None = None  # where the model file was read from (the encoder lies beside it)

    def probabilities(self, windows: list[str], vectors: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per window, columns in `classes` order: the mean of the two regressions."""
        return (self.meaning.probabilities(window_matrix(windows, vectors)) + self.wording.probabilities(windows)) / 2

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("folder")
        for part in ("meaning", "wording"):  # 6 significant digits: the file stays small, the decisions the same
            data[part]["coef"] = [[float(f"{v:.6g}") for v in row] for row in data[part]["coef"]]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "SafetyModel":
        meaning, wording = data["meaning"], data["wording"]
        return cls(classes=tuple(data["classes"]), features=tuple(data["features"]), dimensions=int(data["dimensions"]),
                   meaning=MeaningWeights(mean=tuple(meaning["mean"]), scale=tuple(meaning["scale"]),
                                          coef=tuple(tuple(r) for r in meaning["coef"]), intercept=tuple(meaning["intercept"])),
                   wording=WordingWeights(vocabularies=tuple(tuple(v) for v in wording["vocabularies"]),
                                          idfs=tuple(tuple(v) for v in wording["idfs"]),
                                          coef=tuple(tuple(r) for r in wording["coef"]), intercept=tuple(wording["intercept"])),
                   thresholds=Thresholds(**data["thresholds"]), trained_on=tuple(data.get("trained_on", ())),
                   encoder=EncoderFile(**data["encoder"]) if data.get("encoder") else None)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), separators=(",", ":")) + "\n", encoding="utf-8")
        tmp.replace(path)  # a half-written model file is never read

    @classmethod
    def load(cls, path: Path) -> "SafetyModel":
        try:
            model = cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError(f"The safety classifier {path} does not exist: run `benefits-qa train-safety`, "
                              "or unset BENEFITS_QA_SAFETY_MODEL for the one that ships.") from None
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError(f"The safety classifier {path} cannot be read ({err}): run `benefits-qa "
                              "train-safety` to write it again.") from None
        if model.features != safety.FEATURES or set(model.classes) != set(safety.OUTCOMES):
            raise ConfigError(f"The safety classifier {path} was trained with other features or outcomes than "
                              "this version uses: run `benefits-qa train-safety`.")
        return replace(model, folder=Path(path).resolve().parent)

    def encoder_path(self) -> Path | None:
        return (self.folder or DEFAULT_MODEL.parent) / self.encoder.file if self.encoder else None


def decide(scores: MessageScores, thresholds: Thresholds) -> str:
    """The outcome for a message's scores. Risk to the writer comes first; concern for someone
    else next (it shows the same resources, framed for helping); distress last."""
    if scores.explicit or scores.crisis >= thresholds.crisis:
        return safety.CRISIS
    if scores.concern >= thresholds.concern:
        return safety.CONCERN
    if scores.distress >= thresholds.distress or scores.distress_words or scores.crisis >= thresholds.support:
        return safety.DISTRESS
    return safety.NONE


def _log_odds(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def blend(regressions: np.ndarray, encoder: np.ndarray, weight: float) -> np.ndarray:
    """Each outcome's probability from the two readers, averaged on the log-odds scale: a confident
    reader moves the blend more than a doubtful one, but neither decides alone."""
    return 1 / (1 + np.exp(-(weight * _log_odds(encoder) + (1 - weight) * _log_odds(regressions))))


def message_scores(probabilities: np.ndarray, classes: tuple[str, ...], explicit: bool,
                   distress_words: bool, encoder: np.ndarray | None = None, weight: float = 0.0) -> MessageScores:
    """A message's scores from its windows' class probabilities (one row a window, columns in
    `classes` order): each outcome's highest probability over the windows, blended with the
    encoder's (its own windows' highest, same columns) where there is one."""
    best_of = probabilities.max(axis=0)
    if encoder is not None and len(encoder):
        best_of = blend(best_of, encoder.max(axis=0), weight)
    best = dict(zip(classes, best_of))
    return MessageScores(crisis=float(best[safety.CRISIS]), concern=float(best[safety.CONCERN]),
                         distress=float(best[safety.DISTRESS]), explicit=explicit, distress_words=distress_words)


def window_matrix(windows: list[str], vectors: np.ndarray) -> np.ndarray:
    """Sentence vectors with the pattern features of each window appended."""
    patterns = np.asarray([safety.window_features(w) for w in windows], dtype=np.float32)
    return np.hstack([vectors.astype(np.float32), patterns])


class SafetyClassifier:
    """The model with the embedder that feeds it; `check` never raises on odd input: an empty,
    very long or non-English message still gets a decision."""

    def __init__(self, model: SafetyModel, embedder):
        from rag.safety_encoder import SafetyEncoder

        self.model, self.embedder = model, embedder
        self.encoder = SafetyEncoder(model.encoder_path(), model.encoder.digest) if model.encoder else None

    def scores(self, message: str) -> MessageScores:
        windows = safety.message_windows(message)
        explicit, distress_words = safety.states_risk_explicitly(message), safety.shows_distress(message)
        if not windows:
            return MessageScores(0.0, 0.0, 0.0, explicit, distress_words)
        probabilities = self.model.probabilities(windows, self.embedder.embed(windows))
        encoder = self.encoder.probabilities(message) if self.encoder else None
        return message_scores(probabilities, self.model.classes, explicit, distress_words, encoder,
                              self.model.encoder.weight if self.model.encoder else 0.0)

    def check(self, message: str) -> safety.SafetyCheck:
        outcome = decide(self.scores(message), self.model.thresholds)
        return safety.SafetyCheck(outcome=outcome, legal_topics=safety.legal_topics(message))


@dataclass(frozen=True)
class LabelledMessage:
    id: str
    text: str
    label: str  # one of safety.OUTCOMES
    severity: str = ""  # crisis messages of the evaluation sets: "explicit" (intent, plan, means) or "indirect"


def load_labelled(path: Path) -> list[LabelledMessage]:
    """A JSON Lines file of {"id", "text", "label"}; a clear error names the line that is wrong."""
    messages = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):  # comments, for the employer's own file
            continue
        try:
            row = json.loads(line)
            message = LabelledMessage(id=str(row["id"]), text=str(row["text"]), label=str(row["label"]),
                                      severity=str(row.get("severity", "")))
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError(f"{path}, line {number}: not a labelled message ({err}); each line needs "
                              '{"id": ..., "text": ..., "label": ...}.') from None
        if message.label not in safety.OUTCOMES:
            raise ConfigError(f"{path}, line {number}: label {message.label!r} is not one of "
                              f"{', '.join(safety.OUTCOMES)}.")
        messages.append(message)
    return messages

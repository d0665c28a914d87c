"""The fine-tuned half of the safety classifier: all-MiniLM-L6-v2 trained end to end to read a
whole message as crisis, concern, distress or none.

Why beside the regressions of rag/safety_model.py: those read frozen sentence vectors and word
n-grams, which miss a plan stated in plain words ("i'm on the bridge right now") and flag a figure
of speech ("drowning in paperwork"). A transformer whose weights are trained on the task reads the
words in context. On the development sets the two make different mistakes, and a blend of their
probabilities catches more at the same false-alarm rate than either (README, Safety).

At run time the model is an int8 ONNX graph in rag/data (about 23 MB), run on ONNX Runtime with
the base model's tokenizer (shipped in core/data/embedder): no torch. Training (`benefits-qa
train-safety`) needs torch, transformers and the base weights: the `torch` extra.
"""
from __future__ import annotations

import hashlib
import math
import random
import tempfile
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from core.config import BUNDLED_EMBEDDER, packaged_weights
from core.errors import ConfigError

# Word windows for a message longer than the model's 256 word pieces: each is read alone and a
# class's probability is its highest over the windows. 20 windows cover about 2,000 words; the
# regressions and the explicit patterns read the rest.
WINDOW_WORDS = 150
WINDOW_STEP = 75
MAX_WINDOWS = 20
MAX_TOKENS = 256


def base_model_dir() -> Path:
    """The packaged all-MiniLM-L6-v2 folder, whose weights start the fine-tuning."""
    return Path(packaged_weights())


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def message_windows(message: str) -> list[str]:
    words = message.split()
    if len(words) <= WINDOW_WORDS:
        return [" ".join(words)] if words else []
    starts = range(0, max(len(words) - WINDOW_STEP, 1), WINDOW_STEP)
    return [" ".join(words[i:i + WINDOW_WORDS]) for i in starts][:MAX_WINDOWS]


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=-1, keepdims=True)


class SafetyEncoder:
    """The ONNX graph (token ids → class logits) and its tokenizer; `probabilities` gives one row
    per window of a message, columns in the order the model was trained with."""

    def __init__(self, graph: Path, digest: str):
        self.graph = Path(graph)
        if not self.graph.exists():
            raise ConfigError(f"The safety classifier's encoder {self.graph} does not exist: run "
                              "`benefits-qa train-safety`, or unset BENEFITS_QA_SAFETY_MODEL for the one that ships.")
        if digest and file_digest(self.graph) != digest:
            raise ConfigError(f"The safety classifier's encoder {self.graph} is not the one its model file was "
                              "trained with: run `benefits-qa train-safety` to write both again.")

    @cached_property
    def session(self):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one message at a time; the app's other sessions use the other core
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return onnxruntime.InferenceSession(str(self.graph), options, providers=["CPUExecutionProvider"])

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(BUNDLED_EMBEDDER / "tokenizer.json"))  # the base model's
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()
        return tokenizer

    def probabilities(self, message: str) -> np.ndarray:
        rows = []
        for window in message_windows(message):
            encoding = self.tokenizer.encode(window)
            feed = {"input_ids": np.array([encoding.ids], dtype=np.int64),
                    "attention_mask": np.array([encoding.attention_mask], dtype=np.int64)}
            rows.append(_softmax(self.session.run(None, feed)[0][0]))
        return np.stack(rows) if rows else np.zeros((0, 0))


# Training ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FineTuning:
    """How the encoder is trained: 3 epochs at 5e-5 fitted the development sets without
    over-fitting their out-of-split part (README, Safety)."""

    epochs: int = 3
    learning_rate: float = 5e-5
    batch_size: int = 16
    max_tokens: int = 160  # training messages are short; long ones are read in windows at run time
    seed: int = 0


def _classifier_module(classes: int):
    import torch
    from transformers import AutoModel

    class MeanPooledClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base_model_dir()), local_files_only=True,
                                                     attn_implementation="eager")
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, classes)

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    return MeanPooledClassifier()


def fine_tune(texts: list[str], labels: list[int], classes: int, target: Path, settings: FineTuning = FineTuning(),
              log=lambda line: None) -> None:
    """Train on (text, label index) pairs and write the int8 ONNX graph to `target` (atomically).
    Classes are weighted by the square root of their rarity: full balancing made ordinary
    messages with a sad word too costly to call ordinary."""
    import torch
    from transformers import AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a bar per weight load, in a command that prints its own progress
    torch.manual_seed(settings.seed)
    shuffle = random.Random(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()), local_files_only=True)
    model = _classifier_module(classes)
    y = np.asarray(labels)
    counts = np.bincount(y, minlength=classes)
    weights = torch.tensor(np.sqrt(len(y) / (classes * np.maximum(counts, 1))), dtype=torch.float32)
    loss_of = torch.nn.CrossEntropyLoss(weight=weights)
    order = list(range(len(texts)))
    steps = max(settings.epochs * math.ceil(len(order) / settings.batch_size), 1)
    warmup = max(int(0.1 * steps), 1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / (steps - warmup + 1)))
    for epoch in range(settings.epochs):
        shuffle.shuffle(order)
        model.train()
        total = 0.0
        for start in range(0, len(order), settings.batch_size):
            rows = order[start:start + settings.batch_size]
            batch = tokenizer([texts[r] for r in rows], padding=True, truncation=True,
                              max_length=settings.max_tokens, return_tensors="pt")
            loss = loss_of(model(batch["input_ids"], batch["attention_mask"]), torch.as_tensor(y[rows]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += loss.item() * len(rows)
        log(f"  encoder epoch {epoch + 1}/{settings.epochs}: loss {total / max(len(order), 1):.4f}")
    model.eval()
    _export(model, tokenizer, Path(target))


def _export(model, tokenizer, target: Path) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from core.onnx_model import _quiet_logging

    sample = tokenizer(["an example message", "short"], padding=True, return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        plain, final = Path(tmp) / "plain.onnx", Path(tmp) / "int8.onnx"
        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                "logits": {0: "batch"}}
        with warnings.catch_warnings(), torch.no_grad():  # tracer warnings about shapes are expected
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (sample["input_ids"], sample["attention_mask"]), str(plain),
                              input_names=["input_ids", "attention_mask"], output_names=["logits"],
                              dynamic_axes=axes, opset_version=17, dynamo=False)
        with _quiet_logging():  # its advice to pre-process applies to vision models
            quantize_dynamic(str(plain), str(final), weight_type=QuantType.QInt8, per_channel=True)
        final.replace(target)  # readers see no file or a whole one

"""The embedding model on ONNX Runtime: exported once from the local sentence-transformers folder,
optionally quantised to int8, then run without torch.

Why: on 2 CPU cores the int8 model embeds 2 to 2.7 times as many chunks per second as torch, a
single question in a few ms instead of about 12, and a serving process that finds the exported file
never imports torch (faster start, less memory). `bench/embed_backends.py` measures it.

The export needs torch and onnx and takes a few seconds; the file is cached under
`model_cache_dir`, keyed by the model folder's contents, so a changed model is exported again.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from functools import cached_property
from pathlib import Path

import numpy as np

from rag.errors import ConfigError

# The model folder files that decide the exported graph: a change in any of them means a new export.
_KEY_FILES = ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json",
              "sentence_bert_config.json", "1_Pooling/config.json")
EXPORT_FORMAT = 2  # bump when the export recipe changes, so cached files are rebuilt


def model_key(model_dir: Path, quantized: bool) -> str:
    digest = hashlib.sha256(f"{EXPORT_FORMAT}:{quantized}".encode())
    for name in _KEY_FILES:
        path = model_dir / name
        if path.exists():
            stat = path.stat()  # size and mtime: hashing 90 MB of weights on every start costs 0.2 s
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _pooling(model_dir: Path) -> str:
    config_file = model_dir / "1_Pooling" / "config.json"
    if not config_file.exists():
        return "mean"
    config = json.loads(config_file.read_text())
    if config.get("pooling_mode_mean_tokens"):
        return "mean"
    if config.get("pooling_mode_cls_token"):
        return "cls"
    raise ConfigError(f"The ONNX backend supports mean or CLS pooling only; {model_dir} uses another. "
                      "Set BENEFITS_QA_EMBED_BACKEND=torch.")


def _max_length(model_dir: Path) -> int:
    config_file = model_dir / "sentence_bert_config.json"
    if config_file.exists():
        return int(json.loads(config_file.read_text()).get("max_seq_length", 256))
    return 256


def export(model_dir: Path, target: Path, quantized: bool) -> None:
    """Write the transformer of `model_dir` as an ONNX graph to `target` (atomically)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    sample = tokenizer(["an example sentence", "short"], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

    class LastHiddenState(torch.nn.Module):  # keyword inputs: the model's positional order varies
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return self.inner(**dict(zip(names, inputs))).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        plain = Path(tmp) / "model.onnx"
        axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
        with warnings.catch_warnings():  # tracer warnings about shapes are expected for this graph
            warnings.simplefilter("ignore")
            torch.onnx.export(LastHiddenState(model), tuple(sample[n] for n in names), str(plain),
                              input_names=names, output_names=["last_hidden_state"], dynamic_axes=axes,
                              opset_version=17, dynamo=False)
        if quantized:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            final = Path(tmp) / "model-int8.onnx"
            logging.disable(logging.WARNING)  # its advice to pre-process applies to vision models
            try:
                quantize_dynamic(str(plain), str(final), weight_type=QuantType.QInt8, per_channel=True)
            finally:
                logging.disable(logging.NOTSET)
        else:
            final = plain
        os.replace(final, target)  # readers see no file or a whole one


class OnnxEncoder:
    """Tokenise, run the graph, pool, normalise: what sentence-transformers does, minus torch."""

    def __init__(self, model_dir: str, cache_dir: Path, quantized: bool, threads: int = 0):
        self.model_dir = Path(model_dir)
        self.quantized = quantized
        name = "model-int8.onnx" if quantized else "model.onnx"
        self.path = Path(cache_dir) / "onnx" / model_key(self.model_dir, quantized) / name
        self.threads = threads
        self.pooling = _pooling(self.model_dir)
        self.max_length = _max_length(self.model_dir)

    @cached_property
    def session(self):
        import onnxruntime

        if not self.path.exists():
            export(self.model_dir, self.path, self.quantized)
        options = onnxruntime.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = self.threads
        options.log_severity_level = 3  # warnings about unused initialisers are noise here
        return onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        # Some tokenizer.json files pad and truncate to a fixed length; pad to the batch's longest.
        tokenizer.enable_truncation(self.max_length)
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0)
        return tokenizer

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        wanted = {i.name for i in self.session.get_inputs()}
        # Texts of similar length batched together need little padding (as sentence-transformers does).
        order = np.argsort([-len(t) for t in texts], kind="stable")
        texts = [texts[i] for i in order]
        out = []
        for first in range(0, len(texts), batch_size):
            encodings = self.tokenizer.encode_batch(texts[first:first + batch_size])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask,
                    "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}
            hidden = self.session.run(None, {k: v for k, v in feed.items() if k in wanted})[0]
            if self.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out.append(pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12))
        vectors = np.empty((len(texts), out[0].shape[1]), dtype=np.float32)
        vectors[order] = np.vstack(out)
        return vectors

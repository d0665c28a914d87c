"""The embedding model on ONNX Runtime: exported once from the local sentence-transformers folder,
optionally quantised to int8, then run without torch.

Why: on 2 CPU cores the int8 model embeds several times as many chunks per second as torch, a
single question in a few ms instead of about 12, and a serving process that finds the exported file
never imports torch (faster start, less memory). `bench/embed_backends.py` measures it.

Two choices make it fast on a small CPU (measured on the default corpus, 2 cores):
- BERT-type graphs are fused by ONNX Runtime's transformer optimizer (one Attention node per
  layer, fused layer norms and GELU) before quantisation: about 15% faster.
- Each text runs alone, one single-threaded run per core, instead of padded batches on all
  cores: about 1.5 times faster, no padding work at all, and with int8 a text's vector no longer
  depends on which texts shared its batch (dynamic quantisation scales by the whole input).

The default model ships exported: core/data/embedder holds the int8 graph of all-MiniLM-L6-v2 with
its tokenizer and pooling files, so serving needs neither torch nor the model's weights. Rebuild it
with `make embedder` (the `torch` extra) after a change to the export recipe; a test checks that
the shipped graph still equals a fresh export. Another model folder is exported on first use (torch
and onnx, a few seconds) and cached under `model_cache_dir`, keyed by the folder's contents.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import numpy as np

from core.errors import ConfigError

# The model folder files that decide the exported graph: a change in any of them means a new export.
_KEY_FILES = ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json",
              "sentence_bert_config.json", "1_Pooling/config.json")
EXPORT_FORMAT = 3  # bump when the export recipe changes, so cached files are rebuilt


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
    # Eager attention exports the textbook attention pattern, which the optimizer can fuse.
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()
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
        graph = _fused(plain, model.config, tokenizer) or plain
        if quantized:
            import onnx
            from onnxruntime.quantization import QuantType, quantize_dynamic

            final = Path(tmp) / "model-int8.onnx"
            with _quiet_logging():  # its advice to pre-process applies to vision models
                # Fused nodes are from another op domain; shape inference needs telling they are float.
                quantize_dynamic(str(graph), str(final), weight_type=QuantType.QInt8, per_channel=True,
                                 extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        else:
            final = graph
        os.replace(final, target)  # readers see no file or a whole one


@contextmanager
def _quiet_logging():
    """Silence ONNX Runtime's tools, and undo the root handler that their module-level logging
    calls install (basicConfig): left in place it would print every library's debug messages."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        root.handlers[:] = handlers
        root.setLevel(level)


def _fused(plain: Path, config, tokenizer) -> Path | None:
    """The graph with ONNX Runtime's BERT fusions, written beside `plain`, or None where they do not
    apply (another architecture) or would change the output (checked on sample texts)."""
    if getattr(config, "model_type", "") != "bert":
        return None
    import onnxruntime
    from onnxruntime.transformers.optimizer import optimize_model

    fused = plain.with_name("model-fused.onnx")
    try:
        with _quiet_logging():
            optimize_model(str(plain), model_type="bert", num_heads=config.num_attention_heads,
                           hidden_size=config.hidden_size).save_model_to_file(str(fused))
    except Exception:  # noqa: BLE001  (an optimizer that cannot handle the graph: keep the plain one)
        return None
    sample = tokenizer(["Short-term disability pays 60% of base pay after a 7-day waiting period.", "COBRA"],
                       padding=True, return_tensors="np")
    outputs = []
    for path in (plain, fused):
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        wanted = {i.name for i in session.get_inputs()}
        outputs.append(session.run(None, {k: v.astype(np.int64) for k, v in sample.items() if k in wanted})[0])
    return fused if np.allclose(outputs[0], outputs[1], atol=1e-3) else None


class OnnxEncoder:
    """Tokenise, run the graph, pool, normalise: what sentence-transformers does, minus torch."""

    def __init__(self, model_dir: str, cache_dir: Path, quantized: bool, threads: int = 0):
        self.model_dir = Path(model_dir)
        self.quantized = quantized
        name = "model-int8.onnx" if quantized else "model.onnx"
        shipped = self.model_dir / name  # a folder that carries its own export (the bundled model)
        self.path = shipped if shipped.exists() else Path(cache_dir) / "onnx" / model_key(self.model_dir, quantized) / name
        self.threads = threads or len(os.sched_getaffinity(0))  # texts run at once, one core each
        self.pooling = _pooling(self.model_dir)
        self.max_length = _max_length(self.model_dir)

    @cached_property
    def session(self):
        import onnxruntime

        if not self.path.exists():
            export(self.model_dir, self.path, self.quantized)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # parallel across texts (see encode), not inside one
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initialisers are noise here
        return onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        # Some tokenizer.json files pad and truncate to a fixed length. Each text runs alone here, so
        # nothing is padded; truncation is the model's own limit.
        tokenizer.enable_truncation(self.max_length)
        tokenizer.no_padding()
        return tokenizer

    @cached_property
    def _pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self.threads, thread_name_prefix="onnx-embed")

    @cached_property
    def _inputs(self) -> set[str]:
        return {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised vectors of `texts`, in order. Each text is one run (a batch of one); runs are
        spread over a thread per core, longest first so that no core is left with a long tail."""
        encodings = self.tokenizer.encode_batch(texts)
        if len(encodings) == 1:
            return self._vector(encodings[0])[None, :]
        order = sorted(range(len(encodings)), key=lambda i: -len(encodings[i].ids))
        done = np.stack(list(self._pool.map(self._vector, [encodings[i] for i in order])))
        vectors = np.empty_like(done)
        vectors[order] = done
        return vectors

    def _vector(self, encoding) -> np.ndarray:
        feed = {"input_ids": encoding.ids, "attention_mask": encoding.attention_mask,
                "token_type_ids": encoding.type_ids}
        feed = {k: np.array([v], dtype=np.int64) for k, v in feed.items() if k in self._inputs}
        hidden = self.session.run(None, feed)[0][0]  # (tokens, dimensions); no padding to mask out
        pooled = hidden[0] if self.pooling == "cls" else hidden.mean(axis=0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)


# The files, besides the graph, that OnnxEncoder and TokenCounter read from a model folder.
BUNDLE_FILES = ("tokenizer.json", "sentence_bert_config.json", "1_Pooling/config.json")


def bundle(model_dir: Path, target: Path) -> None:
    """Write the int8 export of `model_dir`, with the files that run it, into `target`."""
    for name in BUNDLE_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(model_dir / name, target / name)
    export(model_dir, target / "model-int8.onnx", quantized=True)


if __name__ == "__main__":  # make embedder: rebuild the shipped model from the packaged weights
    from core.config import BUNDLED_EMBEDDER, packaged_weights

    bundle(Path(packaged_weights()), BUNDLED_EMBEDDER)
    print(f"wrote {BUNDLED_EMBEDDER}")

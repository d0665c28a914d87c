"""The embedding model, loaded once and lazily, and a word-piece counter that needs no torch."""
from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

import numpy as np

from core.config import BUNDLED_EMBEDDER, Settings, packaged_weights
from core.errors import ConfigError


class TokenCounter:
    """Counts the model's word pieces (without [CLS]/[SEP]) using its fast tokenizer file."""

    def __init__(self, model_path: str):
        from tokenizers import Tokenizer

        tokenizer_file = Path(model_path) / "tokenizer.json"
        if not tokenizer_file.exists():
            raise ConfigError(f"No tokenizer.json in {model_path}: set BENEFITS_QA_EMBED_MODEL to a "
                              "sentence-transformers model folder.")
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()  # some tokenizer.json files pad every input to a fixed length

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def count_many(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self._tokenizer.encode_batch(texts, add_special_tokens=False)]


def resolved_backend(settings: Settings) -> str:
    """The backend that will really run: "torch-cuda" when the device is (or resolves to) a GPU."""
    device = settings.embed_device
    if device == "auto":
        try:
            import torch
        except ModuleNotFoundError:  # the light install: no torch, so no GPU to use
            device = "cpu"
        else:
            device = "cuda" if torch.cuda.is_available() else "cpu"
    return "torch-cuda" if device == "cuda" else settings.embed_backend


def model_id(settings: Settings) -> str:
    """What the ledger records about the vectors: another model or backend means re-embedding.
    torch on a GPU (fp16) and on the CPU give the same vectors to four decimals; int8 does not."""
    backend = resolved_backend(settings).replace("torch-cuda", "torch")
    return f"{settings.embed_model or 'all-MiniLM-L6-v2 (bundled)'} [{backend}]"


class Embedder:
    """The embedding model; normalised vectors, so a dot product is the cosine similarity.

    Backends: "onnx-int8" and "onnx" run an exported copy of the model on ONNX Runtime (CPU);
    "torch" runs it through sentence-transformers, on the CPU or a CUDA GPU (embed_device).
    A CUDA device always uses torch: the ONNX backends here are CPU-only.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()

    @cached_property
    def backend(self) -> str:
        return resolved_backend(self.settings)

    @cached_property
    def model(self):
        path = self.settings.embed_model_path
        if self.backend == "torch-cuda" and Path(path) == BUNDLED_EMBEDDER:  # "auto" found a GPU: the weights
            path = packaged_weights()
        if not Path(path).exists():
            raise ConfigError(f"Embedding model folder {path} does not exist; set BENEFITS_QA_EMBED_MODEL "
                              "to a local sentence-transformers model (nothing is downloaded).")
        if self.backend.startswith("onnx"):
            from core.onnx_model import OnnxEncoder

            encoder = OnnxEncoder(path, self.settings.model_cache_dir, quantized=self.backend == "onnx-int8")
            encoder.session  # export (first time) and load now, not inside the first question
            return encoder
        try:
            from sentence_transformers import SentenceTransformer
        except ModuleNotFoundError:
            raise ConfigError("The torch backend needs the torch extra: pip install -e '.[torch]'.") from None

        model = SentenceTransformer(path, device="cuda" if self.backend == "torch-cuda" else "cpu",
                                    local_files_only=True)
        if self.backend == "torch-cuda":
            model.half()  # fp16 on a GPU: about twice the throughput, the same rankings
        return model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._lock:  # one encode at a time: the backend already uses every core for one call
            if self.backend.startswith("onnx"):
                return self.model.encode(texts)
            vectors = self.model.encode(texts, batch_size=self.settings.embed_batch_size,
                                        normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False)
        return vectors.astype(np.float32)

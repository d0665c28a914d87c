"""The embedding model, loaded once and lazily, and a word-piece counter that needs no torch."""
from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.errors import ConfigError


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


class Embedder:
    """Sentence-transformers model; normalised vectors, so a dot product is the cosine similarity."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()

    @cached_property
    def model(self):
        from sentence_transformers import SentenceTransformer

        device = self.settings.embed_device
        if device == "auto":
            import torch
            device = "cuda" if torch.cuda.is_available() else "cpu"
        path = self.settings.embed_model_path
        if not Path(path).exists():
            raise ConfigError(f"Embedding model folder {path} does not exist; set BENEFITS_QA_EMBED_MODEL "
                              "to a local sentence-transformers model (nothing is downloaded).")
        return SentenceTransformer(path, device=device, local_files_only=True)

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        with self._lock:  # one encode at a time: torch already uses both cores for one batch
            vectors = self.model.encode(texts, batch_size=self.settings.embed_batch_size,
                                        normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False)
        return vectors.astype(np.float32)

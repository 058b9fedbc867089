"""The library's front door: load once, then question (+ conversation) → Answer.

The CLI and the Streamlit app are thin shells over `Assistant`. A question goes through the
steps in order, each its own module: understand (the reading) → retrieve (passages) →
evidence (candidate sentences) → abstain (covered or not) → answer (typed blocks).
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import replace
from typing import Sequence

from . import lexical, retrieve, understand, vocabulary
from .abstain import Assessor
from .answer import Answer, Prose, compose
from .config import Settings
from .embed import BertQueryEncoder, Embedder, load_query_encoder
from .errors import IndexProblem, QuestionRejected
from .evidence import Evidence
from .store import IndexStatus, current_build, index_status, read_index
from .tableanswer import answer_table_query
from .understand import Query, Turn


def clean_question(question: object, max_chars: int) -> str:
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


def turn_of(answer: Answer) -> Turn:
    """What a later question needs of this answer."""
    table_query = answer.table.query if answer.table is not None else None
    leading = answer.table.values[:1] if table_query is not None and table_query.order in ("most", "fewest") else ()
    quoted = tuple(quote.text for block in answer.blocks if isinstance(block, Prose) for quote in block.quotes)
    cited = tuple(dict.fromkeys([*answer.key_refs, *(citation.ref for citation in answer.citations)]))
    return Turn(answer.question, answer.interpreted, table_query, answer.reading.references, leading, cited, quoted)


class Assistant:
    """Holds the model and the index; answers questions; switches to a new build between questions."""

    def __init__(self, settings: Settings, embedder: Embedder | BertQueryEncoder | None = None, strict: bool = False,
                 remembered_answers: int = 0):
        """`strict`: an out-of-date index is refused (for CI) instead of served with a warning. `remembered_answers`:
        how many answers to keep for questions read the same way again (a server where many ask the same example
        questions); 0, the default, answers every question afresh (so measurements time the whole work)."""
        self.settings = settings
        self.strict = strict
        self._remembered: OrderedDict[tuple, Answer] = OrderedDict()
        self._remember_at_most = remembered_answers
        self._underway: dict[tuple, threading.Event] = {}  # answers being worked out for a key, by whoever asked first
        self._remembered_lock = threading.Lock()  # not the reload lock: a reload must not hold up remembered answers
        status = self._check()
        self.embedder = embedder or load_query_encoder(settings.embed)
        self._lock = threading.Lock()
        self._load(status)
        # Why the index on disk is not the build being served ("" when it is): set by reload_if_changed, for a banner.
        self.reload_problem = ""

    def _check(self) -> IndexStatus:
        status = index_status(self.settings)
        if not status.ok or (self.strict and status.stale):
            raise IndexProblem(status.refusal)
        return status

    def _load(self, status: IndexStatus) -> None:
        index = read_index(self.settings.index_dir)
        if index.manifest.dimension != self.embedder.dimension:
            raise IndexProblem(
                f"The index was built with model '{index.manifest.model}' ({index.manifest.dimension} dimensions), "
                f"not '{self.settings.embed.model}' ({self.embedder.dimension}); rebuild it with: reviewqa build"
            )
        evidence = Evidence(index)
        # One assignment, so a question in flight keeps the build it started with.
        self.loaded = (evidence, Assessor(evidence, self.settings.answer), status)

    @property
    def evidence(self) -> Evidence:
        return self.loaded[0]

    @property
    def status(self) -> IndexStatus:
        """The index's state as checked when it was loaded: current, or out of date (served with a warning)."""
        return self.loaded[2]

    def reload_if_changed(self) -> bool:
        """Switch to a newer build between questions; True when it switched.

        When the index on disk cannot be served — CURRENT damaged or gone, a new build that is damaged or built with
        another model — the build in use keeps answering and `reload_problem` says so in one sentence that names the
        repairing command (the app shows it as a banner); it is "" again once the index on disk is the one served."""
        held = self.evidence.index.manifest.build_id
        try:
            if current_build(self.settings.index_dir) == held:
                self.reload_problem = ""
                return False
            with self._lock:
                self._load(self._check())
        except IndexProblem as problem:
            self.reload_problem = f"{problem} — until then, answers come from build {held}, loaded earlier."
            return False
        self.reload_problem = ""
        return True

    def query(self, reading: understand.Reading, abbreviations: dict[str, str]) -> Query:
        """The reading with its words (expanded with the field's vocabulary) and its vectors, in one batch: the reading
        as written (for passages), reworded (for sentences: abbreviations spelled out), and each part's, reworded."""
        # A part alone often lacks its subject ("list the mechanisms"): it is embedded with its question around it.
        texts = [reading.text, vocabulary.reworded(reading.text, abbreviations),
                 *(vocabulary.reworded(f"{part} ({reading.text})", abbreviations) for part in reading.parts)]
        unique = list(dict.fromkeys(texts))  # a question with nothing to reword is embedded once
        vectors = self.embedder.encode(unique)[[unique.index(text) for text in texts]]
        words = lambda text: tuple(lexical.tokenize(vocabulary.expand_query(text, abbreviations)))  # noqa: E731
        parts = tuple(Query(reading, words(part), vector, vector) for part, vector in zip(reading.parts, vectors[2:]))
        return Query(reading, words(reading.text), vectors[0], vectors[1], parts)

    def write(self, answer: Answer):
        """`answer` written by the configured model server, as a reviewqa.written.WrittenAnswerStream
        (iterate for the text as it arrives, then .finish()); None when no server is configured."""
        if not self.settings.llm.enabled:
            return None
        from .written import evidence_from_answer, write_answer  # only with a model server: it imports the openai client

        return write_answer(evidence_from_answer(answer), self.settings.llm, self.embedder)

    def ask(self, question: str, history: Sequence[Turn] = (), k: int | None = None,
            kinds: frozenset[str] | None = None) -> Answer:
        started = time.perf_counter()
        question = clean_question(question, self.settings.answer.max_question_chars)
        evidence, assessor, _ = self.loaded  # one build for the whole question, even if a reload happens meanwhile
        reading = understand.read(question, history, evidence.references, evidence.never_corrected)
        # The same reading of the same build with the same options is the same answer: a question asked again (or read,
        # with its conversation, as one asked before) is not worked out again.
        key = (evidence.index.manifest.build_id, reading, k, kinds)
        remembered = self._recall(key)
        if remembered is not None:
            total = round((time.perf_counter() - started) * 1000, 3)
            return replace(remembered, timings_ms={"retrieve": 0.0, "answer": total, "total": total})
        answer = None
        try:
            answer = self._work_out(reading, evidence, assessor, k, kinds, started)
        finally:
            self._remember(key, answer)
        return answer

    def conversation(self, history: Sequence[str | Turn]) -> list[Turn]:
        """The turns of a conversation given as its earlier questions (each answered again in its own context, as in a
        chat) or as turns already worked out; an earlier question that cannot be asked is left out."""
        turns: list[Turn] = []
        for earlier in history:
            if isinstance(earlier, Turn):
                turns.append(earlier)
                continue
            try:
                turns.append(turn_of(self.ask(earlier, turns)))
            except QuestionRejected:
                continue
        return turns

    def _work_out(self, reading: understand.Reading, evidence: Evidence, assessor: Assessor, k: int | None,
                  kinds: frozenset[str] | None, started: float) -> Answer:
        settings = self.settings
        query = self.query(reading, evidence.shortenings)
        table = answer_table_query(reading.table, evidence.tables) if reading.table is not None else None
        if table is not None and not table.count and reading.table_fallback is not None:
            # Then the answer says that none match all first, and shows those matching what the follow-up itself names.
            fallback = answer_table_query(reading.table_fallback, evidence.tables)
            table = replace(fallback, summary=f"{table.summary} {fallback.summary}") if fallback.count else table
        rows = set(table.row_ids) if table is not None else set()
        pinned = frozenset(i for i, c in enumerate(evidence.index.chunks) if c.kind == "table_row" and (c.table, c.row) in rows)
        hits = retrieve.search(query, evidence, settings.retrieval, k=k, kinds=kinds, pinned=pinned)
        retrieved = time.perf_counter()
        candidates = evidence.candidates(query, [hit.position for hit in hits[: settings.answer.passages]], settings.answer)
        coverage = assessor.assess(query, hits, candidates)
        answer = compose(query, hits, candidates, coverage, table, evidence, settings.answer)
        done = time.perf_counter()
        timings = {
            "retrieve": round((retrieved - started) * 1000, 3),
            "answer": round((done - retrieved) * 1000, 3),
            "total": round((done - started) * 1000, 3),
        }
        return replace(answer, timings_ms=timings)

    def _recall(self, key: tuple) -> Answer | None:
        """The answer remembered for `key`; or None, and then the caller works it out and hands it to _remember —
        meanwhile anyone asking the same waits for it rather than working it out twice."""
        if not self._remember_at_most:
            return None
        while True:
            with self._remembered_lock:
                answer = self._remembered.get(key)
                if answer is not None:
                    self._remembered.move_to_end(key)
                    return answer
                underway = self._underway.get(key)
                if underway is None:
                    self._underway[key] = threading.Event()
                    return None
            underway.wait()  # then remembered (or, if working it out failed, this caller tries)

    def _remember(self, key: tuple, answer: Answer | None) -> None:
        if not self._remember_at_most:
            return
        with self._remembered_lock:
            if answer is not None:
                self._remembered[key] = answer
                while len(self._remembered) > self._remember_at_most:
                    self._remembered.popitem(last=False)
            underway = self._underway.pop(key, None)
        if underway is not None:
            underway.set()

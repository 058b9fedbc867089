"""The loaded index arranged for answering, once per build: the quotable sentences with their
words, citations and section, the passages citing each reference, and the review's vocabulary.

Retrieval ranks passages; answering quotes sentences. Both need the same facts about every
sentence (its words, what it cites, whether it is administrative text), so they are computed
here when an index is loaded rather than on every question.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import cached_property
from operator import attrgetter
from typing import Callable, Iterable, Sequence, TypeVar

import numpy as np

from . import lexical
from .vocabulary import field_words, spelled_out
from .config import AnswerSettings
from .records import CITATION_RE, Chunk, Reference, Table, expand_citations
from .store import IndexData
from .understand import ADMIN_SECTIONS, METHODS_SECTIONS, Query, cited_words

T = TypeVar("T")

# The section gate of a sentence: administrative text is never quoted unless asked about by name;
# the review's methods only when the question is about them.
ADMIN, METHODS = "admin", "methods"
_QUOTABLE_KINDS = ("prose", "abstract", "table_row")


def asked_as(chunk: Chunk) -> str:
    """The name under which a question asks for this passage's section ("— notes" under a table define abbreviations)."""
    return "Abbreviations" if chunk.section.endswith("— notes") else chunk.section


def section_gate(chunk: Chunk) -> str:
    if chunk.kind == "prose" and asked_as(chunk) in ADMIN_SECTIONS:
        return ADMIN
    if chunk.kind == "prose" and chunk.section in METHODS_SECTIONS:
        return METHODS
    return ""


def unasked_admin(chunk: Chunk, asked: frozenset[str]) -> bool:
    """Administrative text the question does not ask about by name."""
    return section_gate(chunk) == ADMIN and asked_as(chunk) not in asked


# What states what a thing is ("NOA … manifests as the absence of spermatozoa", "The MSCs are multipotent … cells").
_DEFINES_TERM = re.compile(r"\b(?:is|are) (?:an?|the|one|multipotent|pluripotent|unipotent|totipotent)\b|\b(?:manifests? as|"
                           r"(?:is|are) (?:defined|classified|divided|considered) (?:as|by|into)|refers? to|means?|"
                           r"(?:is|are) (?:characteri[sz]ed by|known as|called|made (?:up )?of)|consists? of)\b")
# The term is the subject when it opens the sentence or comes right before what says what it is ("Non-obstructive
# azoospermia (NOA) is a…"), not when it ends a clause before it ("…10% of infertility cases and manifests as…").
_SUBJECT_WORDS = 4
_SUBJECT_LAST_WORDS = 2
# Words of the field's subject, too general to name a term or a list's items on their own ("what are MSCs?" names
# MSCs by them all; "how many MSCs…" is not counted by a list of what MSCs do).
FIELD_SUBJECT_WORDS = frozenset(lexical.tokenize("msc mscs mesenchymal stromal stem cell cells"))


# Fewer items joined by commas after a colon are a phrase, not a list to count; and a colon opens a list to count only
# when the words before it announce one ("the following markers…:").
_LISTED_AT_LEAST = 4
_ANNOUNCES_LIST = re.compile(r"\b(?:following|as follows|includ\w*)\b", re.IGNORECASE)


def list_opening(text: str) -> str:
    """What a sentence opening a list says before its items: before "(1)" of a numbered list, or before the colon of
    one whose items follow it ("the following markers…: CD105, CD106, …, and α-SMA"); "" for no list."""
    if "(1)" in text:
        return text.split("(1)")[0]
    head, _, tail = text.partition(":")
    return head if _ANNOUNCES_LIST.search(head) and colon_items(tail) >= _LISTED_AT_LEAST else ""


def colon_items(tail: str) -> int:
    """How many items the text after a list's colon gives, joined by commas and a last "and"."""
    if "," not in tail:
        return 0
    return sum(1 for item in re.split(r",\s*(?:and\s+)?|\s+and\s+", CITATION_RE.sub("", tail).strip(" .;")) if item.strip())


def each_text_once(items: Iterable[T], text: Callable[[T], str] = attrgetter("text")) -> list[T]:
    """The items in their order, each text kept once (its first): passages overlap, so one sentence of the review
    comes from two of them."""
    seen: set[str] = set()
    kept = []
    for item in items:
        if text(item) not in seen:
            seen.add(text(item))
            kept.append(item)
    return kept


@dataclass(frozen=True)
class Sentence:
    """A unit an answer may quote: a sentence of prose or of an abstract, or a whole table row."""

    row: int  # its row in the index's sentence vectors
    chunk: int  # position of its passage in the index
    number: int  # its place in the passage
    text: str
    words: frozenset[str]  # lexical tokens
    refs: tuple[int, ...]  # the references it cites (an abstract sentence: the work it belongs to)
    gate: str  # "", ADMIN or METHODS


def _sentence_refs(chunk: Chunk, text: str) -> tuple[int, ...]:
    if chunk.kind == "abstract":
        return (chunk.ref,) if chunk.ref else ()
    if chunk.kind == "table_row":
        return chunk.refs
    return expand_citations(text)


@dataclass(frozen=True)
class ScoredSentence:
    score: float
    sentence: Sentence
    similarity: float  # cosine with the question (abbreviations spelled out)
    overlap: float  # IDF-weighted share of the question's words the sentence uses


# A name of three or more capitalised words, perhaps joined by "of" or "for" ("Iranian Registry of Clinical Trials"); not
# one cut at a hyphen ("Post-Doc").
_CAPITALISED_NAME = re.compile(r"\b[A-Z][a-z]+(?: (?:(?:of|for|the) )?[A-Z][a-z]+){2,}\b(?!-)")


class Evidence:
    """Everything answering needs about one loaded index."""

    def __init__(self, index: IndexData):
        self.index = index
        self.references: dict[int, Reference] = {ref.number: ref for doc in index.documents for ref in doc.references}
        self.tables: list[Table] = [table for doc in index.documents for table in doc.tables]
        self.abbreviations: dict[str, str] = {k: v for doc in index.documents for k, v in doc.abbreviations.items()}
        self.sentences: list[Sentence] = []
        self.by_chunk: dict[int, list[Sentence]] = {}
        row = 0
        for position, chunk in enumerate(index.chunks):
            for number, text in enumerate(chunk.sentences):
                sentence = Sentence(row, position, number, text, frozenset(lexical.tokenize(text)),
                                    _sentence_refs(chunk, text), section_gate(chunk))
                self.sentences.append(sentence)
                self.by_chunk.setdefault(position, []).append(sentence)
                row += 1
        document_frequency: dict[str, int] = {}
        for sentence in self.sentences:
            for word in sentence.words:
                document_frequency[word] = document_frequency.get(word, 0) + 1
        total = len(self.sentences) or 1
        # Smoothed inverse document frequency over sentences: rare words weigh more in word overlap.
        self.idf = {word: math.log(1 + total / count) for word, count in document_frequency.items()}
        self._default_idf = math.log(1 + total)
        self._definitions: dict[str, list[Sentence]] = {}

    @cached_property
    def citing(self) -> dict[int, list[int]]:
        """Reference number → positions of the passages (text, table rows, abstracts) that cite it."""
        found: dict[int, list[int]] = {}
        for position, chunk in enumerate(self.index.chunks):
            if chunk.kind != "reference":
                for ref in chunk.refs:
                    found.setdefault(ref, []).append(position)
        return found

    @cached_property
    def shortenings(self) -> dict[str, str]:
        """The review's abbreviations, and the initials of the names it writes out but never shortens, as users shorten
        them ("NLM": National Library of Medicine; "IRCT": Iranian Registry of Clinical Trials)."""
        found: dict[str, str] = {}
        for sentence in self.sentences:
            if self.index.chunks[sentence.chunk].kind not in ("reference", "table_row"):
                for name in _CAPITALISED_NAME.findall(sentence.text):
                    found.setdefault("".join(word[0] for word in name.split() if word[0].isupper()), name)
        return {**found, **self.abbreviations}

    @cached_property
    def content_words(self) -> frozenset[str]:
        """The words of what the review says (text, tables, abstracts), not of its bibliography: a term
        that only occurs in a cited title is not something the review discusses."""
        return frozenset(word for sentence in self.sentences if self.index.chunks[sentence.chunk].kind != "reference"
                         for word in sentence.words)

    @cached_property
    def content_surface_words(self) -> frozenset[str]:
        """Lower-cased words as written in what the review says (not its bibliography), for recognising typing slips
        and parts of words."""
        return frozenset(word for chunk in self.index.chunks if chunk.kind != "reference"
                         for word in re.findall(r"[a-z]{4,}", chunk.text.lower()))

    @cached_property
    def never_corrected(self) -> frozenset[str]:
        """The words a question's typing slips are never "corrected" from: the field's, the review's own and its cited
        works' (authors' names, title words)."""
        return field_words() | self.content_surface_words | cited_words(self.references)

    @cached_property
    def passage_words(self) -> list[frozenset[str]]:
        """Each passage's words with the abbreviations it uses spelled out ("With classical LS…" uses liposuction)."""
        return [frozenset(lexical.tokenize(spelled_out(chunk.text, self.abbreviations))) for chunk in self.index.chunks]

    @cached_property
    def topic_words(self) -> frozenset[str]:
        """Words of the review's title: the subject every passage shares, so they tell no two things apart."""
        return frozenset(word for doc in self.index.documents for word in lexical.tokenize(doc.title))

    @cached_property
    def identifier_prefixes(self) -> frozenset[str]:
        """The letters that start the review's identifiers, lower-cased ("nct" of NCT02041910): a question asking
        for "the NCT number" names them."""
        return frozenset(prefix.lower() for chunk in self.index.chunks for prefix in re.findall(r"\b([A-Z]{2,6})\d{4,}", chunk.text))

    @cached_property
    def bibliography_words(self) -> frozenset[str]:
        """Words of the reference list (titles, journals): what a question about the bibliography may use."""
        return frozenset(word for chunk in self.index.chunks if chunk.kind == "reference" for word in lexical.tokenize(chunk.text))

    @cached_property
    def author_names(self) -> frozenset[str]:
        """Lower-cased names of the cited works' authors: a question may name any of them."""
        return frozenset(word.lower() for reference in self.references.values()
                         for word in re.findall(r"[^\W\d_]{3,}", reference.authors))

    def weight(self, word: str) -> float:
        return self.idf.get(word, self._default_idf)

    def overlap(self, words: Iterable[str], sentence_words: frozenset[str]) -> float:
        """IDF-weighted share of `words` that `sentence_words` contains."""
        words = set(words)
        total = sum(self.weight(word) for word in words)
        return sum(self.weight(word) for word in words if word in sentence_words) / total if total else 0.0

    def overlaps(self, words: Iterable[str]) -> np.ndarray:
        """`overlap` of `words` with every sentence, in sentence order (the order of the index's sentence vectors)."""
        weights = {word: self.weight(word) for word in set(words)}
        total = sum(weights.values())
        shares = np.zeros(len(self.sentences))
        if total:
            for word, weight in weights.items():
                for row in self.rows_with.get(word, ()):
                    shares[row] += weight / total
        return shares

    @cached_property
    def rows_with(self) -> dict[str, list[int]]:
        """Word → the sentences (rows) that use it."""
        found: dict[str, list[int]] = {}
        for sentence in self.sentences:
            for word in sentence.words:
                found.setdefault(word, []).append(sentence.row)
        return found

    def score(self, query: Query, sentences: Sequence[Sentence], lexical_weight: float) -> list[ScoredSentence]:
        """Cosine with the question plus weighted word overlap, for each sentence; best first."""
        if not sentences:
            return []
        rows = np.fromiter((s.row for s in sentences), dtype=np.int64, count=len(sentences))
        similarities = self.index.sentence_vectors[rows] @ query.sentence_vector
        scored = []
        for sentence, similarity in zip(sentences, similarities):
            overlap = self.overlap(query.tokens, sentence.words)
            scored.append(ScoredSentence(float(similarity) + lexical_weight * overlap, sentence, float(similarity), overlap))
        scored.sort(key=lambda item: -item.score)
        return scored

    def candidates(self, query: Query, positions: Sequence[int], settings: AnswerSettings) -> list[ScoredSentence]:
        """The quotable sentences of the top passages at `positions` (best first, each text once: passages overlap),
        scored against the query, with a small preference for higher-ranked passages; the review's methods count less
        unless asked about."""
        asked = query.reading.asks_sections
        # A section asked for by name ("who funded the review?") competes with all its sentences, and leads.
        named = [i for i, chunk in enumerate(self.index.chunks) if chunk.kind == "prose" and asked_as(chunk) in asked]
        ranks = {position: rank for rank, position in enumerate(positions)}
        methods_asked = bool(set(METHODS_SECTIONS) & asked)
        scored = []
        for item in self.score(query, self.quotable(list(dict.fromkeys([*positions, *named])), asked), settings.lexical_weight):
            bonus = settings.rank_prior / (1 + ranks.get(item.sentence.chunk, len(positions)))
            if asked_as(self.index.chunks[item.sentence.chunk]) in asked:
                bonus += settings.asked_section_bonus
            if item.sentence.refs:
                bonus += settings.cited_bonus  # between near-equals, the sentence a reader can check
            penalty = settings.unasked_methods_penalty if item.sentence.gate == METHODS and not methods_asked else 0.0
            scored.append(replace(item, score=item.score + bonus - penalty))
        scored.sort(key=lambda item: -item.score)
        return each_text_once(scored, lambda item: item.sentence.text)

    @cached_property
    def prose_sentences(self) -> list[Sentence]:
        """The sentences of the review's own text (not tables, abstracts or administrative text), each text once."""
        return each_text_once(s for s in self.sentences if not s.gate and self.index.chunks[s.chunk].kind == "prose")

    @cached_property
    def row_words(self) -> frozenset[str]:
        """The words of the tables' rows: a term none of them uses ("miRNA") is told by the text alone."""
        return frozenset(word for s in self.sentences if self.index.chunks[s.chunk].kind == "table_row" for word in s.words)

    @cached_property
    def lists(self) -> list[Sentence]:
        """Sentences of the review's text that open a list ("…developed as follows: (1) retinoic acid, …", "the
        following markers…: CD105, CD106, …"): what a "how many…?" question may be answered by, however few of its
        words they share."""
        return [s for s in self.prose_sentences if list_opening(s.text)]

    def definitions(self, term: str) -> list[Sentence]:
        """The review's sentences stating what `term` is: its words (abbreviations spelled out) are the subject of "is
        a…", "manifests as…", "is defined by…", or, for an abbreviation, the sentence introducing it. A sentence merely
        using the term ("These indicators … determine the type of azoospermia") says nothing of what it is."""
        if term not in self._definitions:
            stems = set(lexical.tokenize(spelled_out(term, self.abbreviations)))
            specific = stems - FIELD_SUBJECT_WORDS or stems

            # An abbreviation is defined where it is introduced: "testicular sperm extraction (TESE)".
            parts = [part for part in re.split(r"[\s/-]+", term) if part]
            # … and so is a word of its own: "the specific microenvironment (niche)".
            introduced = [f"({part})" for part in parts] if all(part.rstrip("s").isupper() for part in parts) or len(parts) == 1 else []

            def defines(sentence: Sentence) -> bool:
                if introduced and all(marker in sentence.text for marker in introduced):
                    return True
                match = _DEFINES_TERM.search(sentence.text)
                subject = sentence.text[: match.start()].split() if match else []
                ends = " ".join(subject[:_SUBJECT_WORDS] + subject[-_SUBJECT_LAST_WORDS:])
                return bool(subject) and specific <= set(lexical.tokenize(spelled_out(ends, self.abbreviations)))

            self._definitions[term] = [s for s in self.prose_sentences if defines(s)]
        return self._definitions[term]

    def quotable(self, positions: Iterable[int], asked: frozenset[str]) -> list[Sentence]:
        """Sentences of these passages an answer may quote: administrative text only when the question asks for it by name."""
        found = []
        for position in positions:
            chunk = self.index.chunks[position]
            if chunk.kind not in _QUOTABLE_KINDS:
                continue
            if unasked_admin(chunk, asked):
                continue
            found.extend(self.by_chunk.get(position, ()))
        return found

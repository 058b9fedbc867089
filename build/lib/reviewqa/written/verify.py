"""A written answer, checked against the passages it was written from.

First, citation markers that name no passage the model was shown are removed and counted ("[99]" when no
passage carries 99, "[P30]" when there were 12). Then each sentence is checked against the passages it
cites. It is supported when

- every number it states stands in a cited passage (numbers are the claims a reader checks first, and
  the ones a model most often gets wrong), and
- its content words stand in the cited passages (at least MIN_TERM_SHARE of them, so a paraphrase that keeps
  the substance passes), or, where the wording differs more, a cited passage is the one nearest to the
  sentence by embedding among all the passages shown.

A sentence citing nothing is unsupported. A sentence's cited passages are taken together: one sentence
may join facts from two passages it cites, as the review itself does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from .. import lexical
from ..chunk import split_sentences
from ..records import CITATION_RE, expand_citations
from .context import NO_ANSWER, ContextItem, Label, PackedContext, passage_label, table_label

# Share of a sentence's content words that must stand in its cited passages: most of them, leaving room
# for the words a paraphrase changes (results → outcomes) that the embedding check then weighs.
MIN_TERM_SHARE = 0.75

# Words a writer uses to attribute or connect, which say nothing a passage must contain.
_FRAMING_TERMS = frozenset(lexical.tokenize(
    "review reviews reviewed passage passages according report reports reported state states stated note notes noted "
    "describe describes described suggest suggests suggested show shows showed shown indicate indicates indicated "
    "however moreover furthermore overall thus therefore additionally include includes included including"
))
# What a marker holds: a short list of numbers and labels on one line (a longer bracket is prose, not a citation).
_MARKER_INSIDE = r"[^\[\]\n]{1,80}"
_MARKER_RE = re.compile(rf" ?\[({_MARKER_INSIDE})\](?!\()")  # "[22]", "[20, 21]", "[Table 3]", "[P4]"; not a markdown link
_NAMED_LABEL_RE = re.compile(r"(table)\s*(\d+)|(p)\s*(\d+)", re.IGNORECASE)
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_LEADING_MARKERS_RE = re.compile(rf"^(?:\[{_MARKER_INSIDE}\]\s*)+")
# A line that states no claim: a heading, or a lead-in to a list ("The sources were:").
_NOT_A_CLAIM_RE = re.compile(r"^\s*(?:#+\s.*|.*:)\s*$")
_LIST_BULLET_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...  # unit vectors, one row per text


@dataclass(frozen=True)
class CheckedSentence:
    text: str  # as it stands in the answer
    refs: tuple[Label, ...]  # the labels it cites, of passages the model was shown
    supported: bool


@dataclass(frozen=True)
class Verification:
    text: str  # the answer with markers naming no passage removed
    sentences: tuple[CheckedSentence, ...]  # the sentences stating a claim (headings and lead-ins are not checked)
    removed_markers: int
    declined: bool  # the model said the passages do not answer the question

    @property
    def supported_fraction(self) -> float:
        return sum(s.supported for s in self.sentences) / len(self.sentences) if self.sentences else 0.0


def cited_labels(sentences: Sequence[CheckedSentence]) -> tuple[Label, ...]:
    """Every label the sentences cite, in order of first appearance."""
    return tuple(dict.fromkeys(label for sentence in sentences for label in sentence.refs))


def parse_marker(inside: str) -> tuple[Label, ...] | None:
    """The labels of one marker's inside ("20–22, Table 3" → 20, 21, 22, "Table 3"); None when it is not a citation ("[sic]")."""
    labels: list[Label] = []
    for part in re.split(r"[;,]", inside):
        part = part.strip()
        named = _NAMED_LABEL_RE.fullmatch(part)
        if named:
            labels.append(table_label(int(named[2])) if named[1] else passage_label(int(named[4])))
        elif CITATION_RE.fullmatch(f"[{part}]"):
            labels.extend(expand_citations(f"[{part}]"))
        else:
            return None
    return tuple(labels)


def remove_unknown_markers(text: str, known: frozenset[Label]) -> tuple[str, int]:
    """`text` without the labels no passage carries (a marker left empty goes, with its space), and how many went."""
    removed = 0

    def keep_known(match: re.Match) -> str:
        nonlocal removed
        labels = parse_marker(match[1])
        if labels is None:
            return match[0]
        kept = [label for label in labels if label in known]
        removed += len(labels) - len(kept)
        if len(kept) == len(labels):
            return match[0]
        return f"{' ' if match[0].startswith(' ') else ''}[{', '.join(map(str, kept))}]" if kept else ""

    return _MARKER_RE.sub(keep_known, text), removed


def _labels_in(text: str) -> tuple[Label, ...]:
    found: list[Label] = []
    for match in _MARKER_RE.finditer(text):
        found.extend(parse_marker(match[1]) or ())
    return tuple(dict.fromkeys(found))


def _claim(sentence: str) -> str:
    """The sentence's words without its markers or list bullet."""
    return _LIST_BULLET_RE.sub("", _MARKER_RE.sub("", sentence)).strip()


def _units(text: str) -> list[tuple[str, tuple[Label, ...]]]:
    """(sentence, labels it cites) for each sentence stating a claim. Markers a sentence opens with
    ("… 13.4%. [22] The …") belong to the sentence before, when that one cites nothing itself."""
    units: list[tuple[str, tuple[Label, ...]]] = []
    for line in text.splitlines():
        previous_on_line = None
        for sentence in split_sentences(line.strip()):
            leading = _LEADING_MARKERS_RE.match(sentence)
            labels = _labels_in(sentence)
            if leading and previous_on_line is not None and not units[previous_on_line][1]:
                moved = _labels_in(leading[0])
                units[previous_on_line] = (units[previous_on_line][0], moved)
                labels = _labels_in(sentence[leading.end():])
            if _NOT_A_CLAIM_RE.match(sentence) or not re.search(r"\w", _claim(sentence)):
                continue
            units.append((sentence, labels))
            previous_on_line = len(units) - 1
    return units


def _numbers(text: str) -> set[str]:
    return set(_NUMBER_RE.findall(text))


def _states_numbers(numbers: set[str], text: str) -> bool:
    """Every number stands in `text` as a whole number ("13.4" in "13.4%", not "3" in "13")."""
    return all(re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", text) for number in numbers)


def _content_terms(text: str) -> set[str]:
    return {term for term in lexical.tokenize(text) if not term.isdigit()} - _FRAMING_TERMS


def _item_text(item: ContextItem) -> str:
    return f"{item.source}\n{item.text}"


class _Nearest:
    """The item nearest to a claim by embedding; the items are embedded once, on first need."""

    def __init__(self, items: Sequence[ContextItem], encoder: Encoder):
        self.items, self.encoder, self.vectors = items, encoder, None

    def __call__(self, claim: str) -> ContextItem:
        if self.vectors is None:
            self.vectors = self.encoder.encode([item.text for item in self.items])
        return self.items[int(np.argmax(self.vectors @ self.encoder.encode([claim])[0]))]


def _supported(claim: str, cited: list[ContextItem], nearest: _Nearest) -> bool:
    if not cited:
        return False
    evidence = "\n".join(_item_text(item) for item in cited)
    if not _states_numbers(_numbers(claim), evidence):
        return False
    terms = _content_terms(claim)
    if not terms or len(terms & _content_terms(evidence)) >= MIN_TERM_SHARE * len(terms):
        return True
    return nearest(claim) in cited


def _declines(text: str) -> bool:
    return text.strip().rstrip(".").lower() == NO_ANSWER.rstrip(".").lower()


def verify(text: str, context: PackedContext, encoder: Encoder) -> Verification:
    """Check the model's complete `text` against the `context` it was written from."""
    cleaned, removed = remove_unknown_markers(text, context.labels)
    if _declines(cleaned):
        return Verification(cleaned, (), removed, declined=True)
    nearest = _Nearest(context.items, encoder)
    sentences = []
    for sentence, labels in _units(cleaned):
        cited = [item for item in context.items if set(item.labels) & set(labels)]
        sentences.append(CheckedSentence(sentence, labels, _supported(_claim(sentence), cited, nearest)))
    return Verification(cleaned, tuple(sentences), removed, declined=False)

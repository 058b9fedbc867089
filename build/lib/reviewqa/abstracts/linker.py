"""Tie each abstract record to a numbered reference of the review: by DOI, then PubMed ID, then title.

Identifiers are looked up in dictionaries. A title is compared only when it says
enough (MIN_TITLE_WORDS words, MIN_TITLE_CHARS characters, on both sides) and only with
the references that pass two cheap filters, a length window and shared words, before any
SequenceMatcher runs: 100,000 records link in seconds, not minutes. A record with neither
a usable title nor an identifier stays an uncited source. Copies of one work (same DOI
or PMID, or same title, year and first author) keep the longer abstract.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..records import AbstractRecord, Link, Reference
from .common import normalise_doi
from .latex import delatex

TITLE_RATIO = 0.9  # title similarity accepted on its own
TITLE_RATIO_WITH_AUTHOR_YEAR = 0.8  # accepted when first author and year agree too
MIN_TITLE_WORDS = 3  # "Editorial", "Review", an empty title: too little to match on
MIN_TITLE_CHARS = 12
_WORD_RE = re.compile(r"[^\W_]+")
SHARED_PAIRS = 0.3  # of the shorter title's word pairs, shared before titles are compared


@dataclass(frozen=True)
class Duplicate:
    """The same work for the same reference in two files: `kept` has the longer abstract."""

    reference: int | None
    kept: AbstractRecord
    dropped: AbstractRecord


@dataclass(frozen=True)
class LinkReport:
    links: tuple[Link, ...]  # one per record, duplicates removed
    duplicates: tuple[Duplicate, ...]
    reference_count: int

    @property
    def covered(self) -> tuple[int, ...]:
        """Reference numbers with at least one abstract."""
        return tuple(sorted({link.reference for link in self.links if link.reference is not None}))

    @property
    def unmatched(self) -> tuple[AbstractRecord, ...]:
        """Records tied to no reference: kept as uncited extra sources."""
        return tuple(link.record for link in self.links if link.reference is None)

    @property
    def matched_twice(self) -> dict[int, tuple[Link, ...]]:
        """References that different (non-duplicate) records were linked to."""
        by_reference: dict[int, list[Link]] = {}
        for link in self.links:
            if link.reference is not None:
                by_reference.setdefault(link.reference, []).append(link)
        return {number: tuple(links) for number, links in sorted(by_reference.items()) if len(links) > 1}

    def summary(self) -> str:
        return (
            f"{len(self.covered)} of {self.reference_count} references have an abstract; "
            f"{len(self.unmatched)} abstract(s) match no reference (kept as uncited sources); "
            f"{len(self.matched_twice)} reference(s) matched by more than one abstract; "
            f"{len(self.duplicates)} duplicate record(s) dropped."
        )


def normalise_title(title: str) -> str:
    """Casefolded words of a title in any script: markup, LaTeX, accents and punctuation removed."""
    text = delatex(title)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = re.sub(r"<[^>]+>", " ", text)
    if not text.isascii():
        text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return " ".join(_WORD_RE.findall(text.casefold()))


def _says_enough(title: str) -> bool:
    return len(title) >= MIN_TITLE_CHARS and title.count(" ") + 1 >= MIN_TITLE_WORDS


def _same_first_author(record: AbstractRecord, reference: Reference) -> bool:
    # The review's first_author is the first word of the name ("van" of "van der Berg").
    reference_words = normalise_title(reference.first_author).split()
    record_words = normalise_title(record.first_author_surname).split()
    return bool(reference_words) and record_words[: len(reference_words)] == reference_words


def _word_pairs(title: str) -> set[tuple[str, str]]:
    words = title.split()
    return set(zip(words, words[1:]))


class _Titles:
    """The references' usable titles: by exact text, and by the word pairs they contain."""

    def __init__(self, references: Sequence[Reference]) -> None:
        self.exact: dict[str, Reference] = {}
        self.titles: list[tuple[str, int, Reference]] = []  # (title, number of word pairs, reference)
        self.by_pair: dict[tuple[str, str], list[int]] = {}
        for reference in references:
            title = normalise_title(reference.title)
            if not _says_enough(title):
                continue
            self.exact.setdefault(title, reference)
            pairs = _word_pairs(title)
            for pair in pairs:
                self.by_pair.setdefault(pair, []).append(len(self.titles))
            self.titles.append((title, len(pairs), reference))

    def candidates(self, title: str) -> list[tuple[str, Reference]]:
        """References whose title could reach TITLE_RATIO_WITH_AUTHOR_YEAR with `title`.

        SequenceMatcher's ratio is at most 2·shorter/(sum of lengths), which bounds the
        lengths worth comparing; and it counts characters in common runs, so titles that
        close share a good part of their word pairs (unrelated titles in one field share
        many words, rarely pairs).
        """
        pairs = _word_pairs(title)
        shared: dict[int, int] = {}
        for pair in pairs:
            for position in self.by_pair.get(pair, ()):
                shared[position] = shared.get(position, 0) + 1
        found = []
        for position, count in shared.items():
            reference_title, reference_pairs, reference = self.titles[position]
            if (
                count >= SHARED_PAIRS * min(len(pairs), reference_pairs)
                and 2 / 3 <= len(reference_title) / len(title) <= 3 / 2
            ):
                found.append((reference_title, reference))
        return found


def _title_link(record: AbstractRecord, title: str, titles: _Titles) -> Link:
    if not _says_enough(title):
        return Link(record, None, "none", 0.0)
    if title in titles.exact:
        return Link(record, titles.exact[title].number, "title", 1.0)
    best_score, best_reference = 0.0, None
    for reference_title, reference in titles.candidates(title):
        matcher = SequenceMatcher(None, title, reference_title)
        if matcher.quick_ratio() < TITLE_RATIO_WITH_AUTHOR_YEAR:
            continue
        score = matcher.ratio()
        accepted = score >= TITLE_RATIO or (
            score >= TITLE_RATIO_WITH_AUTHOR_YEAR
            and record.year is not None
            and record.year == reference.year
            and _same_first_author(record, reference)
        )
        if accepted and score > best_score:
            best_score, best_reference = score, reference
    if best_reference is None:
        return Link(record, None, "none", 0.0)
    return Link(record, best_reference.number, "title", round(best_score, 3))


def _link(record: AbstractRecord, title: str, titles: _Titles, by_doi: Mapping[str, int], by_pmid: Mapping[str, int]) -> Link:
    doi = normalise_doi(record.doi)
    if doi and doi in by_doi:
        return Link(record, by_doi[doi], "doi", 1.0)
    if record.pmid and record.pmid in by_pmid:
        return Link(record, by_pmid[record.pmid], "pmid", 1.0)
    return _title_link(record, title, titles)


def _identities(link: Link, title: str) -> list[tuple]:
    """What makes two records copies of one work for one reference: a shared DOI or PMID, or title, year and first author."""
    record = link.record
    keys: list[tuple] = []
    if normalise_doi(record.doi):
        keys.append((link.reference, "doi", normalise_doi(record.doi)))
    if record.pmid:
        keys.append((link.reference, "pmid", record.pmid))
    if _says_enough(title) and record.year is not None and record.first_author_surname:
        keys.append((link.reference, "title", title, record.year, normalise_title(record.first_author_surname)))
    return keys


def link_abstracts(
    records: Iterable[AbstractRecord],
    references: Sequence[Reference],
    pmids: Mapping[int, str] | None = None,
) -> LinkReport:
    """Tie each record to a reference of the review: DOI, then PMID, then title (+ first author, year).

    `pmids` maps reference numbers to PubMed IDs; the fetch manifest provides it
    (`reviewqa.fetch.manifest_pmids`), as the review's references carry none.
    """
    by_doi = {doi: r.number for r in references if (doi := normalise_doi(r.doi))}
    by_pmid = {pmid: number for number, pmid in (pmids or {}).items()}
    titles = _Titles(references)
    kept: list[Link] = []
    position_of: dict[tuple, int] = {}  # identity → position in `kept`
    duplicates: list[Duplicate] = []
    for record in records:
        title = normalise_title(record.title)
        link = _link(record, title, titles, by_doi, by_pmid)
        keys = _identities(link, title)
        position = next((position_of[key] for key in keys if key in position_of), None)
        if position is None:
            position = len(kept)
            kept.append(link)
        else:
            previous = kept[position]
            longer, shorter = (link, previous) if len(record.text) > len(previous.record.text) else (previous, link)
            kept[position] = longer
            duplicates.append(Duplicate(link.reference, longer.record, shorter.record))
        for key in keys:
            position_of.setdefault(key, position)
    return LinkReport(tuple(kept), tuple(duplicates), len(references))

"""The records every step shares: the parsed review, cited works, chunks, and the identifiers in them.

Both sides of the project use these: the build (parse → chunk → store) writes them and
the question path (retrieve → answer → render) reads them. This module imports nothing
of the project, so either side can use it without pulling in the other.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Literal

# The review's "no data" cell.
NO_DATA = "ND"

# In-text citation markers: [24], [81–83], [87, 89, 133–138]. Markdown links
# such as [ClinicalTrials.gov](…) and footnote marks like [†] do not match.
CITATION_RE = re.compile(r"\[(\d{1,3}(?:\s*[–—-]\s*\d{1,3})?(?:\s*,\s*\d{1,3}(?:\s*[–—-]\s*\d{1,3})?)*)\]")
_RANGE_RE = re.compile(r"(\d+)\s*[–—-]\s*(\d+)")
_LONGEST_RANGE = 50  # "[12–1990]" is two numbers, not a range

# Registered clinical-trial codes: ClinicalTrials.gov and the Iranian registry.
TRIAL_CODE_RE = re.compile(r"\b(NCT\d{8}|IRCT\d{6,}N\d+)\b", re.IGNORECASE)

# What the review's four tables hold, in a few words (their printed titles are long).
TABLE_LABELS = {1: "male germ cells in vitro", 2: "female germ cells in vitro", 3: "in vivo models", 4: "clinical trials"}


def table_name(number: int) -> str:
    """'Table 3 — in vivo models'."""
    label = TABLE_LABELS.get(number)
    return f"Table {number} — {label}" if label else f"Table {number}"


def expand_citations(text: str) -> tuple[int, ...]:
    """Reference numbers cited in `text`, ranges expanded, in order of first use."""
    seen: dict[int, None] = {}
    for match in CITATION_RE.finditer(text):
        for part in match.group(1).split(","):
            part = part.strip()
            span = _RANGE_RE.fullmatch(part)
            if span:
                low, high = int(span.group(1)), int(span.group(2))
                numbers = range(low, high + 1) if 0 < high - low < _LONGEST_RANGE else (low, high)
            else:
                numbers = (int(part),)
            for number in numbers:
                seen.setdefault(number, None)
    return tuple(seen)


def doi_url(doi: str | None) -> str | None:
    return f"https://doi.org/{doi}" if doi else None


def pubmed_search_url(title: str) -> str | None:
    """A PubMed search for a title: the link of a reference that has no DOI."""
    return f"https://pubmed.ncbi.nlm.nih.gov/?term={urllib.parse.quote_plus(title)}" if title.strip() else None


def trial_url(code: str) -> str | None:
    """Registry page of a clinical-trial code (ClinicalTrials.gov, or IRCT's search)."""
    code = code.strip().upper()
    if not TRIAL_CODE_RE.fullmatch(code):
        return None
    if code.startswith("NCT"):
        return f"https://clinicaltrials.gov/study/{code}"
    return f"https://irct.behdasht.gov.ir/search/result?query={code}"


# --- the review ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of running text, with the reference numbers it cites."""

    section: str
    text: str
    refs: tuple[int, ...]


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class TableRow:
    """One row of a table: its cells keyed by column name, in column order."""

    table: int
    index: int  # 1-based position in the merged table
    cells: tuple[tuple[str, str], ...]
    refs: tuple[int, ...]

    def cell(self, column: str) -> str:
        return dict(self.cells)[column]

    @property
    def raw(self) -> str:
        """The row as it reads in the review, cells separated by spaces."""
        return " ".join(value for _, value in self.cells)


@dataclass(frozen=True)
class Table:
    number: int
    title: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    notes: tuple[str, ...]  # abbreviation lines printed under the table

    @property
    def name(self) -> str:
        return table_name(self.number)


@dataclass(frozen=True)
class Reference:
    number: int
    entry: str  # the full entry, markdown removed
    authors: str
    title: str
    journal: str
    year: int | None
    doi: str | None

    @property
    def first_author(self) -> str:
        return self.authors.split(",")[0].split(" ")[0] if self.authors else ""

    @property
    def url(self) -> str | None:
        """Where a reader can check the work: its DOI, else a PubMed search by title."""
        return doi_url(self.doi) or pubmed_search_url(self.title or self.entry)


@dataclass(frozen=True)
class Document:
    source: str
    title: str
    authors: str
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]
    references: tuple[Reference, ...]
    abbreviations: dict[str, str] = field(default_factory=dict)

    def reference(self, number: int) -> Reference | None:
        return next((ref for ref in self.references if ref.number == number), None)


def document_from_dict(raw: dict) -> Document:
    """Inverse of dataclasses.asdict for a Document (JSON turns tuples into lists)."""
    sections = tuple(
        Section(s["title"], tuple(Paragraph(p["section"], p["text"], tuple(p["refs"])) for p in s["paragraphs"]))
        for s in raw["sections"]
    )
    tables = tuple(
        Table(
            t["number"], t["title"], tuple(t["columns"]),
            tuple(TableRow(r["table"], r["index"], tuple(tuple(c) for c in r["cells"]), tuple(r["refs"])) for r in t["rows"]),
            tuple(t["notes"]),
        )
        for t in raw["tables"]
    )
    references = tuple(Reference(**r) for r in raw["references"])
    return Document(raw["source"], raw["title"], raw["authors"], sections, tables, references, dict(raw["abbreviations"]))


# --- cited works ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AbstractRecord:
    """One work's bibliographic data and abstract, as imported from one file."""

    title: str
    authors: tuple[str, ...]  # "Surname, Given names" (or "Surname, Initials"), whatever the source format
    journal: str
    year: int | None
    doi: str | None
    pmid: str | None
    pmcid: str | None
    sections: tuple[tuple[str, str], ...]  # (label or "", text): Background, Methods, …
    source: str  # file the record came from, relative to the abstracts folder

    @property
    def text(self) -> str:
        """The abstract, labelled parts prefixed with their label ("Background: …")."""
        return "\n".join(f"{label}: {text}" if label else text for label, text in self.sections)

    @property
    def first_author_surname(self) -> str:
        return self.authors[0].split(",")[0].strip() if self.authors else ""


@dataclass(frozen=True)
class Link:
    """An abstract record tied to a numbered reference of the review (or to none: an uncited source)."""

    record: AbstractRecord
    reference: int | None
    reason: str  # "doi" | "pmid" | "title" | "none"
    score: float  # 1.0 for identifier matches, title similarity otherwise


# --- chunks --------------------------------------------------------------------------------

ChunkKind = Literal["prose", "table_row", "reference", "abstract"]
CHUNK_KINDS: tuple[str, ...] = ("prose", "table_row", "reference", "abstract")


@dataclass(frozen=True)
class Chunk:
    """A unit that is embedded, indexed and quoted."""

    id: str
    kind: ChunkKind
    section: str
    text: str
    refs: tuple[int, ...]
    source: str
    sentences: tuple[str, ...]  # the text cut into the units an answer may quote
    table: int | None = None
    row: int | None = None
    ref: int | None = None  # the reference an entry or abstract belongs to
    cells: tuple[tuple[str, str], ...] = ()


def chunk_from_dict(raw: dict) -> Chunk:
    """Inverse of dataclasses.asdict for a Chunk."""
    return Chunk(**{**raw, "refs": tuple(raw["refs"]), "sentences": tuple(raw["sentences"]),
                    "cells": tuple(tuple(cell) for cell in raw["cells"])})

"""What every importer shares: its error types, what it returns, text helpers and the record builder.

Authors are stored as "Surname, Given names" (or "Surname, Initials") whatever the
source format, so the first author's surname is the text before the first comma.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..config import CorpusSettings
from ..errors import CorpusProblem
from ..records import AbstractRecord

_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# Headings of structured abstracts ("BACKGROUND:", "Materials and methods:").
_ABSTRACT_LABELS = (
    "background|introduction|context|objective(?:s|\\(s\\))?|aims?|purpose|hypothesis|"
    "materials and methods|methods?|design|setting|patients|participants|interventions?|"
    "main outcome measures?|results|findings|conclusions?|interpretation|significance|trial registration"
)
_LABEL_RE = re.compile(rf"(?:^|(?<=[.!?]\s)|(?<=\n))[ \t]*({_ABSTRACT_LABELS})[ \t]*:[ \t]*", re.IGNORECASE)
_INITIALS_RE = re.compile(r"(?:[A-Z]\.?-?){1,4}")  # "AB", "A.B.", "J-P"
_SUPERSCRIPTS = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
_SUBSCRIPTS = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
# Labels that say "no label" (PubMed's UNLABELLED/UNASSIGNED categories).
_NO_LABEL = {"unlabelled", "unlabeled", "unassigned"}


class AbstractFormatError(CorpusProblem):
    """A file (or entry) that cannot be imported; the message says why."""


class LimitExceeded(AbstractFormatError):
    """A file over one of the corpus.* limits (see config.CorpusSettings)."""


@dataclass
class Parsed:
    """What one file gave: its records (with or without an abstract), and the entries it left out."""

    records: list[AbstractRecord] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # one reason per entry, naming it
    warnings: list[str] = field(default_factory=list)  # what the reading library logged (pypdf)


def clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def year_in(text: str | None) -> int | None:
    match = _YEAR_RE.search(text or "")
    return int(match.group(1)) if match else None


def first_year(values: Iterable[str | None]) -> int | None:
    return next((year for year in map(year_in, values) if year), None)


def normalise_doi(doi: str | None) -> str | None:
    """Lowercase DOI without resolver prefix or trailing punctuation."""
    if not doi:
        return None
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.IGNORECASE)
    doi = doi.rstrip(".,;)]").lower()
    return doi if doi.startswith("10.") else None


def find_doi(text: str) -> str | None:
    match = _DOI_RE.search(text)
    return normalise_doi(match.group(1)) if match else None


def script(text: str, superscript: bool) -> str:
    """`text` as Unicode super- or subscript characters where each has one ("m²", "O₂").

    Otherwise a superscript is marked "^" ("10^(-3a)") and a subscript is written inline ("VO2max").
    """
    converted = text.translate(_SUPERSCRIPTS if superscript else _SUBSCRIPTS)
    if all(ord(char) > 127 or char.isspace() for char in converted):  # every character had a Unicode form (or was one)
        return converted
    if not superscript:
        return text
    return "^" + (text if len(text) == 1 else f"({text})")


def section_label(label: str) -> str:
    label = clean(label)
    return "" if label.lower() in _NO_LABEL else label.capitalize()


def split_labelled(text: str) -> tuple[tuple[str, str], ...]:
    """Split an abstract into (label, text) parts at structured-abstract headings."""
    parts: list[tuple[str, str]] = []
    start, label = 0, ""
    for match in _LABEL_RE.finditer(text):
        parts.append((label, clean(text[start : match.start()])))
        start, label = match.end(), section_label(match.group(1))
    parts.append((label, clean(text[start:])))
    return tuple(part for part in parts if part[1])


def surname_first(name: str) -> str:
    """ "Surname, Initials" from "Surname Initials" (MEDLINE's AU, Embase's RIS); any other name is kept as written."""
    name = clean(name)
    tokens = name.split(" ")
    split = len(tokens)
    while split > 1 and _INITIALS_RE.fullmatch(tokens[split - 1]):
        split -= 1
    if "," in name or split == len(tokens):
        return name
    return f"{' '.join(tokens[:split])}, {' '.join(tokens[split:])}"


def entry_name(title: str, fallback: str) -> str:
    """How a message names an entry: its title (shortened), else `fallback` (a key, a PMID, a position)."""
    title = clean(title)
    return repr(title[:80] + ("…" if len(title) > 80 else "")) if title else fallback


def too_large(name: str, limits: CorpusSettings) -> str:
    return f"entry {name} is larger than the {limits.max_record_chars:,}-character limit for one record (corpus.max_record_chars)"


def make_record(
    *,
    title: str,
    authors: Iterable[str],
    journal: str,
    year: int | None,
    doi: str | None,
    pmid: str | None = None,
    pmcid: str | None = None,
    sections: tuple[tuple[str, str], ...],
    source: str,
) -> AbstractRecord:
    return AbstractRecord(
        title=clean(title).rstrip("."),
        authors=tuple(a for a in (clean(a) for a in authors) if a),
        journal=clean(journal),
        year=year,
        doi=normalise_doi(doi),
        pmid=clean(pmid) or None,
        pmcid=clean(pmcid) or None,
        sections=sections,
        source=source,
    )


class TaggedFields:
    """One record of a tagged-line format (RIS, MEDLINE): values in file order, wrapped lines joined once at the end.

    Joining once keeps a value wrapped over many lines linear to read; past `limit`
    characters nothing more is kept (`oversized` says so), which bounds the memory too.
    """

    def __init__(self, line: int, limit: int) -> None:
        self.line = line  # where the record starts, for messages
        self.size = 0
        self._limit = limit
        self._values: list[tuple[str, list[str]]] = []

    @property
    def oversized(self) -> bool:
        return self.size > self._limit

    def __bool__(self) -> bool:
        return bool(self._values)

    def add(self, tag: str, value: str) -> None:
        self.size += len(value)
        if not self.oversized:
            self._values.append((tag, [value]))

    def extend(self, text: str) -> None:
        """A wrapped line: more of the last value."""
        self.size += len(text)
        if self._values and not self.oversized:
            self._values[-1][1].append(text)

    def values(self, *tags: str) -> list[str]:
        """The values of the given tags, in file order."""
        return [clean(" ".join(parts)) for tag, parts in self._values if tag in tags]

    def first(self, *tags: str) -> str:
        """The first non-empty value of the first of `tags` that has one."""
        for tag in tags:
            value = next((v for v in self.values(tag) if v), "")
            if value:
                return value
        return ""


def within_limit(
    records: Iterable[TaggedFields], parsed: Parsed, limits: CorpusSettings, title_of: Callable[[TaggedFields], str]
) -> Iterator[tuple[TaggedFields, str]]:
    """The records within corpus.max_record_chars, each with its title; the others are named in `parsed.left_out`."""
    for fields in records:
        title = title_of(fields)
        if fields.oversized:
            parsed.left_out.append(too_large(entry_name(title, f"at line {fields.line}"), limits))
        else:
            yield fields, title

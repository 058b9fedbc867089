"""RIS files (Zotero, EndNote, Mendeley, Scopus, Embase, Ovid, ProQuest exports), whatever their extension.

Our own reader rather than rispy: rispy joins wrapped lines by repeated string
concatenation (10.5 s for one 4 MB value) and keeps tags found outside a record; here
a record runs from TY to ER, wrapped lines are joined once, and text outside records
(Ovid's trailing "NL" tag and links, numbering lines) is ignored.
"""

from __future__ import annotations

import re

from ..config import CorpusSettings
from .common import Parsed, TaggedFields, find_doi, first_year, make_record, normalise_doi, split_labelled, surname_first, within_limit

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
START_RE = re.compile(r"^\ufeff?TY  - ", re.MULTILINE)  # how the loader recognises RIS
_JOURNAL_TAGS = ("JF", "T2", "JO", "JA", "J2")
_LINK_TAGS = ("UR", "L1", "L2", "L3", "LK")
# EndNote's export of PubMed records keeps the PMID in AN, with DP (or DB) naming NLM/PubMed.
_PUBMED_DATABASES = re.compile(r"^(?:nlm|pubmed|medline)$", re.IGNORECASE)


def _records(text: str, limit: int) -> list[TaggedFields]:
    records: list[TaggedFields] = []
    current: TaggedFields | None = None
    for number, line in enumerate(text.splitlines(), 1):
        match = _TAG_RE.match(line.rstrip())
        if match is None:
            if current is not None and line.strip():  # a wrapped value
                current.extend(line.strip())
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "ER":
            if current is not None:
                records.append(current)
            current = None
        elif current is None:
            if tag == "TY":  # tags outside a record (before TY, after ER) are not part of any
                current = TaggedFields(number, limit)
                current.add(tag, value)
        elif tag != "TY":  # a repeated TY line inside a record does not start another
            current.add(tag, value)
    if current is not None:  # the last record without its ER
        records.append(current)
    return records


def _title(fields: TaggedFields) -> str:
    """The first TI or T1 (synonyms), else the short title (ST), else a book's title (BT)."""
    return next((value for value in fields.values("TI", "T1") if value), "") or fields.first("ST", "BT")


def _pmid(fields: TaggedFields) -> str | None:
    accession = fields.first("AN")
    database = fields.first("DP", "DB")
    return accession if accession.isdigit() and _PUBMED_DATABASES.match(database) else None


def _doi(fields: TaggedFields) -> str | None:
    candidates = [normalise_doi(value) for value in fields.values("DO")]
    candidates += [find_doi(value) for value in fields.values(*_LINK_TAGS)]
    return next((doi for doi in candidates if doi), None)


def parse_ris(text: str, source: str, limits: CorpusSettings = CorpusSettings()) -> Parsed:
    parsed = Parsed()
    for fields, title in within_limit(_records(text.lstrip("\ufeff"), limits.max_record_chars), parsed, limits, _title):
        parsed.records.append(
            make_record(
                title=title,
                authors=[surname_first(name) for name in fields.values("AU", "A1")],
                journal=fields.first(*_JOURNAL_TAGS),
                year=first_year(fields.values("PY", "Y1", "DA", "Y2")),
                doi=_doi(fields),
                pmid=_pmid(fields),
                sections=split_labelled(" ".join(fields.values("AB") or fields.values("N2"))),
                source=source,
            )
        )
    return parsed

"""MEDLINE files (PubMed's "PubMed format" download, .nbib citation exports), whatever their extension.

A tag of up to four letters padded to four columns, "- ", the value; wrapped values
continue on lines indented by six spaces; a blank line (or a new PMID) ends a record.
Hand-written because the format is that small; values are joined once (see TaggedFields).
"""

from __future__ import annotations

import re

from ..config import CorpusSettings
from .common import Parsed, TaggedFields, first_year, make_record, normalise_doi, split_labelled, surname_first, within_limit

_TAG_RE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}-(?: ?(.*))?$")
LINE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,3} {0,3}- ", re.MULTILINE)  # how the loader recognises MEDLINE
_CONTINUATION = " " * 6


def _records(text: str, limit: int) -> list[TaggedFields]:
    records: list[TaggedFields] = []
    current = TaggedFields(1, limit)
    for number, line in enumerate(text.splitlines(), 1):
        match = _TAG_RE.match(line.rstrip())
        if match and match.group(1) == "PMID" and current or not line.strip():
            if current:
                records.append(current)
            current = TaggedFields(number, limit)
        if match:
            current.add(match.group(1), (match.group(2) or "").strip())
        elif line.startswith(_CONTINUATION) and line.strip():
            current.extend(line.strip())
        # any other line ("This line should be omitted") belongs to no field
    if current:
        records.append(current)
    return records


def _doi(fields: TaggedFields) -> str | None:
    """The DOI among LID/AID values: "10.1186/x [doi]" (or, in some exports, "doi:10.1186/x")."""
    for value in fields.values("LID", "AID"):
        if value.endswith("[doi]"):
            return normalise_doi(value[: -len("[doi]")])
        if value.lower().startswith("doi:"):
            return normalise_doi(value)
    return None


def _pmcid(fields: TaggedFields) -> str | None:
    value = fields.first("PMC")
    return f"PMC{value}" if value.isdigit() else value or None


def parse_medline(text: str, source: str, limits: CorpusSettings = CorpusSettings()) -> Parsed:
    parsed = Parsed()
    records = _records(text.lstrip("\ufeff"), limits.max_record_chars)
    for fields, title in within_limit(records, parsed, limits, lambda fields: fields.first("TI", "BTI")):
        parsed.records.append(
            make_record(
                title=title,
                authors=fields.values("FAU") or [surname_first(name) for name in fields.values("AU")],
                journal=fields.first("JT", "TA"),
                year=first_year(fields.values("DP", "DEP", "DA")),
                doi=_doi(fields),
                pmid=fields.first("PMID") or None,
                pmcid=_pmcid(fields),
                sections=split_labelled(" ".join(fields.values("AB"))),
                source=source,
            )
        )
    return parsed

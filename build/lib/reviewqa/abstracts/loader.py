"""The abstracts folder: each file's format told by its content, read within the corpus limits, every problem named.

A .txt may hold RIS or MEDLINE, a .ris may hold something else entirely: the content
decides (PDF signature; XML, whose root element tells PubMed from PMC; RIS's "TY  - ";
BibTeX's "@type{"; MEDLINE's padded tags), the extension only words the message for a
file that matches none. What cannot be used is reported per file; entries that were
read but are left out (no abstract, over a limit, malformed) are reported apart.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import CorpusSettings
from ..corpus import Skip, list_files, quote_name
from ..records import AbstractRecord
from . import medline, ris
from .bibtex import parse_bibtex
from .common import AbstractFormatError, LimitExceeded, Parsed, entry_name
from .medline import parse_medline
from .pdf import parse_pdf
from .pubmed_xml import parse_pubmed_xml
from .ris import parse_ris

PUBMED_CACHE_DIR = "pubmed-cache"
FETCH_MANIFEST_NAME = "fetch-manifest.json"
CORPUS_EXTENSIONS = (".xml", ".nbib", ".medline", ".txt", ".ris", ".bib", ".bibtex", ".pdf")

_BIBTEX_RE = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
# JabRef writes a file's encoding in its first line: "% Encoding: windows-1252".
_ENCODING_HEADER_RE = re.compile(rb"^%[ \t]*Encoding:[ \t]*([\w.-]+)", re.IGNORECASE)
_NAMED_ENTRIES = 3  # entries named in a "without an abstract" line

TextImporter = Callable[[str, str, CorpusSettings], Parsed]


@dataclass
class LoadReport:
    records: list[AbstractRecord] = field(default_factory=list)  # entries with an abstract, ready to link
    skipped_files: list[Skip] = field(default_factory=list)  # left out whole: by the walk, or unreadable
    skipped_entries: list[Skip] = field(default_factory=list)  # read but left out: over a limit, malformed
    without_abstract: list[Skip] = field(default_factory=list)  # one per file whose entries lack an abstract
    notes: list[str] = field(default_factory=list)  # abstracts cut at the cap; the PDF library's warnings, summed up

    @property
    def problems(self) -> list[Skip]:
        """What --strict refuses: files that could not be read and entries left out (not hidden files, not missing abstracts)."""
        return [skip for skip in self.skipped_files if skip.problem] + self.skipped_entries


def decode(data: bytes) -> str:
    """Text from UTF-8 (with or without BOM), UTF-16 with a BOM, or the encoding a JabRef header declares."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    header = _ENCODING_HEADER_RE.match(data.removeprefix(codecs.BOM_UTF8))
    encoding = header.group(1).decode("ascii") if header else "utf-8-sig"
    try:
        return data.decode(encoding)
    except LookupError:
        raise AbstractFormatError(f"its first line declares an unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        raise AbstractFormatError(f"not {'UTF-8' if not header else encoding} text (byte {error.start}); save it as UTF-8") from None


def text_importer(text: str) -> TextImporter | None:
    """The importer for the first format whose marks appear in `text` (RIS before MEDLINE: "TY  - " is RIS only)."""
    marks = {parse_ris: ris.START_RE.search(text), parse_bibtex: _BIBTEX_RE.search(text)}
    if marks[parse_ris] is None:
        marks[parse_medline] = medline.LINE_RE.search(text)
    found = {importer: match.start() for importer, match in marks.items() if match}
    return min(found, key=found.__getitem__) if found else None


def parse_data(data: bytes, source: str, limits: CorpusSettings, suffix: str = "") -> Parsed:
    """Records from one file's bytes, its format told by its content; `suffix` only words the error."""
    if b"%PDF-" in data[:1024]:
        return parse_pdf(data, source, limits)
    if data[:1024].lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"<"):
        return parse_pubmed_xml(data, source, limits)
    unknown = AbstractFormatError(
        "content is not PubMed/PMC XML, MEDLINE, RIS, BibTeX or PDF" if suffix in CORPUS_EXTENSIONS
        else f"unknown format {suffix or '(no extension)'!r}"
    )
    try:
        text = decode(data)
    except AbstractFormatError:
        if suffix not in CORPUS_EXTENSIONS:
            raise unknown from None
        raise
    importer = text_importer(text)
    if importer is None:
        raise unknown
    return importer(text, source, limits)


def read_file(path: Path, source: str, limits: CorpusSettings) -> Parsed:
    if path.stat().st_size > limits.max_file_mb * 1_000_000:
        raise LimitExceeded(f"larger than the {limits.max_file_mb:g} MB limit for one corpus file (corpus.max_file_mb)")
    data = path.read_bytes()
    if not data.strip():
        raise AbstractFormatError("empty file")
    return parse_data(data, source, limits, path.suffix.lower())


def capped(record: AbstractRecord, limit: int) -> AbstractRecord | None:
    """`record` with its abstract cut to `limit` characters (at a sentence end where one is near), or None if it fits."""
    if len(record.text) <= limit:
        return None
    sections, room = [], limit
    for label, text in record.sections:
        if room <= 0:
            break
        if len(text) > room:
            cut = text[:room]
            sentence_end = cut.rfind(". ")
            text = (cut[: sentence_end + 1] if sentence_end > room // 2 else cut.rstrip()) + " …"
        sections.append((label, text))
        room -= len(text) + len(label) + 3  # the "Label: " and newline record.text adds
    return dataclasses.replace(record, sections=tuple(sections))


def _without_abstract(source: str, records: list[AbstractRecord]) -> Skip:
    names = [entry_name(record.title, f"PMID {record.pmid}" if record.pmid else "(untitled)") for record in records]
    shown = ", ".join(names[:_NAMED_ENTRIES]) + (f" and {len(names) - _NAMED_ENTRIES} more" if len(names) > _NAMED_ENTRIES else "")
    count = f"{len(records)} entr{'y' if len(records) == 1 else 'ies'}"
    return Skip(source, f"{count} without an abstract: {shown}", problem=False)


def load_abstracts(folder: Path, limits: CorpusSettings = CorpusSettings()) -> LoadReport:
    """Every record in `folder` (recursively) and what was left out, by file and by entry."""
    listing = list_files(folder, recursive=True)
    report = LoadReport(skipped_files=list(listing.skipped))
    pdf_warnings: Counter[str] = Counter()  # file → warnings
    first_warning = ""
    for path in listing.files:
        source = path.relative_to(folder).as_posix()
        if source == f"{PUBMED_CACHE_DIR}/{FETCH_MANIFEST_NAME}":
            continue
        try:
            parsed = read_file(path, source, limits)
        except AbstractFormatError as error:
            report.skipped_files.append(Skip(source, str(error)))
            continue
        except OSError as error:
            report.skipped_files.append(Skip(source, f"cannot be read ({error.strerror or error})"))
            continue
        if parsed.warnings:
            pdf_warnings[source] += len(parsed.warnings)
            first_warning = first_warning or parsed.warnings[0]
        report.skipped_entries += [Skip(source, reason) for reason in parsed.left_out]
        if not parsed.records and not parsed.left_out:
            report.skipped_files.append(Skip(source, "no records found"))
        missing = [record for record in parsed.records if not record.sections]
        if missing:
            report.without_abstract.append(_without_abstract(source, missing))
        for record in parsed.records:
            if not record.sections:
                continue
            cut = capped(record, limits.max_abstract_chars)
            if cut is not None:
                report.notes.append(
                    f"{quote_name(source)}: the abstract of {entry_name(record.title, '(untitled)')} was cut to "
                    f"{limits.max_abstract_chars:,} characters (corpus.max_abstract_chars)"
                )
            report.records.append(cut or record)
    if pdf_warnings:
        example = first_warning if len(first_warning) <= 80 else first_warning[:80].rsplit(" ", 1)[0] + "…"
        report.notes.append(
            f"pypdf reported {sum(pdf_warnings.values())} warning(s) reading {len(pdf_warnings)} PDF(s), "
            f"such as {example!r}; the text was still extracted"
        )
    return report

"""Abstracts of the cited works: import them from common formats and link them to the review.

Maintainers drop files into corpus/abstracts/ (PubMed XML, MEDLINE/.nbib, RIS,
BibTeX, PDF); `reviewqa fetch-abstracts` adds PubMed XML under pubmed-cache/.
`load_abstracts` turns every file into `AbstractRecord`s (reporting the files it
cannot use), and `link_abstracts` ties each record to a numbered reference of the
review by DOI, PMID or title.

Authors are stored as "Surname, Given names" (or "Surname, Initials") whatever the
source format, so the first author's surname is the text before the first comma.
"""

from __future__ import annotations

import html
import io
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import pypdf

from .errors import CorpusProblem
from .records import AbstractRecord, Link, Reference

PUBMED_CACHE_DIR = "pubmed-cache"
FETCH_MANIFEST_NAME = "fetch-manifest.json"

TITLE_RATIO = 0.9  # title similarity accepted on its own
TITLE_RATIO_WITH_AUTHOR_YEAR = 0.8  # accepted when first author and year agree too
PDF_ABSTRACT_CAP = 4000  # characters kept when no closing heading is found

_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# Headings of structured abstracts ("BACKGROUND:", "Materials and methods:").
_ABSTRACT_LABELS = (
    "background|introduction|context|objective(?:s|\\(s\\))?|aims?|purpose|hypothesis|"
    "materials and methods|methods?|design|setting|patients|participants|interventions?|"
    "main outcome measures?|results|findings|conclusions?|interpretation|significance|trial registration"
)
_LABEL_RE = re.compile(rf"(?:^|(?<=[.!?]\s)|(?<=\n))[ \t]*({_ABSTRACT_LABELS})[ \t]*:[ \t]*", re.IGNORECASE)


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: str


class AbstractFormatError(CorpusProblem):
    """A file (or entry) that cannot be imported; the message says why."""


# ---------------------------------------------------------------- shared helpers


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _year(text: str | None) -> int | None:
    match = _YEAR_RE.search(text or "")
    return int(match.group(1)) if match else None


def normalise_doi(doi: str | None) -> str | None:
    """Lowercase DOI without resolver prefix or trailing punctuation."""
    if not doi:
        return None
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.IGNORECASE)
    doi = doi.rstrip(".,;)]").lower()
    return doi if doi.startswith("10.") else None


def _find_doi(text: str) -> str | None:
    match = _DOI_RE.search(text)
    return normalise_doi(match.group(1)) if match else None


def _label(label: str) -> str:
    return _clean(label).capitalize()


def split_labelled(text: str) -> tuple[tuple[str, str], ...]:
    """Split an abstract into (label, text) parts at structured-abstract headings."""
    parts: list[tuple[str, str]] = []
    start, label = 0, ""
    for match in _LABEL_RE.finditer(text):
        parts.append((label, _clean(text[start : match.start()])))
        start, label = match.end(), _label(match.group(1))
    parts.append((label, _clean(text[start:])))
    return tuple(part for part in parts if part[1])


def _surname_first(name: str) -> str:
    """ "Surname, Given" from "Surname Initials" (MEDLINE AU) or keep a name that has a comma."""
    name = _clean(name)
    if "," in name or " " not in name:
        return name
    surname, _, initials = name.rpartition(" ")
    return f"{surname}, {initials}"


def _record(
    *,
    title: str,
    authors: Iterable[str],
    journal: str,
    year: int | None,
    doi: str | None,
    pmid: str | None,
    pmcid: str | None,
    sections: tuple[tuple[str, str], ...],
    source: str,
) -> AbstractRecord:
    return AbstractRecord(
        title=_clean(title).rstrip("."),
        authors=tuple(a for a in (_clean(a) for a in authors) if a),
        journal=_clean(journal),
        year=year,
        doi=normalise_doi(doi),
        pmid=_clean(pmid) or None,
        pmcid=_clean(pmcid) or None,
        sections=sections,
        source=source,
    )


# ---------------------------------------------------------------- PubMed XML


def _reject_inline_dtd(data: bytes) -> None:
    # EFetch output carries an external DOCTYPE, which expat never fetches; an inline
    # DTD or entity declaration is how entity-expansion attacks start, so refuse those.
    if re.search(rb"<!ENTITY|<!DOCTYPE[^>\[]*\[", data, re.IGNORECASE):
        raise AbstractFormatError("XML with an inline DTD or entity declarations is refused")


def _xml_text(element: ET.Element | None) -> str:
    return _clean("".join(element.itertext())) if element is not None else ""


def _pubmed_year(article: ET.Element) -> int | None:
    pub_date = article.find("Journal/JournalIssue/PubDate")
    for candidate in (
        pub_date.findtext("Year") if pub_date is not None else None,
        pub_date.findtext("MedlineDate") if pub_date is not None else None,
        article.findtext("ArticleDate/Year"),
    ):
        if _year(candidate):
            return _year(candidate)
    return None


def _pubmed_author(author: ET.Element) -> str:
    if author.findtext("CollectiveName"):
        return author.findtext("CollectiveName", "")
    given = author.findtext("ForeName") or author.findtext("Initials") or ""
    return f"{author.findtext('LastName', '')}, {given}".strip(", ")


def parse_pubmed_xml(data: bytes | str, source: str) -> list[AbstractRecord]:
    """Records from an EFetch PubmedArticleSet (or a single PubmedArticle)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    _reject_inline_dtd(raw)
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as error:
        raise AbstractFormatError(f"not well-formed XML ({error})") from None
    records = []
    for entry in root.iter("PubmedArticle"):
        citation = entry.find("MedlineCitation")
        article = citation.find("Article") if citation is not None else None
        if article is None:
            continue
        ids = {i.get("IdType"): _xml_text(i) for i in entry.iterfind("PubmedData/ArticleIdList/ArticleId")}
        elocation_doi = next((_xml_text(e) for e in article.iterfind("ELocationID") if e.get("EIdType") == "doi"), None)
        sections = tuple(
            (_label(part.get("Label", "")), _xml_text(part))
            for part in article.iterfind("Abstract/AbstractText")
            if _xml_text(part)
        )
        records.append(
            _record(
                title=_xml_text(article.find("ArticleTitle")),
                authors=[_pubmed_author(a) for a in article.iterfind("AuthorList/Author")],
                journal=article.findtext("Journal/Title") or article.findtext("Journal/ISOAbbreviation") or "",
                year=_pubmed_year(article),
                doi=ids.get("doi") or elocation_doi,
                pmid=_xml_text(citation.find("PMID")),
                pmcid=ids.get("pmc"),
                sections=sections,
                source=source,
            )
        )
    return records


# ---------------------------------------------------------------- MEDLINE / .nbib

_MEDLINE_TAG_RE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)$")
_MEDLINE_CONTINUATION = " " * 6


def looks_like_medline(text: str) -> bool:
    return bool(re.search(r"^(?:PMID|TI  )- ", text, re.MULTILINE))


def _medline_entries(text: str) -> Iterator[list[tuple[str, str]]]:
    """Tagged fields of each MEDLINE record, continuation lines joined."""
    fields: list[tuple[str, str]] = []
    for line in text.splitlines():
        match = _MEDLINE_TAG_RE.match(line)
        if not line.strip() or (match and match.group(1) == "PMID" and fields):
            if fields:
                yield fields
            fields = []
        if match:
            fields.append((match.group(1), match.group(2).strip()))
        elif line.startswith(_MEDLINE_CONTINUATION) and fields:
            tag, value = fields[-1]
            fields[-1] = (tag, f"{value} {line.strip()}")
    if fields:
        yield fields


def _tagged_id(values: Iterable[str], kind: str) -> str | None:
    """The value tagged "[doi]" (or another kind) among LID/AID values."""
    suffix = f"[{kind}]"
    return next((v[: -len(suffix)].strip() for v in values if v.endswith(suffix)), None)


def parse_medline(text: str, source: str) -> list[AbstractRecord]:
    records = []
    for fields in _medline_entries(text):
        tags: dict[str, list[str]] = {}
        for tag, value in fields:
            tags.setdefault(tag, []).append(value)
        first = {tag: values[0] for tag, values in tags.items()}
        records.append(
            _record(
                title=first.get("TI", ""),
                authors=tags.get("FAU") or [_surname_first(a) for a in tags.get("AU", [])],
                journal=first.get("JT") or first.get("TA", ""),
                year=_year(first.get("DP")),
                doi=_tagged_id(tags.get("LID", []) + tags.get("AID", []), "doi"),
                pmid=first.get("PMID"),
                pmcid=first.get("PMC"),
                sections=split_labelled(" ".join(tags.get("AB", []))),
                source=source,
            )
        )
    return records


# ---------------------------------------------------------------- RIS

_RIS_LINE_RE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_RIS_JOURNAL_TAGS = ("JF", "T2", "JO", "JA", "J2")


def _ris_entries(text: str) -> Iterator[dict[str, list[str]]]:
    tags: dict[str, list[str]] = {}
    last_tag = ""
    for line in text.splitlines():
        match = _RIS_LINE_RE.match(line.rstrip())
        if match is None:
            if last_tag and line.strip():  # a wrapped value
                tags[last_tag][-1] += " " + line.strip()
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "ER":
            if tags:
                yield tags
            tags, last_tag = {}, ""
            continue
        tags.setdefault(tag, []).append(value)
        last_tag = tag
    if tags:
        yield tags


def parse_ris(text: str, source: str) -> list[AbstractRecord]:
    records = []
    for tags in _ris_entries(text.lstrip("\ufeff")):
        first = {tag: values[0] for tag, values in tags.items()}
        records.append(
            _record(
                title=first.get("TI") or first.get("T1", ""),
                authors=tags.get("AU", []) + tags.get("A1", []),
                journal=next((first[t] for t in _RIS_JOURNAL_TAGS if first.get(t)), ""),
                year=_year(first.get("PY") or first.get("Y1") or first.get("DA")),
                doi=first.get("DO") or _find_doi(" ".join(tags.get("UR", []))),
                pmid=None,
                pmcid=None,
                sections=split_labelled(" ".join(tags.get("AB") or tags.get("N2") or [])),
                source=source,
            )
        )
    return records


# ---------------------------------------------------------------- BibTeX

_BIB_ENTRY_RE = re.compile(r"@\s*(\w+)\s*([{(])")
_BIB_FIELD_RE = re.compile(r"\s*,?\s*([A-Za-z][\w:-]*)\s*=\s*")
_BIB_IGNORED = {"comment", "preamble"}
_COMBINING = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "r": "\u030a", "k": "\u0328",
}  # fmt: skip
_LATEX_SYMBOLS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "o": "ø", "O": "Ø",
    "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "textendash": "–", "textemdash": "—", "textquoteright": "’",
    "textquoteleft": "‘", "ldots": "…", "dots": "…", "textregistered": "®", "texttrademark": "™",
    "alpha": "α", "beta": "β", "gamma": "γ", "kappa": "κ", "mu": "μ", "textmu": "μ", "pm": "±", "times": "×",
}  # fmt: skip
_SYMBOL_RE = re.compile(r"\\(" + "|".join(sorted(_LATEX_SYMBOLS, key=len, reverse=True)) + r")(?![A-Za-z])\s*(?:\{\})?")
_PUNCT_ACCENT_RE = re.compile(r"""\\(["'`^~=.])\s*(?:\{\s*([A-Za-zıȷ])\s*\}|([A-Za-zıȷ]))""")
_LETTER_ACCENT_RE = re.compile(r"\\([cvuHrk])(?:\s*\{\s*([A-Za-zıȷ])\s*\}|\s+([A-Za-zıȷ]))")


def _balanced_end(text: str, start: int, opening: str = "{", closing: str = "}") -> int:
    """Index just past the bracket that closes the one at `start`."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opening and text[index - 1] != "\\":
            depth += 1
        elif text[index] == closing and text[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return index + 1
    raise AbstractFormatError(f"unbalanced {opening}{closing} in BibTeX entry")


def _bibtex_value(text: str, start: int, macros: Mapping[str, str]) -> tuple[str, int]:
    """One field value (braced, quoted, number or @string macro, '#'-concatenated) and the index after it."""
    pieces = []
    index = start
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            break
        if text[index] == "{":
            end = _balanced_end(text, index)
            pieces.append(text[index + 1 : end - 1])
        elif text[index] == '"':
            end, depth = index + 1, 0
            while end < len(text) and not (text[end] == '"' and depth == 0):
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            pieces.append(text[index + 1 : end])
            end += 1
        else:
            bare = re.match(r"[^\s,#}]+", text[index:])
            word = bare.group(0) if bare else ""
            pieces.append(macros.get(word.lower(), word))
            end = index + (bare.end() if bare else 0)
        index = end
        concatenation = re.match(r"\s*#", text[index:])
        if not concatenation:
            break
        index += concatenation.end()
    return "".join(pieces), index


def _bibtex_entries(text: str) -> Iterator[dict[str, str]]:
    """Raw field values (braces kept) of each entry; @string macros resolved, comments skipped."""
    macros: dict[str, str] = {}
    position = 0
    while (match := _BIB_ENTRY_RE.search(text, position)) is not None:
        opening = match.group(2)
        end = _balanced_end(text, match.end() - 1, opening, "}" if opening == "{" else ")")
        position = end
        kind = match.group(1).lower()
        body = text[match.end() : end - 1]
        if kind == "string":
            macros.update(_bibtex_fields(body, macros))
        elif kind not in _BIB_IGNORED:
            yield _bibtex_fields(body.partition(",")[2], macros)


def _bibtex_fields(text: str, macros: Mapping[str, str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    index = 0
    while (field := _BIB_FIELD_RE.match(text, index)) is not None:
        value, index = _bibtex_value(text, field.end(), macros)
        fields[field.group(1).lower()] = value
    return fields


def _accented(match: re.Match[str]) -> str:
    """The letter of an accent command followed by its combining mark (NFC merges them)."""
    letter = (match.group(2) or match.group(3)).replace("ı", "i").replace("ȷ", "j")
    return letter + _COMBINING[match.group(1)]


def delatex(text: str) -> str:
    """Plain Unicode from BibTeX/LaTeX markup: accents, escapes, dashes, braces."""
    text = _SYMBOL_RE.sub(lambda m: _LATEX_SYMBOLS[m.group(1)], text)
    text = _PUNCT_ACCENT_RE.sub(_accented, text)
    text = _LETTER_ACCENT_RE.sub(_accented, text)
    text = re.sub(r"\\([&%$#_])", r"\1", text)
    text = re.sub(r"\\[A-Za-z]+\*?\s*", "", text)  # \emph, \textit …: keep their argument
    text = text.replace("---", "—").replace("--", "–")
    text = re.sub(r"(?<!\\)~", " ", text).replace("$", "")
    text = text.replace("{", "").replace("}", "").replace("\\", "")
    return _clean(unicodedata.normalize("NFC", text))


def _split_top_level(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split at `separator` where it is not inside braces."""
    parts, depth, start = [], 0, 0
    index = 0
    while index < len(text):
        char = text[index]
        depth += {"{": 1, "}": -1}.get(char, 0)
        match = separator.match(text, index) if depth == 0 else None
        if match and match.end() > index:
            parts.append(text[start:index])
            start = index = match.end()
            continue
        index += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _bibtex_author(raw_name: str) -> str:
    """ "Surname, Given" from "Surname, Given", "von Surname, Jr, Given" or "Given von Surname"."""
    parts = _split_top_level(raw_name, re.compile(r"\s*,\s*"))
    if len(parts) > 1:
        return delatex(f"{parts[0]}, {parts[-1]}")
    tokens = _split_top_level(raw_name, re.compile(r"\s+"))
    surname_start = len(tokens) - 1
    while surname_start > 1 and tokens[surname_start - 1][:1].islower():  # "van", "de la"
        surname_start -= 1
    given, surname = " ".join(tokens[:surname_start]), " ".join(tokens[surname_start:])
    return delatex(f"{surname}, {given}" if given else surname)


def parse_bibtex(text: str, source: str) -> list[AbstractRecord]:
    records = []
    for fields in _bibtex_entries(text):
        records.append(
            _record(
                title=delatex(fields.get("title", "")),
                authors=[
                    _bibtex_author(a) for a in _split_top_level(fields.get("author", ""), re.compile(r"\s+and\s+", re.IGNORECASE))
                ],
                journal=delatex(fields.get("journal") or fields.get("journaltitle", "")),
                year=_year(fields.get("year") or fields.get("date")),
                doi=delatex(fields.get("doi", "")) or None,
                pmid=delatex(fields.get("pmid", "")) or None,
                pmcid=delatex(fields.get("pmcid", "")) or None,
                sections=split_labelled(delatex(fields.get("abstract", ""))),
                source=source,
            )
        )
    return records


# ---------------------------------------------------------------- PDF

_PDF_ABSTRACT_START_RE = re.compile(r"^\s*abstract\b[\s:.—–-]*", re.IGNORECASE | re.MULTILINE)
# Where an abstract ends: a keywords line, or an Introduction/Background heading on its own line.
_PDF_ABSTRACT_END_RE = re.compile(
    r"^\s*(?:key\s?words?\b|(?:\d+\.?\s*)?(?:introduction|background)\s*$)", re.IGNORECASE | re.MULTILINE
)
_JUNK_METADATA_TITLE_RE = re.compile(r"^(?:microsoft word|untitled)|\.(?:docx?|pdf|tex|indd)$", re.IGNORECASE)


def _largest_text(page: pypdf.PageObject) -> str:
    """The run of largest-font text at the top of a page (a title, usually)."""
    fragments: list[tuple[str, float]] = []

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], _font: object, font_size: float) -> None:
        if text.strip():
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            fragments.append((text, font_size * scale))

    page.extract_text(visitor_text=visit)
    if not fragments:
        return ""
    largest = max(size for _, size in fragments)
    title: list[str] = []
    for text, size in fragments:
        if size >= 0.9 * largest:
            title.append(text)
        elif title:
            break
    return _clean(" ".join(title))


def _pdf_abstract(text: str) -> tuple[tuple[str, str], ...]:
    start = _PDF_ABSTRACT_START_RE.search(text)
    if start is None:
        raise AbstractFormatError("no 'Abstract' heading found on the first pages")
    rest = text[start.end() :]
    # Search from the second character so a leading "Background:" label is kept in the abstract.
    end = _PDF_ABSTRACT_END_RE.search(rest, 1)
    body = rest[: end.start()] if end else rest[:PDF_ABSTRACT_CAP]
    return split_labelled(body)


def parse_pdf(data: bytes, source: str) -> list[AbstractRecord]:
    """One record from an article PDF: title, DOI and the text under its Abstract heading."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise AbstractFormatError("encrypted PDF (a password is needed to read it)")
        pages = [page.extract_text() or "" for page in reader.pages[:2]]
        metadata_title = _clean(reader.metadata.title if reader.metadata else "")
        largest_text = _largest_text(reader.pages[0]) if reader.pages else ""
    except AbstractFormatError:
        raise
    except Exception as error:  # pypdf raises many kinds on damaged files; none may stop a build
        raise AbstractFormatError(f"unreadable PDF ({type(error).__name__}: {error})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise AbstractFormatError("PDF has no extractable text (a scanned PDF needs OCR first)")
    usable_metadata = len(metadata_title) >= 10 and not _JUNK_METADATA_TITLE_RE.search(metadata_title)
    return [
        _record(
            title=metadata_title if usable_metadata else largest_text or text.strip().splitlines()[0],
            authors=(),
            journal="",
            year=None,
            doi=_find_doi(text),
            pmid=None,
            pmcid=None,
            sections=_pdf_abstract(text),
            source=source,
        )
    ]


# ---------------------------------------------------------------- the abstracts folder


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AbstractFormatError("not UTF-8 text") from None


def _parse_text_file(data: bytes, source: str) -> list[AbstractRecord]:
    text = _decode(data)
    if not looks_like_medline(text):
        raise AbstractFormatError("text file without MEDLINE tags (PMID-, TI  -, AB  -)")
    return parse_medline(text, source)


_IMPORTERS: dict[str, Callable[[bytes, str], list[AbstractRecord]]] = {
    ".xml": parse_pubmed_xml,
    ".nbib": lambda data, source: parse_medline(_decode(data), source),
    ".medline": lambda data, source: parse_medline(_decode(data), source),
    ".txt": _parse_text_file,
    ".ris": lambda data, source: parse_ris(_decode(data), source),
    ".bib": lambda data, source: parse_bibtex(_decode(data), source),
    ".pdf": parse_pdf,
}


def _is_fetch_manifest(path: Path, folder: Path) -> bool:
    return path.name == FETCH_MANIFEST_NAME and path.parent.name == PUBMED_CACHE_DIR


def load_abstracts(folder: Path) -> tuple[list[AbstractRecord], list[SkippedFile]]:
    """Every record in `folder` (recursively), and the files or entries that could not be used."""
    records: list[AbstractRecord] = []
    skipped: list[SkippedFile] = []
    if not folder.is_dir():
        return records, skipped
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith(".") or _is_fetch_manifest(path, folder):
            continue
        importer = _IMPORTERS.get(path.suffix.lower())
        if importer is None:
            skipped.append(SkippedFile(path, f"unknown format {path.suffix or '(no extension)'!r}"))
            continue
        data = path.read_bytes()
        if not data.strip():
            skipped.append(SkippedFile(path, "empty file"))
            continue
        try:
            found = importer(data, path.relative_to(folder).as_posix())
        except AbstractFormatError as error:
            skipped.append(SkippedFile(path, str(error)))
            continue
        if not found:
            skipped.append(SkippedFile(path, "no records found"))
        for record in found:
            if record.sections:
                records.append(record)
            else:
                skipped.append(SkippedFile(path, f"entry {record.title[:80]!r} has no abstract"))
    return records, skipped


# ---------------------------------------------------------------- linking


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
    """Lowercase ASCII words of a title: markup, LaTeX, accents and punctuation removed."""
    text = re.sub(r"<[^>]+>", " ", html.unescape(delatex(title)))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _same_first_author(record: AbstractRecord, reference: Reference) -> bool:
    # The review's first_author is the first word of the name ("van" of "van der Berg").
    reference_words = normalise_title(reference.first_author).split()
    record_words = normalise_title(record.first_author_surname).split()
    return bool(reference_words) and record_words[: len(reference_words)] == reference_words


def _title_link(record: AbstractRecord, references: Sequence[Reference], titles: Sequence[str]) -> Link:
    title = normalise_title(record.title)
    best_score, best_reference = 0.0, None
    for reference, reference_title in zip(references, titles, strict=True):
        matcher = SequenceMatcher(None, title, reference_title)
        if matcher.real_quick_ratio() < TITLE_RATIO_WITH_AUTHOR_YEAR or matcher.quick_ratio() < TITLE_RATIO_WITH_AUTHOR_YEAR:
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


def _link(
    record: AbstractRecord,
    references: Sequence[Reference],
    titles: Sequence[str],
    by_doi: Mapping[str, int],
    by_pmid: Mapping[str, int],
) -> Link:
    if record.doi and normalise_doi(record.doi) in by_doi:
        return Link(record, by_doi[normalise_doi(record.doi)], "doi", 1.0)
    if record.pmid and record.pmid in by_pmid:
        return Link(record, by_pmid[record.pmid], "pmid", 1.0)
    return _title_link(record, references, titles)


def _identity(link: Link) -> tuple:
    """Records with the same identity are copies of one work for one reference."""
    record = link.record
    return (link.reference, normalise_title(record.title), record.year)


def link_abstracts(
    records: Iterable[AbstractRecord],
    references: Sequence[Reference],
    pmids: Mapping[int, str] | None = None,
) -> LinkReport:
    """Tie each record to a reference of the review: DOI, then PMID, then title (+ first author, year).

    `pmids` maps reference numbers to PubMed IDs; the fetch manifest provides it
    (`reviewqa.fetch.manifest_pmids`), as the review's references carry none.
    """
    by_doi = {normalise_doi(r.doi): r.number for r in references if normalise_doi(r.doi)}
    by_pmid = {pmid: number for number, pmid in (pmids or {}).items()}
    titles = [normalise_title(r.title) for r in references]
    kept: dict[tuple, Link] = {}
    duplicates: list[Duplicate] = []
    for record in records:
        link = _link(record, references, titles, by_doi, by_pmid)
        key = _identity(link)
        previous = kept.get(key)
        if previous is None:
            kept[key] = link
            continue
        longer, shorter = (link, previous) if len(record.text) > len(previous.record.text) else (previous, link)
        kept[key] = longer
        duplicates.append(Duplicate(link.reference, longer.record, shorter.record))
    return LinkReport(tuple(kept.values()), tuple(duplicates), len(references))

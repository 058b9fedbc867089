"""Parse the review's PDF-extracted text into typed records.

Input is the text as pypdf-style extraction leaves it: one paragraph per line,
blank lines between blocks, tables as tab-separated lines, page breaks that cut
paragraphs (and tables, and reference entries) in two, and licence/affiliation
boilerplate. Output is a `Document`: sections with paragraphs, tables with rows,
the numbered reference list, and the review's abbreviation list.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import CorpusProblem
from .records import Document, Paragraph, Reference, Section, Table, TableRow, expand_citations

_TABLE_TITLE_RE = re.compile(r"^Table (\d+)\s+(.*?)(\s*\(Continued\))?\s*$")
_REF_NUMBERED_RE = re.compile(r"^\s*(\d{1,3})\.\s+(.*)$")
_DOI_RE = re.compile(r"(?:doi\.org/|doi:\s*)(10\.\d{4,9}/[^\s<>\]]+)", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
# A short note defining abbreviations under a table ("ND no data").
_FOOTNOTE_RE = re.compile(r"^(Abbreviations:|[A-Z][A-Za-z0-9]{0,6}\s+[a-z])")
# A markdown link [text](url): the url may hold parentheses, so it ends at the ")" before punctuation or space.
_LINK_RE = re.compile(r"\[([^\]]+)\]\((\S+?)\)(?=[.,;]?(?:\s|$))")
_TERMINAL = (".", "?", "!", ":", ".)", ".”", "”", '."')

# Lines that are page furniture or licence text, not content.
_BOILERPLATE_PREFIXES = (
    "REVIEW",
    "Open Access",
    "© The Author",
    "Keywords:",
)
# Author metadata, kept as a section of its own ("where are the authors from?"): affiliations numbered by a
# superscript, the corresponding authors' addresses, the co-first authors' note.
_SUPERSCRIPT_START = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰]+")
_SUPERSCRIPT_DIGITS = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")
_CORRESPONDENCE = re.compile(r"^\*\s*Correspondence:\s*")
_CO_FIRST = re.compile(r"^\[†\]\s*")
AUTHOR_SECTION = "Author information"
# The journal's dates ("Received: 22 January 2021 Accepted: 17 March 2021", "Published online: 06 April 2021").
_HISTORY_LINE = re.compile(r"^(?:Received|Accepted|Published(?: online)?):\s")
HISTORY_SECTION = "Publication history"
_END_OF_ARTICLE = ("Publisher's Note", "Publisher’s Note")
_REFERENCES_HEADING = "References"
_ABBREVIATIONS_HEADING = "Abbreviations"


class ParseError(CorpusProblem):
    """The text does not have the layout of a review."""


def unmarkdown(text: str) -> str:
    """Plain text from the light markdown of the extraction: links, italics, escapes."""
    text = _LINK_RE.sub(r"\1", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = text.replace("**", "").replace("*", "")
    text = re.sub(r"\\([()\[\]_*])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _blocks(text: str) -> list[str]:
    """Non-empty lines, stripped of trailing whitespace; blank lines separate blocks."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def _is_boilerplate(line: str) -> bool:
    return line.strip().startswith(_BOILERPLATE_PREFIXES)


def _is_author_metadata(line: str) -> bool:
    stripped = line.strip()
    return bool(_SUPERSCRIPT_START.match(stripped) or _CORRESPONDENCE.match(stripped) or _CO_FIRST.match(stripped))


def _author_information(author_line: str, metadata: list[str]) -> Section | None:
    """The authors with their affiliation numbers, the affiliations in order, the co-first and corresponding authors."""
    paragraphs = []
    if author_line:
        numbered = re.sub(r"\^\{([^}]*)\}", lambda m: f" ({re.sub(r'[^0-9,]', '', m.group(1))})", author_line)
        numbered = re.sub(r"([¹²³⁴⁵⁶⁷⁸⁹⁰]+)", lambda m: f" ({m.group(1).translate(_SUPERSCRIPT_DIGITS)})", numbered)
        paragraphs.append("Authors and their affiliations: " + re.sub(r"\s+", " ", numbered.replace(" ()", "")).strip() + ".")
    affiliations = sorted((line.strip() for line in metadata if _SUPERSCRIPT_START.match(line.strip())),
                          key=lambda line: _SUPERSCRIPT_START.match(line)[0].translate(_SUPERSCRIPT_DIGITS))
    for line in affiliations:
        number = _SUPERSCRIPT_START.match(line)[0]
        paragraphs.append(f"Affiliation {number.translate(_SUPERSCRIPT_DIGITS)}: {line[len(number):].strip()}.")
    for line in metadata:
        stripped = line.strip()
        if _CO_FIRST.match(stripped):
            paragraphs.append(_CO_FIRST.sub("", stripped).rstrip(".") + ".")
        elif _CORRESPONDENCE.match(stripped):
            paragraphs.append("Corresponding authors' e-mail: " + _CORRESPONDENCE.sub("", stripped).rstrip(".") + ".")
    return Section(AUTHOR_SECTION, tuple(Paragraph(AUTHOR_SECTION, text, ()) for text in paragraphs)) if paragraphs else None


def _is_heading(line: str) -> bool:
    stripped = line.strip()
    return (
        "\t" not in line
        and 0 < len(stripped) <= 90
        and len(stripped.split()) <= 12
        and stripped[0].isupper()
        and not stripped.endswith((".", ",", ";", ":"))
        and ":" not in stripped
        and not stripped.startswith(("-", "Table "))
    )


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(_TERMINAL)


def _split_tables(lines: list[str]) -> tuple[list[str], list[Table]]:
    """Remove table blocks from the line stream; return the rest and the merged tables."""
    rest: list[str] = []
    parts: dict[int, dict] = {}
    i = 0
    while i < len(lines):
        title = _TABLE_TITLE_RE.match(lines[i])
        if not title or i + 1 >= len(lines) or "\t" not in lines[i + 1]:
            rest.append(lines[i])
            i += 1
            continue
        number = int(title.group(1))
        columns = tuple(c.strip() for c in lines[i + 1].split("\t"))
        part = parts.setdefault(number, {"title": title.group(2).strip(), "columns": columns, "rows": [], "notes": []})
        i += 2
        while i < len(lines) and "\t" in lines[i]:
            part["rows"].append(tuple(c.strip() for c in lines[i].split("\t")))
            i += 1
        if i < len(lines) and _FOOTNOTE_RE.match(lines[i]) and len(lines[i]) < 400 and not _TABLE_TITLE_RE.match(lines[i]):
            part["notes"].append(lines[i].strip())
            i += 1
    tables = []
    for number, part in sorted(parts.items()):
        columns = part["columns"]
        ref_column = next((c for c in columns if c.lower().startswith("reference")), None)
        rows = []
        for index, values in enumerate(part["rows"], start=1):
            values = values + ("",) * (len(columns) - len(values))
            cells = tuple(zip(columns, values))
            refs = expand_citations(dict(cells)[ref_column]) if ref_column else ()
            rows.append(TableRow(table=number, index=index, cells=cells, refs=refs))
        tables.append(Table(number, part["title"], columns, tuple(rows), tuple(part["notes"])))
    return rest, tables


def _join_page_breaks(blocks: list[str]) -> list[str]:
    """Re-join paragraphs that a page break (or a table) cut mid-sentence."""
    joined: list[str] = []
    for block in blocks:
        if joined and not _is_heading(block) and not _is_heading(joined[-1]) and not _ends_sentence(joined[-1]):
            glue = "" if joined[-1].endswith("/") else " "
            joined[-1] = f"{joined[-1]}{glue}{block.strip()}"
        else:
            joined.append(block.strip())
    return joined


def _parse_reference(number: int, raw: str) -> Reference:
    doi_match = _DOI_RE.search(raw.replace("\\", ""))
    doi = doi_match.group(1).rstrip(".,;)") if doi_match else None
    if doi and doi.count("(") > doi.count(")"):
        doi += ")"
    journal_match = re.search(r"\*([^*]+)\*", raw)
    # "…;32(3):373–383, doi: https://doi.org/10.1177/…": a few entries label their DOI link. Written as the others are
    # (". https://doi.org/…"), so that an entry shown beside its own link, which drops the address, never reads "doi:.".
    entry = re.sub(r"[,;.]?\s*doi:\s*(?=https?://(?:dx\.)?doi\.org/)", ". ", unmarkdown(raw), flags=re.IGNORECASE)
    head = raw[: journal_match.start()] if journal_match else raw
    head = unmarkdown(head)
    authors, _, title = head.partition(". ")
    if not journal_match:
        title = title.split(". ")[0]
    tail = raw[journal_match.end():] if journal_match else raw
    year_match = _YEAR_RE.search(tail) or _YEAR_RE.search(raw)
    return Reference(
        number=number,
        entry=entry,
        authors=authors.strip(),
        title=title.strip().rstrip("."),
        journal=journal_match.group(1).strip().rstrip(".") if journal_match else "",
        year=int(year_match.group(1)) if year_match else None,
        doi=doi,
    )


def parse_references(lines: list[str]) -> tuple[Reference, ...]:
    """The numbered list: bullets count from 1; a bullet starting in lower case continues the entry before it."""
    entries: list[list] = []  # [number, text]
    for line in lines:
        stripped = line.strip()
        numbered = _REF_NUMBERED_RE.match(stripped)
        if numbered:
            entries.append([int(numbered.group(1)), numbered.group(2)])
        elif stripped.startswith("- "):
            body = stripped[2:]
            if entries and (body[:1].islower() or not _ends_sentence(entries[-1][1])):
                entries[-1][1] = f"{entries[-1][1]} {body}"
            else:
                entries.append([len(entries) + 1, body])
        elif entries:
            entries[-1][1] = f"{entries[-1][1]} {stripped}"
    return tuple(_parse_reference(number, text) for number, text in entries)


def parse_abbreviations(text: str) -> dict[str, str]:
    """'ASA: Antisperm antibodies; AT-MSC: …' (or 'bFGF basic fibroblast …, BMP …') → {abbr: expansion}."""
    found: dict[str, str] = {}
    text = re.sub(r"^Abbreviations:?\s*", "", text.strip())
    if ";" in text or ": " in text:
        for item in text.split(";"):
            abbr, sep, expansion = item.partition(":")
            if sep:
                found[re.sub(r"\s+", "", abbr)] = expansion.strip().rstrip(".")
    else:
        for item in text.split(", "):
            abbr, _, expansion = item.strip().partition(" ")
            if expansion:
                found[abbr] = expansion.strip().rstrip(".")
    return found


def _clean_author_line(line: str) -> str:
    """'Rano Zhankina^{1†}, … and Amin Tamadon^{2*}' → 'Rano Zhankina, … and Amin Tamadon'."""
    return re.sub(r"\s+", " ", re.sub(r"\^\{[^}]*\}|[¹²³⁴⁵⁶⁷⁸⁹⁰*†]", "", line)).strip()


def parse_review(text: str, source: str = "review") -> Document:
    lines = _blocks(text)
    # The article ends at the publisher's note; everything after is furniture.
    end = next((i for i, line in enumerate(lines) if line.strip() in _END_OF_ARTICLE), len(lines))
    lines = lines[:end]
    start = next((i for i, line in enumerate(lines) if line.strip() == "Abstract"), None)
    if start is None:
        raise ParseError(f"{source}: no 'Abstract' heading, so this does not look like the review's text")
    front = [line.strip() for line in lines[:start]]
    title = max((line for line in front if "^{" not in line), key=len, default="")
    author_line = next((line for line in front if "^{" in line), "")
    authors = _clean_author_line(author_line)
    lines, tables = _split_tables(lines[start:])

    ref_start = next((i for i, line in enumerate(lines) if line.strip() == _REFERENCES_HEADING), len(lines))
    references = parse_references(lines[ref_start + 1:])
    content = [line for line in lines[:ref_start] if not _is_boilerplate(line)]
    metadata = [line for line in content if _is_author_metadata(line)]
    history = [line.strip() for line in content if _HISTORY_LINE.match(line.strip())]
    body = [line for line in content if not _is_author_metadata(line) and not _HISTORY_LINE.match(line.strip())]

    sections: list[Section] = []
    abbreviations: dict[str, str] = {}
    heading = raw_heading = ""
    paragraphs: list[Paragraph] = []

    def close() -> None:
        if paragraphs:
            sections.append(Section(heading, tuple(paragraphs)))

    for block in _join_page_breaks(body):
        if _is_heading(block):
            # A heading straight after an empty one is its subsection ("Methods › Focused question").
            parent = raw_heading if raw_heading and not paragraphs else ""
            close()
            heading, raw_heading, paragraphs = (f"{parent} › {block}" if parent else block), block, []
            continue
        # A link in the text keeps its words ("ClinicalTrials.gov"): a reader sees the name, never link markup.
        block = _LINK_RE.sub(r"\1", block)
        paragraphs.append(Paragraph(heading, block, expand_citations(block)))
        if heading == _ABBREVIATIONS_HEADING:
            abbreviations.update(parse_abbreviations(block))
    close()
    author_information = _author_information(author_line, metadata)
    if author_information is not None:
        sections.append(author_information)
    if history:
        sections.append(Section(HISTORY_SECTION, tuple(Paragraph(HISTORY_SECTION, line, ()) for line in history)))
    for table in tables:
        for note in table.notes:
            for abbr, expansion in parse_abbreviations(note).items():
                abbreviations.setdefault(abbr, expansion)
    return Document(source, title, authors, tuple(sections), tuple(tables), references, abbreviations)


def read_review(path: Path) -> Document:
    return parse_review(path.read_text(encoding="utf-8"), source=path.name)

"""BibTeX and biblatex files (Zotero, JabRef, Mendeley, EndNote exports).

Our own parser rather than bibtexparser v2: on the real-world files v2 drops EndNote's
entries that have no citation key, leaves `@string` concatenations (`jean # " " # cesar`)
unresolved and treats repeated keys (Mendeley writes many empty ones) as failed blocks.

Every scan is linear: the file is cut into blocks at lines that start with "@" (as
bibtexparser does), so a broken entry costs only its own block and the next entry is
read normally. Expansions are bounded: an `@string` macro may expand to at most
corpus.max_macro_chars characters (each `m{k} = m{k-1} # m{k-1}` doubles its length),
an entry to corpus.max_record_chars; lengths are checked before any text is joined.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import CorpusSettings
from .common import LimitExceeded, Parsed, entry_name, first_year, make_record, split_labelled, too_large
from .latex import delatex

_BLOCK_START_RE = re.compile(r"^[ \t]*@", re.MULTILINE)
_ENTRY_START_RE = re.compile(r"@[ \t]*([A-Za-z][\w-]*)\s*([{(])")
_SPACE_RE = re.compile(r"\s*")
_SEPARATORS_RE = re.compile(r"[\s,]*")
# Field and macro names: biblatex allows "author+an", JabRef writes "date-added", BibDesk "bdsk-url-1".
_NAME_RE = re.compile(r"[^\s=,{}()\"#%]+")
_KEY_RE = re.compile(r"[^\s,{}()=\"#%]*")
_BARE_VALUE_RE = re.compile(r"[^\s,#{}()\"=]+")
_BRACE_RE = re.compile(r"[{}]")
_QUOTED_RE = re.compile(r'[{}"]')
_AND_RE = r"(?i:\s+and\s+)"
_IGNORED = {"comment", "preamble"}
# Fields a crossref child does not take from its parent: its own abstract is not the book's.
_NOT_INHERITED = {"abstract", "crossref", "ids"}


class _Syntax(Exception):
    """An entry that is not well-formed BibTeX; the message says where it went wrong."""


@dataclass
class _Entry:
    key: str
    fields: dict[str, str]
    line: int


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    match = pattern.match(text, pos)
    return match.end() if match else pos


def _closing_brace(text: str, pos: int) -> int:
    """Index just past the "}" that closes the "{" at `pos` (escaped braces do not count)."""
    depth = 0
    for match in _BRACE_RE.finditer(text, pos):
        if match.start() > 0 and text[match.start() - 1] == "\\":
            continue
        depth += 1 if match.group() == "{" else -1
        if depth == 0:
            return match.end()
    raise _Syntax("unbalanced braces")


def _closing_quote(text: str, pos: int) -> int:
    """Index just past the '"' that closes the one at `pos` (quotes inside braces do not count)."""
    depth = 0
    for match in _QUOTED_RE.finditer(text, pos + 1):
        char = match.group()
        if char == '"' and depth == 0:
            return match.end()
        if char != '"' and (match.start() == 0 or text[match.start() - 1] != "\\"):
            depth += 1 if char == "{" else -1
    raise _Syntax("unclosed quoted value")


class _Reader:
    """Reads the values of one file's entries, resolving @string macros within the limits."""

    def __init__(self, limits: CorpusSettings) -> None:
        self.limits = limits
        self.macros: dict[str, str] = {}

    def value(self, text: str, pos: int, budget: int) -> tuple[str | None, int]:
        """One value (braced, quoted, number or macro, joined by '#') and the index after it.

        None when the value would be longer than `budget` characters: the text is then never joined.
        """
        pieces: list[str] = []
        length = 0
        while True:
            pos = _skip(_SPACE_RE, text, pos)
            char = text[pos : pos + 1]
            if char == "{":
                end = _closing_brace(text, pos)
                piece = text[pos + 1 : end - 1]
            elif char == '"':
                end = _closing_quote(text, pos)
                piece = text[pos + 1 : end - 1]
            else:
                bare = _BARE_VALUE_RE.match(text, pos)
                if bare is None:
                    raise _Syntax(f"expected a value, found {char or 'the end of the entry'!r}")
                end, word = bare.end(), bare.group()
                piece = self.macros.get(word.lower(), word)  # an undefined macro stays as written
            length += len(piece)
            if length <= budget:
                pieces.append(piece)
            pos = _skip(_SPACE_RE, text, end)
            if text.startswith("#", pos):
                pos += 1
                continue
            return ("".join(pieces) if length <= budget else None), pos

    def fields(self, text: str, pos: int, closing: str, budget: int) -> tuple[dict[str, str], int, bool]:
        """Fields up to the entry's closing delimiter: (fields, index after it, whether they fit `budget`)."""
        fields: dict[str, str] = {}
        used = 0
        while True:
            pos = _skip(_SEPARATORS_RE, text, pos)
            if pos >= len(text):
                raise _Syntax("entry not closed before the next one")
            if text[pos] == closing:
                return fields, pos + 1, used <= budget
            name = _NAME_RE.match(text, pos)
            if name is None:
                raise _Syntax(f"unexpected {text[pos]!r}")
            pos = _skip(_SPACE_RE, text, name.end())
            if not text.startswith("=", pos):
                raise _Syntax(f"expected '=' after {name.group()!r}")
            value, pos = self.value(text, pos + 1, max(0, budget - used))
            used += budget + 1 if value is None else len(value)
            if value is not None and used <= budget:
                fields.setdefault(name.group().lower(), value)  # BibTeX keeps the first of repeated fields

    def define_macros(self, text: str, pos: int, closing: str) -> int:
        fields, end, fits = self.fields(text, pos, closing, self.limits.max_macro_chars)
        if not fits:
            raise LimitExceeded(
                f"an @string macro expands to more than {self.limits.max_macro_chars:,} characters (corpus.max_macro_chars)"
            )
        self.macros.update(fields)
        return end

    def entry(self, text: str, pos: int, closing: str, line: int) -> tuple[_Entry | None, str | None]:
        """An entry, or None and why it was left out."""
        key_match = _KEY_RE.match(text, pos)
        after_key = _skip(_SPACE_RE, text, key_match.end())
        # EndNote writes no citation key: the first word is then a field name, followed by "=".
        key, fields_at = ("", pos) if text.startswith("=", after_key) else (key_match.group(), after_key)
        name = repr(key) if key else f"at line {line}"
        if len(text) > self.limits.max_record_chars:
            return None, too_large(name, self.limits)
        fields, _, fits = self.fields(text, fields_at, closing, self.limits.max_record_chars)
        if not fits:
            return None, too_large(entry_name(delatex(fields.get("title", "")), name), self.limits)
        return _Entry(key, fields, line), None


def _entries(text: str, limits: CorpusSettings) -> tuple[list[_Entry], list[str]]:
    reader = _Reader(limits)
    entries: list[_Entry] = []
    left_out: list[str] = []
    starts = [match.start() for match in _BLOCK_START_RE.finditer(text)]
    line, counted_to = 1, 0
    for start, end in zip(starts, starts[1:] + [len(text)]):
        line += text.count("\n", counted_to, start)
        counted_to = start
        block = text[start:end]
        opening = _ENTRY_START_RE.match(block, _skip(_SPACE_RE, block, 0))
        if opening is None:
            continue  # an "@" that starts no entry: text between entries is a comment
        kind, closing = opening.group(1).lower(), "}" if opening.group(2) == "{" else ")"
        try:
            if kind == "string":
                reader.define_macros(block, opening.end(), closing)
            elif kind not in _IGNORED:
                entry, reason = reader.entry(block, _skip(_SPACE_RE, block, opening.end()), closing, line)
                if entry is not None:
                    entries.append(entry)
                else:
                    left_out.append(reason)
        except _Syntax as error:
            left_out.append(f"@{kind} entry at line {line} is not valid BibTeX ({error})")
    return entries, left_out


def _inherit(entries: list[_Entry]) -> None:
    """Fill each crossref child's missing fields from its parent; the parent's title becomes the child's booktitle."""
    by_key = {entry.key.lower(): entry for entry in entries if entry.key}
    for entry in entries:
        parent = by_key.get(entry.fields.get("crossref", "").strip().lower())
        if parent is None or parent is entry:
            continue
        inherited = {name: value for name, value in parent.fields.items() if name not in _NOT_INHERITED}
        if "title" in inherited:
            inherited.setdefault("booktitle", inherited.pop("title"))
        entry.fields = {**inherited, **entry.fields}


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split at `separator` (a regular expression) where it is not inside braces."""
    parts, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|" + separator, text):
        token = match.group()
        if token == "{" or token == "}":
            depth += 1 if token == "{" else -1
        elif depth == 0:
            parts.append(text[start : match.start()])
            start = match.end()
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _author(raw_name: str) -> str:
    """ "Surname, Given" from "Surname, Given", "von Surname, Jr, Given" or "Given von Surname"."""
    parts = _split_top_level(raw_name, r"\s*,\s*")
    if len(parts) > 1:
        return delatex(f"{parts[0]}, {parts[-1]}")
    tokens = _split_top_level(raw_name, r"\s+")
    surname_start = len(tokens) - 1
    while surname_start > 1 and tokens[surname_start - 1][:1].islower():  # "van", "de la"
        surname_start -= 1
    given, surname = " ".join(tokens[:surname_start]), " ".join(tokens[surname_start:])
    return delatex(f"{surname}, {given}" if given else surname)


def _field(fields: Mapping[str, str], *names: str) -> str:
    return next((delatex(fields[name]) for name in names if fields.get(name, "").strip()), "")


def parse_bibtex(text: str, source: str, limits: CorpusSettings = CorpusSettings()) -> Parsed:
    entries, left_out = _entries(text, limits)
    _inherit(entries)
    parsed = Parsed(left_out=left_out)
    for entry in entries:
        fields = entry.fields
        people = fields.get("author") or fields.get("editor") or ""
        parsed.records.append(
            make_record(
                title=_field(fields, "title"),
                authors=[_author(name) for name in _split_top_level(people, _AND_RE)],
                journal=_field(fields, "journal", "journaltitle", "booktitle"),
                year=first_year([fields.get("year"), fields.get("date")]),
                doi=_field(fields, "doi") or None,
                pmid=_field(fields, "pmid") or None,
                pmcid=_field(fields, "pmcid") or None,
                sections=split_labelled(_field(fields, "abstract")),
                source=source,
            )
        )
    return parsed

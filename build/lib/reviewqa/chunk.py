"""Documents → chunks: the units that are embedded, indexed and quoted.

Prose is cut within a section on sentence boundaries, measured in tiktoken
tokens, with a few sentences of overlap. Every table row and every reference
entry is a chunk of its own; a table row is written as a self-describing
sentence (table title, column names) followed by the row as printed, so both a
question in words and a string copied from the table find it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable

import tiktoken

from .config import ChunkSettings
from .records import NO_DATA, Chunk, Document, Link, Reference, Table, TableRow, expand_citations

# Tokens before a full stop that do not end a sentence.
_NON_TERMINAL_WORDS = {"al", "e.g", "i.e", "vs", "no", "fig", "figs", "dr", "st", "approx", "ca", "cf", "eds", "ed"}
_SENTENCE_END_RE = re.compile(r"(?<=[.?!])[\"”)]?\s+(?=[A-Z0-9“\"(\[])")


@lru_cache(maxsize=4)
def _encoding(name: str) -> tiktoken.Encoding:
    return tiktoken.get_encoding(name)


def token_counter(encoding: str) -> Callable[[str], int]:
    enc = _encoding(encoding)
    return lambda text: len(enc.encode(text, disallowed_special=()))


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`; abbreviations and initials ('et al.', 'U. S.') do not end one."""
    sentences, start = [], 0
    for match in _SENTENCE_END_RE.finditer(text):
        before = text[start:match.start()].rstrip("\"”)")
        last_word = re.split(r"[\s(]", before)[-1].rstrip(".").lower()
        if last_word in _NON_TERMINAL_WORDS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        sentences.append(text[start:match.start()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _clauses(sentence: str, count: Callable[[str], int], max_tokens: int) -> list[str]:
    """A sentence too long for one chunk (a list like the abbreviations) is cut at its semicolons."""
    if count(sentence) <= max_tokens or "; " not in sentence:
        return [sentence]
    parts = sentence.split("; ")
    return [part + (";" if i < len(parts) - 1 else "") for i, part in enumerate(parts)]


def pack_sentences(sentences: list[str], count: Callable[[str], int], max_tokens: int, overlap_tokens: int) -> list[list[str]]:
    """Group consecutive sentences into windows of at most `max_tokens`, repeating
    up to `overlap_tokens` of trailing sentences at the start of the next window.
    A single sentence longer than the limit becomes a window of its own."""
    sizes = [count(s) for s in sentences]
    windows: list[list[int]] = []
    current: list[int] = []
    for i, size in enumerate(sizes):
        if current and sum(sizes[j] for j in current) + size > max_tokens:
            windows.append(current)
            carried: list[int] = []
            for j in reversed(current):
                if sum(sizes[k] for k in carried) + sizes[j] > overlap_tokens or len(carried) + 1 >= len(current):
                    break
                carried.insert(0, j)
            current = carried
        current.append(i)
    if current:
        windows.append(current)
    return [[sentences[i] for i in window] for window in windows]


def _prose_chunks(doc: Document, settings: ChunkSettings, stem: str) -> Iterable[Chunk]:
    count = token_counter(settings.encoding)
    n = 0
    front = f"{doc.title}. {doc.authors}." if doc.authors else doc.title
    groups = [("Title", [front])] + [(s.title, [p.text for p in s.paragraphs]) for s in doc.sections]
    groups += [(f"Table {t.number} — notes", list(t.notes)) for t in doc.tables if t.notes]
    for section, paragraphs in groups:
        sentences = [part for text in paragraphs for s in split_sentences(text) for part in _clauses(s, count, settings.max_tokens)]
        for window in pack_sentences(sentences, count, settings.max_tokens, settings.overlap_tokens):
            text = " ".join(window)
            n += 1
            yield Chunk(f"{stem}:prose:{n:03d}", "prose", section, text, expand_citations(text), doc.source, tuple(window))


def describe_row(table: Table, row: TableRow) -> str:
    """'Table 3 (…title…): Source: Bone marrow; …; References: [140]. Row: Bone marrow Allotransplant …'"""
    cells = "; ".join(f"{column}: {'no data' if value == NO_DATA else value}" for column, value in row.cells if value)
    return f"Table {table.number} ({table.title}): {cells}. Row: {row.raw}"


def lexical_text(chunk: Chunk) -> str:
    """The text BM25 indexes. A table row drops its table's long title, which every row of the
    table repeats (it would make all rows match any question using the field's common words),
    and keeps the short table label instead."""
    if chunk.kind != "table_row":
        return chunk.text
    return f"{chunk.section}: {chunk.text.split('): ', 1)[-1]}"


def _table_chunks(doc: Document, stem: str) -> Iterable[Chunk]:
    for table in doc.tables:
        for row in table.rows:
            text = describe_row(table, row)
            yield Chunk(
                f"{stem}:t{table.number}r{row.index:02d}", "table_row", table.name, text, row.refs,
                doc.source, (text,), table=table.number, row=row.index, cells=row.cells,
            )


def reference_chunk(ref: Reference, source: str, stem: str) -> Chunk:
    text = f"[{ref.number}] {ref.entry}"
    return Chunk(f"{stem}:ref:{ref.number:03d}", "reference", "References", text, (ref.number,), source, (text,), ref=ref.number)


def chunk_document(doc: Document, settings: ChunkSettings) -> list[Chunk]:
    stem = doc.source.rsplit(".", 1)[0]
    chunks = list(_prose_chunks(doc, settings, stem))
    chunks += _table_chunks(doc, stem)
    chunks += [reference_chunk(ref, doc.source, stem) for ref in doc.references]
    return chunks


def abstract_section(link: Link) -> str:
    return f"Abstract of [{link.reference}]" if link.reference else f"Uncited source: {link.record.title}"


def abstract_chunks(links: list[Link], settings: ChunkSettings) -> list[Chunk]:
    """Abstracts cut like prose; each chunk carries the reference it belongs to (none for an uncited source)."""
    count = token_counter(settings.encoding)
    chunks = []
    for number, link in enumerate(links, start=1):
        record = link.record
        sentences = [s for _, text in record.sections for s in split_sentences(text)]
        if record.title:
            sentences.insert(0, record.title.rstrip(".") + ".")
        refs = (link.reference,) if link.reference else ()
        stem = f"abstract:{link.reference}" if link.reference else f"abstract:uncited{number}"
        for part, window in enumerate(pack_sentences(sentences, count, settings.max_tokens, settings.overlap_tokens), start=1):
            chunks.append(Chunk(f"{stem}:{part}", "abstract", abstract_section(link), " ".join(window), refs, record.source,
                                tuple(window), ref=link.reference))
    return chunks


def split_oversized(chunks: list[Chunk], count: Callable[[str], int], limit: int) -> tuple[list[Chunk], list[str]]:
    """Cut chunks whose text exceeds `limit` in the embedder's own tokens into
    sentence windows that fit, so nothing is silently truncated; report what was
    cut, and any single sentence that still does not fit."""
    fitted, warnings = [], []
    for chunk in chunks:
        if count(chunk.text) <= limit:
            fitted.append(chunk)
            continue
        windows = pack_sentences(list(chunk.sentences) if len(chunk.sentences) > 1 else split_sentences(chunk.text), count, limit, 0)
        warnings.append(f"{chunk.id} exceeded {limit} embedder tokens; split into {len(windows)} parts")
        for part, window in enumerate(windows, start=1):
            text = " ".join(window)
            if count(text) > limit:
                warnings.append(f"{chunk.id} part {part} is one sentence over {limit} embedder tokens; its end is not embedded")
            fitted.append(
                Chunk(f"{chunk.id}.{part}", chunk.kind, chunk.section, text, expand_citations(text) or chunk.refs,
                      chunk.source, tuple(window), chunk.table, chunk.row, chunk.ref, chunk.cells)
            )
    return fitted, warnings

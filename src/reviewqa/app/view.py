"""Pure presentation for the Streamlit page: answers, passages, tables and references as safe Markdown or rows.

Nothing here retrieves or answers; it formats what reviewqa.assistant returns. Corpus and user
text goes through render.escape_markdown, so it stays literal text in the page (no links,
HTML, colours or math from a corpus file or a question); the only links are the ones made
here, to DOIs, PubMed searches and trial registries.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

import pandas as pd

from .. import lexical
from ..answer import Answer, Citation, Passage
from ..records import Reference
from ..render import cell_markdown, escape_markdown, linked_codes

KIND_LABELS = {"prose": "review text", "table_row": "tables", "reference": "reference list", "abstract": "abstracts"}
# Columns a reader looks for first: a trial is found by its code, so it leads even where the table is narrow.
_LEADING_COLUMNS = ("CT code",)
_FIRST_WORDS = 9
_LABEL_CELLS = 4
_LABEL_REFS = 4
UNSUPPORTED_MARK = "⚠ not supported by the passages it cites"


def offered_kinds(counts: Mapping[str, int]) -> list[str]:
    """The kinds of passage the index holds (by the manifest's chunk counts), in the sidebar's order."""
    return [kind for kind in KIND_LABELS if counts.get(kind, 0) > 0]


def chosen_kinds(chosen: Sequence[str], offered: Sequence[str]) -> frozenset[str] | None:
    """What a search is limited to: None when every kind on offer is chosen (no limit)."""
    return None if set(offered) <= set(chosen) else frozenset(chosen)


def kinds_phrase(kinds: Iterable[str]) -> str:
    """'review text and tables' — the kinds a search was limited to, as a reader names them."""
    labels = [KIND_LABELS.get(kind, kind) for kind in KIND_LABELS if kind in set(kinds)]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def nothing_found_notice(kinds: frozenset[str] | None, answer: Answer) -> str:
    """When a search limited to some kinds found nothing it could answer from, a line naming the limit ("" otherwise)."""
    if kinds is None or answer.covered:
        return ""
    return (f"The search was limited to {kinds_phrase(kinds)} (sidebar, “Search in”) and found nothing there that answers "
            "this; search everything to let the whole review answer.")


def reference_markdown(number: int, entry: str, url: str | None) -> str:
    """'[n] entry' with its link (the entry's own copy of the address is dropped)."""
    if url and url in entry:
        entry = entry.replace(url, "").rstrip(" .") + "."
    return f"**\\[{number}\\]** {escape_markdown(entry)}" + (f" [{_link_label(url)}]({url})" if url else "")


def _link_label(url: str) -> str:
    return "doi" if "doi.org" in url else "PubMed search"


def compact_reference(reference: Reference) -> str:
    """'[n] First author year, Journal' linked to the work: how an answer lists what it cites, in one short line."""
    who = reference.first_author or reference.title.split(" ")[0]
    others = " et al." if "," in reference.authors else ""
    year = f" {reference.year}" if reference.year else ""
    journal = f", *{escape_markdown(reference.journal)}*" if reference.journal else ""
    text = f"\\[{reference.number}\\] {escape_markdown(who)}{others}{year}{journal}"
    return f"[{text}]({reference.url})" if reference.url else text


def compact_references(citations: Sequence[Citation], references: Mapping[int, Reference]) -> str:
    """The answer's cited works, compactly, one line each (Markdown line breaks keep it one paragraph)."""
    lines = [compact_reference(references[c.ref]) if c.ref in references else f"\\[{c.ref}\\]" for c in citations]
    return "  \n".join(lines)


def written_sources_markdown(cited: Sequence[int | str], sources: Mapping[str, str], references: Mapping[int, Reference]) -> str:
    """What a written answer cites, one short line each: a reference compactly and linked, a label ("Table 4", "P3")
    with what it stands for."""
    return "  \n".join(compact_reference(references[label]) if isinstance(label, int) and label in references
                       else f"\\[{escape_markdown(str(label))}\\] {escape_markdown(sources.get(str(label), ''))}".rstrip()
                       for label in cited)


def highlighted_passage(passage: Passage) -> str:
    """The passage as safe Markdown, with the sentences quoted in the answer in bold and trial codes linked."""
    pieces, position = [], 0
    spans = sorted((start, start + len(sentence)) for sentence in passage.used if (start := passage.text.find(sentence)) >= 0)
    for start, end in spans:
        if start < position:
            continue
        pieces.append(escape_markdown(passage.text[position:start]))
        pieces.append(f"**{escape_markdown(passage.text[start:end].strip())}**")
        position = end
    pieces.append(escape_markdown(passage.text[position:]))
    return linked_codes("".join(pieces))


def passage_cells_markdown(passage: Passage) -> str:
    """A table row's cells, one 'column: value' line each (trial codes linked)."""
    return "  \n".join(f"**{escape_markdown(column)}:** {cell_markdown(column, value)}" for column, value in passage.cells if value)


def relevance(passage: Passage, best_score: float) -> str:
    """How near the passage came to the question, in words: retrieval's fused score against the best passage's."""
    if passage.used:
        return "quoted in the answer"
    share = passage.score / best_score if best_score > 0 else 0.0
    return "close match" if share >= 0.9 else "related" if share >= 0.7 else "loosely related"


def _opening(passage: Passage) -> str:
    """What the passage is about, in a few words: a row's first cells (and its trial code), else its first words."""
    if passage.cells:
        values = [value for column, value in passage.cells if value and column != "References"]
        code = dict(passage.cells).get("CT code")
        shown = values[:_LABEL_CELLS] + ([code] if code and code not in values[:_LABEL_CELLS] else [])
        return " · ".join(shown)
    words = re.sub(r"^\[\d+\]\s*", "", passage.text).split()  # a reference entry's own number is in the label
    return " ".join(words[:_FIRST_WORDS]) + ("…" if len(words) > _FIRST_WORDS else "")


def _refs_phrase(refs: Sequence[int]) -> str:
    if not refs:
        return ""
    shown = ", ".join(str(ref) for ref in refs[:_LABEL_REFS])
    return f"cites [{shown}{', …' if len(refs) > _LABEL_REFS else ''}]"


def passage_label(passage: Passage, best_score: float) -> str:
    """An evidence expander's label: where the passage is, how it opens, what it cites, how near it is (safe Markdown)."""
    where = f"Reference [{passage.ref}]" if passage.kind == "reference" and passage.ref else passage.section
    cites = _refs_phrase(passage.refs) if passage.kind in ("prose", "table_row") else ""  # an entry cites only itself
    parts = [f"{where}: “{_opening(passage)}”", cites, relevance(passage, best_score)]
    return escape_markdown(" · ".join(part for part in parts if part))


def table_frame(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> pd.DataFrame:
    """Table rows as Markdown cells for st.table: trial codes linked to their registry and moved first, so the code
    is in view however narrow the column."""
    order = [columns.index(c) for c in _LEADING_COLUMNS if c in columns] + [i for i, c in enumerate(columns) if c not in _LEADING_COLUMNS]
    body = [[cell_markdown(columns[i], str(row[i])) for i in order] for row in rows]
    return pd.DataFrame(body, columns=[escape_markdown(columns[i]) for i in order])


def filter_rows(rows: Iterable, chosen: dict[str, Sequence[str]]) -> list:
    """Typed rows (reviewqa.tabledata.TypedRow) having, in every filtered column, one of the chosen values."""
    return [row for row in rows
            if all(not values or set(values) & set(row.column_values(column)) for column, values in chosen.items())]


def matches_search(search: str, entry: str) -> bool:
    """Does a reference entry match what is typed so far? Every word, in any of its forms ("exosome" finds
    "Exosomal"; a word being typed matches as a prefix), or the text as typed (a DOI, a page range)."""
    search = search.strip()
    if not search or search.lower() in entry.lower():
        return True
    wanted = lexical.tokenize(search)
    stems = set(lexical.tokenize(entry))
    return bool(wanted) and all(any(stem.startswith(word) for stem in stems) for word in wanted)


def written_answer_markdown(pieces: Sequence[tuple[str, bool | None]]) -> str:
    """A written answer (reviewqa.written.segments) as safe Markdown, each unsupported sentence highlighted and followed
    by a mark in words, so the warning is read out too."""
    return "".join(escape_markdown(piece) if supported is not False
                   else f":orange-background[{escape_markdown(piece)}] **{UNSUPPORTED_MARK}**" for piece, supported in pieces)


def timing_line(answer: Answer) -> str:
    return f"Answered in {answer.timings_ms.get('total', 0) / 1000:.1f} s"

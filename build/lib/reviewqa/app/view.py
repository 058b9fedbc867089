"""Pure presentation for the Streamlit page: answers, passages and references as safe Markdown or rows.

Nothing here retrieves or answers; it formats what reviewqa.assistant returns. Corpus and user
text goes through render.escape_markdown, so it stays literal text in the page (no links,
HTML, colours or math from a corpus file or a question).
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator, Sequence

from ..answer import Answer, Passage
from ..records import trial_url
from ..render import escape_markdown

_SENTENCE_END = re.compile(r"(?<=[.!?\]])\s+")

KIND_LABELS = {"prose": "review text", "table_row": "tables", "reference": "references", "abstract": "abstracts"}


def sentences(markdown: str) -> Iterator[str]:
    """A Markdown paragraph in sentence-sized pieces, for st.write_stream; joined they give it back."""
    parts = _SENTENCE_END.split(markdown)
    for position, part in enumerate(parts):
        yield part + (" " if position < len(parts) - 1 else "")


def reference_markdown(number: int, entry: str, url: str | None) -> str:
    """"[n] entry" with its link (the entry's own copy of the address is dropped)."""
    if url and url in entry:
        entry = entry.replace(url, "").rstrip(" .") + "."
    label = "doi" if url and "doi.org" in url else "PubMed search"
    return f"**\\[{number}\\]** {escape_markdown(entry)}" + (f" [{label}]({url})" if url else "")


def highlighted_passage(passage: Passage) -> str:
    """The passage as safe Markdown, with the sentences quoted in the answer in bold."""
    pieces, position = [], 0
    spans = sorted((start, start + len(sentence)) for sentence in passage.used if (start := passage.text.find(sentence)) >= 0)
    for start, end in spans:
        if start < position:
            continue
        pieces.append(escape_markdown(passage.text[position:start]))
        pieces.append(f"**{escape_markdown(passage.text[start:end].strip())}**")
        position = end
    pieces.append(escape_markdown(passage.text[position:]))
    return "".join(pieces)


def passage_label(passage: Passage, rank: int) -> str:
    used = " · quoted" if passage.used else ""
    return f"{rank}. {passage.section} — {KIND_LABELS.get(passage.kind, passage.kind)} · score {passage.score:.3f}{used}"


def registry_column(codes: Iterable[str]) -> list[str | None]:
    """The registry page of each trial code (None where a code has none)."""
    return [trial_url(code) for code in codes]


def filter_rows(rows: Iterable, chosen: dict[str, Sequence[str]]) -> list:
    """Typed rows (reviewqa.tabledata.TypedRow) having, in every filtered column, one of the chosen values."""
    return [row for row in rows
            if all(not values or set(values) & set(row.column_values(column)) for column, values in chosen.items())]


def answer_summary_line(answer: Answer) -> str:
    return f"Answered in {answer.timings_ms.get('total', 0):.0f} ms"

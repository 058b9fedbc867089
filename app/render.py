"""Pure formatting for the Streamlit app: corpus text → safe markdown, answers → display blocks, export.

Nothing here retrieves or answers; it only presents what reviewqa.assistant returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from reviewqa.answer import Answer, Passage

# Every ASCII punctuation mark markdown, GFM or Streamlit's directives (":red[…]", ":emoji:", "$math$") could act on.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&])")
_MARKDOWN_TABLE_LINE = re.compile(r"^\|.*\|$")
_BOLD_TITLE = re.compile(r"^\*\*(?P<title>[^*\n]+)\*\*$")
_SENTENCE_END = re.compile(r"(?<=[.!?\]])\s+")
_CLINICAL_TRIALS_CODE = re.compile(r"^NCT\d{8}$")
_IRCT_CODE = re.compile(r"^IRCT\w+$")

KIND_LABELS = {"prose": "review text", "table_row": "tables", "reference": "references", "abstract": "abstracts"}


def escape_markdown(text: str) -> str:
    """Corpus or user text shown through st.markdown stays literal text (no links, HTML, colours, math)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


@dataclass(frozen=True)
class TableView:
    """A table to show with st.dataframe (its title, if any, is the paragraph before it)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = str | TableView  # markdown, or a table


def answer_blocks(answer: Answer) -> list[Block]:
    """The answer's markdown split into safe markdown paragraphs and its tables as data.

    The library writes tables into `answer.text` as markdown; they are shown from their
    structured form (answer.table, answer.tables) instead, matched by their header row.
    """
    tables = {tuple(block.columns): TableView(tuple(block.columns), tuple(block.rows)) for block in answer.tables}
    if answer.table and answer.table.get("rows"):
        exact = answer.table
        tables[tuple(exact["columns"])] = TableView(tuple(exact["columns"]), tuple(map(tuple, exact["rows"])))
    blocks: list[Block] = []
    for paragraph in answer.text.split("\n\n"):
        lines = paragraph.strip().splitlines()
        if lines and all(_MARKDOWN_TABLE_LINE.match(line) for line in lines):
            header = tuple(cell.strip().replace(r"\|", "|") for cell in re.split(r"(?<!\\)\|", lines[0])[1:-1])
            blocks.append(tables.get(header) or TableView(header, tuple(
                tuple(cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]) for line in lines[2:])))
        elif title := _BOLD_TITLE.match(paragraph.strip()):
            blocks.append(f"**{escape_markdown(title['title'])}**")
        elif paragraph.strip():
            blocks.append(escape_markdown(paragraph.strip()))
    return blocks


def sentences(markdown: str) -> Iterator[str]:
    """A markdown paragraph in sentence-sized pieces, for st.write_stream; joined they give it back."""
    parts = _SENTENCE_END.split(markdown)
    for position, part in enumerate(parts):
        yield part + (" " if position < len(parts) - 1 else "")


def reference_markdown(number: int, entry: str, doi: str | None) -> str:
    """"[n] entry doi:…" with the DOI as a link (the entry's own copy of the address is dropped)."""
    url = f"https://doi.org/{doi}" if doi else None
    if url and url in entry:
        entry = entry.replace(url, "").rstrip(" .") + "."
    return f"**\\[{number}\\]** {escape_markdown(entry)}" + (f" [doi:{escape_markdown(doi)}]({url})" if url else "")


def highlighted_passage(passage: Passage) -> str:
    """The passage as safe markdown, with the sentences quoted in the answer in bold."""
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


def trial_url(code: str) -> str | None:
    """Registry page of a clinical-trial code (ClinicalTrials.gov, or IRCT's search)."""
    code = code.strip()
    if _CLINICAL_TRIALS_CODE.match(code):
        return f"https://clinicaltrials.gov/study/{code}"
    if _IRCT_CODE.match(code):
        return f"https://www.irct.ir/search/result?query={code}"
    return None


def filter_rows(rows: Iterable, chosen: dict[str, Sequence[str]]) -> list:
    """Typed rows (reviewqa.tables.TypedRow) having, in every filtered column, one of the chosen values."""
    return [row for row in rows
            if all(not values or set(values) & set(row.column_values(column)) for column, values in chosen.items())]


def conversation_markdown(answers: Sequence[Answer]) -> str:
    """The conversation as a Markdown document, each answer with the full entries of its references."""
    lines = ["# reviewqa conversation", "",
             "Answers quote Zhankina, Baghban et al., Stem Cell Res Ther 12:229 (2021), doi:10.1186/s13287-021-02295-9.", ""]
    for number, answer in enumerate(answers, 1):
        lines += [f"## {number}. {escape_markdown(answer.question)}", ""]
        if answer.interpreted:
            lines += [f"*Read as: {escape_markdown(answer.interpreted)}*", ""]
        lines += [answer.text, ""]
        if answer.citations:
            lines += ["**References**", ""]
            lines += [f"- [{c.ref}] {c.entry}" + (f" <{c.url}>" if c.url and c.url not in c.entry else "") for c in answer.citations]
            lines.append("")
    return "\n".join(lines)

"""What a written answer may draw on: the passages retrieval chose and, for a table question, the exact table result.

This is the narrow input of the written-answer steps (context → model server → verification), so they do
not depend on the shape of `reviewqa.answer.Answer`; `evidence_from_answer` is the one place that knows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..answer import Answer, Passage
from ..tableanswer import TableResult

# chunk.py names a table row's chunk "<source>:t<table>r<row>"; the id is all an answer's passage keeps of it.
_TABLE_ROW_ID_RE = re.compile(r":t(\d+)r(\d+)$")


@dataclass(frozen=True)
class ContextPassage:
    """One passage as the model is shown it."""

    id: str
    kind: str  # prose | table_row | reference | abstract
    section: str  # where it stands: a section of the review, "Table 3 — in vivo models", "Abstract of [121]"
    text: str
    refs: tuple[int, ...]  # the review's reference numbers it cites (an abstract or entry: the work it belongs to)
    table_row: tuple[int, int] | None = None  # (table, row) of a table row


@dataclass(frozen=True)
class TableEvidence:
    """The exact answer from the review's tables (reviewqa.tables), row by row."""

    summary: str
    tables: tuple[int, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_refs: tuple[tuple[int, ...], ...]
    row_ids: tuple[tuple[int, int], ...]  # (table, row) of each row


@dataclass(frozen=True)
class Evidence:
    question: str
    covered: bool  # False: the review does not cover the question, and no model is asked
    passages: tuple[ContextPassage, ...]  # best first, as the answer lists them
    table: TableEvidence | None = None


def _context_passage(passage: Passage) -> ContextPassage:
    row = _TABLE_ROW_ID_RE.search(passage.id) if passage.kind == "table_row" else None
    # A table row's own text repeats the table's long title; its cells say the same in a third of the tokens.
    text = "; ".join(f"{column}: {value}" for column, value in passage.cells) if passage.cells else passage.text
    return ContextPassage(passage.id, passage.kind, passage.section, text, passage.refs, (int(row[1]), int(row[2])) if row else None)


def _table_evidence(table: TableResult) -> TableEvidence:
    return TableEvidence(table.summary, table.tables, table.columns, table.rows, table.row_refs, table.row_ids)


def evidence_from_answer(answer: Answer) -> Evidence:
    """The evidence behind the extractive `answer`: its passages (best first) and its exact table result."""
    return Evidence(answer.interpreted or answer.question, answer.covered, tuple(map(_context_passage, answer.passages)),
                    _table_evidence(answer.table) if answer.table is not None else None)

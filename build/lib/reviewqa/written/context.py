"""Evidence → the prompt a model server answers from: labelled passages packed best-first within a token budget.

Every item of context is labelled with what the model may cite it as, so each citation in the answer
can be traced to what the model was shown:

- a passage that cites references carries the review's own numbers: a sentence ending "… about 13.4% [22]"
  is cited as [22], exactly as a reader of the review would cite it;
- an abstract, or a reference-list entry, is cited by the number of the work it belongs to: [121];
- a table row that cites no reference (the clinical trials of Table 4), and the exact table result's
  summary, are cited by their table: [Table 4];
- any other passage without a marker (review text the authors wrote without citing, an uncited abstract) is
  cited as [P<n>], n being its place in the list of supporting passages the CLI, the JSON and the app show.

Token counts use tiktoken's offline encoding: the model's own tokenizer is unknown here, and the budget is a
ceiling to stay well under the server's context window, not an exact fit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from ..chunk import token_counter
from ..records import table_name
from .evidence import ContextPassage, Evidence, TableEvidence

Label = int | str  # a reference number, or "Table 3" / "P4"
_TABLE_LABEL_RE = re.compile(r"Table (\d+)")

# The model's whole reply when the passages do not answer: recognised exactly, so a refusal is not
# mistaken for an answer with no citations.
NO_ANSWER = "The passages do not answer this question."

INSTRUCTIONS = f"""You answer questions about one systematic review and the abstracts of works it cites, using only the passages given with the question.
- State only what the passages say; add nothing from your own knowledge.
- End every sentence that states a fact with the labels of the passages it rests on, in square brackets, exactly as given after "Cite as" (for example [22], [Table 3] or [P4]). Cite no other labels.
- Keep numbers exactly as the passages give them.
- If the passages do not answer the question, reply only: {NO_ANSWER}
- Write a few sentences of plain prose: no headings, no list of references."""

KIND_NAMES = {"prose": "review text", "table_row": "table row", "reference": "reference list entry", "abstract": "abstract",
              "table_result": "exact result from the review's tables"}


@dataclass(frozen=True)
class ContextItem:
    """One labelled piece of context, as sent."""

    labels: tuple[Label, ...]
    source: str  # where it comes from, shown to the model and in the references of the written answer
    text: str
    passage_id: str


@dataclass(frozen=True)
class PackedContext:
    question: str
    items: tuple[ContextItem, ...]  # what the model was shown, best first
    left_out: int  # items that did not fit the budget
    tokens: int  # of the whole prompt
    messages: tuple[dict[str, str], ...]  # the chat messages sent

    @property
    def labels(self) -> frozenset[Label]:
        return frozenset(label for item in self.items for label in item.labels)

    def source_of(self, label: Label) -> str:
        """What a label stands for: a table of the review, or the first item carrying it."""
        table = _TABLE_LABEL_RE.fullmatch(str(label))
        return table_name(int(table[1])) if table else next(item.source for item in self.items if label in item.labels)


def table_label(number: int) -> str:
    return f"Table {number}"


def passage_label(rank: int) -> str:
    return f"P{rank}"


def _passage_item(passage: ContextPassage, rank: int) -> ContextItem:
    labels: tuple[Label, ...]
    if passage.refs:
        labels = passage.refs
    elif passage.table_row:
        labels = (table_label(passage.table_row[0]),)
    else:
        labels = (passage_label(rank),)
    return ContextItem(labels, f"{passage.section} ({KIND_NAMES.get(passage.kind, passage.kind)})", passage.text, passage.id)


def _table_items(table: TableEvidence) -> list[ContextItem]:
    """The summary, then each row with the references it cites (or, citing none, its table)."""
    summary = ContextItem(tuple(map(table_label, table.tables)), KIND_NAMES["table_result"], table.summary, "table:summary")
    rows = [
        ContextItem(refs or (table_label(row_id[0]),), f"{table_label(row_id[0])} row {row_id[1]}",
                    "; ".join(f"{column}: {value}" for column, value in zip(table.columns, cells)), f"table:{row_id[0]}:{row_id[1]}")
        for cells, refs, row_id in zip(table.rows, table.row_refs, table.row_ids)
    ]
    return [summary, *rows]


def context_items(evidence: Evidence) -> list[ContextItem]:
    """Everything the model may be shown, best first: an exact table result (it answers the question as data),
    then the passages in retrieval order, less the table rows the result already holds."""
    items = _table_items(evidence.table) if evidence.table else []
    in_result = set(evidence.table.row_ids) if evidence.table else set()
    items += [_passage_item(passage, rank) for rank, passage in enumerate(evidence.passages, start=1)
              if passage.table_row not in in_result]
    return items


def _block(item: ContextItem) -> str:
    return f"Cite as {' '.join(f'[{label}]' for label in item.labels)} — {item.source}\n{item.text}"


def _user_message(question: str, blocks: list[str]) -> str:
    return f"Question: {question}\n\nPassages, best match first:\n\n" + "\n\n".join(blocks)


@lru_cache(maxsize=2)
def _counter(encoding: str) -> Callable[[str], int]:
    return token_counter(encoding)


def pack_context(evidence: Evidence, budget_tokens: int, encoding: str) -> PackedContext:
    """The prompt for `evidence`: instructions, the question and as many items as fit in `budget_tokens`,
    taken best-first; an item too large for what is left is skipped and smaller later ones may still fit."""
    count = _counter(encoding)
    used = count(INSTRUCTIONS) + count(_user_message(evidence.question, []))
    chosen, blocks, left_out = [], [], 0
    for item in context_items(evidence):
        block = _block(item)
        size = count("\n\n" + block)
        if used + size > budget_tokens:
            left_out += 1
            continue
        used += size
        chosen.append(item)
        blocks.append(block)
    messages = ({"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": _user_message(evidence.question, blocks)})
    return PackedContext(evidence.question, tuple(chosen), left_out, used, messages)

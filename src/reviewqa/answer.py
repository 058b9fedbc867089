"""Ranked passages → an extractive, cited answer.

The answer quotes the corpus: the sentences of the top passages that best match
the question (by their precomputed embeddings and by shared words), in the
order the review gives them, each with its own citation markers; table rows are
shown as a table. Only the framing words are ours. When even the best passage
is far from the question, the answer says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import re
from typing import Any, Callable, Sequence

import numpy as np

from . import lexical
from .config import AnswerSettings
from .records import Chunk, Document, Reference, expand_citations
from .retrieve import Hit
from .store import IndexData

NOT_COVERED = "The review does not seem to cover this question; the nearest passages are listed below."
_LEXICAL_WEIGHT = 0.35  # how much shared words add to a sentence's cosine similarity
_RANK_PRIOR = 0.04  # small preference for sentences from higher-ranked passages
_MARGIN = 0.15  # sentences within this much of the best one are worth quoting
_SECOND_FLOOR = 0.45  # one more unit this good is quoted too: the best match is often only the lead-in
_QUOTABLE = ("prose", "abstract", "table_row")
# A sentence opening like this draws the conclusion of the one before ("As a result, … about 13.4%"),
# often without repeating the question's words: it is quoted along with a quoted predecessor.
_CONCLUDES_RE = re.compile(r"^(As a result|Therefore|Thus|Hence|Consequently|Accordingly)\b")


@dataclass(frozen=True)
class Citation:
    ref: int
    entry: str
    doi: str | None

    @property
    def url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None


@dataclass(frozen=True)
class Passage:
    id: str
    kind: str
    section: str
    text: str
    score: float
    similarity: float
    refs: tuple[int, ...]
    used: tuple[str, ...] = ()  # sentences of this passage quoted in the answer
    cells: tuple[tuple[str, str], ...] = ()
    ref: int | None = None


@dataclass(frozen=True)
class TableBlock:
    section: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # markdown with inline [n] markers
    covered: bool
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    tables: tuple[TableBlock, ...] = ()
    interpreted: str = ""  # how a follow-up was read, when it differs from the question
    table: dict[str, Any] | None = None  # exact table answer (see tables.py), when the question is one
    timings_ms: dict[str, float] = field(default_factory=dict)


def reference_lookup(documents: list[Document]) -> dict[int, Reference]:
    return {ref.number: ref for doc in documents for ref in doc.references}


Focus = Callable[[Chunk, str], bool]


def focus_on(refs: Sequence[int], codes: Sequence[str]) -> Focus | None:
    """What makes a unit relevant to a question about named works or trial codes: citing one, or naming one."""
    if not refs and not codes:
        return None
    wanted_refs, wanted_codes = set(refs), [code.upper() for code in codes]

    def relevant(chunk: Chunk, sentence: str) -> bool:
        own = (chunk.ref,) if chunk.kind == "abstract" else expand_citations(sentence) if chunk.kind == "prose" else chunk.refs
        return bool(wanted_refs & set(own)) or any(code in sentence.upper() for code in wanted_codes)

    return relevant


def _unit_scores(question_tokens: set[str], query_vector: np.ndarray, hits: list[Hit], index: IndexData,
                 focus: Focus | None) -> list[tuple[float, int, int]]:
    """(score, chunk position, sentence number) for every quotable unit among `hits`: the
    sentences of prose passages and whole table rows, scored alike (cosine + shared words).
    With a `focus`, only the units it finds relevant."""
    scored = []
    for rank, hit in enumerate(hits):
        if hit.chunk.kind not in _QUOTABLE:
            continue
        rows = np.flatnonzero(index.sentence_chunks == hit.position)
        similarities = index.sentence_vectors[rows] @ query_vector
        for number, similarity in enumerate(similarities):
            if focus and not focus(hit.chunk, hit.chunk.sentences[number]):
                continue
            words = set(lexical.tokenize(hit.chunk.sentences[number]))
            overlap = len(question_tokens & words) / len(question_tokens) if question_tokens else 0.0
            scored.append((float(similarity) + _LEXICAL_WEIGHT * overlap + _RANK_PRIOR / (1 + rank), hit.position, number))
    return scored


def _pick_units(scored: list[tuple[float, int, int]], index: IndexData, settings: AnswerSettings,
                margin: float = _MARGIN) -> list[tuple[int, int]]:
    """The best units (distinct texts) within a margin of the best one, in reading order."""
    if not scored:
        return []
    scored.sort(reverse=True)
    best = scored[0][0]
    chosen, texts, extra_taken = [], set(), False
    for score, position, number in scored:
        within = score >= best - margin
        extra = not extra_taken and score >= _SECOND_FLOOR
        if len(chosen) >= settings.max_sentences or not (within or extra):
            break
        text = index.chunks[position].sentences[number]
        if text in texts:
            continue
        extra_taken = extra_taken or not within
        texts.add(text)
        chosen.append((position, number))
        sentences = index.chunks[position].sentences
        if number + 1 < len(sentences) and _CONCLUDES_RE.match(sentences[number + 1]) and sentences[number + 1] not in texts:
            texts.add(sentences[number + 1])
            chosen.append((position, number + 1))
    return sorted(chosen)


def _quote(chunk: Chunk, sentences: list[str]) -> str:
    """Sentences of one passage as quoted; an abstract's words are labelled with the work they come from."""
    text = " ".join(sentences)
    return f"Abstract of [{chunk.ref}]: {text}" if chunk.kind == "abstract" and chunk.ref else text


def _table_blocks(chunks: list[Chunk]) -> tuple[TableBlock, ...]:
    rows_by_table: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]]]] = {}
    for chunk in chunks:
        columns = tuple(column for column, _ in chunk.cells)
        rows_by_table.setdefault(chunk.section, (columns, []))[1].append(tuple(value for _, value in chunk.cells))
    return tuple(TableBlock(section, columns, tuple(rows)) for section, (columns, rows) in rows_by_table.items())


def markdown_table(columns: tuple[str, ...] | list[str], rows) -> str:
    def cell(value: str) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def citations_for(text: str, references: dict[int, Reference]) -> tuple[Citation, ...]:
    """The references cited in `text`, in order of first appearance."""
    return tuple(
        Citation(n, references[n].entry, references[n].doi) for n in expand_citations(text) if n in references
    )


def compose(
    question: str,
    query_words: list[str],
    query_vector: np.ndarray,
    hits: list[Hit],
    index: IndexData,
    references: dict[int, Reference],
    settings: AnswerSettings,
    table: dict[str, Any] | None = None,
    focus: Focus | None = None,
) -> Answer:
    """An extractive answer from `hits` for `question` (`query_words`: its lexical tokens, as expanded for matching).
    An exact `table` result (tables.to_json) with matching rows is the answer; the passages stay as evidence.
    With a `focus` (see focus_on), only the units it finds relevant are quoted, if any are at hand."""
    top = hits[: settings.passages]
    exact = table is not None and table["count"] > 0
    citing = [hit for hit in top if focus and hit.chunk.kind != "reference" and any(focus(hit.chunk, s) for s in hit.chunk.sentences)]
    top = citing or top
    covered = exact or bool(citing) or (bool(top) and max(hit.similarity for hit in top) >= settings.min_evidence)
    quoted: dict[int, list[str]] = {}
    rows: list[Chunk] = []
    if covered and not exact:
        question_tokens = set(query_words)
        # About a named work or trial, every unit that cites or names it is relevant (there are few): no margin.
        units = _unit_scores(question_tokens, query_vector, top, index, focus if citing else None)
        for position, number in _pick_units(units, index, settings, margin=float("inf") if citing else _MARGIN):
            chunk = index.chunks[position]
            quoted.setdefault(position, []).append(chunk.sentences[number])
            if chunk.kind == "table_row":
                rows.append(chunk)
    prose = " ".join(_quote(index.chunks[position], texts) for position, texts in quoted.items()
                     if index.chunks[position].kind != "table_row")
    tables = _table_blocks(rows)
    table_text = "\n\n".join(f"**{block.section}**\n\n{markdown_table(block.columns, block.rows)}" for block in tables)
    if exact:
        text = f"{table['summary']}\n\n{markdown_table(table['columns'], table['rows'])}"
    elif not covered:
        text = NOT_COVERED
    elif table is not None:  # a table question no row answers: say so, then what the text says
        text = "\n\n".join(filter(None, [table["summary"], prose, table_text]))
    elif tables and top[0].chunk.kind == "table_row":
        text = "\n\n".join(filter(None, [table_text, prose]))
    else:
        text = "\n\n".join(filter(None, [prose, table_text]))
    passages = tuple(
        Passage(hit.chunk.id, hit.chunk.kind, hit.chunk.section, hit.chunk.text, round(hit.score, 6), round(hit.similarity, 4),
                hit.chunk.refs, tuple(quoted.get(hit.position, ())), hit.chunk.cells, hit.chunk.ref)
        for hit in hits
    )
    return Answer(question, text, covered, citations_for(text, references) if covered else (), passages, tables, table=table)


def to_json(answer: Answer) -> dict[str, Any]:
    """The stable JSON contract of `reviewqa ask --json` (extra keys are allowed)."""
    result: dict[str, Any] = {
        "question": answer.question,
        "answer": answer.text,
        "covered": answer.covered,
        "citations": [{"ref": c.ref, "entry": c.entry, "doi": c.doi, "url": c.url} for c in answer.citations],
        "passages": [
            {"id": p.id, "kind": p.kind, "section": p.section, "text": p.text, "score": p.score,
             "similarity": p.similarity, "refs": list(p.refs), "used_sentences": list(p.used)}
            for p in answer.passages
        ],
        "timings_ms": answer.timings_ms,
    }
    if answer.interpreted:
        result["interpreted_as"] = answer.interpreted
    if answer.table is not None:
        result["table"] = answer.table
    return result


def to_text(answer: Answer, passages: int = 3) -> str:
    """Readable terminal output: the answer, its references, the top passages."""
    lines = []
    if answer.interpreted:
        lines += [f"(Read as: {answer.interpreted})", ""]
    lines += [answer.text, ""]
    if answer.citations:
        lines.append("References:")
        lines += [f"  [{c.ref}] {c.entry}" + (f"\n       {c.url}" if c.url and c.url not in c.entry else "") for c in answer.citations]
        lines.append("")
    lines.append("Top passages:")
    for p in answer.passages[:passages]:
        snippet = p.text if len(p.text) <= 300 else p.text[:297] + "..."
        lines.append(f"  {p.score:.4f}  {p.section} [{p.id}]\n      {snippet}")
    return "\n".join(lines)

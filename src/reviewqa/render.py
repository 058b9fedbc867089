"""Answers → what people read: Markdown (JSON's "answer", the export), terminal text, JSON.

Pure functions of a typed Answer. Text from the corpus is treated as data: in Markdown it is
escaped so that nothing in a corpus file can become a link, an image, HTML or emphasis (the
review's own citation markers stay readable as [n]; bare URLs are shown as code); in both,
control characters (ANSI and OSC escape sequences) are removed.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, Sequence

from .answer import Answer, Block, Notice, Passage, Prose, Quote, ReferenceCard, Summary, TableBlock
from .records import CITATION_RE, TRIAL_CODE_RE, trial_url
from .tableanswer import TableResult, to_json as table_to_json

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#|~$])")
# What GFM links by itself ("autolink literals"): bare http(s):// URLs, www. names and e-mail addresses. remark-gfm (the
# app's Markdown) finds them twice: while parsing, and again in the parsed text, where backslash escapes no longer
# count, so no escape prevents it. Code is never linked: such runs are shown as code. Backticks and pipes end a run (a
# pipe would split a table cell even inside code), and trailing punctuation stays outside, as GFM would leave it. An
# address starts only where a run of its characters starts (the look-behind), so a long word is scanned once, not once
# per letter.
_AUTOLINKABLE = re.compile(r"(?:https?://|www\.)[^\s`|<>]*[^\s`|<>.,;:!?'\")\]}*_~]|(?<![-.\w+])[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.IGNORECASE)
# Terminal escape sequences, removed whole so that no "[31m" is left behind: CSI (colours, cursor moves) and OSC
# (window titles, hyperlinks) ended by BEL or ST. Then C0 and C1 control characters, except tab and newline.
_ESCAPE_SEQUENCE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_PASSAGE_SNIPPET = 300


def escape_markdown(text: str) -> str:
    """Corpus text as literal Markdown: control characters removed (an exported file may be read in a terminal),
    specials escaped, bare URLs and e-mail addresses shown as code (never live links), and the review's citation markers
    kept readable as [n]."""
    text = plain(text)
    pieces, position = [], 0
    for match in _AUTOLINKABLE.finditer(text):
        pieces += [_escape_specials(text[position:match.start()]), f"`{match.group(0)}`"]
        position = match.end()
    pieces.append(_escape_specials(text[position:]))
    return "".join(pieces)


def _escape_specials(text: str) -> str:
    """Specials escaped, except the review's citation markers (and a "(" right after one is escaped, so that a marker can
    never become a link's text). A marker is kept only where the review puts one, after a space: "x[1]" or ":red[1]" is
    escaped like any text."""
    pieces, position = [], 0
    for match in CITATION_RE.finditer(text):
        if match.start() > 0 and not text[match.start() - 1].isspace():
            continue
        pieces.append(_MARKDOWN_SPECIALS.sub(r"\\\1", text[position:match.start()]))
        pieces.append(match.group(0) + ("\\" if text.startswith("(", match.end()) else ""))
        position = match.end()
    pieces.append(_MARKDOWN_SPECIALS.sub(r"\\\1", text[position:]))
    return "".join(pieces)


def linked_codes(markdown: str) -> str:
    """Trial codes in (already escaped) Markdown as links to their registry."""
    return TRIAL_CODE_RE.sub(lambda m: f"[{m.group(0)}]({trial_url(m.group(0))})" if trial_url(m.group(0)) else m.group(0),
                             markdown)


def plain(text: str) -> str:
    """Text safe for a terminal: escape sequences and other control characters removed."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


# A connective opening a sentence links it to one the reader was not shown: where the sentence opens what is read, it is
# left out ("However, the NOA accounts for…" is read "The NOA accounts for…"). Connectives carrying meaning ("As a
# result", "Among them") stay.
_OPENING_CONNECTIVE = re.compile(r"^(?:However|Moreover|Furthermore|In addition|Additionally|Also|Besides|Nevertheless|Nonetheless"
                                 r"|Meanwhile|Indeed|By the way|At the same time|On the other hand|In this regard|Notably),\s+(?=\w)")


def quote_text(quote: Quote, opens: bool = False) -> str:
    """A quote as read: an abstract's words are labelled with the work they come from; a quote that `opens` what is read
    drops its opening connective."""
    text = quote.text
    if opens and _OPENING_CONNECTIVE.match(text):
        rest = _OPENING_CONNECTIVE.sub("", text)
        text = rest[0].upper() + rest[1:]
    return f"{quote.source}: {text}" if quote.source.startswith("Abstract of") else text


def _run_text(quotes: Sequence[Quote]) -> str:
    return " ".join(quote_text(quote, opens=number == 0) for number, quote in enumerate(quotes))


def cell_markdown(column: str, value: str) -> str:
    """A table cell as safe Markdown; a trial code links to its registry."""
    escaped = escape_markdown(value.replace("\n", " "))
    return linked_codes(escaped) if column == "CT code" else escaped


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(escape_markdown(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell_markdown(c, str(v)) for c, v in zip(columns, row)) + " |" for row in rows]
    return "\n".join(lines)


def _more_rows(result: TableResult, shown: int) -> str:
    hidden = result.count - shown
    return f"_…and {hidden} more row{'s' * (hidden != 1)} (all rows: the app's table, or `--json`)._" if hidden > 0 else ""


def _labelled_runs(quotes: Sequence[Quote]) -> list[tuple[str, list[Quote]]]:
    """Labelled quotes as bullets: quotes running on under one label (the clauses of a list, one strand's sentences)
    make one bullet, so the label is read once."""
    return [(label, list(run)) for label, run in itertools.groupby(quotes, key=lambda quote: quote.label)]


def _prose_markdown(block: Prose) -> str:
    head = [f"**{escape_markdown(block.heading)}**"] if block.heading else []
    if any(quote.label for quote in block.quotes):
        lines = []
        for label, run in _labelled_runs(block.quotes):
            text = linked_codes(escape_markdown(_run_text(run)))
            lines.append(f"- **{escape_markdown(label)}:** {text}" if label else f"- {text}")
        return "\n\n".join(head + ["\n".join(lines)])
    return "\n\n".join(head + [linked_codes(escape_markdown(_run_text(block.quotes)))])


def _table_markdown(block: TableBlock) -> str:
    if not block.shown:
        return ""
    result = block.result
    parts = [] if result.query is not None else [f"**{escape_markdown(result.name)}**"]
    parts.append(markdown_table(result.columns, result.rows[: block.shown]))
    more = _more_rows(result, block.shown)
    return "\n\n".join(parts + ([more] if more else []))


def _card_markdown(card: ReferenceCard) -> str:
    reference = card.reference
    link = f" [{'doi:' + escape_markdown(reference.doi) if reference.doi else 'PubMed search'}]({card.url})" if card.url else ""
    parts = [f"**[{reference.number}]** {escape_markdown(_entry_without_link(reference.entry, card.url))}{link}"]
    if card.citing:
        parts.append("Cited in the review:\n" + "\n".join(f"- {linked_codes(escape_markdown(quote_text(q)))}" for q in card.citing))
    parts += [_table_markdown(TableBlock(result, result.count)) for result in card.rows]
    if card.abstract:
        parts.append(f"Abstract: {escape_markdown(card.abstract)}")
    if not card.citing and not card.rows:
        parts.append("_The review lists this work in its references only._")
    return "\n\n".join(parts)


def _entry_without_link(entry: str, url: str | None) -> str:
    """The entry without its own copy of the link shown beside it."""
    return entry.replace(url, "").rstrip(" .") + "." if url and url in entry else entry


def block_markdown(block: Block) -> str:
    if isinstance(block, Summary):
        return linked_codes(escape_markdown(block.text))
    if isinstance(block, Prose):
        return _prose_markdown(block)
    if isinstance(block, TableBlock):
        return _table_markdown(block)
    if isinstance(block, ReferenceCard):
        return _card_markdown(block)
    if isinstance(block, Notice):
        return escape_markdown(block.text)
    raise TypeError(f"not an answer block: {block!r}")


def to_markdown(answer: Answer) -> str:
    """The answer's blocks as Markdown, with [n] markers."""
    return "\n\n".join(part for part in (block_markdown(block) for block in answer.blocks) if part)


def references_markdown(answer: Answer) -> str:
    return "\n".join(f"- [{c.ref}] {escape_markdown(_entry_without_link(c.entry, c.url))}" + (f" <{c.url}>" if c.url else "")
                     for c in answer.citations)


def conversation_markdown(answers: Sequence[Answer], written: Sequence[str] = ()) -> str:
    """A conversation as a Markdown document, each answer with the full entries of its references. `written` holds, per
    answer, the Markdown of the answer a model server wrote (reviewqa.written.written_markdown; "" for none): it comes
    first, the quoted answer after it."""
    lines = ["# reviewqa conversation", "",
             "Answers quote Zhankina, Baghban et al., Stem Cell Res Ther 12:229 (2021), doi:10.1186/s13287-021-02295-9.", ""]
    for number, answer in enumerate(answers, 1):
        lines += [f"## {number}. {escape_markdown(answer.question)}", ""]
        if answer.interpreted:
            lines += [f"*Read as: {escape_markdown(answer.interpreted)}*", ""]
        if number <= len(written) and written[number - 1]:
            lines += [written[number - 1], "", "**Quoted from the review**", ""]
        lines += [to_markdown(answer), ""]
        if answer.citations:
            lines += ["**References**", "", references_markdown(answer), ""]
    return "\n".join(lines)


# --- terminal -------------------------------------------------------------------------------


def _text_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max([len(c)] + [len(str(row[i])) for row in rows]) for i, c in enumerate(columns)]
    line = lambda cells: "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(columns), line("-" * w for w in widths)] + [line(row) for row in rows]


def _block_text(block: Block) -> list[str]:
    if isinstance(block, (Summary, Notice)):
        return [block.text]
    if isinstance(block, Prose):
        head = [block.heading] if block.heading else []
        if any(q.label for q in block.quotes):
            return head + [f"- {label + ': ' if label else ''}{_run_text(run)}"
                           for label, run in _labelled_runs(block.quotes)]
        return head + [_run_text(block.quotes)]
    if isinstance(block, TableBlock):
        if not block.shown:
            return []
        result = block.result
        lines = ([] if result.query is not None else [result.name]) + _text_table(result.columns, result.rows[: block.shown])
        hidden = result.count - block.shown
        return lines + ([f"…and {hidden} more rows (see --json)"] if hidden > 0 else [])
    if isinstance(block, ReferenceCard):
        reference = block.reference
        lines = [f"[{reference.number}] {_entry_without_link(reference.entry, block.url)}"] + ([f"    {block.url}"] if block.url else [])
        if block.citing:
            lines += ["Cited in the review:"] + [f"  - {quote_text(q)}" for q in block.citing]
        for result in block.rows:
            lines += [result.name] + _text_table(result.columns, result.rows)
        if block.abstract:
            lines.append(f"Abstract: {block.abstract}")
        return lines
    raise TypeError(f"not an answer block: {block!r}")


def to_text(answer: Answer, passages: int = 3) -> str:
    """Readable terminal output: the answer, its references, the top passages."""
    lines = []
    if answer.interpreted:
        lines += [f"(Read as: {answer.interpreted})", ""]
    for block in answer.blocks:
        text = _block_text(block)
        if text:
            lines += text + [""]
    codes = dict.fromkeys(code.upper() for line in lines for code in TRIAL_CODE_RE.findall(line))
    if codes:
        lines += ["Registry:"] + [f"  {code}  {trial_url(code)}" for code in codes if trial_url(code)] + [""]
    if answer.citations:
        lines.append("References:")
        lines += [f"  [{c.ref}] {_entry_without_link(c.entry, c.url)}" + (f"\n       {c.url}" if c.url else "") for c in answer.citations]
        lines.append("")
    lines.append("Top passages:")
    for p in answer.passages[:passages]:
        snippet = p.text if len(p.text) <= _PASSAGE_SNIPPET else p.text[: _PASSAGE_SNIPPET - 3] + "..."
        lines.append(f"  {p.score:.4f}  {p.section} [{p.id}]\n      {snippet}")
    return plain("\n".join(lines))


# --- JSON ---------------------------------------------------------------------------------


def _quote_json(quote: Quote) -> dict[str, Any]:
    return {"text": quote.text, "refs": list(quote.refs), "passage": quote.passage, "source": quote.source, "label": quote.label}


def block_json(block: Block) -> dict[str, Any]:
    if isinstance(block, Summary):
        return {"type": "summary", "text": block.text, "refs": list(block.refs)}
    if isinstance(block, Prose):
        return {"type": "prose", "heading": block.heading, "quotes": [_quote_json(q) for q in block.quotes]}
    if isinstance(block, TableBlock):
        return {"type": "table", "table": table_to_json(block.result), "shown_rows": block.shown}
    if isinstance(block, ReferenceCard):
        reference = block.reference
        return {"type": "reference", "ref": reference.number, "entry": reference.entry, "doi": reference.doi, "url": block.url,
                "citing": [_quote_json(q) for q in block.citing], "rows": [table_to_json(r) for r in block.rows],
                "abstract": block.abstract}
    if isinstance(block, Notice):
        return {"type": "notice", "kind": block.kind, "text": block.text}
    raise TypeError(f"not an answer block: {block!r}")


def _passage_json(p: Passage) -> dict[str, Any]:
    return {"id": p.id, "kind": p.kind, "section": p.section, "text": p.text, "score": p.score, "similarity": p.similarity,
            "refs": list(p.refs), "used_sentences": list(p.used)}


def to_json(answer: Answer) -> dict[str, Any]:
    """The JSON of `reviewqa ask --json` (stable keys; extra keys may be added)."""
    result: dict[str, Any] = {
        "question": answer.question,
        "answer": to_markdown(answer),
        "covered": answer.covered,
        "intent": answer.intent,
        "citations": [{"ref": c.ref, "entry": c.entry, "doi": c.doi, "url": c.url} for c in answer.citations],
        "blocks": [block_json(block) for block in answer.blocks],
        "passages": [_passage_json(p) for p in answer.passages],
        "timings_ms": answer.timings_ms,
        "references": list(answer.reading.references),
        "key_refs": list(answer.key_refs),
    }
    if answer.interpreted:
        result["interpreted_as"] = answer.interpreted
    if answer.table is not None:
        result["table"] = table_to_json(answer.table)
    return result

"""A written answer → the JSON of `reviewqa ask --json`, Markdown for the conversation export, and the terminal.

Pure functions of a finished `WrittenAnswer` (and, for references, the review's reference list), except
`stream_to_terminal`, which prints a reply as it arrives.
"""

from __future__ import annotations

from typing import Any, Mapping, TextIO

from ..records import Reference
from .compose import WrittenAnswer, WrittenAnswerStream

UNSUPPORTED_NOTE = "not supported by the passages it cites"


def written_json(answer: WrittenAnswer) -> dict[str, Any]:
    """The `generated` object beside the keys of `reviewqa ask --json`."""
    return {
        "model": answer.model,
        "text": answer.text,
        "sentences": [{"text": s.text, "refs": list(s.refs), "supported": s.supported} for s in answer.sentences],
        "removed_markers": answer.removed_markers,
        "fallback": answer.fallback,
    }


def segments(answer: WrittenAnswer) -> list[tuple[str, bool | None]]:
    """The text in order as (piece, supported) — a checked sentence with its verdict, the text between
    sentences (spaces, line breaks, headings) with None — so a front end can mark unsupported sentences
    after escaping each piece. Joined, the pieces give the text back."""
    pieces: list[tuple[str, bool | None]] = []
    position = 0
    for sentence in answer.sentences:
        start = answer.text.find(sentence.text, position)
        if start < 0:
            continue
        if start > position:
            pieces.append((answer.text[position:start], None))
        pieces.append((sentence.text, sentence.supported))
        position = start + len(sentence.text)
    if position < len(answer.text):
        pieces.append((answer.text[position:], None))
    return pieces


def reference_lines(answer: WrittenAnswer, references: Mapping[int, Reference]) -> list[str]:
    """One line for each label the answer cites: a reference's full entry and link, or what a label stands for."""
    lines = []
    for label in answer.cited:
        if isinstance(label, str):
            lines.append(f"[{label}] {answer.sources.get(label, '')}".rstrip())
        elif label in references:
            ref = references[label]
            lines.append(f"[{label}] {ref.entry}" + (f" <{ref.url}>" if ref.url and ref.url not in ref.entry else ""))
        else:
            lines.append(f"[{label}]")
    return lines


def written_markdown(answer: WrittenAnswer, references: Mapping[int, Reference]) -> str:
    """The written answer for a Markdown export: unsupported sentences flagged, then its references;
    only the notice when the extractive answer stands instead."""
    if answer.fallback:
        return f"*{answer.fallback}*"
    text = "".join(piece if supported is not False else f"{piece} ⚠ *{UNSUPPORTED_NOTE}*" for piece, supported in segments(answer))
    lines = [f"**Written by {answer.model}**, checked against the passages it cites:", "", text]
    cited = reference_lines(answer, references)
    if cited:
        lines += ["", "**References**", ""] + [f"- {line}" for line in cited]
    return "\n".join(lines)


def stream_to_terminal(stream: WrittenAnswerStream, extractive_text: str, references: Mapping[int, Reference], out: TextIO) -> WrittenAnswer:
    """Print the reply as it arrives; then its unsupported sentences and references — or, when it cannot
    stand, the notice saying why and the extractive answer (`extractive_text`)."""
    wrote = False
    for piece in stream:
        out.write(piece)
        out.flush()
        wrote = True
    answer = stream.finish()
    if wrote:
        out.write("\n\n")
    if answer.fallback:
        out.write(f"{answer.fallback}\n\n{extractive_text}\n")
        return answer
    if answer.removed_markers:  # the text above was printed as it arrived, before they were taken out
        out.write(f"Citations naming no passage the model was shown, dropped: {answer.removed_markers}\n\n")
    unsupported = [s.text for s in answer.sentences if not s.supported]
    if unsupported:
        out.write("Not supported by the passages they cite:\n" + "".join(f"  - {text}\n" for text in unsupported) + "\n")
    if answer.cited:
        out.write("References:\n" + "".join(f"  {line}\n" for line in reference_lines(answer, references)))
    return answer

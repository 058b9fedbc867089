"""Evidence → a written answer: pack the context, stream the model's reply, verify it, or say why not.

`write_answer` returns at once with a `WrittenAnswerStream`: iterating it yields the reply as the model
writes it (the CLI prints the pieces; Streamlit's st.write_stream takes it as is), and `finish()` then
gives the `WrittenAnswer`. The extractive answer stays the answer of record: whenever the written one
cannot be trusted — no model asked (a question the review does not cover, a missing API key), the server
failed, or too little of the reply is supported — `fallback` holds the one-line reason and the extractive
answer is shown in its place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping

from ..config import LLMSettings
from ..errors import ModelServerFailed
from .context import Label, PackedContext, pack_context
from .evidence import Evidence
from .server import stream_reply
from .verify import CheckedSentence, Encoder, cited_labels, verify


@dataclass(frozen=True)
class WrittenAnswer:
    model: str
    text: str  # as written, markers naming no passage removed ("" when no model was asked)
    sentences: tuple[CheckedSentence, ...]
    removed_markers: int
    fallback: str | None  # the one-line notice shown with the extractive answer instead; None: the written answer stands
    sources: Mapping[str, str]  # what each cited label that is not a reference number stands for ("Table 3", "P4")

    @property
    def cited(self) -> tuple[Label, ...]:
        return cited_labels(self.sentences)


def notice(reason: str) -> str:
    return f"No written answer: {reason}. The quoted answer is shown instead."


def _not_written(settings: LLMSettings, reason: str, text: str = "") -> WrittenAnswer:
    return WrittenAnswer(settings.model, text, (), 0, notice(reason), {})


class WrittenAnswerStream:
    """The model's reply as it arrives (iterate), then the verified `WrittenAnswer` (`finish()`)."""

    def __init__(self, pieces: Iterator[str], result: Callable[[], WrittenAnswer]):
        self._pieces = pieces
        self._result = result

    def __iter__(self) -> Iterator[str]:
        return self._pieces

    def finish(self) -> WrittenAnswer:
        """The written answer, once the reply is complete (what has not been read yet is read first)."""
        for _ in self._pieces:
            pass
        return self._result()


def _known_result(answer: WrittenAnswer) -> WrittenAnswerStream:
    return WrittenAnswerStream(iter(()), lambda: answer)


def _checked(text: str, context: PackedContext, settings: LLMSettings, encoder: Encoder) -> WrittenAnswer:
    checked = verify(text, context, encoder)
    sources = {label: context.source_of(label) for label in cited_labels(checked.sentences) if isinstance(label, str)}
    fallback = None
    if checked.declined:
        fallback = notice("the model found no answer to the question in the passages")
    elif checked.supported_fraction < settings.min_supported:
        supported = sum(sentence.supported for sentence in checked.sentences)
        fallback = notice(f"only {supported} of {len(checked.sentences)} sentences of the model's answer "
                          "are supported by the passages they cite")
    return WrittenAnswer(settings.model, checked.text, checked.sentences, checked.removed_markers, fallback, sources)


def write_answer(evidence: Evidence, settings: LLMSettings, encoder: Encoder,
                 environ: Mapping[str, str] | None = None) -> WrittenAnswerStream:
    """A written answer from `evidence`, streamed from the model server `settings` name; `encoder`
    (reviewqa.embed.load_query_encoder) checks sentences whose wording differs from their passages.
    Nothing is sent when the review does not cover the question; the API key is read from `environ`."""
    environ = os.environ if environ is None else environ
    if not evidence.covered:
        return _known_result(_not_written(settings, "the review does not seem to cover this question, so no model was asked"))
    api_key = environ.get(settings.api_key_env, "") if settings.api_key_env else None
    if api_key == "":
        return _known_result(_not_written(settings, f"the environment variable {settings.api_key_env} named by --llm-api-key-env is not set"))
    context = pack_context(evidence, settings.context_tokens, settings.encoding)
    if not context.items:
        return _known_result(_not_written(settings, "no passage fits in the context budget (--llm-context-tokens)"))
    received: list[str] = []
    outcome: list[WrittenAnswer] = []

    def pieces() -> Iterator[str]:
        try:
            for piece in stream_reply(context.messages, settings, api_key):
                received.append(piece)
                yield piece
        except ModelServerFailed as failure:
            outcome.append(_not_written(settings, str(failure), "".join(received)))
            return
        outcome.append(_checked("".join(received), context, settings, encoder))

    def result() -> WrittenAnswer:  # a reply closed before its end (a reader that went away) is not an answer
        return outcome[0] if outcome else _not_written(settings, "the reply was not read to its end", "".join(received))

    return WrittenAnswerStream(pieces(), result)

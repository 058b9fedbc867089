"""Written answers: an OpenAI-compatible model server writes the answer from the passages retrieval chose,
and every citation and sentence of it is checked against them; the extractive answer stays the default
and the fallback.

The steps, one module each: `evidence` (what an answer may draw on, and the adapter from
reviewqa.answer.Answer), `context` (labelled passages packed into a prompt within a token budget),
`server` (the reply streamed through the `openai` client), `verify` (markers and sentences checked),
`compose` (the steps in order, with the fallback), `render` (JSON, Markdown, terminal).

Typical use (what Assistant.write and the CLI do):

    stream = write_answer(evidence_from_answer(answer), settings.llm, encoder)
    for piece in stream: ...            # or st.write_stream(stream)
    written = stream.finish()           # WrittenAnswer; written.fallback says why the extractive answer stands
"""

from .compose import WrittenAnswer, WrittenAnswerStream, write_answer
from .evidence import ContextPassage, Evidence, TableEvidence, evidence_from_answer
from .render import segments, stream_to_terminal, written_json, written_markdown

__all__ = ["ContextPassage", "Evidence", "TableEvidence", "WrittenAnswer", "WrittenAnswerStream", "evidence_from_answer",
           "segments", "stream_to_terminal", "write_answer", "written_json", "written_markdown"]

"""Streamlit front end of reviewqa: chat with citations, the review's tables and references to browse.

A thin shell: every answer comes from reviewqa.assistant.Assistant as typed blocks; this page
shows each block with the matching Streamlit element (tables as data, never re-parsed text).
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from ..answer import Answer, Block, Notice, Prose, ReferenceCard, Summary, TableBlock
from ..assistant import Assistant, turn_of
from ..config import Settings, load_settings
from ..embed import load_query_encoder
from ..errors import IndexProblem, QuestionRejected, ReviewQAError
from ..render import block_markdown, conversation_markdown, escape_markdown
from ..tableanswer import TableResult
from ..tabledata import COLUMN_VOCABULARY, type_table
from .view import (KIND_LABELS, answer_summary_line, filter_rows, highlighted_passage, passage_label, reference_markdown,
                   registry_column, sentences)

EXAMPLE_QUESTIONS = (
    "Which MSC sources were differentiated into male germ cells in vitro?",
    "Which animal models used busulfan?",
    "Which clinical trials treat azoospermia?",
    "How do MSC exosomes help restore spermatogenesis?",
    "Which bone marrow MSC animal models were used?",
)
VIEWS = ("Chat", "Tables", "References")
SENTENCE_PAUSE_S = 0.03  # lets a streamed answer visibly grow sentence by sentence


# The model and the index load once per server process and are shared by every session;
# keyed by the settings so a different index location gets its own assistant.
@st.cache_resource(show_spinner="Loading the language model…")
def get_embedder(settings_json: str):
    return load_query_encoder(Settings.model_validate_json(settings_json).embed)


@st.cache_resource(show_spinner="Loading the index…")
def get_assistant(settings_json: str) -> Assistant:
    return Assistant(Settings.model_validate_json(settings_json), embedder=get_embedder(settings_json))


def show_table(result: TableResult, rows: int | None = None) -> None:
    frame = pd.DataFrame(result.rows[:rows], columns=list(result.columns))
    config = {}
    if "CT code" in frame:
        frame["Registry"] = registry_column(frame["CT code"])
        config["Registry"] = st.column_config.LinkColumn("Registry", display_text=r".*[/=]([A-Z]+\w+)$")
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config)


def paced(pieces):
    for piece in pieces:
        yield piece
        time.sleep(SENTENCE_PAUSE_S)


def show_block(block: Block, streaming: bool) -> None:
    if isinstance(block, TableBlock):
        if block.result.query is None:
            st.markdown(f"**{escape_markdown(block.result.name)}**")
        show_table(block.result)
    elif isinstance(block, ReferenceCard):
        st.markdown(block_markdown(ReferenceCard(block.reference, block.url, block.citing, (), block.abstract)))
        for result in block.rows:
            st.markdown(f"**{escape_markdown(result.name)}**")
            show_table(result)
    elif isinstance(block, Notice):
        st.info(block_markdown(block))
    elif isinstance(block, (Summary, Prose)):
        markdown = block_markdown(block)
        st.write_stream(paced(sentences(markdown))) if streaming else st.markdown(markdown)


def show_answer_body(answer: Answer, streaming: bool) -> None:
    if answer.interpreted:
        st.caption(f"Read as: {escape_markdown(answer.interpreted)}")
    for block in answer.blocks:
        show_block(block, streaming)


def show_evidence(answer: Answer) -> None:
    if answer.citations:
        st.markdown("**References**\n\n" + "\n".join(f"- {reference_markdown(c.ref, c.entry, c.url)}" for c in answer.citations))
    st.markdown("**Supporting passages**")
    for rank, passage in enumerate(answer.passages, 1):
        with st.expander(escape_markdown(passage_label(passage, rank))):
            if passage.cells:
                st.dataframe(pd.DataFrame([dict(passage.cells)]), hide_index=True, width="stretch")
            else:
                st.markdown(highlighted_passage(passage))
    st.caption(answer_summary_line(answer))


def index_problem_page(settings: Settings, problem: str) -> None:
    """No usable index: say why and how to build it, and offer to build it here."""
    st.error(problem)
    st.markdown(
        "The app answers from an index built from the review in "
        f"`{settings.corpus_folder}`. Build it from a terminal with `make run` (builds, then starts the app) "
        "or `reviewqa build`, or here:"
    )
    build_button(settings)


def build_button(settings: Settings, label: str = "Build the index now") -> None:
    from ..build import run_build  # the build code loads only when someone builds from the page

    if st.button(label, type="primary"):
        bar = st.progress(0.0, text="Starting…")
        try:
            run_build(settings, progress=lambda stage, fraction: bar.progress(min(max(fraction, 0.0), 1.0), text=stage.capitalize() + "…"))
        except ReviewQAError as error:  # shown to the user, who can fix the corpus and retry
            st.error(f"The build failed: {error}")
            return
        get_assistant.clear()
        st.rerun()


def ask_example(question: str) -> None:
    st.session_state.pending_question = question
    st.session_state.view = "Chat"


def sidebar(assistant: Assistant) -> tuple[int, frozenset[str] | None]:
    """Examples, retrieval options and the index's facts; returns (k, kinds)."""
    with st.sidebar:
        st.subheader("Try a question")
        for example in EXAMPLE_QUESTIONS:
            st.button(example, width="stretch", on_click=ask_example, args=(example,))
        st.subheader("Search")
        k = st.slider("Passages per answer", 3, 30, assistant.settings.retrieval.k)
        kinds = st.multiselect("Search in", list(KIND_LABELS), default=list(KIND_LABELS), format_func=KIND_LABELS.get)
        st.subheader("Index")
        status = assistant.status
        manifest = assistant.evidence.index.manifest
        st.markdown(
            f"- model: `{manifest.model}`\n- chunks: {sum(manifest.counts.values())} "
            f"({', '.join(f'{n} {KIND_LABELS.get(kind, kind)}' for kind, n in manifest.counts.items())})\n"
            f"- built at: {manifest.built_at}\n- status: {'up to date' if status.current else 'out of date — run reviewqa build'}"
        )
    return k, (frozenset(kinds) if set(kinds) != set(KIND_LABELS) else None)


def chat_view(assistant: Assistant, k: int, kinds: frozenset[str] | None) -> None:
    answers: list[Answer] = st.session_state.setdefault("answers", [])
    toolbar = st.container()  # filled last, so it already counts the answer given in this run
    for answer in answers:
        with st.chat_message("user"):
            st.markdown(escape_markdown(answer.question))
        with st.chat_message("assistant"):
            show_answer_body(answer, streaming=False)
            show_evidence(answer)
    typed = st.chat_input("Ask about MSC sources, animal models, clinical trials…")
    question = typed or st.session_state.pop("pending_question", None)
    if question and question.strip():  # an empty or blank question is ignored
        answer_question(assistant, question, answers, k, kinds)
    left, right = toolbar.columns(2)
    left.button("New conversation", on_click=answers.clear, disabled=not answers)
    right.download_button("Export conversation (Markdown)", conversation_markdown(answers), file_name="reviewqa-conversation.md",
                          mime="text/markdown", disabled=not answers)


def answer_question(assistant: Assistant, question: str, answers: list[Answer], k: int, kinds: frozenset[str] | None) -> None:
    if kinds == frozenset():
        st.warning("Choose at least one kind of passage to search in (sidebar).")
        return
    with st.chat_message("user"):
        st.markdown(escape_markdown(question))
    assistant.reload_if_changed()  # a new build between questions is picked up here
    try:
        with st.spinner("Searching the review…"):
            answer = assistant.ask(question, [turn_of(earlier) for earlier in answers], k=k, kinds=kinds)
    except QuestionRejected as refusal:
        st.warning(str(refusal))
        return
    with st.chat_message("assistant"):
        show_answer_body(answer, streaming=True)
        show_evidence(answer)
    answers.append(answer)


def tables_view(assistant: Assistant) -> None:
    evidence = assistant.evidence
    tables = [type_table(table) for table in evidence.tables]
    references = evidence.references
    table = st.selectbox("Table", tables, format_func=lambda t: f"{t.name}: {t.title}")
    filters = {}
    filterable = [column for column in table.columns if column in COLUMN_VOCABULARY]
    for column, slot in zip(filterable, st.columns(2) * len(filterable)):
        options = sorted({value for row in table.rows for value in row.column_values(column)})
        filters[column] = slot.multiselect(column, options, key=f"filter-{table.number}-{column}")
    rows = filter_rows(table.rows, filters)
    frame = pd.DataFrame([row.cells for row in rows], columns=list(table.columns))
    column_config = {}
    if "CT code" in frame:
        frame["Registry"] = registry_column(frame["CT code"])
        column_config["Registry"] = st.column_config.LinkColumn("Registry", display_text=r".*[/=]([A-Z]+\w+)$")
    st.caption(f"{len(rows)} of {len(table.rows)} rows. Select a row to see its references.")
    selection = st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config,
                             on_select="rerun", selection_mode="multi-row", key=f"table-{table.number}")
    chosen = [rows[i] for i in selection.selection.rows] if selection and selection.selection.rows else rows
    cited = dict.fromkeys(ref for row in chosen for ref in row.refs if ref in references)
    with st.expander(f"References of {'the selected' if chosen is not rows else 'these'} rows ({len(cited)})",
                     expanded=chosen is not rows):
        st.markdown("\n".join(f"- {reference_markdown(ref, references[ref].entry, references[ref].url)}" for ref in cited)
                    or "No references.")


def references_view(assistant: Assistant) -> None:
    references = assistant.evidence.references
    search = st.text_input("Search the references", placeholder="author, title, journal, year, DOI…")
    found = [ref for ref in references.values() if search.lower() in ref.entry.lower()]
    st.caption(f"{len(found)} of {len(references)} references")
    st.markdown("\n".join(f"- {reference_markdown(ref.number, ref.entry, ref.url)}" for ref in found))


def main() -> None:
    st.set_page_config(page_title="reviewqa — MSCs for azoospermia", page_icon="📚", layout="centered")
    settings = load_settings()
    st.title("reviewqa")
    st.caption("Questions answered from Zhankina, Baghban et al., *MSCs and their exosomes for restoration of "
               "spermatogenesis in non-obstructive azoospermia* (Stem Cell Res Ther, 2021) — every claim cited.")
    try:
        assistant = get_assistant(settings.model_dump_json())
    except IndexProblem as problem:
        index_problem_page(settings, str(problem))
        return
    if assistant.status.stale:
        st.warning(assistant.status.message)
        build_button(settings, "Rebuild the index now")
    k, kinds = sidebar(assistant)
    view = st.radio("View", VIEWS, horizontal=True, label_visibility="collapsed", key="view")
    if view == "Chat":
        chat_view(assistant, k, kinds)
    elif view == "Tables":
        tables_view(assistant)
    else:
        references_view(assistant)

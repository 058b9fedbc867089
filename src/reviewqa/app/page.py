"""Streamlit front end of reviewqa: chat with citations, the review's tables and references to browse.

A thin shell: every answer comes from reviewqa.assistant.Assistant as typed blocks; this page
shows each block with the matching Streamlit element (tables as data, never re-parsed text).
The model and the index load once per server process; conversations are kept on the server
under an id in the page's URL, so a reload finds them again.
"""

from __future__ import annotations

import logging
from typing import Sequence

import streamlit as st
from threadpoolctl import threadpool_limits

from ..answer import Answer, Block, Notice, Prose, ReferenceCard, Summary, TableBlock
from ..assistant import Assistant, clean_question, turn_of
from ..config import Settings, load_settings
from ..embed import load_query_encoder
from ..errors import IndexProblem, QuestionRejected, ReviewQAError
from ..records import Reference
from ..render import block_markdown, conversation_markdown, escape_markdown
from ..store import index_status
from ..tableanswer import TableResult
from ..tabledata import COLUMN_VOCABULARY, type_table
from .conversations import Conversations, Turn
from .view import (KIND_LABELS, chosen_kinds, compact_references, filter_rows, highlighted_passage,
                   matches_search, nothing_found_notice, offered_kinds, passage_cells_markdown, passage_label,
                   reference_markdown, table_frame, timing_line, written_answer_markdown, written_sources_markdown)

log = logging.getLogger(__name__)

TITLE = "Ask the review: MSCs for azoospermia"
REVIEW = ("Zhankina, Baghban et al., *Mesenchymal stromal/stem cells and their exosomes for restoration of spermatogenesis "
          "in non-obstructive azoospermia: a systemic review*, Stem Cell Research & Therapy 12:229 (2021)")
# A few questions of each kind the review answers well; the landing page and the sidebar offer them.
EXAMPLES = {
    "Sources of MSCs": ("Which MSC sources were differentiated into male germ cells in vitro?",
                        "What scaffold was used to turn menstrual blood stem cells into germ-like cells?"),
    "Animal models": ("Which animal models used busulfan?", "Which MSC sources were tested in rats?"),
    "Clinical trials": ("Which clinical trials are recruiting in Egypt?", "Which clinical trials treat azoospermia?"),
    "References": ("What did Qian et al. 2020 show?", "How do MSC exosomes help restore spermatogenesis?"),
}
VIEWS = ("Chat", "Tables", "References")
CONVERSATION_PARAM = "c"  # the page URL's ?c=<id>: which kept conversation this page shows
QUESTION_KEY = "question"
TOP_KEY = "top"  # the page's header, scrolled to on the landing page
# How long the page keeps an answer (or its top) in view while the layout settles: at least this long, and until it
# has stayed where it was put for SCROLL_STEADY_MS, but never longer than SCROLL_AT_MOST_MS.
SCROLL_AT_LEAST_MS = 1500
SCROLL_STEADY_MS = 1000
SCROLL_AT_MOST_MS = 8000
FIRST_ROWS = 8  # rows of an answer's table shown at once; more are in a collapsed section below it
# Streamlit's mobile layout (the sidebar overlays the page below this width).
PHONE_WIDTH_PX = 768
# A class asks the same example questions again and again: answers to questions read the same way are kept, shared by
# every session (some hundreds of kilobytes for this many).
REMEMBERED_ANSWERS = 512


# The model and the index load once per server process and are shared by every session;
# keyed by the settings so a different index location gets its own assistant.
@st.cache_resource(show_spinner="Loading the language model…")
def get_embedder(settings_json: str):
    # Many sessions answer at once: they are the parallelism. OpenBLAS's own threads, spinning for each small
    # matrix product of a question's embedding, made each answer several times slower on a busy 2-core machine.
    threadpool_limits(limits=1, user_api="blas")
    return load_query_encoder(Settings.model_validate_json(settings_json).embed)


@st.cache_resource(show_spinner="Loading the index…")
def get_assistant(settings_json: str) -> Assistant:
    return Assistant(Settings.model_validate_json(settings_json), embedder=get_embedder(settings_json),
                     remembered_answers=REMEMBERED_ANSWERS)


@st.cache_resource
def get_conversations() -> Conversations:
    return Conversations()


# --- answers ---------------------------------------------------------------------------------


def show_table(columns: Sequence[str], rows: Sequence[Sequence[str]], description: str) -> None:
    # st.table, not st.dataframe: cells wrap to the column (nothing cut off at 1280 px), and trial codes are real links.
    st.table(table_frame(columns, rows), hide_index=True, alt=description)


def show_result(result: TableResult, rows: slice = slice(None)) -> None:
    show_table(result.columns, result.rows[rows], result.summary or result.name)


def show_block(block: Block) -> None:
    if isinstance(block, TableBlock):
        if block.result.query is None:
            st.markdown(f"**{escape_markdown(block.result.name)}**")
        # The rows the answer's text has, or the first few when its summary stands for them; the rest one click away.
        shown = min(block.result.count, max(block.shown, FIRST_ROWS))
        show_result(block.result, slice(shown))
        if block.result.count > shown:
            with st.expander(f"The other {block.result.count - shown} rows"):
                show_result(block.result, slice(shown, None))
    elif isinstance(block, ReferenceCard):
        st.markdown(block_markdown(ReferenceCard(block.reference, block.url, block.citing, (), block.abstract)))
        for result in block.rows:
            st.markdown(f"**{escape_markdown(result.name)}**")
            show_result(result)
    elif isinstance(block, Notice):
        st.info(block_markdown(block))
    elif isinstance(block, (Summary, Prose)):
        st.markdown(block_markdown(block))


def show_written(turn: Turn, references: dict[int, Reference]) -> bool:
    """The written answer, its unsupported sentences marked; False when it cannot stand (its notice is shown instead)."""
    from ..written import segments

    written = turn.written
    if written.fallback:
        st.info(escape_markdown(written.fallback))
        return False
    st.markdown(f"**Answer**, written by {escape_markdown(written.model)} from the passages below; each sentence was "
                "checked against the passages it cites:")
    st.markdown(written_answer_markdown(segments(written)))
    if written.cited:
        st.markdown("**Cited**  \n" + written_sources_markdown(written.cited, written.sources, references))
    return True


def show_answer(turn: Turn, references: dict[int, Reference], key: str) -> None:
    answer = turn.answer
    if answer.interpreted:
        st.caption(f"Read as: {escape_markdown(answer.interpreted)}")
    written_stands = turn.written is not None and show_written(turn, references)
    limited = nothing_found_notice(turn.limited_to, answer)
    if limited:
        st.info(limited)
    if written_stands:
        with st.expander("The review's own sentences (the quoted answer)"):
            for block in answer.blocks:
                show_block(block)
    else:
        st.markdown("**Answer**, quoted from the review:")
        for block in answer.blocks:
            show_block(block)
        if answer.citations:
            st.markdown("**Cited**  \n" + compact_references(answer.citations, references))
    show_evidence(answer, key)


def show_evidence(answer: Answer, key: str) -> None:
    """The full reference list and the passages, collapsed, so the answer stays first however many there are. Their
    content is made only while open (each opening reruns the page): earlier answers cost little to show again."""
    if answer.citations:
        references = st.expander(f"Full references ({len(answer.citations)})", key=f"{key}-references", on_change="rerun")
        if references.open:
            references.markdown("\n".join(f"- {reference_markdown(c.ref, c.entry, c.url)}" for c in answer.citations))
    if answer.passages:
        passages = st.expander(f"Supporting passages ({len(answer.passages)})", key=f"{key}-passages", on_change="rerun")
        if passages.open:
            best = max(passage.score for passage in answer.passages)
            for passage in answer.passages:
                with passages.expander(passage_label(passage, best)):
                    st.markdown(passage_cells_markdown(passage) if passage.cells else highlighted_passage(passage))
    st.caption(timing_line(answer))


def show_question(question: str) -> None:
    with st.chat_message("user"):
        st.markdown(f"**You asked:** {escape_markdown(question)}")


def show_turn(turn: Turn, number: int, references: dict[int, Reference]) -> None:
    with st.container(key=f"turn-{number}"):  # the key is the anchor the page scrolls to
        show_question(turn.answer.question)
        with st.chat_message("assistant"):
            show_answer(turn, references, f"{st.session_state.get('conversation')}-{number}")


# --- scripts the page runs in the browser ----------------------------------------------------------


def scroll_into_view(key: str) -> None:
    """Bring the container with this key to the top of the view: a new answer's question, however long the answer and
    wherever the reader was; the page's top on the landing page. The chat keeps the page scrolled to its bottom while
    it is laid out unless the reader scrolls: a wheel event says so (the page scrolls as a reader's wheel would). The
    scroll is repeated until the container has stayed where it was put for a while (on a busy machine the layout
    settles late), and stops as soon as the reader scrolls or types."""
    st.html(f"""<script>
      (() => {{
        const started = Date.now();
        let placed = NaN, steadySince = started, stopped = false;
        const stop = event => {{ if (event.isTrusted) stopped = true; }};
        for (const kind of ['wheel', 'touchmove', 'keydown']) window.addEventListener(kind, stop, {{passive: true, once: true}});
        const scroll = () => {{
          if (stopped) return;
          const now = Date.now();
          const target = document.querySelector('.st-key-{key}');
          if (target) {{
            // Moved since it was last put in place (the chat's own scrolling, a late layout): not settled yet.
            if (Math.abs(target.getBoundingClientRect().top - placed) > 2) steadySince = now;
            document.querySelector('[data-testid="stMain"]')?.dispatchEvent(new WheelEvent('wheel', {{deltaY: -1, bubbles: true}}));
            target.style.scrollMarginTop = '4.5rem';  // clear of Streamlit's fixed header
            target.scrollIntoView({{block: 'start'}});
            placed = target.getBoundingClientRect().top;
          }}
          const settling = now - started < {SCROLL_AT_LEAST_MS} || now - steadySince < {SCROLL_STEADY_MS};
          if (settling && now - started < {SCROLL_AT_MOST_MS}) setTimeout(scroll, 150);
        }};
        scroll();
      }})();
    </script>""", unsafe_allow_javascript=True)


def close_sidebar_on_phones() -> None:
    """On a phone the sidebar covers the page: after an example is tapped there, close it so the answer shows."""
    st.html(f"""<script>
      if (window.matchMedia('(max-width: {PHONE_WIDTH_PX}px)').matches) {{
        const close = document.querySelector('[data-testid="stSidebar"] [data-testid="stSidebarCollapseButton"] button');
        if (close) close.click();
      }}
    </script>""", unsafe_allow_javascript=True)


# --- the conversation --------------------------------------------------------------------------


def conversation_turns(store: Conversations) -> tuple[Turn, ...]:
    """This session's conversation: on its first run, the one the URL names (a reload), if the server still holds it."""
    state = st.session_state
    if "conversation" not in state:
        wanted = st.query_params.get(CONVERSATION_PARAM)
        state.conversation = wanted if wanted and store.get(wanted) is not None else None
        state.lost = bool(wanted) and state.conversation is None
    turns = store.get(state.conversation) if state.conversation else None
    if turns is None and state.conversation:  # forgotten by the server since (restart, or the oldest of many)
        state.conversation, state.lost = None, True
    show_conversation_in_url(state.conversation)
    return turns or ()


def show_conversation_in_url(conversation: str | None) -> None:
    """?c=<id> in the page's URL while there is a conversation (what a reload finds it by); none otherwise."""
    if conversation and st.query_params.get(CONVERSATION_PARAM) != conversation:
        st.query_params[CONVERSATION_PARAM] = conversation
    elif not conversation and CONVERSATION_PARAM in st.query_params:
        del st.query_params[CONVERSATION_PARAM]


def new_conversation() -> None:
    state = st.session_state
    state.undo, state.conversation = state.conversation, None


def undo_new_conversation() -> None:
    state = st.session_state
    state.conversation, state.undo = state.undo, None


def conversation_actions(store: Conversations, references: dict[int, Reference], where) -> None:
    """New conversation and export (or the undo of a new conversation) in `where`, beside the question box, so they
    are in reach from every answer."""
    state = st.session_state
    conversation = state.get("conversation")
    if not conversation:
        if state.get("undo") and store.get(state.undo):
            where.button("Undo: back to the previous conversation", on_click=undo_new_conversation, icon=":material/undo:")
        return
    row = where.container(horizontal=True)  # one row, on a phone too
    row.button("New conversation", on_click=new_conversation, icon=":material/add_comment:",
               help="Starts afresh; the conversation you leave can be brought back with Undo.")

    def export() -> str:  # made when the button is pressed, not on every run
        turns = store.get(conversation) or ()
        return conversation_markdown([turn.answer for turn in turns], [written_export(turn, references) for turn in turns])

    row.download_button("Export conversation", export, file_name="reviewqa-conversation.md", mime="text/markdown",
                        on_click="ignore", icon=":material/download:")


def written_export(turn: Turn, references: dict[int, Reference]) -> str:
    if turn.written is None:
        return ""
    from ..written import written_markdown

    return written_markdown(turn.written, references)


def check_question(max_chars: int) -> None:
    """Before the run: a question that cannot be taken goes back into the box, to be edited, with a one-line notice."""
    text = st.session_state.get(QUESTION_KEY) or ""
    if not text.strip():
        return  # an empty or blank question is ignored
    try:
        clean_question(text, max_chars)
    except QuestionRejected as refusal:
        st.session_state.refusal = f"{refusal} Your text is back in the box to edit."
        st.session_state[QUESTION_KEY] = text


def ask_example(question: str, from_sidebar: bool = False) -> None:
    st.session_state.pending_question = question
    st.session_state.view = "Chat"
    st.session_state.close_sidebar = from_sidebar


def answer_question(assistant: Assistant, store: Conversations, question: str, turns: tuple[Turn, ...], k: int,
                    kinds: frozenset[str] | None) -> None:
    """Answer (and, with a model server, write) a question below the conversation, and keep it in the conversation."""
    progress = st.empty()  # the question at once and the reply as it comes, until the whole turn is shown below
    with progress.container():
        show_question(question)
        with st.chat_message("assistant"):
            with st.spinner("Searching the review…"):
                answer = assistant.ask(question, [turn_of(turn.answer) for turn in turns], k=k, kinds=kinds)
            stream = assistant.write(answer)  # None unless a model server is configured
            written = None
            if stream is not None:
                st.write_stream(escape_markdown(piece) for piece in stream)  # the model's text, as text
                written = stream.finish()
    state = st.session_state
    if not state.get("conversation"):
        state.conversation, state.undo = store.new_id(), None
        show_conversation_in_url(state.conversation)
    turn = Turn(answer, written, kinds)
    number = len(store.append(state.conversation, turn)) - 1
    progress.empty()
    show_turn(turn, number, assistant.evidence.references)
    scroll_into_view(f"turn-{number}")


def landing() -> None:
    """What the review is and what to ask: the page before the first question."""
    st.markdown(
        "Ask in plain words and get answers quoted from one systematic review — " + REVIEW + " — and from the abstracts "
        "of the works it cites. Every answer quotes the review's own sentences or table rows with their reference "
        "numbers, links each cited work (DOI or PubMed) and each clinical trial (its registry), and shows the "
        "passages it comes from, so you can check it. It does not give medical advice, and when the review does not "
        "cover a question it says so."
    )
    st.markdown("**What you can ask**: the review's four tables and its text — for example:")
    columns = st.columns(2)
    for position, (kind, questions) in enumerate(EXAMPLES.items()):
        with columns[position % 2]:
            st.markdown(f"**{kind}**")
            for question in questions:
                st.button(question, on_click=ask_example, args=(question,), key=f"landing-{question}", width="stretch",
                          wrap=True)
    st.markdown("Follow-up questions are read with the conversation (“and in rats?”). The **Tables** and **References** "
                "views above browse the review's tables and its 151 references.")


def chat_view(assistant: Assistant, k: int, kinds: frozenset[str] | None) -> None:
    store = get_conversations()
    references = assistant.evidence.references
    turns = conversation_turns(store)
    state = st.session_state
    if state.pop("lost", False):
        st.info("The conversation in this link is no longer on the server (it was restarted, or had too many to keep); "
                "this is a new one.")
    intro = st.empty()
    if not turns:
        with intro.container():
            landing()
    for number, turn in enumerate(turns):
        show_turn(turn, number, references)
    actions = st.bottom.container()  # above the question box; filled last, once this run's answer is in
    refusal = state.pop("refusal", None)
    if refusal:  # right above the box that holds the text again, where the reader is looking
        actions.warning(refusal)
    typed = st.chat_input("Ask about MSC sources, animal models, clinical trials, references…", key=QUESTION_KEY,
                          on_submit=check_question, args=(assistant.settings.answer.max_question_chars,))
    question = typed or state.pop("pending_question", None)
    if question and question.strip():
        intro.empty()  # the answer takes the landing page's place
        if kinds == frozenset():
            st.warning("Choose at least one kind of passage to search in (sidebar, “Search in”).")
        else:
            answer_question(assistant, store, question, turns, k, kinds)
    elif not turns:
        scroll_into_view(TOP_KEY)  # the landing page reads from its top
    conversation_actions(store, references, actions)
    if state.pop("close_sidebar", False):
        close_sidebar_on_phones()


# --- the other views -----------------------------------------------------------------------------


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
    shown = f"{len(rows)} of {len(table.rows)} rows"
    st.caption(shown)
    if rows:
        show_table(table.columns, [row.cells for row in rows], f"{table.name}: {shown}")
    cited = dict.fromkeys(ref for row in rows for ref in row.refs if ref in references)
    with st.expander(f"References of these rows ({len(cited)})"):
        st.markdown("\n".join(f"- {reference_markdown(ref, references[ref].entry, references[ref].url)}" for ref in cited)
                    or "No references.")


def references_view(assistant: Assistant) -> None:
    references = assistant.evidence.references
    # live: the list filters as one types, not only after Enter.
    search = st.text_input("Search the references", placeholder="author, title, journal, year, DOI…", live=True)
    found = [ref for ref in references.values() if matches_search(search, ref.entry)]
    st.caption(f"{len(found)} of {len(references)} references")
    st.markdown("\n".join(f"- {reference_markdown(ref.number, ref.entry, ref.url)}" for ref in found))


# --- the index -----------------------------------------------------------------------------------


def builds_allowed(settings: Settings) -> bool:
    """Whether the page may start a build (a build replaces what every visitor is served): app.allow_build, by default
    only when the app listens on a loopback address."""
    return settings.app.build_allowed(st.get_option("server.address"))


def index_problem_page(settings: Settings, problem: str) -> None:
    """No usable index: say why and how to build it, and offer to build it here."""
    st.error(problem)
    st.markdown(
        "The app answers from an index built from the review in "
        f"`{settings.corpus_folder}`. Build it from a terminal with `make run` (builds, then starts the app) "
        "or `reviewqa build`" + (", or here:" if builds_allowed(settings) else ".")
    )
    build_button(settings)


def build_button(settings: Settings, label: str = "Build the index now") -> None:
    if not builds_allowed(settings):
        return
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


def index_banner(assistant: Assistant) -> None:
    """Above the page: when the index on disk cannot be served, or is out of date, say so — the build in memory keeps
    answering either way. A newer good build is switched to first."""
    assistant.reload_if_changed()
    if assistant.reload_problem:
        st.warning(escape_markdown(assistant.reload_problem))
        return
    status = index_status(assistant.settings)
    if status.stale:
        st.warning(escape_markdown(status.message))
        build_button(assistant.settings, "Rebuild the index now")


def sidebar(assistant: Assistant) -> tuple[int, frozenset[str] | None]:
    """Examples, retrieval options and the index's facts; returns (k, kinds)."""
    manifest = assistant.evidence.index.manifest
    offered = offered_kinds(manifest.counts)
    with st.sidebar:
        st.subheader("Try a question")
        for kind, questions in EXAMPLES.items():
            st.caption(kind)
            for question in questions:
                st.button(question, width="stretch", on_click=ask_example, args=(question, True), key=f"sidebar-{question}")
        st.subheader("Search")
        k = st.slider("Passages per answer", 3, 30, assistant.settings.retrieval.k)
        chosen = st.multiselect("Search in", offered, default=offered, format_func=KIND_LABELS.get)
        st.subheader("Index")
        coverage = manifest.abstract_coverage
        st.markdown(
            f"- {sum(manifest.counts.values())} passages: "
            f"{', '.join(f'{n} {KIND_LABELS.get(kind, kind)}' for kind, n in manifest.counts.items())}\n"
            + (f"- abstracts for {coverage.get('with_abstract', 0)} of {coverage.get('references', 0)} cited works\n" if coverage else "")
            + f"- model: `{escape_markdown(manifest.model)}`\n- built at: {escape_markdown(manifest.built_at)}"
        )
    return k, chosen_kinds(chosen, offered)


def main() -> None:
    st.set_page_config(page_title=TITLE, page_icon="🔬", layout="centered",
                       menu_items={"About": f"Answers quoted from {REVIEW}, every claim cited."})
    settings = load_settings()
    with st.container(key=TOP_KEY):
        st.title(TITLE, anchor=False)
    try:
        assistant = get_assistant(settings.model_dump_json())
    except IndexProblem as problem:
        index_problem_page(settings, str(problem))
        return
    index_banner(assistant)
    k, kinds = sidebar(assistant)
    view = st.radio("View", VIEWS, horizontal=True, label_visibility="collapsed", key="view")
    if view == "Chat":
        chat_view(assistant, k, kinds)
    elif view == "Tables":
        tables_view(assistant)
    else:
        references_view(assistant)

"""The Streamlit app, run headless with streamlit.testing.v1.AppTest against the session's real index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import streamlit as st
from fake_model_server import Answer, FakeModelServer, closed_port_url
from streamlit.testing.v1 import AppTest

from reviewqa.config import load_settings
from reviewqa.records import trial_url
from reviewqa.render import escape_markdown

APP = Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py"
RUN_TIMEOUT_S = 60  # the first run loads the model
EGYPT = "Which clinical trials are recruiting in Egypt?"
WRITTEN = ("For men with NOA, TESE with ICSI remains the only choice to conceive [19]. "
           "Sperm is found in about 50% of first TESE cycles [20], and the successful fertilization probability is about 13.4% [22].")
WRITTEN_QUESTION = "What is the success rate of TESE-ICSI in NOA?"


def start(monkeypatch, settings, **env: str) -> AppTest:
    """A new session of the app (as a new browser tab) serving `settings`' index; the server's caches are kept."""
    monkeypatch.setenv("REVIEWQA_INDEX", str(settings.index_dir))
    monkeypatch.setenv("REVIEWQA_CORPUS", str(settings.corpus_dir))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT_S)


@pytest.fixture
def app(built_index, monkeypatch) -> AppTest:
    st.cache_resource.clear()
    test = start(monkeypatch, built_index).run()
    assert_no_error(test)
    return test


def assert_no_error(app: AppTest) -> None:
    assert not app.exception and not app.error, (app.exception, app.error)


def ask(app: AppTest, question: str) -> AppTest:
    app.chat_input[0].set_value(question)
    return app.run()


def shown_markdown(app: AppTest) -> str:
    return "\n".join(element.value for element in app.markdown)


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_landing_page_says_what_the_review_is_and_offers_examples_of_each_kind(app):
    text = shown_markdown(app)
    assert "Zhankina, Baghban et al." in text and "does not give medical advice" in text
    for kind in ("Sources of MSCs", "Animal models", "Clinical trials", "References"):
        assert f"**{kind}**" in text
    assert EGYPT in [b.label for b in app.main.button] and not app.chat_message


def test_chat_answer_comes_first_with_compact_references_then_collapsed_evidence(app):
    ask(app, "How do MSC exosomes help restore spermatogenesis?")
    assert_no_error(app)
    user, reply = app.chat_message
    assert user.markdown[0].value.startswith("**You asked:**")  # who speaks, in text a screen reader reads
    assert reply.markdown[0].value.startswith("**Answer**")
    cited = next(m.value for m in reply.markdown if m.value.startswith("**Cited**"))
    assert "](https://doi.org/10." in cited and cited.count("\n") >= 1
    labels = [e.label for e in reply.expander]
    assert labels[0].startswith("Full references (") and labels[1].startswith("Supporting passages (") and len(labels) == 2
    assert not any(e.proto.expanded for e in reply.expander)  # collapsed: the answer stays first
    app.session_state[f"{app.query_params['c']}-0-passages"] = True  # the reader opens the passages
    app.run()
    passages = [e.label for e in app.chat_message[1].expander][2:]
    assert passages and not any("score" in label for label in passages)
    assert any(label.endswith("quoted in the answer") for label in passages)
    assert all(label.endswith(("quoted in the answer", "close match", "related", "loosely related")) for label in passages)


def test_trial_codes_link_to_their_registry_in_an_answer_table(app):
    ask(app, EGYPT)
    assert_no_error(app)
    table = app.chat_message[1].table[0].value
    assert list(table.columns)[0] == "CT code"  # the code leads, in view however narrow the table
    assert f"[NCT02008799]({trial_url('NCT02008799')})" in set(table["CT code"])


def test_follow_up_shows_how_it_was_read(app):
    ask(app, "Which bone marrow MSC animal models were used?")
    ask(app, "and in rats?")
    assert_no_error(app)
    read_as = [caption.value for caption in app.caption if caption.value.startswith("Read as:")]
    assert read_as and "rats" in read_as[-1] and "bone marrow" in read_as[-1].lower()
    assert len(app.chat_message) == 4


def test_a_reload_keeps_the_conversation(app, built_index, monkeypatch):
    ask(app, "Which animal models used busulfan?")
    ask(app, "and in rats?")
    conversation = app.query_params["c"]
    reloaded = start(monkeypatch, built_index)
    reloaded.query_params["c"] = conversation
    reloaded.run()
    assert_no_error(reloaded)
    questions = [message.markdown[0].value for message in reloaded.chat_message[::2]]
    assert questions == ["**You asked:** Which animal models used busulfan?", "**You asked:** and in rats?"]
    ask(reloaded, "and in mice?")  # the conversation goes on: the follow-up is read with it
    assert "busulfan" in next(c.value for c in reloaded.caption if c.value.startswith("Read as:")).lower()


def test_a_link_to_a_conversation_the_server_no_longer_holds_starts_afresh_and_says_so(built_index, monkeypatch):
    st.cache_resource.clear()
    app = start(monkeypatch, built_index)
    app.query_params["c"] = "forgotten"
    app.run()
    assert_no_error(app)
    assert "no longer on the server" in app.info[0].value and not app.chat_message and "c" not in app.query_params


def test_new_conversation_can_be_undone(app):
    ask(app, "Which animal models used busulfan?")
    button(app, "New conversation").click().run()
    assert not app.chat_message and "c" not in app.query_params
    button(app, "Undo: back to the previous conversation").click().run()
    assert len(app.chat_message) == 2 and "busulfan" in app.chat_message[0].markdown[0].value


def test_example_question_button_asks_it(app):
    next(b for b in app.sidebar.button if b.label.startswith("Which clinical trials treat")).click().run()
    assert_no_error(app)
    assert "Which clinical trials treat azoospermia" in app.chat_message[0].markdown[0].value.replace("\\", "")


def test_overlong_question_is_refused_in_one_line_and_kept_for_editing(app):
    pasted = "sources " * 700
    ask(app, pasted)
    assert_no_error(app)
    assert len(app.warning) == 1 and "4,000 characters" in app.warning[0].value
    assert not app.chat_message  # no chat bubble for a question that was not asked
    assert app.chat_input[0].value == pasted  # the text is back in the box


def test_blank_question_is_ignored(app):
    ask(app, "   ")
    assert_no_error(app)
    assert not app.warning and not app.chat_message


def test_html_in_a_question_is_shown_as_text(app):
    question = "<img src=x onerror=alert(1)> Which animal models used <b>busulfan</b>?"
    ask(app, question)
    assert_no_error(app)
    shown = app.chat_message[0].markdown[0].value
    assert shown == "**You asked:** " + escape_markdown(question) and "<b>" not in shown


def test_rows_of_tables_1_and_2_in_one_answer_are_both_shown_as_data(app):
    ask(app, "amniotic membrane MSCs germ cells")
    assert_no_error(app)
    sources = [set(table.value["MSC source"]) for table in app.chat_message[1].table if "MSC source" in table.value]
    assert {"Amniotic membrane"} in sources  # Table 1's row(s)
    assert {"Amniotic membrane Chorion Umbilical cord"} in sources  # Table 2's row, not Table 1's in its place


def test_only_kinds_the_index_holds_are_offered(app):
    search_in = next(box for box in app.sidebar.multiselect if box.label == "Search in")
    assert search_in.options == ["review text", "tables", "reference list"]  # the test index holds no abstracts


def test_a_search_limited_to_one_kind_that_finds_nothing_names_the_limit(app):
    next(box for box in app.sidebar.multiselect if box.label == "Search in").set_value(["table_row"]).run()
    ask(app, "How does the WHO define an infertile couple?")
    assert_no_error(app)
    assert any("limited to tables" in info.value for info in app.chat_message[1].info)


def test_tables_view_filters_rows_and_links_trial_codes(app):
    app.radio[0].set_value("Tables").run()
    assert_no_error(app)
    table3 = next(option for option in app.selectbox[0].options if option.startswith("Table 3"))
    app.selectbox[0].set_value(table3).run()
    all_rows = len(app.table[0].value)
    next(box for box in app.multiselect if box.label == "Modeling").set_value(["Busulfan"]).run()
    filtered = app.table[0].value
    assert 0 < len(filtered) < all_rows and all("Busulfan" in model for model in filtered["Modeling"])
    table4 = next(option for option in app.selectbox[0].options if option.startswith("Table 4"))
    app.selectbox[0].set_value(table4).run()
    codes = app.table[0].value["CT code"]
    assert all(code.startswith("[NCT") or code.startswith("[IRCT") or "](" not in code for code in codes)
    assert sum("](https://" in code for code in codes) >= 20


def test_references_view_matches_word_forms_and_links_every_entry(app):
    app.radio[0].set_value("References").run()
    listed = app.main.markdown[-1].value.splitlines()
    assert len(listed) == 151 and all("](https://" in line for line in listed)  # every entry has a link
    app.text_input[0].set_value("exosome").run()
    found = app.main.markdown[-1].value
    assert "Exosomal" in found or "exosomal" in found  # a word form of what was typed
    assert 0 < len(found.splitlines()) < 151


def test_missing_index_page_offers_a_build_only_to_the_serving_machine(built_index, monkeypatch, tmp_path):
    st.cache_resource.clear()
    missing = load_settings({("corpus_dir",): built_index.corpus_dir, ("index_dir",): tmp_path / "no-index"}, environ={})
    app = start(monkeypatch, missing).run()
    assert not app.exception
    assert app.error and "reviewqa build" in app.error[0].value
    assert not app.button and not app.chat_input  # served to anyone (Streamlit's default address): no build button
    monkeypatch.setattr(st, "get_option", lambda name: "127.0.0.1" if name == "server.address" else None)
    app.run()
    assert [b.label for b in app.button] == ["Build the index now"]


# --- the index on disk goes wrong while the app serves it: a banner, never a traceback, answers go on ---------------


@pytest.fixture
def served_copy(built_index, tmp_path, monkeypatch):
    """A private copy of the index and corpus, served by a new app session that has loaded it."""
    settings = load_settings({("corpus_dir",): tmp_path / "corpus", ("index_dir",): tmp_path / "index"}, environ={})
    shutil.copytree(built_index.corpus_dir, settings.corpus_dir)
    shutil.copytree(built_index.index_dir, settings.index_dir)
    st.cache_resource.clear()
    app = start(monkeypatch, settings).run()
    assert_no_error(app)
    assert not app.warning  # no banner while the index on disk is the one served, and current
    return app, settings


def assert_still_serving(app: AppTest, banner: str) -> None:
    app.run()
    assert_no_error(app)
    shown = [warning.value.replace("\\", "") for warning in app.warning]  # as read: Markdown escapes removed
    assert any(banner in text for text in shown), shown
    ask(app, "Which animal models used busulfan?")
    assert_no_error(app)
    assert app.chat_message[-1].table  # answered from the build in memory


def test_garbage_current_keeps_serving_with_a_banner(served_copy):
    app, settings = served_copy
    (settings.index_dir / "CURRENT").write_bytes(b"\x00\xffnot a build\n")
    assert_still_serving(app, "its CURRENT file does not name a build")


def test_current_that_is_a_directory_keeps_serving_with_a_banner(served_copy):
    app, settings = served_copy
    (settings.index_dir / "CURRENT").unlink()
    (settings.index_dir / "CURRENT").mkdir()
    assert_still_serving(app, "its CURRENT file is a folder")


def test_a_damaged_new_build_keeps_the_old_one_with_a_banner(served_copy):
    app, settings = served_copy
    old = (settings.index_dir / "CURRENT").read_text().strip()
    new = old[:-8] + "0badbeef"  # another valid build id
    shutil.copytree(settings.index_dir / "builds" / old, settings.index_dir / "builds" / new)
    manifest = settings.index_dir / "builds" / new / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "build_id": new}))
    (settings.index_dir / "builds" / new / "vectors.faiss").write_bytes(b"truncated")
    (settings.index_dir / "CURRENT").write_text(new + "\n")
    assert_still_serving(app, "vectors.faiss")


def test_a_corpus_edit_makes_the_served_index_stale_with_a_banner(served_copy):
    app, settings = served_copy
    review = next((settings.corpus_dir / "review").glob("*.txt"))
    review.write_text(review.read_text(encoding="utf-8") + "\nAn added paragraph.\n", encoding="utf-8")
    assert_still_serving(app, "out of date")


# --- written answers from a model server ---------------------------------------------------------------------------


def test_a_written_answer_is_shown_checked_and_exported(built_index, monkeypatch):
    unsupported = "MSCs cure every case of azoospermia within a week [19]."
    with FakeModelServer(Answer(WRITTEN + " " + unsupported)) as server:
        st.cache_resource.clear()
        app = start(monkeypatch, built_index, REVIEWQA_LLM__BASE_URL=server.url, REVIEWQA_LLM__MODEL="fake").run()
        ask(app, WRITTEN_QUESTION)
    assert_no_error(app)
    reply = app.chat_message[1]
    assert reply.markdown[0].value.startswith("**Answer**, written by fake")  # who wrote it, in words
    written = reply.markdown[1].value
    assert written.startswith("For men with NOA") and "13.4%" in written
    assert ":orange-background[MSCs cure every case" in written and "not supported by the passages it cites" in written
    assert "[\\[22\\] " in reply.markdown[2].value  # what it cites, linked
    assert reply.expander[0].label.startswith("The review's own sentences")  # the quoted answer, one click away
    from reviewqa.app.page import get_conversations, written_export  # the export the download button makes
    turn = get_conversations().get(app.query_params["c"])[0]
    assert "**Written by fake**" in written_export(turn, {}) and "not supported by the passages it cites" in written_export(turn, {})


def test_when_the_model_server_fails_its_notice_stands_above_the_quoted_answer(built_index, monkeypatch):
    st.cache_resource.clear()
    app = start(monkeypatch, built_index, REVIEWQA_LLM__BASE_URL=closed_port_url(), REVIEWQA_LLM__MODEL="fake",
                REVIEWQA_LLM__RETRIES="0").run()
    ask(app, WRITTEN_QUESTION)
    assert_no_error(app)
    reply = app.chat_message[1]
    assert reply.info[0].value.startswith("No written answer:")
    assert reply.markdown[0].value.startswith("**Answer**") and any("13.4%" in m.value for m in reply.markdown)

"""The Streamlit app, run headless with streamlit.testing.v1.AppTest against the session's real index."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from reviewqa.app.view import highlighted_passage
from reviewqa.records import trial_url
from reviewqa.render import conversation_markdown, escape_markdown

APP_DIR = Path(__file__).resolve().parents[1] / "app"

RUN_TIMEOUT_S = 60  # the first run loads the model


@pytest.fixture
def app(built_index, monkeypatch) -> AppTest:
    monkeypatch.setenv("REVIEWQA_INDEX", str(built_index.index_dir))
    monkeypatch.setenv("REVIEWQA_CORPUS", str(built_index.corpus_dir))
    st.cache_resource.clear()
    test = AppTest.from_file(str(APP_DIR / "streamlit_app.py"), default_timeout=RUN_TIMEOUT_S).run()
    assert not test.exception and not test.error, (test.exception, test.error)
    return test


def ask(app: AppTest, question: str) -> AppTest:
    app.chat_input[0].set_value(question)
    return app.run()


def shown_markdown(app: AppTest) -> str:
    return "\n".join(element.value for element in app.markdown)


def test_chat_round_trip_shows_answer_references_and_passages(app):
    ask(app, "How do MSC exosomes help restore spermatogenesis?")
    assert not app.exception
    assert len(app.chat_message) == 2
    text = shown_markdown(app)
    assert "**References**" in text
    assert "](https://doi.org/10." in text  # a DOI link
    assert any("score" in expander.label for expander in app.expander)


def test_follow_up_shows_how_it_was_read(app):
    ask(app, "Which bone marrow MSC animal models were used?")
    ask(app, "and in rats?")
    assert not app.exception
    read_as = [caption.value for caption in app.caption if caption.value.startswith("Read as:")]
    assert read_as and "rats" in read_as[-1] and "bone marrow" in read_as[-1].lower()
    assert len(app.chat_message) == 4


def test_new_conversation_clears_the_chat(app):
    ask(app, "Which animal models used busulfan?")
    next(button for button in app.button if button.label == "New conversation").click().run()
    assert not app.chat_message


def test_example_question_button_asks_it(app):
    next(button for button in app.sidebar.button if button.label.startswith("Which clinical trials")).click().run()
    assert not app.exception
    assert "Which clinical trials treat azoospermia" in shown_markdown(app).replace("\\", "")


def test_tables_view_filters_rows(app):
    app.radio[0].set_value("Tables").run()
    assert not app.exception
    table3 = next(option for option in app.selectbox[0].options if option.startswith("Table 3"))
    app.selectbox[0].set_value(next(t for t in app.selectbox[0].options if t == table3)).run()
    all_rows = len(app.dataframe[0].value)
    modeling = next(box for box in app.multiselect if box.label == "Modeling")
    modeling.set_value(["Busulfan"]).run()
    filtered = app.dataframe[0].value
    assert 0 < len(filtered) < all_rows
    assert all("Busulfan" in model for model in filtered["Modeling"])


def test_references_view_searches(app):
    app.radio[0].set_value("References").run()
    app.text_input[0].set_value("exosome").run()
    text = shown_markdown(app)
    assert "https://doi.org/" in text and "xosome" in text


def test_missing_index_page_says_how_to_build(built_index, monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWQA_INDEX", str(tmp_path / "no-index"))
    monkeypatch.setenv("REVIEWQA_CORPUS", str(built_index.corpus_dir))
    st.cache_resource.clear()
    app = AppTest.from_file(str(APP_DIR / "streamlit_app.py"), default_timeout=RUN_TIMEOUT_S).run()
    assert not app.exception
    assert app.error and "reviewqa build" in app.error[0].value
    assert any(button.label == "Build the index now" for button in app.button)
    assert not app.chat_input


def test_overlong_question_is_refused_politely(app):
    ask(app, "sources " * 700)
    assert not app.exception
    assert app.warning and "4,000 characters" in app.warning[0].value
    assert len(app.chat_message) == 1  # the question, no answer


def test_blank_question_is_ignored(app):
    ask(app, "   ")
    assert not app.exception and not app.warning and not app.chat_message


def test_html_in_a_question_is_shown_as_text(app):
    ask(app, "<img src=x onerror=alert(1)> Which animal models used <b>busulfan</b>?")
    assert not app.exception
    question = app.chat_message[0].markdown[0].value
    assert question == escape_markdown("<img src=x onerror=alert(1)> Which animal models used <b>busulfan</b>?")
    assert "<b>" not in question


def test_escape_markdown_keeps_corpus_text_literal():
    assert escape_markdown("*a* [x](y) :red[z] $1$ <b>") == r"\*a\* \[x\](y) :red\[z\] \$1\$ \<b\>"
    assert escape_markdown("cited [22](javascript:x) and [81–83].") == r"cited [22]\(javascript:x) and [81–83]."


def test_trial_codes_link_to_their_registries():
    assert trial_url("NCT02696889") == "https://clinicaltrials.gov/study/NCT02696889"
    assert trial_url("IRCT20190519043634N1").startswith("https://irct.behdasht.gov.ir/")
    assert trial_url("CBI20110651") is None


def test_rows_of_tables_1_and_2_in_one_answer_are_both_shown_as_data(app):
    ask(app, "amniotic membrane MSCs germ cells")
    assert not app.exception
    shown = [frame.value for frame in app.chat_message[1].dataframe]
    sources = [set(frame["MSC source"]) for frame in shown if "MSC source" in frame]
    assert {"Amniotic membrane"} in sources  # Table 1's row(s)
    assert {"Amniotic membrane Chorion Umbilical cord"} in sources  # Table 2's row, not Table 1's in its place


def test_highlighted_passage_bolds_the_quoted_sentences(assistant):
    answer = assistant.ask("How do MSC exosomes help restore spermatogenesis?")
    quoted = next(passage for passage in answer.passages if passage.used and not passage.cells)
    assert "**" + escape_markdown(quoted.used[0].strip()) + "**" in highlighted_passage(quoted)


def test_export_has_every_answer_with_full_references(assistant):
    first = assistant.ask("Which MSC sources were differentiated into male germ cells in vitro?")
    second = assistant.ask("How do MSC exosomes help restore spermatogenesis?")
    exported = conversation_markdown([first, second])
    assert exported.count("\n## ") == 2
    for citation in first.citations + second.citations:
        line = next(line for line in exported.splitlines() if line.startswith(f"- [{citation.ref}] "))
        assert citation.entry.split(".")[0] in line and (citation.url is None or f"<{citation.url}>" in line)

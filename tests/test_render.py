"""Renderers: typed answers → Markdown, terminal text and JSON, with corpus text kept literal."""

from __future__ import annotations

import re

import pytest

from reviewqa.answer import Prose, ReferenceCard, Summary, TableBlock
from reviewqa.render import (conversation_markdown, escape_markdown, linked_codes, markdown_table, plain, to_json, to_markdown,
                             to_text)


def test_corpus_text_stays_literal_but_citation_markers_stay_readable():
    assert escape_markdown("*a* [x](y) <b> $1$ `c`") == r"\*a\* \[x\](y) \<b\> \$1\$ \`c\`"
    assert escape_markdown("as shown [22] and [81–83].") == "as shown [22] and [81–83]."
    assert escape_markdown("cited [22](javascript:x)") == r"cited [22]\(javascript:x)"  # a marker never becomes a link
    assert escape_markdown(":red[22]") == r":red\[22\]"  # nor a Streamlit directive


def test_trial_codes_link_to_their_registry():
    assert linked_codes("see NCT02041910.") == "see [NCT02041910](https://clinicaltrials.gov/study/NCT02041910)."


def test_markdown_table_escapes_pipes_and_links_codes():
    assert markdown_table(["A", "CT code"], [["x|y", "NCT02041910"]]).splitlines() == [
        "| A | CT code |", "|---|---|", r"| x\|y | [NCT02041910](https://clinicaltrials.gov/study/NCT02041910) |"]


def test_a_table_answer_writes_its_summary_first_and_at_most_ten_rows(assistant):
    answer = assistant.ask("which trials are not in China?")
    assert isinstance(answer.blocks[0], Summary) and answer.blocks[0].text.startswith("Table 4 — clinical trials, country ≠ China: 18 trials")
    table = next(block for block in answer.blocks if isinstance(block, TableBlock))
    assert table.shown == 10 and table.result.count == 18  # all 18 rows stay in the block for the app and JSON
    text = to_markdown(answer)
    assert text.count("\n| ") == 11 and "and 8 more rows" in text  # header + 10 rows


def test_json_keeps_its_keys_and_adds_blocks(assistant):
    data = to_json(assistant.ask("Which animal models used hamsters?"))
    assert {"question", "answer", "covered", "citations", "passages", "table", "timings_ms", "blocks", "intent"} <= set(data)
    assert [block["type"] for block in data["blocks"]] == ["summary", "table"]
    assert data["blocks"][1]["table"]["rows"] == data["table"]["rows"] and data["blocks"][1]["shown_rows"] == 2


def test_a_reference_card_shows_the_entry_its_link_and_what_cites_it(assistant):
    answer = assistant.ask("what is ref 57")
    card = answer.blocks[0]
    assert isinstance(card, ReferenceCard) and card.reference.number == 57 and card.url.startswith("https://pubmed.ncbi.nlm.nih.gov/")
    assert any("non-enzymatic" in quote.text for quote in card.citing)
    assert to_markdown(answer).startswith("**[57]** Bellei B") and "Cited in the review:" in to_text(answer)


def test_prose_with_labelled_quotes_is_a_list(assistant):
    answer = assistant.ask("compare adipose and bone marrow MSCs")
    prose = next(block for block in answer.blocks if isinstance(block, Prose))
    assert any(quote.label == "Adipose tissue" for quote in prose.quotes)
    assert "- **Adipose tissue:**" in to_markdown(answer)


def test_the_export_escapes_markup_from_any_text(assistant):
    answer = assistant.ask("What is NOA? <script>alert(1)</script>")
    exported = conversation_markdown([answer])
    assert "<script>" not in exported and r"\<script\>" in exported and exported.count("\n## ") == 1

@pytest.mark.parametrize(("text", "markdown"), [
    ("see http://evil.example/x now", "see `http://evil.example/x` now"),
    ("HTTPS://EVIL.EXAMPLE/A?b=c&d", "`HTTPS://EVIL.EXAMPLE/A?b=c&d`"),
    ("(https://www.clinicaltrials.gov), and", "(`https://www.clinicaltrials.gov`), and"),
    ("at www.evil.example.", "at `www.evil.example`."),
    ("Correspondence: reza.shirazi@unsw.edu.au; others", "Correspondence: `reza.shirazi@unsw.edu.au`; others"),
    ("<https://evil.example>", "\\<`https://evil.example`\\>"),
    ("http://a.example/x|y", "`http://a.example/x`\\|y"),  # a pipe would split a table cell, even inside code
    ("http://a.example/`x`", "`http://a.example/`\\`x\\`"),
    ("Smith@2019 and http:// alone", "Smith@2019 and http:// alone"),  # nothing GFM would link
])
def test_bare_urls_and_addresses_become_code_never_links(text, markdown):
    assert escape_markdown(text) == markdown


def test_no_bare_url_is_left_outside_code():
    text = "Visit http://a.example, https://b.example/p?q=1 or www.c.example; mail d@e.example [12] (see [3])."
    outside_code = re.sub(r"`[^`]*`", "", escape_markdown(text))
    assert not re.search(r"https?://|www\.|@", outside_code)
    assert "[12]" in outside_code  # citation markers stay readable


def test_a_long_word_is_escaped_in_linear_time():
    assert escape_markdown("a" * 200_000 + "@b.example").startswith("`a")


@pytest.mark.parametrize(("text", "shown"), [
    ("\x1b[31mred\x1b[0m", "red"),
    ("\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07", "click"),
    ("\x1b]0;window title\x1b\\text", "text"),
    ("\x9b2Jcleared", "cleared"),
    ("bell\x07 and \x1b] unterminated", "bell and ] unterminated"),
    ("tab\tand\nnewline kept", "tab\tand\nnewline kept"),
])
def test_terminal_text_has_no_escape_sequences(text, shown):
    assert plain(text) == shown


def test_markdown_has_no_control_characters():
    assert escape_markdown("\x1b[31mred\x1b[0m <b>") == "red \\<b\\>"


def test_quotes_running_on_under_one_label_make_one_bullet():
    from reviewqa.answer import Prose, Quote
    from reviewqa.render import _prose_markdown

    block = Prose((Quote("Several mechanisms: (1) one [1];", (1,), "p", "s", label="Animal models"),
                   Quote("(2) two [2].", (2,), "p", "s", label="Animal models"),
                   Quote("Trials are registered.", (), "p", "s", label="Human studies")))
    assert _prose_markdown(block).splitlines() == ["- **Animal models:** Several mechanisms: (1) one [1]; (2) two [2].",
                                                   "- **Human studies:** Trials are registered."]


def test_a_connective_opening_what_is_read_is_left_out_but_kept_in_the_quote():
    from reviewqa.answer import Prose, Quote
    from reviewqa.render import _prose_markdown

    block = Prose((Quote("However, the NOA accounts for about 10% of infertility cases.", (), "p", "s"),
                   Quote("However, it is idiopathic [9].", (9,), "p", "s")))
    assert _prose_markdown(block) == "The NOA accounts for about 10% of infertility cases. However, it is idiopathic [9]."
    assert block.quotes[0].text.startswith("However, ")
    kept = Prose((Quote("As a result, the probability is about 13.4% [22].", (22,), "p", "s"),))
    assert _prose_markdown(kept).startswith("As a result, ")

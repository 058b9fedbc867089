"""Renderers: typed answers → Markdown, terminal text and JSON, with corpus text kept literal."""

from __future__ import annotations

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


def test_terminal_text_drops_escape_sequences():
    assert plain("ok \x1b[31mred\x1b[0m \x1b]8;;http://x\x07link") == "ok [31mred[0m ]8;;http://xlink"


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

"""The app's pure presentation helpers (reviewqa.app.view) and its conversation store, without Streamlit."""

from __future__ import annotations

from dataclasses import replace

from reviewqa.answer import Passage
from reviewqa.app.conversations import Conversations, Turn
from reviewqa.app.view import (chosen_kinds, compact_reference, highlighted_passage, kinds_phrase, matches_search,
                               nothing_found_notice, offered_kinds, passage_label, relevance, table_frame,
                               written_answer_markdown, written_sources_markdown)
from reviewqa.records import Reference, trial_url
from reviewqa.render import conversation_markdown, escape_markdown

ROW = Passage("t4:3", "table_row", "Table 4 — clinical trials", "Table 4 row text", 0.04, 0.4, (),
              cells=(("Sex", "Male"), ("Disease/syndrome", "Azoospermia"), ("Phase", "ND"), ("Date", "2013"), ("Country", "Egypt"),
                     ("CT code", "NCT02008799")))
PROSE = Passage("p:9", "prose", "MSC-therapy of NOA", "MSC-derived exosomes carry proteins, lipids and miRNAs between cells, "
                "which may support spermatogenesis [30, 31, 32, 33, 34].", 0.02, 0.5, (30, 31, 32, 33, 34))


def test_only_kinds_the_index_holds_are_offered_and_all_of_them_means_no_limit():
    offered = offered_kinds({"prose": 41, "table_row": 94, "reference": 151, "abstract": 0})
    assert offered == ["prose", "table_row", "reference"]
    assert chosen_kinds(offered, offered) is None
    assert chosen_kinds(["table_row"], offered) == frozenset({"table_row"})


def test_a_limited_search_that_finds_nothing_names_its_limit(assistant):
    declined = assistant.ask("How does the WHO define an infertile couple?", kinds=frozenset({"table_row"}))
    assert not declined.covered
    assert "limited to tables" in nothing_found_notice(frozenset({"table_row"}), declined)
    assert nothing_found_notice(None, declined) == ""
    assert kinds_phrase({"prose", "table_row", "reference"}) == "review text, tables and reference list"


def test_passage_labels_say_where_what_and_how_near_never_a_score():
    label = passage_label(ROW, best_score=0.04)
    assert label.startswith("Table 4 — clinical trials: “Male · Azoospermia · ND · 2013 · NCT02008799”")
    assert label.endswith("close match") and "0.04" not in label
    prose = passage_label(PROSE, best_score=0.04)
    assert "“MSC-derived exosomes carry proteins, lipids and miRNAs between cells,…”" in prose
    assert "cites \\[30, 31, 32, 33, …\\]" in prose and prose.endswith("loosely related")


def test_relevance_in_words():
    assert relevance(replace(PROSE, used=("x",)), 0.02) == "quoted in the answer"
    assert [relevance(replace(PROSE, score=s), 0.1) for s in (0.095, 0.08, 0.05)] == ["close match", "related", "loosely related"]


def test_table_cells_link_trial_codes_and_the_code_column_leads():
    frame = table_frame(("Sex", "Country", "CT code"), [("Male", "Egypt", "NCT02008799"), ("Female", "Iran", "ND")])
    assert list(frame.columns) == ["CT code", "Sex", "Country"]
    assert frame["CT code"][0] == f"[NCT02008799]({trial_url('NCT02008799')})" and frame["CT code"][1] == "ND"
    assert table_frame(("Source",), [("<b>x</b>",)])["Source"][0] == escape_markdown("<b>x</b>")


def test_passages_link_trial_codes_and_bold_what_the_answer_quotes(assistant):
    answer = assistant.ask("How do MSC exosomes help restore spermatogenesis?")
    quoted = next(passage for passage in answer.passages if passage.used and not passage.cells)
    assert "**" + escape_markdown(quoted.used[0].strip()) + "**" in highlighted_passage(quoted)
    trial = Passage("x", "prose", "Human", "Registered as NCT02008799 in 2013.", 0.1, 0.1, ())
    assert f"[NCT02008799]({trial_url('NCT02008799')})" in highlighted_passage(trial)


def test_compact_reference_is_short_and_linked():
    qian = Reference(127, "Qian C, Meng Q, Lu J. Human amnion MSCs restore spermatogenesis. Stem Cell Res Ther 2020.",
                     "Qian C, Meng Q, Lu J", "Human amnion MSCs restore spermatogenesis", "Stem Cell Res Ther", 2020,
                     "10.1186/s13287-020-01803-7")
    assert compact_reference(qian) == "[\\[127\\] Qian et al. 2020, *Stem Cell Res Ther*](https://doi.org/10.1186/s13287-020-01803-7)"
    who = Reference(3, "Organization WH. Revised glossary. Fertil Steril. 2009.", "Organization WH", "Revised glossary", "", 2009, None)
    assert compact_reference(who).startswith("[\\[3\\] Organization 2009](https://pubmed.ncbi.nlm.nih.gov/?term=Revised+glossary)")


def test_reference_search_matches_word_forms_as_one_types():
    entry = "Exosomal microRNAs from bone marrow MSCs restore spermatogenesis. doi: 10.1186/s13287-020-01803-7"
    assert matches_search("exosome", entry) and matches_search("exosomes spermatogenesis", entry)
    assert matches_search("exo", entry)  # a word still being typed
    assert matches_search("s13287-020", entry) and matches_search("", entry)
    assert not matches_search("busulfan", entry) and not matches_search("exosome mice", entry)


def test_unsupported_written_sentences_are_marked_in_words():
    markdown = written_answer_markdown([("TESE-ICSI succeeds in 13.4% [22].", True), (" ", None), ("It cures <all>.", False)])
    assert markdown.startswith("TESE-ICSI succeeds in 13.4% [22]. ")
    assert ":orange-background[It cures \\<all\\>.] **⚠ not supported by the passages it cites**" in markdown


def test_what_a_written_answer_cites_is_listed_with_links_and_labels():
    qian = Reference(127, "Qian C. Amnion MSCs. Stem Cell Res Ther 2020.", "Qian C", "Amnion MSCs", "Stem Cell Res Ther", 2020,
                     "10.1186/s13287-020-01803-7")
    lines = written_sources_markdown((127, "Table 4", 999), {"Table 4": "Table 4 — clinical trials"}, {127: qian}).split("  \n")
    assert lines == ["[\\[127\\] Qian 2020, *Stem Cell Res Ther*](https://doi.org/10.1186/s13287-020-01803-7)",
                     "\\[Table 4\\] Table 4 — clinical trials", "\\[999\\]"]


def test_conversations_are_kept_by_id_and_the_oldest_forgotten(assistant):
    store = Conversations(limit=2, max_turns=2)
    answer = assistant.ask("Which animal models used busulfan?")
    first, second, third = store.new_id(), store.new_id(), store.new_id()
    assert len({first, second, third}) == 3 and store.get(first) is None
    for _ in range(3):
        store.append(first, Turn(answer))
    assert len(store.get(first)) == 2  # the last max_turns turns
    store.append(second, Turn(answer))
    store.get(first)  # used: now the newest
    store.append(third, Turn(answer))
    assert store.get(second) is None and store.get(first) and store.get(third)


def test_export_has_every_answer_with_full_references_and_written_answers_first(assistant):
    first = assistant.ask("Which MSC sources were differentiated into male germ cells in vitro?")
    second = assistant.ask("How do MSC exosomes help restore spermatogenesis?")
    trials = assistant.ask("Which clinical trials are recruiting in Egypt?")
    exported = conversation_markdown([first, second, trials], ["", "**Written by fake**, checked…", ""])
    assert exported.count("\n## ") == 3
    for citation in first.citations + second.citations:
        line = next(line for line in exported.splitlines() if line.startswith(f"- [{citation.ref}] "))
        assert citation.entry.split(".")[0] in line and (citation.url is None or f"<{citation.url}>" in line)
    second_part = exported.split("\n## 2. ")[1]
    assert second_part.index("**Written by fake**") < second_part.index("**Quoted from the review**")
    assert f"[NCT02008799]({trial_url('NCT02008799')})" in exported  # trial codes link in the export too

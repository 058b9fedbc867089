"""Answers: extractive, cited, honest about what the review does not cover (real index, real model)."""

import re

import pytest

from reviewqa.answer import Notice, Prose, ReferenceCard, TableBlock
from reviewqa.assistant import turn_of
from reviewqa.evaluate import normalise
from reviewqa.render import markdown_table, to_json, to_markdown


def _corpus_text(assistant) -> str:
    return normalise(" ".join(sentence for chunk in assistant.evidence.index.chunks for sentence in chunk.sentences))


def test_markdown_table_escapes_pipes():
    assert markdown_table(["A", "B"], [["x|y", "z"]]).splitlines() == ["| A | B |", "|---|---|", r"| x\|y | z |"]


def test_tese_icsi_success_figure(assistant):
    answer = assistant.ask("What is the success rate of TESE-ICSI in men with NOA?")
    assert "13.4%" in to_markdown(answer)
    assert 22 in [c.ref for c in answer.citations]


def test_first_description_of_mscs(assistant):
    answer = assistant.ask("Who first described mesenchymal stem cells?")
    assert "Friedenstein" in to_markdown(answer) and answer.citations[0].ref == 23


def test_trial_by_its_code(assistant):
    text = to_markdown(assistant.ask("NCT03762967"))
    assert "NCT03762967" in text and "Russia" in text and "Adipose tissue" in text


def test_quoted_sentences_come_from_the_corpus(assistant):
    corpus = _corpus_text(assistant)
    answer = assistant.ask("Why is adipose tissue suggested as the MSC source for azoospermia?")
    assert answer.covered
    quotes = [quote for block in answer.blocks if isinstance(block, Prose) for quote in block.quotes]
    assert quotes and all(normalise(quote.text) in corpus for quote in quotes)
    used = {sentence for passage in answer.passages for sentence in passage.used}
    assert {quote.text for quote in quotes} <= used  # the evidence view marks exactly what was quoted


def test_citations_in_order_of_first_appearance_with_dois(assistant):
    answer = assistant.ask("How can obesity distort testosterone and estradiol results in infertile men?")
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", to_markdown(answer))]
    assert [c.ref for c in answer.citations] == list(dict.fromkeys(markers))
    doi = {c.ref: c.doi for c in answer.citations}
    assert doi[13] is None and 14 in doi


def test_off_topic_question_is_not_answered_from_thin_evidence(assistant):
    answer = assistant.ask("What is the capital of France?")
    assert not answer.covered and to_markdown(answer).startswith("The review does not") and answer.citations == ()
    assert len(answer.passages) >= 10  # the nearest passages are still shown


def test_table_question_is_answered_exactly(assistant):
    answer = assistant.ask("How many clinical trials of MSCs for male azoospermia are there?")
    data = to_json(answer)["table"]
    assert data["count"] == 6 and data["name"].startswith("Table 4")
    assert {"name", "conditions", "columns", "rows", "count"} <= set(data)
    assert "6 trials" in to_markdown(answer) and "NCT02641769" in to_markdown(answer)


def test_table_follow_up_uses_the_conversation(assistant):
    first = assistant.ask("Which clinical trials used umbilical cord MSCs?")
    follow = assistant.ask("and which of those are recruiting?", [turn_of(first)])
    assert first.table.count == 7
    assert follow.table.count == 5


def test_prose_follow_up_is_read_with_the_previous_question(assistant):
    first = assistant.ask("Which animal models were treated with bone marrow MSCs?")
    follow = assistant.ask("and in rats?", [turn_of(first)])
    assert "rats" in follow.interpreted and "bone marrow" in follow.interpreted.lower()


def test_json_contract(assistant):
    data = to_json(assistant.ask("Where are testicular stem-like cells located?"))
    assert set(data) >= {"question", "answer", "citations", "passages", "timings_ms"}
    assert len(data["passages"]) >= 10
    assert {"id", "kind", "section", "text", "score", "refs"} <= set(data["passages"][0])
    assert data["passages"][0]["kind"] in {"prose", "table_row", "reference", "abstract"}
    assert set(data["timings_ms"]) == {"retrieve", "answer", "total"}
    assert [p["score"] for p in data["passages"]][:3] and all(isinstance(c["ref"], int) for c in data["citations"])


def test_comparison_sides_are_told_apart_by_their_own_words(assistant):
    answer = assistant.ask("whats the difference between obstructive and non obstructive azoospermia")
    assert answer.reading.sides == ("obstructive", "non obstructive azoospermia")
    lines = {quote.label: quote.text for block in answer.blocks if isinstance(block, Prose) for quote in block.quotes}
    assert "obstructive azoospermia is more favorable" in lines["obstructive"]
    assert lines["non obstructive azoospermia"].startswith("Non-obstructive azoospermia (NOA)")


def test_a_term_introduced_is_read_on_into_the_sentence_that_takes_it_up(assistant):
    text = to_markdown(assistant.ask("What cells are found in the stromal vascular fraction of fat?"))
    assert "(SSF)" in text and "The SSF is heterogeneous and includes MSCs" in text


def test_what_the_review_is_about_starts_with_its_aim(assistant):
    answer = assistant.ask("in a nutshell what is this paper about")
    first = next(block for block in answer.blocks if isinstance(block, Prose)).quotes[0]
    assert first.label == "Aim" and first.text.startswith("This systematic review attempts")


def test_an_empty_table_result_says_what_is_recorded_and_shows_no_other_rows(assistant):
    answer = assistant.ask("Is there a phase 3 trial?")
    assert not any(isinstance(block, TableBlock) and block.shown for block in answer.blocks)
    assert "no trials; phase recorded: 1 (7), 1&2 (7), 2 (6), 4 (1)" in to_markdown(answer)
    first = turn_of(assistant.ask("which animal studies used exosomes?"))
    follow = to_markdown(assistant.ask("any in rats?", [first]))
    assert "no rows" in follow and "recipient species recorded where therapeutics = Exosome: Mouse (3)" in follow


def test_their_codes_after_a_tally_are_the_rows_of_the_value_it_led_with(assistant):
    first = turn_of(assistant.ask("Which country had the most MSC trials for azoospermia in Table 4?"))
    assert first.leading_values == ("Egypt",)
    answer = assistant.ask("ok and give me their NCT numbers", [first])
    assert answer.table is not None and answer.table.count == 4
    assert {row[answer.table.columns.index("Country")] for row in answer.table.rows} == {"Egypt"}


def test_a_compound_question_answered_by_one_sentence_quotes_that_sentence_alone(assistant):
    answer = assistant.ask("What testosterone level counts as hypogonadism, and which cells does a low level point to?")
    quotes = [quote.text for block in answer.blocks if isinstance(block, Prose) for quote in block.quotes]
    assert len(quotes) == 1 and "300 ng/dL" in quotes[0] and "Leydig" in quotes[0]


def test_whether_something_was_shown_is_not_answered_by_the_reviews_aim(assistant):
    answer = assistant.ask("Has MSC treatment been shown to work in men with NOA?")
    first = next(block for block in answer.blocks if isinstance(block, Prose)).quotes[0].text
    assert "no clinical trial" in first or "no studies" in first
    aim = assistant.ask("What is the aim of this systematic review?")
    assert to_markdown(aim).startswith("This systematic review")  # asked for, the aim is still quoted


def test_a_comparison_leads_with_what_it_compares_on(assistant):
    answer = assistant.ask("liposuction versus bone marrow aspiration, which one is more traumatic?")
    lines = next(block for block in answer.blocks if isinstance(block, Prose)).quotes
    assert all("traumatic" in quote.text for quote in lines[:2])
    assert not any("traumatic" in quote.text for quote in lines[2:])


def test_a_follow_up_about_it_after_a_trial_code_is_about_that_trial(assistant):
    follow = assistant.ask("what phase is it and is it finished?", assistant.conversation(["tell me about NCT02025270"]))
    assert follow.intent == "trial" and to_markdown(follow).startswith("[NCT02025270]")


def test_a_species_follow_up_replaces_the_species_whichever_column_held_it(assistant):
    follow = assistant.ask("what about sheep?", assistant.conversation(["what inducers were used for goat MSCs in vitro?"]))
    assert follow.table.count == 5 and all(row[2] == "Sheep" for row in follow.table.rows)


def test_a_follow_up_no_row_matches_says_so_then_shows_the_rows_of_what_it_names(assistant):
    follow = assistant.ask("what about the female ones from egypt?",
                           assistant.conversation(["what azoospermia stem cell trials are there from Egypt?"]))
    assert "no trials" in follow.table.summary and "NCT02696889" in to_markdown(follow)


def test_gaps_are_answered_by_what_is_missing_not_by_risks(assistant):
    answer = assistant.ask("why couldnt the authors rank which MSC source is best")
    assert to_markdown(answer).startswith("Lack of comparing studies between the MSCs' sources")


def test_a_cited_work_told_by_its_topic_is_found(assistant):
    answer = assistant.ask("the urine derived stem cell paper, who wrote it and what did it show")
    assert to_markdown(answer).startswith("**[146]** Deng C")
    assert to_markdown(assistant.ask("what's the title of the paper")).startswith("Mesenchymal stromal/stem cells and their exosomes")


def test_the_oldest_trial_shows_the_rows_of_its_date(assistant):
    answer = assistant.ask("which is the oldest trial in table 4")
    table = next(block for block in answer.blocks if isinstance(block, TableBlock))
    assert table.shown == 1 and "NCT02008799" in table.result.rows[0][-1]


def test_where_trials_stand_is_the_human_strand_and_overall_success_a_figure(assistant):
    status = to_markdown(assistant.ask("where do clinical trials of MSCs for azoospermia stand right now?"))
    assert "no studies have been published" in status.lower()
    assert "13.4%" in to_markdown(assistant.ask("whats the overall success chance with TESE ICSI for NOA men"))


def test_a_conclusion_about_which_source_to_use_leads_with_the_recommendation(assistant):
    text = to_markdown(assistant.ask("what did the authors conclude about which MSC source to use?"))
    assert text.index("we can suggest adipose tissue-derived MSCs") < 300


def test_what_a_question_sets_aside_in_parentheses_is_not_its_answer(assistant):
    answer = assistant.ask("MSCs can turn into which cell types (not germ cells)?")
    assert not any(isinstance(block, TableBlock) for block in answer.blocks)  # no germ cell rows


def test_each_part_of_a_compound_question_not_yet_answered_brings_its_own_sentence(assistant):
    text = to_markdown(assistant.ask("What causes male infertility, and how often is the cause never found?"))
    assert "varicocele" in text and "about half of cases are considered idiopathic" in text


def _first_quote(answer) -> str:
    return next(block for block in answer.blocks if isinstance(block, Prose)).quotes[0].text


def test_what_a_term_is_is_answered_by_a_sentence_saying_what_it_is(assistant):
    answer = assistant.ask("what is azoospermia?")
    quotes = [quote.text for block in answer.blocks if isinstance(block, Prose) for quote in block.quotes]
    assert len(quotes) <= 2 and all("These indicators" not in quote for quote in quotes)
    assert re.search(r"[Aa]zoospermia (?:is|\(NOA\) is)|manifests as", quotes[0])
    assert "multipotent" in _first_quote(assistant.ask("what exactly are mesenchymal stem cells?"))


def test_an_abbreviation_asked_for_is_its_own_entry_not_the_whole_list(assistant):
    text = to_markdown(assistant.ask("what does SSF stand for?"))
    assert text.startswith("SSF: Stromal-vascular fraction") and "ASA: Antisperm" not in text and "Rodbell" in text


def test_gaps_are_the_reviews_statements_of_what_is_missing(assistant):
    first = _first_quote(assistant.ask("what are the gaps or limitations in the evidence"))
    assert re.search(r"Lack of comparing studies|no studies have been published|no clinical trial|needs more clarification", first)


def test_how_a_mechanism_works_quotes_the_whole_list_when_the_list_is_about_it(assistant):
    text = to_markdown(assistant.ask("how do MSCs actually fix a damaged testis"))
    assert "(1) MSCs" in text and "(9) MSCs" in text


def test_why_bother_follows_the_reasoning_to_its_conclusion(assistant):
    text = to_markdown(assistant.ask("why bother with stem cells if TESE-ICSI exists"))
    assert "13.4%" in text and "Therefore, considering this low success rate" in text and "Friedenstein" not in text


def test_a_definition_quotes_the_reviews_first_few_definitions_however_worded(assistant):
    text = to_markdown(assistant.ask("whats non obstructive azoospermia"))
    assert "reproductive disease" in text and "manifests as the absence of spermatozoa" in text


def test_chat_abbreviations_are_not_topics_the_review_lacks(assistant):
    text = to_markdown(assistant.ask("tell me abt NCT02641769"))
    assert "does not discuss" not in text and "Jordan" in text


def test_which_of_them_are_done_puts_the_completed_rows_first(assistant):
    turns = assistant.conversation(["which trials are in Jordan?"])
    answer = assistant.ask("are any of them done yet?", turns)
    assert "Completed 2 of 4" in to_markdown(answer) and answer.table.rows[0][7] == "Completed"


def test_a_summary_line_per_strand_tells_what_its_studies_found(assistant):
    lines = [quote for block in assistant.ask("give me the gist of this paper in a few lines pls").blocks
             if isinstance(block, Prose) for quote in block.quotes]
    in_vitro = next(quote.text for quote in lines if quote.label == "In vitro")
    assert "It is likely" not in in_vitro and re.search(r"differentiat", in_vitro)


def test_a_compared_side_the_review_names_only_by_a_longer_word_is_not_covered(assistant):
    answer = assistant.ask("micro-TESE vs conventional TESE sperm retrieval rate - which is higher?")
    assert not answer.covered
    assert assistant.ask("obstructive or non obstructive azoospermia which one is better to have").reading.intent == "compare"


def test_trials_of_a_country_no_table_lists_are_found_in_the_text(assistant):
    assert "IRCT20190519043634N1" in to_markdown(assistant.ask("any of the trials in Iran?"))


def test_a_longer_question_about_it_after_a_reference_look_up_is_about_that_work(assistant):
    turns = assistant.conversation(["what is ref 121"])
    answer = assistant.ask("what animal was it in and what drug made them azoospermic?", turns)
    assert answer.reading.references == (121,) and "Hamster" in to_markdown(answer)


def test_why_the_authors_cannot_say_is_answered_by_what_is_missing(assistant):
    answer = assistant.ask("why don't the authors say which stem cell source is best?")
    assert answer.reading.intent == "limitations"
    assert re.search(r"not easy|Lack of comparing", _first_quote(answer))


def test_whether_another_treatment_works_in_people_is_declined(assistant):
    answer = assistant.ask("Does testosterone replacement therapy improve sperm production in NOA men?")
    assert not answer.covered and "testosterone replacement therapy" in to_markdown(answer)
    assert assistant.ask("can stem cells restore fertility in men with NOA?").covered


def test_a_reference_card_quotes_each_citing_sentence_once(assistant):
    citing = next(block for block in assistant.ask("Hsiao 2015 stem cell res ther").blocks
                  if isinstance(block, ReferenceCard)).citing
    assert len({quote.text for quote in citing}) == len(citing)


def test_a_doi_asked_of_a_work_whose_entry_has_none_is_answered_no(assistant):
    answer = assistant.ask("does reference 61 have a DOI?")
    assert answer.covered and to_markdown(answer).startswith("The review's entry [61] gives no DOI.")
    assert "gives no DOI" not in to_markdown(assistant.ask("DOI for ref 12?"))


def test_what_the_animal_studies_showed_is_told_by_the_text_not_a_whole_table(assistant):
    answer = assistant.ask("what did the animal experiments show overall")
    assert answer.table is None and "induction of spermatogenesis" in _first_quote(answer)


def test_which_of_those_follows_up_however_long(assistant):
    turns = assistant.conversation(["where can MSCs come from besides bone marrow?", "how do they get the fat tissue for those?"])
    answer = assistant.ask("which of those harvesting methods is preferred and why?", turns)
    assert answer.covered and "LS as a surgical intervention is preferable" in _first_quote(answer)


def test_a_procedure_is_told_by_its_steps_in_the_reviews_order(assistant):
    text = to_markdown(assistant.ask("Walk me through how adipose tissue from lipo is processed to get the stem cells"))
    steps = ["separated into 3 layers", "layers are removed", "middle layer is washed", "lysed in sterile collagenase"]
    positions = [text.find(step) for step in steps]
    assert all(position >= 0 for position in positions) and positions == sorted(positions)


def test_a_procedure_is_told_from_the_section_telling_its_steps(assistant):
    # The section most of the best sentences come from names liposuction; another tells its steps.
    text = to_markdown(assistant.ask("summarise the steps to get MSCs from liposuction fat"))
    assert "separated into 3 layers" in text and "lysed in sterile collagenase" in text


def test_a_follow_up_goes_on_from_what_the_answer_before_it_quoted(assistant):
    from reviewqa.assistant import turn_of

    first = assistant.ask("what are the main risks of MSC therapy?")
    quotes = _prose_quotes(assistant.ask("which one is considered the worst?", [turn_of(first)]))
    assert any(quote.startswith("Among them, tumorigenicity is the most serious") for quote in quotes[:2])


def test_what_a_strand_of_studies_found_is_told_without_a_numbered_list_of_mechanisms(assistant):
    quotes = _prose_quotes(assistant.ask("Give me a short overview of what the animal studies found"))
    assert "induction of spermatogenesis" in quotes[0] and not any("(1)" in quote for quote in quotes)


def test_the_main_conclusion_is_what_the_review_found_and_recommends(assistant):
    text = " ".join(_prose_quotes(assistant.ask("Can u summarize the review's main conclusion in simple words?")))
    assert "has been shown in this systematic review" in text and "we can suggest adipose tissue-derived MSCs" in text


def test_a_figure_quoted_finds_the_work_that_gives_it(assistant):
    answer = assistant.ask("which paper gives the 13.4% TESE-ICSI number")
    assert [citation.ref for citation in answer.citations][:1] == [22]


def test_a_summary_of_lab_animal_and_human_evidence_has_each_strand_and_the_conclusion(assistant):
    labels = [quote.label for block in assistant.ask("give me the big picture on MSCs: lab, animal and human evidence").blocks
              if isinstance(block, Prose) for quote in block.quotes]
    assert labels[:3] == ["In vitro", "Animal models", "Human studies"] and labels[-1] == "Conclusion"


def test_the_gist_of_the_review_covers_what_its_title_names(assistant):
    # The title's "…and their exosomes…": told from the abstract when no strand's line names it.
    quotes = _prose_quotes(assistant.ask("give me the gist of this review in a few lines"))
    assert any("exosomes" in quote for quote in quotes)
    assert "differentiated into germ cells" in quotes[0]  # the abstract's summing up of the in vitro work


def test_one_strand_summed_up_gives_what_it_found_then_the_kinds_of_study_it_holds(assistant):
    quotes = _prose_quotes(assistant.ask("overview of the in vitro work on making male germ cells from MSCs pls"))
    assert "differentiated into germ cells" in quotes[0] and "(7) gene over-expression" in quotes[1]


def test_what_animal_experiments_showed_overall_is_summed_up_not_tabled(assistant):
    answer = assistant.ask("so what do the animal experiments show overall")
    quotes = _prose_quotes(answer)
    assert answer.table is None and "induction of spermatogenesis" in quotes[0]
    assert any("exosomes" in quote for quote in quotes)


def test_that_no_human_study_is_published_leads_the_human_strand(assistant):
    quotes = _prose_quotes(assistant.ask("summarize the human evidence"))
    assert "no studies have been published" in quotes[0] or "no clinical trial has been terminated" in quotes[0]


def test_a_comparison_in_lay_words_leads_with_the_line_speaking_to_it(assistant):
    quotes = _prose_quotes(assistant.ask("For the donor, is taking stem cells from bone marrow harder than taking them "
                                         "from the belly fat?"))
    assert quotes[0] == "AT-MSCs are easier and safer to obtain than BM-MSCs." and "most traumatic" in quotes[1]


def test_a_listed_count_names_its_things_in_the_plural(assistant):
    text = to_markdown(assistant.ask("How many kinds of induction approach for MSC to male germ cells do they list?"))
    assert text.startswith("The review lists 7 induction approaches.")
    text = to_markdown(assistant.ask("how many different kinds of induction methods exist for turning MSC into germ cells?"))
    assert text.startswith("The review lists 7 induction methods.")


def test_how_many_answered_by_a_numbered_list_says_the_number_first(assistant):
    answer = assistant.ask("how many possible mechanisms for MSC restoring testis function does the review list?")
    assert to_markdown(answer).startswith("The review lists 9 possible mechanisms.")


@pytest.mark.parametrize("question, leads_with", [
    # "has it been proven in men?" is answered by what has not been published
    ("has it been proven to work in actual men", "no studies have been published"),
    # …and "published results in men" is not the review's own publication date
    ("Has anyone actually published results of stem cell treatment in azoospermic men?", "no studies have been published"),
    # British spellings are the review's words
    ("why might MSCs cause tumours?", "tumorigenicity"),
    # a one-word synonym stands for its word family
    ("best enzyme for digesting fat to get MSCs?", "collagenase type IA"),
    # "how many ways" is answered by the numbered list that counts them
    ("how many different ways have ppl used to turn MSCs into male germ cells in the lab", "(7) gene over-expression"),
])
def test_the_sentence_that_answers_leads(assistant, question, leads_with):
    answer = assistant.ask(question)
    assert answer.covered and leads_with in _first_quote(answer)


@pytest.mark.parametrize("question, says", [
    ("how much does stem cell therapy for azoospermia cost?", "no figure"),  # a price is a figure it does not give
    ("how many records did the search find and how many studies were finally included?", "no figure"),  # nor do its methods
])
def test_a_figure_the_review_does_not_give_is_declined(assistant, question, says):
    answer = assistant.ask(question)
    assert not answer.covered and says in to_markdown(answer)


def _prose_quotes(answer) -> list[str]:
    return [quote.text for block in answer.blocks if isinstance(block, Prose) for quote in block.quotes]


def test_one_fact_asked_is_answered_by_at_most_two_sentences(assistant):
    answer = assistant.ask("how often do they find sperm in NOA men on the first TESE?")
    quotes = _prose_quotes(answer)
    assert "50% of cases" in quotes[0] and len(quotes) <= assistant.settings.answer.fact_sentences


def test_further_gaps_are_about_the_subject_asked(assistant):
    quotes = _prose_quotes(assistant.ask("why couldn't they say which MSC source is best?"))
    assert any("Lack of comparing" in quote for quote in quotes)
    assert not any("Jordan" in quote or "needs more clarification" in quote for quote in quotes)


def test_compared_lines_off_what_is_compared_are_left_out(assistant):
    quotes = _prose_quotes(assistant.ask("bone marrow vs fat: how many MSCs per total cells in each?"))
    assert "1:30" in quotes[0] and not any("syringe" in quote or "Friedenstein" in quote for quote in quotes)


def test_a_follow_up_after_an_acknowledgement_is_read_with_the_question_before(assistant):
    from reviewqa.assistant import turn_of

    first = assistant.ask("what hormones should be checked in azoospermic men?")
    answer = assistant.ask("ok and what about FSH in NOA?", [turn_of(first)])
    assert answer.reading.text.startswith("what hormones should be checked") and "FSH" in _prose_quotes(answer)[0]


def test_a_risk_is_told_from_where_the_review_discusses_that_risk(assistant):
    quotes = _prose_quotes(assistant.ask("what are the safety risks of giving MSCs?"))
    assert "main risks of MSCs" in quotes[0] and any("tumorigenicity is the most serious" in quote for quote in quotes)
    assert not any("aspiration is the most traumatic" in quote for quote in quotes)  # said of the sources, elsewhere


def test_the_worst_of_the_risks_just_named_is_one_fact(assistant):
    first = assistant.ask("What safety problems do MSCs have?")
    quotes = _prose_quotes(assistant.ask("which one is the worst?", [turn_of(first)]))
    assert "tumorigenicity is the most serious" in quotes[-1] and len(quotes) <= assistant.settings.answer.fact_sentences


def test_things_a_numbered_list_counts_lead_before_the_tables_tally(assistant):
    answer = assistant.ask("how many induction methods are there for making germ cells from MSCs?")
    text = to_markdown(answer)
    assert text.startswith("The review lists 7 induction methods.") and "33 inducers" in text


def test_a_work_told_by_a_term_no_table_records_is_the_one_a_sentence_cites_for_it(assistant):
    answer = assistant.ask("which study looked at miRNA changes after MSC treatment in busulfan rats")
    cards = [block for block in answer.blocks if isinstance(block, ReferenceCard)]
    assert cards[0].reference.number == 134


def test_a_definition_is_found_after_a_clause_introducing_the_asker(assistant):
    quotes = _prose_quotes(assistant.ask("im a first year student, what exactly is a mesenchymal stem cell and what are its "
                                         "typical features?"))
    assert "multipotent" in quotes[0] and any("general properties of MSCs" in quote for quote in quotes)


@pytest.mark.parametrize("question, leads_with", [
    ("When digesting fat tissue to get the stem cells out, which enzyme works the best?", "collagenase type IA"),
    ("whats the Iranian registry number for the MSC azoospermia study they mention", "IRCT20190519043634N1"),
])
def test_the_sentence_giving_what_is_asked_leads(assistant, question, leads_with):
    # The review's own superlative ("the most effective") for "which works best?"; a registry code told with what the
    # question names it by ("Iranian"), not any trial's code.
    answer = assistant.ask(question)
    assert answer.covered and leads_with in to_markdown(answer).split("\n\n")[0]


def test_a_decline_names_terms_of_art_not_everyday_words(assistant):
    assert to_markdown(assistant.ask("letrozole dose for endometriosis?")).startswith(
        "The review does not discuss letrozole or endometriosis.")
    # Everyday words are no topic to name ("won, fifa or cup"): the reply says what the review is about, from its title.
    text = to_markdown(assistant.ask("who won the 2018 fifa world cup"))
    assert text.startswith("The review does not cover this: it is about mesenchymal stromal/stem cells") and "fifa" not in text


def test_a_summary_of_one_strand_tells_what_its_table_holds(assistant):
    text = to_markdown(assistant.ask("brief overview of what the animal model work showed for MSC in azoospermia"))
    assert "18 animal-model rows (Table 3 — modeling: Busulfan" in text and "Xenotransplant (3)" in text


def test_the_section_asked_for_by_name_answers_without_sentences_from_elsewhere(assistant):
    quotes = _prose_quotes(assistant.ask("how was the lit search restricted? worried they missed stuff"))
    assert any("Google Scholar" in quote for quote in quotes) and not any("alternative sources" in quote for quote in quotes)


def test_a_figure_asked_of_a_named_work_is_answered_by_the_sentence_giving_it(assistant):
    answer = assistant.ask("What fraction of Friedenstein's original bone marrow aspirate was actually MSCs?")
    assert [block.__class__ for block in answer.blocks] == [Prose] and "30%" in _prose_quotes(answer)[0]
    assert [citation.ref for citation in answer.citations] == [24]


def test_a_follow_up_naming_another_trial_does_not_carry_the_code_before(assistant):
    first = assistant.ask("NCT02890953 - what's that trial?")
    text = to_markdown(assistant.ask("and the one in indonesia?", [turn_of(first)]))
    assert "NCT04676269" in text and "NCT02890953" not in text


def test_whether_human_data_exist_is_answered_after_a_leading_so(assistant):
    text = to_markdown(assistant.ask("so is there actually any published human data on MSCs for NOA, or is it all rodents?"))
    assert "no studies have been published" in text.lower() and "Jordan" in text


def test_a_later_part_asking_something_of_its_own_is_answered_too(assistant):
    # "…do they survive chemo?" adds to where the cells sit; its sentence leans on two before it, which come along.
    quotes = _prose_quotes(assistant.ask("those embryonic-like stem cells in the testis that resemble MSCs - where exactly "
                                         "do they sit and do they survive chemo?"))
    assert "basal layer" in " ".join(quotes) and any("survive chemotherapy" in quote for quote in quotes)
    # A part that adds nothing the first part's sentence does not answer brings no other sentence.
    assert len(_prose_quotes(assistant.ask("what are MSC exosomes and what do they carry?"))) == 1


def test_a_term_set_against_another_is_still_defined(assistant):
    quotes = _prose_quotes(assistant.ask("sorry basic question, what exactly is non obstructive azoospermia as opposed to "
                                         "the obstructive kind?"))
    assert any("absence of spermatozoa" in quote or "reproductive disease in men" in quote for quote in quotes)


def test_a_decline_names_no_everyday_word_as_a_topic(assistant):
    answer = assistant.ask("does smoking cause azoospermia?")
    assert not answer.covered and to_markdown(answer).startswith("The review does not seem to answer this question.")


def test_a_statement_of_advantages_is_no_gap(assistant):
    text = to_markdown(assistant.ask("main limitation of this review?"))
    assert "advantages" not in text and "replicative lifespan" not in text


def test_a_comparison_asked_in_figures_is_answered_by_the_lines_giving_them(assistant):
    quotes = _prose_quotes(assistant.ask("How much denser are MSCs in fat compared to bone marrow?"))
    assert len(quotes) == 1 and "1:30" in quotes[0]


def test_that_study_is_the_one_the_answering_quote_cites(assistant):
    from reviewqa.understand import Turn

    first = assistant.ask("in the list of ways MSCs restore testis function, which one is about oxidative stress?")
    assert first.key_refs == (139,)  # not [147], which the list's opening clause cites
    follow = assistant.ask("who did that study?", [turn_of(first)])
    assert [card.reference.number for card in follow.blocks if isinstance(card, ReferenceCard)] == [139]
    # The same from the answer's JSON, as a client sends its history.
    assert Turn.from_dict(to_json(first)).cited[0] == 139


def test_a_comparison_of_sides_the_review_names_is_not_declined_for_everyday_words(assistant):
    answer = assistant.ask("Friedenstein vs Rodbell - what did each guy contribute?")
    assert answer.covered and {"Friedenstein", "Rodbell"} <= {quote.label for block in answer.blocks
                                                              if isinstance(block, Prose) for quote in block.quotes}


def test_the_one_value_asked_of_earlier_rows_shows_its_rows(assistant):
    first = assistant.ask("what animals were used in the table 3 studies?")
    answer = assistant.ask("did any of them use lead to cause the infertility?", [turn_of(first)])
    shown = next(block for block in answer.blocks if isinstance(block, TableBlock))
    assert shown.shown == 1 and "Lead nitrate" in shown.result.rows[0]


def test_a_longer_follow_up_about_a_trial_tells_the_columns_it_asks_in_its_order(assistant):
    first = assistant.ask("tell me about trial NCT02644447")
    text = to_markdown(assistant.ask("are those the woman's own cells? and is it done?", [turn_of(first)]))
    assert text.startswith("[NCT02644447]") and "transplantation Allotransplant" in text.split("stage Completed")[0]


def test_an_item_of_a_numbered_list_follows_the_lists_opening_without_its_first_item(assistant):
    quoted = " ".join(_prose_quotes(assistant.ask("which growth factors do MSCs secrete?")))
    assert "(6) the transplanted cells secrete growth factors" in quoted and "(1)" not in quoted and "[147]" not in quoted


@pytest.mark.parametrize("question, naming", [
    ("what hormone is high in NOA?", "FSH is increased"),  # a sentence naming a hormone, not one about hormone levels
    ("what FSH level suggests NOA?", "FSH is increased"),  # a level that suggests is no recommendation
])
def test_which_kind_of_thing_is_answered_by_a_sentence_naming_one(assistant, question, naming):
    assert naming in _first_quote(assistant.ask(question))


@pytest.mark.parametrize("question", ["what choices do azoospermic men have to father a child?",
                                      "what can a couple do if the husband has no sperm at all?"])
def test_options_asked_are_answered_by_the_sentences_naming_choices(assistant, question):
    quoted = " ".join(_prose_quotes(assistant.ask(question)))
    assert "adoption or using donated sperm" in quoted and "only choice to conceive" in quoted


@pytest.mark.parametrize("question, lead", [
    ("is busulfan one of the drugs used in the animal studies?", "Yes. Table 3"),
    ("Is there a phase 3 trial?", "No. Table 4"),
    ("does MSC therapy cure NOA in men yet? any finished trials?", "Table 4"),  # two questions: the rows answer one
    ("has any MSC trial for NOA been finished?", "Table 4"),  # asks about results, which no row records
])
def test_a_yes_no_question_the_rows_answer_is_answered_yes_or_no_first(assistant, question, lead):
    assert to_markdown(assistant.ask(question)).startswith(lead)


def test_the_number_of_a_columns_values_is_counted(assistant):
    text = to_markdown(assistant.ask("number of species in the in vitro male germ cell table"))
    assert "6 species: Human (15)" in text.splitlines()[0]


def test_works_of_one_author_come_in_the_order_the_question_describes_them(assistant):
    cards = [b for b in assistant.ask("the Tamadon paper with BM-MSCs in busulfan hamsters, which ref number and journal?").blocks
             if isinstance(b, ReferenceCard)]
    assert cards[0].reference.number == 129


def test_a_declined_term_is_named_as_typed(assistant):
    assert to_markdown(assistant.ask("is PRP injected into the testis any good for azoospermia")).startswith(
        "The review does not discuss PRP.")


@pytest.mark.parametrize("question, lead", [
    ("How many kinds of induction method did they group the in vitro male germ cell protocols into?",
     "The review lists 7 induction methods."),  # Table 1 is all male: "male" narrows nothing
    ("how many diff kinds of induction methods for making male germ cells from MSCs do they list?",
     "The review lists 7 induction methods."),  # chat shorthand
    ("How many different methods were used to create the azoospermia in the animal models (busulfan etc)?",
     "Table 3 — in vivo models: 18 rows citing 29 references; 5 models"),  # not the in vitro list
    ("please how much different species were receiving the cells in table 3 (the in vivo one)? only the number and names",
     "Table 3 — in vivo models: 18 rows citing 29 references; 4 recipient species"),  # things counted, asked as an amount
])
def test_counts_are_of_the_things_asked(assistant, question, lead):
    assert to_markdown(assistant.ask(question)).startswith(lead)


@pytest.mark.parametrize("question", [
    "they mention a 'niche' — what does that mean here?",  # a term quoted, then asked about
    "what does niche mean here?",
])
def test_a_word_introduced_in_brackets_is_defined_where_it_is_introduced(assistant, question):
    assert _prose_quotes(assistant.ask(question))[0].startswith("The MSCs promote growth of hematopoietic progenitors")


def test_a_definition_asked_in_one_line_for_a_first_year_is_a_definition(assistant):
    text = " ".join(_prose_quotes(assistant.ask("define non-obstructive azoospermia in one line please, for a first year")))
    assert "spermatogenic deficiency" in text


@pytest.mark.parametrize("question, lead", [
    ("roughly how many surface markers do they list for MSCs? too lazy to count lol", "The review lists 37 surface markers."),
    ("In table 3 how many diffrent tissue sources of stem cells show up?", "Table 3 — in vivo models: 18 rows citing 29 "
     "references; 5 sources"),  # the markers "from various tissues" are no tissue sources
])
def test_a_list_announced_before_a_colon_counts_its_items(assistant, question, lead):
    assert to_markdown(assistant.ask(question)).startswith(lead)


def test_a_compound_definition_says_what_the_term_is_not_only_what_it_is_classed_as(assistant):
    text = to_markdown(assistant.ask("wat does non obstructive azoospermia actually mean? is it like zero sperm"))
    assert "absence of spermatozoa in ejaculates due to spermatogenic deficiency" in text[:400]


def test_each_section_asked_for_by_name_is_quoted_in_the_order_asked(assistant):
    text = to_markdown(assistant.ask("who paid for this review? and do the authors declare any conflicts of interest?"))
    assert text.index("Allame Tabatabaie") < text.index("no competing interests")


def test_a_side_typed_as_an_abbreviation_is_told_by_its_spelled_out_phrase(assistant):
    text = to_markdown(assistant.ask("OA vs NOA - which has the better outlook per the paper and why?"))
    assert text.startswith("- **OA:** This is important, since obstructive azoospermia is more favorable")


def test_a_compound_question_that_one_sentence_answers_is_answered_as_one_fact(assistant):
    text = to_markdown(assistant.ask("what is the SSF in fat tissue, and what cells are in it?"))
    assert "stromal-vascular fraction (SSF)" in text and "pre-adipocytes" in text and "collagenase" not in text


def test_a_follow_up_asking_something_more_does_not_repeat_the_answer_before(assistant):
    from reviewqa.assistant import turn_of
    earlier = assistant.ask("Which databases did the authors search for this systematic review?")
    text = to_markdown(assistant.ask("and what did they exclude?", [turn_of(earlier)]))
    assert "abstracts without full manuscripts" in text
    lh = to_markdown(assistant.ask("and LH?", [turn_of(assistant.ask("What FSH level is typical for NOA patients?"))]))
    assert lh.startswith("In most patients with NOA, FSH is increased")


def test_whether_a_cited_work_is_the_reviews_own_authors_is_answered_first(assistant):
    answer = assistant.ask("ref 122 - isn't that by one of the authors?")
    assert isinstance(answer.blocks[0], Notice) and answer.blocks[0].text.startswith("Yes: Zhankina R, Khoradmehar A of [122]")
    assert to_markdown(assistant.ask("is ref 57 by the same authors?")).startswith("No: none of the listed authors of [57]")

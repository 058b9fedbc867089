"""Abstention: what puts a question out of scope, and what the reply declining it says (real index, real model)."""

from __future__ import annotations

import pytest

from reviewqa.abstain import gives_figure_for, has_figure, salient_words
from reviewqa.answer import Notice, Prose
from reviewqa.render import to_json, to_markdown


@pytest.fixture(scope="module")
def assessor(assistant):
    return assistant.loaded[1]


def test_salient_words_leave_out_how_a_question_is_asked():
    assert salient_words("Can you please explain what the review says about letrozole dose?") == ["letrozole", "dose"]
    assert salient_words("Ghasemzadeh-Hasankolaei 2012 oocyte-like cells") == ["ghasemzadeh", "hasankolaei", "oocyte", "cells"]


@pytest.mark.parametrize("text, figure", [
    ("sperm is found about 50% of cases [20]", True),
    ("up to one in six of married couples", True),
    ("intratesticular injections of CD34/CD133 BM-MSCs [12]", False),  # digits of names and markers are no figures
    ("(2) MSCs can reduce factors that lead to infertility [127];", False),
])
def test_figures_are_quantities_not_names_markers_or_list_numbers(text, figure):
    assert has_figure(text) is figure


def test_the_figure_must_be_of_the_kind_asked_for():
    assert gives_figure_for("what percent of infertile men have NOA", "NOA accounts for about 10% of infertility cases")
    assert not gives_figure_for("what percent of infertile men have NOA", "the three layers of in vitro studies")
    assert gives_figure_for("how many couples cant conceive", "up to one in six of married couples failing to conceive")
    # A list counts the things it is of, not "different" ones: the seven induction methods are no recipient species.
    induction = "different types of differentiation induction method have been developed as follows: (1) retinoic acid,"
    assert gives_figure_for("how many different kinds of induction methods are there?", induction)
    assert not gives_figure_for("how many different recipient species are in the in vivo table?", induction)
    assert not gives_figure_for("how many MSCs were injected per testis", "the three layers of in vitro studies")
    # "how many X per Y" asks a ratio, told after both things.
    assert gives_figure_for("how many MSCs per total cells in fat?", "in the adipose tissue, the ratio of MSCs to total cells is 1:30")
    assert not gives_figure_for("how many MSCs per total cells in fat?", "Small portions of adipose tissue taken with a syringe")


@pytest.mark.parametrize("word, rarity", [
    ("letrozole", "technical"),
    ("embolization", "technical"),
    ("fda", "technical"),  # typed in capitals below
    ("sclerosis", "uncommon"),
    ("cargo", "everyday"),
    ("diffrence", "everyday"),  # a slip of a common word
])
def test_how_rare_a_missing_word_is(assessor, word, rarity):
    assert assessor.rarity(word, {"fda"}) == rarity


@pytest.mark.parametrize("word", ["lipo", "suction", "diagnosed", "ghasemzadeh", "hasankolai", "azoosperma",
                                  "rna", "nlm", "irct"])  # (miRNAs; National Library of Medicine; Iranian Registry of Clinical Trials)
def test_parts_relatives_names_and_slips_of_the_reviews_words_are_known(assessor, word):
    assert assessor.is_known(word)


@pytest.mark.parametrize("word", ["letrozole", "endometriosis", "intravenous"])
def test_words_the_review_never_uses_are_not_known(assessor, word):
    assert not assessor.is_known(word)


def test_a_near_domain_question_is_declined_naming_what_is_not_covered(assistant):
    answer = assistant.ask("letrozole dose for endometriosis?")
    assert not answer.covered and answer.citations == ()
    assert isinstance(answer.blocks[0], Notice) and "letrozole" in answer.blocks[0].text and "endometriosis" in answer.blocks[0].text
    assert to_json(answer)["covered"] is False and to_json(answer)["intent"] == "out_of_scope"


@pytest.mark.parametrize("question", [
    "what is the capital of peru",
    "python list comprehension example",
    "CRISPR treatment for sickle cell disease",
    "is MSC therapy for infertility FDA approved",
    "what hCG and FSH injection doses are used to treat men with NOA?",  # "hCG", typed with a capital inside, is a name
    "python: how to reverse a list in place?",  # "how to…" asks a procedure the review must come close to telling
])
def test_off_domain_and_near_domain_questions_are_declined(assistant, question):
    assert not assistant.ask(question).covered


def test_unreported_outcomes_in_people_quote_the_reviews_own_statement(assistant):
    answer = assistant.ask("were any babies born after stem cell treatment in azoospermic men?")
    assert not answer.covered
    closest = next(block for block in answer.blocks if isinstance(block, Prose))
    assert "no studies have been published" in closest.quotes[0].text


def test_a_trials_results_are_not_reported_and_its_row_is_shown(assistant):
    answer = assistant.ask("what sperm retrieval rate did NCT02041910 report")
    text = to_markdown(answer)
    assert not answer.covered and "does not report sperm retrieval" in text and "Recruiting" in text


@pytest.mark.parametrize("question", [
    "What is the success rate of varicocele repair for bringing back sperm in men with NOA?",  # TESE-ICSI's rate is not it
    "can stem cell therapy cure erectile dysfunction? what success rates?",
    "How much busulfan did they give the mice to make the azoospermia model?",  # the tables name the drug, not its amount
])
def test_a_rate_or_amount_of_something_else_is_no_figure_for_what_is_asked(assistant, question):
    answer = assistant.ask(question)
    assert not answer.covered and "no figure" in to_markdown(answer)


@pytest.mark.parametrize("question", [
    "what were the results of the Russian adipose stem cell trial for azoospermia?",
    "what sperm retrieval rate did the Jordan CD34/CD133 abstract report",
    "what sperm counts did the Jordanian men reach after CD34/CD133 injections",  # counts, plural
])
def test_a_trial_or_abstract_described_not_named_has_no_reported_results(assistant, question):
    answer = assistant.ask(question)
    assert not answer.covered and "no studies have been published" in to_markdown(answer).lower()


def test_a_quantity_the_review_does_not_give_is_declined(assistant):
    assert not assistant.ask("how many MSCs were injected per testis in the human azoospermia trials").covered


@pytest.mark.parametrize("question", [
    "what share of infertility is purely due to the man",  # everyday words the review does not use
    "what cargo do MSC exosomes carry",
    "Does NOA respond to medication?",
    "How can obesity distort testosterone and estradiol results in infertile men?",  # lab results, not treatment outcomes
    "exclusion criteria of the review",  # a section asked for by name
    "who funded this review",
    "FSH cutoff in NOA pts?",  # clinicians' shorthand
    "in NOA pts, how often do they actually find sperm on the 1st TESE?",  # the figure is in the second-best passage too
    "what percent of infertile guys have NOA (the zero sperm type thats not from a blockage)?",  # a lay word for the review's
    "what is the success rate of TESE-ICSI in NOA?",  # the rate of what the figure's sentence (or the one before) names
    "How much trials in table 4 was done in Jordan?",  # "how much" of rows counts them
])
def test_in_scope_questions_in_other_words_are_answered(assistant, question):
    assert assistant.ask(question).covered


def test_a_measured_quantity_anywhere_in_the_question_asks_for_a_figure():
    from reviewqa.abstain import asks_quantity

    assert asks_quantity("what BMP4 concentration in ng/mL gave the best expression?")
    assert asks_quantity("What is the half-life of MSC exosomes after injection?")
    assert not asks_quantity("does liposuction change how many stem cells you get?")


def test_how_many_counts_the_noun_it_names_and_how_long_needs_a_time():
    # "how many days": a percentage of bone marrow cells is no number of days.
    assert not gives_figure_for("How many days do MSCs survive in the rat testis?", "Approximately 30% of the bone marrow aspirate")
    assert gives_figure_for("how long until sperm appears?", "sperm appeared 8 weeks after the injection")
    assert not gives_figure_for("how long until sperm appears?", "in 2 of 5 animals")


@pytest.mark.parametrize("question", [
    "Did MSC therapy bring back menstruation in the women in NCT02644447?",  # a listed trial's effect: never reported
    "How many mice were used in the Kadam co-transplantation study?",  # a named work, a figure nothing about it gives
    "Sperm retrieval rate of micro-TESE versus conventional TESE in NOA?",  # a compared side the review never names
])
def test_declined_though_the_question_names_what_the_review_lists(assistant, question):
    assert not assistant.ask(question).covered


@pytest.mark.parametrize("question", [
    "Is it true that using a stronger vacuum during liposuction yields more stem cells?",  # lay words for the review's
    "DOI for the 2019 Kadam paper on co-transplanting MSCs and SSCs?",  # an abbreviation's plural
    "Jordan azoospermia MSC trial NCT number and phase?",  # the letters of the trial codes
    "Realistically, what are the odds of a pregnancy with TESE-ICSI in NOA?",  # an adverb of manner is wording
    "Does the lipo technique itself affect how many stem cells you end up with?",  # so are pronouns and light verbs
    "Which databases did the authors search?",  # lay words for what the review names
    "What do MSC exosomes carry into target cells?",
    "For the donor, is taking stem cells from bone marrow harder than taking them from the belly fat?",  # a comparative
    "How many kinds of induction approach for MSC to male germ cells do they enumerate?",
])
def test_answered_in_the_readers_own_words(assistant, question):
    assert assistant.ask(question).covered


def test_british_spellings_are_the_reviews_american_words(assessor):
    from reviewqa.lexical import american

    assert american("fertilises") == "fertilizes" and american("tumour") == "tumor" and american("foetal") == "fetal"
    assert assessor.matches("fertilises") and assessor.matches("tumours")


def test_a_dose_needs_a_figure_with_its_unit(assistant):
    assert not gives_figure_for("what busulfan dose in mg/kg?", "sperm is found about 50% of cases [20]")
    assert gives_figure_for("what FSH cutoff?", "FSH is increased (>7.6 IU/mL) [11]")
    assert not assistant.ask("what busulfan dose in mg/kg do people use to make azoospermic rats?").covered  # rows name no dose
    assert assistant.ask("FSH cutoff in NOA").covered


def test_the_reviews_methods_answer_what_it_did_not_search(assistant):
    answer = assistant.ask("did they search PubMed or Embase for this review?")
    assert answer.covered and "Google Scholar" in to_markdown(answer)


def test_a_numbered_name_is_a_term_of_art_however_common(assistant):
    assert not assistant.ask("do MSC exosomes help covid-19 lung injury").covered


def test_a_count_a_cited_work_does_not_give_is_declined_as_no_figure(assistant):
    answer = assistant.ask("what sperm count did Cakici 2013 rats reach after AT-MSC injection?")
    assert not answer.covered and answer.blocks[0].text == "The review gives no figure for this."


def test_a_number_that_names_something_is_not_a_quantity_asked():
    from reviewqa.abstain import asks_quantity

    assert not asks_quantity("Nayernia 2006 - which reference number is that?")
    assert asks_quantity("what number of trials are from Egypt?")


def test_whether_another_treatment_improves_pregnancy_rates_is_declined(assistant):
    assert not assistant.ask("Does varicocele repair improve pregnancy rates?").covered


def test_a_measurement_of_treated_animals_is_declined_as_no_figure(assistant):
    # A comparison asked in figures the review never gives: its animal studies are told without their results.
    answer = assistant.ask("in the busulfan rats given adipose MSCs, what were the sperm counts after treatment vs controls?")
    assert not answer.covered and answer.blocks[0].text == "The review gives no figure for this."
    assert len(answer.blocks) == 1  # a table row is no "closest" to a result: it tells a study's design


def test_which_levels_to_measure_asks_names_not_figures(assistant):
    from reviewqa.abstain import asks_quantity

    assert not asks_quantity("Which hormone levels should be measured in all men with azoospermia?")
    assert asks_quantity("what are the FSH levels in NOA?")
    assert assistant.ask("what are the FSH levels in NOA?").covered


@pytest.mark.parametrize("question, answered_by", [
    ("how many more MSCs are in fat than in bone marrow?", "1:30"),  # a ratio answers "how many more"
    ("how many mechanisms are there?", "(9)"),  # a numbered list counts them, however vague the question
    ("how many kinds of induction approaches are there for differentiating MSCs into male germ cells", "(7)"),
])
def test_a_count_is_answered_by_the_figure_or_list_that_gives_it(assistant, question, answered_by):
    answer = assistant.ask(question)
    assert answer.covered and answered_by in to_markdown(answer)


@pytest.mark.parametrize("question", [
    "what's the sperm retrieval rate after MSC injection?",  # TESE-ICSI's rates are of another treatment
    "what testosterone level did the rats reach after BM-MSC?",  # a hypogonadism cut-off is no treated rat's level
])
def test_a_result_measured_after_the_treatment_is_declined_as_no_figure(assistant, question):
    answer = assistant.ask(question)
    assert not answer.covered and answer.blocks[0].text == "The review gives no figure for this."


def test_what_age_of_the_people_treated_is_no_column_of_the_tables():
    from reviewqa.tablequery import parse_table_question

    assert parse_table_question("what age group of men benefit most from MSC therapy?") is None
    assert parse_table_question("adult vs fetal in table 1").values_field == "age"


@pytest.mark.parametrize("question", [
    "The Jordan trial NCT02641769 — what % of men got sperm back in the ejaculate?",  # a named trial's result
    "In the Jordan CD34/CD133 abstract, what percentage of the azoospermic men got sperm in their ejaculate?",
    "what sample size does the Iranian IRCT azoospermia MSC trial have?",
    "What did the Iranian IRCT trial on MSCs for azoospermia find?",
    "in the rat studies with fat stem cells what percent of rats became fertile again",  # a share of rats, not of rows
])
def test_a_figure_or_finding_of_studies_the_review_only_names_is_declined(assistant, question):
    assert not assistant.ask(question).covered


@pytest.mark.parametrize("question", [
    "what percent of the trials are in China?",  # a share of the table's rows
    "whats the overall success chance of TESE-ICSI for non obstructive azoospermia",
    "what % of infertility is due to men?",
    "fsh cutoff in NOA?",  # "FSH" or "follicle stimulating hormone": one word of the question, however spelled
    "why does NCT02696889 show up twice in the trials table",
])
def test_figures_the_review_gives_are_answered(assistant, question):
    assert assistant.ask(question).covered


@pytest.mark.parametrize("word, text, wording", [
    ("harder", "is marrow harder to get than fat?", True),  # a comparative of an everyday adjective, comparing
    ("easier", "much easier for the donor?", True),
    ("blocker", "can a beta blocker help?", False),  # a thing named in "-er", compared with nothing
    ("roughly", "roughly how many trials?", True),
])
def test_comparatives_and_adverbs_of_everyday_adjectives_are_wording(assessor, word, text, wording):
    assert assessor._manner_word(word, text) is wording


def test_an_everyday_phrase_is_read_in_the_reviews_words(assistant):
    # "thrown away" is the review's "removed"; "testicle operation" and "chance" its surgery and probability.
    assert assistant.ask("which layer of the lipoaspirate is thrown away?").covered
    answer = assistant.ask("The doctor told my son that the testicle operation plus the ICSI has low chance for men like "
                           "him (no sperm because testis not making). How low is it really, in number?")
    assert answer.covered and "13.4%" in " ".join(q.text for b in answer.blocks for q in getattr(b, "quotes", ()))


def test_a_numbered_list_gives_no_ratio(assistant):
    assert not assistant.ask("how many million MSCs per testicle should be injected in a human patient").covered


def test_another_treatment_bringing_sperm_back_is_not_assessed(assistant):
    answer = assistant.ask("does varicocele surgery bring sperm back in NOA men? what percent")
    assert not answer.covered and to_markdown(answer).startswith("The review does not assess whether varicocele surgery works")


@pytest.mark.parametrize("question", [
    "journalist here - what share of couples' infertility is down to the man alone, per the paper?",  # who asks
    "bio undergrad q: what exactly are MSC exosomes supposed to do? like what's their job",
    "can u define MSC for me, the basic properties, like for an exam flashcard",  # what for
    "whats the gist of this review? writing a short piece on stem cells for male infertility",
    "azoospermic guy just came in for workup - which bloods does this review say we should run on every azoospermia pt?",
    "overweight male, low T but high E2 on his panel - how does the review explain that?",
])
def test_who_asks_and_what_for_is_not_what_is_asked(assistant, question):
    assert assistant.ask(question).covered


def test_the_askers_own_words_are_no_missing_topic(assistant):
    answer = assistant.ask("I'm an andrology nurse and patients keep asking about 'tumescent' liposuction for the fat harvest. "
                           "How does the review describe it?")
    assert answer.covered and "epinephrine" in to_markdown(answer)


@pytest.mark.parametrize("question, unreported", [
    ("Did the Korean and Jordanian MSC erectile dysfunction trials actually improve erections? what were the results", "results"),
    ("Has any man with NOA fathered a baby after MSC injection? any pregnancy or live birth rates from the human trials?", "pregnancy"),
    ("How many million bone marrow MSCs were injected per testis in the Egyptian azoospermia trials?", "the number of bone marrow MSCs"),
    ("long-term cancer rates in men treated with MSCs for azoospermia - any follow-up data?", "cancer rates"),
])
def test_what_trials_did_to_people_is_declined_as_unreported(assistant, question, unreported):
    answer = assistant.ask(question)
    assert not answer.covered and f"does not report {unreported}" in to_markdown(answer)


def test_a_comparison_asked_by_how_much_needs_a_figure(assistant):
    answer = assistant.ask("In the busulfan mouse model, did exosomes alone beat whole MSCs on sperm count? which was better and by how much")
    assert not answer.covered and "no figure" in to_markdown(answer)


def test_whether_it_works_in_people_is_answered_by_what_has_been_published(assistant):
    answer = assistant.ask("so does this stuff actually work in real men yet or only in mice")
    assert answer.covered and to_markdown(answer).startswith("No studies have been published to treat azoospermia")


def test_another_treatment_restoring_sperm_is_not_assessed_whoever_it_is_tried_in(assistant):
    answer = assistant.ask("does varicocele repair bring back sperm in non-obstructive azoospermia?")
    assert not answer.covered and "does not assess whether varicocele repair works" in to_markdown(answer)
    assert assistant.ask("Can you sum up what the animal work showed for MSC in azoospermia?").covered


def test_what_a_study_measured_after_treatment_is_no_tables_answer(assistant):
    answer = assistant.ask("did any human MSC study measure sperm DNA fragmentation after intratesticular injection?")
    assert not answer.covered and "does not report sperm DNA fragmentation" in to_markdown(answer) and answer.table is None


def test_the_askers_field_is_no_missing_topic(assistant):
    answer = assistant.ask("im an embryology trainee, can u summarise the in vitro evidence - can MSCs actually become germ cells?")
    assert answer.covered and "germ cells" in to_markdown(answer)[:600]


@pytest.mark.parametrize("question", ["exam tmrw - can someone define non-obstructive azoospermia in plain words",
                                      "how does the review characterise MSCs (the general properties bit)"])
def test_chat_fillers_and_ways_of_asking_are_no_missing_topic(assistant, question):
    answer = assistant.ask(question)
    assert answer.covered and "does not discuss" not in to_markdown(answer)


@pytest.mark.parametrize("question, covered", [("has exosome therapy been tried in azoospermic men", False),
                                               ("Did MSC-derived exosomes restore spermatogenesis in human patients with NOA?", False),
                                               ("have MSC exosomes or cells been tried in men?", True)])
def test_exosomes_in_people_are_untried_though_cells_were_reported_once(assistant, question, covered):
    answer = assistant.ask(question)
    assert answer.covered is covered
    assert ("reports no study of exosome treatment in people" in to_markdown(answer)) is not covered

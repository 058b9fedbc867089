"""Question understanding: one reading per question, from the real review's references (no index needed)."""

from __future__ import annotations

import pytest

from reviewqa.understand import Turn, asked_sections, named_references, question_parts, read, read_follow_up


@pytest.fixture(scope="module")
def references(review):
    return {reference.number: reference for reference in review.references}


@pytest.mark.parametrize("question, numbers", [
    ("what is ref 57", (57,)),
    ("[57]", (57,)),
    ("reference 57?", (57,)),
    ("refs 57 and 58", (57, 58)),
    ("Sherif 2018", (132,)),
    ("what did Zuk et al find", (38,)),
    ("Scadden's 2006 Nature paper", (26,)),
    ("Dyce porcine skin paper", (117,)),
    ("matsumoto lipoaspirate study", (52,)),
])
def test_cited_works_are_named_by_number_or_author(references, question, numbers):
    assert named_references(question, references) == numbers
    assert read(question, (), references).intent == "reference"


@pytest.mark.parametrize("question", [
    "Who first described mesenchymal stem cells?",  # a person, not a look-up of their paper
    "What did Friedenstein prove about the bone marrow?",
    "What is the ratio of MSCs to total cells in fat [40]? I read 1:30 somewhere",  # a marker inside a longer question
    "Reference values of FSH in NOA",
])
def test_questions_mentioning_names_or_markers_are_not_look_ups(references, question):
    assert named_references(question, references) == ()


def test_reference_numbers_that_do_not_exist_are_not_named(references):
    assert named_references("ref 400", references) == ()


def test_trial_codes_make_a_trial_look_up(references):
    reading = read("is nct02041910 still recruiting?", (), references)
    assert reading.intent == "trial" and reading.trial_codes == ("NCT02041910",)


@pytest.mark.parametrize("question, intent", [
    ("Which animal models used busulfan?", "rows"),
    ("How many trials are in Egypt?", "count"),
    ("female vs male trials", "compare"),
    ("compare adipose and bone marrow MSCs", "compare"),
    ("what gaps does the review point out?", "limitations"),
    ("pros and cons of MSC therapy", "limitations"),
    ("summarize the animal evidence", "summary"),
    ("walk me through how adipose MSCs are harvested", "summary"),
    ("What is the success rate of TESE-ICSI in men with NOA?", "fact"),
])
def test_intents(references, question, intent):
    assert read(question, (), references).intent == intent


@pytest.mark.parametrize("question", [
    "give me an overview of the human studies",  # "human" is not a species filter in an overview
    "What does the review say about MSC therapy for azoospermia in men?",  # disease and sex named in passing
    "How do MSCs help women with premature ovarian failure?",
])
def test_prose_questions_naming_table_values_are_not_table_questions(references, question):
    assert read(question, (), references).table is None


def test_a_prose_comparison_keeps_both_sides(references):
    assert read("is adipose tissue better than bone marrow as an MSC source?", (), references).sides[:2] == (
        "Adipose tissue", "Bone marrow")


def test_summaries_name_the_strands_asked_for(references):
    assert read("summarize the animal evidence", (), references).strands == ("Animal models",)
    assert read("summarize the review", (), references).strands == ()


@pytest.mark.parametrize("question, section", [
    ("who funded this review", "Funding"),
    ("what does SSF stand for", "Abbreviations"),
    ("which databases did the authors search", "Search and study selection"),
    ("any conflicts of interest?", "Competing interests"),
])
def test_sections_asked_for_by_name(question, section):
    assert section in asked_sections(question)


@pytest.mark.parametrize("question", [
    "methods used to induce MSCs into male germ cells in vitro",  # the studies' methods, not the review's
    "what did the authors of the cited studies find about exosomes",
])
def test_content_questions_ask_for_no_administrative_section(question):
    assert not asked_sections(question) & {"Funding", "Authors' contributions", "Search and study selection"}


def test_compound_questions_are_split_into_parts():
    assert question_parts("What are the main causes of male infertility and how often is no cause found?") == (
        "What are the main causes of male infertility", "how often is no cause found")
    assert question_parts("how do MSCs repair the testis? list the mechanisms") == (
        "how do MSCs repair the testis", "list the mechanisms")
    assert question_parts("Which sources and species were used?") == ()


def test_explanations_and_quantities_are_told_apart(references):
    assert read("How do MSC exosomes help restore spermatogenesis?", (), references).explanation
    assert not read("How many couples fail to conceive?", (), references).explanation


def test_a_short_follow_up_is_read_with_the_previous_question():
    history = [Turn("what are the main risks of MSC therapy?")]
    assert read_follow_up("which one is the most serious?", history) == \
        "what are the main risks of MSC therapy — which one is the most serious?"
    assert read_follow_up("What is the WHO definition of infertility?", history) == "What is the WHO definition of infertility?"


def test_table_follow_ups_replace_a_value_and_read_as_a_whole(references):
    first = read("Which animal models used hamsters?", (), references)
    follow = read("and in guinea pigs?", [Turn(first.question, table_query=first.table)], references)
    species = next(c for c in follow.table.conditions if c.field == "species")
    assert species.values == ("Guinea pig",) and "hamsters" in follow.text


def test_pronoun_follow_up_counts_the_previous_rows_by_a_column(references):
    first = read("which clinical trials are in Jordan?", (), references)
    follow = read("are those autologous?", [Turn(first.question, table_query=first.table)], references)
    assert follow.table.values_field == "transplantation" and follow.table.focus == ("Autotransplant",)
    assert [c.values for c in follow.table.conditions] == [("Jordan",)]


def test_a_follow_up_about_a_cited_work_keeps_the_work(references):
    reading = read("what model did they use?", [Turn("Sherif 2018", references=(132,))], references)
    assert reading.intent == "reference" and reading.references == (132,)


def test_a_turn_survives_json_and_ignores_a_malformed_table_state():
    turn = Turn.from_dict({"question": "x", "table": {"query": {"tables": "not a list of numbers"}}})
    assert turn.question == "x" and turn.table_query is None
    assert Turn.from_dict(Turn("q", "read as", None, (5,)).to_dict()) == Turn("q", "read as", None, (5,))
    quoting = Turn("q", quoted=("The main risks of MSCs are…",))
    assert Turn.from_dict(quoting.to_dict()) == quoting


def test_a_follow_up_carries_what_the_answer_before_it_quoted(references):
    earlier = Turn("what are the main risks of MSC therapy?", quoted=("The main risks of MSCs are…",))
    assert read("which one is considered the worst?", [earlier], references).earlier_quotes == earlier.quoted
    assert read("what are the animal models used in the review?", [earlier], references).earlier_quotes == ()


def test_names_and_words_of_the_review_are_never_corrected_as_typing_slips(references):
    assert read("kadam 2018 co-transplantation", [], references).references == (130,)
    reading = read("whats the diffrence between obstructive and non obstructive azoospermia", [], references)
    assert reading.text.startswith("whats the difference")  # a slip of an English word still is


def test_a_double_barrelled_first_author_is_found_by_either_name(references):
    assert set(read("Ghasemzadeh 2014", [], references).references) == {93, 94}


def test_a_follow_up_about_a_cited_work_shows_the_work_the_answer_cited(references):
    earlier = Turn("how much of the bone marrow aspirate was MSCs?", cited=(24,))
    assert read("when was that paper published?", [earlier], references).references == (24,)
    earlier = Turn("Which animal models used urine-derived stem cells?", cited=(146,))
    assert read("who did that study, and how did the cells work?", [earlier], references).references == (146,)


@pytest.mark.parametrize("question", ["[126] what is it and what did it show", "what did [126] find about torsion?"])
def test_a_bracketed_marker_opening_the_question_or_asked_about_names_the_work(references, question):
    assert named_references(question, references) == (126,)


def test_a_marker_quoted_inside_a_longer_question_names_no_work(references):
    assert named_references("is it true that MSCs can stimulate testosterone production [126] in rats with torsion?",
                            references) == ()


def test_a_first_author_and_colleagues_names_their_works(references):
    assert set(named_references("what did Hsiao and colleagues find about MSC in testicular torsion", references)) == {126, 151}


def test_a_table_follow_up_keeps_a_fallback_without_what_it_carried_over(references):
    earlier = [Turn("what azoospermia stem cell trials are there from Egypt?")]
    reading = read("what about the female ones from egypt?", earlier, references)
    assert {c.field for c in reading.table.conditions} == {"disease", "sex", "country"}
    assert {c.field for c in reading.table_fallback.conditions} == {"sex", "country"}


@pytest.mark.parametrize("question, intent", [
    ("why couldnt the authors say which MSC source works best?", "limitations"),  # what the review could not settle
    ("why are MSCs considered better than other stem cells? summarise the advantages", "limitations"),
    ("is micro-TESE better than conventional TESE for finding sperm?", "compare"),
    ("If a NOA patient does TESE and then ICSI, whats the real chance it works overall?", "fact"),  # "overall" of a chance
])
def test_what_kind_of_answer_is_asked(references, question, intent):
    assert read(question, [], references).intent == intent


def test_better_than_names_the_compared_sides(references):
    assert read("is micro-TESE better than conventional TESE for finding sperm?", [], references).sides == (
        "micro-TESE", "conventional TESE")


@pytest.mark.parametrize("question, sides", [
    ("which is safer, bone marrow or fat MSCs?", ("Bone marrow", "Adipose tissue")),
    ("Which gives more cells, fat or marrow?", ("Adipose tissue", "Bone marrow")),
])
def test_which_is_safer_x_or_y_compares_them(references, question, sides):
    reading = read(question, [], references)
    assert reading.intent == "compare" and set(reading.sides) == set(sides)


def test_which_other_is_no_comparison(references):
    assert read("which other options does a man have, adoption or donor sperm?", [], references).intent != "compare"


def test_words_of_the_cited_titles_are_never_corrected(references):
    assert "testis" in read("How many MSCs per testis should be injected?", [], references).text


def test_what_a_cited_first_author_found_is_a_look_up_of_their_work(references):
    assert read("what did Friedenstein find", [], references).references == (24,)
    assert read("what did the MSCs find in the testis", [], references).references == ()


@pytest.mark.parametrize("question, term", [
    ("what is azoospermia?", "azoospermia"),
    ("whats NOA", "NOA"),
    ("define exosomes", "exosomes"),
    ("what does multipotent mean", "multipotent"),
    ("what does SSF stand for?", "SSF"),
    ("wat does NOA mean", "NOA"),
    ("what is a Leydig cell", "Leydig cell"),
    ("what is the success rate of TESE", ""),
    ("what is the best source", ""),
    ("what are the animal models used", ""),
    ("define NOA for me", "NOA"),  # asked of the reader
    ("what is SVF, please?", "SVF"),
])
def test_a_definition_question_names_its_term(question, term):
    from reviewqa.understand import defined_term

    assert defined_term(question) == term


def test_a_paper_told_by_what_it_is_about_is_a_reference_search(references):
    reading = read("the paper about urine stem cells and exosomes - authors?", [], references)
    assert reading.intent == "reference" and reading.reference_search


def test_who_reported_a_claim_is_found_from_the_text_not_the_tables(references):
    reading = read("which group found that fat MSCs were similar to marrow MSCs, and in what year?", [], references)
    assert reading.reference_search and reading.table is None


def test_a_definition_asked_in_simple_words():
    from reviewqa.understand import defined_term

    assert defined_term("what does non obstructive azoospermia mean in simple words") == "non obstructive azoospermia"


def test_filler_words_are_not_part_of_the_term():
    from reviewqa.understand import defined_term

    assert defined_term("what does non obstructive azoospermia actually mean") == "non obstructive azoospermia"


def test_a_work_cited_as_a_number_is_named(references):
    assert read("what paper is cited as 146", [], references).references == (146,)


def test_a_person_named_before_is_followed_in_the_text_not_on_a_card(references):
    previous = Turn("who first discovered mesenchymal stem cells?", references=(23,))
    reading = read("where did he find them, and what share of his sample were they?", [previous], references)
    assert reading.intent != "reference" and "discovered" in reading.text


def test_a_later_part_leaning_on_the_first_is_read_with_it():
    assert question_parts("Define MSCs and what tissues they can turn into")[1] == "what tissues they can turn into (Define MSCs)"


def test_which_harvesting_method_is_preferred_asks_a_judgement_not_a_procedure(references):
    assert not read("which harvesting method is preferred and why?", [], references).procedure


def test_asking_for_a_short_answer_is_no_request_for_a_summary(references):
    assert read("in short, why do people like MSCs over other stem cells for therapy?", (), references).intent == "fact"
    assert read("in short, what did the review conclude?", (), references).intent == "summary"


@pytest.mark.parametrize("question, parts", [
    ("lipo aspirate separates in how many layers, which one do u keep", 2),  # a second question after a comma
    ("For men with NOA, what is the only option?", 0),  # what comes before the comma asks nothing
    ("menstrual blood stem cells into egg-like cells, how did they induce it?", 0),
])
def test_a_second_question_after_a_comma_is_a_part(question, parts):
    from reviewqa.understand import question_parts

    assert len(question_parts(question)) == parts


def test_who_asks_and_what_for_is_left_out_of_the_reading():
    reading = read("need two numbers for my intro: what share of infertility is down to the man alone?", [], {})
    assert reading.text == "what share of infertility is down to the man alone?"
    assert read("whats the gist of this review? writing a short piece on stem cells for male infertility", [], {}).intent == "summary"


def test_a_contraction_is_no_typing_slip():
    reading = read("any table 3 studies that weren't in mice or rats?", [], {})
    assert reading.table is not None and reading.table.conditions[0].negated


def test_a_number_sign_asks_how_many_and_tbl_names_a_table(references):
    reading = read("# recipient species in the in vivo azoospermia table?", [], references)
    assert reading.table is not None and reading.table.intent == "values" and reading.table.values_field == "species"
    assert read("Tbl 3 - which MSC sources were tx'd into rat NOA models?", [], references).table.tables == (3,)


def test_asking_only_fields_of_an_entry_follows_the_work_just_looked_up(references):
    earlier = Turn("what is ref 57", references=(57,))
    assert read("what journal and year?", [earlier], references).references == (57,)
    assert read("what journal and year?", [], references).references == ()


def test_a_definition_whose_part_ends_in_a_comma_is_still_a_definition(references):
    reading = read("what does non-obstructive azoospermia actually mean, and is the obstructive kind the better one?", [], references)
    assert reading.defines == "non-obstructive azoospermia"


def test_a_definition_may_name_the_part_of_the_review_it_is_in(references):
    assert read("what does LS stand for in the fat harvesting section?", [], references).defines == "LS"


@pytest.mark.parametrize("question, term", [("ASA = ? (in the mechanisms part)", "ASA"), ("SSF=?", "SSF"),
                                            ("what is NOA (in the intro)?", "NOA")])
def test_an_equals_sign_or_an_aside_in_brackets_still_asks_what_a_term_is(references, question, term):
    assert read(question, [], references).defines == term

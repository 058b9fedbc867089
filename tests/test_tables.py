"""The review's tables answered exactly.

Every expected number, CT code and reference number below was counted by hand from the
tables as printed in the review, not computed by the code under test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reviewqa.parse import read_review
from reviewqa.tableanswer import answer_table_query, to_json
from reviewqa.tabledata import COLUMN_VOCABULARY, split_cell
from reviewqa.answer import TableBlock
from reviewqa.tablequery import TableQuery, TableState, parse_table_question, rows_behind

REPO = Path(__file__).parents[1]


def _seed_path() -> Path:
    if os.environ.get("REVIEWQA_SEED"):
        return Path(os.environ["REVIEWQA_SEED"])
    corpus_copy = REPO / "corpus" / "review" / "zhankina-2021-msc-azoospermia-review.txt"
    if corpus_copy.exists():
        return corpus_copy
    return REPO.parent / "shared" / "seed" / "000_b995a0029ceaf388.txt"


@pytest.fixture(scope="module")
def tables():
    return read_review(_seed_path()).tables


def ask(tables, question: str, state: TableState | None = None):
    query = parse_table_question(question, state)
    assert query is not None, f"not understood as a table question: {question}"
    return query, answer_table_query(query, tables)


def ct_codes(result) -> list[str]:
    return [row[-1] for row in result.rows]


# --- splitting cells ---------------------------------------------------------------------


def test_every_cell_of_every_row_splits_into_known_values(tables):
    assert [len(t.rows) for t in tables] == [38, 13, 18, 25]
    for table in tables:
        for row in table.rows:
            for column, text in row.cells:
                if column in COLUMN_VOCABULARY:
                    split = split_cell(column, text)
                    assert split.leftover == "", (table.number, row.index, column, text)
                    assert split.values or text == "ND", (table.number, row.index, column, text)


@pytest.mark.parametrize(
    "column, text, values",
    [
        ("Inducer", "BMP4 Retinoic acid", ("BMP4", "Retinoic acid")),
        ("MSC source", "Bone marrow Adipose tissue", ("Bone marrow", "Adipose tissue")),
        ("Therapeutics", "Cell Exosome", ("Cell", "Exosome")),
        ("Disease/syndrome", "Intrauterine adhesions Endometrial dysplasia", ("Intrauterine adhesions", "Endometrial dysplasia")),
        ("MSC source", "Amniotic membrane Chorion Umbilical cord", ("Amniotic membrane", "Chorion", "Umbilical cord")),
        ("Inducer", "Inorganic zinc (sulfate) Organic zinc (acetate) Retinoic acid",
         ("Inorganic zinc (sulfate)", "Organic zinc (acetate)", "Retinoic acid")),
        ("Phase", "1&2", ("1", "2")),
        ("Inducer", "Retinoic acid TGF- β 1", ("Retinoic acid", "TGF-β1")),
        ("Inducer", "TGF β 1 BMP4 BMP8b", ("TGF-β1", "BMP4", "BMP8b")),
        ("Inducer", "Sertoli cells co-culture Retinoic acid Testosterone", ("Sertoli cell co-culture", "Retinoic acid", "Testosterone")),
        ("Inducer", "Human follicular fluid Human cumulus-conditioned medium", ("Human follicular fluid", "Human cumulus-conditioned medium")),
        ("Source", "Wharton's Jelly", ("Wharton's jelly",)),
        ("Species", "Guinea pig", ("Guinea pig",)),
        ("Stage", "ND", ()),
        ("Phase", "ND", ()),
    ],
)
def test_split_rules(column, text, values):
    split = split_cell(column, text)
    assert split.values == values and split.leftover == ""


def test_unknown_text_is_kept_and_reported():
    split = split_cell("Inducer", "BMP4 Mystery factor")
    assert split.values == ("BMP4", "Mystery factor") and split.leftover == "Mystery factor"


# --- Table 1: male germ cells in vitro ---------------------------------------------------


def test_table1_whartons_jelly_count(tables):
    _, result = ask(tables, "How many rows in Table 1 use Wharton's jelly MSCs?")
    assert result.tables == (1,) and result.count == 5
    assert result.refs == (102, 103, 104, 105, 106, 107)


def test_table1_sheep(tables):
    _, result = ask(tables, "Which in vitro studies used sheep MSCs?")
    assert result.tables == (1,) and result.count == 5
    assert result.refs == (90, 91, 92, 93, 94)


def test_table1_two_inducers_both_required(tables):
    _, result = ask(tables, "Which in vitro studies used BMP4 and retinoic acid?")
    assert result.tables == (1,) and result.count == 8
    assert result.refs == (69, 73, 74, 79, 80, 97, 98, 102, 103)


def test_table1_retinoic_acid_synonym(tables):
    _, result = ask(tables, "How many male in vitro studies used RA?")
    assert result.tables == (1,) and result.count == 25


def test_table1_fetal_human(tables):
    _, result = ask(tables, "How many male in vitro studies used fetal human MSCs?")
    assert result.tables == (1,) and result.count == 12


def test_table1_rat_bone_marrow(tables):
    _, result = ask(tables, "Which in vitro studies used rat bone marrow?")
    assert result.count == 3 and result.refs == (87, 88, 89)


def test_table1_adipose_includes_mixed_source_row(tables):
    _, result = ask(tables, "How many male in vitro studies used fat-derived cells?")
    assert result.count == 8
    assert result.refs == (65, 66, 67, 68, 69, 70, 71, 79)


def test_table1_zinc_group_with_ovine(tables):
    _, result = ask(tables, "Which ovine studies used zinc?")
    assert result.refs == (90, 91)


def test_table1_tgf_beta_spelling_variants(tables):
    _, result = ask(tables, "Which in vitro studies used TGF-beta1?")
    assert result.refs == (92, 94)


def test_table1_lung_inducer_value(tables):
    query, result = ask(tables, "Have MSCs from human fetal lung been differentiated toward male germ cells? With what inducer?")
    assert query.intent == "values" and result.tables == (1,)
    assert result.values == ("Retinoic acid",) and result.refs == (96,)


# --- Table 2: female germ cells in vitro -------------------------------------------------


def test_table2_follicular_fluid(tables):
    _, result = ask(tables, "Which female in vitro studies used follicular fluid?")
    assert result.tables == (2,) and result.count == 9
    assert result.refs == (108, 112, 113, 115, 116, 117, 118, 119, 120)


def test_table2_porcine(tables):
    _, result = ask(tables, "Which in vitro studies used porcine MSCs?")
    assert result.tables == (2,) and result.refs == (108, 113, 117)


def test_table2_ovary_in_multi_source_cell(tables):
    _, result = ask(tables, "How many studies in Table 2 used ovary MSCs?")
    assert result.count == 3 and result.refs == (108, 114, 115)


def test_table2_scaffold_values(tables):
    _, result = ask(tables, "What scaffold was used to turn menstrual blood stem cells into germ-like cells?")
    assert result.tables == (2,) and result.refs == (111, 112)
    assert {"Polylactic acid", "Multi-wall carbon nanotubes"} <= set(result.values)


def test_in_vitro_umbilical_cord_answers_both_in_vitro_tables(tables):
    _, result = ask(tables, "Which in vitro studies used umbilical cord MSCs?")
    assert result.tables == (1, 2) and result.count == 7
    assert [part.count for part in result.parts] == [4, 3]
    assert result.refs == (97, 98, 99, 100, 101, 109, 118, 119)


def test_goat_inducers_across_in_vitro_tables(tables):
    _, result = ask(tables, "What inducers were used with goat MSCs in vitro?")
    assert set(result.values) == {
        "BOULE overexpression", "DAZL overexpression", "STRA8 overexpression", "BMP4", "Retinoic acid", "Follicular fluid",
    }


# --- Table 3: in vivo models --------------------------------------------------------------


def test_table3_rat_busulfan(tables):
    _, result = ask(tables, "Which in vivo studies used busulfan in rats?")
    assert result.tables == (3,) and result.count == 2
    assert result.conditions == {"Recipient species": "Rat", "Modeling": "Busulfan"}
    assert result.row_refs == ((70, 123, 124), (87, 89, 133, 134, 135, 136, 137, 138))
    assert len(result.refs) == 11
    assert "2 rows citing 11 references" in result.summary


def test_table3_follow_ups_replace_count_and_narrow(tables):
    first, _ = ask(tables, "Which in vivo studies used busulfan in rats?")
    mice, result = ask(tables, "what about in mice?", first)
    assert result.count == 7
    assert result.refs == (122, 127, 130, 131, 142, 143, 144, 145, 146)
    counted, result = ask(tables, "how many of them?", mice)
    assert counted.intent == "count" and result.count == 7
    _, result = ask(tables, "and which of those used bone marrow?", counted)
    assert result.count == 3 and result.refs == (130, 131, 122, 142)


def test_table3_exosomes(tables):
    _, result = ask(tables, "Which in vivo studies used exosomes?")
    assert result.count == 3 and result.row_refs == ((122,), (122,), (146,))


def test_table3_chemotherapy_group(tables):
    _, result = ask(tables, "How many in vivo studies used chemotherapy-induced models?")
    assert result.tables == (3,) and result.count == 15


def test_table3_xenogeneic(tables):
    _, result = ask(tables, "Which in vivo studies used xenogeneic transplantation?")
    assert result.refs == (126, 142, 143, 144, 145)


def test_table3_donor_and_recipient(tables):
    _, result = ask(tables, "Which studies used human MSCs transplanted into mice?")
    assert result.tables == (3,) and result.refs == (143, 144, 145)


def test_table3_donor_species_and_source(tables):
    _, result = ask(tables, "Which in vivo studies used adipose-derived MSCs from rats?")
    assert result.count == 2 and result.refs == (70, 123, 124, 125)


def test_table3_lead_nitrate(tables):
    _, result = ask(tables, "Which MSC study used a lead nitrate model of male infertility?")
    assert result.tables == (3,) and result.refs == (140,)


def test_table3_testicular_torsion(tables):
    _, result = ask(tables, "Which in vivo studies used testicular torsion?")
    assert result.refs == (126, 141)


def test_table3_hamsters(tables):
    _, result = ask(tables, "Which in vivo studies used hamsters?")
    assert result.refs == (121, 129)


def test_table3_recipient_species_values(tables):
    _, result = ask(tables, "What recipient species were used in vivo?")
    assert result.value_counts == (("Mouse", 8), ("Rat", 7), ("Hamster", 2), ("Guinea pig", 1))


def test_table3_donor_species_values(tables):
    _, result = ask(tables, "What donor species were used in vivo?")
    assert set(result.values) == {"Hamster", "Mouse", "Rat", "Human", "Guinea pig", "Goat"}


def test_condition_a_table_does_not_record_matches_nothing(tables):
    query, result = ask(tables, "How many in vivo studies in Egypt?")
    assert query.untestable == ("country",)
    assert result.count == 0 and "does not record country" in result.summary


# --- Table 4: clinical trials -------------------------------------------------------------


def test_table4_male_azoospermia(tables):
    _, result = ask(tables, "Which clinical trials treat male azoospermia?")
    assert ct_codes(result) == ["NCT02414295", "NCT02025270", "NCT02008799", "NCT02041910", "NCT02641769", "NCT03762967"]
    assert result.summary.endswith("6 trials.")


def test_table4_erectile_dysfunction_count(tables):
    query, result = ask(tables, "Count the erectile dysfunction stem cell trials listed in the clinical trials table.")
    assert query.intent == "count" and result.count == 4
    assert ct_codes(result) == ["NCT02945449", "NCT03751735", "NCT02344849", "NCT04594850"]


def test_table4_countries(tables):
    _, result = ask(tables, "Which countries ran clinical trials?")
    assert dict(result.value_counts) == {
        "China": 7, "Egypt": 5, "Jordan": 4, "United States": 3, "Korea": 3, "Russia": 2, "Indonesia": 1,
    }


def test_table4_phase_1_2(tables):
    _, result = ask(tables, "How many phase 1/2 trials are there?")
    assert result.count == 7
    assert ct_codes(result) == ["NCT03069209", "NCT02644447", "NCT02696889", "NCT02025270", "NCT02041910",
                                "NCT02641769", "NCT03751735"]


def test_table4_phase_roman_numeral(tables):
    _, result = ask(tables, "Which phase IV trials are there?")
    assert ct_codes(result) == ["NCT02204358"]


def test_table4_before_2016(tables):
    _, result = ask(tables, "Which trials were registered before 2016?")
    assert ct_codes(result) == ["NCT02204358", "NCT02313415", "NCT03069209", "NCT02696889", "NCT02414295",
                                "NCT02025270", "NCT02008799", "NCT02041910", "NCT02641769"]


def test_table4_since_2019(tables):
    _, result = ask(tables, "Which trials started since 2019?")
    assert ct_codes(result) == ["NCT03166189", "NCT03220243", "NCT02530047", "NCT04676269", "NCT02968459",
                                "NCT03181087", "NCT03386708", "NCT03751735", "NCT04594850"]


def test_table4_in_a_year(tables):
    _, result = ask(tables, "How many trials were registered in 2018?")
    assert result.count == 5


def test_table4_autologous_usa(tables):
    _, result = ask(tables, "Which trials used autologous cells in the USA?")
    assert ct_codes(result) == ["NCT03220243", "NCT02530047", "NCT02696889"]


def test_table4_recruiting_then_egypt(tables):
    first, result = ask(tables, "Which trials are recruiting?")
    assert result.count == 11
    _, result = ask(tables, "and which of those are in Egypt?", first)
    assert ct_codes(result) == ["NCT02008799", "NCT02041910"]


def test_table4_three_conditions(tables):
    _, result = ask(tables, "Which trials were allogeneic and recruiting in China?")
    assert ct_codes(result) == ["NCT03592849", "NCT02968459", "NCT03181087", "NCT03386708"]


def test_table4_keyword_query(tables):
    _, result = ask(tables, "Indonesia thin endometrium stem cell trial")
    assert ct_codes(result) == ["NCT04676269"]


def test_table4_south_korea(tables):
    _, result = ask(tables, "List trials in South Korea")
    assert ct_codes(result) == ["NCT02890953", "NCT02344849", "NCT04594850"]


def test_table4_whartons_jelly(tables):
    _, result = ask(tables, "Which trials used WJ-MSCs?")
    assert ct_codes(result) == ["NCT02945449", "NCT03751735"]


def test_table4_women(tables):
    _, result = ask(tables, "How many trials involved women?")
    assert result.count == 15


def test_table4_premature_ovarian_failure_counts_duplicate_code(tables):
    _, result = ask(tables, "Which trials treated POF?")
    assert ct_codes(result) == ["NCT02644447", "NCT02696889", "NCT02696889"]


def test_table4_intrauterine_adhesions_in_multi_disease_cell(tables):
    _, result = ask(tables, "Which trials treated intrauterine adhesions?")
    assert ct_codes(result) == ["NCT02204358", "NCT02313415"]


def test_table4_completed_bone_marrow(tables):
    _, result = ask(tables, "Which completed trials used bone marrow?")
    assert ct_codes(result) == ["NCT03166189", "NCT02414295", "NCT02344849"]


def test_table4_phases_of_erectile_dysfunction_trials(tables):
    _, result = ask(tables, "What phases are the erectile dysfunction trials?")
    # A 1&2 trial is its own category when trials are counted per phase (NCT03751735).
    assert dict(result.value_counts) == {"1": 2, "1&2": 1, "2": 1}


# --- across tables -------------------------------------------------------------------------


def test_source_without_study_type_answers_every_table_with_rows(tables):
    _, result = ask(tables, "Which studies used bone marrow MSCs?")
    assert result.tables == (1, 3, 4)
    assert [part.count for part in result.parts] == [19, 10, 12]
    assert result.count == 41 and result.columns == ("Table", "Entry")


@pytest.mark.parametrize(
    "question",
    [
        "How does the WHO define infertility?",
        "What are the risks of MSC therapy?",
        "Who first described MSCs?",
        "What is TESE?",
        "How many men are infertile worldwide?",
        "What is the role of bone marrow MSCs in azoospermia?",
        "Why is adipose tissue preferred as a source of MSCs?",
        "Which biological processes make MSCs attractive for azoospermia treatment?",
        "Do stem-like cells in the testis survive chemotherapy, and where are they located?",
        "What is the role of exosomes in MSC therapy?",
    ],
)
def test_not_table_questions(question):
    assert parse_table_question(question) is None


def test_prose_question_after_a_table_question_is_not_a_follow_up(tables):
    state, _ = ask(tables, "Which trials are recruiting?")
    assert parse_table_question("What are the risks of MSC therapy?", state) is None


# --- state, JSON and markdown --------------------------------------------------------------


def test_state_survives_a_json_round_trip(tables):
    state, _ = ask(tables, "Which trials started since 2019?")
    restored = TableQuery.from_dict(json.loads(json.dumps({"question": "q", "history": [state.to_dict()]}))["history"][0])
    assert restored == state
    _, result = ask(tables, "and which of those are recruiting?", restored)
    assert ct_codes(result) == ["NCT04676269", "NCT02968459", "NCT03181087", "NCT03386708", "NCT04594850"]


def test_to_json_shape(tables):
    _, result = ask(tables, "Which in vivo studies used busulfan in rats?")
    data = to_json(result)
    assert {"name", "conditions", "columns", "rows", "count"} <= set(data)
    assert data["name"] == "Table 3 — in vivo models" and data["count"] == 2
    assert data["rows"][0] == ["Adipose tissue", "Allotransplant", "Rat", "Cell", "Rat", "Busulfan", "[70, 123, 124]"]
    json.dumps(data)


def test_follow_up_keeps_only_tables_that_record_the_new_field(tables):
    first, _ = ask(tables, "Which studies used bone marrow MSCs?")
    _, result = ask(tables, "and which of those are in Egypt?", first)
    assert result.tables == (4,)
    assert ct_codes(result) == ["NCT02696889", "NCT02414295", "NCT02025270", "NCT02008799", "NCT02041910"]


def test_in_vitro_azoospermia_is_table1(tables):
    _, result = ask(tables, "Which in vitro studies on azoospermia used BMP4?")
    assert result.tables == (1,) and result.count == 13
    assert result.refs == (65, 69, 73, 74, 77, 78, 79, 80, 85, 94, 97, 98, 99, 102, 103)


def test_follicular_fluid_as_a_source(tables):
    _, result = ask(tables, "Which studies used follicular fluid MSCs?")
    assert result.tables == (2,) and result.refs == (110,)


def test_how_many_countries_lists_them(tables):
    query, result = ask(tables, "How many countries ran MSC trials for male infertility?")
    assert query.intent == "values"
    assert dict(result.value_counts) == {"Egypt": 4, "Jordan": 3, "Russia": 1, "Korea": 2}


@pytest.mark.parametrize("question", [
    "Which MSC source does the review suggest for azoospermia treatment?",
    "Why is adipose tissue a better source than bone marrow?",
    "Which MSC sources are recommended for clinical use?",
    "Which MSC source do the authors end up recommending for azoospermia treatment?",
])
def test_questions_about_the_reviews_judgement_are_not_table_questions(question):
    assert parse_table_question(question) is None


@pytest.mark.parametrize("question, field, values", [
    ("testicular torsion models treated with MSCs?", "model", ("Torsion",)),  # keywords, with a question mark
    ("How were the lab animals made azoospermic in the in vivo MSC studies?", None, ()),
    ("how many types of induction methods are listed for making male germ cells (retinoic acid etc)?", None, ()),
])
def test_table_questions_in_readers_words(question, field, values):
    query = parse_table_question(question)
    assert query is not None
    asked = {c.field: c.values for c in query.conditions}
    if field:
        assert asked[field] == values
    assert "inducer" not in asked  # "(retinoic acid etc)" is an example, not a condition


def test_how_animals_were_made_azoospermic_asks_for_the_models():
    query = parse_table_question("how was azoospermia induced in the animal models?")
    assert query.tables == (3,) and query.values_field == "model"
    assert parse_table_question("how do they make the animals infertile in these experiments?").values_field == "model"
    assert parse_table_question("MSC sources used in the animal azoospermia models table").values_field == "source"


def test_rows_behind_a_tally_are_narrowed_to_the_value_it_led_with():
    tally = parse_table_question("which country has the most azoospermia trials?")
    rows = rows_behind(tally, ("Egypt",))
    assert rows.intent == "rows" and rows.values_field is None
    assert {c.field: c.values for c in rows.conditions}["country"] == ("Egypt",)


def test_a_table_named_by_its_study_type():
    query = parse_table_question("urine cells in the animal table - which model and did they use exosomes?")
    assert query.tables == (3,) and {c.field: c.values for c in query.conditions}["source"] == ("Urine",)


@pytest.mark.parametrize("question, values", [
    ("Are there more trials from the United States or from China?", ("United States", "China")),
    ("do the trials from Korea and the trials from Egypt differ in phase?", ("Korea", "Egypt")),
])
def test_values_set_against_each_other_with_their_words_repeated(question, values):
    query = parse_table_question(question)
    compared = (query.values_field, query.focus) if query.split is None else query.split
    assert compared == ("country", values)


def test_values_set_against_each_other_tell_the_references_behind_them(assistant):
    answer = assistant.ask("rat vs mouse: how many bone marrow MSC in vivo studies in table 3 for each?")
    assert "Rat 4 of 10 (11 references), Mouse 4 of 10 (5 references)" in answer.table.summary


@pytest.mark.parametrize("question, field, values, negated", [
    ("in vivo studies that gave exosomes instead of cells", "therapeutic", ("Exosome",), False),
    ("what chemical agents other than busulfan were used to make azoospermia in animals?", "model", ("Busulfan",), True),
])
def test_studies_described_by_a_clause_or_a_group_are_table_questions(question, field, values, negated):
    query = parse_table_question(question)
    assert query is not None and query.tables == (3,)
    assert any(c.field == field and c.values == values and c.negated == negated for c in query.conditions)


def test_completed_vs_still_recruiting_sets_the_stages_against_each_other():
    query = parse_table_question("how many erectile dysfunction trials are completed vs still recruiting")
    assert query.values_field == "stage" and query.focus == ("Completed", "Recruiting")


def test_cells_of_another_species_are_the_xenotransplants(tables):
    _, result = ask(tables, "which in vivo studies used cells from a different species (xeno)?")
    assert result.count == 3 and {row[1] for row in result.rows} == {"Xenotransplant"}


def test_a_value_named_again_later_is_still_set_against_the_other():
    query = parse_table_question("allo vs xeno transplantation in the animal studies — which is more common and what were "
                                 "the xeno ones?")
    assert query.values_field == "transplantation" and set(query.focus) == {"Allotransplant", "Xenotransplant"}


def test_a_finished_trial_is_completed():
    query = parse_table_question("are any of them done yet?", parse_table_question("which trials are in Jordan?"))
    assert query.values_field == "stage" and query.focus == ("Completed",)


@pytest.mark.parametrize("question, field, value", [
    ("how many of the female germ cell in vitro studies used follicular fluid as inducer", "inducer", "Follicular fluid"),
    ("Which of the in vivo studies gave exosomes and not just cells?", "therapeutic", "Exosome"),
])
def test_of_the_studies_is_still_a_table_question(question, field, value):
    query = parse_table_question(question)
    assert query is not None and value in {c.field: c.values for c in query.conditions}[field]


def test_a_place_no_table_records_is_not_answered_by_a_whole_table():
    assert parse_table_question("any of the trials in Iran?") is None
    assert parse_table_question("list all the trials") is not None


def test_groups_set_against_each_other_are_each_counted_by_what_they_differ_in(tables):
    query, result = ask(tables, "how do the azoospermia trials differ from the erectile dysfunction ones in cell source?")
    assert query.split == ("disease", ("Azoospermia", "Erectile dysfunction")) and query.values_field == "source"
    assert result.count == 10
    assert "Azoospermia (6 trials): Bone marrow (5), Adipose tissue (1)" in result.summary
    assert "Erectile dysfunction (4 trials):" in result.summary


def test_other_values_than_the_one_before_set_it_aside(tables):
    state = parse_table_question("list the rat studies where azoospermia was induced by busulfan")
    query, result = ask(tables, "what about other chemicals besides that one in rats", state)
    model = next(c for c in query.conditions if c.field == "model" and c.negated)
    assert model.values == ("Busulfan",)
    # "chemicals" names the chemical models: the torsion (surgical) rows are no other chemical.
    models = {dict(zip(result.columns, row))["Modeling"] for row in result.rows}
    assert models == {"Cisplatin", "Doxorubicin", "Lead nitrate"}


def test_values_offered_as_alternatives_are_what_compared_groups_differ_in():
    query = parse_table_question("azoospermia trials vs erectile dysfunction trials - own cells or donor cells?")
    assert query.split == ("disease", ("Azoospermia", "Erectile dysfunction")) and query.values_field == "transplantation"


def test_a_plural_in_ies_names_its_value():
    query = parse_table_question("Table 2: studies that took MSCs from ovaries to make egg-like cells?")
    assert {c.field: c.values for c in query.conditions}["source"] == ("Ovary",)


@pytest.mark.parametrize("question, field, values", [
    ("which trials are in men and which in women?", "sex", ("Male", "Female")),
    ("how many studies used rats and how many used mice?", "species", ("Rat", "Mouse")),
])
def test_the_question_asked_again_of_a_second_value_sets_the_two_against_each_other(question, field, values):
    query = parse_table_question(question)
    assert (query.values_field, query.focus) == (field, values)


def test_a_value_named_again_after_a_comparison_has_its_rows_shown_first(tables, assistant):
    query, result = ask(tables, "allograft vs xenograft in the animal studies - which ones were cross-species?")
    assert query.listed == ("Xenotransplant",) and result.listed_rows == 3
    assert all("Xenotransplant" in row for row in result.rows[:3])
    answer = assistant.ask("allograft vs xenograft in the animal studies - which ones were cross-species?")
    shown = next(block for block in answer.blocks if isinstance(block, TableBlock))
    assert shown.shown == 3


def test_the_values_of_a_column_are_counted_in_the_summary(tables):
    _, result = ask(tables, "which countries have trials?")
    assert "7 countries: China (7)" in result.summary


def test_a_yes_no_question_counts_the_studies_it_names_by_the_value_it_asks(tables):
    query, result = ask(tables, "is the Jordanian azoospermia stem cell trial still recruiting? whats the code")
    assert {c.field for c in query.conditions} == {"country", "disease"}
    assert (query.values_field, query.focus) == ("stage", ("Recruiting",)) and result.count == 1
    assert parse_table_question("Has any human study on MSC for azoospermia been published yet?") is None


def test_which_of_two_values_has_more_is_said_first(tables):
    _, result = ask(tables, "for bone marrow MSCs in vivo, is there more evidence in rats or in mice?")
    assert "Rat has more — by recipient species: Rat 4 of 10 (11 references), Mouse 4 of 10 (5 references)" in result.summary


def test_other_chemicals_than_one_named_are_the_chemical_models_less_that_one(tables):
    _, result = ask(tables, "besides busulfan which other chemicals/toxins were used to make the animals azoospermic?")
    assert sorted(result.values) == ["Cisplatin", "Doxorubicin", "Lead nitrate"] and "3 models:" in result.summary


@pytest.mark.parametrize("question, says", [
    ("is busulfan the most common way to make azoospermic animals?", "Busulfan has the most — by modeling: Busulfan 12 of 18"),
    ("is adipose tissue the most used source in the trials?", "Adipose tissue does not have the most — by source"),
])
def test_whether_one_value_is_the_commonest_is_said_against_the_rest(tables, question, says):
    _, result = ask(tables, question)
    assert says in result.summary


@pytest.mark.parametrize("question, conditions, values_field", [
    ("which animal studies made the azoospermia with cisplatin, and what MSC source did they use?",
     {"model": ("Cisplatin",)}, "source"),  # "did they use" asks what was done, not a judgement
    ("has anyone turned sheep MSCs into male germ cells in vitro?", {"donor species": ("Sheep",)}, None),
    ("Was a magnetic field ever used to push MSCs toward germ cells?", {"inducer": ("Static magnetic field",)}, None),
    ("male vs female germ-cell inducers", {}, "inducer"),
])
def test_table_questions_in_other_forms(question, conditions, values_field):
    query = parse_table_question(question)
    found = {c.field: c.values for c in query.conditions}
    assert all(found.get(field) == values for field, values in conditions.items()) and query.values_field == values_field


def test_whether_a_treatment_no_table_records_was_done_is_no_table_question():
    assert parse_table_question("have any babies been born after MSC treatment in men with NOA?") is None


def test_a_later_yes_no_clause_counts_the_studies_named_by_what_it_asks(tables):
    query, result = ask(tables, "number of ED (erectile dysfunction) stem cell trials listed? are they all in Jordan?")
    assert {c.field for c in query.conditions} == {"disease"} and query.focus == ("Jordan",)
    assert "by country: Jordan 2 of 4 (others: Korea (2))" in result.summary


def test_lay_words_name_table_values():
    query = parse_table_question("in the registered trials, which cell sources are given from the patient themselves and "
                                 "which from donors?")
    assert query.split == ("transplantation", ("Autotransplant", "Allotransplant")) and query.values_field == "source"
    assert {c.values for c in parse_table_question("Was any azoospermia model made with lead?").conditions} >= {("Lead nitrate",)}


def test_a_value_of_the_column_asked_of_each_row_is_singled_out_not_filtered(tables):
    query, result = ask(tables, "egypt bm-msc azoospermia trials — any completed? status of each?")
    assert query.values_field == "stage" and query.focus == ("Completed",) and result.count == 4


def test_whether_something_was_done_is_asked_after_the_topic_too():
    from reviewqa.tablequery import parse_table_question

    query = parse_table_question("twisted testicle models — were MSCs tested in those? which cells")
    assert query is not None and query.tables == (3,) and query.conditions[0].values == ("Torsion",)


@pytest.mark.parametrize("question, values, negated", [
    ("which chemo drugs besides busulfan were used to make the animal models?",
     [("Busulfan", "Cisplatin", "Doxorubicin"), ("Busulfan",)], [False, True]),  # a kind of value, less one of them
    ("is busulfan one of the drugs used in the animal studies?", [("Busulfan",)], [False]),  # a value with its kind
])
def test_a_word_for_a_kind_of_value_names_its_values(question, values, negated):
    from reviewqa.tablequery import parse_table_question

    conditions = parse_table_question(question).conditions
    assert [c.values for c in conditions] == values and [c.negated for c in conditions] == negated


def test_a_value_both_set_aside_and_asked_for_by_name_is_asked_for():
    from reviewqa.tablequery import parse_table_question

    query = parse_table_question("the abstract says no NOA trial has been finished but table 4 has an azoospermia one "
                                 "marked completed?? which is it")
    assert all(not c.negated for c in query.conditions)


def test_the_review_itself_is_no_study_of_the_tables():
    from reviewqa.tablequery import parse_table_question

    assert parse_table_question("pt with NOA asks what his options are if he can't have his own biological kids, "
                                "what does the paper say?") is None


def test_uterine_problems_are_the_trials_of_the_uterus():
    from reviewqa.tablequery import parse_table_question

    query = parse_table_question("which trials in table 4 are about uterine problems like scars, injury, adhesions?")
    assert set(query.conditions[0].values) >= {"Uterine scar", "Uterus injury", "Intrauterine adhesions"}


def test_lay_names_of_a_source_are_its_value():
    from reviewqa.tablequery import parse_table_question

    query = parse_table_question("stem cells from period blood turned into egg-like cells: what did they use to induce them?")
    assert query is not None and ("Menstrual blood",) in [c.values for c in query.conditions]


def test_values_compared_are_told_side_by_side_by_their_other_columns(tables):
    query, result = ask(tables, "whats the difference between the trials for women and the ones for men in that trial table?")
    assert query.side_by_side and query.focus == ("Female", "Male")
    female, male = result.summary.split(". Female ")[1].split(". Male ")
    assert female.startswith("(15 trials): ") and "country China (7)" in female and "source Umbilical cord (7)" in female
    assert male.startswith("(10 trials): ") and "disease/syndrome Azoospermia (6)" in male and "country Egypt (4)" in male
    assert "Date" not in result.summary and "CT code" not in result.summary


@pytest.mark.parametrize("question", ["how many female vs male trials?", "busulfan vs cisplatin NOA models - how often is each used?",
                                      "Table 3 - which ones are xenotransplant vs allotransplant?"])
def test_values_counted_or_listed_are_not_told_side_by_side(tables, question):
    query, result = ask(tables, question)
    assert len(query.focus) == 2 and not query.side_by_side
    assert "(none)" not in result.summary and "):" not in result.summary.split(";")[-1]


def test_the_female_germ_cell_table_is_table_2(tables):
    query, result = ask(tables, "how many MSC sources appear in the female germ cell table?")
    assert query.tables == (2,) and result.summary.startswith("Table 2 — female germ cells in vitro: 13 rows")


def test_distinct_models_are_kinds_of_model_and_which_is_used_most_orders_them(tables):
    query, result = ask(tables, "how many distinct ways of making the NOA model in table 3")
    assert (query.intent, query.values_field) == ("values", "model") and "5 models: Busulfan (12)" in result.summary
    follow, result = ask(tables, "which one is used most?", query)
    assert follow.order == "most" and "Busulfan has the most rows by modeling (12 of 18)" in result.summary
    assert ask(tables, "how many animal models in table 3")[0].intent == "count"


def test_the_reviews_own_subject_with_words_no_table_records_is_no_table_question():
    assert parse_table_question("what is the iranian registry number of the MSC azoospermia study they mention") is None
    assert parse_table_question("azoospermia trials in Egypt") is not None


@pytest.mark.parametrize("question", [
    "In the in vitro tables, how do the inducers for male germ cells compare with the ones for female (oocyte-like) cells?",
    "for the in vitro stuff, how do the inducers for male germ cells (tab 1) differ from female (tab 2)?"])
def test_a_column_named_before_the_values_compared_is_tallied_per_table(tables, question):
    query, result = ask(tables, question)
    assert (query.values_field, query.split) == ("inducer", ("sex", ("Male", "Female")))
    assert "inducer by table: Table 1" in result.summary and "Table 2 — female germ cells in vitro (13 rows" in result.summary

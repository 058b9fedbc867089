from reviewqa.records import expand_citations
from reviewqa.parse import AUTHOR_SECTION, HISTORY_SECTION, ParseError, parse_abbreviations, parse_review, unmarkdown


def test_sections_found_in_order(review):
    titles = [s.title for s in review.sections]
    for expected in ["Abstract", "Introduction", "Methods › Focused question", "Treatment of NOA", "MSC-therapy of NOA",
                     "AT-MSC collection approaches for treatment of NOA", "In vitro studies on MSC and spermatogenesis",
                     "MSC therapy in animal model of azoospermia", "MSC therapy of azoospermia patients", "Conclusions"]:
        assert expected in titles
    assert titles.index("Introduction") < titles.index("Conclusions")
    assert "References" not in titles and "Publisher's Note" not in titles


def test_boilerplate_is_not_content(review):
    content = [s for s in review.sections if s.title not in (AUTHOR_SECTION, HISTORY_SECTION)]
    text = " ".join(p.text for s in content for p in s.paragraphs)
    assert "Creative Commons" not in text
    assert "Correspondence" not in text and "Department of Urology" not in text
    assert "Received:" not in text  # the journal's dates were once glued to "Competing interests"


def test_author_information_and_dates_are_sections_of_their_own(review):
    authors = " ".join(p.text for s in review.sections if s.title == AUTHOR_SECTION for p in s.paragraphs)
    assert "Rano Zhankina (1), Neda Baghban (2)" in authors and "Reza Shirazi (3)" in authors
    assert "Affiliation 1: Department of Urology and Andrology, Astana Medical University" in authors
    assert "Rano Zhankina and Neda Baghban are co-first authors." in authors
    assert "reza.shirazi@unsw.edu.au" in authors
    history = [p.text for s in review.sections if s.title == HISTORY_SECTION for p in s.paragraphs]
    assert history == ["Received: 22 January 2021 Accepted: 17 March 2021", "Published online: 06 April 2021"]


def test_paragraph_split_by_page_break_is_joined(review):
    intro = next(s for s in review.sections if s.title == "Introduction")
    assert any("the NOA accounts for about 10% of infertility cases" in p.text for p in intro.paragraphs)


def test_paragraph_split_by_a_table_is_joined(review):
    section = next(s for s in review.sections if s.title.startswith("AT-MSC collection"))
    assert "rehabilitation of patients is required following this operation [45]" in section.paragraphs[0].text
    animal = next(s for s in review.sections if s.title == "MSC therapy in animal model of azoospermia")
    assert "MSCs can reduce oxidative stress [139]" in animal.paragraphs[0].text


def test_table_row_counts_and_columns(review):
    counts = {t.number: len(t.rows) for t in review.tables}
    assert counts == {1: 38, 2: 13, 3: 18, 4: 25}
    table3 = review.tables[2]
    assert table3.columns == ("Source", "Transplantation", "Donor species", "Therapeutics", "Recipient species", "Modeling", "References")
    assert all(len(row.cells) == len(t.columns) for t in review.tables for row in t.rows)


def test_table_notes_stay_with_their_table(review):
    table1, table2, table3, table4 = review.tables
    assert table1.notes[0].startswith("Abbreviations: bFGF")
    assert table2.notes == ("Abbreviations: BMP bone morphogenetic protein",)
    assert table3.notes == ()
    assert table4.notes == ("ND no data",)


def test_table_rows_carry_their_references(review):
    table3 = review.tables[2]
    busulfan_rat = next(r for r in table3.rows if r.cell("Source") == "Bone marrow" and r.cell("Modeling") == "Busulfan" and r.cell("Recipient species") == "Rat")
    assert busulfan_rat.refs == (87, 89, 133, 134, 135, 136, 137, 138)
    assert table3.rows[-2].refs == (143, 144, 145)
    assert review.tables[3].rows[0].refs == ()


def test_151_references_numbered_in_order(review):
    assert [r.number for r in review.references] == list(range(1, 152))


def test_references_broken_across_pages_are_whole(review):
    assert review.reference(89).title.endswith("in an azoospermic rat model")
    assert review.reference(89).doi == "10.3390/ijms150813151"
    assert "seminiferous tubules of busulfan-induced azoospermic rats" in review.reference(124).title
    assert review.reference(125).authors.startswith("Meligy FY")


def test_reference_fields(review):
    scadden = review.reference(26)
    assert (scadden.authors, scadden.journal, scadden.year, scadden.doi) == ("Scadden DT", "Nature", 2006, "10.1038/nature04957")
    assert scadden.title == "The stem-cell niche as an entity of action"
    assert review.reference(3).doi is None and review.reference(3).year == 2009


def test_dois_where_the_text_has_them_with_escapes_removed(review):
    assert sum(1 for r in review.references if r.doi) == 105
    assert review.reference(36).doi == "10.1016/S0021-9258(18)51653-7"
    assert review.reference(142).doi == "10.1016/S2095-3119(13)60249-X"
    assert "\\" not in review.reference(95).entry and "*" not in review.reference(95).entry


def test_citation_markers_expand():
    assert expand_citations("as shown [24].") == (24,)
    assert expand_citations("[81–83]") == (81, 82, 83)
    assert expand_citations("[87, 89, 133–138]") == (87, 89, 133, 134, 135, 136, 137, 138)
    assert expand_citations("[143–145] and again [24]") == (143, 144, 145, 24)
    assert expand_citations("[ClinicalTrials.gov](https://x) [†]") == ()


def test_paragraphs_carry_their_citations(review):
    treatment = next(s for s in review.sections if s.title == "Treatment of NOA")
    assert treatment.paragraphs[0].refs == tuple(range(15, 23))


def test_abbreviations_list(review):
    assert review.abbreviations["TESE"] == "Testicular sperm extraction"
    assert review.abbreviations["BM-MSC"] == "Bone marrow-derived mesenchymal stromal/stem cell"
    assert review.abbreviations["ND"] == "no data"
    assert parse_abbreviations("Abbreviations: BMP bone morphogenetic protein") == {"BMP": "bone morphogenetic protein"}


def test_unmarkdown_keeps_doi_parentheses():
    raw = "[https://doi.org/10.1016/S0021-9258\\(18\\)51653-7](https://doi.org/10.1016/S0021-9258(18)51653-7)."
    assert unmarkdown(raw) == "https://doi.org/10.1016/S0021-9258(18)51653-7."


def test_text_without_abstract_heading_is_rejected():
    import pytest

    with pytest.raises(ParseError, match="no 'Abstract' heading"):
        parse_review("just some text\nwith no structure\n", source="notes.txt")


def test_labelled_doi_links_are_written_as_the_other_entries(review):
    for number, doi in ((111, "10.1177/0885328217723179"), (127, "10.1186/s13287-020-01803-7"), (142, "10.1016/S2095-3119(13)60249-X")):
        reference = review.reference(number)
        assert reference.doi == doi
        assert reference.entry.endswith(f". https://doi.org/{doi}.") and "doi:" not in reference.entry.lower()


def test_every_reference_has_a_link_to_check_it(review):
    assert all(reference.url and reference.url.startswith("https://") for reference in review.references)
    assert sum(reference.url.startswith("https://doi.org/") for reference in review.references) == 105


def test_links_in_the_text_keep_their_words_only(review):
    text = " ".join(p.text for s in review.sections for p in s.paragraphs)
    assert "Google Scholar and ClinicalTrials.gov, being focused" in text and "](" not in text

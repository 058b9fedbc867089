"""BibTeX importer: LaTeX, keyless EndNote entries, biblatex field names, crossref, and bounded cost on hostile files."""

from __future__ import annotations

import pytest
from abstracts_support import CORPUS_FIXTURES, MAX_PEAK_BYTES, MAX_SECONDS, macro_bomb, measured, realworld

from reviewqa.abstracts import LimitExceeded, delatex, parse_bibtex
from reviewqa.config import CorpusSettings


def test_decodes_latex_macros_and_nested_braces():
    karimaghani, scadden = parse_bibtex((CORPUS_FIXTURES / "references.bib").read_text(encoding="utf-8"), "references.bib").records
    assert karimaghani.title.startswith("Spermatogenesis after Transplantation of Adipose Tissue-Derived Mesenchymal")
    assert karimaghani.journal == "Iran J Basic Med Sci"  # @string macro
    assert (karimaghani.year, karimaghani.doi) == (2018, None)
    assert "Möller, Jérôme" in karimaghani.authors
    sections = dict(karimaghani.sections)
    assert sections["Objective(s)"] == "Placeholder objective about MSCs & busulfan – invented for a test."
    assert sections["Materials and methods"] == "Hamsters received cells, 4–8 weeks."
    assert scadden.authors == ("Scadden, David T.",)  # "Given Surname" turned round
    assert scadden.doi == "10.1038/nature04957"


@pytest.mark.parametrize(
    ("latex", "plain"),
    [
        (r"M{\"o}ller", "Möller"),
        (r"M\"{o}ller", "Möller"),
        (r"\'{e}tude \`a la", "étude à la"),
        (r"Gon{\c{c}}alves \c c", "Gonçalves ç"),
        (r"Stra{\ss}e \& {\O}sterberg", "Straße & Østerberg"),
        (r"pages 10--20, a---b, 1{\textendash}2", "pages 10–20, a—b, 1–2"),
        (r"\emph{In vitro} {TGF}-$\beta$ 50\%", "In vitro TGF-β 50%"),
        (r"200\,{\mbox{$\mu$}}{J} and 0.2\,mm$^2$", "200 μJ and 0.2 mm²"),  # \, is a thin space, not a comma
        (r"space\;semi, space\:colon, space\quad quad", "space semi, space colon, space quad"),
        (r"pre\-{C}olumbian", "preColumbian"),  # \- is a discretionary hyphen, not "--"
        (r"$-$50\,d{B} at 37$^{\circ}$C, costs \$5", "-50 dB at 37°C, costs $5"),
    ],
)
def test_delatex(latex, plain):
    assert delatex(latex) == plain


def test_endnote_entry_without_citation_key_keeps_its_fields():
    path = realworld("bibtex/bbt_endnote_should_parse.bib")
    (record,) = parse_bibtex(path.read_text(encoding="utf-8"), path.name).records
    assert (record.journal, record.year, record.authors) == ("Cell", 2012, ("Huang, Y.", "Mucke, L."))
    assert record.text.startswith("There are still no effective treatments to prevent, halt, or reverse Alzheimer's disease")


def test_biblatex_annotation_field_does_not_stop_the_entry():
    text = "@article{k, author = {Doe, Jane}, author+an = {1=highlight}, title = {Fields after an annotation}, year = 2001,\n abstract = {Kept.}}"
    (record,) = parse_bibtex(text, "x.bib").records
    assert (record.title, record.year, record.text, record.authors) == ("Fields after an annotation", 2001, "Kept.", ("Doe, Jane",))


def test_crossref_children_inherit_from_their_parent_but_not_its_abstract():
    text = (
        "@incollection{chapter, title = {A chapter}, crossref = {book}}\n"
        "@book{book, title = {The Book}, year = 1999, doi = {10.1/book}, abstract = {About the whole book.}}\n"
    )
    chapter, book = parse_bibtex(text, "x.bib").records
    assert (chapter.title, chapter.journal, chapter.year, chapter.doi, chapter.sections) == ("A chapter", "The Book", 1999, "10.1/book", ())
    assert book.text == "About the whole book."


def test_string_concatenation_of_macros_is_resolved():
    path = realworld("bibtex/bibtexparser_article_with_strings.bib")
    (record,) = parse_bibtex(path.read_text(encoding="utf-8"), path.name).records
    assert record.authors == ("César, Jean",)  # jean # " " # cesar


def test_a_broken_entry_is_left_out_by_line_and_the_next_one_read():
    text = "@article{broken, title = {Never closed\n\n@article{fine, title = {Read anyway}, abstract = {Yes.}}\n"
    parsed = parse_bibtex(text, "x.bib")
    assert [record.title for record in parsed.records] == ["Read anyway"]
    assert parsed.left_out == ["@article entry at line 1 is not valid BibTeX (unbalanced braces)"]


# ---------------------------------------------------------------- limits (issue 12)


def test_macro_expansion_bomb_is_refused_quickly_and_in_little_memory():
    text = macro_bomb()
    assert len(text) < 1024
    error, seconds, peak = measured(lambda: parse_bibtex(text, "bomb.bib"))
    assert isinstance(error, LimitExceeded)
    assert str(error) == "an @string macro expands to more than 100,000 characters (corpus.max_macro_chars)"
    assert seconds < MAX_SECONDS and peak < MAX_PEAK_BYTES


def test_macros_within_the_limit_expand():
    (record,) = parse_bibtex(macro_bomb(doublings=5), "x.bib").records
    assert record.text == "x" * 32 * 2**5


def test_long_value_parses_in_linear_time():
    value = "word {x} \\'e " * 5000  # 60 KB in one field: 15.5 s before
    text = "@article{k, title = {A long abstract}, abstract = {" + value + "}}"
    parsed, seconds, _ = measured(lambda: parse_bibtex(text, "x.bib"))
    assert len(parsed.records[0].text) == len(delatex(value)) and seconds < MAX_SECONDS


def test_entry_with_80000_fields_is_skipped_by_name_quickly():
    text = "@article{many, " + ",".join(f"f{i} = {{v}}" for i in range(80_000)) + "}\n@article{next, title = {After}}"
    parsed, seconds, _ = measured(lambda: parse_bibtex(text, "x.bib"))
    assert parsed.left_out == ["entry 'many' is larger than the 1,000,000-character limit for one record (corpus.max_record_chars)"]
    assert [record.title for record in parsed.records] == ["After"]
    assert seconds < MAX_SECONDS


def test_entry_over_the_record_limit_through_macros_is_skipped_by_title():
    text = '@string{big = "' + "y" * 90_000 + '"}\n@article{k, title = {Repeated macro}, abstract = ' + " # ".join(["big"] * 20) + "}"
    parsed = parse_bibtex(text, "x.bib", CorpusSettings(max_record_chars=1_000_000))
    assert parsed.records == []
    assert parsed.left_out == ["entry 'Repeated macro' is larger than the 1,000,000-character limit for one record (corpus.max_record_chars)"]

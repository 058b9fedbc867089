"""Linking records to the review's references: identifiers, titles that say enough, copies of one work, and speed."""

from __future__ import annotations

import dataclasses
import random
import time
from difflib import SequenceMatcher

import pytest
from abstracts_support import CORPUS_FIXTURES, realworld

from reviewqa.abstracts import AbstractRecord, link_abstracts, load_abstracts, normalise_title, parse_data
from reviewqa.config import CorpusSettings


@pytest.fixture(scope="module")
def references(review):
    return review.references


def record(title: str, *, authors=("Karimaghani, N",), year=2018, doi=None, pmid=None, text="Placeholder.") -> AbstractRecord:
    return AbstractRecord(title, tuple(authors), "", year, doi, pmid, None, (("", text),), "made-up")


def test_link_fixture_corpus(references):
    report = link_abstracts(load_abstracts(CORPUS_FIXTURES).records, references)
    by_title = {link.record.title[:20]: link for link in report.links}
    assert {link.reference: link.reason for link in report.links} == {140: "doi", None: "none", 126: "doi", 26: "doi", 121: "title", 132: "doi"}
    assert (by_title["Spermatogenesis afte"].reference, by_title["Spermatogenesis afte"].score) == (121, 1.0)
    assert report.covered == (26, 121, 126, 132, 140)
    assert [r.title for r in report.unmatched] == ["Dietary fibre intake and commuting habits in urban cyclists"]
    # Scadden is in the PubMed XML and the BibTeX file, same DOI: the longer abstract is kept.
    (duplicate,) = report.duplicates
    assert (duplicate.reference, duplicate.kept.source, duplicate.dropped.source) == (26, "pubmed_hsiao_scadden.xml", "references.bib")
    assert report.summary().startswith("5 of 151 references have an abstract; 1 abstract(s) match no reference")


# A reworded title of reference 121 (ratio between the two thresholds).
REWORDED_121 = "Spermatogenesis following transplant of adipose-derived mesenchymal stem cells in busulfan azoospermic hamsters"


def test_reworded_title_needs_first_author_and_year(references):
    reference_121 = next(r for r in references if r.number == 121)
    assert 0.8 <= SequenceMatcher(None, normalise_title(REWORDED_121), normalise_title(reference_121.title)).ratio() < 0.9
    (link,) = link_abstracts([record(REWORDED_121)], references).links
    assert (link.reference, link.reason) == (121, "title") and 0.8 <= link.score < 0.9
    for wrong in (record(REWORDED_121, year=2017), record(REWORDED_121, authors=("Tamadon, A",)), record(REWORDED_121, authors=())):
        (link,) = link_abstracts([wrong], references).links
        assert (link.reference, link.reason, link.score) == (None, "none", 0.0)


def test_title_match_ignores_markup_case_and_latex(references):
    (link,) = link_abstracts([record(r"The <i>STEM-CELL</i> niche as an {E}ntity of action.", authors=(), year=None)], references).links
    assert (link.reference, link.reason) == (26, "title")


def test_identifiers_link_first(references):
    fetched = record("Title as PubMed spells it, unlike the review", pmid="90000121")
    by_pmid, by_doi = link_abstracts(
        [fetched, record("Anything at all", doi="https://doi.org/10.1186/S13287-014-0251-1.")], references, pmids={121: "90000121"}
    ).links
    assert (by_pmid.reference, by_pmid.reason, by_pmid.score) == (121, "pmid", 1.0)
    assert (by_doi.reference, by_doi.reason) == (140, "doi")


def test_untitled_and_non_latin_records_stay_uncited(references):
    assert next(r for r in references if r.number == 23).title == ""  # the review's own entry 23 has no parsed title
    cyrillic = parse_data(realworld("ris/rispy_example_utf_chars.ris").read_bytes(), "utf.ris", CorpusSettings()).records
    untitled = parse_data(realworld("ris/rispy_example_multiline.ris").read_bytes(), "multi.ris", CorpusSettings()).records
    short = [record("Editorial", authors=(), year=None), record("", authors=(), year=None), record("Review of", year=None)]
    report = link_abstracts(cyrillic + untitled + short, references)
    assert [(link.reference, link.reason, link.score) for link in report.links] == [(None, "none", 0.0)] * 7
    assert report.duplicates == ()  # three untitled copies of one text are not merged: nothing says they are one work


def test_copies_need_an_identifier_or_title_year_and_first_author(references):
    work = record("A study that the review does not cite at all", authors=("Smith, J",), year=2010, text="Short.")
    same_doi = dataclasses.replace(work, doi="10.5555/same", sections=(("", "Longer abstract text."),))
    other_author = dataclasses.replace(work, authors=("Jones, K",))
    copy = dataclasses.replace(work, sections=(("", "The longest abstract of the three."),))
    report = link_abstracts([work, dataclasses.replace(same_doi, title="Renamed"), same_doi, other_author, copy], references)
    assert [link.record.authors for link in report.links] == [("Smith, J",), ("Smith, J",), ("Jones, K",)]
    assert len(report.duplicates) == 2
    assert report.links[0].record.text == "The longest abstract of the three."


def test_two_different_records_for_one_reference_are_reported(references):
    article = record("Evaluation of mesenchymal stem cells in treatment of infertility in male rats", doi="10.1186/s13287-014-0251-1")
    erratum = dataclasses.replace(article, title="Correction to: Evaluation of MSCs in infertile male rats", doi=None, pmid="1")
    report = link_abstracts([article, dataclasses.replace(erratum, doi="10.1186/s13287-014-0251-1")], references)
    assert list(report.matched_twice) == [] and len(report.duplicates) == 1  # same DOI: one work
    report = link_abstracts([article, dataclasses.replace(erratum, title=article.title + " (erratum)", year=2015)], references)
    assert list(report.matched_twice) == [140] and report.duplicates == ()


def test_linking_100000_records_takes_seconds(references):
    vocabulary = ("mesenchymal stem cells spermatogenesis azoospermia testis rat mouse busulfan transplantation exosomes therapy "
                  "germ sertoli injury model human bone marrow adipose derived umbilical cord").split()  # fmt: skip
    chance = random.Random(7)
    records = [
        record(" ".join(chance.choice(vocabulary) for _ in range(chance.randint(6, 14))), authors=(f"Author{n}, A",), year=2000 + n % 20)
        for n in range(100_000)
    ]
    cited = [r for r in references if len(normalise_title(r.title).split()) >= 3][:40]
    records += [record(r.title, authors=(f"{r.first_author}, X",), year=r.year) for r in cited]
    started = time.perf_counter()
    report = link_abstracts(records, references)
    assert time.perf_counter() - started < 20  # 109 s before; about 2 s on one core of the development machine
    assert report.covered == tuple(sorted(r.number for r in cited))

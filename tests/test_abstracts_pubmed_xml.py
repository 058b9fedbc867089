"""PubMed and PMC XML importer: articles, Bookshelf records, JATS, MathML rendered as text, safe parsing."""

from __future__ import annotations

import re

import pytest
from abstracts_support import CORPUS_FIXTURES, MAX_SECONDS, measured, realworld

from reviewqa.abstracts import AbstractFormatError, parse_pubmed_xml


def parsed_file(relative: str):
    path = realworld(relative)
    return parse_pubmed_xml(path.read_bytes(), path.name).records


def test_keeps_structured_abstract_and_ids():
    hsiao, scadden = parse_pubmed_xml((CORPUS_FIXTURES / "pubmed_hsiao_scadden.xml").read_bytes(), "set.xml").records
    assert hsiao.title == "Local injection of mesenchymal stem cells protects testicular torsion-induced germ cell injury"
    assert [label for label, _ in hsiao.sections] == ["Background", "Methods", "Results", "Conclusions"]
    assert (hsiao.doi, hsiao.pmid, hsiao.pmcid, hsiao.year) == ("10.1186/s13287-015-0079-0", "90000126", "PMC9000126", 2015)
    assert hsiao.authors == ("Hsiao, Chia-Hsin", "Ji, Andrea Tung-Qian")
    # DOI from ELocationID (lowercased), year from a MedlineDate, unlabelled abstract.
    assert (scadden.doi, scadden.year, scadden.sections[0][0]) == ("10.1038/nature04957", 2006, "")


def test_book_only_file_is_read():
    (book,) = parsed_file("pubmed-xml/jabref_MedlineImporterTestPubmedBook.xml")
    assert book.title == "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults"
    assert book.authors == ("National Collaborating Centre for Chronic Conditions (UK)", "Williams, Darlisha A")
    assert (book.pmid, book.year, book.text) == ("21413195", 2009, "just a dummy.")


def test_book_among_articles_is_not_dropped():
    article, book = parsed_file("pubmed-xml/jabref_MedlineImporterTestNbib.xml")
    assert (article.pmid, book.pmid) == ("23633646", "21413195")
    assert book.sections == (("", "just a dummy."),)  # the UNLABELLED label means no label


def test_book_chapter_takes_the_book_title_as_journal():
    chapter, bare = parsed_file("pubmed-xml/jabref_MedlineImporterTestBookArticleSet.xml")
    assert (chapter.title, chapter.journal, chapter.doi) == (
        "Title for some article",
        "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults",
        "10.3275/8949",
    )
    assert (bare.title, bare.pmid) == ("", "21413195")


def test_pmc_jats_article_set_is_recognised():
    (article,) = parsed_file("pubmed-xml/biopython_efetch_pmc.xml")
    assert article.title.startswith("“Lung diffusing capacity for nitric oxide measured by two commercial devices")
    assert (article.journal, article.year, article.pmcid) == ("ERJ Open Research", 2021, "PMC8435807")


def test_jats_abstract_sections_become_labels():
    xml = b"""<article><front><article-meta><title-group><article-title>T</article-title></title-group>
      <abstract><sec><title>Background</title><p>Why.</p></sec><sec><title>Results</title><p>What.</p></sec></abstract>
      <abstract abstract-type="graphical"><p>A picture.</p></abstract></article-meta></front></article>"""
    (record,) = parse_pubmed_xml(xml, "x.xml").records
    assert record.sections == (("Background", "Why."), ("Results", "What."))


@pytest.mark.parametrize(
    ("relative", "rendered", "soup"),
    [
        ("pubmed-xml/biopython_pubmed6.xml", ["maximal oxygen uptake ( V̇O2max ) 67.6 ± 4.1 ml·kg⁻¹·min⁻¹"], "V . O 2 m a x"),
        ("pubmed-xml/biopython_pubmed7.xml", ["(1) inhaled ³He/¹²⁹Xe MRI ventilation"], "He 3 / Xe 129"),
        (
            "pubmed-xml/jabref_MedlineImporterTestMathML.xml",
            ["MathML elements: ηp² ", "(a,b,c)(abc)|a,b,c> ∑i=1n(ai) ∫ab(5x+2sin(x))dx (a+1)/b y=³√(x²)", "v⃗=(v₁,v₂,v₃)"],
            "η p 2",
        ),
    ],
)
def test_mathml_reads_as_text(relative, rendered, soup):
    (record,) = parsed_file(relative)
    assert all(fragment in record.text for fragment in rendered) and soup not in record.text


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><PubmedArticleSet>&a;</PubmedArticleSet>', "entity declarations"),
        (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><PubmedArticleSet>&e;</PubmedArticleSet>', "entity declarations"),
        (b"<PubmedArticleSet><PubmedArticle>", "not well-formed XML"),
        (b"<html><body>Not found</body></html>", "neither PubMed nor PMC EFetch output (root element <html>)"),
    ],
)
def test_refuses_what_is_not_safe_ncbi_xml(xml, message):
    with pytest.raises(AbstractFormatError, match=re.escape(message)):
        parse_pubmed_xml(xml, "evil.xml")


def test_deeply_nested_markup_neither_overflows_nor_crawls():
    depth = 100_000
    xml = (
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>Deep</ArticleTitle>"
        b"<Abstract><AbstractText>" + b"<i>" * depth + b"core" + b"</i>" * depth + b"</AbstractText></Abstract>"
        b"</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    parsed, seconds, _ = measured(lambda: parse_pubmed_xml(xml, "deep.xml"))
    assert parsed.records[0].text == "core" and seconds < MAX_SECONDS

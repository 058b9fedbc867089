"""PDF importer: titles from metadata only when trustworthy, abstracts that end at the next heading, pypdf kept quiet."""

from __future__ import annotations

import pytest
from abstracts_support import SHERIF_PDF_LINES, encrypted, make_pdf, realworld

from reviewqa.abstracts import AbstractFormatError, parse_pdf


def only_record(data: bytes):
    (record,) = parse_pdf(data, "x.pdf").records
    return record


def test_title_from_largest_font_and_abstract_between_headings():
    record = only_record(make_pdf(SHERIF_PDF_LINES))
    assert record.title == "The role of mesenchymal stem cells in chemotherapy-induced gonadotoxicity"
    assert record.sections == (
        ("Background", "Placeholder background written for a test."),
        ("Methods", "Placeholder methods."),
        ("Conclusions", "Placeholder conclusions."),
    )
    assert record.doi == "10.1186/s13287-018-0946-6"


@pytest.mark.parametrize(
    ("metadata_title", "title"),
    [
        ("The role of mesenchymal stem cells in chemotherapy-induced gonadotoxicity", None),  # printed on the page: trusted
        ("Microsoft Word - draft7.docx", "The role of mesenchymal stem cells in chemotherapy-induced gonadotoxicity"),
        ("ipg1300180a", "The role of mesenchymal stem cells in chemotherapy-induced gonadotoxicity"),
        ("Chemotherapy and MSCs: a metadata title", "The role of mesenchymal stem cells in chemotherapy-induced gonadotoxicity"),
    ],
)
def test_metadata_title_only_when_it_reads_as_words_printed_on_the_page(metadata_title, title):
    record = only_record(make_pdf(SHERIF_PDF_LINES, info_title=metadata_title))
    assert record.title == (title or metadata_title)


def test_masthead_links_and_article_type_labels_are_not_titles():
    lines = [(26, "Clinical Science www.clinsci.org"), (18, "Research Article"), (18, "A title under an article-type label"),
             (30, "123"), (12, "Abstract"), (10, "Text of the abstract."), (10, "Keywords: none")]
    assert only_record(make_pdf(lines)).title == "A title under an article-type label"


@pytest.mark.parametrize(
    ("relative", "starts", "ends"),
    [
        ("pdf/cermine_test6.pdf", "Background. Large-scale molecular", "may be found at the following website: http://www.mol-evol.org/VESPA."),
        ("pdf/cermine_test2.pdf", "Objectives. Patient experiences", "patients’ conﬁdence in disease self-management."),  # no "Abstract" heading
        ("pdf/jabref_Ralph2020.pdf", "Context As a novel coronavirus", "Women, parents and disabled persons may require extra support."),
    ],
)
def test_abstract_ends_at_the_next_heading(relative, starts, ends):
    path = realworld(relative)
    record = only_record(path.read_bytes())
    assert record.text.startswith(starts) and record.text.endswith(ends)
    assert "Subjects" not in record.text and "Communicated by" not in record.text  # PeerJ's box; Springer's first-page notes


def test_pypdf_warnings_are_captured_not_printed(capfd):
    path = realworld("pdf/cermine_example2.pdf")
    parsed = parse_pdf(path.read_bytes(), path.name)
    assert parsed.warnings and all("fontTools" in warning for warning in parsed.warnings)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R\n%%EOF", "unreadable PDF"),
        (encrypted(make_pdf(SHERIF_PDF_LINES)), "encrypted PDF"),
        (make_pdf([]), "PDF has no extractable text"),
        (make_pdf([(12, "Just a title page"), (10, "with no abstract at all")]), "no 'Abstract' heading"),
    ],
)
def test_unusable_pdfs_are_refused_with_a_reason(data, message):
    with pytest.raises(AbstractFormatError, match=message):
        parse_pdf(data, "x.pdf")

"""Importers, folder loading and linking of the cited works' abstracts."""

from __future__ import annotations

import dataclasses
import io
import shutil
from difflib import SequenceMatcher
from pathlib import Path

import pypdf
import pytest

from reviewqa.abstracts import (
    AbstractFormatError,
    AbstractRecord,
    delatex,
    link_abstracts,
    load_abstracts,
    normalise_title,
    parse_bibtex,
    parse_medline,
    parse_pdf,
    parse_pubmed_xml,
    parse_ris,
    split_labelled,
)
from reviewqa.parse import read_review

TESTS = Path(__file__).parent
CORPUS_FIXTURES = TESTS / "fixtures" / "abstracts" / "corpus"
REVIEW = TESTS.parent / "corpus" / "review" / "zhankina-2021-msc-azoospermia-review.txt"
SEED_REVIEW = Path("/work/shared/seed/000_b995a0029ceaf388.txt")


@pytest.fixture(scope="module")
def references():
    return read_review(REVIEW if REVIEW.exists() else SEED_REVIEW).references


def fixture_text(name: str) -> str:
    return (CORPUS_FIXTURES / name).read_text(encoding="utf-8")


def make_pdf(lines: list[tuple[float, str]], info_title: str | None = None) -> bytes:
    """A one-page PDF showing Helvetica text lines [(font size, text)], with correct xref offsets."""
    y, commands = 740, []
    for size, text in lines:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        commands.append(f"BT /F1 {size} Tf 1 0 0 1 72 {y} Tm ({escaped}) Tj ET")
        y -= size + 6
    content = "\n".join(commands)
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream",
    ]
    if info_title is not None:
        objects.append(f"<< /Title ({info_title}) >>")
    pdf = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref_at = len(pdf)
    pdf += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    pdf += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    info = f" /Info {len(objects)} 0 R" if info_title is not None else ""
    pdf += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return pdf


SHERIF_PDF_LINES = [
    (9, "Sherif et al. Stem Cell Research & Therapy (2018) 9:196"),
    (18, "The role of mesenchymal stem cells in"),
    (18, "chemotherapy-induced gonadotoxicity"),
    (10, "Iman O. Sherif, Dina Sabry"),
    (12, "Abstract"),
    (10, "Background: Placeholder background written for a test."),
    (10, "Methods: Placeholder methods."),
    (10, "Conclusions: Placeholder conclusions."),
    (10, "Keywords: Mesenchymal stem cells, Testis"),
    (12, "Background"),
    (10, "Body text that is not part of the abstract. https://doi.org/10.1186/s13287-018-0946-6"),
]


def encrypted(pdf: bytes) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------- importers


def test_pubmed_xml_keeps_structured_abstract_and_ids():
    hsiao, scadden = parse_pubmed_xml((CORPUS_FIXTURES / "pubmed_hsiao_scadden.xml").read_bytes(), "set.xml")
    assert hsiao.title == "Local injection of mesenchymal stem cells protects testicular torsion-induced germ cell injury"
    assert [label for label, _ in hsiao.sections] == ["Background", "Methods", "Results", "Conclusions"]
    assert hsiao.text.startswith("Background: Placeholder background: testicular torsion harms germ cells in")
    assert (hsiao.doi, hsiao.pmid, hsiao.pmcid, hsiao.year) == ("10.1186/s13287-015-0079-0", "90000126", "PMC9000126", 2015)
    assert hsiao.authors == ("Hsiao, Chia-Hsin", "Ji, Andrea Tung-Qian")
    assert hsiao.journal == "Stem cell research & therapy"
    # DOI from ELocationID (lowercased), year from a MedlineDate, unlabelled abstract.
    assert (scadden.doi, scadden.year, scadden.sections[0][0]) == ("10.1038/nature04957", 2006, "")


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><PubmedArticleSet>&a;</PubmedArticleSet>',
        b"<!DOCTYPE PubmedArticleSet [<!ELEMENT PubmedArticleSet ANY>]><PubmedArticleSet/>",
    ],
)
def test_pubmed_xml_refuses_inline_dtd(xml):
    with pytest.raises(AbstractFormatError, match="inline DTD"):
        parse_pubmed_xml(xml, "evil.xml")


def test_medline_joins_continuation_lines_and_picks_the_doi():
    (sherif,) = parse_medline(fixture_text("sherif_2018.nbib"), "sherif.nbib")
    assert sherif.title == "The role of mesenchymal stem cells in chemotherapy-induced gonadotoxicity"
    assert sherif.doi == "10.1186/s13287-018-0946-6"  # the [doi] LID, not the [pii] one
    assert (sherif.pmid, sherif.pmcid, sherif.year, sherif.journal) == (
        "90000132",
        "PMC9000132",
        2018,
        "Stem cell research & therapy",
    )
    assert sherif.authors == ("Sherif, Iman O", "Sabry, Dina")
    assert dict(sherif.sections)["Background"].endswith("written for a test fixture.")
    assert [label for label, _ in sherif.sections] == ["Background", "Methods", "Results", "Conclusion"]


def test_medline_without_full_names_uses_au():
    (record,) = parse_medline("PMID- 1\nTI  - A title\nAU  - van der Berg AB\nAB  - Text.\n", "x.nbib")
    assert record.authors == ("van der Berg, AB",)


def test_ris_reads_zotero_style_entries():
    hassan, uncited, without_abstract = parse_ris(fixture_text("library.ris"), "library.ris")
    assert hassan.title == "Evaluation of mesenchymal stem cells in treatment of infertility in male rats"
    assert hassan.doi == "10.1186/s13287-014-0251-1"  # resolver prefix removed
    assert (hassan.year, hassan.journal, hassan.authors[0]) == (2014, "Stem Cell Research & Therapy", "Hassan, Amal I.")
    assert [label for label, _ in hassan.sections] == ["Background", "Methods", "Results", "Conclusions"]
    assert uncited.doi == "10.5555/invented.2019.001"
    assert without_abstract.sections == ()


def test_bibtex_decodes_latex_and_nested_braces():
    karimaghani, scadden = parse_bibtex(fixture_text("references.bib"), "references.bib")
    assert karimaghani.title.startswith("Spermatogenesis after Transplantation of Adipose Tissue-Derived Mesenchymal")
    assert karimaghani.journal == "Iran J Basic Med Sci"  # @string macro
    assert (karimaghani.year, karimaghani.doi) == (2018, None)
    assert "Möller, Jérôme" in karimaghani.authors
    sections = dict(karimaghani.sections)
    assert sections["Objective(s)"] == "Placeholder objective about MSCs & busulfan – invented for a test."
    assert sections["Materials and methods"] == "Hamsters received cells, 4–8 weeks."
    assert sections["Results"] == "Placeholder étude results."
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
    ],
)
def test_delatex(latex, plain):
    assert delatex(latex) == plain


def test_split_labelled_keeps_an_unlabelled_abstract_whole():
    assert split_labelled("One sentence. Another one, with results: none.") == (
        ("", "One sentence. Another one, with results: none."),
    )


def test_pdf_title_from_largest_font_and_abstract_between_headings():
    (record,) = parse_pdf(make_pdf(SHERIF_PDF_LINES), "sherif.pdf")
    assert record.title == "The role of mesenchymal stem cells in chemotherapy-induced gonadotoxicity"
    assert record.sections == (
        ("Background", "Placeholder background written for a test."),
        ("Methods", "Placeholder methods."),
        ("Conclusions", "Placeholder conclusions."),
    )
    assert record.doi == "10.1186/s13287-018-0946-6"


def test_pdf_prefers_a_real_metadata_title():
    (record,) = parse_pdf(make_pdf(SHERIF_PDF_LINES, info_title="Chemotherapy and MSCs: a metadata title"), "x.pdf")
    assert record.title == "Chemotherapy and MSCs: a metadata title"
    (record,) = parse_pdf(make_pdf(SHERIF_PDF_LINES, info_title="Microsoft Word - draft7.docx"), "x.pdf")
    assert record.title.startswith("The role of mesenchymal")


# ---------------------------------------------------------------- the folder


def test_load_abstracts_reports_files_it_cannot_use(tmp_path):
    shutil.copytree(CORPUS_FIXTURES, tmp_path, dirs_exist_ok=True)
    valid_pdf = make_pdf(SHERIF_PDF_LINES)
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "sherif.pdf").write_bytes(valid_pdf)
    (tmp_path / "pdfs" / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R\n%%EOF")
    (tmp_path / "pdfs" / "locked.pdf").write_bytes(encrypted(valid_pdf))
    (tmp_path / "pdfs" / "scanned.pdf").write_bytes(make_pdf([]))
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "empty.ris").write_text("  \n")
    (tmp_path / "latin1.ris").write_bytes("TY  - JOUR\nTI  - Caf\xe9\nER  - \n".encode("latin-1"))
    (tmp_path / "prose.txt").write_text("Just some notes, no MEDLINE tags.\n")
    (tmp_path / "pubmed_export.txt").write_text("PMID- 1\nTI  - An uncited work\nAB  - Placeholder.\n")
    cache = tmp_path / "pubmed-cache"
    cache.mkdir()
    shutil.copy(TESTS / "fixtures" / "abstracts" / "efetch" / "90000121.xml", cache / "ref-121.xml")
    (cache / "fetch-manifest.json").write_text('{"tool": "reviewqa fetch-abstracts", "references": {}}')

    records, skipped = load_abstracts(tmp_path)

    reasons = {path.relative_to(tmp_path).as_posix(): reason for path, reason in ((s.path, s.reason) for s in skipped)}
    assert reasons["pdfs/corrupt.pdf"].startswith("unreadable PDF")
    assert reasons["pdfs/locked.pdf"].startswith("encrypted PDF")
    assert reasons["pdfs/scanned.pdf"].startswith("PDF has no extractable text")
    assert reasons["notes.docx"] == "unknown format '.docx'"
    assert reasons["empty.ris"] == "empty file"
    assert reasons["latin1.ris"] == "not UTF-8 text"
    assert reasons["prose.txt"].startswith("text file without MEDLINE tags")
    assert reasons["library.ris"] == "entry 'An entry exported without an abstract' has no abstract"
    assert "pubmed-cache/fetch-manifest.json" not in reasons
    sources = sorted({r.source for r in records})
    assert sources == [
        "library.ris", "pdfs/sherif.pdf", "pubmed-cache/ref-121.xml",
        "pubmed_export.txt", "pubmed_hsiao_scadden.xml", "references.bib", "sherif_2018.nbib",
    ]  # fmt: skip


def test_load_abstracts_of_a_missing_folder_is_empty(tmp_path):
    assert load_abstracts(tmp_path / "absent") == ([], [])


# ---------------------------------------------------------------- linking


def test_link_fixture_corpus(references):
    records, _ = load_abstracts(CORPUS_FIXTURES)
    report = link_abstracts(records, references)

    by_source_title = {(link.record.source, link.record.title[:20]): link for link in report.links}
    reasons = {link.reference: link.reason for link in report.links}
    assert reasons == {140: "doi", None: "none", 126: "doi", 26: "doi", 121: "title", 132: "doi"}
    karimaghani = by_source_title[("references.bib", "Spermatogenesis afte")]
    assert karimaghani.reference == 121 and karimaghani.score == 1.0
    assert report.covered == (26, 121, 126, 132, 140)
    assert [r.title for r in report.unmatched] == ["Dietary fibre intake and commuting habits in urban cyclists"]
    assert report.matched_twice == {}
    # Scadden is in the PubMed XML and the BibTeX file: the longer abstract is kept.
    (duplicate,) = report.duplicates
    assert (duplicate.reference, duplicate.kept.source, duplicate.dropped.source) == (
        26,
        "pubmed_hsiao_scadden.xml",
        "references.bib",
    )
    assert report.summary().startswith("5 of 151 references have an abstract; 1 abstract(s) match no reference")


def record(title: str, *, authors=("Karimaghani, N",), year=2018, doi=None, pmid=None, text="Placeholder.") -> AbstractRecord:
    return AbstractRecord(title, tuple(authors), "", year, doi, pmid, None, (("", text),), "made-up")


# A reworded title of reference 121 (ratio between the two thresholds).
REWORDED_121 = "Spermatogenesis following transplant of adipose-derived mesenchymal stem cells in busulfan azoospermic hamsters"


def test_reworded_title_needs_first_author_and_year(references):
    reference_121 = next(r for r in references if r.number == 121)
    ratio = SequenceMatcher(None, normalise_title(REWORDED_121), normalise_title(reference_121.title)).ratio()
    assert 0.8 <= ratio < 0.9
    (link,) = link_abstracts([record(REWORDED_121)], references).links
    assert (link.reference, link.reason) == (121, "title")
    assert 0.8 <= link.score < 0.9
    for wrong in (
        record(REWORDED_121, year=2017),
        record(REWORDED_121, authors=("Tamadon, A",)),
        record(REWORDED_121, authors=()),
    ):
        (link,) = link_abstracts([wrong], references).links
        assert (link.reference, link.reason, link.score) == (None, "none", 0.0)


def test_title_match_ignores_markup_case_and_latex(references):
    title = r"The <i>STEM-CELL</i> niche as an {E}ntity of action."
    (link,) = link_abstracts([record(title, authors=(), year=None)], references).links
    assert (link.reference, link.reason) == (26, "title")


def test_pmid_links_through_the_fetch_manifest(references):
    fetched = record("Title as PubMed spells it, unlike the review", pmid="90000121")
    (link,) = link_abstracts([fetched], references, pmids={121: "90000121"}).links
    assert (link.reference, link.reason, link.score) == (121, "pmid", 1.0)


def test_doi_match_is_case_and_prefix_insensitive(references):
    (link,) = link_abstracts([record("Anything", doi="https://doi.org/10.1186/S13287-014-0251-1.")], references).links
    assert (link.reference, link.reason) == (140, "doi")


def test_two_different_records_for_one_reference_are_reported(references):
    article = record(
        "Evaluation of mesenchymal stem cells in treatment of infertility in male rats", doi="10.1186/s13287-014-0251-1"
    )
    erratum = dataclasses.replace(article, title="Correction to: Evaluation of MSCs in infertile male rats")
    report = link_abstracts([article, erratum], references)
    assert list(report.matched_twice) == [140]
    assert report.duplicates == ()
    assert report.covered == (140,)

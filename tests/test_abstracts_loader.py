"""The abstracts folder: format told by content, files and entries reported apart, limits, encodings."""

from __future__ import annotations

import shutil

import pytest
from abstracts_support import CORPUS_FIXTURES, EFETCH_FIXTURES, SHERIF_PDF_LINES, encrypted, macro_bomb, make_pdf, measured, realworld

from reviewqa.abstracts import AbstractFormatError, load_abstracts, parse_data
from reviewqa.abstracts.loader import decode
from reviewqa.config import CorpusSettings


def reasons(skips) -> dict[str, str]:
    return {skip.name: skip.reason for skip in skips}


def test_reports_unusable_files_and_entries_separately(tmp_path):
    shutil.copytree(CORPUS_FIXTURES, tmp_path, dirs_exist_ok=True)
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "sherif.pdf").write_bytes(make_pdf(SHERIF_PDF_LINES))
    (tmp_path / "pdfs" / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R\n%%EOF")
    (tmp_path / "pdfs" / "locked.pdf").write_bytes(encrypted(make_pdf(SHERIF_PDF_LINES)))
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb2\x85")
    (tmp_path / "empty.ris").write_text("  \n")
    (tmp_path / "latin1.ris").write_bytes("TY  - JOUR\nTI  - Caf\xe9\nER  - \n".encode("latin-1"))
    (tmp_path / "prose.txt").write_text("Just some notes, no tags.\n")
    (tmp_path / "pubmed_export.txt").write_text("PMID- 1\nTI  - An uncited work\nAB  - Placeholder.\n")
    (tmp_path / "bomb.bib").write_text(macro_bomb())
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00")
    cache = tmp_path / "pubmed-cache"
    cache.mkdir()
    shutil.copy(EFETCH_FIXTURES / "90000121.xml", cache / "ref-121.xml")
    (cache / "fetch-manifest.json").write_text('{"tool": "reviewqa fetch-abstracts", "references": {}}')

    report = load_abstracts(tmp_path)

    skipped = reasons(report.skipped_files)
    assert skipped.pop("pdfs/corrupt.pdf").startswith("unreadable PDF")
    assert skipped == {
        ".DS_Store": "hidden",
        "bomb.bib": "an @string macro expands to more than 100,000 characters (corpus.max_macro_chars)",
        "empty.ris": "empty file",
        "latin1.ris": "not UTF-8 text (byte 20); save it as UTF-8",
        "notes.docx": "unknown format '.docx'",
        "pdfs/locked.pdf": "encrypted PDF (a password is needed to read it)",
        "prose.txt": "content is not PubMed/PMC XML, MEDLINE, RIS, BibTeX or PDF",
    }
    assert [skip.name for skip in report.problems] == sorted(set(skipped) - {".DS_Store"} | {"pdfs/corrupt.pdf"})
    assert reasons(report.without_abstract) == {"library.ris": "1 entry without an abstract: 'An entry exported without an abstract'"}
    assert report.skipped_entries == []
    assert sorted({record.source for record in report.records}) == [
        "library.ris", "pdfs/sherif.pdf", "pubmed-cache/ref-121.xml", "pubmed_export.txt", "pubmed_hsiao_scadden.xml",
        "references.bib", "sherif_2018.nbib",
    ]  # fmt: skip


def test_missing_folder_gives_an_empty_report(tmp_path):
    report = load_abstracts(tmp_path / "absent")
    assert (report.records, report.skipped_files, report.notes) == ([], [], [])


@pytest.mark.parametrize(
    ("name", "content", "title"),
    [
        ("ris-saved-as.txt", "TY  - JOUR\nT1  - RIS in a text file\nDO  - 10.1/x\nPY  - 2001\nAB  - A.\nER  - \n", "RIS in a text file"),
        ("medline-abstract-only.txt", "AB  - Only an abstract line.\n", ""),
        ("bibtex.txt", "@article{k, title = {BibTeX in a text file}, abstract = {A.}}", "BibTeX in a text file"),
        ("pubmed.ris", (CORPUS_FIXTURES / "sherif_2018.nbib").read_text(encoding="utf-8"), "The role of mesenchymal stem cells in chemotherapy-induced gonadotoxicity"),
    ],
)
def test_format_is_told_by_content_not_extension(name, content, title):
    (record,) = parse_data(content.encode(), name, CorpusSettings(), "." + name.rsplit(".", 1)[1]).records
    assert record.title == title and record.sections


def test_ris_saved_as_txt_keeps_doi_year_and_journal():
    path = realworld("ris/asreview_pubmed_endnote.txt")
    records = parse_data(path.read_bytes(), path.name, CorpusSettings(), ".txt").records
    assert all(record.doi and record.year and record.journal for record in records)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("% Encoding: windows-1252\n@article{k, abstract = {25° C}}".encode("cp1252"), "25° C"),
        ("\ufeff@article{k, abstract = {Ünïcode}}".encode("utf-16-le"), "Ünïcode"),
        ("\ufeffTY  - JOUR\nAB  - bom\nER  - \n".encode("utf-8"), "bom"),
    ],
)
def test_declared_and_byte_order_marked_encodings(data, text):
    assert text in decode(data)


def test_unknown_declared_encoding_is_named():
    with pytest.raises(AbstractFormatError, match="unknown encoding 'klingon-8'"):
        decode(b"% Encoding: klingon-8\n@article{k}")


def test_file_over_the_size_limit_is_skipped_unread(tmp_path):
    (tmp_path / "huge.ris").write_bytes(b"TY  - JOUR\nAB  - " + b"x" * 2_100_000 + b"\nER  - \n")
    report, seconds, peak = measured(lambda: load_abstracts(tmp_path, CorpusSettings(max_file_mb=2)))
    assert reasons(report.skipped_files) == {"huge.ris": "larger than the 2 MB limit for one corpus file (corpus.max_file_mb)"}
    assert peak < 1_000_000  # never read


def test_long_abstract_is_cut_at_a_sentence_and_noted(tmp_path):
    sentences = " ".join(f"Sentence {n} of a very long abstract." for n in range(1000))
    (tmp_path / "long.ris").write_text(f"TY  - JOUR\nTI  - A long one\nAB  - {sentences}\nER  - \n")
    report = load_abstracts(tmp_path, CorpusSettings(max_abstract_chars=1000))
    (record,) = report.records
    assert len(record.text) <= 1000 and record.text.endswith("of a very long abstract. …")
    assert report.notes == ["'long.ris': the abstract of 'A long one' was cut to 1,000 characters (corpus.max_abstract_chars)"]


def test_pypdf_warnings_become_one_summary_line(tmp_path, capfd):
    for name in ("cermine_example2.pdf", "cermine_test1.pdf"):
        (tmp_path / name).symlink_to(realworld(f"pdf/{name}"))
    report = load_abstracts(tmp_path)
    (note,) = report.notes
    assert note.startswith("pypdf reported ")
    assert note.endswith(" warning(s) reading 2 PDF(s), such as 'fontTools is required to fully parse the encoding of a CFF Type1 font in "
                         "font…'; the text was still extracted")
    assert len(report.records) == 2 and capfd.readouterr().err == ""

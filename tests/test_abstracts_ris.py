"""RIS importer: Zotero/EndNote/Embase/Ovid quirks, titles in T1 or ST only, and bounded cost on wrapped values."""

from __future__ import annotations

from abstracts_support import CORPUS_FIXTURES, MAX_PEAK_BYTES, MAX_SECONDS, measured, realworld

from reviewqa.abstracts import parse_ris
from reviewqa.config import CorpusSettings


def test_reads_zotero_style_entries():
    hassan, uncited, without_abstract = parse_ris((CORPUS_FIXTURES / "library.ris").read_text(encoding="utf-8"), "library.ris").records
    assert hassan.title == "Evaluation of mesenchymal stem cells in treatment of infertility in male rats"
    assert hassan.doi == "10.1186/s13287-014-0251-1"  # resolver prefix removed
    assert (hassan.year, hassan.journal, hassan.authors[0]) == (2014, "Stem Cell Research & Therapy", "Hassan, Amal I.")
    assert [label for label, _ in hassan.sections] == ["Background", "Methods", "Results", "Conclusions"]
    assert uncited.doi == "10.5555/invented.2019.001"
    assert without_abstract.sections == ()


def test_title_in_t1_and_abstract_in_n2():
    text = "TY  - JOUR\nT1  - A title in T1\nA1  - Liu R.\nY1  - 2014//\nN2  - An abstract in N2.\nER  - \n"
    (record,) = parse_ris(text, "x.ris").records
    assert (record.title, record.authors, record.year, record.text) == ("A title in T1", ("Liu, R.",), 2014, "An abstract in N2.")


def test_title_only_in_st_is_used():
    path = realworld("ris/rispy_example_utf_chars.ris")
    (record,) = parse_ris(path.read_text(encoding="utf-8-sig"), path.name).records
    assert record.title.startswith("Состояние рецепторного аппарата эндометрия")


def test_ovid_tags_after_the_last_er_make_no_phantom_record():
    path = realworld("ris/asreview_ovid_psycinfo.ris")
    records = parse_ris(path.read_text(encoding="utf-8"), path.name).records
    assert len(records) == 6 and all(record.title and record.sections for record in records)


def test_repeated_ty_lines_stay_one_record_and_wrapped_lines_join():
    text = "TY  - BOOK\nTY  - JOUR\nTI  - One record\nAB  - first line,\n      second line\nthird line\nER  -\n"
    (record,) = parse_ris(text, "x.ris").records
    assert (record.title, record.text) == ("One record", "first line, second line third line")


def test_pmid_from_an_only_when_the_database_is_pubmed():
    pubmed = "TY  - JOUR\nTI  - From PubMed via EndNote\nAN  - 21553931\nDP  - NLM\nER  - \n"
    other = "TY  - JOUR\nTI  - From another database\nAN  - 2214991469\nDB  - PTSDpubs\nER  - \n"
    assert [record.pmid for record in parse_ris(pubmed + other, "x.ris").records] == ["21553931", None]


def test_value_wrapped_over_many_lines_reads_in_linear_time():
    text = "TY  - JOUR\nTI  - Wrapped\nAB  - start\n" + "wrapped line of text here\n" * 160_000 + "ER  - \n"  # 4 MB: 4.8 s before
    limits = CorpusSettings(max_record_chars=10_000_000, max_abstract_chars=10_000_000)
    parsed, seconds, peak = measured(lambda: parse_ris(text, "x.ris", limits))
    assert len(parsed.records[0].text) == len("start") + 160_000 * len(" wrapped line of text here")
    assert seconds < MAX_SECONDS and peak < MAX_PEAK_BYTES


def test_record_over_the_limit_is_skipped_by_name():
    text = "TY  - JOUR\nTI  - Too big\nAB  - " + "x" * 2000 + "\nER  - \nTY  - JOUR\nTI  - Small\nER  - \n"
    parsed = parse_ris(text, "x.ris", CorpusSettings(max_record_chars=1000))
    assert [record.title for record in parsed.records] == ["Small"]
    assert parsed.left_out == ["entry 'Too big' is larger than the 1,000-character limit for one record (corpus.max_record_chars)"]

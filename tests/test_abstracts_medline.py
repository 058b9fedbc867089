"""MEDLINE (.nbib, PubMed-format .txt) importer."""

from __future__ import annotations

from abstracts_support import CORPUS_FIXTURES, MAX_PEAK_BYTES, MAX_SECONDS, measured

from reviewqa.abstracts import parse_medline
from reviewqa.config import CorpusSettings


def test_joins_continuation_lines_and_picks_the_doi():
    (sherif,) = parse_medline((CORPUS_FIXTURES / "sherif_2018.nbib").read_text(encoding="utf-8"), "sherif.nbib").records
    assert sherif.title == "The role of mesenchymal stem cells in chemotherapy-induced gonadotoxicity"
    assert sherif.doi == "10.1186/s13287-018-0946-6"  # the [doi] LID, not the [pii] one
    assert (sherif.pmid, sherif.pmcid, sherif.year, sherif.journal) == ("90000132", "PMC9000132", 2018, "Stem cell research & therapy")
    assert sherif.authors == ("Sherif, Iman O", "Sabry, Dina")
    assert [label for label, _ in sherif.sections] == ["Background", "Methods", "Results", "Conclusion"]


def test_without_full_names_uses_au():
    (record,) = parse_medline("PMID- 1\nTI  - A title\nAU  - van der Berg AB\nAU  - de Hoon M J L\nAB  - Text.\n", "x.nbib").records
    assert record.authors == ("van der Berg, AB", "de Hoon, M J L")


def test_record_with_only_an_abstract_and_odd_spacing():
    (record,) = parse_medline("PMC -22664230\nTI-\nAB  - Old Abstract\nAB  - new abstract\nDP  - 2013 06 10\n", "x.txt").records
    assert (record.title, record.pmcid, record.year, record.text) == ("", "PMC22664230", 2013, "Old Abstract new abstract")


def test_junk_lines_and_blank_lines_separate_nothing_but_records():
    text = "PMID- 1\nTI  - First\n\nThis line belongs to no field.\n\nPMID-2\nTI  - Second\nAID - doi:10.1016/j.cpr.2005.02.002\n"
    first, second = parse_medline(text, "x.txt").records
    assert (first.pmid, first.title, second.pmid, second.title, second.doi) == ("1", "First", "2", "Second", "10.1016/j.cpr.2005.02.002")


def test_value_wrapped_over_many_lines_reads_in_linear_time():
    text = "PMID- 1\nTI  - Wrapped\nAB  - start\n" + "      wrapped line of text here\n" * 130_000  # 4 MB
    limits = CorpusSettings(max_record_chars=10_000_000, max_abstract_chars=10_000_000)
    parsed, seconds, peak = measured(lambda: parse_medline(text, "x.txt", limits))
    assert len(parsed.records[0].text) == len("start") + 130_000 * len(" wrapped line of text here")
    assert seconds < MAX_SECONDS and peak < MAX_PEAK_BYTES


def test_record_over_the_limit_is_skipped_by_name():
    text = "PMID- 7\nTI  - Too big\n" + "".join(f"MH  - heading {i}\n" for i in range(80_000)) + "\nPMID- 8\nTI  - Small\n"
    parsed, seconds, _ = measured(lambda: parse_medline(text, "x.txt"))
    assert [record.title for record in parsed.records] == ["Small"]
    assert parsed.left_out == ["entry 'Too big' is larger than the 1,000,000-character limit for one record (corpus.max_record_chars)"]
    assert seconds < MAX_SECONDS

"""The build pipeline: abstracts linked into the index, bad corpus files skipped (or fatal with --strict),
one build at a time, and a running assistant switching to a new build."""

import shutil
from pathlib import Path

import pytest

from reviewqa.render import to_json, to_markdown
from reviewqa.assistant import Assistant
from reviewqa.build import build_lock, read_abstracts, run_build
from reviewqa.config import load_settings
from reviewqa.errors import BuildFailed, CorpusProblem
from reviewqa.store import read_index

FIXTURES = Path(__file__).parent / "fixtures" / "abstracts" / "corpus"


def test_abstracts_are_indexed_under_their_reference(scratch, embedder):
    shutil.copytree(FIXTURES, scratch.corpus_dir / "abstracts")
    report = run_build(scratch, embedder=embedder)
    assert report.counts["abstract"] >= 5
    assert report.abstracts.startswith("5 of 151 references have an abstract")
    assert "'abstracts/library.ris': 1 entry without an abstract: 'An entry exported without an abstract'" in report.skipped
    chunks = read_index(scratch.index_dir).chunks
    karimaghani = [c for c in chunks if c.kind == "abstract" and c.ref == 121]
    assert karimaghani and karimaghani[0].section == "Abstract of [121]" and karimaghani[0].refs == (121,)
    assert any(c.kind == "abstract" and c.ref is None and c.section.startswith("Uncited source:") for c in chunks)

    answer = Assistant(scratch, embedder=embedder).ask("What did Karimaghani et al. find?")
    data = to_json(answer)
    kinds = {p["kind"] for p in data["passages"][:5]}
    assert {"abstract", "table_row"} <= kinds  # the abstract and the review's table row about the study
    card = next(block for block in data["blocks"] if block["type"] == "reference")
    assert card["ref"] == 121 and "Placeholder" in card["abstract"] and "Abstract: " in data["answer"]
    assert data["citations"][0]["ref"] == 121


def test_bad_corpus_files_are_skipped_by_name(scratch, embedder):
    abstracts = scratch.corpus_dir / "abstracts"
    abstracts.mkdir()
    (abstracts / "empty.ris").write_text("")
    (abstracts / "notes.docx").write_bytes(b"PK\x03\x04 not really a document")
    (abstracts / "latin1.nbib").write_bytes("PMID- 1\nTI  - Caf\xe9\n".encode("latin-1"))
    (abstracts / "broken.pdf").write_bytes(b"%PDF-1.4 garbage without xref")
    (scratch.corpus_dir / "review" / "draft.txt").write_bytes(b"\xff\xfe not utf-8 \x80")
    report = run_build(scratch, embedder=embedder)
    named = " | ".join(report.skipped)
    for name in ("empty.ris", "notes.docx", "latin1.nbib", "broken.pdf", "draft.txt"):
        assert name in named
    assert report.counts["table_row"] == 94  # the rest was built


def test_strict_build_fails_on_a_bad_file(scratch, embedder):
    (scratch.corpus_dir / "review" / "draft.txt").write_bytes(b"\xff\xfe not utf-8 \x80")
    with pytest.raises(CorpusProblem, match=r"--strict: 1 review file\(s\) could not be read: 'review/draft.txt': not UTF-8 text"):
        run_build(scratch, strict=True, embedder=embedder)


def test_strict_counts_abstract_files_and_entries_apart(tmp_path, review):
    abstracts = tmp_path / "abstracts"
    shutil.copytree(FIXTURES, abstracts)  # library.ris has an entry without an abstract: never fatal
    (abstracts / "broken.pdf").write_bytes(b"%PDF-1.4 garbage without xref")
    (abstracts / "big.ris").write_text("TY  - JOUR\nTI  - Huge\nAB  - " + "x" * 1_000_001 + "\nER  - \n")
    settings = load_settings({("corpus_dir",): tmp_path}, environ={})
    references = review.references
    with pytest.raises(CorpusProblem) as refused:
        read_abstracts(settings, references, strict=True)
    message = str(refused.value)
    assert message.startswith("--strict: 1 abstract file(s) could not be read: 'abstracts/broken.pdf': unreadable PDF")
    assert message.endswith(" | 1 entry left out: 'abstracts/big.ris': entry 'Huge' is larger than the 1,000,000-character "
                            "limit for one record (corpus.max_record_chars)")
    linked, lines, _ = read_abstracts(settings, references, strict=False)
    assert len(linked.covered) == 5 and len(lines) == 3


def test_corpus_without_review_is_a_clear_error(scratch, embedder):
    shutil.rmtree(scratch.corpus_dir / "review")
    with pytest.raises(CorpusProblem, match="No review text found"):
        run_build(scratch, embedder=embedder)


def test_second_build_is_refused_while_one_runs(scratch, embedder):
    with build_lock(scratch.index_dir):
        with pytest.raises(BuildFailed, match="Another build is running"):
            run_build(scratch, embedder=embedder)
    run_build(scratch, embedder=embedder)  # the lock is free again


def test_running_assistant_switches_to_a_new_build(scratch, embedder):
    run_build(scratch, embedder=embedder)
    assistant = Assistant(scratch, embedder=embedder)
    old = assistant.evidence.index.manifest.build_id
    assert not assistant.reload_if_changed()
    review = next((scratch.corpus_dir / "review").glob("*.txt"))
    review.write_text(review.read_text(encoding="utf-8").replace("small and flabby", "small and soft"), encoding="utf-8")
    run_build(scratch, embedder=embedder)
    assert assistant.reload_if_changed() and assistant.evidence.index.manifest.build_id != old
    assert "small and soft" in to_markdown(assistant.ask("How do the testicles feel on palpation in NOA?"))

"""The corpus walk: what a build reads and the one line it prints for everything else."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reviewqa.build import corpus_files, fingerprint, read_abstracts, read_documents
from reviewqa.config import load_settings
from reviewqa.corpus import list_files, quote_name

REVIEW = Path(__file__).resolve().parents[1] / "corpus" / "review" / "zhankina-2021-msc-azoospermia-review.txt"


def skipped(listing) -> dict[str, tuple[str, bool]]:
    return {skip.name: (skip.reason, skip.problem) for skip in listing.skipped}


def test_lists_regular_files_and_names_what_it_skips(tmp_path):
    (tmp_path / "good.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.ris").write_text("x")
    (tmp_path / "notes.txt").mkdir()  # a folder named like a file
    (tmp_path / ".#good.txt").symlink_to("user@host.1234:1700000000")  # emacs lock: a dangling symlink
    (tmp_path / "gone.ris").symlink_to(tmp_path / "nowhere.ris")
    (tmp_path / "linked.ris").symlink_to(tmp_path / "good.txt")
    for name in ("good.txt~", ".~lock.good.txt#", ".good.txt.swp", ".DS_Store"):
        (tmp_path / name).write_text("x")
    os.mkfifo(tmp_path / "pipe.ris")

    flat = list_files(tmp_path, recursive=False)
    assert [path.name for path in flat.files] == ["good.txt", "linked.ris"]
    assert skipped(flat) == {
        ".#good.txt": ("editor lock or temporary file", False),
        ".DS_Store": ("hidden", False),
        ".good.txt.swp": ("editor lock or temporary file", False),
        ".~lock.good.txt#": ("editor lock or temporary file", False),
        "gone.ris": ("dangling symlink (its target does not exist)", True),
        "good.txt~": ("editor lock or temporary file", False),
        "notes.txt": ("a folder, not a file", False),
        "pipe.ris": ("not a regular file", True),
        "sub": ("a folder, not a file", False),
    }
    walked = list_files(tmp_path, recursive=True)
    assert [path.relative_to(tmp_path).as_posix() for path in walked.files] == ["good.txt", "linked.ris", "sub/deep.ris"]
    assert "notes.txt" not in skipped(walked)  # walked into: an empty folder


def test_symlinked_folder_loop_is_walked_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "refs.ris").write_text("x")
    (tmp_path / "a" / "again").symlink_to(tmp_path / "a")
    assert [path.name for path in list_files(tmp_path, recursive=True).files] == ["refs.ris"]


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("plain.ris", "'plain.ris'"),
        ("two\nlines.ris", "'two\\nlines.ris'"),
        ("esc\x1b[31mred.ris", "'esc\\x1b[31mred.ris'"),
        (os.fsdecode(b"caf\xe9.ris"), "'caf\\xe9.ris'"),
        ("it's.ris", "'it\\'s.ris'"),
    ],
)
def test_names_are_quoted_so_they_cannot_forge_report_lines(name, quoted):
    assert quote_name(name) == quoted and "\n" not in quote_name(name)


def test_undecodable_name_is_reported_with_escapes(tmp_path):
    os.close(os.open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.ris"), os.O_CREAT | os.O_WRONLY))
    (skip,) = list_files(tmp_path, recursive=True).skipped
    assert skip.line() == "'caf\\xe9.ris': name is not valid UTF-8; rename it" and skip.problem


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "review").mkdir()
    shutil.copy(REVIEW, tmp_path / "review" / REVIEW.name)
    (tmp_path / "abstracts").mkdir()
    return tmp_path


def settings_for(corpus: Path):
    return load_settings({("corpus_dir",): corpus, ("index_dir",): corpus / "index"}, environ={})


def test_build_inputs_survive_what_used_to_crash_it(corpus):
    (corpus / "review" / ".#notes.txt").symlink_to("user@host.99:1")
    (corpus / "review" / "notes.txt").mkdir()
    (corpus / "review" / "bad\nname.txt").write_text("x")
    os.close(os.open(os.path.join(os.fsencode(corpus / "abstracts"), b"caf\xe9.ris"), os.O_CREAT | os.O_WRONLY))
    settings = settings_for(corpus)

    documents, lines = read_documents(settings, strict=False)
    assert len(documents) == 1
    assert lines == [
        "'review/.#notes.txt': editor lock or temporary file",
        "'review/notes.txt': a folder, not a file",
        "'review/bad\\nname.txt': no 'Abstract' heading, so this does not look like the review's text",
    ]
    assert [path.name for path in corpus_files(corpus)] == ["bad\nname.txt", REVIEW.name]
    assert fingerprint(corpus, settings)[0]  # the undecodable name is left out rather than crashing the hash
    _, abstract_lines, _ = read_abstracts(settings, documents[0].references, strict=False)
    assert abstract_lines == ["'abstracts/caf\\xe9.ris': name is not valid UTF-8; rename it"]

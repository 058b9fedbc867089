"""Fault injection against real `reviewqa build` / `reviewqa ask` processes: a damaged index and each CURRENT variant,
a full disk, a read-only index folder, hostile corpus files, hostile question streams. Each case asserts the exit
code, a one-line message without a traceback, and what still answers afterwards.

(A build killed in each of its phases is in test_robustness.py.)"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import pytest

resource = pytest.importorskip("resource", reason="fault injection uses POSIX facilities: FIFOs, resource limits, mounts")

from reviewqa.assistant import Assistant
from reviewqa.build import run_build
from reviewqa.config import load_settings
from reviewqa.render import conversation_markdown
from reviewqa.store import current_build, file_sha256, read_index

CLI = [sys.executable, "-m", "reviewqa.cli"]
QUESTION = "What is the success rate of TESE-ICSI in NOA?"


def reviewqa(settings, *args: str, stdin: bytes | None = None, prefix: Sequence[str] = (), **popen) -> subprocess.CompletedProcess:
    env = {**os.environ, "REVIEWQA_INDEX": str(settings.index_dir), "REVIEWQA_CORPUS": str(settings.corpus_dir)}
    return subprocess.run([*prefix, *CLI, *args], input=stdin, capture_output=True, env=env, timeout=300, **popen)


def one_line(result: subprocess.CompletedProcess, exit_code: int) -> str:
    """The process's only line on stderr, after checking its exit code."""
    err = result.stderr.decode(errors="replace")
    assert result.returncode == exit_code, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("reviewqa: "), err
    return lines[0].removeprefix("reviewqa: ")


def answers(settings) -> None:
    result = reviewqa(settings, "ask", QUESTION, "--json")
    assert result.returncode == 0, result.stderr.decode()
    assert "13.4%" in json.loads(result.stdout)["answer"]


def leftovers(index_dir: Path) -> list[str]:
    found = [*index_dir.glob(".CURRENT.*"), *index_dir.glob("builds/*.partial"), *index_dir.glob("cache/.embeddings.*")]
    return sorted(str(path.relative_to(index_dir)) for path in found)


@pytest.fixture()
def index(scratch, embedder):
    """A built index of its own, free to damage."""
    run_build(scratch, embedder=embedder)
    return scratch


# --- a damaged index: one sentence naming `reviewqa build`, which repairs it without --force ---------------------------


def _write_current(index_dir: Path, content: bytes) -> None:
    (index_dir / "CURRENT").write_bytes(content)


def _current_folder(index_dir: Path) -> None:
    (index_dir / "CURRENT").unlink()
    (index_dir / "CURRENT").mkdir()


def _current_fifo(index_dir: Path) -> None:
    (index_dir / "CURRENT").unlink()
    os.mkfifo(index_dir / "CURRENT")


def _current_elsewhere(index_dir: Path, how: str) -> None:
    """CURRENT naming a real, complete build outside the index folder."""
    other = index_dir.parent / "other"
    shutil.copytree(index_dir, other)
    build = current_build(index_dir)
    target = f"../../other/builds/{build}" if how == "relative" else str(other / "builds" / build)
    _write_current(index_dir, target.encode())


CURRENT_DAMAGE = {
    "random bytes": (lambda index: _write_current(index, bytes(range(256)) * 4), "does not name a build"),
    "a NUL": (lambda index: _write_current(index, current_build(index).encode() + b"\x00"), "does not name a build"),
    "invalid UTF-8": (lambda index: _write_current(index, b"\xff\xfe\xc3\x28"), "does not name a build"),
    "empty": (lambda index: _write_current(index, b""), "is empty"),
    "a folder": (_current_folder, "is a folder, not a file"),
    "a FIFO": (_current_fifo, "is not a regular file"),
    "a relative path out": (lambda index: _current_elsewhere(index, "relative"), "does not name a build"),
    "an absolute path": (lambda index: _current_elsewhere(index, "absolute"), "does not name a build"),
}


@pytest.mark.parametrize("case", CURRENT_DAMAGE)
def test_damaged_current_is_refused_and_repaired_by_a_plain_build(index, case):
    damage, why = CURRENT_DAMAGE[case]
    damage(index.index_dir)
    message = one_line(reviewqa(index, "ask", QUESTION), 1)
    assert message == f"The index in {index.index_dir}/ is damaged (its CURRENT file {why}); rebuild it with: reviewqa build"
    assert one_line(reviewqa(index, "info"), 1) == message
    built = reviewqa(index, "build", "--quiet")
    assert built.returncode == 0 and b"Built index" in built.stdout, built.stderr.decode()
    assert read_index(index.index_dir).chunks and not leftovers(index.index_dir)


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xff garbage " * 10)


def _consistent_damage(build: Path) -> None:
    """chunks.jsonl cut short with its checksum updated to match: only loading it shows the damage."""
    chunks = build / "chunks.jsonl"
    chunks.write_text("".join(chunks.read_text(encoding="utf-8").splitlines(keepends=True)[:-3]), encoding="utf-8")
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["checksums"]["chunks.jsonl"] = file_sha256(chunks)
    (build / "manifest.json").write_text(json.dumps(manifest))


INDEX_DAMAGE = {
    "chunks.jsonl": (lambda build: _garbage(build / "chunks.jsonl"), "damaged (chunks.jsonl does not match its checksum)"),
    "vectors.faiss": (lambda build: _garbage(build / "vectors.faiss"), "damaged (vectors.faiss does not match its checksum)"),
    "sentences.npy": (lambda build: _garbage(build / "sentences.npy"), "damaged (sentences.npy does not match its checksum)"),
    "sentence_chunks.npy": (lambda build: (build / "sentence_chunks.npy").unlink(), "damaged (sentence_chunks.npy is missing)"),
    "documents.json": (lambda build: _garbage(build / "documents.json"), "damaged (documents.json does not match its checksum)"),
    "bm25": (lambda build: shutil.rmtree(build / "bm25"), "damaged (bm25/data.csc.index.npy is missing)"),
    "manifest.json": (lambda build: _garbage(build / "manifest.json"), "manifest in"),
    "build folder": (shutil.rmtree, "which is missing"),
    "consistent damage": (_consistent_damage, "damaged (chunk records do not match the vectors)"),
}


@pytest.mark.parametrize("case", INDEX_DAMAGE)
def test_damaged_index_file_is_refused_and_repaired_by_a_plain_build(index, case):
    damage, said = INDEX_DAMAGE[case]
    build = index.index_dir / "builds" / current_build(index.index_dir)
    damage(build)
    message = one_line(reviewqa(index, "ask", QUESTION), 1)
    assert said in message and message.endswith("; rebuild it with: reviewqa build")
    built = reviewqa(index, "build", "--quiet")
    assert built.returncode == 0 and b"Built index" in built.stdout, built.stderr.decode()
    assert read_index(index.index_dir).chunks


# --- a full disk, a read-only index folder --------------------------------------------------------------------------


@pytest.fixture()
def small_disk(tmp_path):
    """An 8 MB file system of its own (tmpfs), where this machine allows mounting one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root on Linux (the RLIMIT_FSIZE test covers a failing write)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


@pytest.fixture()
def index_on_small_disk(scratch, embedder, small_disk):
    settings = load_settings({("corpus_dir",): scratch.corpus_dir, ("index_dir",): small_disk / "index"}, environ={})
    shutil.copytree(scratch.index_dir / "cache", settings.index_dir / "cache")
    run_build(settings, embedder=embedder)
    return settings


def _fill(disk: Path, leave: int) -> None:
    free = shutil.disk_usage(disk).free
    with (disk / "filler").open("wb") as handle:
        handle.truncate(0)
        for _ in range((free - leave) // (1 << 20)):
            handle.write(b"\0" * (1 << 20))
        handle.write(b"\0" * ((free - leave) % (1 << 20)))


@pytest.mark.parametrize("leave", [0, 1_100_000], ids=["no room for the cache", "room for the cache, not the build"])
def test_full_disk_is_one_sentence_and_changes_nothing(index_on_small_disk, small_disk, leave):
    index_dir = index_on_small_disk.index_dir
    before, builds_before = current_build(index_dir), sorted(os.listdir(index_dir / "builds"))
    _fill(small_disk, leave)
    message = one_line(reviewqa(index_on_small_disk, "build", "--force", "--quiet"), 1)
    assert message.startswith(f"Cannot write {index_dir}/") and "(the disk is full; " in message and " MB free there)" in message
    assert message.endswith("; the index in use was not changed.")
    assert current_build(index_dir) == before and sorted(os.listdir(index_dir / "builds")) == builds_before
    assert not leftovers(index_dir)
    answers(index_on_small_disk)
    (small_disk / "filler").unlink()
    assert reviewqa(index_on_small_disk, "build", "--force", "--quiet").returncode == 0  # room again: it builds
    assert current_build(index_dir) != before


def test_read_only_index_folder_is_one_sentence_and_still_answers(index_on_small_disk, small_disk):
    index_dir = index_on_small_disk.index_dir
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    message = one_line(reviewqa(index_on_small_disk, "build", "--force", "--quiet"), 1)
    assert message.startswith(f"Cannot write {index_dir}/.build.lock (the file system is read-only; ")
    answers(index_on_small_disk)
    unchanged = reviewqa(index_on_small_disk, "build")  # current: nothing to write, so nothing to refuse
    assert unchanged.returncode == 0 and "already up to date" in unchanged.stdout.decode(), unchanged.stderr.decode()


def _obeying_permissions() -> list[str]:
    """A command prefix under which the process obeys file permissions: for root, setpriv drops its override."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root ignores file permissions, and setpriv (util-linux), which can drop that, is not installed")
    capabilities = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={capabilities}", f"--bounding-set={capabilities}"]


def test_index_folder_without_write_permission_is_one_sentence(index):
    """Only the index folder itself is read-only: the cache and the new build are written, then CURRENT cannot be."""
    before, builds_before = current_build(index.index_dir), sorted(os.listdir(index.index_dir / "builds"))
    prefix = _obeying_permissions()
    index.index_dir.chmod(0o555)
    try:
        message = one_line(reviewqa(index, "build", "--force", "--quiet", prefix=prefix), 1)
    finally:
        index.index_dir.chmod(0o755)
    assert message.startswith(f"Cannot write {index.index_dir}/CURRENT (permission denied; ")
    assert current_build(index.index_dir) == before and sorted(os.listdir(index.index_dir / "builds")) == builds_before
    assert not leftovers(index.index_dir)
    answers(index)


def test_write_over_the_file_size_limit_fails_cleanly(index):
    """RLIMIT_FSIZE makes a write fail (EFBIG) as a full disk would, on any POSIX machine, without mounting anything."""
    before = current_build(index.index_dir)

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing the process

    message = one_line(reviewqa(index, "build", "--force", "--quiet", preexec_fn=limit_file_size), 1)
    assert message.startswith(f"Cannot write {index.index_dir}/cache/embeddings.npz (File too large; ")
    assert current_build(index.index_dir) == before and not leftovers(index.index_dir)
    answers(index)


# --- hostile corpus files --------------------------------------------------------------------------------------------

HOSTILE_TITLE = "Cryptozoological spermatogonia in the lesser spotted quokka"
HOSTILE_ABSTRACT = ("Quokka testes held \x1b[31mred\x1b[0m cells \x1b]8;;http://evil.example/\x07click\x1b]8;;\x07 and "
                    "<script>alert(1)</script> markup, see http://evil.example/x and www.evil.example.")


def _hostile_corpus(abstracts: Path) -> dict[str, str]:
    """Files that must not take the build down, each with what its report line says."""
    abstracts.mkdir(exist_ok=True)
    macros = "\n".join(f'@string{{m{i} = m{i - 1} # m{i - 1}}}' for i in range(1, 40))
    (abstracts / "bomb.bib").write_text(f'@string{{m0 = "xxxxxxxxxx"}}\n{macros}\n@article{{a, title = m39}}\n')
    (abstracts / "dangling.ris").symlink_to(abstracts / "gone.ris")
    (abstracts / "zero.ris").symlink_to("/dev/zero")
    os.mkfifo(abstracts / "pipe.ris")
    os.close(os.open(os.path.join(os.fsencode(abstracts), b"caf\xe9.ris"), os.O_CREAT | os.O_WRONLY))
    (abstracts / "new\nline.ris").write_text("TY  - JOUR\nTI  - A title with no abstract at all\nER  - \n")
    (abstracts / "laughs.xml").write_text('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                                          '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><PubmedArticleSet>&b;</PubmedArticleSet>')
    (abstracts / "hostile.ris").write_text(f"TY  - JOUR\nTI  - {HOSTILE_TITLE}\nAU  - Nobody, A\nPY  - 2020\n"
                                           f"AB  - {HOSTILE_ABSTRACT}\nER  - \n")
    return {"bomb.bib": "'abstracts/bomb.bib': ", "dangling.ris": "'abstracts/dangling.ris': dangling symlink",
            "zero.ris": "'abstracts/zero.ris': not a regular file", "pipe.ris": "'abstracts/pipe.ris': not a regular file",
            "café": "'abstracts/caf\\xe9.ris': name is not valid UTF-8", "newline": "'abstracts/new\\nline.ris': ",
            "laughs.xml": "'abstracts/laughs.xml': "}


def test_hostile_corpus_files_are_named_and_the_rest_is_built(scratch):
    expected = _hostile_corpus(scratch.corpus_dir / "abstracts")
    result = reviewqa(scratch, "build", "--quiet")
    err = result.stderr.decode()
    assert result.returncode == 0 and "Traceback" not in err and "\x1b" not in err, err
    skipped = [line for line in err.splitlines() if line.startswith("skipped ")]
    for what, line in expected.items():
        assert any(line in report for report in skipped), f"{what} not reported: {err}"
    assert "Uncited source" in "".join(chunk.section for chunk in read_index(scratch.index_dir).chunks)

    strict = one_line(reviewqa(scratch, "build", "--force", "--strict", "--quiet"), 1)
    assert strict.startswith("--strict: ") and "'abstracts/zero.ris': not a regular file" in strict


def test_escape_codes_in_the_corpus_never_reach_the_terminal_nor_markup_the_export(scratch, embedder):
    _hostile_corpus(scratch.corpus_dir / "abstracts")
    assert reviewqa(scratch, "build", "--quiet").returncode == 0
    question = "Which cells did quokka testes hold?"
    shown = reviewqa(scratch, "ask", question)
    assert shown.returncode == 0 and b"Quokka testes held red cells click" in shown.stdout  # the hostile abstract, quoted
    assert not any(byte in shown.stdout for byte in (b"\x1b", b"\x07", "\x9b".encode()))

    export = conversation_markdown([Assistant(scratch, embedder=embedder).ask(question)])
    assert "Quokka testes held red cells click" in export and not any(char in export for char in "\x1b\x07\x9b")
    assert "<script>" not in export and "\\<script\\>" in export
    assert "`http://evil.example/x`" in export and " http://" not in export and " www." not in export


# --- hostile question streams -----------------------------------------------------------------------------------------


def test_jsonl_survives_deep_nesting_and_null_questions(built_index):
    deep = "[" * 100_000 + "]" * 100_000
    lines = [deep, json.dumps({"question": None}), '{"question": ' + deep + "}", QUESTION]
    result = reviewqa(built_index, "ask", "--jsonl", stdin=("\n".join(lines) + "\n").encode())
    assert result.returncode == 0 and "Traceback" not in result.stderr.decode(), result.stderr.decode()
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(records) == 4
    assert "please keep it under 4,000 characters" in records[0]["error"]
    assert records[1] == {"question": None, "error": "A question must be text."}
    assert "please keep it under 4,000 characters" in records[2]["error"]  # too deep to read: taken as text
    assert len(records[0]["question"]) == 4_001  # echoed only as far as a question may go
    assert "13.4%" in records[3]["answer"]


def test_jsonl_reads_the_file_it_names(built_index, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"question": QUESTION}) + "\n", encoding="utf-8")
    result = reviewqa(built_index, "ask", "--jsonl", str(questions), stdin=b"What is NOA?\n")
    assert result.returncode == 0, result.stderr.decode()
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(records) == 1 and "13.4%" in records[0]["answer"]  # the file's question, not standard input's
    missing = one_line(reviewqa(built_index, "ask", "--jsonl", str(tmp_path / "none.jsonl")), 2)
    assert missing == f"Cannot read questions from '{tmp_path / 'none.jsonl'}': No such file or directory."


def test_jsonl_into_a_closed_pipe_ends_quietly(built_index):
    env = {**os.environ, "REVIEWQA_INDEX": str(built_index.index_dir), "REVIEWQA_CORPUS": str(built_index.corpus_dir)}
    asking = subprocess.Popen(CLI + ["ask", "--jsonl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env)
    head = subprocess.Popen(["head", "-1"], stdin=asking.stdout, stdout=subprocess.PIPE)
    asking.stdout.close()  # head alone reads it: when head exits, the pipe is closed
    asking.stdin.write(("\n".join(["What is NOA?"] * 40) + "\n").encode())
    asking.stdin.close()
    first, _ = head.communicate(timeout=300)
    err = asking.stderr.read().decode()
    assert asking.wait(timeout=300) == 0 and err == ""
    assert "answer" in json.loads(first)

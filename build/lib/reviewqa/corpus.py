"""The corpus walk: which files under corpus/review/ and corpus/abstracts/ a build reads, and what it leaves out.

    corpus/review/*.txt   the review, as extracted from the publisher's PDF
    corpus/abstracts/**   abstracts of the cited works, in any supported format

A maintainer's folder holds more than corpus files: editor lock files, hidden files, a
folder named like a file, a symlink whose target is gone, a file whose name is not
UTF-8. None of them may stop a build with a traceback; each is reported on one line.
Every name is printed quoted and escaped (`quote_name`), so a newline or a terminal
escape in a file name cannot forge lines of the build report.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

REVIEW_FOLDER = "review"
ABSTRACTS_FOLDER = "abstracts"

# Editors' lock, swap and backup files: emacs (.#name, #name#, name~), LibreOffice (.~lock.name#),
# vim (.name.swp), Microsoft Office (~$name).
_EDITOR_PREFIXES = (".#", ".~lock", "~$")
_EDITOR_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".tmp")


@dataclass(frozen=True)
class Skip:
    """A path (relative, '/'-separated) left out of the build and why.

    `problem` is False for what is left out by design (hidden files, editors' temporaries,
    sub-folders of review/); --strict fails only on problems.
    """

    name: str
    reason: str
    problem: bool = True

    def line(self) -> str:
        return f"{quote_name(self.name)}: {self.reason}"


@dataclass(frozen=True)
class Listing:
    files: tuple[Path, ...]  # readable regular files, sorted
    skipped: tuple[Skip, ...]


def quote_name(name: str) -> str:
    """`name` in single quotes with anything unprintable escaped: '\\n', '\\x1b', and '\\xe9' for a byte that is not UTF-8."""
    out = []
    for char in name:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char in "\\'":
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        else:
            out.append(repr(char)[1:-1])
    return "'" + "".join(out) + "'"


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_editor_file(name: str) -> bool:
    return name.startswith(_EDITOR_PREFIXES) or name.endswith(_EDITOR_SUFFIXES) or (name.startswith("#") and name.endswith("#"))


def list_files(folder: Path, *, recursive: bool) -> Listing:
    """The readable regular files in `folder` (and its sub-folders when `recursive`), and one Skip for each thing left out.

    Symlinks are followed; a symlinked folder seen twice (a loop) is walked once.
    """
    files: list[Path] = []
    skipped: list[Skip] = []
    if not folder.is_dir():
        return Listing((), ())
    seen_folders = {_identity(folder)}
    pending = [(folder, "")]
    while pending:
        current, prefix = pending.pop()
        try:
            names = sorted(os.listdir(current))
        except OSError as error:
            skipped.append(Skip(prefix.rstrip("/") or ".", f"folder cannot be listed ({error.strerror})"))
            continue
        for name in names:
            relative, path = prefix + name, current / name
            if not _is_utf8(name):
                skipped.append(Skip(relative, "name is not valid UTF-8; rename it"))
            elif _is_editor_file(name):
                skipped.append(Skip(relative, "editor lock or temporary file", problem=False))
            elif name.startswith("."):
                skipped.append(Skip(relative, "hidden", problem=False))
            else:
                kind = _kind(path)
                if kind == "file":
                    files.append(path)
                elif kind == "folder" and recursive:
                    if _identity(path) not in seen_folders:
                        seen_folders.add(_identity(path))
                        pending.append((path, relative + "/"))
                elif kind == "folder":
                    skipped.append(Skip(relative, "a folder, not a file", problem=False))
                else:
                    skipped.append(Skip(relative, kind))
    return Listing(tuple(sorted(files)), tuple(sorted(skipped, key=lambda skip: skip.name)))


def _identity(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


def _kind(path: Path) -> str:
    """'file', 'folder', or why the path is not a usable file."""
    try:
        mode = path.stat().st_mode  # follows symlinks
    except FileNotFoundError:
        return "dangling symlink (its target does not exist)"
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if stat.S_ISDIR(mode):
        return "folder"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    if not os.access(path, os.R_OK):
        return "not readable (permission denied)"
    return "file"


def review_files(corpus_dir: Path) -> list[Path]:
    """The review texts: the readable .txt files of corpus/review/."""
    return [path for path in list_files(corpus_dir / REVIEW_FOLDER, recursive=False).files if path.suffix == ".txt"]


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every file the index depends on: the review texts and the readable files under abstracts/."""
    return review_files(corpus_dir) + list(list_files(corpus_dir / ABSTRACTS_FOLDER, recursive=True).files)

"""The corpus folder: which files an index is built from.

    corpus/review/*.txt   the review, as extracted from the publisher's PDF
    corpus/abstracts/**   abstracts of the cited works, in any supported format
"""

from __future__ import annotations

from pathlib import Path

REVIEW_FOLDER = "review"
ABSTRACTS_FOLDER = "abstracts"


def review_files(corpus_dir: Path) -> list[Path]:
    return sorted((corpus_dir / REVIEW_FOLDER).glob("*.txt"))


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every file the index depends on: the review texts and whatever lies under abstracts/."""
    files = review_files(corpus_dir)
    folder = corpus_dir / ABSTRACTS_FOLDER
    if folder.is_dir():
        files += sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    return files

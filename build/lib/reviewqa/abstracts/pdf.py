"""Article PDFs: the title, the DOI and the text under the Abstract heading, read with pypdf.

Metadata titles are often junk ("ipg1300180a", "Microsoft Word - draft7.docx") and the
largest font on a first page is sometimes the journal's masthead, so a metadata title
is trusted only when it reads as words and is printed on the first page; otherwise the
title is the largest-font run of words on that page that is not a masthead, a link or
an article-type label. The abstract ends at the next heading (Keywords, Subjects,
Introduction, …), skipping the first page's footnotes. pypdf's own warnings are captured and counted, never printed.
"""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pypdf

from ..config import CorpusSettings
from .common import AbstractFormatError, Parsed, clean, find_doi, make_record, split_labelled

PDF_ABSTRACT_CAP = 4000  # characters kept when no heading closes the abstract
_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_ABSTRACT_HEADING_RE = re.compile(r"^[ \t]*abstract\b[\s:.—–-]*", re.IGNORECASE | re.MULTILINE)
# A structured abstract printed without an "Abstract" heading (Hindawi) starts at its first label.
_FIRST_LABEL_RE = re.compile(r"^[ \t]*(?:background|objectives?|purpose|aims?|context)[ \t]*[.:]", re.IGNORECASE | re.MULTILINE)
# Where an abstract ends: the next heading.
_HEADING_RE = re.compile(
    r"^[ \t]*(?:key[ \t]?words?\b|subjects\b|abbreviations\b|(?:\d+\.?[ \t]*)?(?:introduction|background)[ \t]*$)",
    re.IGNORECASE | re.MULTILINE,
)
# First-page furniture (footnotes, editor, copyright): the abstract stops there and goes on at the top of the next page.
_FURNITURE_RE = re.compile(
    r"^[ \t]*(?:communicated by\b|this article belongs to\b|extended author information\b|how to cite\b|citation:"
    r"|\*?[ \t]*correspondence\b|received:?[ \t]+\d|©)",
    re.IGNORECASE | re.MULTILINE,
)
_JUNK_METADATA_TITLE_RE = re.compile(r"^(?:microsoft word|untitled)|\.(?:docx?|pdf|tex|indd)$", re.IGNORECASE)
# Runs of large text that are not a title: links, addresses, copyright lines.
_NOT_A_TITLE_RE = re.compile(r"https?:|www\.|\.(?:org|com)\b|@|©|\bdoi\b", re.IGNORECASE)
# Article-type labels printed in the title's font ("Research Article", "R E V I E W  Open Access").
_ARTICLE_TYPE_RE = re.compile(
    r"(?:research|original|review|short|brief|case|clinical)?(?:article|paper|report|communication|review|study)?(?:openaccess)?"
)


def _squashed(text: str) -> str:
    """Lowercase letters and digits only: compares text whatever its spacing ("Pandemicprogramming")."""
    return "".join(char for char in text.lower() if char.isalnum())


@contextmanager
def captured_warnings(messages: list[str]) -> Iterator[None]:
    """Collect what pypdf logs or warns into `messages` instead of letting it reach stderr."""

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("pypdf")
    handler, propagate = Collect(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        messages.extend(str(warning.message) for warning in caught)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _font_runs(page: pypdf.PageObject) -> list[tuple[float, str]]:
    """(font size, text) of each run of same-size text on the page, article-type labels left out."""
    runs: list[tuple[float, list[str]]] = []

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], _font: object, font_size: float) -> None:
        squashed = _squashed(text)
        if not text.strip() or (squashed and _ARTICLE_TYPE_RE.fullmatch(squashed)):
            return
        size = font_size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
        if runs and abs(runs[-1][0] - size) <= 0.03 * size:
            runs[-1][1].append(text)
        else:
            runs.append((size, [text]))

    page.extract_text(visitor_text=visit)
    return [(size, clean(" ".join(texts))) for size, texts in runs]


def _page_title(page: pypdf.PageObject) -> str:
    """The largest-font run of at least three words that is not a link, an address or a copyright line."""
    candidates = [(size, text) for size, text in _font_runs(page) if len(_WORD_RE.findall(text)) >= 3 and not _NOT_A_TITLE_RE.search(text)]
    return max(candidates, key=lambda run: run[0])[1] if candidates else ""


def _title(metadata_title: str, first_page_text: str, page_title: str) -> str:
    trusted = (
        len(_WORD_RE.findall(metadata_title)) >= 2
        and not _JUNK_METADATA_TITLE_RE.search(metadata_title)
        and _squashed(metadata_title) in _squashed(first_page_text)
    )
    return metadata_title if trusted else page_title


def _abstract_start(pages: list[str]) -> tuple[int, int]:
    """(page, position) where the abstract's text starts: after its heading, else at its first label."""
    for pattern, after in ((_ABSTRACT_HEADING_RE, True), (_FIRST_LABEL_RE, False)):
        for number, page in enumerate(pages):
            if match := pattern.search(page):
                return number, match.end() if after else match.start()
    raise AbstractFormatError("no 'Abstract' heading found on the first pages")


def _abstract(pages: list[str]) -> tuple[tuple[str, str], ...]:
    number, position = _abstract_start(pages)
    parts = []
    for page in pages[number:]:
        segment = page[position:]
        # From the second character, so a leading "Background" label stays in the abstract.
        heading, furniture = _HEADING_RE.search(segment, 1), _FURNITURE_RE.search(segment, 1)
        if heading and (furniture is None or heading.start() < furniture.start()):
            parts.append(segment[: heading.start()])
            return split_labelled("\n".join(parts))
        parts.append(segment[: furniture.start()] if furniture else segment)
        position = 0
    return split_labelled("\n".join(parts)[:PDF_ABSTRACT_CAP])  # no heading closed it


def parse_pdf(data: bytes, source: str, limits: CorpusSettings = CorpusSettings()) -> Parsed:
    """One record from an article PDF; pypdf's warnings end up in Parsed.warnings.

    `limits` is not consulted: a PDF's cost is bounded by corpus.max_file_mb and the few pages read.
    """
    parsed = Parsed()
    with captured_warnings(parsed.warnings):
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise AbstractFormatError("encrypted PDF (a password is needed to read it)")
            pages = [page.extract_text() or "" for page in reader.pages[:2]]
            metadata_title = clean(reader.metadata.title if reader.metadata else "")
            page_title = _page_title(reader.pages[0]) if reader.pages else ""
            text = "\n".join(pages)
            doi = find_doi(text) or (find_doi(reader.pages[-1].extract_text() or "") if len(reader.pages) > 2 else None)
        except AbstractFormatError:
            raise
        except Exception as error:  # pypdf raises many kinds on damaged files; none may stop a build
            raise AbstractFormatError(f"unreadable PDF ({type(error).__name__}: {error})") from None
    if not text.strip():
        raise AbstractFormatError("PDF has no extractable text (a scanned PDF needs OCR first)")
    parsed.records.append(
        make_record(
            title=_title(metadata_title, pages[0], page_title) or text.strip().splitlines()[0],
            authors=(),
            journal="",
            year=None,
            doi=doi,
            sections=_abstract(pages),
            source=source,
        )
    )
    return parsed

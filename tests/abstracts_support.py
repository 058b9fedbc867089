"""What the abstracts tests share: the real-world files (read in place), a cost meter, a tiny PDF writer."""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest

TESTS = Path(__file__).resolve().parent
CORPUS_FIXTURES = TESTS / "fixtures" / "abstracts" / "corpus"
EFETCH_FIXTURES = TESTS / "fixtures" / "abstracts" / "efetch"
# Third-party export files, read where they lie (never copied into the repository): see SOURCES.md there.
REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld-bib"

# Loose enough for a loaded two-core CI machine; the measured costs are a small fraction of these.
MAX_SECONDS = 5.0
MAX_PEAK_BYTES = 300 * 1024 * 1024


def realworld(relative: str) -> Path:
    """A real-world file, or a skip naming the folder when the shared files are not on this machine."""
    path = REALWORLD / relative
    if not REALWORLD.is_dir():
        pytest.skip(f"the real-world export files are not here ({REALWORLD} is absent)")
    assert path.is_file(), f"{relative} is listed in the test but missing from {REALWORLD}"
    return path


def measured(action: Callable[[], Any]) -> tuple[Any, float, int]:
    """(what `action` returned or raised, seconds it took, peak bytes it allocated)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = action()
    except Exception as error:  # the caller asserts on the error itself
        result = error
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak


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


def macro_bomb(doublings: int = 22) -> str:
    """Under 1 KB: each @string doubles the previous one; m22 would be 134 million characters."""
    lines = ['@string{m0 = "' + "x" * 32 + '"}'] + [f"@string{{m{k} = m{k - 1} # m{k - 1}}}" for k in range(1, doublings + 1)]
    return "\n".join(lines + [f"@article{{boom, title = {{Bomb}}, abstract = m{doublings}}}"])

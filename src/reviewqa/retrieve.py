"""Question → ranked passages: dense (FAISS) and BM25 rankings fused by reciprocal rank.

The lexical side takes the question as expanded by vocab.expand_query (the field's
abbreviations both ways, the words people type). A reference entry that ranks high pulls up the
passages and table rows that cite it, so "Scadden 2006" reaches what the review
says about that paper, not only its bibliography line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .config import RetrievalSettings
from .records import TRIAL_CODE_RE, Chunk
from .store import IndexData

_REF_NUMBER_RE = re.compile(r"(?:\[|\bref(?:erence)?\.?\s*#?\s*)(\d{1,3})\]?", re.IGNORECASE)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    position: int  # row of the chunk in the index
    score: float  # fused score, higher is better
    similarity: float  # cosine similarity of question and chunk
    bm25: float


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each score (1 = best)."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty_like(order)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def fuse(dense: np.ndarray, bm25: np.ndarray, settings: RetrievalSettings) -> np.ndarray:
    """Weighted reciprocal-rank fusion; a chunk with no BM25 match gets no BM25 share."""
    fused = settings.dense_weight / (settings.rrf_k + _ranks(dense))
    fused = fused + np.where(bm25 > 0, settings.bm25_weight / (settings.rrf_k + _ranks(bm25)), 0.0)
    return fused


def _identifier_bonus(question: str, chunks: list[Chunk]) -> np.ndarray:
    """Exact trial codes and reference numbers in the question put their chunks first."""
    bonus = np.zeros(len(chunks))
    codes = {code.upper() for code in TRIAL_CODE_RE.findall(question)}
    numbers = {int(n) for n in _REF_NUMBER_RE.findall(question)}
    if not codes and not numbers:
        return bonus
    for i, chunk in enumerate(chunks):
        if any(code in chunk.text.upper() for code in codes) or (chunk.kind == "reference" and chunk.ref in numbers):
            bonus[i] = 1.0
    return bonus


def _with_citing(order: Iterable[int], chunks: list[Chunk], fused: np.ndarray, limit: int) -> list[int]:
    """Ranked positions where a top-ranked reference entry is preceded by the best passages
    citing it (one of each kind): what the review says about a work answers more questions than
    its bibliography line."""
    citing: dict[int, list[int]] = {}
    for i, chunk in enumerate(chunks):
        if chunk.kind != "reference":
            for ref in chunk.refs:
                citing.setdefault(ref, []).append(i)
    result: list[int] = []
    for i in order:
        if len(result) >= limit:
            break
        if i in result:
            continue
        if chunks[i].kind == "reference" and len(result) < 3:
            # The best citing passage of each kind: what the text says, its table row, its abstract.
            best_of_kind: dict[str, int] = {}
            for j in sorted(citing.get(chunks[i].ref, []), key=lambda j: -fused[j]):
                best_of_kind.setdefault(chunks[j].kind, j)
            result.extend(j for j in sorted(best_of_kind.values(), key=lambda j: -fused[j]) if j not in result)
        result.append(i)
    return result[:limit]


def search(
    question: str,
    query_words: list[str],
    query_vector: np.ndarray,
    index: IndexData,
    settings: RetrievalSettings,
    k: int | None = None,
    kinds: frozenset[str] | None = None,
    pinned: frozenset[int] = frozenset(),
) -> list[Hit]:
    """The k best passages for the question, best first. `query_words` are the lexical tokens of the
    question as expanded (vocab.expand_query); `pinned` chunk positions (rows an exact table answer
    found, at most half of k) come first, in their fused order."""
    k = k or settings.k
    chunks = index.chunks
    similarity = _dense_scores(index, query_vector)
    # A question of stop words only ("A", "what is it?") has no lexical side; bm25s cannot score an empty query.
    bm25 = np.asarray(index.bm25.get_scores(query_words), dtype=np.float64) if query_words else np.zeros(len(chunks))
    fused = fuse(similarity, bm25, settings) + _identifier_bonus(question, chunks)
    if kinds:
        fused = np.where([c.kind in kinds for c in chunks], fused, -np.inf)
    order = [int(i) for i in np.argsort(-fused, kind="stable") if np.isfinite(fused[i])]
    if pinned:
        first = [i for i in order if i in pinned][: max(1, k // 2)]
        order = first + [i for i in order if i not in first]
    positions = _with_citing(order, chunks, fused, k)
    return [Hit(chunks[i], i, float(fused[i]), float(similarity[i]), float(bm25[i])) for i in positions if np.isfinite(fused[i])]


def _dense_scores(index: IndexData, query_vector: np.ndarray) -> np.ndarray:
    """Cosine similarity of the question with every chunk (exhaustive: the corpus is small)."""
    scores, ids = index.vectors.search(query_vector.reshape(1, -1).astype(np.float32), index.vectors.ntotal)
    dense = np.empty(index.vectors.ntotal, dtype=np.float64)
    dense[ids[0]] = scores[0]
    return dense

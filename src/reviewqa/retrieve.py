"""Query → ranked passages: dense (FAISS) and BM25 rankings fused by reciprocal rank.

The lexical side takes the reading as expanded by vocabulary.expand_query (the field's
abbreviations both ways, the words people type). Trial codes and cited works the question
names come first. A reference entry that ranks high pulls up the passages and table rows
that cite it, so "Scadden 2006" reaches what the review says about that paper, not only
its bibliography line. Administrative passages (funding, contributions…) rank low unless
the question asks about them by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .config import RetrievalSettings
from .evidence import Evidence, unasked_admin
from .records import Chunk
from .understand import STRANDS, Query

IDENTIFIER_BONUS = 1.0  # above any fused score: a named trial or work is the answer's subject


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


def _named(query: Query, chunks: list[Chunk]) -> np.ndarray:
    """1 for the passages naming a trial code of the question and the entries of the works it names."""
    named = np.zeros(len(chunks))
    codes, works = query.reading.trial_codes, set(query.reading.references)
    if not codes and not works:
        return named
    for i, chunk in enumerate(chunks):
        if any(code in chunk.text.upper() for code in codes) or (chunk.kind == "reference" and chunk.ref in works):
            named[i] = 1.0
    return named


def _with_citing(order: Iterable[int], evidence: Evidence, fused: np.ndarray, limit: int, lead: int) -> list[int]:
    """Ranked positions where a reference entry among the first `lead` is preceded by the best passages
    citing it (one of each kind): what the review says about a work answers more than its bibliography line."""
    chunks = evidence.index.chunks
    result: list[int] = []
    for i in order:
        if len(result) >= limit:
            break
        if i in result:
            continue
        if chunks[i].kind == "reference" and len(result) < lead:
            best_of_kind: dict[str, int] = {}
            for j in sorted(evidence.citing.get(chunks[i].ref, []), key=lambda j: -fused[j]):
                best_of_kind.setdefault(chunks[j].kind, j)
            result.extend(j for j in sorted(best_of_kind.values(), key=lambda j: -fused[j]) if j not in result)
        result.append(i)
    return result[:limit]


def search(query: Query, evidence: Evidence, settings: RetrievalSettings, k: int | None = None,
           kinds: frozenset[str] | None = None, pinned: frozenset[int] = frozenset()) -> list[Hit]:
    """The k best passages for the query, best first. `pinned` chunk positions (rows an exact table
    answer found, at most half of k) come first, in their fused order."""
    k = k or settings.k
    index = evidence.index
    chunks = index.chunks
    similarity = _dense_scores(index.vectors, query.vector)
    # A passage's closest sentence is a ranking of its own: one fact in a 200-token window is diluted in the passage's vector.
    # Scored as answers score sentences: cosine plus the IDF-weighted share of the question's words it uses (a rare name,
    # "Jordan", that the embedder barely sees).
    best_sentence = np.full(len(chunks), -1.0)
    sentence_scores = index.sentence_vectors @ query.sentence_vector + settings.sentence_lexical_weight * evidence.overlaps(query.tokens)
    np.maximum.at(best_sentence, index.sentence_chunks, sentence_scores)
    # A question of stop words only ("A", "what is it?") has no lexical side; bm25s cannot score an empty query.
    bm25 = np.asarray(index.bm25.get_scores(list(query.tokens)), dtype=np.float64) if query.tokens else np.zeros(len(chunks))
    fused = fuse(similarity, bm25, settings) + settings.sentence_weight / (settings.rrf_k + _ranks(best_sentence))
    # A question about one strand of the review (human studies, animal models, in vitro) favours the section on it.
    sections = {section for label, _, sections in STRANDS if label in query.reading.strands for section in sections}
    if sections:
        fused = fused + np.where([c.kind == "prose" and c.section in sections for c in chunks],
                                 settings.strand_weight / (settings.rrf_k + 1), 0.0)
    gated = np.array([unasked_admin(c, query.reading.asks_sections) for c in chunks])
    fused = np.where(gated, fused * settings.unasked_admin_weight, fused)
    if query.reading.intent != "reference":
        fused = np.where([c.kind == "reference" for c in chunks], fused * settings.bibliography_weight, fused)
    fused = fused + IDENTIFIER_BONUS * _named(query, chunks)
    if kinds:
        fused = np.where([c.kind in kinds for c in chunks], fused, -np.inf)
    order = [int(i) for i in np.argsort(-fused, kind="stable") if np.isfinite(fused[i])]
    if pinned:
        first = [i for i in order if i in pinned][: max(1, k // 2)]
        order = first + [i for i in order if i not in first]
    positions = _with_citing(order, evidence, fused, k, settings.citing_lead)
    return [Hit(chunks[i], i, float(fused[i]), float(similarity[i]), float(bm25[i])) for i in positions if np.isfinite(fused[i])]


def _dense_scores(vectors, query_vector: np.ndarray) -> np.ndarray:
    """Cosine similarity of the question with every chunk (exhaustive: the corpus is small)."""
    scores, ids = vectors.search(query_vector.reshape(1, -1).astype(np.float32), vectors.ntotal)
    dense = np.empty(vectors.ntotal, dtype=np.float64)
    dense[ids[0]] = scores[0]
    return dense

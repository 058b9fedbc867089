"""The pipelines a user would build instead of reviewqa, from their real libraries.

- TutorialDense: the review's raw text → RecursiveCharacterTextSplitter(1000, 200) → the same
  all-MiniLM-L6-v2 (normalised) → faiss.IndexFlatIP → top-k.
- BM25Peer: bm25s over the same chunks (bm25s.tokenize(stopwords="en"), default BM25).

A peer's "answer" is its top-3 chunks joined; its citations are the [n] markers in those chunks.
Each peer exposes search(question) → chunk positions (the retrieval step, timed) and
ask(question, history) → reviewqa.evaluate.Response, as evaluate_with wants (a peer has no
conversation: it reads the question alone).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from reviewqa.evaluate import Response
from reviewqa.records import expand_citations

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
DEPTH = 10  # passages returned (MRR@10 needs ten)
ANSWER_CHUNKS = 3


def raw_review_chunks(corpus_dir: Path) -> list[str]:
    """The review's raw text files split the way the LangChain tutorial does."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks: list[str] = []
    for path in sorted((corpus_dir / "review").glob("*.txt")):
        chunks.extend(splitter.split_text(path.read_text(encoding="utf-8")))
    if not chunks:
        raise SystemExit(f"no review text under {corpus_dir / 'review'}")
    return chunks


class _Peer:
    name = "peer"

    def __init__(self, chunks: list[str]):
        self.chunks = chunks
        self.last_retrieve_ms = 0.0

    def search(self, question: str) -> list[int]:  # pragma: no cover - abstract
        raise NotImplementedError

    def answer(self, positions: list[int]) -> tuple[str, list[int]]:
        top = [self.chunks[i] for i in positions[:ANSWER_CHUNKS]]
        cited: dict[int, None] = {}
        for text in top:
            for ref in expand_citations(text):
                cited.setdefault(ref, None)
        return "\n\n".join(top), list(cited)

    def timed(self, question: str) -> tuple[list[int], str, list[int], float, float]:
        """positions, answer, cited, retrieval ms, total ms."""
        started = time.perf_counter()
        positions = self.search(question)
        retrieved = time.perf_counter()
        text, cited = self.answer(positions)
        done = time.perf_counter()
        return positions, text, cited, (retrieved - started) * 1000, (done - started) * 1000

    def ask(self, question: str, history: list[str]) -> Response:
        positions, text, cited, _, total = self.timed(question)
        return Response([self.chunks[i] for i in positions], text, cited, total)


class TutorialDense(_Peer):
    name = "tutorial dense"

    def __init__(self, chunks: list[str], embedder, batch_size: int = 64):
        super().__init__(chunks)
        import faiss

        self.embedder = embedder
        vectors = embedder.encode(chunks, batch_size=batch_size)  # normalize_embeddings=True
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, question: str) -> list[int]:
        vector = self.embedder.encode_query(question).reshape(1, -1).astype(np.float32)
        _, ids = self.index.search(vector, min(DEPTH, self.index.ntotal))
        return [int(i) for i in ids[0] if i >= 0]


class BM25Peer(_Peer):
    name = "BM25"

    def __init__(self, chunks: list[str]):
        super().__init__(chunks)
        import bm25s

        self._bm25s = bm25s
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize(chunks, stopwords="en", show_progress=False), show_progress=False)
        self.vocab = set(self.retriever.vocab_dict)

    def search(self, question: str) -> list[int]:
        tokens = self._bm25s.tokenize([question], stopwords="en", return_ids=False, show_progress=False)[0]
        tokens = [t for t in tokens if t in self.vocab]  # words the corpus never uses score nothing
        k = min(DEPTH, len(self.chunks))
        if not tokens:
            return list(range(k))  # nothing matches: an arbitrary (corpus-order) ranking
        ids, _ = self.retriever.retrieve([tokens], k=k, show_progress=False)
        return [int(i) for i in ids[0]]

"""Index files: write them, read them, refuse broken ones.

Layout of an index folder:

    index/
      CURRENT             name of the build in use (replaced atomically)
      builds/<build_id>/  manifest.json (written last), chunks.jsonl, vectors.faiss,
                          sentences.npy, sentence_chunks.npy, bm25/
      cache/embeddings.npz  vectors by content hash, reused by the next build

A build is written into builds/<id>.partial, renamed when complete, and only
then named in CURRENT, so readers never see half an index.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import faiss
import numpy as np

from .config import Settings
from .corpus import corpus_files, review_files
from .errors import REBUILD as REBUILD_HINT
from .errors import IndexProblem
from .records import Chunk, Document, chunk_from_dict, document_from_dict

FORMAT_VERSION = 1
_MANIFEST = "manifest.json"

@dataclass(frozen=True)
class Manifest:
    format_version: int
    build_id: str
    model: str
    dimension: int
    max_seq_length: int
    chunking: dict[str, Any]
    fingerprint: str  # hash of corpus files + build settings
    corpus_files: dict[str, str]  # relative path → sha256
    counts: dict[str, int]  # chunks by kind
    documents: list[str]
    libraries: dict[str, str]
    built_at: str
    build_seconds: float
    warnings: list[str]
    checksums: dict[str, str] = dataclasses.field(default_factory=dict)
    corpus_dir: str = ""  # the corpus folder it was built from (absolute), so `ask --index` alone can check it
    corpus_stats: dict[str, list[int]] = dataclasses.field(default_factory=dict)  # relative path → [size, mtime_ns]
    code_files: dict[str, str] = dataclasses.field(default_factory=dict)  # pipeline module (package-relative) → sha256
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)  # the build settings in force (Settings.build_fingerprint)
    # {"references": 151, "with_abstract": n}; empty in manifests written before it was recorded
    abstract_coverage: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclass
class IndexData:
    manifest: Manifest
    chunks: list[Chunk]
    vectors: faiss.Index
    sentence_vectors: np.ndarray  # (n_sentences, dim), unit rows
    sentence_chunks: np.ndarray  # chunk position of each sentence row
    bm25: bm25s.BM25
    documents: list[Document]  # parsed records: references, tables, abbreviations


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _chunk_to_json(chunk: Chunk) -> str:
    return json.dumps(dataclasses.asdict(chunk), ensure_ascii=False)


def _chunk_from_json(line: str) -> Chunk:
    return chunk_from_dict(json.loads(line))


def current_build(index_dir: Path) -> str | None:
    pointer = index_dir / "CURRENT"
    try:
        return pointer.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_index(index_dir: Path, data: IndexData) -> Path:
    """Write a complete build beside the current one, verify it, then switch CURRENT to it."""
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = data.manifest.build_id
    staging = builds / f"{build_id}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    with (staging / "chunks.jsonl").open("w", encoding="utf-8") as handle:
        for chunk in data.chunks:
            handle.write(_chunk_to_json(chunk) + "\n")
    faiss.write_index(data.vectors, str(staging / "vectors.faiss"))
    np.save(staging / "sentences.npy", data.sentence_vectors)
    np.save(staging / "sentence_chunks.npy", data.sentence_chunks)
    data.bm25.save(str(staging / "bm25"), show_progress=False)
    documents = [dataclasses.asdict(doc) for doc in data.documents]
    (staging / "documents.json").write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    checksums = {str(path.relative_to(staging)): file_sha256(path) for path in sorted(staging.rglob("*")) if path.is_file()}
    manifest = dataclasses.replace(data.manifest, checksums=checksums)
    _atomic_write_text(staging / _MANIFEST, json.dumps(dataclasses.asdict(manifest), indent=2))
    final = builds / build_id
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staging, final)
    _atomic_write_text(index_dir / "CURRENT", build_id + "\n")
    _prune_builds(builds, keep={build_id})
    return final


def _prune_builds(builds: Path, keep: set[str], retain: int = 2) -> None:
    """Keep the newest few builds (a reader may still be loading the previous one); drop the rest and any leftovers."""
    done = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.endswith(".partial")), key=lambda p: p.stat().st_mtime)
    for old in done[:-retain]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def remove_partial_builds(index_dir: Path) -> None:
    """Leftovers of a build that was killed before it finished."""
    for partial in (index_dir / "builds").glob("*.partial"):
        shutil.rmtree(partial, ignore_errors=True)


def read_manifest(index_dir: Path) -> Manifest:
    build_id = current_build(index_dir)
    if build_id is None:
        raise IndexProblem(f"No index found in {index_dir}/; build it with: {REBUILD_HINT}")
    path = index_dir / "builds" / build_id / _MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexProblem(f"The index in {index_dir}/ names build {build_id}, which is missing; rebuild it with: {REBUILD_HINT}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise IndexProblem(f"The index manifest in {index_dir}/ is corrupt; rebuild it with: {REBUILD_HINT}") from None
    version = raw.get("format_version") if isinstance(raw, dict) else None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise IndexProblem(
            f"The index in {index_dir}/ was written by a newer reviewqa (format {version}, this one reads {FORMAT_VERSION}); "
            f"rebuild it with: {REBUILD_HINT}"
        )
    try:
        return Manifest(**raw)
    except TypeError:
        raise IndexProblem(f"The index manifest in {index_dir}/ is incomplete; rebuild it with: {REBUILD_HINT}") from None


def damage(index_dir: Path, manifest: Manifest) -> str:
    """The first file of the build that does not match its checksum ("" when all match)."""
    folder = index_dir / "builds" / manifest.build_id
    for name, expected in manifest.checksums.items():
        path = folder / name
        if not path.is_file() or file_sha256(path) != expected:
            return name
    return ""


def read_index(index_dir: Path, verify_checksums: bool = True) -> IndexData:
    """Load the current build; any damage becomes an IndexProblem naming the rebuild command."""
    manifest = read_manifest(index_dir)
    folder = index_dir / "builds" / manifest.build_id
    broken = f"The index in {index_dir}/ is damaged"
    if verify_checksums and (damaged := damage(index_dir, manifest)):
        raise IndexProblem(f"{broken} ({damaged} does not match its checksum); rebuild it with: {REBUILD_HINT}")
    try:
        chunks = [_chunk_from_json(line) for line in (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line]
        vectors = faiss.read_index(str(folder / "vectors.faiss"))
        sentence_vectors = np.load(folder / "sentences.npy", allow_pickle=False)
        sentence_chunks = np.load(folder / "sentence_chunks.npy", allow_pickle=False)
        bm25 = bm25s.BM25.load(str(folder / "bm25"))
        documents = [document_from_dict(raw) for raw in json.loads((folder / "documents.json").read_text(encoding="utf-8"))]
    except Exception as exc:  # faiss, numpy and json each raise their own types for a damaged file
        raise IndexProblem(f"{broken} ({type(exc).__name__}); rebuild it with: {REBUILD_HINT}") from None
    if vectors.ntotal != len(chunks) or vectors.d != manifest.dimension or len(sentence_vectors) != len(sentence_chunks):
        raise IndexProblem(f"{broken} (chunk records do not match the vectors); rebuild it with: {REBUILD_HINT}")
    return IndexData(manifest, chunks, vectors, sentence_vectors, sentence_chunks, bm25, documents)


def read_embedding_cache(index_dir: Path, model: str) -> dict[str, np.ndarray]:
    """Vectors by content hash from earlier builds with the same model; empty if none or unreadable."""
    path = index_dir / "cache" / "embeddings.npz"
    try:
        with np.load(path, allow_pickle=False) as cache:
            if str(cache["model"]) != model:
                return {}
            return dict(zip(cache["hashes"].tolist(), cache["vectors"]))
    except Exception:  # a missing or damaged cache only costs a full re-embed
        return {}


def write_embedding_cache(index_dir: Path, model: str, vectors: dict[str, np.ndarray]) -> None:
    folder = index_dir / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    hashes = sorted(vectors)
    matrix = np.stack([vectors[h] for h in hashes]) if hashes else np.zeros((0, 0), dtype=np.float32)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".embeddings.", suffix=".npz")
    os.close(fd)
    np.savez(tmp, model=np.array(model), hashes=np.array(hashes), vectors=matrix)
    os.replace(tmp, folder / "embeddings.npz")


# --- freshness ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexStatus:
    """Can the index be served, and is it current? A stale index is served, with a warning."""

    ok: bool  # readable and built with the configured model: it can answer
    message: str  # one sentence; names the command that repairs it when not ok or stale
    manifest: Manifest | None = None
    changes: tuple[str, ...] = ()  # what changed since the build: "corpus", "settings", "pipeline"
    corpus_dir: Path | None = None  # the corpus the freshness was judged against (None: not found, not judged)

    @property
    def stale(self) -> bool:
        return bool(self.changes)

    @property
    def current(self) -> bool:
        return self.ok and not self.changes


def corpus_stats(corpus_dir: Path) -> dict[str, list[int]]:
    """Relative path → [size, mtime_ns] of every corpus file: what tells cheaply that a file may have changed."""
    found = {}
    for path in corpus_files(corpus_dir):
        stat = path.stat()
        found[str(path.relative_to(corpus_dir))] = [stat.st_size, stat.st_mtime_ns]
    return found


def _corpus_changed(manifest: Manifest, corpus_dir: Path) -> bool:
    """Files added or removed, or a file whose size or time differs and whose content does too (hashed only then)."""
    now = corpus_stats(corpus_dir)
    if set(now) != set(manifest.corpus_files):
        return True
    return any(now[name] != manifest.corpus_stats.get(name) and file_sha256(corpus_dir / name) != manifest.corpus_files[name]
               for name in now)


def _pipeline_changed(manifest: Manifest) -> bool:
    package = Path(__file__).parent
    if not manifest.code_files:
        return True  # written before the pipeline's code was recorded
    for name, digest in manifest.code_files.items():
        path = package / name
        if not path.is_file() or file_sha256(path) != digest:
            return True
    return False


def index_status(settings: Settings, corpus_dir: Path | None = None) -> IndexStatus:
    """Is there a usable index, and was it built from the corpus, settings and pipeline in force now? The corpus is the
    one the index was built from (recorded in its manifest) unless `corpus_dir` is given."""
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexProblem as problem:
        return IndexStatus(False, str(problem))
    if manifest.model != settings.embed.model:
        return IndexStatus(
            False,
            f"The index was built with model '{manifest.model}' but '{settings.embed.model}' is configured; "
            f"rebuild it with: {REBUILD_HINT}",
            manifest,
        )
    recorded = Path(manifest.corpus_dir) if manifest.corpus_dir else None
    corpus = corpus_dir or settings.corpus_dir or (recorded if recorded and recorded.is_dir() else settings.corpus_folder)
    changes = []
    if review_files(corpus):
        if _corpus_changed(manifest, corpus):
            changes.append("corpus")
    else:
        corpus = None  # an index served without its corpus (a copied index/): the corpus cannot be judged
    if manifest.settings and manifest.settings != settings.build_fingerprint():
        changes.append("settings")
    if _pipeline_changed(manifest):
        changes.append("pipeline")
    if changes:
        return IndexStatus(
            True,
            f"The index in {settings.index_dir}/ is out of date: the {' and the '.join(changes)} changed since it was built; "
            f"answers come from the old build until you run: {REBUILD_HINT}",
            manifest, tuple(changes), corpus,
        )
    where = "" if corpus else " (corpus not found, so its freshness is not checked)"
    return IndexStatus(True, f"Index {manifest.build_id} is up to date{where}.", manifest, (), corpus)

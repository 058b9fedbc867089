"""Index files: write them, read them, refuse broken ones.

Layout of an index folder:

    index/
      CURRENT             name of the build in use (replaced atomically)
      builds/<build_id>/  manifest.json (written last), chunks.jsonl, vectors.faiss,
                          sentences.npy, sentence_chunks.npy, bm25/
      cache/embeddings.npz  vectors by content hash, reused by the next build

A build writes the embedding cache, then builds/<id>.partial, renames it when complete,
and only then names it in CURRENT: readers never see half an index, and a build that
cannot write (a full disk, a read-only folder) fails before anything in use changes.
The next build clears what a failed or killed one left (temporaries, .partial folders).
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import io
import json
import os
import re
import secrets
import shlex
import shutil
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

import bm25s
import faiss
import numpy as np

from .config import Settings
from .corpus import corpus_files, review_files
from .errors import REBUILD as REBUILD_HINT
from .errors import BuildFailed, IndexProblem
from .records import Chunk, Document, chunk_from_dict, document_from_dict

FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_POINTER = "CURRENT"
# What run_build names a build: its UTC time and the start of its fingerprint. CURRENT must hold exactly one.
_BUILD_ID = re.compile(r"\d{8}T\d{6}-[0-9a-f]{8}")
# Leftovers of a build that failed or was killed: cleared by the next build (which holds the lock).
_TEMPORARIES = (f".{_POINTER}.*", "builds/*.partial", "cache/.embeddings.*")

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
    """The build CURRENT names, or None when there is no CURRENT. Anything else in its place — bytes that are not a build
    id, a path (it could lead out of the index folder), a folder, a FIFO — is damage: an IndexProblem, never followed."""
    pointer = index_dir / _POINTER
    try:
        # O_NONBLOCK: a FIFO named CURRENT must not hang the reader.
        fd = os.open(pointer, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    except OSError as error:  # a folder on Windows, no permission
        raise _damaged_pointer(index_dir, f"cannot be read: {error.strerror or error}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise _damaged_pointer(index_dir, "is a folder, not a file")
        if not stat.S_ISREG(mode):
            raise _damaged_pointer(index_dir, "is not a regular file")
        raw = os.read(fd, 64)  # a build id is 24 characters; a huge CURRENT is not read whole
    finally:
        os.close(fd)
    text = raw.decode("ascii", errors="replace").strip()
    if not _BUILD_ID.fullmatch(text):
        raise _damaged_pointer(index_dir, "is empty" if not raw else "does not name a build")
    return text


def _damaged_pointer(index_dir: Path, why: str) -> IndexProblem:
    return IndexProblem(f"The index in {index_dir}/ is damaged (its {_POINTER} file {why}); rebuild it with: {REBUILD_HINT}")


# --- writing ------------------------------------------------------------------------------------


@contextmanager
def writing(target: Path) -> Iterator[None]:
    """An OSError while writing `target` (a full disk, a read-only or forbidden folder) becomes one sentence: the path,
    why, and how much space is free there."""
    try:
        yield
    except OSError as error:
        raise BuildFailed(_write_failure(error, target)) from None


# In plain words; any other error is told by its own message ("Disk quota exceeded", "File too large").
_WRITE_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def _write_failure(error: OSError, target: Path) -> str:
    path = Path(os.fsdecode(error.filename)) if error.filename else target
    reason = _WRITE_REASONS.get(error.errno or 0, error.strerror or str(error))
    return f"Cannot write {path} ({reason}; {_free_space(path)} free there); the index in use was not changed."


def _free_space(path: Path) -> str:
    for folder in (path, *path.parents):
        try:
            return f"{shutil.disk_usage(folder).free / 1e6:,.1f} MB"
        except OSError:
            continue
    return "unknown"


def _atomic_write(path: Path, write: Callable[[BinaryIO], Any]) -> None:
    """`path` written whole or not at all: into a temporary beside it, flushed to disk, renamed over it. The file gets
    the ordinary mode (0666 less the umask), not mkstemp's 0600: whoever serves the index must be able to read it."""
    temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}"
    try:
        with temporary.open("xb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:  # reported under the file it writes, not its temporary
        raise OSError(error.errno, error.strerror or str(error), str(path)) from error
    finally:
        _remove(temporary)  # gone already when the rename succeeded


def _switch_current(index_dir: Path, build_id: str) -> None:
    pointer = index_dir / _POINTER
    if pointer.is_dir() and not pointer.is_symlink():
        shutil.rmtree(pointer)  # a folder cannot be renamed over: damage that the rebuild clears
    _atomic_write(pointer, lambda handle: handle.write(f"{build_id}\n".encode()))


def _readable_current(index_dir: Path) -> str | None:
    try:
        return current_build(index_dir)
    except IndexProblem:
        return None


def write_index(index_dir: Path, data: IndexData) -> Path:
    """Write a complete build beside the current one, then switch CURRENT to it; keep that build and the one before.

    Nothing in use changes unless everything is written: a failure removes the half-written build and raises BuildFailed.
    """
    builds = index_dir / "builds"
    build_id = data.manifest.build_id
    staging = builds / f"{build_id}.partial"
    final = builds / build_id
    previous = _readable_current(index_dir)
    try:
        with writing(staging):
            builds.mkdir(parents=True, exist_ok=True)
            _remove(staging)
            staging.mkdir()
            _write_build_files(staging, data)
            _remove(final)  # an earlier build of the same inputs within the same second
            os.replace(staging, final)
        with writing(index_dir / _POINTER):
            _switch_current(index_dir, build_id)
    except BaseException:
        _remove(staging)
        if build_id != previous:
            _remove(final)
        raise
    _prune_builds(builds, build_id, previous)
    return final


def _write_build_files(folder: Path, data: IndexData) -> None:
    with (folder / "chunks.jsonl").open("w", encoding="utf-8") as handle:
        for chunk in data.chunks:
            handle.write(_chunk_to_json(chunk) + "\n")
    # Serialized in memory and written here: faiss.write_index and np.save report a full disk without its errno (a
    # RuntimeError, an OSError "N requested and M written"), so it could not be said what went wrong.
    (folder / "vectors.faiss").write_bytes(faiss.serialize_index(data.vectors).tobytes())
    _save_array(folder / "sentences.npy", data.sentence_vectors)
    _save_array(folder / "sentence_chunks.npy", data.sentence_chunks)
    data.bm25.save(str(folder / "bm25"), show_progress=False)
    documents = [dataclasses.asdict(doc) for doc in data.documents]
    (folder / "documents.json").write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")
    checksums = {str(path.relative_to(folder)): file_sha256(path) for path in sorted(folder.rglob("*")) if path.is_file()}
    manifest = dataclasses.replace(data.manifest, checksums=checksums)
    _atomic_write(folder / _MANIFEST, lambda handle: handle.write(json.dumps(dataclasses.asdict(manifest), indent=2).encode()))


def _save_array(path: Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array)
    path.write_bytes(buffer.getbuffer())


def _prune_builds(builds: Path, current: str, previous: str | None) -> None:
    """Remove every build but the current one and the last good one: the build CURRENT named before (a reader may still
    be loading it) or, when CURRENT was damaged, the newest other complete build."""
    others = sorted(p.name for p in builds.iterdir() if p.name != current and _BUILD_ID.fullmatch(p.name) and (p / _MANIFEST).is_file())
    last_good = previous if previous in others else (others[-1] if others else None)
    for entry in builds.iterdir():
        if entry.name not in (current, last_good):
            _remove(entry)


def remove_temporaries(index_dir: Path) -> None:
    """What a failed or killed build left: temporary files and .partial build folders (the caller holds the build lock)."""
    for pattern in _TEMPORARIES:
        for leftover in index_dir.glob(pattern):
            _remove(leftover)


def _remove(path: Path) -> None:
    """Best effort: what cannot be removed now is tried again by the next build."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:
        pass


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
    """What is wrong with the first file of the build that is missing or does not match its checksum ("" when none)."""
    folder = index_dir / "builds" / manifest.build_id
    for name, expected in manifest.checksums.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if file_sha256(path) != expected:
            return f"{name} does not match its checksum"
    return ""


def read_index(index_dir: Path, verify_checksums: bool = True) -> IndexData:
    """Load the current build; any damage becomes an IndexProblem naming the rebuild command."""
    manifest = read_manifest(index_dir)
    folder = index_dir / "builds" / manifest.build_id
    broken = f"The index in {index_dir}/ is damaged"
    if verify_checksums and (damaged := damage(index_dir, manifest)):
        raise IndexProblem(f"{broken} ({damaged}); rebuild it with: {REBUILD_HINT}")
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


def read_embedding_cache(index_dir: Path, model: str, dimension: int) -> dict[str, np.ndarray]:
    """Vectors by content hash from earlier builds with the same model; empty if none, unreadable or of another shape."""
    path = index_dir / "cache" / "embeddings.npz"
    try:
        with np.load(path, allow_pickle=False) as cache:
            if str(cache["model"]) != model or cache["vectors"].shape[1:] != (dimension,):
                return {}
            return dict(zip(cache["hashes"].tolist(), cache["vectors"]))
    except Exception:  # a missing or damaged cache only costs a full re-embed
        return {}


def write_embedding_cache(index_dir: Path, model: str, vectors: dict[str, np.ndarray]) -> None:
    """Written before the build it serves (see write_index), so a disk that cannot take it fails the build early."""
    folder = index_dir / "cache"
    hashes = sorted(vectors)
    matrix = np.stack([vectors[h] for h in hashes]) if hashes else np.zeros((0, 0), dtype=np.float32)
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / "embeddings.npz",
                      lambda handle: np.savez(handle, model=np.array(model), hashes=np.array(hashes), vectors=matrix))


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

    @property
    def refusal(self) -> str:
        """The message when this index is not served: as `message`, but a stale index refused under --strict says so."""
        if self.ok and self.stale:
            return (f"The index is out of date: the {' and the '.join(self.changes)} changed since it was built, and "
                    f"--strict refuses it; rebuild it with: {REBUILD_HINT}")
        return self.message


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
            f"rebuild it with: {REBUILD_HINT} --model {shlex.quote(settings.embed.model)}",
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

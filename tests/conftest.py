"""Shared fixtures: the real corpus, the real model, one real index per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewqa.assistant import Assistant
from reviewqa.build import run_build
from reviewqa.config import Settings, load_settings
from reviewqa.embed import load_embedder
from reviewqa.parse import Document, read_review

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
REVIEW = CORPUS / "review" / "zhankina-2021-msc-azoospermia-review.txt"


@pytest.fixture(scope="session")
def review() -> Document:
    return read_review(REVIEW)


@pytest.fixture(scope="session")
def embedder():
    return load_embedder(load_settings(environ={}).embed)


@pytest.fixture(scope="session")
def corpus_copy(tmp_path_factory) -> Path:
    """A private copy of the corpus (review only), so tests never touch the repository's."""
    target = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS / "review", target / "review")
    return target


@pytest.fixture(scope="session")
def settings(corpus_copy, tmp_path_factory) -> Settings:
    index_dir = tmp_path_factory.mktemp("index")
    return load_settings({("corpus_dir",): corpus_copy, ("index_dir",): index_dir}, environ={})


@pytest.fixture(scope="session")
def built_index(settings, embedder) -> Settings:
    """The real index, built once for the whole session."""
    run_build(settings, embedder=embedder)
    return settings


@pytest.fixture(scope="session")
def assistant(built_index) -> Assistant:
    """The assistant as shipped: questions embedded by the NumPy encoder."""
    return Assistant(built_index)


@pytest.fixture()
def scratch(built_index, tmp_path) -> Settings:
    """A private corpus and an empty index folder that starts with the session's embedding cache,
    so a build here embeds only what the test changed."""
    corpus = tmp_path / "corpus"
    shutil.copytree(built_index.corpus_dir, corpus)
    index_dir = tmp_path / "index"
    shutil.copytree(built_index.index_dir / "cache", index_dir / "cache")
    return load_settings({("corpus_dir",): corpus, ("index_dir",): index_dir}, environ={})

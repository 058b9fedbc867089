"""The evaluation's metrics, on responses whose right figures are known."""

from __future__ import annotations

import json

from reviewqa.evaluate import Response, evaluate_with, first_evidence_rank, load_questions, score_question, summarise

QUESTION = {"id": "q", "kind": "fact", "question": "?", "evidence": ["the key fact"], "refs": [3, 4], "keywords": ["50%", "TESE"]}
OUT = {"id": "o", "kind": "out_of_scope", "question": "?", "in_scope": False}


def test_rank_of_the_first_passage_holding_the_evidence():
    assert first_evidence_rank(["x", "THE  key\nfact here"], ["the key fact"]) == 2
    assert first_evidence_rank(["x"] * 12 + ["the key fact"], ["the key fact"]) is None  # beyond depth 10


def test_an_answer_counts_only_with_every_keyword_in_its_first_1000_characters():
    early = score_question(QUESTION, Response(["the key fact"], "TESE finds sperm in 50% [3].", [3], 1.0))
    late = score_question(QUESTION, Response(["the key fact"], "x" * 1000 + " TESE 50%", [3], 1.0))
    declined = score_question(QUESTION, Response(["the key fact"], "TESE 50%", [], 1.0, covered=False))
    assert early["answered"] == 1.0 and late["answered"] == 0.0 and late["keyword_recall"] == 1.0
    assert declined["answered"] == 0.0 and declined["wrongly_declined"] == 1.0


def test_citation_recall_and_precision():
    row = score_question(QUESTION, Response([], "", [3, 9], 1.0))
    assert row["citation_recall"] == 0.5 and row["citation_precision"] == 0.5


def test_out_of_scope_questions_count_as_declined_or_wrongly_answered():
    assert score_question(OUT, Response([], "no", [], 1.0, covered=False))["declined"] == 1.0
    row = score_question(OUT, Response([], "an answer", [1], 1.0))
    assert row["wrongly_answered"] == 1.0 and row["answered"] is None and row["citation_recall"] is None


def test_summary_averages_only_where_a_metric_applies():
    rows = [score_question(QUESTION, Response(["the key fact"], "TESE 50%", [3, 4], 1.0)),
            score_question(OUT, Response([], "x" * 2000, [], 1.0, covered=False))]
    summary = summarise(rows)
    assert summary["answered"] == 1.0 and summary["declined"] == 1.0 and summary["short"] == 0.5 and summary["hit@5"] == 1.0


def test_history_reaches_the_pipeline_and_bad_lines_cost_one_question(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({**QUESTION, "history": ["first"]}) + "\nnot json\n", encoding="utf-8")
    questions = load_questions(path)
    assert questions[1]["question"] is None and "line 2" in questions[1]["error"]
    seen = []
    report = evaluate_with(lambda question, history: seen.append(history) or Response([], "", [], 1.0), questions[:1])
    assert seen == [["first"]] and report["overall"]["questions"] == 1


def test_a_set_holding_an_empty_question_is_scored_not_refused(assistant):
    from reviewqa.evaluate import evaluate

    report = evaluate(assistant, [{"id": "e", "question": ""}, {"id": "n", "question": None}, QUESTION | {"question": "What is TESE?"}])
    rows = report["questions"]
    assert rows[0]["error"] == "Please type a question." and rows[1]["error"] == "A question must be text." and not rows[2]["error"]

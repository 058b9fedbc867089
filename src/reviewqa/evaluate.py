"""Score a question set: retrieval (hit@5, MRR@10), citations (recall, precision), answer keywords.

A question line: {"id", "question", "kind", "evidence": [str], "refs": [int], "keywords": [str]}.
A passage "contains" an evidence string when it does after lower-casing and
collapsing white space. Citation recall and precision are averaged over the
questions that have gold references; precision counts only questions where the
answer cites something.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any, Callable, Sequence

Metrics = dict[str, float]


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def load_questions(path: Path) -> list[dict[str, Any]]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        if not isinstance(record, dict) or "question" not in record:
            raise ValueError(f"line {number} has no 'question'")
        questions.append(record)
    return questions


def first_evidence_rank(passages: Sequence[str], evidence: Sequence[str], depth: int = 10) -> int | None:
    wanted = [normalise(e) for e in evidence]
    for rank, text in enumerate(passages[:depth], start=1):
        body = normalise(text)
        if any(e in body for e in wanted):
            return rank
    return None


def score_question(question: dict[str, Any], passages: Sequence[str], answer: str, cited: Sequence[int]) -> dict[str, Any]:
    """Metrics of one answered question; None where a metric does not apply."""
    rank = first_evidence_rank(passages, question.get("evidence", []))
    gold = set(question.get("refs", []))
    keywords = question.get("keywords", [])
    answer_text = normalise(answer)
    return {
        "id": question.get("id", ""),
        "kind": question.get("kind", ""),
        "hit@5": float(rank is not None and rank <= 5),
        "mrr@10": 1.0 / rank if rank else 0.0,
        "citation_recall": len(gold & set(cited)) / len(gold) if gold else None,
        "citation_precision": len(gold & set(cited)) / len(set(cited)) if gold and cited else None,
        "keyword_recall": sum(normalise(k) in answer_text for k in keywords) / len(keywords) if keywords else None,
        "rank": rank,
        "cited": list(cited),
    }


def summarise(rows: list[dict[str, Any]]) -> Metrics:
    summary: Metrics = {"questions": float(len(rows))}
    for metric in ("hit@5", "mrr@10", "citation_recall", "citation_precision", "keyword_recall"):
        values = [row[metric] for row in rows if row[metric] is not None]
        summary[metric] = round(statistics.fmean(values), 4) if values else float("nan")
    return summary


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def evaluate_with(ask: Callable[[str], tuple[list[str], str, list[int], float]], questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Score any pipeline given as ask(question) → (passage texts, answer, cited refs, milliseconds)."""
    rows, latencies = [], []
    for question in questions:
        passages, answer, cited, millis = ask(question["question"])
        rows.append(score_question(question, passages, answer, cited))
        latencies.append(millis)
    kinds = sorted({row["kind"] for row in rows})
    return {
        "overall": summarise(rows),
        "by_kind": {kind: summarise([row for row in rows if row["kind"] == kind]) for kind in kinds},
        "latency_ms": {"p50": round(percentile(latencies, 0.5), 2), "p95": round(percentile(latencies, 0.95), 2)},
        "questions": rows,
    }


def evaluate(assistant, questions: list[dict[str, Any]]) -> dict[str, Any]:
    def ask(text: str):
        answer = assistant.ask(text)
        return [p.text for p in answer.passages], answer.text, [c.ref for c in answer.citations], answer.timings_ms["total"]

    return evaluate_with(ask, questions)


def format_report(report: dict[str, Any], per_question: bool = False) -> str:
    metrics = ("hit@5", "mrr@10", "citation_recall", "citation_precision", "keyword_recall")
    header = f"{'':<12}{'n':>4}" + "".join(f"{m:>20}" for m in metrics)
    lines = [header]
    for name, summary in [("overall", report["overall"]), *report["by_kind"].items()]:
        lines.append(f"{name:<12}{int(summary['questions']):>4}" + "".join(f"{summary[m]:>20.3f}" for m in metrics))
    latency = report["latency_ms"]
    lines.append(f"latency per question: p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms")
    if per_question:
        for row in report["questions"]:
            lines.append(f"  {row['id']:<6} {row['kind']:<10} rank={row['rank']} cited={row['cited']} "
                         f"cit_recall={row['citation_recall']} kw={row['keyword_recall']}")
    return "\n".join(lines)

"""Score a question set: retrieval, citations, and the answer a person reads.

A question line: {"id", "question", "kind", "in_scope", "history": [str], "evidence": [str],
"refs": [int], "keywords": [str], "not_covered": [str]} (only "question" is required; a question
is in scope unless "in_scope" is false or its kind is "out_of_scope").

Retrieval: hit@5 and MRR@10 (a passage "contains" an evidence string when it does after
lower-casing and collapsing white space). Citations: recall and precision against the gold
references. Answers, as a reader meets them:
  answered          in scope, and every keyword within the answer's first 1,000 characters
  declined          out of scope, and the answer says the review does not cover it
  wrongly declined  in scope, but declined
  wrongly answered  out of scope, but answered
  length            characters of the answer (without the reference list and passages)
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from .errors import QuestionRejected
from .render import to_markdown

Metrics = dict[str, float]
ANSWER_WINDOW = 1000  # characters a reader takes in at a glance: the keywords must be there
SHORT_ANSWER = 1500  # an answer this long or shorter reads without scrolling
RETRIEVAL_METRICS = ("hit@5", "mrr@10", "citation_recall", "citation_precision", "keyword_recall")
ANSWER_METRICS = ("answered", "declined", "wrongly_declined", "wrongly_answered", "short")


@dataclass(frozen=True)
class Response:
    """What any pipeline under evaluation returns for one question."""

    passages: Sequence[str]  # texts, best first
    answer: str  # what the reader reads
    cited: Sequence[int]  # reference numbers, in order of first appearance
    millis: float
    covered: bool = True  # False when the pipeline declined the question
    error: str = ""  # a refusal of the input itself


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def load_questions(path: Path) -> list[dict[str, Any]]:
    """The question lines of a file; a line that is not a JSON object with a question is kept as an
    error row (so one bad line costs one question, not the run)."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or "question" not in record:
            record = {"id": f"line{number}", "question": None, "error": f"line {number} is not a question record"}
        questions.append(record)
    return questions


def in_scope(question: dict[str, Any]) -> bool:
    return bool(question.get("in_scope", question.get("kind") != "out_of_scope"))


def first_evidence_rank(passages: Sequence[str], evidence: Sequence[str], depth: int = 10) -> int | None:
    wanted = [normalise(e) for e in evidence]
    for rank, text in enumerate(passages[:depth], start=1):
        body = normalise(text)
        if any(e in body for e in wanted):
            return rank
    return None


def score_question(question: dict[str, Any], response: Response) -> dict[str, Any]:
    """Metrics of one answered question; None where a metric does not apply."""
    rank = first_evidence_rank(response.passages, question.get("evidence", []))
    gold = set(question.get("refs", []))
    cited = list(response.cited)
    keywords = question.get("keywords", [])
    answer_text = normalise(response.answer)
    window = normalise(response.answer[:ANSWER_WINDOW])
    scope = in_scope(question)
    has_evidence = bool(question.get("evidence"))
    return {
        "id": question.get("id", ""),
        "kind": question.get("kind", ""),
        "in_scope": scope,
        "hit@5": float(rank is not None and rank <= 5) if has_evidence else None,
        "mrr@10": (1.0 / rank if rank else 0.0) if has_evidence else None,
        "citation_recall": len(gold & set(cited)) / len(gold) if gold and scope else None,
        "citation_precision": len(gold & set(cited)) / len(set(cited)) if gold and cited and scope else None,
        "keyword_recall": sum(normalise(k) in answer_text for k in keywords) / len(keywords) if keywords and scope else None,
        "answered": float(response.covered and all(normalise(k) in window for k in keywords)) if scope else None,
        "declined": float(not response.covered) if not scope else None,
        "wrongly_declined": float(not response.covered) if scope else None,
        "wrongly_answered": float(response.covered) if not scope else None,
        "short": float(len(response.answer) <= SHORT_ANSWER),
        "length": len(response.answer),
        "covered": response.covered,
        "rank": rank,
        "cited": cited,
        "error": response.error,
    }


def summarise(rows: list[dict[str, Any]]) -> Metrics:
    summary: Metrics = {"questions": float(len(rows))}
    for metric in (*RETRIEVAL_METRICS, *ANSWER_METRICS):
        values = [row[metric] for row in rows if row[metric] is not None]
        summary[metric] = round(statistics.fmean(values), 4) if values else float("nan")
    lengths = [row["length"] for row in rows]
    summary["median_length"] = float(statistics.median(lengths)) if lengths else float("nan")
    return summary


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def evaluate_with(ask: Callable[[str, list[str]], Response], questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Score any pipeline given as ask(question, earlier questions) → Response."""
    rows, latencies = [], []
    for question in questions:
        response = ask(question["question"], list(question.get("history", [])))
        rows.append(score_question(question, response))
        latencies.append(response.millis)
    kinds = sorted({row["kind"] for row in rows})
    return {
        "overall": summarise(rows),
        "by_kind": {kind: summarise([row for row in rows if row["kind"] == kind]) for kind in kinds},
        "latency_ms": {"p50": round(percentile(latencies, 0.5), 2), "p95": round(percentile(latencies, 0.95), 2)},
        "questions": rows,
    }


def asking(assistant) -> Callable[[str, list[str]], Response]:
    """The assistant as a pipeline under evaluation: each question asked with its conversation."""

    def ask(text: str, history: list[str]) -> Response:
        try:
            answer = assistant.ask(text, assistant.conversation(history))
        except QuestionRejected as refusal:
            return Response((), "", (), 0.0, covered=False, error=str(refusal))
        return Response([p.text for p in answer.passages], to_markdown(answer), [c.ref for c in answer.citations],
                        answer.timings_ms["total"], answer.covered)

    return ask


def evaluate(assistant, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Score the assistant on a question set."""
    return evaluate_with(asking(assistant), questions)


def format_report(report: dict[str, Any], per_question: bool = False) -> str:
    header = f"{'':<14}{'n':>4}" + "".join(f"{m:>19}" for m in RETRIEVAL_METRICS)
    lines = [header]
    for name, summary in [("overall", report["overall"]), *report["by_kind"].items()]:
        lines.append(f"{name:<14}{int(summary['questions']):>4}" + "".join(f"{summary[m]:>19.3f}" for m in RETRIEVAL_METRICS))
    lines += ["", f"{'answers':<14}{'n':>4}" + "".join(f"{m:>18}" for m in (*ANSWER_METRICS, "median_length"))]
    for name, summary in [("overall", report["overall"]), *report["by_kind"].items()]:
        lines.append(f"{name:<14}{int(summary['questions']):>4}"
                     + "".join(f"{summary[m]:>18.3f}" for m in ANSWER_METRICS) + f"{summary['median_length']:>18.0f}")
    latency = report["latency_ms"]
    lines.append(f"latency per question: p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms")
    if per_question:
        for row in report["questions"]:
            verdict = ("error: " + row["error"]) if row["error"] else (
                ("answered" if row["answered"] else "not answered" if row["covered"] else "WRONGLY DECLINED") if row["in_scope"]
                else ("declined" if not row["covered"] else "WRONGLY ANSWERED"))
            lines.append(f"  {row['id']:<6} {row['kind']:<12} {verdict:<16} rank={row['rank']} len={row['length']} "
                         f"cited={row['cited'][:8]} kw={row['keyword_recall']}")
    return "\n".join(lines)

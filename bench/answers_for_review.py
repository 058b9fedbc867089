"""Write each question of a set with its answer as a reader sees it, for judging by hand.

    python bench/answers_for_review.py eval/holdout.jsonl > answers.md

Each entry: the question (and its conversation), the answer's text, the references it cites. No gold
keywords or notes are written: the judge reads the answer as a student or clinician would.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from reviewqa.assistant import Assistant, turn_of  # noqa: E402
from reviewqa.config import load_settings  # noqa: E402
from reviewqa.render import references_markdown, to_markdown  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--ids", help="comma-separated ids to include (default: all)")
    args = parser.parse_args()
    wanted = set(args.ids.split(",")) if args.ids else None
    assistant = Assistant(load_settings())
    for line in args.questions.read_text(encoding="utf-8").splitlines():
        question = json.loads(line)
        if wanted and question["id"] not in wanted:
            continue
        turns = []
        for earlier in question.get("history", []):
            turns.append(turn_of(assistant.ask(earlier, turns)))
        answer = assistant.ask(question["question"], turns)
        print(f"## {question['id']}: {question['question']}\n")
        if question.get("history"):
            print("Earlier in the conversation: " + " / ".join(question["history"]) + "\n")
        print(to_markdown(answer) + "\n")
        if answer.citations:
            print("References cited:\n" + references_markdown(answer) + "\n")
        print("---\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

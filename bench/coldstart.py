"""Cold-start phases of `reviewqa ask`, measured in a fresh process (run by bench/run.py as a subprocess).

Prints one JSON object (milliseconds): import (reviewqa.assistant), load_embedder (the question
encoder `ask` uses), assistant_init (staleness check + reading the index + lookups), first_answer;
then, as a breakdown of assistant_init, index_status and read_index timed alone.

    .venv/bin/python bench/coldstart.py "QUESTION"
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402


def main() -> int:
    question = sys.argv[1] if len(sys.argv) > 1 else "Which MSC sources were tested in rats?"
    phases: dict[str, float] = {}
    mark = _T0

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round((now - mark) * 1000, 1)
        mark = now

    import reviewqa.assistant as assistant_module

    lap("import")
    from reviewqa.config import load_settings
    from reviewqa.embed import load_query_encoder

    settings = load_settings()
    embedder = load_query_encoder(settings.embed)
    lap("load_embedder")
    assistant = assistant_module.Assistant(settings, embedder=embedder)
    lap("assistant_init")
    answer = assistant.ask(question)
    lap("first_answer")
    phases["first_answer_timings_ms"] = answer.timings_ms
    phases["in_process_total"] = round((time.perf_counter() - _T0) * 1000, 1)

    # Breakdown of assistant_init, each timed alone (file cache warm, as it was above).
    from reviewqa.build import index_status
    from reviewqa.store import read_index

    mark = time.perf_counter()
    index_status(settings)
    lap("index_status")
    read_index(settings.index_dir)
    lap("read_index")
    print(json.dumps(phases))
    return 0


if __name__ == "__main__":
    sys.exit(main())

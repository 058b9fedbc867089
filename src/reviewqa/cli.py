"""`reviewqa`: build the index, ask questions, inspect the index, score a question set, serve the app.

Every setting in config.Settings is also a flag (--<group>-<field>); the common
ones have short forms. Exit codes: 0 done, 1 failed (index or build problem),
2 refused input.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

from .config import Settings, load_settings, settings_paths

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2
APP_PATH = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"
_SHORT_FLAGS = {("corpus_dir",): "--corpus", ("index_dir",): "--index", ("embed", "model"): "--model"}


def _flag(path: tuple[str, ...]) -> str:
    return "--" + "-".join(part.replace("_", "-") for part in path)


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (also REVIEWQA_<GROUP>__<FIELD> environment variables)")
    for path, info in settings_paths():
        names = [_flag(path)] + ([_SHORT_FLAGS[path]] if path in _SHORT_FLAGS else [])
        if path == ("retrieval", "k"):
            names.append("-k")
        kind = info.annotation if info.annotation in (int, float) else str
        group.add_argument(*names, dest="setting:" + ".".join(path), type=kind, default=None, metavar=path[-1].upper(),
                           help=f"{info.description} (default: {info.default})")


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides = {tuple(key.split(":", 1)[1].split(".")): value for key, value in vars(args).items() if key.startswith("setting:")}
    return load_settings(overrides)


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"reviewqa: {message}", file=sys.stderr)
    return code


def _progress_bar() -> Callable[[str, float], None]:
    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def update(stage: str, fraction: float) -> None:
        if stage == "embedding":
            if stage not in bars:
                bars[stage] = tqdm(total=100, desc="embedding", unit="%", file=sys.stderr)
            bar = bars[stage]
            bar.n = round(fraction * 100)
            bar.refresh()
            if fraction >= 1:
                bar.close()
        elif stage != "done":
            print(f"{stage}…", file=sys.stderr)

    return update


def cmd_build(args: argparse.Namespace) -> int:
    from .build import describe, run_build
    from .errors import ReviewQAError
    from .errors import ModelUnavailable

    settings = settings_from_args(args)
    try:
        report = run_build(settings, force=args.force, strict=args.strict, progress=None if args.quiet else _progress_bar())
    except ReviewQAError as error:
        return _fail(str(error))
    for line in report.skipped:
        print(f"skipped {line}", file=sys.stderr)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(describe(report))
    return EXIT_OK


def _open_assistant(settings: Settings):
    from .assistant import Assistant
    from .errors import ModelUnavailable
    from .errors import IndexProblem

    try:
        return Assistant(settings)
    except (IndexProblem, ModelUnavailable) as error:
        raise SystemExit(_fail(str(error)))


def _read_jsonl_request(line: str) -> tuple[str, list]:
    """A line is a plain question, or {"question": …, "history": […]}."""
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            request = json.loads(stripped)
        except json.JSONDecodeError:
            return stripped, []
        if isinstance(request, dict):
            history = request.get("history") or []
            return str(request.get("question", "")), history if isinstance(history, list) else []
    return stripped, []


def _with_written(record: dict, written) -> dict:
    """An answer's JSON with `generated` (the written answer, verified) when a model server wrote one."""
    if written is None:
        return record
    from .written import written_json

    return {**record, "generated": written_json(written.finish())}


def cmd_ask(args: argparse.Namespace) -> int:
    from .answer import to_json, to_text
    from .assistant import Turn
    from .errors import QuestionRejected

    settings = settings_from_args(args)
    if not args.jsonl and args.question is None:
        return _fail("give a question, e.g. reviewqa ask \"Which MSC sources were tested in rats?\", or use --jsonl", EXIT_REFUSED)
    if not args.jsonl:
        try:
            from .assistant import clean_question

            clean_question(args.question, settings.answer.max_question_chars)  # refuse before loading anything
        except QuestionRejected as refusal:
            return _fail(str(refusal), EXIT_REFUSED)
    assistant = _open_assistant(settings)
    if not args.jsonl:
        answer = assistant.ask(args.question)
        written = assistant.write(answer)  # None unless --llm-base-url names a model server
        if written is not None and not args.json:
            from .written import stream_to_terminal

            stream_to_terminal(written, to_text(answer), assistant.references, sys.stdout)
        else:
            print(json.dumps(_with_written(to_json(answer), written), ensure_ascii=False, indent=2) if args.json else to_text(answer))
        return EXIT_OK
    stdin = (line.decode("utf-8", errors="replace") for line in sys.stdin.buffer)
    for line in stdin:
        if not line.strip():
            continue
        question, history = _read_jsonl_request(line)
        turns = [Turn.from_dict(turn) if isinstance(turn, dict) else Turn(str(turn)) for turn in history]
        try:
            answer = assistant.ask(question, turns)
            record = _with_written(to_json(answer), assistant.write(answer))
        except QuestionRejected as refusal:
            record = {"question": question, "error": str(refusal)}
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    from .build import index_status

    settings = settings_from_args(args)
    status = index_status(settings)
    manifest = status.manifest
    if manifest is None:
        return _fail(status.message)
    facts = {
        "index": str(settings.index_dir),
        "build": manifest.build_id,
        "built_at": manifest.built_at,
        "model": manifest.model,
        "dimension": manifest.dimension,
        "documents": manifest.documents,
        "chunks": sum(manifest.counts.values()),
        "chunks_by_kind": manifest.counts,
        "chunking": manifest.chunking,
        "status": "up to date" if status.ok else ("stale" if status.stale else "unusable"),
        "message": status.message,
    }
    if args.json:
        print(json.dumps(facts, indent=2))
    else:
        for key, value in facts.items():
            print(f"{key:>15}: {value}")
    return EXIT_OK if status.ok else EXIT_FAILED


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate, format_report, load_questions

    settings = settings_from_args(args)
    try:
        questions = load_questions(Path(args.file))
    except (OSError, ValueError) as error:
        return _fail(f"cannot read {args.file}: {error}")
    assistant = _open_assistant(settings)
    report = evaluate(assistant, questions)
    print(format_report(report, per_question=args.per_question))
    if args.output:
        Path(args.output).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return EXIT_OK


def cmd_fetch_abstracts(args: argparse.Namespace) -> int:
    from .abstracts import PUBMED_CACHE_DIR
    from .build import ABSTRACTS_FOLDER, read_documents
    from .fetch import fetch_abstracts
    from .errors import CorpusProblem, FetchFailed

    settings = settings_from_args(args)
    try:
        documents, _ = read_documents(settings, strict=False)
        report = fetch_abstracts(documents[0].references, settings.corpus_dir / ABSTRACTS_FOLDER / PUBMED_CACHE_DIR,
                                 settings.fetch, progress=not args.quiet)
    except (CorpusProblem, FetchFailed) as error:
        return _fail(str(error))
    print(report.summary())
    for number, reason in report.failed:
        print(f"  [{number}] failed: {reason}", file=sys.stderr)
    print("Run `reviewqa build` to index the new abstracts.")
    return EXIT_OK if not report.failed else EXIT_FAILED


def cmd_serve(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    env = {**os.environ, "REVIEWQA_INDEX": str(settings.index_dir.resolve()), "REVIEWQA_CORPUS": str(settings.corpus_dir.resolve()),
           "REVIEWQA_MODEL": settings.embed.model}
    command = [sys.executable, "-m", "streamlit", "run", str(APP_PATH), "--server.address", args.address, "--server.port",
               str(args.port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    return subprocess.call(command, env=env)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reviewqa", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build (or refresh) the index from the corpus")
    build.add_argument("--force", action="store_true", help="rebuild even if the index is up to date")
    build.add_argument("--strict", action="store_true", help="fail on any unreadable corpus file (for CI)")
    build.add_argument("--quiet", action="store_true", help="no progress output")
    build.set_defaults(run=cmd_build)

    ask = commands.add_parser("ask", help="answer a question with citations")
    ask.add_argument("question", nargs="?", help="the question (omit with --jsonl)")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument("--jsonl", action="store_true",
                     help='read questions from stdin, one a line (plain text or {"question": …, "history": […]}), write JSON lines')
    ask.set_defaults(run=cmd_ask)

    info = commands.add_parser("info", help="what the index holds and whether it is current")
    info.add_argument("--json", action="store_true")
    info.set_defaults(run=cmd_info)

    evaluate = commands.add_parser("eval", help="score a question set (JSON lines: question, evidence, refs, keywords)")
    evaluate.add_argument("file")
    evaluate.add_argument("--per-question", action="store_true", help="also print one line per question")
    evaluate.add_argument("--output", help="write the full report as JSON here")
    evaluate.set_defaults(run=cmd_eval)

    fetch = commands.add_parser("fetch-abstracts", help="look up the cited works on PubMed (needs a network) into corpus/abstracts/pubmed-cache/")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch.set_defaults(run=cmd_fetch_abstracts)

    serve = commands.add_parser("serve", help="start the Streamlit app")
    serve.add_argument("--address", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8501)
    serve.set_defaults(run=cmd_serve)

    for sub in (build, ask, info, evaluate, fetch, serve):
        _add_settings_flags(sub)
    return parser


def main(argv: Iterable[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return _fail("interrupted")
    except ValueError as error:  # pydantic's ValidationError for a bad setting value
        return _fail(f"invalid setting: {_setting_problem(error)} (see reviewqa --help)", EXIT_REFUSED)


def _setting_problem(error: ValueError) -> str:
    """The first problem of a settings error, naming the setting ("llm.retries: Input should be …"), not pydantic's header line."""
    problems = error.errors() if callable(getattr(error, "errors", None)) else []
    if not problems:
        return str(error).splitlines()[0]
    problem = problems[0]
    message = str(problem.get("ctx", {}).get("error") or problem["msg"])  # a validator's own sentence, without "Value error, "
    where = ".".join(str(part) for part in problem.get("loc", ()))
    return f"{where}: {message}" if where else message


if __name__ == "__main__":
    sys.exit(main())

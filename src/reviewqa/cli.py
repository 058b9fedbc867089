"""`reviewqa`: build the index, ask questions, inspect the index, score a question set, serve the app.

Every setting in config.Settings is also a flag (--<group>-<field>); the common ones have
short forms. Exit codes: 0 done, 1 failed (index, corpus or build problem), 2 refused input
(a question or a setting that cannot be used). A problem is reported in one line on stderr,
never as a traceback (REVIEWQA_DEBUG=1 shows one for an unexpected error).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, get_args

from .config import ENV_PREFIX, Settings, load_settings, settings_paths
from .errors import EXIT_FAILED, EXIT_OK, EXIT_REFUSED, QuestionRejected, ReviewQAError

APP_PATH = Path(__file__).resolve().parent / "app" / "streamlit_app.py"
_SHORT_FLAGS = {("corpus_dir",): "--corpus", ("index_dir",): "--index", ("embed", "model"): "--model"}
_DEBUG_ENV = "REVIEWQA_DEBUG"


def _flag(path: tuple[str, ...]) -> str:
    return "--" + "-".join(part.replace("_", "-") for part in path)


def _boolean(value: str) -> bool:
    """A flag value for a yes/no setting: true/false, 1/0, yes/no, on/off."""
    answer = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
    try:
        return answer[value.strip().lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"expected true or false (or 1/0, yes/no, on/off), not {value!r}") from None


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (also REVIEWQA_<GROUP>__<FIELD> environment variables)")
    for path, info in settings_paths():
        names = [_flag(path)] + ([_SHORT_FLAGS[path]] if path in _SHORT_FLAGS else [])
        if path == ("retrieval", "k"):
            names.append("-k")
        if bool in (info.annotation, *get_args(info.annotation)):  # bool, or bool | None (not set: decided later)
            kind, metavar = _boolean, "{true,false}"
        else:
            kind, metavar = (info.annotation if info.annotation in (int, float) else str), path[-1].upper()
        group.add_argument(*names, dest="setting:" + ".".join(path), type=kind, default=None, metavar=metavar,
                           help=f"{info.description} (default: {info.default})")


def _given_settings(args: argparse.Namespace) -> dict[tuple[str, ...], Any]:
    """The settings given as flags: path → value."""
    return {tuple(key.split(":", 1)[1].split(".")): value for key, value in vars(args).items()
            if key.startswith("setting:") and value is not None}


def settings_from_args(args: argparse.Namespace) -> Settings:
    return load_settings(_given_settings(args))


def _say(message: str) -> None:
    print(f"reviewqa: {message}", file=sys.stderr)


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

    settings = settings_from_args(args)
    report = run_build(settings, force=args.force, strict=args.strict, fetch=args.fetch,
                       progress=None if args.quiet else _progress_bar())
    if report.fetched:
        print(report.fetched, file=sys.stderr)
    for line in report.skipped:
        print(f"skipped {line}", file=sys.stderr)
    for line in report.warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(describe(report))
    return EXIT_OK


def _open_assistant(settings: Settings, strict: bool):
    from .assistant import Assistant

    assistant = Assistant(settings, strict=strict)
    if assistant.status.stale:
        _say(assistant.status.message)
    return assistant


def _requests(lines: Iterable[str]) -> Iterator[tuple[object, list]]:
    """(question, history) from each non-blank line: plain text, or {"question": …, "history": […]}."""
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("{"):
            yield stripped, []
            continue
        try:
            request = json.loads(stripped)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read: taken as a plain question
            yield stripped, []
            continue
        if not isinstance(request, dict):
            yield stripped, []
            continue
        history = request.get("history") or []
        yield request.get("question"), history if isinstance(history, list) else []


def _with_written(record: dict, written) -> dict:
    """An answer's JSON with `generated` (the written answer, verified) when a model server wrote one."""
    if written is None:
        return record
    from .written import written_json

    return {**record, "generated": written_json(written.finish())}


def cmd_ask(args: argparse.Namespace) -> int:
    from .assistant import clean_question
    from .render import to_json, to_text
    from .understand import Turn

    settings = settings_from_args(args)
    if not args.jsonl and args.question is None:
        _say("Give a question, e.g. reviewqa ask \"Which MSC sources were tested in rats?\", or use --jsonl")
        return EXIT_REFUSED
    if args.jsonl:
        questions = _question_lines(args.question)
        if questions is None:
            return EXIT_REFUSED
    else:
        clean_question(args.question, settings.answer.max_question_chars)  # refuse before loading anything
    assistant = _open_assistant(settings, args.strict)
    if not args.jsonl:
        answer = assistant.ask(args.question)
        written = assistant.write(answer)  # None unless --llm-base-url names a model server
        if written is not None and not args.json:
            from .written import stream_to_terminal

            stream_to_terminal(written, to_text(answer), assistant.evidence.references, sys.stdout)
        else:
            print(json.dumps(_with_written(to_json(answer), written), ensure_ascii=False, indent=2) if args.json else to_text(answer))
        return EXIT_OK
    with questions as lines:
        for question, history in _requests(line.decode("utf-8", errors="replace") for line in lines):
            # An earlier answer given whole is a turn; an earlier question alone is asked again, in its conversation.
            earlier = [Turn.from_dict(turn) if isinstance(turn, dict) and set(turn) - {"question"}
                       else str(turn.get("question", "")) if isinstance(turn, dict) else str(turn) for turn in history]
            try:
                answer = assistant.ask(question, assistant.conversation(earlier))
                record = _with_written(to_json(answer), assistant.write(answer))
            except QuestionRejected as refusal:
                record = {"question": _echoed(question, settings.answer.max_question_chars), "error": str(refusal)}
            print(json.dumps(record, ensure_ascii=False), flush=True)
    return EXIT_OK


def _question_lines(path: str | None):
    """The byte lines `ask --jsonl` reads: the file named, or standard input when none (or "-") is; None, said, when
    the file cannot be read."""
    if path is None or path == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    try:
        return open(path, "rb")
    except OSError as problem:
        _say(f"Cannot read questions from {path!r}: {problem.strerror or problem}.")
        return None


def _echoed(question: object, max_chars: int) -> str | None:
    """A refused question as it is echoed in its JSON line: a question too long to ask is cut to what may be asked,
    so one pasted document does not fill the output."""
    if not isinstance(question, str):
        return None
    return question if len(question) <= max_chars else question[:max_chars] + "…"


def cmd_info(args: argparse.Namespace) -> int:
    from .store import index_status

    settings = settings_from_args(args)
    status = index_status(settings)
    manifest = status.manifest
    if manifest is None:
        _say(status.message)
        return EXIT_FAILED
    facts = {
        "index": str(settings.index_dir),
        "build": manifest.build_id,
        "built_at": manifest.built_at,
        "model": manifest.model,
        "dimension": manifest.dimension,
        "documents": manifest.documents,
        "corpus": manifest.corpus_dir,
        "chunks": sum(manifest.counts.values()),
        "chunks_by_kind": manifest.counts,
        "chunking": manifest.chunking,
        "abstracts": (f"{manifest.abstract_coverage['with_abstract']} of {manifest.abstract_coverage['references']} references have an abstract"
                      if manifest.abstract_coverage else "not recorded (index built by an earlier reviewqa)"),
        "status": "up to date" if status.current else ("out of date" if status.ok else "unusable"),
        "changed": list(status.changes),
        "message": status.message,
    }
    if args.json:
        print(json.dumps(facts, indent=2))
    else:
        for key, value in facts.items():
            print(f"{key:>15}: {value}")
    return EXIT_OK if status.current or (status.ok and not args.strict) else EXIT_FAILED


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate, format_report, load_questions

    settings = settings_from_args(args)
    try:
        questions = load_questions(Path(args.file))
    except OSError as error:
        _say(f"Cannot read {args.file}: {error.strerror or error}.")
        return EXIT_FAILED
    assistant = _open_assistant(settings, args.strict)
    report = evaluate(assistant, questions)
    print(format_report(report, per_question=args.per_question))
    if args.output:
        Path(args.output).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return EXIT_OK


def cmd_fetch_abstracts(args: argparse.Namespace) -> int:
    from .abstracts import PUBMED_CACHE_DIR
    from .build import read_documents
    from .corpus import ABSTRACTS_FOLDER
    from .fetch import fetch_abstracts

    settings = settings_from_args(args)
    if not settings.fetch.enabled:
        _say("fetching abstracts is turned off (fetch.enabled is false: --fetch-enabled or REVIEWQA_FETCH__ENABLED).")
        return EXIT_FAILED
    documents, _ = read_documents(settings, strict=False)
    report = fetch_abstracts(documents[0].references, settings.corpus_folder / ABSTRACTS_FOLDER / PUBMED_CACHE_DIR,
                             settings.fetch, progress=not args.quiet)
    for note in report.notes:
        print(note, file=sys.stderr)
    print(report.summary())
    for number, reason in report.failed:
        print(f"  [{number}] failed: {reason}", file=sys.stderr)
    print("Run `reviewqa build` to index the new abstracts.")
    return EXIT_OK if not report.failed else EXIT_FAILED


def cmd_serve(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    # The app reads its settings from the environment: the flags given here travel as their variables.
    flags = {ENV_PREFIX + "__".join(path).upper(): str(value) for path, value in _given_settings(args).items()}
    env = {**os.environ, **flags, "REVIEWQA_INDEX": str(settings.index_dir.resolve()), "REVIEWQA_MODEL": settings.embed.model}
    if settings.corpus_dir is not None:
        env["REVIEWQA_CORPUS"] = str(settings.corpus_dir.resolve())
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
    build.add_argument("--fetch", action="store_true",
                       help="first fetch the cited works' PubMed records the cache lacks (needs NCBI; offline, builds without them)")
    build.set_defaults(run=cmd_build)

    ask = commands.add_parser("ask", help="answer a question with citations")
    ask.add_argument("question", nargs="?", help="the question; with --jsonl, a file of questions (default: stdin)")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ask.add_argument("--jsonl", action="store_true",
                     help='read questions from the file given (or stdin), one a line (plain text or {"question": …, "history": […]}), write JSON lines')
    ask.add_argument("--strict", action="store_true", help="refuse an out-of-date index instead of answering from it (for CI)")
    ask.set_defaults(run=cmd_ask)

    info = commands.add_parser("info", help="what the index holds and whether it is current")
    info.add_argument("--json", action="store_true")
    info.add_argument("--strict", action="store_true", help="exit 1 when the index is out of date")
    info.set_defaults(run=cmd_info)

    evaluate = commands.add_parser("eval", help="score a question set (JSON lines: question, evidence, refs, keywords, in_scope)")
    evaluate.add_argument("file")
    evaluate.add_argument("--per-question", action="store_true", help="also print one line per question")
    evaluate.add_argument("--output", help="write the full report as JSON here")
    evaluate.add_argument("--strict", action="store_true", help="refuse an out-of-date index")
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
    except ReviewQAError as error:
        _say(str(error))
        return error.exit_code
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader went away (`reviewqa ask --jsonl … | head -1`): nothing more to say, and nowhere to say it.
        # Python flushes stdout at exit; pointing it at /dev/null keeps that flush from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last resort: one line, never a traceback
        if os.environ.get(_DEBUG_ENV):
            raise
        _say(f"unexpected error ({type(error).__name__}: {error}); set {_DEBUG_ENV}=1 to see where, and please report it")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`: quality and speed of reviewqa side by side with the pipelines users would build instead.

    .venv/bin/python bench/run.py --questions ../shared/eval/dev.jsonl [--rounds 5] [--quick]

Prints one table and writes everything measured to bench/results/bench.json. Run from the
repository root with a current ./index (`make bench` builds it first). Timings are wall clock,
after a warm-up, medians (or p50/p95) of repetitions; ratios are given next to absolute figures.
Targets are reported as met / missed, never asserted.

Optional: REVIEWQA_BENCH_GPU_RESULT=path/to/gpu.json (the output of bench/gpu_embed.py on a GPU
machine) adds a GPU section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from peers import BM25Peer, TutorialDense, raw_review_chunks  # noqa: E402

from reviewqa.evaluate import asking, evaluate_with, load_questions, percentile  # noqa: E402

METRICS = ("hit@5", "mrr@10", "citation_recall", "citation_precision", "keyword_recall")
BIN = Path(sys.executable).parent
GIB = 1024**3


# ---------------------------------------------------------------- helpers


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p50_p95(values: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 0.5), 3), "p95": round(percentile(values, 0.95), 3), "n": len(values)}


# Runs the measured command as a grandchild of a small, fresh interpreter. A child forked straight
# from this (large) benchmark process would count our own pages in its peak RSS until its exec.
_RSS_WRAPPER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\n__peak_rss_kib__={usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""
_RSS_MARK = "\n__peak_rss_kib__="


def run_measured(command: list[str], *, env: dict[str, str] | None = None, timeout: float = 300,
                 cwd: Path | None = None) -> dict[str, Any]:
    """Run a command; wall seconds, exit code, stdout/stderr and the peak RSS of that command (and
    the descendants it waited for), from wait4's rusage — per command, not cumulative."""
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *command], capture_output=True, env=env, cwd=cwd,
                              timeout=timeout)
        rc, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        rc, stdout, stderr = -9, expired.stdout or b"", expired.stderr or b""
    wall = time.perf_counter() - started
    stderr_text = stderr.decode("utf-8", "replace")
    stderr_text, _, rss = stderr_text.rpartition(_RSS_MARK) if _RSS_MARK in stderr_text else (stderr_text, "", "0")
    return {
        "wall_s": round(wall, 3),
        "rc": rc,
        "peak_rss_bytes": int(rss.strip() or 0) * 1024,  # Linux reports KiB
        "stdout": stdout.decode("utf-8", "replace"),
        "stderr": stderr_text,
    }


def checked(result: dict[str, Any], what: str) -> dict[str, Any]:
    if result["rc"] != 0:
        tail = (result["stderr"] or result["stdout"])[-800:]
        raise RuntimeError(f"{what} failed (exit {result['rc']}): {tail}")
    return result


def clean_env() -> dict[str, str]:
    """The user's environment minus settings overrides, so every subprocess uses ./index and ./corpus."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWQA_")}
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


# ---------------------------------------------------------------- quality


def quality(pipelines: dict[str, Callable], questions: list[dict]) -> dict[str, Any]:
    reports = {}
    for name, ask in pipelines.items():
        log(f"quality: {name}")
        reports[name] = evaluate_with(ask, questions)
    return reports


# ---------------------------------------------------------------- warm speed


def _embed_one_ms(embedder, texts: list[str], reps: int) -> dict[str, float]:
    for text in texts[:5]:
        embedder.encode_query(text)
    embed_ms = []
    for i in range(reps):
        started = time.perf_counter()
        embedder.encode_query(texts[i % len(texts)])
        embed_ms.append((time.perf_counter() - started) * 1000)
    return {"median": round(median(embed_ms), 3), **p50_p95(embed_ms)}


def warm_speed(assistant, st_embedder, peers: dict, questions: list[dict], rounds: int, embed_reps: int) -> dict[str, Any]:
    texts = [q["question"] for q in questions]
    result: dict[str, Any] = {"rounds": rounds, "questions": len(texts)}

    # The floor of any dense pipeline: embedding one query, alone — with reviewqa's question encoder
    # (NumPy, what `ask` uses) and with sentence-transformers (what the tutorial pipeline uses).
    result["embed_query_ms"] = _embed_one_ms(assistant.embedder, texts, embed_reps)
    result["embed_query_ms_sentence_transformers"] = _embed_one_ms(st_embedder, texts, embed_reps)

    def ours(text: str) -> tuple[float, float]:
        timings = assistant.ask(text).timings_ms
        return timings["retrieve"], timings["total"]

    runners: dict[str, Callable[[str], tuple[float, float]]] = {"reviewqa": ours}
    for name, peer in peers.items():
        runners[name] = lambda text, peer=peer: peer.timed(text)[3:5]

    for name, runner in runners.items():
        log(f"speed: {name} ({rounds} rounds after a warm-up round)")
        for text in texts:  # warm-up round
            runner(text)
        retrieve, total = [], []
        # Interleave nothing: each pipeline gets the machine to itself for its rounds.
        for _ in range(rounds):
            for text in texts:
                r, t = runner(text)
                retrieve.append(r)
                total.append(t)
        result[name] = {"retrieve_ms": p50_p95(retrieve), "answer_ms": p50_p95(total)}
    return result


def embedding_throughput(embedder, texts: list[str], batch_size: int, reps: int) -> dict[str, Any]:
    embedder.encode(texts[: min(len(texts), batch_size)], batch_size=batch_size)  # warm-up
    seconds: list[float] = []
    for _ in range(reps):
        if seconds and sum(seconds) > 20:  # bound the time on a slow or busy machine
            break
        started = time.perf_counter()
        embedder.encode(texts, batch_size=batch_size)
        seconds.append(time.perf_counter() - started)
    reps = len(seconds)
    best = median(seconds)
    return {"texts": len(texts), "batch_size": batch_size, "seconds_median": round(best, 3),
            "chunks_per_s": round(len(texts) / best, 1), "reps": reps}


# ---------------------------------------------------------------- cold start


def cold_start(question: str, reps: int) -> dict[str, Any]:
    env = clean_env()
    asks, phases = [], []
    for i in range(reps):
        log(f"cold start: reviewqa ask ({i + 1}/{reps})")
        asks.append(checked(run_measured([str(BIN / "reviewqa"), "ask", question], env=env), "reviewqa ask"))
    for i in range(reps):
        log(f"cold start: phases ({i + 1}/{reps})")
        run = checked(run_measured([sys.executable, str(BENCH_DIR / "coldstart.py"), question], env=env), "bench/coldstart.py")
        record = json.loads(run["stdout"].strip().splitlines()[-1])
        record["process_wall_ms"] = round(run["wall_s"] * 1000, 1)
        phases.append(record)
    names = ["import", "load_embedder", "assistant_init", "first_answer", "index_status", "read_index",
             "in_process_total", "process_wall_ms"]
    phase_medians = {name: round(median([p[name] for p in phases]), 1) for name in names}
    phase_medians["interpreter_and_exit_ms"] = round(phase_medians["process_wall_ms"] - phase_medians["in_process_total"], 1)

    log("cold start: -X importtime")
    imports = run_measured([sys.executable, "-X", "importtime", "-c", "import reviewqa.assistant"], env=env)
    top = []
    for line in imports["stderr"].splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match and match.group(3) == " ":  # top-level imports only (one space after the bar)
            top.append((int(match.group(2)) / 1000, match.group(4)))
    top.sort(reverse=True)
    return {
        "question": question,
        "ask_wall_s": [a["wall_s"] for a in asks],
        "ask_wall_s_median": round(median([a["wall_s"] for a in asks]), 3),
        "ask_peak_rss_bytes": max(a["peak_rss_bytes"] for a in asks),
        "phases_ms_median": phase_medians,
        "phases_runs": phases,
        "top_imports_ms": [{"module": name, "cumulative_ms": round(ms, 1)} for ms, name in top[:8]],
    }


# ---------------------------------------------------------------- build


def _edit_one_sentence(corpus_copy: Path) -> str:
    """Change one word of one sentence in a long prose paragraph in the middle of the review."""
    path = sorted((corpus_copy / "review").glob("*.txt"))[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    candidates = [i for i, line in enumerate(lines)
                  if len(line) > 400 and "|" not in line and " the " in line and line[:1].isalpha()]
    if not candidates:
        raise RuntimeError("no prose paragraph to edit")
    i = candidates[len(candidates) // 2]
    lines[i] = lines[i].replace(" the ", " this ", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    return f"{path.name}:{i + 1}"


def _embedded_counts(stdout: str) -> dict[str, int]:
    match = re.search(r"embedded (\d+) texts, reused (\d+)", stdout)
    return {"embedded": int(match.group(1)), "reused": int(match.group(2))} if match else {}


def _source_hash() -> str:
    """Hash of the library's code: a change during the build timings (other people editing src/) spoils them."""
    import hashlib

    import reviewqa

    digest = hashlib.sha256()
    for path in sorted(Path(reviewqa.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_times(reps_unchanged: int) -> dict[str, Any]:
    code_before = _source_hash()
    env = clean_env()
    reviewqa = str(BIN / "reviewqa")
    with tempfile.TemporaryDirectory(prefix="reviewqa-bench-") as tmp:
        index = Path(tmp) / "index"
        log("build: full, empty index folder (no embedding cache)")
        full = checked(run_measured([reviewqa, "build", "--quiet", "--index", str(index), "--force"], env=env, timeout=900),
                       "full build")
        unchanged = []
        for i in range(reps_unchanged):
            log(f"build: nothing changed ({i + 1}/{reps_unchanged})")
            unchanged.append(checked(run_measured([reviewqa, "build", "--quiet", "--index", str(index)], env=env),
                                     "unchanged rebuild"))
        corpus = Path(tmp) / "corpus"
        shutil.copytree("corpus", corpus, copy_function=shutil.copyfile)  # copyfile: the copy is writable
        where = _edit_one_sentence(corpus)
        log(f"build: one edited paragraph ({where})")
        edited = checked(run_measured([reviewqa, "build", "--quiet", "--corpus", str(corpus), "--index", str(index)],
                                      env=env, timeout=900), "incremental build")
    return {
        "code_changed_during_builds": _source_hash() != code_before,
        "full_s": full["wall_s"],
        "full_embedding": _embedded_counts(full["stdout"]),
        "full_peak_rss_bytes": full["peak_rss_bytes"],
        "unchanged_s": [u["wall_s"] for u in unchanged],
        # A run that rebuilt (the pipeline code changed under us, e.g. an edit in src/) is not a no-op: left out.
        "unchanged_noop": [u["stdout"].find("already up to date") >= 0 for u in unchanged],
        "unchanged_s_median": round(median([u["wall_s"] for u in unchanged if "already up to date" in u["stdout"]]
                                           or [u["wall_s"] for u in unchanged]), 3),
        "unchanged_said": unchanged[-1]["stdout"].strip()[:200],
        "edited_s": edited["wall_s"],
        "edited_where": where,
        "edited_embedding": _embedded_counts(edited["stdout"]),
        "edited_peak_rss_bytes": edited["peak_rss_bytes"],
    }


# ---------------------------------------------------------------- targets


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    q = {name: r["overall"] for name, r in report["quality"].items()}
    ours, tut, bm = q["reviewqa"], q["tutorial dense"], q["BM25"]
    speed = report["speed"]
    rows = []

    def add(name: str, value: float, target: str, met: bool | None) -> None:
        status = "n/a" if met is None else ("met" if met else "MISSED")
        rows.append({"target": name, "value": value, "wanted": target, "status": status})

    for metric in ("hit@5", "mrr@10"):
        better = max(tut[metric], bm[metric])
        add(f"{metric} ≥ better peer + 0.10", ours[metric], f"≥ {better + 0.10:.3f}", ours[metric] >= better + 0.10 - 1e-9)
    cp_ok = not (math.isnan(ours["citation_precision"]) or math.isnan(tut["citation_precision"]))
    add("citation precision ≥ 2× tutorial", ours["citation_precision"], f"≥ {2 * tut['citation_precision']:.3f}",
        cp_ok and ours["citation_precision"] >= 2 * tut["citation_precision"] - 1e-9)
    add("… at equal or better citation recall", ours["citation_recall"], f"≥ {tut['citation_recall']:.3f}",
        ours["citation_recall"] >= tut["citation_recall"] - 1e-9)
    embed = speed["embed_query_ms"]["median"]
    p50, p95 = speed["reviewqa"]["answer_ms"]["p50"], speed["reviewqa"]["answer_ms"]["p95"]
    add("warm answer p50 ≤ 3× query embedding", p50, f"≤ {3 * embed:.1f} ms", p50 <= 3 * embed)
    add("warm answer p95 ≤ 60 ms", p95, "≤ 60 ms", p95 <= 60)
    if "cold" in report:
        cold = report["cold"]
        add("cold `reviewqa ask` ≤ 5 s", cold["ask_wall_s_median"], "≤ 5 s", cold["ask_wall_s_median"] <= 5)
        add("peak RSS of ask ≤ 1 GiB", cold["ask_peak_rss_bytes"] / GIB, "≤ 1 GiB", cold["ask_peak_rss_bytes"] <= GIB)
    if "build" in report:
        build = report["build"]
        add("rebuild, nothing changed ≤ 3 s", build["unchanged_s_median"], "≤ 3 s", build["unchanged_s_median"] <= 3)
        add("rebuild, one edited paragraph ≤ 5 s", build["edited_s"], "≤ 5 s", build["edited_s"] <= 5)
    return rows


# ---------------------------------------------------------------- the table


def render(report: dict[str, Any]) -> str:
    cols = ["tutorial dense", "BM25", "reviewqa"]
    widths = (46, 24, 24, 24, 34, 20)
    lines: list[str] = []

    def row(*cells: Any) -> None:
        out = []
        for cell, width in zip(cells, widths):
            text = "—" if cell is None else str(cell)
            out.append(text.ljust(width) if not out else text.rjust(width))
        lines.append("".join(out).rstrip())

    def rule(title: str = "") -> None:
        lines.append(("── " + title + " ").ljust(sum(widths), "─") if title else "─" * sum(widths))

    def f3(x: float) -> str:
        return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"

    def ms(x: float) -> str:
        return f"{x:.1f} ms"

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}×" if b and not math.isnan(b) and not math.isnan(a) else "—"

    target_by_name = {t["target"]: t for t in report["targets"]}

    def status(name: str) -> tuple[str | None, str | None]:
        t = target_by_name.get(name)
        return (t["wanted"], t["status"]) if t else (None, None)

    row("metric", *cols, "ours vs best peer", "target  status")
    rule(f"quality on {report['questions_file']} ({report['n_questions']} questions)")
    q = report["quality"]
    target_names = {"hit@5": "hit@5 ≥ better peer + 0.10", "mrr@10": "mrr@10 ≥ better peer + 0.10",
                    "citation_precision": "citation precision ≥ 2× tutorial",
                    "citation_recall": "… at equal or better citation recall"}
    for metric in METRICS:
        values = [q[c]["overall"][metric] for c in cols]
        peer_best = max((v for v in values[:2] if not math.isnan(v)), default=float("nan"))
        wanted, met = status(target_names.get(metric, ""))
        diff = values[2] - peer_best if not math.isnan(peer_best) and not math.isnan(values[2]) else float("nan")
        row(metric, *(f3(v) for v in values), f"{diff:+.3f}" if not math.isnan(diff) else "—",
            f"{wanted}  {met}" if wanted else None)
    kinds = sorted({k for c in cols for k in q[c]["by_kind"]})
    row("per kind: hit5/mrr/citR/citP/kw", "", "", "", "", "")
    for kind in kinds:
        cells = []
        for c in cols:
            s = q[c]["by_kind"].get(kind)
            cells.append("/".join("-" if math.isnan(s[m]) else f"{s[m]:.2f}"[1:] if s[m] < 1 else "1.0" for m in METRICS)
                         if s else None)
        n = int(q["reviewqa"]["by_kind"].get(kind, {"questions": 0})["questions"])
        row(f"  {kind} (n={n})", *cells)

    sp = report["speed"]
    embed = sp["embed_query_ms"]["median"]
    rule(f"warm speed, one process ({sp['rounds']} rounds × {sp['questions']} questions after a warm-up round)")
    for label, key in (("retrieval p50", ("retrieve_ms", "p50")), ("retrieval p95", ("retrieve_ms", "p95")),
                       ("full answer p50", ("answer_ms", "p50")), ("full answer p95", ("answer_ms", "p95"))):
        values = [sp[c][key[0]][key[1]] for c in cols]
        wanted, met = (None, None)
        if label == "full answer p50":
            wanted, met = status("warm answer p50 ≤ 3× query embedding")
        elif label == "full answer p95":
            wanted, met = status("warm answer p95 ≤ 60 ms")
        row(label, *(ms(v) for v in values), f"{ratio(values[2], values[0])} dense, {ratio(values[2], values[1])} BM25",
            f"{wanted}  {met}" if wanted else None)
    row("embed one query (median, the dense floor)", None, None, ms(embed),
        f"ours p50 = {ratio(sp['reviewqa']['answer_ms']['p50'], embed)} it", None)
    st_embed = sp["embed_query_ms_sentence_transformers"]["median"]
    row("  same with sentence-transformers", None, None, ms(st_embed),
        f"ours p50 = {ratio(sp['reviewqa']['answer_ms']['p50'], st_embed)} it", None)
    tp = report["embedding_throughput"]
    row(f"embedding throughput ({tp['texts']} index chunks)", None, None, f"{tp['chunks_per_s']:.0f} chunks/s",
        f"batch {tp['batch_size']}", None)

    if "cold" in report:
        cold = report["cold"]
        ph = cold["phases_ms_median"]
        rule("cold start (new process, median of runs)")
        wanted, met = status("cold `reviewqa ask` ≤ 5 s")
        row("`reviewqa ask` to printed answer", None, None, f"{cold['ask_wall_s_median']:.2f} s",
            f"{ratio(cold['ask_wall_s_median'] * 1000, sp['reviewqa']['answer_ms']['p50'])} warm p50", f"{wanted}  {met}")
        total = ph["process_wall_ms"]
        for name, label in (("import", "  import reviewqa"),
                            ("load_embedder", "  load the question encoder"),
                            ("assistant_init", "  open the index (Assistant init)"),
                            ("index_status", "    of which staleness check (index_status)"),
                            ("read_index", "    of which read_index (with checksums)"),
                            ("first_answer", "  first answer"),
                            ("interpreter_and_exit_ms", "  interpreter start + exit")):
            row(label, None, None, f"{ph[name]:.0f} ms", f"{ph[name] / total:.0%} of {total / 1000:.2f} s", None)
        if cold["top_imports_ms"]:
            heavy = ", ".join(f"{t['module']} {t['cumulative_ms']:.0f}" for t in cold["top_imports_ms"][:3])
            lines.append(f"  heaviest top-level imports (ms, -X importtime): {heavy}")

    if "build" in report:
        b = report["build"]
        rule("build (reviewqa build, new process each)")
        if b.get("code_changed_during_builds"):
            lines.append("  NOTE: src/reviewqa changed while these builds ran; rebuild counts and times below are not clean")
        emb = b["full_embedding"]
        row("full build, empty index folder", None, None, f"{b['full_s']:.1f} s",
            f"{emb.get('embedded', '?')} texts embedded", None)
        wanted, met = status("rebuild, nothing changed ≤ 3 s")
        noops = b.get("unchanged_noop", [])
        row(f"rebuild, nothing changed ({sum(noops)}/{len(noops)} runs no-ops)", None, None, f"{b['unchanged_s_median']:.2f} s",
            f"{ratio(b['unchanged_s_median'], b['full_s'])} of full", f"{wanted}  {met}")
        wanted, met = status("rebuild, one edited paragraph ≤ 5 s")
        e = b["edited_embedding"]
        row("rebuild, one edited paragraph", None, None, f"{b['edited_s']:.2f} s",
            f"{ratio(b['edited_s'], b['full_s'])} full; {e.get('embedded', '?')} re-embedded", f"{wanted}  {met}")

    if "cold" in report or "build" in report:
        rule("memory (peak RSS of the process)")
        if "cold" in report:
            wanted, met = status("peak RSS of ask ≤ 1 GiB")
            row("`reviewqa ask`", None, None, f"{report['cold']['ask_peak_rss_bytes'] / 2**20:.0f} MiB",
                f"{report['cold']['ask_peak_rss_bytes'] / GIB:.2f} GiB", f"{wanted}  {met}")
        if "build" in report:
            row("`reviewqa build` (full)", None, None, f"{report['build']['full_peak_rss_bytes'] / 2**20:.0f} MiB", None, None)

    if "gpu" in report:
        g = report["gpu"]
        rule("GPU embedding (from REVIEWQA_BENCH_GPU_RESULT)")
        if "skipped" in g or "error" in g:
            lines.append(f"  {g.get('skipped') or g.get('error')}")
        else:
            row(f"GPU {g.get('gpu_name', '')}"[:44], None, None, f"{g.get('gpu_chunks_per_s', float('nan')):.0f} chunks/s",
                f"{ratio(g.get('gpu_chunks_per_s', float('nan')), g.get('cpu_chunks_per_s', float('nan')))} CPU", None)
            row(f"CPU (same machine, {g.get('cpu_sample', '?')}-chunk sample)", None, None,
                f"{g.get('cpu_chunks_per_s', float('nan')):.0f} chunks/s", None, None)
            row(f"{g.get('chunks', 0):,} chunks: GPU / CPU (extrapolated)", None, None,
                f"{g.get('gpu_seconds', float('nan')):.1f} s", f"CPU {g.get('cpu_seconds_extrapolated', float('nan')):.0f} s", None)
    rule()
    met = sum(t["status"] == "met" for t in report["targets"])
    lines.append(f"targets met: {met}/{len(report['targets'])}"
                 + (f"; missed: {', '.join(t['target'] for t in report['targets'] if t['status'] == 'MISSED')}"
                    if met < len(report["targets"]) else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, required=True, help="question set (JSON lines), e.g. ../shared/eval/dev.jsonl")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds over the questions, after one warm-up round")
    parser.add_argument("--cold-reps", type=int, default=3, help="new processes per cold-start measurement")
    parser.add_argument("--embed-reps", type=int, default=60, help="single-query embeddings timed")
    parser.add_argument("--skip-cold", action="store_true", help="leave out cold start and ask memory")
    parser.add_argument("--skip-build", action="store_true", help="leave out the build timings")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round, 1 cold rep, no build timings")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results" / "bench.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.cold_reps, args.embed_reps, args.skip_build = 1, 1, 10, True
    began = time.perf_counter()

    questions = load_questions(args.questions)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from reviewqa.assistant import Assistant
    from reviewqa.config import load_settings

    log("loading reviewqa (model + index)")
    settings = load_settings()
    assistant = Assistant(settings)
    from reviewqa.embed import load_embedder

    # The peers and the throughput figure use sentence-transformers, as a build does.
    embedder = load_embedder(settings.embed)

    log("building the peers")
    chunks = raw_review_chunks(settings.corpus_folder)
    started = time.perf_counter()
    tutorial = TutorialDense(chunks, embedder, batch_size=settings.embed.batch_size)
    tutorial_build_s = time.perf_counter() - started
    started = time.perf_counter()
    bm25 = BM25Peer(chunks)
    bm25_build_s = time.perf_counter() - started

    report: dict[str, Any] = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_avg_at_start": os.getloadavg()},
        "questions_file": str(args.questions),
        "n_questions": len(questions),
        "index_build": assistant.evidence.index.manifest.build_id,
        "peers": {"chunks": len(chunks), "chunk_size": 1000, "chunk_overlap": 200,
                  "tutorial_index_build_s": round(tutorial_build_s, 3), "bm25_index_build_s": round(bm25_build_s, 3)},
    }
    report["quality"] = quality({"tutorial dense": tutorial.ask, "BM25": bm25.ask, "reviewqa": asking(assistant)}, questions)
    report["speed"] = warm_speed(assistant, embedder, {"tutorial dense": tutorial, "BM25": bm25}, questions, args.rounds, args.embed_reps)
    log("embedding throughput")
    report["embedding_throughput"] = embedding_throughput(
        embedder, [c.text for c in assistant.evidence.index.chunks], settings.embed.batch_size, reps=2)
    del assistant, tutorial, bm25  # free the model before the subprocess measurements
    if not args.skip_cold:
        report["cold"] = cold_start(questions[0]["question"], args.cold_reps)
    if not args.skip_build:
        report["build"] = build_times(reps_unchanged=args.cold_reps)
    gpu_file = os.environ.get("REVIEWQA_BENCH_GPU_RESULT")
    if gpu_file:
        try:
            report["gpu"] = json.loads(Path(gpu_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            report["gpu"] = {"error": f"cannot read {gpu_file}: {error}"}
    report["targets"] = targets(report)
    report["machine"]["load_avg_at_end"] = os.getloadavg()
    report["bench_seconds"] = round(time.perf_counter() - began, 1)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(render(report))
    print(f"({report['bench_seconds']:.0f} s; load average {report['machine']['load_avg_at_start'][0]:.1f} at start; "
          f"full results: {args.output})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`reviewqa ask` with a model server, end to end: real processes, the real index, a local chat-completions server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from fake_model_server import Answer, Failure, FakeModelServer, closed_port_url

from reviewqa.written import evidence_from_answer, write_answer, written_markdown

CLI = [sys.executable, "-m", "reviewqa.cli"]
QUESTION = "What is the success rate of TESE-ICSI in NOA?"
WRITTEN = ("For men with NOA, TESE with ICSI remains the only choice to conceive [19]. "
           "Sperm is found in about 50% of first TESE cycles [20], and the successful fertilization probability is about 13.4% [22].")
KEY = "sk-reviewqa-test-4f9c2a7e81d3"


def environment(settings, **extra: str) -> dict[str, str]:
    return {**os.environ, "REVIEWQA_INDEX": str(settings.index_dir), "REVIEWQA_CORPUS": str(settings.corpus_dir), **extra}


def ask(settings, url: str, *args: str, stdin: bytes | None = None, **env: str) -> subprocess.CompletedProcess:
    command = CLI + ["ask", "--llm-base-url", url, "--llm-model", "fake", *args]
    return subprocess.run(command, input=stdin, capture_output=True, env=environment(settings, **env), timeout=300)


def test_ask_prints_the_written_answer_as_it_arrives(built_index):
    pause_s = 2.0
    with FakeModelServer(Answer(WRITTEN, piece_chars=20, stall_after=2, stall_s=pause_s)) as server:
        process = subprocess.Popen(CLI + ["ask", "--llm-base-url", server.url, "--llm-model", "fake", QUESTION],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment(built_index))
        arrivals: list[tuple[float, bytes]] = []
        reader = threading.Thread(target=lambda: arrivals.extend((time.monotonic(), piece) for piece in iter(
            lambda: os.read(process.stdout.fileno(), 65536), b"")))
        reader.start()
        process.wait(timeout=300)
        reader.join()
        stderr = process.stderr.read().decode()
    out = b"".join(piece for _, piece in arrivals).decode()
    assert process.returncode == 0 and "Traceback" not in stderr, stderr
    first_words = next(moment for moment, _ in arrivals if b"For men" in b"".join(p for m, p in arrivals if m <= moment))
    assert arrivals[-1][0] - first_words >= pause_s * 0.75  # the opening was on screen while the model paused
    assert out.startswith(WRITTEN + "\n\n") and "References:\n  [19] Corona G" in out and "https://doi.org/10.1016/j.fertnstert" in out


def test_ask_json_carries_generated_beside_todays_keys(built_index):
    with FakeModelServer(Answer(WRITTEN)) as server:
        result = ask(built_index, server.url, QUESTION, "--json")
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert {"question", "answer", "citations", "passages", "timings_ms"} <= set(data) and "13.4%" in data["answer"]
    generated = data["generated"]
    assert set(generated) == {"model", "text", "sentences", "removed_markers", "fallback"}
    assert generated["model"] == "fake" and generated["text"] == WRITTEN and generated["fallback"] is None
    assert [(s["refs"], s["supported"]) for s in generated["sentences"]] == [([19], True), ([20, 22], True)]


def test_jsonl_answers_carry_generated(built_index):
    with FakeModelServer(Answer(WRITTEN)) as server:
        result = ask(built_index, server.url, "--jsonl", stdin=f"{QUESTION}\nWhat is the capital of France?\n".encode())
    first, second = (json.loads(line) for line in result.stdout.decode().splitlines())
    assert first["generated"]["fallback"] is None
    assert "does not seem to cover" in second["generated"]["fallback"] and len(server.requests) == 1


def test_a_server_that_is_down_leaves_the_extractive_answer_with_a_notice(built_index):
    result = ask(built_index, closed_port_url(), QUESTION, "--llm-retries", "0")
    out = result.stdout.decode()
    assert result.returncode == 0 and "Traceback" not in result.stderr.decode()
    assert out.startswith("No written answer: could not connect to the model server at 127.0.0.1:")
    assert "successful fertilization probability with this technique is about 13.4% [22]" in out and "Top passages:" in out


def test_a_bad_llm_setting_is_refused_with_one_line(built_index):
    result = subprocess.run(CLI + ["ask", "--llm-base-url", "http://127.0.0.1:1/v1", QUESTION], capture_output=True,
                            env=environment(built_index), timeout=60)
    assert result.returncode == 2 and "invalid setting: llm: llm.model is needed" in result.stderr.decode() and "Traceback" not in result.stderr.decode()


def test_export_includes_the_written_answer_and_its_references(assistant):
    answer = assistant.ask(QUESTION)
    text = WRITTEN + " Micro-TESE finds sperm in 60% of men [20]."
    with FakeModelServer(Answer(text)) as server:
        settings = assistant.settings.llm.model_copy(update={"base_url": server.url, "model": "fake"})
        written = write_answer(evidence_from_answer(answer), settings, assistant.embedder, {}).finish()
    exported = written_markdown(written, assistant.evidence.references)
    assert exported.startswith("**Written by fake**")
    assert "about 13.4% [22]. Micro-TESE finds sperm in 60% of men [20]. ⚠ *not supported by the passages it cites*" in exported
    references = exported.split("**References**\n\n", 1)[1].splitlines()
    assert [line.split(" ", 2)[1] for line in references] == ["[19]", "[20]", "[22]"]
    assert references[2].startswith("- [22] Oses R") and "https://doi.org/10.1016/j.fertnstert.2018.07.817" in references[2]
    declined = replace(written, fallback="No written answer: test.")
    assert written_markdown(declined, assistant.evidence.references) == "*No written answer: test.*"


def test_the_api_key_appears_in_no_output_and_no_file(built_index, assistant, tmp_path):
    """The key reaches the server and nothing else: not stdout, stderr, JSON or the export, not even with the
    client's debug logging on, and not when the server echoes it in an error."""
    env = {"MY_MODEL_KEY": KEY, "REVIEWQA_LLM__API_KEY_ENV": "MY_MODEL_KEY", "OPENAI_LOG": "debug"}
    outputs: list[bytes] = []
    with FakeModelServer(Answer(WRITTEN)) as server:
        for args in ([QUESTION], [QUESTION, "--json"]):
            result = ask(built_index, server.url, *args, **env)
            outputs += [result.stdout, result.stderr]
        assert all(request.headers["authorization"] == f"Bearer {KEY}" for request in server.requests)  # the key was used
    with FakeModelServer(Failure(401, f"Incorrect API key provided: {KEY}")) as server:
        for args in ([QUESTION], [QUESTION, "--json"], ["--jsonl"]):
            result = ask(built_index, server.url, *args, stdin=f"{QUESTION}\n".encode(), **env)
            outputs += [result.stdout, result.stderr]
        assert b"refused the API key (HTTP 401)" in outputs[-2]
        settings = assistant.settings.llm.model_copy(update={"base_url": server.url, "model": "fake", "api_key_env": "MY_MODEL_KEY"})
        refused = write_answer(evidence_from_answer(assistant.ask(QUESTION)), settings, assistant.embedder, {"MY_MODEL_KEY": KEY}).finish()
    (tmp_path / "export.md").write_text(written_markdown(refused, assistant.evidence.references), encoding="utf-8")
    files = [path for folder in (Path(built_index.index_dir), tmp_path) for path in folder.rglob("*") if path.is_file()]
    assert len(files) > 3 and all(output is not None for output in outputs)
    assert [f"output {n}" for n, output in enumerate(outputs) if KEY.encode() in output] == []
    assert [str(path) for path in files if KEY.encode() in path.read_bytes()] == []

"""The `reviewqa` command as users run it: real processes, real index, exit codes and messages."""

import json
import os
import shutil
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "reviewqa.cli"]


def run(args, settings, stdin: bytes | None = None, timeout: int = 300):
    env = {**os.environ, "REVIEWQA_INDEX": str(settings.index_dir), "REVIEWQA_CORPUS": str(settings.corpus_dir)}
    return subprocess.run(CLI + args, input=stdin, capture_output=True, env=env, timeout=timeout)


def test_ask_json_follows_the_contract(built_index):
    result = run(["ask", "What is the success rate of TESE-ICSI in NOA?", "--json", "-k", "12"], built_index)
    assert result.returncode == 0, result.stderr.decode()
    data = json.loads(result.stdout)
    assert "13.4%" in data["answer"] and len(data["passages"]) == 12
    assert 22 in [c["ref"] for c in data["citations"]]
    assert all({"ref", "entry", "doi"} <= set(c) for c in data["citations"])
    assert set(data["timings_ms"]) == {"retrieve", "answer", "total"}


def test_ask_text_output_lists_references_with_doi_links(built_index):
    result = run(["ask", "What is Scadden's 2006 Nature paper cited for?"], built_index)
    out = result.stdout.decode()
    assert result.returncode == 0 and "References:" in out and "https://doi.org/10.1038/nature04957" in out


def test_jsonl_answers_fifty_questions_in_one_process(built_index):
    base = ["Which animal models used busulfan?", "What is TESE?", "NCT02041910", "How many trials are in Egypt?",
            "Who first described MSCs?"]
    lines = [base[i % len(base)] for i in range(48)]
    lines.append(json.dumps({"question": "Which clinical trials used umbilical cord MSCs?"}))
    lines.append(json.dumps({"question": "and which of those are recruiting?",
                             "history": [{"question": "Which clinical trials used umbilical cord MSCs?"}]}))
    result = run(["ask", "--jsonl"], built_index, stdin=("\n".join(lines) + "\n").encode())
    assert result.returncode == 0, result.stderr.decode()
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(records) == 50
    assert all({"question", "answer", "citations", "passages", "timings_ms"} <= set(r) for r in records)
    assert "Traceback" not in result.stderr.decode()
    assert records[-1]["table"]["count"] == 5  # the follow-up narrowed the previous table answer


def test_jsonl_survives_bad_lines(built_index):
    stdin = b"\n".join([b"", b"   ", b"\xff\xfe\x00binary", "{\"question\": \"\"}".encode(), b"{not json", b"What is NOA?"]) + b"\n"
    result = run(["ask", "--jsonl"], built_index, stdin=stdin)
    assert result.returncode == 0, result.stderr.decode()
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(records) == 4
    assert records[1]["error"] == "Please type a question."
    assert "answer" in records[-1]


@pytest.mark.parametrize("question, message", [
    ("", "Please type a question."),
    ("   \t  ", "Please type a question."),
    ("?!?! ...", "Please type a question in words."),
    ("x" * 100_000, "please keep it under 4,000 characters"),
])
def test_refused_questions_exit_2_with_a_message(built_index, question, message):
    result = run(["ask", question], built_index)
    assert result.returncode == 2
    assert message in result.stderr.decode() and "Traceback" not in result.stderr.decode()
    assert result.stdout == b""


def test_missing_index_names_the_build_command(tmp_path, built_index):
    settings = type(built_index)(corpus_dir=built_index.corpus_dir, index_dir=tmp_path / "none")
    result = run(["ask", "What is NOA?"], settings)
    assert result.returncode == 1
    assert "No index found" in result.stderr.decode() and "reviewqa build" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_corrupt_index_is_one_sentence_not_a_traceback(tmp_path, built_index):
    index = tmp_path / "index"
    shutil.copytree(built_index.index_dir, index)
    build = (index / "CURRENT").read_text().strip()
    (index / "builds" / build / "vectors.faiss").write_bytes(b"\x00" * 64)
    settings = type(built_index)(corpus_dir=built_index.corpus_dir, index_dir=index)
    result = run(["ask", "What is NOA?"], settings)
    err = result.stderr.decode()
    assert result.returncode == 1 and "damaged" in err and "reviewqa build" in err and "Traceback" not in err


def test_info_reports_the_index(built_index):
    result = run(["info", "--json"], built_index)
    facts = json.loads(result.stdout)
    assert result.returncode == 0 and facts["status"] == "up to date" and facts["chunks_by_kind"]["table_row"] == 94
    assert facts["abstracts"] == "0 of 151 references have an abstract"  # the session corpus holds the review only


@pytest.mark.parametrize(("value", "enabled"), [("false", False), ("0", False), ("off", False), ("True", True), ("1", True)])
def test_boolean_settings_take_true_or_false(value, enabled):
    from reviewqa.cli import build_parser, settings_from_args

    assert settings_from_args(build_parser().parse_args(["build", "--fetch-enabled", value])).fetch.enabled is enabled


def test_boolean_setting_refuses_other_words(capsys):
    from reviewqa.cli import build_parser

    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["build", "--fetch-enabled", "maybe"])
    assert exit_.value.code == 2 and "expected true or false" in capsys.readouterr().err


def test_fetch_abstracts_refused_when_fetching_is_turned_off(tmp_path):
    result = subprocess.run(CLI + ["fetch-abstracts"], capture_output=True, timeout=120,
                            env={**os.environ, "REVIEWQA_CORPUS": str(tmp_path), "REVIEWQA_FETCH__ENABLED": "0"})
    assert result.returncode == 1 and "fetching abstracts is turned off" in result.stderr.decode()


def test_bad_setting_value_is_refused(built_index):
    result = run(["ask", "What is NOA?", "--retrieval-k", "0"], built_index)
    assert result.returncode == 2 and "invalid setting" in result.stderr.decode()

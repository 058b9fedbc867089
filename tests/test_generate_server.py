"""Written answers from a model server speaking the real chat-completions protocol on 127.0.0.1 — and every way it fails."""

from __future__ import annotations

import io
import time

import openai
import pytest
from fake_model_server import Answer, Failure, FakeModelServer, RawStream, closed_port_url
from generate_helpers import DRUGS, TREATMENT, KeywordEncoder, evidence

from reviewqa.config import LLMSettings
from reviewqa.written import WrittenAnswer, stream_to_terminal, write_answer, written_json
from reviewqa.written.context import INSTRUCTIONS

GOOD = ("TESE-ICSI is the only choice for men with NOA to conceive [19]. "
        "Its successful fertilization probability is about 13.4% [22].")
ENCODER = KeywordEncoder(["tese", "drug"])


def llm(url: str, **fields) -> LLMSettings:
    return LLMSettings(base_url=url, model="fake", **{"retries": 0, "read_timeout_s": 5.0, "connect_timeout_s": 2.0, **fields})


def written(server_url: str, environ=None, found=None, **fields) -> tuple[list[str], WrittenAnswer]:
    stream = write_answer(found or evidence(TREATMENT, DRUGS), llm(server_url, **fields), ENCODER, environ or {})
    pieces = list(stream)
    return pieces, stream.finish()


def test_a_good_answer_streams_in_pieces_and_stands():
    with FakeModelServer(Answer(GOOD, piece_chars=10)) as server:
        pieces, answer = written(server.url)
    assert len(pieces) > 5 and "".join(pieces) == GOOD  # as it arrived, piece by piece
    assert answer.fallback is None and answer.text == GOOD and answer.removed_markers == 0
    assert [(s.refs, s.supported) for s in answer.sentences] == [((19,), True), ((22,), True)]
    assert written_json(answer) == {
        "model": "fake", "text": GOOD, "removed_markers": 0, "fallback": None,
        "sentences": [{"text": s.text, "refs": list(s.refs), "supported": True} for s in answer.sentences]}


def test_the_request_carries_the_question_and_the_passages_and_nothing_about_the_machine():
    with FakeModelServer(Answer(GOOD)) as server:
        written(server.url, answer_tokens=321)
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    body = request.body
    assert body["model"] == "fake" and body["stream"] is True and body["max_tokens"] == 321
    assert [m["role"] for m in body["messages"]] == ["system", "user"] and body["messages"][0]["content"] == INSTRUCTIONS
    assert body["messages"][1]["content"].startswith("Question: What is the success rate of TESE-ICSI in NOA?")
    assert TREATMENT.text in body["messages"][1]["content"] and DRUGS.text in body["messages"][1]["content"]
    headers = set(request.headers)
    assert not headers & {"x-stainless-os", "x-stainless-arch", "x-stainless-runtime-version", "x-stainless-package-version"}


def test_the_clients_own_environment_variables_add_nothing_to_the_request(monkeypatch):
    for name, value in {"OPENAI_API_KEY": "sk-someone-elses", "OPENAI_ORG_ID": "org-x", "OPENAI_PROJECT_ID": "proj-x"}.items():
        monkeypatch.setenv(name, value)
    with FakeModelServer(Answer(GOOD)) as server:
        written(server.url)
    (request,) = server.requests
    assert request.headers["authorization"] == "Bearer no-key"  # no key named: none of the environment's
    assert not {"openai-organization", "openai-project"} & set(request.headers)


def test_the_api_key_is_read_from_the_named_environment_variable():
    with FakeModelServer(Answer(GOOD)) as server:
        written(server.url, environ={"MY_MODEL_KEY": "sk-test-123"}, api_key_env="MY_MODEL_KEY")
    assert server.requests[0].headers["authorization"] == "Bearer sk-test-123"


def test_a_named_key_variable_that_is_unset_asks_no_model():
    with FakeModelServer(Answer(GOOD)) as server:
        _, answer = written(server.url, environ={}, api_key_env="MY_MODEL_KEY")
    assert server.requests == [] and "MY_MODEL_KEY" in answer.fallback


def test_invented_markers_are_removed_and_counted():
    text = "TESE-ICSI is the only choice for men with NOA to conceive [19][87]. Its success is about 13.4% [22, 160]."
    with FakeModelServer(Answer(text)) as server:
        _, answer = written(server.url)
    assert answer.removed_markers == 2 and "[87]" not in answer.text and "160" not in answer.text
    assert answer.text == "TESE-ICSI is the only choice for men with NOA to conceive [19]. Its success is about 13.4% [22]."
    assert answer.fallback is None


def test_an_answer_citing_nothing_falls_back_to_the_extractive_answer():
    text = "TESE-ICSI is the only choice for men with NOA to conceive. Its success is about 13.4%."
    with FakeModelServer(Answer(text)) as server:
        _, answer = written(server.url)
    assert [s.supported for s in answer.sentences] == [False, False]
    assert answer.fallback == ("No written answer: only 0 of 2 sentences of the model's answer are supported by the passages "
                               "they cite. The quoted answer is shown instead.")


def test_the_minimum_supported_fraction_is_a_setting():
    half = "TESE-ICSI is the only choice for men with NOA to conceive [19]. Micro-TESE finds sperm in 60% of men [20]."
    with FakeModelServer(Answer(half)) as server:
        assert written(server.url, min_supported=0.5)[1].fallback is None
        assert "only 1 of 2 sentences" in written(server.url, min_supported=0.75)[1].fallback


def test_a_stream_slower_than_the_read_timeout_falls_back_with_what_arrived():
    with FakeModelServer(Answer(GOOD, stall_after=2, stall_s=30)) as server:
        started = time.monotonic()
        pieces, answer = written(server.url, read_timeout_s=0.5)
    assert time.monotonic() - started < 10
    assert answer.fallback.startswith("No written answer: the model server at 127.0.0.1:") and "stopped sending the answer for more than 0.5 s" in answer.fallback
    assert answer.text == "".join(pieces) == GOOD[:24] and answer.sentences == ()


def test_a_server_that_never_starts_answering_times_out():
    with FakeModelServer(Answer(GOOD, stall_after=0, stall_s=30)) as server:
        _, answer = written(server.url, read_timeout_s=0.5)
    assert "did not answer within 0.5 s" in answer.fallback


def test_a_refused_key_is_not_retried_and_the_servers_message_is_not_repeated():
    with FakeModelServer(Failure(401, "Incorrect API key provided: sk-test-123")) as server:
        _, answer = written(server.url, environ={"K": "sk-test-123"}, api_key_env="K", retries=2)
    assert len(server.requests) == 1
    assert "refused the API key (HTTP 401); check the variable K" in answer.fallback and "sk-test" not in answer.fallback


def test_429_is_retried_after_the_wait_retry_after_asks_for():
    with FakeModelServer(Failure(429, "slow down", {"Retry-After": "1"}), Answer(GOOD)) as server:
        started = time.monotonic()
        _, answer = written(server.url, retries=1)
    assert len(server.requests) == 2 and time.monotonic() - started >= 1.0
    assert answer.fallback is None


def test_429_still_after_the_retries_falls_back():
    with FakeModelServer(Failure(429, "slow down", {"Retry-After": "0.2"})) as server:
        _, answer = written(server.url, retries=2)
    assert len(server.requests) == 3
    assert "limiting requests (HTTP 429), still after 2 retries" in answer.fallback


def test_a_server_error_is_retried_then_falls_back():
    with FakeModelServer(Failure(500, "The server had an error", {"Retry-After": "0.1"})) as server:
        _, answer = written(server.url, retries=1)
    assert len(server.requests) == 2 and "failed (HTTP 500), still after 1 retry" in answer.fallback


def test_an_unknown_model_says_what_to_check():
    with FakeModelServer(Failure(404, "model 'fake' not found")) as server:
        _, answer = written(server.url)
    assert "HTTP 404" in answer.fallback and "--llm-model" in answer.fallback


def test_a_stream_cut_halfway_falls_back():
    with FakeModelServer(Answer(GOOD, cut_after=3)) as server:
        pieces, answer = written(server.url)
    assert pieces and "broke off mid-answer" in answer.fallback and answer.text == "".join(pieces)


@pytest.mark.parametrize("events, reason", [
    (["{not json"], "sent a malformed stream"),
    (['{"error": {"message": "model crashed", "type": "server_error"}}'], "sent a malformed stream"),
    (['{"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}', "[DONE]"],
     "sent an empty answer"),
    (['{"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "TESE [19]"}, "finish_reason": null}]}',
      "[DONE]"], "ended the stream before the answer was complete"),
    ([], "ended the stream before the answer was complete"),
])
def test_malformed_or_empty_streams_fall_back(events, reason):
    with FakeModelServer(RawStream(events)) as server:
        _, answer = written(server.url)
    assert reason in answer.fallback


def test_a_server_that_is_not_there_falls_back():
    _, answer = written(closed_port_url())
    assert answer.fallback.startswith("No written answer: could not connect to the model server at 127.0.0.1:")


def test_a_question_the_review_does_not_cover_is_declined_before_any_model_call():
    with FakeModelServer(Answer(GOOD)) as server:
        pieces, answer = written(server.url, found=evidence(TREATMENT, covered=False))
    assert server.requests == [] and pieces == []
    assert answer.fallback == ("No written answer: the review does not seem to cover this question, so no model was asked. "
                               "The quoted answer is shown instead.")


def test_the_model_finding_no_answer_in_the_passages_falls_back():
    with FakeModelServer(Answer("The passages do not answer this question.")) as server:
        _, answer = written(server.url)
    assert "found no answer to the question in the passages" in answer.fallback


def test_finish_reads_what_was_not_read_yet():
    with FakeModelServer(Answer(GOOD, piece_chars=5)) as server:
        stream = write_answer(evidence(TREATMENT), llm(server.url), ENCODER, {})
        first = next(iter(stream))
        answer = stream.finish()
    assert first == GOOD[:5] and answer.text == GOOD and answer.fallback is None


def test_the_fake_server_also_speaks_plain_json_when_not_streaming():
    """The stand-in answers as a real server does without stream=True (what the tests above rely on it being)."""
    with FakeModelServer(Answer(GOOD)) as server:
        reply = openai.OpenAI(base_url=server.url, api_key="k").chat.completions.create(
            model="fake", messages=[{"role": "user", "content": "q"}])
    assert reply.object == "chat.completion" and reply.choices[0].message.content == GOOD and reply.choices[0].finish_reason == "stop"


def test_the_terminal_shows_the_reply_then_what_verification_found():
    text = "TESE-ICSI is the only choice for men with NOA to conceive [19][87]. Micro-TESE finds sperm in 60% of men [20]."
    out = io.StringIO()
    with FakeModelServer(Answer(text)) as server:
        stream = write_answer(evidence(TREATMENT), llm(server.url, min_supported=0.5), ENCODER, {})
        stream_to_terminal(stream, "EXTRACTIVE ANSWER", {}, out)
    assert out.getvalue() == (
        f"{text}\n\n"
        "Citations naming no passage the model was shown, dropped: 1\n\n"
        "Not supported by the passages they cite:\n  - Micro-TESE finds sperm in 60% of men [20].\n\n"
        "References:\n  [19]\n  [20]\n")


def test_the_terminal_shows_the_extractive_answer_when_the_reply_cannot_stand():
    out = io.StringIO()
    with FakeModelServer(Failure(500)) as server:
        stream_to_terminal(write_answer(evidence(TREATMENT), llm(server.url), ENCODER, {}), "EXTRACTIVE ANSWER", {}, out)
    assert out.getvalue() == ("No written answer: the model server failed (HTTP 500). "
                              "The quoted answer is shown instead.\n\nEXTRACTIVE ANSWER\n")

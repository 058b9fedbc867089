"""Assistant(remembered_answers=n): a question read the same way again is answered from memory (the app's classes ask
the same examples again and again); off by default, so the CLI and the benchmarks time the whole work."""

from __future__ import annotations

import threading

from reviewqa.assistant import Assistant, turn_of
from reviewqa.embed import load_query_encoder

QUESTION = "Which animal models used busulfan?"


class CountingEncoder:
    """The real question encoder, counting how many questions it embeds (each worked-out answer embeds once)."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.calls = 0
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self.encoder, name)

    def encode(self, texts):
        with self._lock:
            self.calls += 1
        return self.encoder.encode(texts)


def assistant_with(settings, remembered: int) -> tuple[Assistant, CountingEncoder]:
    encoder = CountingEncoder(load_query_encoder(settings.embed))
    return Assistant(settings, embedder=encoder, remembered_answers=remembered), encoder


def test_a_question_read_the_same_way_is_answered_from_memory(built_index):
    assistant, encoder = assistant_with(built_index, remembered=8)
    first = assistant.ask(QUESTION)
    again = assistant.ask(QUESTION, history=[turn_of(assistant.ask("How do MSC exosomes help restore spermatogenesis?"))])
    assert encoder.calls == 2 and again.blocks == first.blocks and again.passages == first.passages
    assert again.timings_ms["total"] < first.timings_ms["total"]  # the time this answer took, not the first one's
    follow_up = assistant.ask("and in rats?", history=[turn_of(first)])  # read differently: worked out
    other_k = assistant.ask(QUESTION, k=5)
    assert encoder.calls == 4 and follow_up.interpreted and len(other_k.passages) < len(first.passages)


def test_the_same_question_asked_at_once_is_worked_out_once(built_index):
    assistant, encoder = assistant_with(built_index, remembered=8)
    answers = []
    askers = [threading.Thread(target=lambda: answers.append(assistant.ask(QUESTION))) for _ in range(4)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert encoder.calls == 1 and len(answers) == 4 and all(answer.blocks == answers[0].blocks for answer in answers)


def test_the_oldest_answer_is_forgotten_and_nothing_is_remembered_by_default(built_index):
    assistant, encoder = assistant_with(built_index, remembered=1)
    assistant.ask(QUESTION)
    assistant.ask("Which clinical trials treat azoospermia?")
    assistant.ask(QUESTION)
    assert encoder.calls == 3
    plain, plain_encoder = assistant_with(built_index, remembered=0)
    plain.ask(QUESTION)
    plain.ask(QUESTION)
    assert plain_encoder.calls == 2

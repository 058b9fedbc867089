"""Evidence: what answering knows of one loaded index (real index)."""

from __future__ import annotations

import pytest

from reviewqa import lexical


@pytest.fixture(scope="module")
def evidence(assistant):
    return assistant.evidence


def test_sentence_overlaps_match_the_one_sentence_overlap(evidence):
    words = lexical.tokenize("Jordan intratesticular injections")
    shares = evidence.overlaps(words)
    assert len(shares) == len(evidence.sentences)
    for sentence in evidence.sentences[::37]:
        assert shares[sentence.row] == pytest.approx(evidence.overlap(words, sentence.words))
    best = evidence.sentences[int(shares.argmax())]
    assert "Jordan scientists" in best.text


def test_passage_words_spell_out_the_abbreviations_a_passage_uses(evidence):
    position = next(i for i, chunk in enumerate(evidence.index.chunks) if "With classical LS" in chunk.text)
    assert "liposuct" in evidence.passage_words[position]


def test_identifier_prefixes_and_topic_words(evidence):
    assert {"nct", "irct"} <= evidence.identifier_prefixes
    assert {"azoosperm", "exosom", "spermatogenesi"} & evidence.topic_words
    assert "marrow" not in evidence.topic_words


def test_definitions_are_sentences_whose_subject_is_the_term(evidence):
    defining = [s.text for s in evidence.definitions("azoospermia")]
    assert any(text.startswith("Azoospermia is classified") for text in defining)
    assert not any(text.startswith("These indicators") for text in defining)
    assert any("manifests as the absence of spermatozoa" in s.text for s in evidence.definitions("NOA"))
    assert not any("manifests as" in s.text for s in evidence.definitions("infertility"))  # "…of infertility cases and manifests…"
    assert any("(TESE)" in s.text for s in evidence.definitions("TESE"))  # an abbreviation is defined where introduced


def test_a_list_is_numbered_or_announced_before_a_colon():
    from reviewqa.evidence import colon_items, list_opening

    assert list_opening("…developed as follows: (1) retinoic acid, (2) growth factors") == "…developed as follows: "
    assert list_opening("the following markers have been detected: CD105, CD106, CD13, and STRO-1 [27].") \
        == "the following markers have been detected"
    assert list_opening("the aspirate is separated into 3 layers: top, middle, bottom, and more") == ""  # announces none
    assert colon_items(" CD105, CD106, CD13, and STRO-1 [27].") == 4

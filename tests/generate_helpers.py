"""Evidence and encoders for the written-answer tests, built by hand so each test shows what the model saw."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from reviewqa.records import expand_citations
from reviewqa.written.evidence import ContextPassage, Evidence


def prose(text: str, section: str = "Treatment of NOA", id: str | None = None) -> ContextPassage:
    """A passage of review text carrying the [n] markers it has."""
    return ContextPassage(id or f"prose:{text[:24]}", "prose", section, text, expand_citations(text))


def evidence(*passages: ContextPassage, question: str = "What is the success rate of TESE-ICSI in NOA?", table=None,
             covered: bool = True) -> Evidence:
    return Evidence(question, covered, tuple(passages), table)


class KeywordEncoder:
    """Texts → unit vectors of keyword counts: which passage is "nearest" is decided by the words a test chooses."""

    def __init__(self, keywords: Sequence[str]):
        self.keywords = [word.lower() for word in keywords]
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        vectors = np.array([[text.lower().count(word) for word in self.keywords] + [1e-3] for text in texts], dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


TREATMENT = prose(
    "For men with NOA, testicular sperm extraction (TESE) with intracytoplasmic sperm injection (ICSI) remains the only "
    "choice to conceive [19]. However, TESE-ICSI has limited success in patients with NOA, as during the first TESE cycle, "
    "sperm is found about 50% of cases [20], and the subsequent probability of egg fertilization with ICSI is about 50% [21]. "
    "As a result, the successful fertilization probability with this technique is about 13.4% [22].")
DRUGS = prose("The NOA has been considered to be a condition not responding to drug therapy [15].")
QUESTION_ASKED = prose("This systematic review was done to answer this question: “Could MSCs be applied in treatment of NOA in human?”",
                       section="Methods › Focused question")

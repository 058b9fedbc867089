"""Words for BM25: one tokenizer shared by the index build and the query side."""

from __future__ import annotations

import re
from functools import lru_cache

import bm25s
import Stemmer

_WORD_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Function words that carry no evidence; field terms (cell, stem) are kept on purpose.
STOPWORDS = frozenset(
    "a an and are as at be been by can could did do does for from had has have how in into is it its of on or "
    "that the their them these they this those to was were what when where which who whom why will with would "
    "there than then also about any all".split()
)


_CODE_PREFIX = re.compile(r"^([a-z]{2,6})\d{4,}")
# Plurals the stemmer leaves alone.
_IRREGULAR = {"mice": "mouse", "testes": "testis", "testicles": "testis", "testicle": "testis", "men": "man", "women": "woman", "foetal": "fetal", "foetus": "fetus"}
_VOWELS = set("aeiouy")
# British spellings, written the American way the review writes them ("fertilises" → fertilizes, "tumour" → tumor,
# "foetal" → fetal, "haematopoietic" → hematopoietic); short words are left alone ("four", "rise", "poem").
_BRITISH = ((re.compile(r"(?<=\w{3})is(e[sd]?|ing|ation|ations)$"), r"iz\1"), (re.compile(r"(?<=\w{3})our(s?)$"), r"or\1"),
            (re.compile(r"^(f|h|an|p)(o|a)e(?=\w{3})"), r"\1e"))


def american(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


def _normalise(word: str) -> str:
    word = american(_IRREGULAR.get(word, word))
    # Acronym plurals: MSCs → msc, BM-MSCs → bm-msc (no vowel before the s).
    if len(word) > 2 and word.endswith("s") and not _VOWELS & set(word[:-1].split("-")[-1]):
        word = word[:-1]
    return word


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased stems; a hyphenated term counts as itself and as its parts (AT-MSC → at-msc, at, msc)."""
    words: list[str] = []
    for word in _WORD_RE.findall(text.lower().replace("’", "'")):
        word = _normalise(word.removesuffix("'s"))
        if word in STOPWORDS:
            continue
        words.append(word)
        if "-" in word:
            words.extend(_normalise(part) for part in word.split("-") if part and part not in STOPWORDS)
        elif prefix := _CODE_PREFIX.match(word):
            words.append(prefix.group(1))  # a registry code is also its registry's letters ("nct", "irct")
    return _stemmer().stemWords(words)


def build_bm25(texts: list[str]) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index([tokenize(text) for text in texts], show_progress=False)
    return index

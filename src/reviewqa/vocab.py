"""The field's vocabulary: abbreviations both ways and the words people type for the review's terms.

Used on both sides of retrieval: questions are expanded for BM25, and the texts
that are embedded carry the spelled-out form of the abbreviations they use
(the embedder does not know that MSC means mesenchymal stromal/stem cell).
"""

from __future__ import annotations

import re

from . import lexical

# Everyday or variant words → the review's own terms (added to the lexical query).
SYNONYMS: dict[str, str] = {
    "fat": "adipose tissue",
    "fat-derived": "adipose tissue-derived",
    "adipose-derived": "adipose tissue-derived AT-MSC",
    "lipoaspirate": "liposuction adipose",
    "marrow": "bone marrow",
    "cord": "umbilical cord",
    "wj": "Wharton's jelly",
    "ram": "sheep",
    "ovine": "sheep",
    "canine": "dog",
    "porcine": "pig",
    "bovine": "cow",
    "murine": "mouse",
    "rodent": "rat mouse",
    "chemotherapy": "busulfan cisplatin doxorubicin",
    "chemotherapy-induced": "busulfan cisplatin doxorubicin",
    "trial": "clinical trial NCT",
    "trials": "clinical trials NCT",
    "infertile": "infertility",
    "sperm retrieval": "testicular sperm extraction TESE",
    "egg": "oocyte",
    "eggs": "oocyte",
    "in vivo": "animal model",
    "animal": "in vivo model",
    "scaffold": "nanotubes polylactic acid",
    "risks": "risk safety tumorigenicity",
    "safety": "risk tumorigenicity",
    "discovered": "first described",
    "discovery": "first described",
}
# Abbreviations of the field the review uses without defining in its list.
FIELD_ABBREVIATIONS: dict[str, str] = {
    "AT-MSC": "adipose tissue-derived mesenchymal stromal/stem cell",
    "BM-MSC": "bone marrow-derived mesenchymal stromal/stem cell",
    "UC-MSC": "umbilical cord mesenchymal stem cell",
    "hUC-MSC": "human umbilical cord mesenchymal stem cell",
    "ADSC": "adipose-derived stem cell",
    "SVF": "stromal-vascular fraction",
    "ESC": "embryonic stem cell",
    "PGC": "primordial germ cell",
    "RA": "retinoic acid",
    "OA": "obstructive azoospermia",
    "POF": "premature ovarian failure",
    "ED": "erectile dysfunction",
    "CT": "clinical trial",
}


def _uses(text: str, abbreviation: str) -> bool:
    """An abbreviation is matched as a word (plural allowed), case-sensitively: a short one like "LS" is not "ls"."""
    return re.search(rf"(?<![\w-]){re.escape(abbreviation)}s?(?![\w-])", text) is not None


def _variants(expansion: str) -> list[str]:
    """'mesenchymal stromal/stem cell' → 'mesenchymal stromal cell', 'mesenchymal stem cell'."""
    match = re.search(r"(\w+)/\s*(\w+)", expansion)
    if not match:
        return [expansion]
    return [expansion[: match.start()] + word + expansion[match.end():] for word in match.groups()]


def _contains_phrase(words: list[str], phrase: list[str]) -> bool:
    return bool(phrase) and any(words[i:i + len(phrase)] == phrase for i in range(len(words) - len(phrase) + 1))


def expand_query(question: str, abbreviations: dict[str, str]) -> str:
    """The question plus the expansions of the abbreviations and synonyms it uses, and the
    abbreviations of terms it spells out (compared as stemmed words, so plurals match)."""
    lowered = question.lower()
    words = lexical.tokenize(question)
    extra: list[str] = []
    for abbr, expansion in {**FIELD_ABBREVIATIONS, **abbreviations}.items():
        if _uses(question, abbr):
            extra.append(expansion)
        elif len(expansion) > 6 and any(_contains_phrase(words, lexical.tokenize(v)) for v in _variants(expansion)):
            extra.append(abbr)
    for phrase, expansion in SYNONYMS.items():
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", lowered):
            extra.append(expansion)
    return " ".join([question, *extra])


def spelled_out(text: str, abbreviations: dict[str, str]) -> str:
    """`text` followed by the expansions of the abbreviations it uses, for embedding."""
    found = [f"{abbr}: {expansion}" for abbr, expansion in {**FIELD_ABBREVIATIONS, **abbreviations}.items()
             if _uses(text, abbr)]
    return f"{text} ({'; '.join(found)})" if found else text

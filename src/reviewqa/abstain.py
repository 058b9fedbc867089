"""Does the review cover the question? Decided after retrieval, from its words and its evidence.

A cosine threshold alone cannot tell "medical, but not in this review" from "covered": the
embedder puts "letrozole dose for endometriosis" close to any sentence about fertility. So
three tests, each calibrated on eval/answers.jsonl (in-scope against out-of-scope questions):

1. Vocabulary. The question's salient words (what it is about — drugs, diseases, procedures,
   outcomes — not how it is asked) against the words of what the review says: its text, tables
   and abstracts, not its bibliography (a term only in a cited title is not discussed). A word
   the review never uses, that is no word users type for one of its terms and no typing slip of
   one of its words, is missing. Too many missing words, and the question is declined.
2. Evidence about the subject. The passages about what the question is about — those naming its
   trial code or citing the work it names, else the best-ranked — must use enough of its salient
   words ("what sperm retrieval rate did NCT02041910 report?": the trial's row records none of
   sperm, retrieval, rate), and the best quotable sentence must be close enough to it.
3. The kind of answer. A question asking for a quantity ("how many", "what percentage", "dose")
   needs a number in its best sentences.

A declined question is told which words the review does not discuss and, when the review says
something close (that no human study has been published, say), that sentence with its citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from . import lexical
from .config import AnswerSettings
from .evidence import Evidence, ScoredSentence
from .retrieve import Hit
from .understand import Query
from .vocabulary import aliases

# Words that say how a question is asked, not what it is about: they never make it out of scope.
QUESTION_WORDS = frozenset("""
tell explain explained explaining describe described list lists show shows showed shown give given find found finds
name names named mean means meaning meant define defined definition definitions summary summarize summarise overview
compare compared comparison comparing difference differences different differ versus main key kind kinds type types
sort sorts way ways role roles thing things stuff example examples instance detail details info information question
questions answer answers please thanks thank hi hello hey can could would should might must may really actually exactly
simply simple briefly brief short quick quickly lol eli5 okay ok yes yeah like just kinda sorta basically generally
overall study studies paper papers review reviews reviewed article articles author authors evidence evidences data
result results report reports reported reporting say says said state states stated claim claims mention mentions
mentioned discuss discusses discussed cover covers covered talk talks know known look looks use used uses using usage
help helps helped work works worked working happen happens happened get gets got make makes made take takes took
do does did done go goes went come comes came see seen want wants need needs needed think thought believe point points
figure figures table tables row rows column columns entry entries one ones two three first second last many much
more most less least few fewer fewest best better worse worst good bad big small high low new old common commonly
often usually typically important importance main major minor part parts number numbers total amount level levels
status stage stages current currently still yet ever already also even well whether why how what when where which who
whose whom there here this that these those they them their it its anything something everything nothing someone
review's reviewer reviewers systematic ref refs reference references citation citations cite cites cited trial trials
gap gaps limitation limitations limit limits missing lack lacks lacking weakness weaknesses drawback drawbacks
disadvantage disadvantages downside downsides pros cons pro con advantage advantages benefit benefits future direction
directions research researchers open unknown unknowns unanswered caveat caveats shortcoming shortcomings takeaway
takeaways conclusion conclusions conclude concludes concluded gist whole big picture bottom line field topic topics
point out about into over under between after before during within without per via based regarding concerning
versus than then now today currently recent recently latest year years time times people someone everyone anyone
""".split())
# Asking for a quantity: the answer needs a number.
_QUANTITY = re.compile(r"\b(?:how (?:many|much|long|often|soon)|what (?:percent(?:age)?|proportion|fraction|share|rate|dose|dosage)"
                       r"|percent(?:age)?|dose|dosage|rate of|number of)\b")
# A number standing for a quantity: not the digits inside a name like CD34 or NCT02041910.
_NUMBER = re.compile(r"(?<![\w/-])\d+(?:[.,]\d+)?(?:\s*(?:%|percent))?(?![\w/])|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
                     r"half|third|quarter|dozen|hundreds?|thousands?)\b")
# Words, not the letters of a code ("NCT" of NCT02041910) or of a name with digits (CD34).
_SYNTHESIS = ("summary", "limitations", "compare")
_WORD = re.compile(r"\b[A-Za-z][A-Za-z'’-]*[A-Za-z]\b|\b[A-Za-z]\b")


@dataclass(frozen=True)
class Coverage:
    """Whether the review covers a question, and what a reply declining it says."""

    covered: bool
    missing: tuple[str, ...] = ()  # salient words of the question the review never uses, as typed
    reason: str = ""  # "" when covered; "vocabulary", "evidence", "subject" or "quantity"
    closest: ScoredSentence | None = None  # the best sentence: quoted in a decline when close enough
    best: float = 0.0  # score of the best quotable sentence
    coverage: float = 0.0  # share of the salient words the subject's passages use


def _edits_within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b is at most `limit` (a banded check; the words are short)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


@lru_cache(maxsize=4096)
def _stems(word: str) -> tuple[str, ...]:
    return tuple(lexical.tokenize(word))


def salient_words(text: str) -> list[str]:
    """The words of a question that say what it is about, lower-cased, in order, without repeats."""
    found = []
    for word in _WORD.findall(text):
        lowered = word.lower().replace("’", "'").removesuffix("'s")
        if len(lowered) < 3 or lowered in QUESTION_WORDS or lowered in lexical.STOPWORDS or not _stems(lowered):
            continue
        found.append(lowered)
    return list(dict.fromkeys(found))


class Assessor:
    """Decides coverage for one loaded index (its vocabulary computed once)."""

    def __init__(self, evidence: Evidence, settings: AnswerSettings):
        self.evidence = evidence
        self.settings = settings
        self._aliases = aliases(evidence.abbreviations)
        self._by_length: dict[tuple[str, int], list[str]] = {}
        for word in evidence.surface_words:
            self._by_length.setdefault((word[0], len(word)), []).append(word)

    def _alternatives(self, word: str) -> set[str]:
        return set(_stems(word)) | self._aliases.get(word, frozenset())

    def is_known(self, word: str) -> bool:
        """The review uses the word, a word users type for one of its terms, or a slip of one of its words."""
        if self._alternatives(word) & self.evidence.content_words:
            return True
        if len(word) < 5:
            return False
        limit = 1 if len(word) < 9 else 2
        return any(_edits_within(word, candidate, limit)
                   for length in range(len(word) - limit, len(word) + limit + 1)
                   for candidate in self._by_length.get((word[0], length), ()))

    def _share_used(self, words: Sequence[str], positions: Sequence[int]) -> float:
        """IDF-weighted share of `words` that the passages at `positions` use (any spelling of a word counts)."""
        if not words or not positions:
            return 0.0
        used: set[str] = set()
        for position in positions:
            used |= {w for s in self.evidence.by_chunk.get(position, ()) for w in s.words}
            used |= set(lexical.tokenize(self.evidence.index.chunks[position].text))
        weights = {word: max((self.evidence.weight(stem) for stem in _stems(word)), default=0.0) for word in words}
        total = sum(weights.values())
        return sum(weight for word, weight in weights.items() if self._alternatives(word) & used) / total if total else 0.0

    def _subject_passages(self, query: Query, hits: Sequence[Hit]) -> list[int]:
        """Passages about the question's subject: naming its trial codes, citing or listing the works it names; else the best few."""
        reading = query.reading
        if reading.trial_codes:
            return [h.position for h in hits if any(code in h.chunk.text.upper() for code in reading.trial_codes)]
        if reading.references:
            works = set(reading.references)
            return [h.position for h in hits if works & set(h.chunk.refs) or h.chunk.ref in works]
        return [h.position for h in hits[: self.settings.subject_passages]]

    def assess(self, query: Query, hits: Sequence[Hit], scored: Sequence[ScoredSentence]) -> Coverage:
        """Covered or not, from the salient words, the subject's passages and the best scored sentences."""
        reading = query.reading
        named = set(reading.trial_codes) | {str(n) for n in reading.references}
        words = [w for w in salient_words(reading.text) if w.upper() not in named and not w.isdigit()]
        if reading.table is not None:
            # A table question is answered (or found empty) by the table.
            return Coverage(True, best=scored[0].score if scored else 0.0, coverage=1.0)
        missing = tuple(w for w in words if not self.is_known(w))
        if reading.intent in _SYNTHESIS and not (words and len(missing) / len(words) > self.settings.max_missing):
            # Summaries, comparisons and limitations draw on whole sections, not on the best-ranked passages:
            # only their topic's words can put them out of scope.
            return Coverage(True, missing, "", scored[0] if scored else None, scored[0].score if scored else 0.0, 1.0)
        best = scored[0] if scored else None
        best_score = best.score if best else 0.0
        subject = self._subject_passages(query, hits)
        known = [w for w in words if w not in missing]
        coverage = self._share_used(known, subject) if known else (1.0 if named else 0.0)

        def declined(reason: str) -> Coverage:
            return Coverage(False, missing, reason, best, best_score, coverage)

        if words and len(missing) / len(words) > self.settings.max_missing:
            return declined("vocabulary")
        if named:
            # A look-up of a trial or a work is answered from its card; what it asks beyond the card is not reported.
            if missing or (known and coverage < self.settings.min_coverage):
                return declined("subject")
            return Coverage(True, missing, "", best, best_score, coverage)
        if best is None or best_score < self.settings.min_evidence:
            return declined("evidence")
        if coverage < self.settings.min_coverage:
            return declined("subject")
        if _QUANTITY.search(reading.text.lower()) and not any(
                _NUMBER.search(s.sentence.text) for s in scored[: self.settings.max_sentences]):
            return declined("quantity")
        return Coverage(True, missing, "", best, best_score, coverage)

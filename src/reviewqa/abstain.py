"""Does the review cover the question? Decided after retrieval, from its words and its evidence.

A cosine threshold alone cannot tell "medical, but not in this review" from "covered": the
embedder puts "letrozole dose for endometriosis" close to any sentence about fertility. So
three tests, each calibrated on eval/answers.jsonl (in-scope against out-of-scope questions):

1. Vocabulary. The question's salient words (what it is about — drugs, diseases, procedures,
   outcomes — not how it is asked) against the words of what the review says: its text, tables
   and abstracts, not its bibliography (a term only in a cited title is not discussed). A word
   the review never uses, that is no word users type for one of its terms, no part or relative
   of one of its words ("lipo", "suction" of liposuction; "diagnosed" of diagnostic), no author's
   name and no typing slip, is missing. How much a missing word weighs depends on how common it
   is in English (wordfreq's Zipf scale): a term of art — rare in English ("letrozole",
   "embolization") or typed in capitals ("FDA", "PCOS") — puts the question out of scope; an
   uncommon word ("sclerosis", "intravenous") does unless the evidence is very strong; an everyday
   word ("cargo", "kids", "distort") only counts when too many of the question's words are missing.
   A rare spelling one letter away from a common word is a typing slip, and everyday.
2. Evidence about the subject. The passages about what the question is about — those naming its
   trial code or citing the work it names, else the best-ranked — must use enough of its salient
   words ("what sperm retrieval rate did NCT02041910 report?": the trial's row records none of
   sperm, retrieval, rate), and the best quotable sentence must be close enough to it.
3. The kind of answer. A question asking for a quantity ("how many", "what percentage", "dose")
   needs a number in its best sentences; a question asking for a registered trial's results,
   enrolment or outcomes is beyond what the review records of any trial (its Table 4 lists
   sex, disease, phase, date, country, source, transplantation and stage).

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
from .evidence import FIELD_SUBJECT_WORDS, Evidence, ScoredSentence, Sentence, asked_as, list_opening
from .records import CITATION_RE
from .retrieve import Hit
from .tablequery import STUDY_NOUN as _STUDY_NOUN, mentions
from .understand import METHODS_SECTIONS, Query
from .vocabulary import ASKER_WORDS, QUESTION_WORDS, aliases, english_zipf, expand_query, in_review_terms, one_letter_off

# Questions about MSC treatment of people: its outcomes are what the review says no study has reported.
_HUMAN_STUDY = re.compile(r"\b(?:trials?|clinical|patients?|humans?|men|women|people|couples?|children|kids|babies|offspring)\b")
_TREATMENT = re.compile(r"\b(?:mscs?|stem cells?|therap\w*|treat\w*|transplant\w*|inject\w*|exosomes?|trials?|stud(?:y|ies))\b")
# What treated people's outcomes are called (narrower than a trial's: "results" alone may be a lab test's).
_PEOPLE_OUTCOMES = re.compile(r"\b(?:pregnan\w*|births?|babies|adverse|side effects?|offspring|children (?:born|conceived)|"
                              r"long[- ]term (?:health|follow[- ]?up|safety|outcomes?)|health of (?:the )?children|"
                              r"follow[- ]?up (?:data|results?|studies)|(?:cancer|tumou?r|malignancy) (?:rates?|incidence)|"
                              r"sperm (?:retrieval|counts?|recovery|appear\w*|return\w*)|ejaculate|efficacy)\b")
# What a question about a registered trial, or about treated people, may ask that the review does not record.
# The review's statements that human evidence is missing: what a declined question about outcomes in people is shown.
NO_HUMAN_EVIDENCE = re.compile(r"\bno (?:studies|study|clinical trials?)\b|\bnot been (?:published|reported|terminated)\b", re.IGNORECASE)
# Asking whether something exists or has been done ("is there any published human evidence…?"), and the statements
# that answer it either way ("no studies have been published… except…").
ASKS_EXISTENCE = re.compile(r"^(?:(?:so|ok|okay|and|but|well|then|hmm),?\s+)?(?:(?:is|are|was|were) there|(?:has|have) (?:any|anyone|anybody|there)|any\b)"
                             r"|\b(?:has|have)\b(?: \w+){1,4} been (?:\w+ )?(?:proven|tested|tried|shown|used|done|published)", re.IGNORECASE)
_TRIAL_OUTCOMES = re.compile(r"\b(?:results?|outcomes?|efficacy|effective\w*|success\w*|pregnan\w*|births?|babies|enrol\w*|"
                             r"participants?|(?:how many|number of) (?:patients|men|women|people|subjects)|adverse|side effects?|"
                             r"(?:find|found|show|showed)(?=\s*\?*\s*$)|"
                             r"sperm (?:retrieval|counts?|recovery)|findings?|conclusions?|offspring|children (?:born|conceived)|"
                             r"babies|long[- ]term (?:health|follow[- ]?up|safety|outcomes?)|health of (?:the )?children)\b")
_A_TRIAL = re.compile(r"\b(?:the|that|this|their|its)\s+(?:[\w/-]+\s+){0,6}?(?:trials?|abstracts?)\b")
# A rate of a treatment's results asked ("what success rates?"); "the success rate of varicocele repair for…": of a
# named treatment.
_RATE = r"\b(?:success|efficacy|effectiveness|cure|response|pregnancy|retrieval) rates?"
_RATE_ASKED = re.compile(rf"{_RATE}\b")
_RATE_OF = re.compile(rf"{_RATE} (?:of|for|with|after) (?P<treatment>[\w\s-]+?)(?=\s+(?:for|in|to|at|among|on|when|if)\b|\s*[?.,]|$)")
# What a study was done in or with (the animals, the cells, the model), as opposed to the disease or sex it concerns.
_STUDIED = frozenset({"species", "source", "model", "inducer", "therapeutic"})
# "…with fat stem cells what percent of rats became fertile?": a share asked anywhere in the question.
_SHARE_OF = re.compile(r"\bwhat (?:percent(?:age)?|proportion|share|fraction) of\b")
# A figure asked of a trial, named as the question names it in a decline ("percentage", "sample size").
_FIGURE_ASKED = re.compile(r"\b(?:what|which) (?:\w+ )?(?:percent(?:age)?|proportion|share|rate)\b|%|\bsample sizes?\b")
# A result measured after the treatment the review is about.
_AFTER_TREATMENT = re.compile(r"\b(?:after|following|post)[\s-]+(?:the\s+)?(?:[\w-]+\s+)?(?:mscs?|bm-mscs?|at-mscs?|stem cells?"
                              r"|treatment|therapy|injection|transplant\w*|exosomes?)\b")
# Asking whether a treatment worked ("did it bring back menstruation?"): a result, which no listed trial reports.
_EFFECT_ASKED = re.compile(r"\b(?:did|does|do|has|have|was|were|is)\b[^?.]*\b(?:work(?:ed|s)?|help(?:ed|s)?|restor\w*|improv\w*|"
                           r"cured?|bring back|brought back|recover\w*|increas\w*|reduc\w*|effective)\b")
# Asking whether another treatment works in people ("does testosterone replacement therapy improve sperm production in
# NOA men?", "does varicocele repair bring back sperm?"): the review assesses MSCs and their exosomes only.
_OTHER_TREATMENT_EFFECT = re.compile(
    r"^(?:so |and |but )?(?:does|do|did|can|could|will|would|is|are)\s+(?P<treatment>.+?)\s+(?:(?:improve|help|work|restore|bring back"
    r"|increase|cure|boost|raise|fix|reverse|induce)\w*\b.*\b(?:sperm\w*|fertility|pregnan\w*|azoospermi\w*|infertil\w*)"
    r"|bring\w*\s+(?:the\s+)?(?:sperm\w*|fertility)\s+back)")
# … restoring what NOA takes ("does varicocele repair bring back sperm in NOA?"), in people or not: not "does busulfan
# induce azoospermia?", which names a model.
_RESTORES = re.compile(r"\b(?:improv|help|work|restor|bring\w* back|brought back|cure|fix|revers)\w*")
_ASKED_OF = re.compile(r"\b(?:you|we|i|they|it|this|that)\b")  # ("can you sum up what the animal work showed…" names no treatment)
# Who asks, with what they do: "I'm an embryology trainee", "as a hospital pharmacist".
_ASKER_PHRASE = re.compile(r"\b(?:i'?m|i am|as|we'?re|we are)\s+(?:an?\s+)?((?:[\w-]+\s+){0,2}?)(?:%s)\b" % "|".join(sorted(ASKER_WORDS)))
_MEASURED_AFTER = re.compile(r"\b(?:measur|assess|evaluat|quantif)\w*\s+(?P<what>(?:[\w-]+\s+){1,6}?)(?:after|following|post)\b")
_EXOSOMES = re.compile(r"\bexosom\w*")
# Exosomes named by the cells they come from ("MSC-derived exosomes", "exosomes from stem cells") are no cells.
_CELL_EXOSOMES = re.compile(r"\b(?:mscs?|stem cells?)[- ](?:derived |secreted )?exosom\w*|\bexosom\w* (?:from|of|secreted by) (?:mscs?|stem cells?)")
_CELLS = re.compile(r"\b(?:mscs?|stem cells?|stromal cells?|cells?|bm-mscs?|at-mscs?)\b")
_REVIEWED_TREATMENT = re.compile(r"\b(?:mscs?|stem|stromal|mesenchymal|exosomes?|cells?|msc-\w+|cell-based|cell therapy)\b")
# A number that names something rather than counting it.
_NUMBER_AS_NAME = re.compile(r"\b(?:reference|ref|citation|trial|registration|nct|irct|registry|page|table|code|id) (?:numbers?|nos?\.?|#)")
# Asking for a quantity: the answer needs a number.
_QUANTITY = re.compile(r"\s*(?:(?:and|so|but|then|exactly|roughly|about)\s+)?(?:how (?:many|much|long|often|soon|likely|probable|common)|"
                       r"(?:what|which|the)(?:(?:'s|s| is| are| was| were)(?: the)?)? (?:\w+ )?(?:(?:success|pregnancy|retrieval|cure|response) )?(?:percent(?:age)?|proportion|fraction|share|rates?|dose|dosage|number|chances?|odds"
                       r"|count|amount|level|yield)"
                       r"|percent(?:age)?|doses?|dosages?|rate of|number of|chances?|likelihood|probability|odds)\b")
# A measured quantity named anywhere in the question ("what BMP4 concentration in ng/mL…", "the half-life of…").
_MEASURE = re.compile(r"\b(?:concentrations?|doses?|dosages?|half[- ]lives?|half[- ]life|durations?|titers?|titres?|cut-?offs?|thresholds?|"
                      r"by how much|(?:ng|mg|µg|ug|ml)\s*/\s*(?:ml|kg|l)|costs?|costly|price[sd]?|pricing|expensive|cheap\w*|sample sizes?"
                      r"|afford\w*|fees?)\b")
# A count of cells, people or animals ("how many million MSCs were injected…", "how many men were enrolled…"): no
# table records one (they list studies), unless it counts studies of them ("how many rat studies…").
_PEOPLE_OR_CELLS_COUNTED = re.compile(rf"\bhow many\s+(?:(?:million|thousand)\s+)?(?P<counted>(?:(?!(?:are|were|is|was|in|of|do|does|did|have|has|had|for)\b|{_STUDY_NOUN}\b|\w+ed\b)[\w-]+\s+){{0,3}}?(?:cells|mscs|men|women"
                                      r"|patients|participants|subjects|volunteers|couples|animals|mice|rats|doses|injections|babies"
                                      rf"|pregnancies))\b(?!\s+{_STUDY_NOUN})")
# "how much busulfan…": an amount, never a number of rows ("how much trials…" counts them).
_HOW_MUCH = re.compile(r"\bhow much\b(?!\s+(?:\w+\s+)?(?:trials?|stud(?:y|ies)|rows?|papers?|models?|experiments?|entries|references|works)\b)")
# A measured figure: a number with a unit of dose, concentration, time, money or a ratio ("7.6 IU/mL", "1:30", "1 day").
_MEASURE_GIVEN = re.compile(r"\d+(?:[.,]\d+)?\s*(?:[µu]g|mg|ng|g|kg|m?l|mL|IU|U|m?mol|[µunm]M|°C|h|hours?|days?|weeks?|months?"
                            r"|dollars?|euros?|USD|EUR)\b|[$€£]\s*\d"
                            r"|\b\d+\s*:\s*\d[\d,.]*", re.IGNORECASE)
# Where a clause starts: the question's start, or after a full stop, question mark, comma, semicolon, colon or dash.
_CLAUSE_START = re.compile(r"[.?!,;:—–]\s*|\s+-\s+")
# A number standing for a quantity: not the digits inside a name like CD34 or NCT02041910.
_NUMBER = re.compile(r"(?<![\w/-])\d+(?:[.,]\d+)?(?:\s*(?:%|percent))?(?![\w/])|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
                     r"half|third|quarter|dozen|hundreds?|thousands?)\b")
# Words, not the letters of a code ("NCT" of NCT02041910) or of a name with digits (CD34).
_SYNTHESIS = ("summary", "limitations", "compare")
# Relatives of the review's words: an inner part of one (at least this long), a prefix of one (at least this long),
# a stem sharing this share of the shorter stem's letters (indexed by its first letters), a slip of one letter
# (words at least this long) or two (longer words).
_PART_MIN, _PREFIX_MIN, _FAMILY_SHARE, _FAMILY_PREFIX, _SLIP_MIN, _TWO_SLIPS_MIN = 5, 4, 0.8, 5, 5, 9
# A short name the review uses only with a prefix of a letter or two ("RNA" of miRNAs and mRNAs).
_PREFIXED_MAX = 2
# What a reference entry records, asked of a named work ("ref 61 - is there a doi?").
_ENTRY_FIELDS = frozenset("doi dois pmid pubmed url link links journal volume issue pages title year published "
                          "publication".split())
# Shorter "-ly" words are seldom adverbs of manner ("only", "ugly", "july").
_ADVERB_MIN = 6
# Shorter "-er" words are seldom comparatives ("per", "ever", "liver" is no "liv").
_COMPARATIVE_MIN = 5
# "What percentage / share / chance…" is answered by a share; "how many X…" by a number of X.
_SHARE_ASKED = re.compile(r"\b(?:percent(?:age)?|proportion|fraction|share|chances?|likelihood|probability|odds|rate|how (?:likely|probable|common))\b")
_SHARE_GIVEN = re.compile(r"\d+(?:[.,]\d+)?\s*(?:%|percent)|\bhalf\b|\bone in \w+|\bthirds?\b|\bquarters?\b|\bmajority\b|\bminority\b")
# "how many kinds of induction approaches": the things counted are the approaches.
_HOW_MANY = re.compile(r"\b(?:how many|number of)\s+(?:(?:different|distinct|separate)\s+)?"
                       r"(?:(?:kinds|types|sorts|categories|classes)\s+of\s+)?((?:[a-z][\w-]*\s*){1,4})")
_HOW_MANY_MORE = re.compile(r"(?:more|fewer|less|times)\b")
_PER = re.compile(r"\bper\b")
# "what were the sperm counts…", "the testosterone levels": a measurement of something named just before it.
# ("What hormone levels should be measured?" asks which, not how much.)
_MEASURED = re.compile(r"\bwhat(?:'s| is| are| was| were)? (?:the )?((?:[a-z][\w-]*\s+){1,2})(?:counts?|levels?|concentrations?)\b"
                       r"(?!\s+(?:should|must|need|needs|to be|are (?:measured|checked|tested)|do (?:you|they|doctors) (?:check|measure|test)))")
# Where the words naming what is counted stop: "how many days | do transplanted MSCs survive".
_COUNTED_END = re.compile(r"\b(?:do|does|did|are|is|were|was|have|has|had|can|could|will|would|in|of|for|with|per|that|which"
                          r"|after|before|since|until|from|to|at|on|by|until)\b.*$")
# Asking how long: the figure must be a time.
_HOW_LONG = re.compile(r"\bhow (?:long|soon)\b")
_TIME_UNITS = frozenset(lexical.tokenize("seconds minutes hours days weeks months years"))
_COUNTED_WITHIN = 4  # words after a number that may name what it counts ("one in six of married couples")
_LIST_MARKER = re.compile(r"\(\d{1,2}\)")
_FIGURE_NAME = re.compile(r"\b(?:Tables?|Figs?\.?|Figures?)\s+\d+(?:\s*(?:,|and|–|-)\s*\d+)*", re.IGNORECASE)
_NUMBERED_NAME = re.compile(r"\b([A-Za-z]{2,})-?\d+[A-Za-z]?\b")
_WORD = re.compile(r"\b[A-Za-z][A-Za-z'’-]*[A-Za-z]\b|\b[A-Za-z]\b")


@dataclass(frozen=True)
class Coverage:
    """Whether the review covers a question, and what a reply declining it says."""

    covered: bool
    missing: tuple[str, ...] = ()  # salient words of the question the review never uses, as typed
    reason: str = ""  # "" when covered; "vocabulary", "evidence", "subject", "outcome", "treatment" or "quantity"
    closest: ScoredSentence | None = None  # the best sentence: quoted in a decline when close enough
    best: float = 0.0  # score of the best quotable sentence
    coverage: float = 0.0  # share of the salient words the subject's passages use
    unreported: str = ""  # what a look-up asks that the review does not record ("results", "pregnancy rate")
    everyday_missing: tuple[str, ...] = ()  # the other missing words: everyday wording, named with the rest in a decline


def asks_quantity(text: str) -> bool:
    """The question (or one of its clauses) asks for a figure: "how many…", "what percentage…" — not "…change how
    many stem cells you get", which asks whether, not how much, nor "which reference number is that", a name."""
    lowered = _NUMBER_AS_NAME.sub(" ", _percent_spelled(text.lower().strip()))
    return bool(_MEASURE.search(lowered) or _MEASURED.search(lowered) or _SHARE_OF.search(lowered)) \
        or any(_QUANTITY.match(clause) for clause in _CLAUSE_START.split(lowered))


def _percent_spelled(text: str) -> str:
    """"what % of men…" as "what percent of men…"."""
    return re.sub(r"\s*%", " percent", text)


def asks_count(text: str) -> bool:
    """The question asks how many of some things there are ("how many ways…", "the number of trials…")."""
    return bool(_HOW_MANY.search(text.lower()))


def counted_things(text: str) -> str:
    """What a "how many…" question counts, in its own words ("how many possible mechanisms does the review list?" →
    "possible mechanisms"), or ""."""
    counted = _HOW_MANY.search(text.lower())
    if counted is None:
        return ""
    # "number of mechanisms they list", "…the review lists": the things, not who lists them.
    return re.sub(r"\b(?:they|the|it|we|you|r|u|list\w*|propos\w*|mention\w*|describ\w*|report\w*|exist\w*|there)\b.*$", "",
                  _COUNTED_END.sub("", counted.group(1))).strip()


def has_figure(text: str) -> bool:
    """A number standing for a quantity, not a citation marker, a list marker "(2)" or the digits of a name (CD34)."""
    return bool(_NUMBER.search(_numbers_of(text)))


def _numbers_of(text: str) -> str:
    """The text without what carries digits but no quantity: citation markers, list markers, "Table 1"."""
    return _FIGURE_NAME.sub("", _LIST_MARKER.sub("", CITATION_RE.sub("", text)))


def gives_figure_for(question: str, text: str) -> bool:
    """Whether `text` gives the kind of figure the question asks for: a share for "what percentage…", a number of the
    things counted for "how many X…" (the number within a few words of X, or a numbered list of X), any figure else."""
    lowered = _percent_spelled(question.lower())
    if _MEASURE.search(lowered) and not _SHARE_ASKED.search(lowered):
        return bool(_MEASURE_GIVEN.search(_numbers_of(text)))  # a dose or a concentration is a number with its unit
    if _SHARE_ASKED.search(lowered):
        return bool(_SHARE_GIVEN.search(text))
    measured = _MEASURED.search(lowered)
    if measured:
        # The number must be told of what is measured: "sperm count" by a number beside "sperm", before or after it.
        things = {stem for word in measured.group(1).split() if word not in lexical.STOPWORDS for stem in _stems(word)}
        return _number_beside(text, things, before=True)
    counted = _HOW_MANY.search(lowered)
    if counted is not None and _HOW_MANY_MORE.match(counted.group(1)):
        return has_figure(text)  # "how many more MSCs in fat than in marrow?": a ratio or a difference, in any form
    if counted is None and not _HOW_LONG.search(lowered):
        return has_figure(text)
    # "how many MSCs per total cells?" asks a ratio: of both things, told after them ("the ratio of MSCs to total
    # cells is 1:30").
    ratio = counted is not None and bool(_PER.search(counted.group(1)))
    if counted is None:
        things = set(_TIME_UNITS)
    else:
        named = counted.group(1) if ratio else _COUNTED_END.sub("", counted.group(1))
        # What users call the things counted ("ways") and what the review calls them ("methods").
        things = {stem for word in expand_query(named, {}).split() if word not in lexical.STOPWORDS for stem in _stems(word)}
        if not things:
            return has_figure(text)
    opening = list_opening(text)
    if opening and not ratio and counted is not None:
        # "Several possible mechanisms … (1) … (9)": a list of those things counts them (a list is no ratio). A list
        # after a colon ("the following markers … from various tissues: CD105, …") is of the things its opening names
        # last: the question's head noun ("tissue sources" are no markers).
        if "(1)" in text:
            listed = things
        else:
            head = named.split()[-1:]
            listed = {stem for word in expand_query(" ".join(head), {}).split() for stem in _stems(word)}
        if (listed - FIELD_SUBJECT_WORDS - _ASKING_STEMS) & set(lexical.tokenize(opening)):
            return True
    return _number_beside(text, things, before=ratio)


def _number_beside(text: str, things: set[str], before: bool = False) -> bool:
    """Whether a number in `text` is followed within a few words (or, `before`, also preceded) by one of `things`."""
    words = re.findall(r"\(?\w[\w.,–-]*\)?%?", _numbers_of(text))
    return any(_NUMBER.fullmatch(word.strip("()")) and things & set(lexical.tokenize(
        " ".join(words[max(0, i - _COUNTED_WITHIN) if before else i + 1:i + 1 + _COUNTED_WITHIN]))) for i, word in enumerate(words))


def counting_lists(query: Query, evidence: Evidence, settings: AnswerSettings) -> list[ScoredSentence]:
    """For "how many X…?": the review's numbered lists closest to the question, each counting what it lists."""
    if not asks_count(query.reading.text):
        return []
    return evidence.score(query, evidence.lists, settings.lexical_weight)[: settings.figure_sentences]


def _distinct_words(sides: Sequence[str]) -> list[list[str]]:
    """Each compared side's salient words that the other sides do not share."""
    words = [salient_words(side) for side in sides]
    return [[w for w in own if not any(w in other for j, other in enumerate(words) if j != i)] for i, own in enumerate(words)]


def _phrase_at(text: str, match: re.Match) -> str:
    """The matched words and the word after them when it completes a phrase ("adverse events", "pregnancy rate")."""
    after = re.match(r"\s+([a-z][\w-]*)", text[match.end():])
    follower = after.group(1) if after and after.group(1) not in lexical.STOPWORDS and after.group(1) != "in" else ""
    phrase = f"{match.group(0)} {follower}".strip() if follower in _PHRASE_ENDS else match.group(0)
    return _OUTCOME_NAMES.get(phrase, phrase)


# Outcomes asked with a verb, named as a noun in a reply ("sperm appear" → "sperm in the ejaculate").
_OUTCOME_NAMES = {"find": "findings", "found": "findings", "show": "findings", "showed": "findings", "%": "percentages", "what percentage": "percentages", "what percent": "percentages", "sample size": "the sample size",
                  "sperm appear": "sperm in the ejaculate", "sperm appears": "sperm in the ejaculate",
                  "sperm return": "sperm in the ejaculate", "sperm returns": "sperm in the ejaculate"}


# Nouns that complete an outcome phrase.
_PHRASE_ENDS = frozenset("events effects rate rates outcome outcomes health follow-up safety results".split())


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


# The stems of words saying how a question is asked ("different", "kinds"): a list is not of those things.
_ASKING_STEMS = frozenset(stem for word in QUESTION_WORDS for stem in _stems(word))


def salient_words(text: str) -> list[str]:
    """The words of a question that say what it is about, lower-cased, in order, without repeats."""
    found = []
    for word in _WORD.findall(in_review_terms(text)):
        # A hyphenated word counts by its parts ("Ghasemzadeh-Hasankolaei", "oocyte-like", "BM-MSCs").
        for part in word.lower().replace("’", "'").removesuffix("'s").split("-"):
            if len(part) < 3 or part in QUESTION_WORDS or part in lexical.STOPWORDS or not _stems(part):
                continue
            found.append(part)
    return list(dict.fromkeys(found))


def asks_human_existence(lowered: str) -> bool:
    """Whether a question asks if something has been done or shown in people ("has it been proven in actual men?", "does
    this stuff actually work in real men yet?")."""
    return bool((ASKS_EXISTENCE.search(lowered) or _EFFECT_ASKED.search(lowered)) and _HUMAN_STUDY.search(lowered))


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for char_a, char_b in zip(a, b):
        if char_a != char_b:
            break
        length += 1
    return length


class Assessor:
    """Decides coverage for one loaded index (its vocabulary computed once)."""

    def __init__(self, evidence: Evidence, settings: AnswerSettings):
        self.evidence = evidence
        self.settings = settings
        self._aliases = aliases(evidence.shortenings)
        # A one-word synonym stands for its whole word family ("digesting" as "digestion").
        self._aliases_by_stem: dict[str, frozenset[str]] = {}
        for spelling, stems in self._aliases.items():
            if " " not in spelling and not spelling.isupper():
                for stem in _stems(spelling):
                    self._aliases_by_stem.setdefault(stem, stems)
        self._matches: dict[str, frozenset[str]] = {}
        self._by_length: dict[tuple[str, int], list[str]] = {}
        for word in evidence.content_surface_words:
            self._by_length.setdefault((word[0], len(word)), []).append(word)
        self._by_stem_prefix: dict[str, list[str]] = {}
        for stem in evidence.content_words:
            if len(stem) >= _FAMILY_PREFIX:
                self._by_stem_prefix.setdefault(stem[:_FAMILY_PREFIX], []).append(stem)

    def matches(self, word: str) -> frozenset[str]:
        """The stems of the review's words a question word stands for: its own, the review terms users mean by it,
        and the review words it is a part, relative or typing slip of ("lipo" → liposuction, lipoaspirate;
        "tretment" → treatment). Empty when the review does not use it."""
        if word not in self._matches:
            self._matches[word] = frozenset(self._find_matches(word))
        return self._matches[word]

    def _own(self, word: str) -> set[str]:
        """The stems of the review's words that `word` itself, or a synonym or abbreviation of it, stands for."""
        spelled = (self._aliases.get(word) or self._aliases.get(word.removesuffix("s"))  # "SSCs" as "SSC"
                   or next((self._aliases_by_stem[stem] for stem in _stems(word) if stem in self._aliases_by_stem), frozenset()))
        return (set(_stems(word)) | set(_stems(lexical.american(word))) | spelled) & self.evidence.content_words

    def uses(self, word: str) -> bool:
        """The review uses the word itself or a term users mean by it, not merely a longer word it begins
        ("micro" of microsurgical) or one it is a slip of."""
        return bool(self._own(word))

    def _find_matches(self, word: str) -> set[str]:
        own = self._own(word)
        if own:
            return own
        surfaces = self.evidence.content_surface_words
        found = set()
        if len(word) >= _PART_MIN:
            found |= {surface for surface in surfaces if word in surface}
        else:
            found |= {surface for surface in surfaces if re.fullmatch(rf"[a-z]{{1,{_PREFIXED_MAX}}}{re.escape(word)}s?", surface)}
        if len(word) >= _PREFIX_MIN:
            found |= {surface for surface in surfaces if surface.startswith(word)}
        if len(word) >= _SLIP_MIN:
            limit = 1 if len(word) < _TWO_SLIPS_MIN else 2
            found |= {candidate for length in range(len(word) - limit, len(word) + limit + 1)
                      for candidate in self._by_length.get((word[0], length), ()) if _edits_within(word, candidate, limit)}
        stems = {stem for surface in found for stem in _stems(surface)}
        for stem in _stems(word):
            stems |= {other for other in self._by_stem_prefix.get(stem[:_FAMILY_PREFIX], ())
                      if _common_prefix(stem, other) >= _FAMILY_SHARE * max(len(stem), len(other))}
        return stems & self.evidence.content_words

    def is_known(self, word: str, bibliography: bool = False) -> bool:
        """The review uses the word (or a term, relative or slip of one: see `matches`), an author is named so, or —
        for a question about the bibliography — a cited work's entry uses it."""
        if self.matches(word) or word in self.evidence.author_names or word in self.evidence.identifier_prefixes:
            return True
        return bibliography and bool(set(_stems(word)) & self.evidence.bibliography_words)

    def rarity(self, word: str, capitals: set[str]) -> str:
        """"technical", "uncommon" or "everyday", by how common the word is in English; typed in capitals or numbered
        (`capitals`), technical."""
        if word in capitals:
            return "technical"
        zipf = english_zipf(word)
        if zipf >= self.settings.everyday_zipf:
            return "everyday"
        if zipf >= self.settings.technical_zipf:
            return "uncommon"
        if max((english_zipf(variant) for variant in one_letter_off(word)), default=0.0) >= self.settings.everyday_zipf:
            return "everyday"  # a slip of a common word ("diffrence")
        return "technical"

    def _manner_word(self, word: str, text: str) -> bool:
        """An adverb or a comparative made of an everyday adjective ("realistically", "roughly", "harder … than",
        "much safer") says how a question is asked or what it weighs, not what it is about. (A word in "-er" compares
        only when the question says so: "blocker", "counter" are things.)"""
        if word.endswith("ly") and len(word) >= _ADVERB_MIN:
            base = word[:-2]
            adjectives = {base, base.removesuffix("al"), base + "e"}
        elif word.endswith("er") and len(word) >= _COMPARATIVE_MIN and re.search(
                rf"\b{word}\b(?:\W+\w+){{0,8}}?\W+than\b|\b(?:much|far|any|even|bit|lot|way|no)\s+{word}\b", text):
            base = word[:-2]
            adjectives = {base, base + "e"} | ({base[:-1]} if base[-1] == base[-2] else set())  # "bigger" → "big"
        else:
            return False
        if base.endswith("i"):
            adjectives.add(base[:-1] + "y")  # "easily", "easier" → "easy"
        return max(english_zipf(adjective) for adjective in adjectives) >= self.settings.everyday_zipf

    def _share_used(self, words: Sequence[str], positions: Sequence[int]) -> float:
        """IDF-weighted share of `words` that the passages at `positions` use (any spelling of a word counts)."""
        if not positions:
            return 0.0
        used: set[str] = set()
        for position in positions:
            used |= self.evidence.passage_words[position]
        return self._share_of(words, used)

    def _share_of(self, words: Sequence[str], used: frozenset[str] | set[str]) -> float:
        """IDF-weighted share of `words` among the stems `used`, each word counted once whichever of its spellings is
        used ("FSH" or "follicle stimulating hormone")."""
        weights = {word: max((self.evidence.weight(stem) for stem in self.matches(word) or _stems(word)), default=0.0)
                   for word in words}
        total = sum(weights.values())
        return sum(weight for word, weight in weights.items() if self.matches(word) & used) / total if total else 0.0

    def _subject_passages(self, query: Query, hits: Sequence[Hit]) -> list[int]:
        """Passages about the question's subject: naming its trial codes, citing or listing the works it names; else the best few."""
        reading = query.reading
        if reading.trial_codes:
            return [h.position for h in hits if any(code in h.chunk.text.upper() for code in reading.trial_codes)]
        if reading.references:
            works = set(reading.references)
            return [h.position for h in hits if works & set(h.chunk.refs) or h.chunk.ref in works]
        return [h.position for h in hits[: self.settings.subject_passages]]

    def _words_with_previous(self, sentence: Sentence) -> frozenset[str]:
        """The words of `sentence` and of the sentence before it in its passage ("…TESE-ICSI… As a result, … this
        technique is about 13.4%": what a figure is of may be named just before it)."""
        if not sentence.number:
            return sentence.words
        return sentence.words | self.evidence.by_chunk[sentence.chunk][sentence.number - 1].words

    def _about(self, positions: Sequence[int]) -> list:
        """The prose sentences of the passages at `positions` (table rows and entries give no figures)."""
        return [s for position in positions if self.evidence.index.chunks[position].kind not in ("table_row", "reference")
                for s in self.evidence.by_chunk.get(position, ())]

    def assess(self, query: Query, hits: Sequence[Hit], scored: Sequence[ScoredSentence]) -> Coverage:
        """Covered or not, from the salient words, the subject's passages and the best scored sentences."""
        reading = query.reading
        best = scored[0] if scored else None
        best_score = best.score if best else 0.0
        lowered = reading.question.lower()
        trial_result = _A_TRIAL.search(lowered) and (_TRIAL_OUTCOMES.search(lowered) or _EFFECT_ASKED.search(lowered))
        measured_after = _MEASURED_AFTER.search(lowered)
        if measured_after and not _REVIEWED_TREATMENT.search(measured_after["what"]):
            # "did any human MSC study measure sperm DNA fragmentation after injection?": what studies found after
            # treatment is no table's (they record sources, models and designs) and the review reports none.
            return Coverage(False, (), "outcome", best, best_score, 1.0,
                            reading.question[measured_after.start("what"):measured_after.end("what")].strip())
        if reading.table is not None and not trial_result:  # (a trial's results are no table's: declined below)
            # A table question is answered (or found empty) by the table — unless it asks a measured quantity the tables
            # do not record ("what busulfan dose…": Table 3 names the drug, never its dose), or a share of anything but
            # its rows ("what percent of rats became fertile?", not "what percent of the trials are in China?").
            spelled = _percent_spelled(reading.text.lower())  # as read: "how much different species" counts them
            share_of = _SHARE_OF.search(spelled)
            measured = _MEASURE.search(spelled) or _HOW_MUCH.search(spelled) or _PEOPLE_OR_CELLS_COUNTED.search(spelled) or (
                share_of and not re.match(rf"\s*(?:\S+\s+){{0,3}}?{_STUDY_NOUN}\b", spelled[share_of.end():]))
            return Coverage(not measured, reason="quantity" if measured else "", closest=best, best=best_score, coverage=1.0)
        named = set(reading.trial_codes) | {str(n) for n in reading.references}
        # A look-up of a cited work may quote its entry: its authors' names and title words are known.
        names = {word.lower() for n in reading.references if n in self.evidence.references
                 for word in re.findall(r"[^\W\d_]+", self.evidence.references[n].entry)} \
            | (_ENTRY_FIELDS if reading.references else set())
        asker = {w for phrase in _ASKER_PHRASE.findall(lowered) for w in phrase.split()}  # ("im an embryology trainee")
        words = [w for w in salient_words(reading.text) if w.upper() not in named and not w.isdigit() and w not in names
                 and not ((self._manner_word(w, reading.text.lower()) or w in ASKER_WORDS or w in asker) and not self.is_known(w))]
        # Typed in capitals ("COVID", "hCG") or numbered ("covid-19", "h1n1"): a name, whatever its frequency in English.
        capitals = {w.lower() for w in _WORD.findall(reading.text) if len(w) >= 2 and (w.isupper() or not w[1:].islower())} \
            | {w.lower() for w in _NUMBERED_NAME.findall(reading.text)}
        missing = tuple(w for w in words if not self.is_known(w, bibliography=reading.reference_search))
        subject = self._subject_passages(query, hits)
        if best is not None and not (reading.trial_codes or reading.references):
            subject.append(best.sentence.chunk)  # the passage an answer would quote from is about the subject too
        known = [w for w in words if w not in missing]
        coverage = self._share_used(known, subject) if known else 1.0
        # One unknown everyday word is wording, not a topic the review lacks ("the preferred way to harvest that tissue").
        many_missing = len(missing) > 1 and len(missing) / len(words) > self.settings.max_missing

        def result(reason: str = "", shown: tuple[str, ...] = missing, unreported: str = "") -> Coverage:
            return Coverage(not reason, shown, reason, best, best_score, coverage, unreported,
                            tuple(w for w in missing if w not in shown))

        # "did they search PubMed or Embase?": the review's methods, asked by name, answer with what it did search.
        methods_asked = best is not None and bool(reading.asks_sections & set(METHODS_SECTIONS)) \
            and self.evidence.index.chunks[best.sentence.chunk].section in reading.asks_sections
        rarity = {w: self.rarity(w, capitals) for w in missing}
        technical = tuple(w for w in missing if rarity[w] == "technical")
        uncommon = tuple(w for w in missing if rarity[w] == "uncommon")
        if not methods_asked and (technical or (uncommon and best_score < self.settings.decisive_evidence)):
            return result("vocabulary", technical + uncommon)
        other = _OTHER_TREATMENT_EFFECT.search(lowered)
        restores = other and _RESTORES.search(lowered, other.end("treatment")) and not _ASKED_OF.search(other["treatment"])
        if other and (_HUMAN_STUDY.search(lowered) or _PEOPLE_OUTCOMES.search(lowered) or restores) \
                and not _REVIEWED_TREATMENT.search(other["treatment"]):
            return Coverage(False, missing, "treatment", best, best_score, coverage, other["treatment"].strip())
        # A registered trial, named by its code or described ("the Russian adipose stem cell trial").
        # (A figure asked of a named trial or abstract is one of its results: "the Jordan abstract — what % got sperm?")
        outcome = ((_PEOPLE_OR_CELLS_COUNTED.search(lowered) or _TRIAL_OUTCOMES.search(lowered) or _EFFECT_ASKED.search(lowered)
                    or _FIGURE_ASKED.search(lowered))
                   if reading.trial_codes or _A_TRIAL.search(lowered) else
                   _PEOPLE_OUTCOMES.search(lowered) if _HUMAN_STUDY.search(lowered) and _TREATMENT.search(lowered) else None)
        if outcome:
            # No trial's results, and no treated person's outcome, are reported: "no studies have been published…".
            statements = [s for s in self.evidence.sentences if NO_HUMAN_EVIDENCE.search(s.text) and not s.gate]
            closest = next(iter(self.evidence.score(query, statements, self.settings.lexical_weight)), best)
            counted = outcome.groupdict().get("counted")  # ("how many million MSCs…": the number of MSCs, as typed)
            unreported = f"the number of {reading.question[outcome.start('counted'):outcome.end('counted')]}" if counted \
                else _phrase_at(lowered, outcome)
            return Coverage(False, missing, "outcome", closest, best_score, coverage, unreported)
        if asks_quantity(reading.text) and _AFTER_TREATMENT.search(lowered):
            # "what testosterone level did the rats reach after BM-MSC?": the review reports no study's measured
            # results, in animals or in people, whatever figure of the same name it gives elsewhere.
            return result("quantity")
        statements = [s for s in scored if NO_HUMAN_EVIDENCE.search(s.sentence.text)] if asks_human_existence(lowered) else []
        if statements:
            if _EXOSOMES.search(lowered) and not _CELLS.search(_CELL_EXOSOMES.sub(" ", lowered)):
                # "has exosome therapy been tried in azoospermic men?": the one human report is of cells (the Jordan
                # abstract); of exosomes in people the review reports nothing.
                return Coverage(False, missing, "untried", statements[0], best_score, coverage, "exosome treatment")
            return result()  # "has it been proven in men?" is answered by "no studies have been published…"
        strong = best_score >= self.settings.strong_evidence
        # "what were the sperm counts after treatment vs controls?", "which was better, and by how much?"
        if reading.intent in _SYNTHESIS and (_MEASURED.search(lowered) or reading.intent == "compare" and _MEASURE.search(lowered)) \
                and not self._gives_figure(query, scored, known):
            return result("quantity")
        if reading.intent in _SYNTHESIS:
            # Summaries, comparisons and limitations draw on whole sections, not on the best-ranked passages; a
            # comparison needs each side it compares ("micro-TESE versus conventional TESE").
            # A side is absent when the review uses none of the words telling it apart ("micro-TESE" is not
            # microsurgical TESE's "micro…" by a prefix).
            absent = [side for side in _distinct_words(reading.sides) if side and not any(self.uses(w) for w in side)]
            # Everyday words missing ("what did each guy contribute?") do not set aside a comparison of sides the review
            # names: only terms of art do.
            unusual = [w for w in missing if rarity[w] != "everyday"]
            if absent or (many_missing and not strong and (not reading.sides or len(unusual) > 1)):
                return result("vocabulary", tuple(w for side in absent for w in side) or missing)
            # A procedure is told by sentences close to the question ("how to reverse a list?" is not about liposuction).
            weak = reading.procedure and (best is None or best_score < self.settings.min_evidence)
            return result("evidence" if weak else "")
        if best is not None and asked_as(self.evidence.index.chunks[best.sentence.chunk]) in reading.asks_sections \
                and coverage >= self.settings.min_coverage:
            # "who funded the review?": the section asked for by name answers it — unless it is asked for a figure it
            # does not give ("how many records did the search find?").
            section = self.evidence.index.chunks[best.sentence.chunk].section
            told = [s for s in self.evidence.sentences if self.evidence.index.chunks[s.chunk].section == section]
            if asks_quantity(reading.text) and not any(gives_figure_for(reading.text, s.text) for s in told):
                return result("quantity")
            return result()
        if named or reading.reference_search:
            # A look-up of a trial or a work is answered from its card (a trial's unreported results are declined
            # above), unless it asks a figure that nothing about the work gives ("how many mice did Kadam use?").
            if asks_quantity(reading.text) and not any(gives_figure_for(reading.text, s.text) for s in self._about(subject)):
                return result("quantity")
            return result()
        if reading.defines and self.evidence.definitions(reading.defines):
            return result()  # "what does multipotent mean?": the review says what it is, however few words it shares
        listed = asks_count(reading.text) and any(gives_figure_for(reading.text, s.sentence.text)
                                                  for s in counting_lists(query, self.evidence, self.settings))
        if (best is None or best_score < self.settings.min_evidence) and not listed:
            return result("evidence")  # unless a numbered list counts what is asked ("how many mechanisms are there?")
        if many_missing and not strong:
            return result("vocabulary")
        if coverage < self.settings.min_coverage and not strong:
            return result("subject")
        if asks_quantity(reading.text) and not self._gives_figure(query, scored, known):
            return result("quantity")
        return result()

    def _gives_figure(self, query: Query, scored: Sequence[ScoredSentence], known: Sequence[str]) -> bool:
        """Whether the best sentences, or those using most of the question's known words, give the figure asked for
        (and, for a rate, a rate of what the question is about)."""
        reading = query.reading
        lowered = reading.question.lower()
        prose = [s for s in scored if self.evidence.index.chunks[s.sentence.chunk].kind != "table_row"]
        on_topic = sorted(prose, key=lambda s: (-self._share_of(known, s.sentence.words), -s.score))
        looked_at = prose[: self.settings.figure_sentences] + on_topic[: self.settings.figure_sentences] \
            + counting_lists(query, self.evidence, self.settings)
        giving = [s.sentence for s in looked_at if gives_figure_for(reading.text, s.sentence.text)]
        if not giving:
            return False
        told = self._what_a_share_is_of(reading.text, lowered)
        return not told or any(all(stems & self._words_with_previous(s) for stems in told) for s in giving)

    def _what_a_share_is_of(self, text: str, lowered: str) -> list[set[str]]:
        """What a rate or share asked must be told of, where the figure is or just before it: each item the stems of one
        word or name, every item needed; [] when nothing is asked of.

        "the success rate of varicocele repair…": every word naming the treatment ("MSC injection" is not TESE-ICSI's
        "intracytoplasmic sperm injection"). Unnamed: what the question names the studies by ("what percent of rats
        given fat stem cells…": rats, fat); for a rate, else, the question's most specific word ("can it cure erectile
        dysfunction? what success rates?"), not TESE-ICSI's rate for any other."""
        rate_of = _RATE_OF.search(lowered)
        if rate_of:
            told = [set(self.matches(word)) for word in salient_words(rate_of["treatment"])]
        elif _RATE_ASKED.search(lowered) or _SHARE_ASKED.search(_percent_spelled(lowered)):
            told = [{stem for word in salient_words(text[m.start:m.end]) for stem in self.matches(word)}
                    for m in mentions(text) if not m.negated and m.field in _STUDIED]
            if not told and _RATE_ASKED.search(lowered):
                told = [max((set(self.matches(word)) for word in salient_words(text)),
                            key=lambda stems: max((self.evidence.weight(stem) for stem in stems), default=0.0), default=set())]
        else:
            told = []
        return [stems for stems in told if stems]

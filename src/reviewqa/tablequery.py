"""Table questions: what a question asks of Tables 1–4, as a typed query.

Prose is the default. A question is a table question only when it asks for rows, a
count or the values of a column ("which countries…", "trials by country", "female vs
male trials", "which source is used most?") of something the tables record: a mention
of a table, or conditions and a study type that a table can test. A question asking for
an explanation, an overview or the review's judgement ("why…", "summarize…", "which
source does the review suggest?") is not a table question, whatever values it names.

Conditions are the vocabulary's values a question mentions (longest match, case-
insensitive, except short upper-case acronyms such as "US", "UC", "RA", "ED"). A value
after "not", "except", "other than", "excluding", "outside", "without"… is negated, and
so are the values joined to it ("excluding umbilical cord and Wharton's jelly"). Two
values of one column joined by "vs"/"versus"/"compared with" (or asked of each in turn:
"which trials are in men and which in women?"), or "by <column>", "per <column>", ask
for the count of rows per value of that column (the focus values first; a value named
again after them, "…which ones were xeno?", has its rows shown); "most", "fewest",
"least"… order those counts, and "more"/"fewer" between values set against each other
ask which has more. A yes/no question asks a column of the studies it names ("is the
Jordan azoospermia trial still recruiting?") or whether the value it names is the
commonest ("is busulfan the most common model?").

Choosing tables. Study-type words pick tables ("in vitro" → 1, 2; "in vivo"/"animal" → 3;
"trial"/"clinical" → 4; "Table 3" → 3). Each table also implies some conditions: Table 1
is male (the in vitro arm of azoospermia therapy), Table 2 female, Table 3 male azoospermia
models, Table 4 human. In Table 3 a species is the recipient ("in rats") unless the words
make it the donor ("from rats", "rat MSCs"); "follicular fluid" is the inducer unless
followed by "MSCs"/"stem". A table that cannot test every condition is left out. When the
question names a table (or a study type) that cannot test a condition, the answer is empty
and says why ("Table 3 does not record country"); when no named table can, and none was
named, it is not a table question.

Follow-ups build on the previous query (the state): a value of a column already
constrained replaces it ("and in guinea pigs?"); "which of them…", "only…" narrow; a
yes/no question about "those"/"them" with a value ("are those autologous?") counts the
previous rows by that value's column; "what sources did they use?" asks for a column of
the previous rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from .records import TABLE_LABELS
from .tabledata import FIELD_COLUMNS, MULTI_VALUED, TABLE_IMPLIES
from .lexical import STOPWORDS
from .vocabulary import GROUPS, QUESTION_WORDS, VOCABULARY, is_acronym, matcher, normalise_spelling


@dataclass(frozen=True)
class Condition:
    """field ∈ values (any, or all when match_all; none when negated), a year range for Date, or no value recorded."""

    field: str
    values: tuple[str, ...] = ()
    match_all: bool = False
    year_min: int | None = None
    year_max: int | None = None
    negated: bool = False
    unrecorded: bool = False  # the row records nothing in the field ("ND")

    def matches(self, row_values: Sequence[str]) -> bool:
        if self.unrecorded:
            return not row_values
        if self.values:
            hits = [value in row_values for value in self.values]
            if self.negated:
                return not any(hits)
            if not (all(hits) if self.match_all else any(hits)):
                return False
        if self.year_min is not None or self.year_max is not None:
            years = [int(value) for value in row_values if value.isdigit()]
            low = self.year_min if self.year_min is not None else -1
            high = self.year_max if self.year_max is not None else 10_000
            return bool(years) and all(low <= year <= high for year in years)
        return True

    def describe(self) -> str:
        """The test as a phrase after the column name: "= Rat", "≠ China", "= BMP4 and Retinoic acid", "≥ 2019"."""
        if self.unrecorded:
            return "not recorded"
        if self.values:
            if self.negated:
                return "≠ " + " or ".join(self.values)
            return "= " + (" and " if self.match_all else " or ").join(self.values)
        if self.year_min == self.year_max:
            return f"= {self.year_min}"
        if self.year_max is None:
            return f"≥ {self.year_min}"
        if self.year_min is None:
            return f"≤ {self.year_max}"
        return f"= {self.year_min}–{self.year_max}"

    def to_dict(self) -> dict:
        return {"field": self.field, "values": list(self.values), "match_all": self.match_all,
                "year_min": self.year_min, "year_max": self.year_max, "negated": self.negated, "unrecorded": self.unrecorded}

    @classmethod
    def from_dict(cls, data: dict) -> Condition:
        return cls(str(data["field"]), tuple(map(str, data.get("values", ()))), bool(data.get("match_all", False)),
                   data.get("year_min"), data.get("year_max"), bool(data.get("negated", False)),
                   bool(data.get("unrecorded", False)))


INTENTS = ("rows", "count", "values")
ORDERS = ("", "most", "fewest", "earliest", "latest")  # the last two order rows by date


@dataclass(frozen=True)
class TableQuery:
    """What a question asks of the tables. It is also the state a follow-up builds on."""

    tables: tuple[int, ...]  # the tables to answer from, in order
    conditions: tuple[Condition, ...] = ()
    intent: str = "rows"  # one of INTENTS
    values_field: str | None = None  # the field whose values are listed and counted (intent "values")
    untestable: tuple[str, ...] = ()  # condition fields the chosen tables do not record: nothing can match
    focus: tuple[str, ...] = ()  # values of values_field the question singles out ("female vs male", "are those autologous?")
    order: str = ""  # one of ORDERS: value counts ordered for "most" / "fewest", or rows by date
    # A field whose values are set against each other, each with its own counts of values_field ("do the azoospermia
    # and erectile dysfunction trials differ in cell source?": sources per disease): (field, values).
    split: tuple[str, tuple[str, ...]] | None = None
    listed: tuple[str, ...] = ()  # values of values_field whose rows are shown first ("allo vs xeno: which were xeno?")
    side_by_side: bool = False  # the focus values are compared, not counted: each told by its rows' other columns

    def to_dict(self) -> dict:
        return {"tables": list(self.tables), "conditions": [c.to_dict() for c in self.conditions],
                "intent": self.intent, "values_field": self.values_field, "untestable": list(self.untestable),
                "focus": list(self.focus), "order": self.order,
                "split": [self.split[0], list(self.split[1])] if self.split else None, "listed": list(self.listed),
                "side_by_side": self.side_by_side}

    @classmethod
    def from_dict(cls, data: dict) -> TableQuery:
        intent = data.get("intent", "rows")
        order = data.get("order", "")
        split = data.get("split")
        return cls(tuple(int(t) for t in data.get("tables", ())),
                   tuple(Condition.from_dict(c) for c in data.get("conditions", ())),
                   intent if intent in INTENTS else "rows", data.get("values_field"),
                   tuple(map(str, data.get("untestable", ()))), tuple(map(str, data.get("focus", ()))),
                   order if order in ORDERS else "",
                   (str(split[0]), tuple(map(str, split[1]))) if isinstance(split, list) and len(split) == 2 else None,
                   tuple(map(str, data.get("listed", ()))), bool(data.get("side_by_side", False)))


# The state of a table conversation is simply the last query answered.
TableState = TableQuery

# Tables of one study type: in vitro (male and female germ cells), in vivo, clinical.
_STUDY_FAMILY = {1: (1, 2), 2: (1, 2), 3: (3,), 4: (4,)}

# Study-type words → tables.
_STUDY_TYPES: tuple[tuple[re.Pattern, tuple[int, ...]], ...] = (
    (re.compile(r"\bin[ -]vitro\b|\bdifferentiat\w*|\bgerm[ -]cells? tables?\b"), (1, 2)),  # ("the female germ cell table")
    (re.compile(r"\bin[ -]vivo\b|\banimals?\b|\bpre-?clinical\b"), (3,)),
    (re.compile(r"\bclinical\b|\btrials?\b|\bnct\d*|\bpatients\b|\bregistered\b"), (4,)),
)
_TABLE_MENTION = re.compile(r"\b(?:tables?|tbls?|tab)\.?\s*([1-4])\b")  # ("Tbl 3", "tab. 4")
_CLINICAL_TABLE = re.compile(r"\bclinical[- ]trials? table\b")
_TABLE_WORD = re.compile(r"\btables?\b")

STUDY_NOUN = r"(?:studies|study|trials?|rows?|experiments?|entries|entry|papers?|references|refs|reports|models?|works)"
_STUDY_NOUN = STUDY_NOUN
_COUNTED_OR_LISTED = re.compile(r"\bhow often\b|\bwhich\b|\bwhat (?:are|were) (?:the|they)\b|\blist\b")
_COUNT = re.compile(r"\bhow many\b|\bcount\b|\bnumber of\b|\btotal\b")
# "How many" counts the tables' rows only when what follows is a study noun ("how many busulfan rat models"),
# not people or cells ("how many men…", "how many MSCs were injected").
_HOW_MANY_ROWS = re.compile(rf"\bhow many\s+(?:of\s+(?:the|these|those)\s+)?(?:\S+\s+){{0,6}}?{_STUDY_NOUN}\b"
                            rf"|\b{_STUDY_NOUN}\b.*\bhow many\s*$")
_ROWS = re.compile(rf"\b(?:which|what|any|(?:is|are|was|were) there (?:an?|any)?)\s+(?:of\s+(?:the|these|those)\s+)?(?:\S+\s+){{0,4}}?"
                   rf"{_STUDY_NOUN}\b"
                   # "in vivo studies that gave exosomes", "trials using umbilical cord cells"
                   rf"|^(?:the\s+)?(?:\S+\s+){{0,3}}?{_STUDY_NOUN}\s+(?:that|which|where|with|using|in which)\b"
                   r"|^(?:list|show|give|find|display|tabulate)\b|\bwhich (?:of (?:those|them|these)|ones)\b")
# "…status of each?": the column's value of every row is asked.
_OF_EACH = re.compile(r"\b(?:of|for) (?:each|every|all)(?: one| of them)?\b")
# "Has anyone turned sheep MSCs into germ cells in vitro?", "was a magnetic field ever used?": whether such rows exist.
# "was busulfan used…?", "torsion models — were MSCs tested in those?": whether something was done, asked first or
# after the topic.
_WHETHER_DONE = re.compile(r"(?:^|[-–—:]\s*)(?:(?:has|have|did) (?:anyone|anybody|any)\b|(?:is|are|was|were) (?:(?:an?|any) )?"
                           r"(?:\S+\s+){0,6}?(?:ever\s+)?(?:used|tried|tested|applied|given)\b)")
_FOLLOW_UP = re.compile(r"\b(?:those|them|these|they|ones|of which|what about|how about|same)\b|^(?:and|but|only|now|or|any)\b")
# A yes/no question about the previous rows ("are those autologous?", "is it auto or allo?").
_YES_NO_ABOUT_THEM = re.compile(r"^(?:are|were|is|was|do|did|does|have|had)\b(?:\s+\S+){0,3}?\s+(?:those|them|these|they|it)\b")
# A follow-up this short naming only values ("any in rats?", "the female ones?") narrows or replaces the previous query.
_SHORT_FOLLOW_UP_WORDS = 4
# Asking for the review's judgement or reasons, not for rows ("which source does the review suggest?").
_JUDGEMENT = re.compile(r"\b(?:why|suggest\w*|recommend\w*|prefer\w*|favou?r(?:s|ed)?|best|better|advantages?|conclude[sd]?"
                        # ("what MSC source did they use?" asks what was done, not a judgement.)
                        r"|(?:would|should|do|does) (?:the )?(?:authors?|review|they|you|i|we) (?:choose|pick|use|go with|opt for)"
                        r"|did (?:the )?(?:authors?|review|they|you|i|we) (?:choose|pick|go with|opt for)"
                        r"|which (?:\w+ ){1,3}?to (?:use|choose|pick|go with))\b")
# Asking for an explanation, an overview or what was published: prose, whatever values the question names.
_PROSE_ASK = re.compile(r"\b(?:overview|summar\w*|explain\w*|describe|mechanisms?|how (?:do|does|did|can|could|is|are|were)"
                        r"|bottom line|conclu\w*|takeaways?|in a nutshell"
                        r"|what (?:does|did) the review (?:say|report|find|show)|tell me about|role of|evidence|published|publications?)\b")
_QUESTION_START = re.compile(r"^(?:(?:so|ok|okay|well|hmm|then)\b[,\s]+)?(?:who|whom|what|when|where|why|how|which|is|are|was|were|do|does|did|can|could"
                             r"|should|would|will|has|have|had|tell|explain|describe|summari[sz]e)\b")

# Field nouns for "which countries", "what species", "how many inducers", "by country".
_VALUE_NOUNS: tuple[tuple[str, str], ...] = (
    ("country", r"countr(?:y|ies)|nations?"),
    ("donor species", r"donor species|donors"),
    # "which animals" names the column; "which animal models" is a study noun.
    ("species", r"recipient species|species|hosts?|recipients?|animals?(?!\s+(?:models?|studies|study|experiments?|works?))"),
    ("inducer", r"inducers?|inducing (?:factors|agents)|induction methods?|scaffolds?|differentiation factors|used? to induce"),
    ("source", r"(?:cell |tissue |msc |mscs? )?sources?|tissues?"),
    # Bare "models" is a study noun ("how many animal models…" counts rows), not a field noun.
    ("model", r"modell?ing(?: methods?)?|(?:injury|disease|azoospermia) models?|models? of (?:azoospermia|injury|infertility)"
              r"|drugs?|chemicals?|chemical (?:agents?|compounds?)|toxins?"),
    ("transplantation", r"transplantation(?: types?)?|transplant types?"),
    ("therapeutic", r"therapeutics?|therapeutic forms?"),
    ("phase", r"phases?"),
    ("stage", r"stages?|status(?:es)?"),
    ("disease", r"diseases?|conditions|indications|syndromes?|disorders"),
    ("date", r"years?|dates?"),
    # The age of the cells' source, not of the people treated ("what age group of men benefits most?").
    ("age", r"(?:source|donor|cell|msc|mscs|tissue) ages?|ages? of (?:the )?(?:sources?|donors?|cells|mscs|tissues?)"),
    ("sex", r"sex(?:es)?|genders?"),
)
_NOUN_GROUPS = "|".join(f"(?P<f{i}>{pattern})" for i, (_, pattern) in enumerate(_VALUE_NOUNS))
# "which countries", "how many inducers", "the most common source" (a superlative names the column too).
_VALUES = re.compile(r"\b(?:which|what|list|name|how many|(?:total )?number of|count of|most \w+|commonest|fewest|least \w+)\s+(?:\S+\s+){0,2}?(?P<noun>"
                     + _NOUN_GROUPS + r")\b")
# What values set against each other are compared on: a field named after them, not where they were studied ("in animals").
_COMPARED_ON = re.compile(r"(?<!\bin )(?<!\bon )(?<!\bof )(?<!\bfrom )(?<!\bwith )(?<!\bamong )\b(?P<noun>" + _NOUN_GROUPS + r")\b")
_NOUN_AT_END = re.compile(r"(?:^|[-–—:,]\s*|\bwhich\s+)(?P<noun>" + _NOUN_GROUPS + r")\s*[?.!]*\s*$")
_GROUP_BY = re.compile(r"\b(?:by|per|for each|each|across|between)\s+(?:the\s+)?(?P<noun>" + _NOUN_GROUPS + r")\b"
                       # "…differ in cell source", "…line up with the cell source": what the groups compared differ in
                       r"|\b(?:differ\w*|vary|varies|line up|match\w*|compare\w*)\b[^?]{0,60}?\s(?:in|with|on|by)\s+(?:terms of\s+)?(?:the\s+)?"
                       r"(?P<noun2>" + _NOUN_GROUPS.replace("(?P<f", "(?P<g") + r")\b"
                       # "how do the inducers differ between…"
                       r"|\b(?P<noun3>" + _NOUN_GROUPS.replace("(?P<f", "(?P<h") + r")\s+(?:differ|vary|compare)\b"
                       # "status of each", "the phase for every one"
                       r"|\b(?P<noun4>" + _NOUN_GROUPS.replace("(?P<f", "(?P<k") + r")\s+(?:of|for)\s+(?:each|every|all)\b")
# "How were the animals made azoospermic?", "how was azoospermia induced?": the modelling methods.
_HOW_MODELLED = re.compile(r"\bhow\b.*\b(?:make|makes|making|made|render\w*|become|became|induc\w*|creat\w*|caus\w*)\s+(?:\w+\s+){0,2}"
                           r"(?:azoosperm\w*|infertil\w*|sterile)"
                           r"|\bhow (?:was|were|is|are) (?:azoospermia|infertility)\s+(?:\w+\s+)?(?:induced|created|caused|modell?ed)\b"
                           # "do the rats have natural infertility or is it induced?"
                           r"|\b(?:natural(?:ly)?|spontaneous(?:ly)?)\b.*\binduced\b|\binduced\b.*\b(?:natural(?:ly)?|spontaneous(?:ly)?)\b"
                           # "how many distinct NOA models", "ways of making the NOA model": kinds of model, not rows
                           r"|\b(?:different|distinct|unique|kinds? of|types? of|ways? of (?:making|creating|inducing))\s+(?:\w+\s+){0,2}?models?\b")
_EXAMPLES = re.compile(r"\((?:e\.?g\.?|i\.?e\.?|like|such as)\b[^)]*\)|\([^)]*\betc\.?\s*\)|\b(?:e\.g\.|such as)\s[^,;?]*", re.IGNORECASE)
# "MSC sources used in the animal table", "inducers for sheep cells": a field named first, then what it is of.
_NOUN_AT_START = re.compile(r"^(?:the\s+|all\s+)?(?:\w+\s+)?(?P<noun>" + _NOUN_GROUPS + r")\s+(?:used|reported|tested|listed|in|of|for|with)\b")
# Fields specific enough to the tables that asking for their values is a table question by itself.
_TABLE_SPECIFIC_FIELDS = {"inducer", "model", "transplantation", "therapeutic", "phase", "stage", "donor species"}
# "other chemicals besides that one", "the other sources": another value of the field than the one before.
_OTHER_THAN_BEFORE = re.compile(r"\b(?:other|others|besides (?:that|this|those|these)|apart from (?:that|this|those|these)|"
                                r"except (?:that|this|those|these))\b")
# Asking what studies found, which the tables do not record.
_FINDINGS_ASKED = re.compile(r"\b(?:show|showed|shown|find|found|findings?|conclude\w*|demonstrat\w*|suggest\w*|results?|overall"
                             r"|summar\w*|overview|evidence)\b")
# The review itself ("what does the paper say?", "according to this review"): no study of the tables.
_THE_REVIEW = re.compile(r"\b(?:the|this) (?:paper|review|article)\b")
_MOST = re.compile(r"\b(?:most|commonest|largest number|highest number|majority|top)\b")
# "the oldest trial", "the most recent trials": rows ordered by date.
_EARLIEST = re.compile(r"\b(?:oldest|earliest|first registered)\b")
_LATEST = re.compile(r"\b(?:newest|latest|most recent|last registered)\b")
_FEWEST = re.compile(r"\b(?:fewest|least|rarest|smallest number|lowest number)\b")
# Between the values set against each other: the joining word, then perhaps what repeats the first value's words
# ("from the United States or from China", "in rats vs in mice", "Korea and the trials from Egypt").
_REPEATED = rf"(?:\s+(?:from|in|with|on|using|the|those|ones?|for|still|currently|now|{_STUDY_NOUN}))*"
# "which trials are in men and which in women?", "how many used rats and how many mice?": the question asked again of
# the second value sets the two against each other.
_ASKED_AGAIN = rf"(?:,\s*)?(?:and|or|vs\.?|versus)\s+(?:which|what|how many)(?:\s+(?:ones?|of them|are|were|is|was|used|use|done)|{_REPEATED})*"
_VERSUS = re.compile(rf"^\s*(?:(?:vs\.?|versus|v\.|compared (?:to|with)|against){_REPEATED}|{_ASKED_AGAIN})\s*$")
# "the azoospermia trials and the erectile dysfunction trials": the study noun of the first value comes before the join.
_VERSUS_WITH_CUE = re.compile(rf"^\s*(?:{_STUDY_NOUN}\s+|(?:[\w-]+\s+){{1,2}}?(?=compare|differ|vary|varies))?(?:vs\.?|versus|v\.|compared? (?:to|with)|against|or|and|,"
                              rf"|(?:differ(?:s|ed)?|different|vary|varies) from){_REPEATED}\s*$")
_COMPARE = re.compile(r"\b(?:vs\.?|versus|compared? (?:to|with)|comparison|compare|breakdown|split|distribution|more|less|most|fewer"
                      r"|same|differ\w*)\b")

# A negation cue a few words before a value: "not in China", "other than bone marrow", "did not use busulfan".
_NEGATION_BEFORE = re.compile(
    r"(?:\b(?:not|non|no|never|except|excluding|exclude|excluded|other than|apart from|besides|outside(?: of)?|without"
    r"|but not|rather than|instead of|dont|doesnt|didnt|isnt|arent|wasnt|werent)\b|n't)(?:\s+\S+){0,2}\s*[-\s]?$")
_NEGATION_WORDS = re.compile(r"\b(?:n't|not|non|no|never|except|excluding|exclude|other than|apart from|besides|outside|without)\b")
_JOINED = re.compile(r"^\s*(?:,|and|or|nor|&|/|,\s*and|,\s*or)\s*$")

_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_PHASE = re.compile(r"\bphases?\s*(?P<a>iv|i{1,3}|[1-4])(?:\s*(?P<sep>/|&|,|-|and|or)\s*(?:phase\s*)?(?P<b>iv|i{1,3}|[1-4]))?\b")
_YEAR_RANGE = re.compile(r"\bbetween\s+(?P<a>(?:19|20)\d\d)\s+and\s+(?P<b>(?:19|20)\d\d)\b")
_YEAR = re.compile(r"\b(?P<op>in|during|from|since|after|before|until|by|through)\s+(?P<year>(?:19|20)\d\d)\b"
                   r"|\b(?P<year2>(?:19|20)\d\d)\s+(?P<op2>or later|onwards|or earlier)\b")
# Words around a species that make it the donor of the cells rather than the recipient.
_DONOR_BEFORE = re.compile(r"(?:\bfrom|\bdonor)\s+$")
# Words after a term that make it the cells' source ("follicular fluid MSCs", not the inducer).
_SOURCE_AFTER = re.compile(r"^(?:-derived|\s+(?:msc|mscs|mesenchymal|stem)\b)")
_SOURCE_LABELS = {term.label for term in VOCABULARY if term.vocabulary == "source"}
_DONOR_AFTER = re.compile(r"^(?:-derived|\s+(?:msc|mscs|mesenchymal|stem|cells?|donors?|bone|adipose|umbilical|amni\w*|wharton\w*|urine|fetal|adult)\b)")


# Spellings too common in questions to mean the value ("stem cells" is not the therapeutic "Cell").
_NOT_IN_QUESTIONS = {"Cell"}


def _question_pairs() -> Iterable[tuple[str, tuple[str, tuple[str, ...]]]]:
    # Phases are bare numbers: they are read by _PHASE ("phase 1/2"), not as vocabulary.
    for term in (t for t in VOCABULARY if t.vocabulary != "phase"):
        for spelling in (*(s for s in term.spellings if s not in _NOT_IN_QUESTIONS), *term.synonyms):
            meaning = (term.vocabulary, (term.label,))
            yield spelling, meaning
            if not is_acronym(spelling) and not spelling[-1].isdigit():
                yield spelling + "s", meaning
                if re.search(r"[^aeiou]y$", spelling):
                    yield spelling[:-1] + "ies", meaning  # "ovaries", "countries"
    yield from GROUPS.items()


_QUESTION_MATCHER = matcher(_question_pairs())


@dataclass(frozen=True)
class Mention:
    """A value of the vocabulary named in a question, where it stands and whether it is negated."""

    field: str
    labels: tuple[str, ...]
    start: int
    end: int
    negated: bool = False


# Names that contain a value without meaning it: the "US National Library of Medicine" is a registry, not a country.
_NOT_A_VALUE_BEFORE = re.compile(r"^\s+national library\b", re.IGNORECASE)


def mentions(text: str) -> list[Mention]:
    """Vocabulary mentions in a question, longest first at each word start, with negation marked."""
    lowered = text.lower()
    found: list[Mention] = []
    position = 0
    while position < len(text):
        if position == 0 or not text[position - 1].isalnum():
            match = _QUESTION_MATCHER.match_at(text, lowered, position)
            if match and not _NOT_A_VALUE_BEFORE.match(text[match[0]:]):
                end, (vocabulary, labels) = match
                found.append(Mention(vocabulary, labels, position, end))
                position = end
                continue
        position += 1
    return _with_negation(text, found)


def _with_negation(text: str, found: list[Mention]) -> list[Mention]:
    """Mark a mention negated when a cue stands just before it, or when it is joined to a negated one."""
    lowered = text.lower()
    marked: list[Mention] = []
    for i, mention in enumerate(found):
        gap_start = found[i - 1].end if i else 0
        gap = lowered[gap_start:mention.start]
        negated = bool(_NEGATION_BEFORE.search(gap)) or (
            i > 0 and marked[-1].negated and marked[-1].field == mention.field and bool(_JOINED.match(gap)))
        marked.append(replace(mention, negated=negated))
    return marked


def _species_field(text: str, mention: Mention) -> str:
    before, after = text[: mention.start].lower(), text[mention.end:].lower()
    if _DONOR_BEFORE.search(before) or _DONOR_AFTER.match(after):
        return "donor species"
    return "species"


def _field_of(text: str, mention: Mention) -> tuple[str, Mention]:
    """The condition field a mention tests: species split into donor and recipient; a source term before "MSCs" is a source."""
    name = _species_field(text, mention) if mention.field == "species" else mention.field
    if mention.labels[0] in _SOURCE_LABELS and _SOURCE_AFTER.match(text[mention.end:].lower()):
        return "source", replace(mention, labels=mention.labels[:1])
    return name, mention


def named_fields(text: str) -> frozenset[str]:
    """The fields of the values a question names ("the female ones from Egypt?" → sex, country)."""
    return frozenset(_field_of(text, mention)[0] for mention in mentions(text))


def _joined_by_and(text: str, mentions: Sequence[Mention]) -> bool:
    gaps = [text[a.end:b.start].lower() for a, b in zip(mentions, mentions[1:])]
    return any(re.search(r"\b(?:and|with|plus|both)\b", gap) for gap in gaps) and not any(" or " in f" {gap} " for gap in gaps)


def _first_named(mentions: Sequence[Mention]) -> list[Mention]:
    """The mentions naming a value for the first time: a value named again later ("allo vs xeno … what were the xeno
    ones?") is set against nothing new."""
    first: list[Mention] = []
    for mention in mentions:
        if not any(set(mention.labels) <= set(earlier.labels) for earlier in first):
            first.append(mention)
    return first


def _versus(text: str, mentions: Sequence[Mention], compare: bool) -> bool:
    """Mentions of one field set against each other: "female vs male", or "autologous or allogeneic" in a
    question that compares ("compare…", "breakdown…")."""
    first = _first_named(mentions)
    # "the male (Table 1) and female (Table 2)": a table named beside a value is not what joins them.
    gaps = [re.sub(r"\(\s*(?:tables?|tbls?|tab)\.?\s*\d\s*\)", " ", text[a.end:b.start].lower()) for a, b in zip(first, first[1:])]
    pattern = _VERSUS_WITH_CUE if compare else _VERSUS
    return bool(gaps) and all(pattern.match(gap) for gap in gaps)


@dataclass(frozen=True)
class _Reading:
    conditions: list[Condition]
    compared: tuple[str, tuple[str, ...]] | None  # (field, values) set against each other
    listed: tuple[str, ...] = ()  # of those, the values named again, whose rows are asked for ("which were xeno?")


def _conditions(text: str, found: Sequence[Mention], compare: bool) -> _Reading:
    by_field: dict[tuple[str, bool], list[Mention]] = {}
    for mention in found:
        name, mention = _field_of(text, mention)
        by_field.setdefault((name, mention.negated), []).append(mention)
    conditions, compared, listed = [], None, ()
    for (name, negated), group in by_field.items():
        # A value named with a word for its kind ("is busulfan one of the drugs…?") is that value, not the kind.
        group = [mention for mention in group
                 if not any(set(other.labels) < set(mention.labels) for other in group)]
        labels = tuple(dict.fromkeys(label for mention in group for label in mention.labels))
        if not negated and len(labels) > 1 and compared is None and _versus(text, group, compare):
            compared = (name, labels)
            first = _first_named(group)
            listed = tuple(dict.fromkeys(label for mention in group if mention not in first for label in mention.labels))
            continue
        match_all = not negated and name in MULTI_VALUED and len(group) > 1 and _joined_by_and(text, group)
        conditions.append(Condition(name, labels, match_all, negated=negated))
    # A value both set aside and asked for by name ("no NOA trial has finished, but table 4 has an azoospermia one…") is
    # asked for; not one asked for with its kind ("besides busulfan, which chemo drugs…").
    asked = {(c.field, c.values[0]) for c in conditions if not c.negated and len(c.values) == 1}
    kept = []
    for condition in conditions:
        values = tuple(v for v in condition.values if not condition.negated or (condition.field, v) not in asked)
        if values or not condition.values:
            kept.append(replace(condition, values=values))
    conditions = kept
    phase = _PHASE.search(text.lower())
    if phase:
        phases = tuple(dict.fromkeys(_ROMAN.get(p, p) for p in (phase["a"], phase["b"]) if p))
        negated = bool(_NEGATION_BEFORE.search(text.lower()[: phase.start()]))
        conditions.append(Condition("phase", phases, match_all=len(phases) > 1 and phase["sep"] != "or" and not negated,
                                    negated=negated))
    conditions.extend(_year_conditions(text.lower()))
    return _Reading(conditions, compared, listed)


def _year_conditions(text: str) -> list[Condition]:
    span = _YEAR_RANGE.search(text)
    if span:
        return [Condition("date", year_min=int(span["a"]), year_max=int(span["b"]))]
    match = _YEAR.search(text)
    if not match:
        return []
    op, year = (match["op"], int(match["year"])) if match["op"] else (match["op2"], int(match["year2"]))
    low, high = {
        "in": (year, year), "during": (year, year), "from": (year, None), "since": (year, None),
        "or later": (year, None), "onwards": (year, None), "after": (year + 1, None),
        "before": (None, year - 1), "until": (None, year), "by": (None, year), "through": (None, year),
        "or earlier": (None, year),
    }[op]
    return [Condition("date", year_min=low, year_max=high)]


_NO_VALUE = r"(?:no data|unknown|not (?:recorded|reported|given|stated|specified|known)|missing|unspecified|nd)"


def _unrecorded_conditions(text: str) -> list[Condition]:
    """"trials with no data on cell source", "where the phase is unknown": rows that record nothing in that column."""
    found = []
    for i, (name, pattern) in enumerate(_VALUE_NOUNS):
        if re.search(rf"\b{_NO_VALUE}\s+(?:on|for|about|in|of)?\s*(?:the\s+)?(?:cell\s+|msc\s+)?(?:{pattern})\b", text) or \
                re.search(rf"\b(?:{pattern})\s+(?:is\s+|was\s+|are\s+|were\s+)?{_NO_VALUE}\b", text):
            found.append(Condition(name, unrecorded=True))
    return found


# Words of a keyword query the tables can account for besides their values, study types and column names.
_TABLE_WORDS = frozenset("stem cell cells msc mscs mesenchymal stromal therapy therapies treatment treated germ male female "
                         "human humans derived used using use with without code codes nct numbers status".split())


def _unaccounted_words(lowered: str, found: Sequence[Mention]) -> list[str]:
    """Words of a keyword query that no table records ("FSH cutoff in NOA patients": fsh, cutoff)."""
    text = _masked(lowered, found)
    for pattern in (*(p for p, _ in _STUDY_TYPES), _TABLE_MENTION, _CLINICAL_TABLE, re.compile(rf"\b{_STUDY_NOUN}\b"),
                    re.compile(_NOUN_GROUPS), re.compile(_NO_VALUE), _PHASE, _YEAR, _NEGATION_WORDS):
        text = pattern.sub(" ", text)
    return [w for w in re.findall(r"[a-z][a-z'-]{2,}", text)
            if w not in QUESTION_WORDS and w not in STOPWORDS and w not in _TABLE_WORDS]


def _masked(text: str, found: Sequence[Mention]) -> str:
    """The text with vocabulary mentions blanked, so "which adipose tissue studies" names no field."""
    for mention in found:
        text = text[: mention.start] + "_" * (mention.end - mention.start) + text[mention.end:]
    return text


def _noun_field(match: re.Match | None) -> str | None:
    if not match:
        return None
    groups = match.groupdict()
    return next(name for i, (name, _) in enumerate(_VALUE_NOUNS)
                if any(groups.get(f"{prefix}{i}") for prefix in "fghk"))


_ASKS_GROUP = re.compile(r"\b(?:which|what)\s+(?:kinds? of\s+|types? of\s+|other\s+)?$", re.IGNORECASE)


def _values_field(text: str, found: Sequence[Mention]) -> str | None:
    """The field named by "which countries", "what species", "trials by country"…"""
    masked = _masked(text, found)
    return (_noun_field(_VALUES.search(masked)) or _noun_field(_GROUP_BY.search(masked))
            or _noun_field(_NOUN_AT_END.search(masked)) or _noun_field(_NOUN_AT_START.match(masked))
            or ("model" if _HOW_MODELLED.search(text) else None) or _group_asked(text, found))


def _group_asked(text: str, found: Sequence[Mention]) -> str | None:
    """"what chemical agents…", "which growth factors…": a group of a field's values asked for by its name."""
    for mention in found:
        if len(mention.labels) > 1 and not mention.negated and _ASKS_GROUP.search(text[: mention.start]):
            return mention.field
    return None


def _study_tables(text: str) -> tuple[int, ...]:
    mentioned = [int(n) for n in _TABLE_MENTION.findall(text)]
    if _CLINICAL_TABLE.search(text):
        mentioned.append(4)
    if mentioned:
        return tuple(sorted(set(mentioned)))
    chosen = {table for pattern, tables in _STUDY_TYPES if pattern.search(text) for table in tables}
    return tuple(sorted(chosen))


def _can_test(table: int, condition: Condition) -> bool | None:
    """True/False when the table can test the condition (by column or by what it implies); None when it cannot."""
    if table in FIELD_COLUMNS.get(condition.field, {}):
        return True
    implied = TABLE_IMPLIES.get(table, {}).get(condition.field)
    if implied is None:
        return None
    return condition.matches((implied,))


def _choose_tables(candidates: tuple[int, ...], conditions: Sequence[Condition], values_field: str | None,
                   explicit: bool) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The tables to answer from, and the condition fields none of them records (study type given only)."""
    needed = list(conditions)
    if values_field:
        # The asked-for column must be a column of the table, not merely implied by it.
        candidates = tuple(t for t in candidates if t in FIELD_COLUMNS.get(values_field, {})) or (candidates if explicit else ())
    testing_all = tuple(t for t in candidates if all(_can_test(t, c) for c in needed))
    if testing_all or not explicit:
        return testing_all, ()
    # The study type named tables that lack a field: answer from them, emptily, and say which field.
    chosen = tuple(t for t in candidates if all(_can_test(t, c) is not False for c in needed))
    untestable = tuple(dict.fromkeys(c.field for c in needed if any(_can_test(t, c) is None for t in chosen)))
    if values_field and any(t not in FIELD_COLUMNS.get(values_field, {}) for t in chosen):
        untestable += (values_field,)
    return chosen, untestable


# Fields whose values are of one kind: a follow-up naming one replaces a condition on the other ("goat MSCs" is read as
# the donor's species, "what about sheep?" as the species).
_SAME_KIND = {"species": "donor species", "donor species": "species"}


def _merge(previous: Sequence[Condition], new: Sequence[Condition]) -> tuple[Condition, ...]:
    """A follow-up's condition on a field replaces the previous one on that field ("what about in mice?")."""
    replaced = {c.field for c in new} | {_SAME_KIND[c.field] for c in new if c.field in _SAME_KIND}
    return tuple(c for c in previous if c.field not in replaced) + tuple(new)


def _intent(lowered: str, values_field: str | None) -> str | None:
    if values_field:  # "how many countries" asks for the countries, counted
        return "values"
    if _COUNT.search(lowered):
        return "count"
    if _ROWS.search(lowered):
        return "rows"
    return None


# "is there more evidence in rats or in mice?": of the values set against each other, which has more (or fewer) rows.
_MORE = re.compile(r"\bmore\b(?! (?:about|on|details?|info\w*)\b)")
_FEWER = re.compile(r"\b(?:fewer|less)\b")


def _order(lowered: str, compared: bool = False) -> str:
    if _EARLIEST.search(lowered):
        return "earliest"
    if _LATEST.search(lowered):
        return "latest"
    if _FEWEST.search(lowered) or (compared and _FEWER.search(lowered)):
        return "fewest"
    if _MOST.search(lowered) or (compared and _MORE.search(lowered)):
        return "most"
    return ""


def parse_table_question(question: str, state: TableState | None = None) -> TableQuery | None:
    """The table query a question asks, or None when it is not a table question."""
    # Examples given in passing name no condition: "induction methods (retinoic acid etc)", "e.g. busulfan".
    text = _EXAMPLES.sub(" ", normalise_spelling(question)).rstrip("?.! ")
    lowered = text.lower()
    found = mentions(text)
    compare = bool(_COMPARE.search(lowered))
    reading = _conditions(text, found, compare)
    conditions = reading.conditions + _unrecorded_conditions(lowered)
    study_tables = _study_tables(lowered)
    values_field = _values_field(lowered, found)
    focus: tuple[str, ...] = ()
    listed: tuple[str, ...] = ()
    split = None
    side_by_side = False
    if reading.compared and not values_field and not _order(lowered, True):
        # "male vs female germ-cell inducers": what the values set against each other are compared on, named after them
        # (not "were adult or fetal sources used more?", which asks which has more).
        # ("how do the inducers for male germ cells compare with the ones for female cells?": or named before them)
        masked = _masked(text, found)
        values_field = _noun_field(_COMPARED_ON.search(masked[max(m.end for m in found):])) \
            or _noun_field(_COMPARED_ON.search(masked[:min(m.start for m in found)]))
        values_field = values_field if values_field != reading.compared[0] else None
    offered = [c for c in conditions if reading.compared and c.field != reading.compared[0] and len(c.values) > 1
               and not c.negated and not c.match_all]
    if reading.compared and not values_field and offered:
        # "azoospermia vs erectile dysfunction trials - own cells or donor cells?": the values offered are what the
        # groups compared are told apart by.
        values_field = offered[0].field
        conditions = [c for c in conditions if c is not offered[0]]
    if reading.compared and values_field and values_field != reading.compared[0]:
        # "do the azoospermia and erectile dysfunction trials differ in cell source?": sources per disease, and only
        # the rows of the values compared.
        split = reading.compared
        conditions = [*conditions, Condition(split[0], split[1])]
    elif reading.compared:  # "female vs male trials": rows per value of that column
        values_field, focus = reading.compared
        listed = reading.listed
        # Told side by side when compared, not counted or listed ("how many female vs male trials?", "how often is each
        # used?", "which ones were xeno?").
        side_by_side = not (_COUNT.search(lowered) or _COUNTED_OR_LISTED.search(lowered) or listed)
    asked = _asked_of_named_studies(text, lowered, found, conditions)
    if asked is not None and not values_field and not reading.compared:
        # "is the Jordan azoospermia trial still recruiting?": the trials named, counted by the value asked of them.
        values_field, focus = asked.field, asked.values
        conditions = [c for c in conditions if c is not asked]
    singled = next((c for c in conditions if values_field and c.field == values_field and not c.negated), None)
    if singled is not None and not focus and not split and _OF_EACH.search(lowered):
        # "Egypt azoospermia trials — any completed? status of each?": a value of the column asked for is singled out
        # among its values, not a filter that leaves only its own rows.
        focus = singled.values
        conditions = [c for c in conditions if c is not singled]
    order = _order(lowered, bool(focus))
    # "is busulfan the most common way to make animals azoospermic?": the value asked about (named first) against the
    # others of its column.
    asked_first = next((c for c in conditions if found and c.values == found[0].labels and not c.negated
                        and values_field in (None, c.field)), None)
    if order in ("most", "fewest") and not focus and YES_NO.match(lowered) and asked_first is not None:
        values_field, focus = asked_first.field, asked_first.values
        conditions = [c for c in conditions if c is not asked_first]
    if order in ("earliest", "latest"):
        values_field = None  # the rows themselves, ordered by date
    elif not values_field and not (state is not None and state.values_field):
        order = ""  # (kept for a tally before: "which one is used most?")
    intent = _intent(_THE_REVIEW.sub(" ", lowered), values_field)
    if intent is None and _WHETHER_DONE.search(lowered) and (
            study_tables or re.search(rf"\b{_STUDY_NOUN}\b", lowered) or any(c.field in _TABLE_SPECIFIC_FIELDS for c in conditions)):
        intent = "rows"  # (not "have any babies been born after MSC treatment in men?", which no table records)
    # "Table 3", "the clinical trials table", "in the animal table": a table named by number or by its study type.
    mentions_table = bool(_TABLE_MENTION.search(lowered) or _CLINICAL_TABLE.search(lowered)
                          or (study_tables and _TABLE_WORD.search(lowered)))
    has_subject = bool(conditions or study_tables or focus)

    if state is not None and _is_follow_up(lowered, intent or ("values" if order and state.values_field else None), has_subject,
                                           study_tables):
        return _follow_up(lowered, state, conditions, study_tables, intent, values_field, focus, order)
    if _JUDGEMENT.search(lowered) and not mentions_table:
        return None
    if _PROSE_ASK.search(lowered) and not mentions_table and intent not in ("count", "values"):
        return None
    if intent == "count" and "how many" in lowered and not (_HOW_MANY_ROWS.search(lowered) or mentions_table):
        return None
    # Keywords ("torsion models?", "busulfan rat studies"), with or without a question mark.
    keyword_query = not _QUESTION_START.match(lowered) and not _unaccounted_words(lowered, found)
    # A comparison is the tables' only when it compares studies, trials or rows ("female vs male trials");
    # "compare adipose and bone marrow MSCs" asks the review's text.
    studies = bool(study_tables or mentions_table or re.search(rf"\b{_STUDY_NOUN}\b", lowered))
    if focus and not studies:
        return None
    is_table_question = mentions_table or bool(focus) or (
        intent is not None
        and (has_subject or (intent == "values" and values_field in _TABLE_SPECIFIC_FIELDS))
        and (intent != "count" or re.search(rf"\b{_STUDY_NOUN}\b", lowered) or mentions_table)
    ) or (keyword_query and conditions and (study_tables or len(conditions) > 1
                                             or (any(c.field in _TABLE_SPECIFIC_FIELDS for c in conditions)
                                                 and re.search(rf"\b{_STUDY_NOUN}\b", lowered))))
    if not is_table_question:
        return None
    if not (values_field or focus or order or mentions_table or study_tables) and conditions \
            and all(c.field == "disease" and not c.negated for c in conditions) and _unaccounted_words(lowered, found):
        # "what is the Iranian registry number of the MSC azoospermia study they mention?": the review's own subject
        # names no rows, and the rest is what no table records.
        return None
    if not (conditions or values_field or focus or order or mentions_table) \
            and (_unaccounted_words(lowered, found) or _FINDINGS_ASKED.search(lowered)):
        # "any of the trials in Iran?": no table records what it names; "what did the animal experiments show?": what
        # studies found is in the text. A whole table would answer neither.
        return None
    explicit = bool(study_tables)
    dated = [Condition("date")] if order in ("earliest", "latest") else []  # ordering by date needs a Date column
    tables, untestable = _choose_tables(study_tables or tuple(TABLE_LABELS), conditions + dated, values_field, explicit)
    if not tables:
        return None  # no table records what is asked: the prose answers
    return TableQuery(tables, tuple(conditions), intent or "rows", values_field, untestable, focus, order, split, listed,
                      side_by_side)


# What a yes/no question asks of studies it has named, as opposed to what names them ("has any human study on
# azoospermia been published?" names studies by disease and species).
_ATTRIBUTES = frozenset({"stage", "transplantation", "phase", "source", "therapeutic", "sex"})
# A later clause asking a yes/no question of the studies the question names: "…? are they all in Jordan?".
_LATER_YES_NO = re.compile(r"[?;,.]\s*(?:and\s+)?(?:are|were|is|was|do|did|does)\s+(?:they|those|these|them|it)\b")
# A yes/no question: "is the … trial still recruiting?", "were the Egyptian trials autologous?".
YES_NO = re.compile(r"^(?:is|are|was|were|has|have|had|did|does|do)\b")


def names_studies(question: str) -> bool:
    """Whether a question names studies by a value of what tells them apart (a country, a disease, a species…), not
    only by what it asks of them ("is it finished?")."""
    return any(_field_of(question, mention)[0] not in _ATTRIBUTES for mention in mentions(question))


def _asked_of_named_studies(text: str, lowered: str, found: Sequence[Mention], conditions: Sequence[Condition]) -> Condition | None:
    """The condition a yes/no question asks of the studies it names before it ("is [the Jordan azoospermia trial] still
    recruiting?"): the one field named only after the study noun, when others name the studies; or the one a later
    clause asks of them ("number of ED trials? are they all in Jordan?")."""
    clause = _LATER_YES_NO.search(lowered)
    if clause is not None:
        asked = [_field_of(text, mention)[0] for mention in found if mention.start >= clause.start()]
        earlier = {_field_of(text, mention)[0] for mention in found if mention.end <= clause.start()}
        if len(set(asked)) == 1 and earlier and asked[0] not in earlier:
            return next((c for c in conditions if c.field == asked[0] and not c.negated), None)
    noun = re.search(rf"\b{_STUDY_NOUN}\b", lowered)
    if not YES_NO.match(lowered) or noun is None:
        return None
    after = {_field_of(text, mention)[0] for mention in found if mention.start >= noun.end() and not mention.negated}
    before = {_field_of(text, mention)[0] for mention in found if mention.end <= noun.start()}
    if len(after) != 1 or not before or after <= before or not after <= _ATTRIBUTES:
        return None
    return next((c for c in conditions if c.field in after and not c.negated), None)


def _is_follow_up(lowered: str, intent: str | None, has_subject: bool, study_tables: tuple[int, ...]) -> bool:
    short = len(lowered.split())
    return (bool(_FOLLOW_UP.search(lowered)) or (intent is not None and not has_subject and short <= 6)
            or (short <= _SHORT_FOLLOW_UP_WORDS and has_subject and not study_tables))


def rows_behind(state: TableState, leading: Sequence[str] = ()) -> TableQuery:
    """The rows an earlier count or tally stands for; narrowed to the value it led with ("Egypt" of "which country has
    the most trials?") or to the values it singled out."""
    values = tuple(leading) or state.focus
    narrowed = (Condition(state.values_field, values),) if state.values_field and values else ()
    return TableQuery(state.tables, state.conditions + narrowed, "rows", None, state.untestable)


def _follow_up(lowered: str, state: TableState, conditions: list[Condition], study_tables: tuple[int, ...],
               intent: str | None, values_field: str | None, focus: tuple[str, ...], order: str) -> TableQuery | None:
    """A question read against the previous table query."""
    if not (intent or conditions or study_tables or values_field or (order and state.values_field)):
        return None  # (but "which one is used most?" after a tally orders that tally)
    if _YES_NO_ABOUT_THEM.match(lowered) and conditions:
        # "are those autologous?", "were those allo or xeno, and in which animal?": the previous rows counted by the
        # column of the value asked about (its rows show the rest).
        asked = conditions[-1]
        conditions = conditions[:-1]
        intent, values_field, focus = "values", asked.field, asked.values
    merged = list(_merge(state.conditions, conditions))
    if _OTHER_THAN_BEFORE.search(lowered):
        # "what about other chemicals besides that one?": the previous value of that field, set aside (beside the
        # values the follow-up names of it: "chemicals" are the chemical models).
        if values_field:
            merged = [replace(c, negated=True) if c.field == values_field and not c.negated else c for c in merged]
        broader = {c.field: set(c.values) for c in conditions if not c.negated}
        merged += [replace(c, negated=True) for c in state.conditions if c.field != values_field and not c.negated
                   and set(c.values) < broader.get(c.field, set())]
    if intent is None:
        intent, values_field, focus, order = state.intent, state.values_field, focus or state.focus, order or state.order
    # "and the female ones?" after Table 1 (male germ cells) moves to Table 2: a follow-up may move within its study type.
    family = tuple(sorted({t for table in state.tables for t in _STUDY_FAMILY.get(table, (table,))}))
    tables, untestable = _choose_tables(study_tables or state.tables, merged, values_field, explicit=True)
    if not tables or untestable:
        tables, untestable = _choose_tables(study_tables or family, merged, values_field, explicit=True)
    if not tables:
        return None
    return TableQuery(tables, tuple(merged), intent, values_field, untestable, focus, order)

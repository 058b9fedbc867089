"""Table questions: what a question asks of Tables 1–4, as a typed query.

Questions. A question is a table question only with a table-ish intent: a mention of a
table, or a list / count / distinct-values intent together with a condition, a study type
or a table-specific field. Conditions are found with the same longest-match over the
vocabulary plus the synonyms users type (case-insensitive, except short upper-case
acronyms such as "US", "UC", "RA", "ED", which must be typed in capitals).

Choosing tables. Study-type words pick tables ("in vitro" → 1, 2; "in vivo"/"animal" → 3;
"trial"/"clinical" → 4; "Table 3" → 3). Each table also implies some conditions: Table 1
is male (the in vitro arm of azoospermia therapy), Table 2 female, Table 3 male azoospermia
models. In Table 3 a species is the recipient ("in rats") unless the words make it the donor
("from rats", "rat MSCs"); "follicular fluid" is the inducer unless followed by "MSCs"/"stem". Without study-type words every
table that can test all conditions is answered, each as a part of the result (parts with
no matching row are dropped unless all are empty). With study-type words (or in a follow-up),
a condition the chosen table does not record matches nothing: the answer is empty and the
summary says why ("Table 3 does not record country"), rather than silently dropping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from .records import TABLE_LABELS
from .tabledata import FIELD_COLUMNS, MULTI_VALUED, TABLE_IMPLIES
from .vocabulary import GROUPS, VOCABULARY, is_acronym, matcher, normalise_spelling

@dataclass(frozen=True)
class Condition:
    """field ∈ values (any, or all when match_all), and/or a year range for Date."""

    field: str
    values: tuple[str, ...] = ()
    match_all: bool = False
    year_min: int | None = None
    year_max: int | None = None

    def matches(self, row_values: Sequence[str]) -> bool:
        if self.values:
            hits = [value in row_values for value in self.values]
            if not (all(hits) if self.match_all else any(hits)):
                return False
        if self.year_min is not None or self.year_max is not None:
            years = [int(value) for value in row_values if value.isdigit()]
            low = self.year_min if self.year_min is not None else -1
            high = self.year_max if self.year_max is not None else 10_000
            return bool(years) and all(low <= year <= high for year in years)
        return True

    def describe(self) -> str:
        """The test as a phrase after the column name: "= Rat", "= BMP4 and Retinoic acid", "≥ 2019"."""
        if self.values:
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
                "year_min": self.year_min, "year_max": self.year_max}

    @classmethod
    def from_dict(cls, data: dict) -> Condition:
        return cls(data["field"], tuple(data.get("values", ())), bool(data.get("match_all", False)),
                   data.get("year_min"), data.get("year_max"))


INTENTS = ("rows", "count", "values")


@dataclass(frozen=True)
class TableQuery:
    """What a question asks of the tables. It is also the state a follow-up builds on."""

    tables: tuple[int, ...]  # the tables to answer from, in order
    conditions: tuple[Condition, ...] = ()
    intent: str = "rows"  # one of INTENTS
    values_field: str | None = None  # the field whose distinct values are asked for
    untestable: tuple[str, ...] = ()  # condition fields the chosen tables do not record: nothing can match

    def to_dict(self) -> dict:
        return {"tables": list(self.tables), "conditions": [c.to_dict() for c in self.conditions],
                "intent": self.intent, "values_field": self.values_field, "untestable": list(self.untestable)}

    @classmethod
    def from_dict(cls, data: dict) -> TableQuery:
        return cls(tuple(data.get("tables", ())), tuple(Condition.from_dict(c) for c in data.get("conditions", ())),
                   data.get("intent", "rows"), data.get("values_field"), tuple(data.get("untestable", ())))


# The state of a table conversation is simply the last query answered.
TableState = TableQuery

# Study-type words → tables.
_STUDY_TYPES: tuple[tuple[re.Pattern, tuple[int, ...]], ...] = (
    (re.compile(r"\bin[ -]vitro\b|\bdifferentiat\w*"), (1, 2)),
    (re.compile(r"\bin[ -]vivo\b|\banimals?\b|\bpre-?clinical\b"), (3,)),
    (re.compile(r"\bclinical\b|\btrials?\b|\bnct\d*|\bpatients\b|\bregistered\b"), (4,)),
)
_TABLE_MENTION = re.compile(r"\btables?\s+([1-4])\b")
_CLINICAL_TABLE = re.compile(r"\bclinical[- ]trials? table\b")

_STUDY_NOUN = r"(?:studies|study|trials?|rows?|experiments?|entries|entry|papers?|references|reports|models?|works)"
_COUNT = re.compile(r"\bhow many\b|\bcount\b|\bnumber of\b")
_ROWS = re.compile(rf"\b(?:which|what|any)\s+(?:\S+\s+){{0,3}}?{_STUDY_NOUN}\b|^(?:list|show|give|find|display|tabulate)\b"
                   r"|\bwhich of (?:those|them|these)\b")
_FOLLOW_UP = re.compile(r"\b(?:those|them|these|of which|what about|how about|same)\b|^(?:and|but|only|now)\b")
# Asking for the review's judgement or reasons, not for rows ("which source does the review suggest?").
_JUDGEMENT = re.compile(r"\b(?:why|suggests?|recommends?|recommended|prefer(?:red|s)?|best|better|advantages?|conclude[sd]?)\b")
_QUESTION_START = re.compile(r"^(?:who|whom|what|when|where|why|how|which|is|are|was|were|do|does|did|can|could"
                             r"|should|would|will|has|have|had|tell|explain|describe|summari[sz]e)\b")

# Field nouns for "which countries", "what species", "how many inducers".
_VALUE_NOUNS: tuple[tuple[str, str], ...] = (
    ("country", r"countr(?:y|ies)|nations?"),
    ("donor species", r"donor species|donors"),
    ("species", r"recipient species|species|hosts?|recipients?"),
    ("inducer", r"inducers?|inducing (?:factors|agents)|induction methods?|scaffolds?|differentiation factors"),
    ("source", r"(?:cell |tissue |msc )?sources?|tissues?"),
    # Bare "models" is a study noun ("how many animal models…" counts rows), not a field noun.
    ("model", r"modell?ing(?: methods?)?|(?:injury|disease|azoospermia) models?|models? of (?:azoospermia|injury|infertility)"),
    ("transplantation", r"transplantation(?: types?)?|transplant types?"),
    ("therapeutic", r"therapeutics?|therapeutic forms?"),
    ("phase", r"phases"),
    ("stage", r"stages|status(?:es)?"),
    ("disease", r"diseases?|conditions|indications|syndromes?|disorders"),
    ("date", r"years|dates"),
    ("age", r"(?:source )?ages"),
    ("sex", r"sexes|genders"),
)
_VALUES = re.compile(r"\b(?:which|what|list|name|how many)\s+(?:\S+\s+){0,2}?(?P<noun>"
                     + "|".join(f"(?P<f{i}>{pattern})" for i, (_, pattern) in enumerate(_VALUE_NOUNS)) + r")\b")
# Fields specific enough to the tables that asking for their values is a table question by itself.
_TABLE_SPECIFIC_FIELDS = {"inducer", "model", "transplantation", "therapeutic", "phase", "stage", "donor species"}

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
    yield from GROUPS.items()


_QUESTION_MATCHER = matcher(_question_pairs())


@dataclass(frozen=True)
class _Mention:
    field: str
    labels: tuple[str, ...]
    start: int
    end: int


def _mentions(text: str) -> list[_Mention]:
    """Vocabulary mentions in a question, longest first at each word start."""
    lowered = text.lower()
    found: list[_Mention] = []
    position = 0
    while position < len(text):
        if position == 0 or not text[position - 1].isalnum():
            match = _QUESTION_MATCHER.match_at(text, lowered, position)
            if match:
                end, (vocabulary, labels) = match
                found.append(_Mention(vocabulary, labels, position, end))
                position = end
                continue
        position += 1
    return found


def _species_field(text: str, mention: _Mention) -> str:
    before, after = text[: mention.start].lower(), text[mention.end:].lower()
    if _DONOR_BEFORE.search(before) or _DONOR_AFTER.match(after):
        return "donor species"
    return "species"


def _joined_by_and(text: str, mentions: list[_Mention]) -> bool:
    gaps = [text[a.end:b.start].lower() for a, b in zip(mentions, mentions[1:])]
    return any(re.search(r"\b(?:and|with|plus|both)\b", gap) for gap in gaps) and not any(" or " in f" {gap} " for gap in gaps)


def _conditions(text: str, mentions: Sequence[_Mention]) -> list[Condition]:
    by_field: dict[str, list[_Mention]] = {}
    for mention in mentions:
        name = _species_field(text, mention) if mention.field == "species" else mention.field
        if mention.labels[0] in _SOURCE_LABELS and _SOURCE_AFTER.match(text[mention.end:].lower()):
            name, mention = "source", replace(mention, labels=mention.labels[:1])
        by_field.setdefault(name, []).append(mention)
    conditions = []
    for name, mentions in by_field.items():
        labels = tuple(dict.fromkeys(label for mention in mentions for label in mention.labels))
        match_all = name in MULTI_VALUED and len(mentions) > 1 and _joined_by_and(text, mentions)
        conditions.append(Condition(name, labels, match_all))
    phase = _PHASE.search(text.lower())
    if phase:
        phases = tuple(dict.fromkeys(_ROMAN.get(p, p) for p in (phase["a"], phase["b"]) if p))
        conditions.append(Condition("phase", phases, match_all=len(phases) > 1 and phase["sep"] != "or"))
    conditions.extend(_year_conditions(text.lower()))
    return conditions


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


def _values_field(text: str, mentions: Sequence[_Mention]) -> str | None:
    """The field named by "which countries", "what species"…; words inside a vocabulary mention
    ("which adipose tissue studies") do not count."""
    for mention in mentions:
        text = text[: mention.start] + "_" * (mention.end - mention.start) + text[mention.end:]
    match = _VALUES.search(text)
    if not match:
        return None
    return next(name for i, (name, _) in enumerate(_VALUE_NOUNS) if match[f"f{i}"])


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
        needed.append(Condition(values_field))
    testing_all = tuple(t for t in candidates if all(_can_test(t, c) for c in needed))
    if testing_all or not explicit:
        return testing_all, ()
    # The study type named tables that lack a field: answer from them, emptily, and say which field.
    chosen = tuple(t for t in candidates if all(_can_test(t, c) is not False for c in needed))
    untestable = tuple(c.field for c in needed if any(_can_test(t, c) is None for t in chosen))
    return chosen, untestable


def _merge(previous: Sequence[Condition], new: Sequence[Condition]) -> tuple[Condition, ...]:
    """A follow-up's condition on a field replaces the previous one on that field ("what about in mice?")."""
    replaced = {c.field for c in new}
    return tuple(c for c in previous if c.field not in replaced) + tuple(new)


def parse_table_question(question: str, state: TableState | None = None) -> TableQuery | None:
    """The table query a question asks, or None when it is not a table question."""
    text = normalise_spelling(question).rstrip("?.! ")
    lowered = text.lower()
    mentions = _mentions(text)
    conditions = _conditions(text, mentions)
    study_tables = _study_tables(lowered)
    values_field = _values_field(lowered, mentions)
    if values_field:  # "how many countries" asks for the countries, counted
        intent = "values"
    elif _COUNT.search(lowered):
        intent = "count"
    elif _ROWS.search(lowered):
        intent = "rows"
    else:
        intent = None

    mentions_table = bool(_TABLE_MENTION.search(lowered) or _CLINICAL_TABLE.search(lowered))
    has_subject = bool(conditions or study_tables)
    is_follow_up = state is not None and (
        bool(_FOLLOW_UP.search(lowered)) or (intent is not None and not has_subject and len(lowered.split()) <= 6)
    )
    if is_follow_up:
        if not (intent or conditions or study_tables):
            return None
        conditions = list(_merge(state.conditions, conditions))
        if intent is None:
            intent, values_field = state.intent, state.values_field
        study_tables = study_tables or state.tables
        explicit = True
    else:
        keyword_query = not question.rstrip().endswith("?") and not _QUESTION_START.match(lowered)
        if _JUDGEMENT.search(lowered) and not mentions_table:
            return None
        is_table_question = mentions_table or (
            intent is not None
            and (has_subject or (intent == "values" and values_field in _TABLE_SPECIFIC_FIELDS))
            and (intent != "count" or re.search(rf"\b{_STUDY_NOUN}\b", lowered) or mentions_table)
        ) or (keyword_query and conditions and (study_tables or len(conditions) > 1))
        if not is_table_question:
            return None
        intent = intent or "rows"
        explicit = bool(study_tables)
    candidates = study_tables or tuple(TABLE_LABELS)
    tables, untestable = _choose_tables(candidates, conditions, values_field, explicit)
    return TableQuery(tables, tuple(conditions), intent, values_field, untestable)



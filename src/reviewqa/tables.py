"""The review's four tables as queryable data: typed rows, a vocabulary, questions, exact answers.

Tables (numbers as in the review):
  1  male germ cells in vitro    MSC source, Source age, Species, Inducer, References
  2  female germ cells in vitro  same columns
  3  in vivo azoospermia models  Source, Transplantation, Donor species, Therapeutics,
                                 Recipient species, Modeling, References
  4  clinical trials             Sex, Disease/syndrome, Phase, Date, Country, Source,
                                 Transplantation, Stage, CT code

Splitting cells. The PDF text has no separators inside a cell ("BMP4 Retinoic acid",
"Bone marrow Adipose tissue", "1&2"), so a cell is read left to right against the
spellings of its column's vocabulary:
  * at each position the longest known spelling wins (case-insensitive, whitespace
    collapsed, curly apostrophes straightened), and it must end at a word boundary;
  * whitespace and "&" between values are separators ("1&2" is phases 1 and 2);
  * "ND" (the review's "no data") is no value at all;
  * spelling variants of one thing map to one canonical value ("Sertoli cells co-culture"
    and "Sertoli cell co-culture"; "TGF- β 1" and "TGF β 1");
  * Date is a year, CT code an identifier, References a citation list: not split;
  * text that matches nothing is kept whole as its own value (so nothing is lost), and
    reported by `split_cell` as leftover; the tests require there is none.

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

Counting. The unit is the review's row. Rows of Tables 1–3 can cite several studies, so
summaries give the rows and the number of distinct references they cite ("2 rows citing
11 references"); Table 4 rows are trials (one CT code each; the review lists NCT02696889
twice, and both rows count).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Iterable, Sequence

from .records import NO_DATA, Table, table_name

# --- vocabulary -------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One canonical value of a vocabulary: how cells spell it and what users type for it."""

    vocabulary: str
    label: str
    spellings: tuple[str, ...]  # as printed in the cells (the label is always one)
    synonyms: tuple[str, ...] = ()  # only for questions; a plain "s" plural is also accepted


def _terms(vocabulary: str, entries: Iterable[str | tuple]) -> list[Term]:
    """entries: "Label", or ("Label", (other cell spellings), (question synonyms)) with the tail optional."""
    terms = []
    for entry in entries:
        parts = (entry,) if isinstance(entry, str) else tuple(entry)
        label, spellings, synonyms = parts + ((), ())[len(parts) - 1:]
        terms.append(Term(vocabulary, label, (label, *spellings), tuple(synonyms)))
    return terms


VOCABULARY: tuple[Term, ...] = tuple(
    _terms("source", [
        ("Adipose tissue", (), ("adipose", "fat", "adipose-derived", "AT-MSC", "AT-MSCs", "ADSC", "ADSCs", "ASC", "ASCs")),
        ("Amniotic membrane", (), ("amniotic", "amniotic membrane-derived")),
        ("Amnion", (), ()),
        ("Bone marrow", (), ("marrow", "BM", "BM-MSC", "BM-MSCs", "BMSC", "BMSCs", "bone marrow-derived")),
        ("Chorion", (), ("chorionic",)),
        ("Endometrium", (), ("endometrial stem cells",)),
        "Follicular fluid",
        "Lung",
        ("Menstrual blood", (), ("menstrual",)),
        "Muscle",
        ("Ovary", (), ("ovarian stem cells",)),
        "Peritoneum",
        "Skin",
        ("Umbilical cord", (), ("cord", "UC", "UC-MSC", "UC-MSCs", "hUC-MSC", "hUC-MSCs", "hUCMSC", "UCMSC")),
        ("Urine", (), ("urine-derived", "urinary")),
        ("Wharton's jelly", (), ("WJ", "WJ-MSC", "WJ-MSCs", "Wharton")),
    ])
    + _terms("age", ["Adult", ("Fetal", (), ("foetal",))])
    + _terms("species", [
        ("Cow", (), ("bovine", "cattle")),
        ("Dog", (), ("canine",)),
        ("Goat", (), ("caprine",)),
        ("Guinea pig", (), ()),
        "Hamster",
        ("Human", (), ("humans",)),
        ("Mouse", (), ("mice", "murine")),
        ("Pig", (), ("porcine", "swine")),
        "Rat",
        ("Sheep", (), ("ram", "ovine")),
    ])
    + _terms("inducer", [
        ("bFGF", (), ("basic fibroblast growth factor",)),
        "BMP2", "BMP4", "BMP8b", "BMP15",
        "BOULE overexpression", "CD61 overexpression", "DAZL overexpression", "Oct4 overexpression", "STRA8 overexpression",
        "Cumulus cell-conditioned medium",
        ("EGF", (), ("epidermal growth factor",)),
        "Follicular fluid",
        "GDNF",
        "Human cumulus-conditioned medium",
        "Human follicular fluid",
        ("Inorganic zinc (sulfate)", (), ("zinc sulfate", "inorganic zinc")),
        ("LIF", (), ("leukemia inhibitory factor",)),
        ("Multi-wall carbon nanotubes", (), ("carbon nanotubes", "nanotubes")),
        ("Organic zinc (acetate)", (), ("zinc acetate", "organic zinc")),
        ("pCD61-CAGG-TRIP-pur (oCD61) plasmid", (), ("oCD61", "CD61 plasmid")),
        ("Placenta cell co-culture", (), ("placental cell co-culture",)),
        ("Placental cell-conditioned medium", (), ("placental conditioned medium",)),
        ("Polylactic acid", (), ("PLA",)),
        ("Retinoic acid", (), ("RA",)),
        ("Sertoli cell co-culture", ("Sertoli cells co-culture",)),
        ("Sertoli cell-conditioned medium", ("Sertoli cell-condition medium",)),
        ("Static magnetic field", (), ("magnetic field",)),
        "Testicular cell co-culture",
        ("Testicular cell-conditioned medium", ("Testicular cell conditioned medium",)),
        ("Testicular extracts", (), ("testicular extract",)),
        "Testosterone",
        ("TGF-β1", ("TGF- β 1", "TGF β 1", "TGFβ1"), ("TGF-beta1", "TGF-beta 1", "TGF-b1", "TGF beta")),
    ])
    + _terms("transplantation", [
        ("Allotransplant", (), ("allogeneic", "allogenic", "allotransplantation", "allograft", "allogeneic transplant")),
        ("Autotransplant", (), ("autologous", "autotransplantation", "autograft")),
        ("Xenotransplant", (), ("xenogeneic", "xenogenic", "xenotransplantation", "xenograft")),
    ])
    + _terms("therapeutic", [
        ("Cell", (), ("whole cells", "whole-cell")),
        ("Exosome", (), ("exosomes", "extracellular vesicles", "EVs")),
    ])
    + _terms("model", [
        "Busulfan",
        "Cisplatin",
        "Doxorubicin",
        ("Lead nitrate", (), ("lead-induced",)),
        ("Torsion", (), ("testicular torsion",)),
    ])
    + _terms("sex", [("Female", (), ("women", "woman")), ("Male", (), ("men", "man"))])
    + _terms("disease", [
        ("Atrophic endometrium", (), ()),
        ("Azoospermia", (), ("azoospermic", "NOA", "non-obstructive azoospermia", "nonobstructive azoospermia")),
        ("Endometrial dysplasia", (), ()),
        ("Erectile dysfunction", (), ("ED",)),
        ("Fistula vagina", (), ("vaginal fistula",)),
        ("Intrauterine adhesions", (), ("intrauterine adhesion", "Asherman", "Asherman's syndrome", "IUA")),
        ("Intraventricular hemorrhage", (), ("intraventricular haemorrhage", "IVH")),
        ("Oligospermia", (), ("oligozoospermia",)),
        ("Ovarian cancer", (), ()),
        ("Ovarian disease", (), ()),
        ("Premature ovarian failure", (), ("POF", "POI", "premature ovarian insufficiency", "ovarian failure")),
        ("Thin endometrium", (), ()),
        ("Uterine scar", (), ()),
        ("Uterus injury", (), ("uterine injury",)),
    ])
    + _terms("phase", ["1", "2", "4"])
    + _terms("country", [
        ("China", (), ("Chinese",)),
        ("Egypt", (), ("Egyptian",)),
        ("Indonesia", (), ("Indonesian",)),
        ("Jordan", (), ("Jordanian",)),
        ("Korea", (), ("South Korea", "Korean", "Republic of Korea")),
        ("Russia", (), ("Russian", "Russian Federation")),
        ("United States", (), ("USA", "US", "U.S.", "U.S.A.", "America", "American")),
    ])
    + _terms("stage", [
        ("Active", (), ("active, not recruiting",)),
        ("Completed", (), ("complete", "finished")),
        ("Recruiting", (), ()),
    ])
)

# Words users type that stand for several canonical values at once.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "chemotherapy": ("model", ("Busulfan", "Cisplatin", "Doxorubicin")),
    "chemotherapy-induced": ("model", ("Busulfan", "Cisplatin", "Doxorubicin")),
    "chemotherapeutic": ("model", ("Busulfan", "Cisplatin", "Doxorubicin")),
    "amnion-derived": ("source", ("Amniotic membrane", "Amnion")),
    "amnion": ("source", ("Amniotic membrane", "Amnion")),
    "follicular fluid": ("inducer", ("Follicular fluid", "Human follicular fluid")),
    "sertoli": ("inducer", ("Sertoli cell co-culture", "Sertoli cell-conditioned medium")),
    "sertoli cells": ("inducer", ("Sertoli cell co-culture", "Sertoli cell-conditioned medium")),
    "zinc": ("inducer", ("Inorganic zinc (sulfate)", "Organic zinc (acetate)")),
    "ongoing": ("stage", ("Recruiting", "Active")),
    "overexpression": ("inducer", ("BOULE overexpression", "CD61 overexpression", "DAZL overexpression",
                                   "Oct4 overexpression", "STRA8 overexpression")),
}

# Which vocabulary each printed column is split with; Date, CT code and References are not split.
COLUMN_VOCABULARY = {
    "MSC source": "source", "Source": "source", "Source age": "age", "Species": "species",
    "Donor species": "species", "Recipient species": "species", "Inducer": "inducer",
    "Transplantation": "transplantation", "Therapeutics": "therapeutic", "Modeling": "model",
    "Sex": "sex", "Disease/syndrome": "disease", "Phase": "phase", "Country": "country", "Stage": "stage",
}

# Condition fields → the column that tests them in each table. "species" is where the
# animal lives (in vitro: the cells' species; in vivo: the recipient, so "in rats" is the
# recipient); "donor species" is where the MSCs come from.
FIELD_COLUMNS: dict[str, dict[int, str]] = {
    "source": {1: "MSC source", 2: "MSC source", 3: "Source", 4: "Source"},
    "age": {1: "Source age", 2: "Source age"},
    "species": {1: "Species", 2: "Species", 3: "Recipient species"},
    "donor species": {1: "Species", 2: "Species", 3: "Donor species"},
    "inducer": {1: "Inducer", 2: "Inducer"},
    "transplantation": {3: "Transplantation", 4: "Transplantation"},
    "therapeutic": {3: "Therapeutics"},
    "model": {3: "Modeling"},
    "sex": {4: "Sex"},
    "disease": {4: "Disease/syndrome"},
    "phase": {4: "Phase"},
    "date": {4: "Date"},
    "country": {4: "Country"},
    "stage": {4: "Stage"},
}

# What a whole table is about, so "male in vitro" is Table 1 and "azoospermia models" Table 3.
# Table 1 (differentiation into male germ cells) is the review's in vitro arm of azoospermia therapy.
TABLE_IMPLIES: dict[int, dict[str, str]] = {
    1: {"sex": "Male", "disease": "Azoospermia"},
    2: {"sex": "Female"},
    3: {"sex": "Male", "disease": "Azoospermia"},
}

TABLE_NAMES = {
    1: "Table 1 — male germ cells in vitro",
    2: "Table 2 — female germ cells in vitro",
    3: "Table 3 — in vivo models",
    4: "Table 4 — clinical trials",
}

# Fields whose cells can hold several values: "X and Y" there asks for rows with both.
MULTI_VALUED = {"source", "inducer", "therapeutic", "disease", "phase"}

# --- typed rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitCell:
    values: tuple[str, ...]  # canonical labels, in cell order
    leftover: str  # text no known value matched ("" when the cell is fully understood)


@dataclass(frozen=True)
class TypedRow:
    table: int
    index: int
    cells: tuple[str, ...]  # as printed, in column order
    values: tuple[tuple[str, tuple[str, ...]], ...]  # column → canonical values
    refs: tuple[int, ...]

    def column_values(self, column: str) -> tuple[str, ...]:
        return dict(self.values).get(column, ())


@dataclass(frozen=True)
class TypedTable:
    number: int
    title: str
    columns: tuple[str, ...]
    rows: tuple[TypedRow, ...]

    @property
    def name(self) -> str:
        return TABLE_NAMES.get(self.number, f"Table {self.number}")


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("‘", "'")).strip()


def _is_acronym(spelling: str) -> bool:
    return spelling.isupper() and len(spelling) <= 3


@dataclass(frozen=True)
class _Matcher:
    """Longest-first spellings → meanings, for one vocabulary or for questions."""

    # first letter (lower-cased) → (needle, case-sensitive, meaning), longest needle first
    by_first: dict[str, tuple[tuple[str, bool, Any], ...]]

    def match_at(self, text: str, lowered: str, start: int) -> tuple[int, Any] | None:
        for needle, case_sensitive, meaning in self.by_first.get(lowered[start], ()):
            end = start + len(needle)
            if (text if case_sensitive else lowered).startswith(needle, start) and (end == len(text) or not text[end].isalnum()):
                return end, meaning
        return None


def _matcher(pairs: Iterable[tuple[str, Any]]) -> _Matcher:
    # Later pairs win over earlier ones with the same spelling (so a group overrides a term).
    unique: dict[str, tuple[str, bool, Any]] = {}
    for spelling, meaning in pairs:
        spelling = _normalise(spelling)
        acronym = _is_acronym(spelling)
        needle = spelling if acronym else spelling.lower()
        unique[needle] = (needle, acronym, meaning)
    by_first: dict[str, list[tuple[str, bool, Any]]] = {}
    for entry in sorted(unique.values(), key=lambda entry: -len(entry[0])):
        by_first.setdefault(entry[0][:1].lower(), []).append(entry)
    return _Matcher({first: tuple(entries) for first, entries in by_first.items()})


_CELL_MATCHERS = {
    name: _matcher((spelling, term.label) for term in VOCABULARY if term.vocabulary == name for spelling in term.spellings)
    for name in {term.vocabulary for term in VOCABULARY}
}
_SEPARATOR = re.compile(r"[\s&]+")


def split_cell(column: str, text: str) -> SplitCell:
    """A cell's canonical values by greedy longest match (rules in the module docstring)."""
    text = _normalise(text)
    vocabulary = COLUMN_VOCABULARY.get(column)
    if text in ("", NO_DATA):
        return SplitCell((), "")
    if vocabulary is None:
        return SplitCell((text,), "")
    lowered = text.lower()
    values: list[str] = []
    unknown: list[str] = []
    position = 0
    while position < len(text):
        gap = _SEPARATOR.match(text, position)
        if gap:
            position = gap.end()
            continue
        found = _CELL_MATCHERS[vocabulary].match_at(text, lowered, position)
        if found:
            position, label = found
            values.append(label)
        else:  # skip one word of unknown text
            word_end = _SEPARATOR.search(text, position)
            end = word_end.start() if word_end else len(text)
            unknown.append(text[position:end])
            position = end
    leftover = " ".join(unknown)
    if leftover:
        values.append(leftover)
    return SplitCell(tuple(dict.fromkeys(values)), leftover)


@lru_cache(maxsize=16)  # the review's tables are typed once, not per question
def type_table(table: Table) -> TypedTable:
    rows = []
    for row in table.rows:
        cells = tuple(value for _, value in row.cells)
        values = tuple((column, split_cell(column, value).values) for column, value in row.cells)
        rows.append(TypedRow(table.number, row.index, cells, values, row.refs))
    return TypedTable(table.number, table.title, table.columns, tuple(rows))


# --- queries ----------------------------------------------------------------------------


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
            if not _is_acronym(spelling) and not spelling[-1].isdigit():
                yield spelling + "s", meaning
    yield from GROUPS.items()


_QUESTION_MATCHER = _matcher(_question_pairs())


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
    text = _normalise(question).rstrip("?.! ")
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
    candidates = study_tables or tuple(TABLE_NAMES)
    tables, untestable = _choose_tables(candidates, conditions, values_field, explicit)
    return TableQuery(tables, tuple(conditions), intent, values_field, untestable)


# --- answers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TableResult:
    name: str
    tables: tuple[int, ...]
    conditions: dict[str, Any]  # printed column (or field, across tables) → value(s) applied
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # cells as printed
    row_ids: tuple[tuple[int, int], ...]  # (table, row index) of each row, to find its passage
    row_refs: tuple[tuple[int, ...], ...]
    count: int  # rows matched
    refs: tuple[int, ...]  # distinct references of the matched rows, in row order
    summary: str
    value_counts: tuple[tuple[str, int], ...] = ()  # (value, rows) when values were asked
    untestable: tuple[str, ...] = ()  # asked-for fields the table does not record
    parts: tuple[TableResult, ...] = ()  # one result per table when several answer

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.value_counts)


def _condition_value(condition: Condition) -> Any:
    if condition.year_min is not None or condition.year_max is not None:
        return condition.describe()
    if len(condition.values) == 1:
        return condition.values[0]
    return {"all of" if condition.match_all else "any of": list(condition.values)}


def _tally(values: Iterable[tuple[str, ...]]) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for row_values in values:
        for value in row_values:
            counts[value] = counts.get(value, 0) + 1
    order = {value: i for i, value in enumerate(counts)}
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], order[item[0]])))


def _unique_refs(row_refs: Iterable[tuple[int, ...]]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(ref for refs in row_refs for ref in refs))


def _size(table: int, count: int, refs: int) -> str:
    if table == 4:
        return f"{count} trial{'s' * (count != 1)}"
    return f"{count} row{'s' * (count != 1)} citing {refs} reference{'s' * (refs != 1)}"


def _values_phrase(field_name: str, value_counts: Sequence[tuple[str, int]]) -> str:
    listed = ", ".join(f"{value} ({rows})" for value, rows in value_counts)
    return f"{len(value_counts)} distinct {field_name} value{'s' * (len(value_counts) != 1)}" + (f": {listed}" if listed else "")


def _lower(name: str) -> str:
    """'Recipient species' → 'recipient species'; acronyms ('MSC source', 'CT code') stay."""
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _untestable_note(query: TableQuery, tables: Sequence[int]) -> str:
    where = "Table " + ", ".join(map(str, tables)) if len(tables) == 1 else "Tables " + ", ".join(map(str, tables))
    verb = "does" if len(tables) == 1 else "do"
    return f" — {where} {verb} not record {' or '.join(query.untestable)}, so no row can match"


def _answer_one(query: TableQuery, table: TypedTable) -> TableResult:
    tested = [(c, FIELD_COLUMNS[c.field][table.number]) for c in query.conditions
              if table.number in FIELD_COLUMNS.get(c.field, {})]
    applied = {column: _condition_value(c) for c, column in tested}
    described = ", ".join(f"{_lower(column)} {c.describe()}" for c, column in tested) or "all rows"
    if query.untestable:
        matched = []
        reason = _untestable_note(query, (table.number,))
    else:
        matched = [row for row in table.rows if all(c.matches(row.column_values(column)) for c, column in tested)]
        reason = ""
    row_refs = tuple(row.refs for row in matched)
    refs = _unique_refs(row_refs)
    summary = f"{table.name}, {described}: {_size(table.number, len(matched), len(refs))}{reason}"
    value_counts: tuple[tuple[str, int], ...] = ()
    values_column = FIELD_COLUMNS.get(query.values_field or "", {}).get(table.number)
    if query.intent == "values" and values_column:
        value_counts = _tally(row.column_values(values_column) for row in matched)
        summary += f"; {_values_phrase(_lower(values_column), value_counts)}"
    return TableResult(
        name=table.name, tables=(table.number,), conditions=applied, columns=table.columns,
        rows=tuple(row.cells for row in matched), row_ids=tuple((row.table, row.index) for row in matched),
        row_refs=row_refs, count=len(matched), refs=refs,
        summary=summary + ".", value_counts=value_counts, untestable=query.untestable,
    )


def _combine(query: TableQuery, shown: Sequence[TableResult]) -> TableResult:
    """Several tables answered at once: rows become (table, entry) pairs; the parts keep their own columns."""
    conditions = {c.field: _condition_value(c) for c in query.conditions}
    described = ", ".join(f"{c.field} {c.describe()}" for c in query.conditions) or "all rows"
    count = sum(part.count for part in shown)
    rows = tuple((f"Table {part.tables[0]}", "; ".join(f"{col}: {cell}" for col, cell in zip(part.columns, cells)))
                 for part in shown for cells in part.rows)
    row_refs = tuple(refs for part in shown for refs in part.row_refs)
    each = "; ".join(f"Table {part.tables[0]}: {_size(part.tables[0], part.count, len(part.refs))}" for part in shown)
    numbers = tuple(part.tables[0] for part in shown)
    note = _untestable_note(query, numbers) if query.untestable else ""
    summary = f"Tables {', '.join(map(str, numbers))}, {described}: {count} rows ({each}){note}"
    value_counts: tuple[tuple[str, int], ...] = ()
    if query.intent == "values" and query.values_field:
        merged: dict[str, int] = {}
        for part in shown:
            for value, rows_with in part.value_counts:
                merged[value] = merged.get(value, 0) + rows_with
        value_counts = tuple(sorted(merged.items(), key=lambda item: -item[1]))
        summary += f"; {_values_phrase(query.values_field, value_counts)}"
    return TableResult(
        name=" + ".join(part.name for part in shown), tables=numbers, conditions=conditions,
        columns=("Table", "Entry"), rows=rows, row_ids=tuple(row_id for part in shown for row_id in part.row_ids),
        row_refs=row_refs, count=count, refs=_unique_refs(row_refs),
        summary=summary + ".", value_counts=value_counts, parts=tuple(shown),
    )


def answer_table_query(query: TableQuery, tables: Sequence[Table]) -> TableResult:
    """The rows, count or distinct values a query asks for, from the review's parsed tables."""
    by_number = {table.number: table for table in tables}
    chosen = [type_table(by_number[n]) for n in query.tables if n in by_number]
    if not chosen:
        described = ", ".join(f"{c.field} {c.describe()}" for c in query.conditions)
        return TableResult(
            name="No table", tables=(), conditions={c.field: _condition_value(c) for c in query.conditions},
            columns=(), rows=(), row_ids=(), row_refs=(), count=0, refs=(),
            summary=f"No table of the review records all of: {described or 'these conditions'}.",
        )
    parts = [_answer_one(query, table) for table in chosen]
    shown = [part for part in parts if part.count] or parts
    return shown[0] if len(shown) == 1 else _combine(query, shown)


def to_json(result: TableResult) -> dict:
    data = {
        "name": result.name,
        "conditions": result.conditions,
        "columns": list(result.columns),
        "rows": [list(cells) for cells in result.rows],
        "count": result.count,
        "tables": list(result.tables),
        "refs": list(result.refs),
        "row_refs": [list(refs) for refs in result.row_refs],
        "row_ids": [list(row_id) for row_id in result.row_ids],
        "summary": result.summary,
    }
    if result.value_counts:
        data["values"] = list(result.values)
        data["value_counts"] = dict(result.value_counts)
    if result.untestable:
        data["untestable"] = list(result.untestable)
    if result.parts:
        data["parts"] = [to_json(part) for part in result.parts]
    return data

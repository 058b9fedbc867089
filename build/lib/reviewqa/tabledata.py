"""The review's four tables as typed data: each cell split into the canonical values of its column.

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .records import NO_DATA, Table, table_name
from .vocabulary import VOCABULARY, matcher, normalise_spelling

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

# What a whole table is about, so "male in vitro" is Table 1 and "azoospermia models" Table 3; clinical trials are in humans.
# Table 1 (differentiation into male germ cells) is the review's in vitro arm of azoospermia therapy.
TABLE_IMPLIES: dict[int, dict[str, str]] = {
    1: {"sex": "Male", "disease": "Azoospermia"},
    2: {"sex": "Female"},
    3: {"sex": "Male", "disease": "Azoospermia"},
    4: {"species": "Human"},
}

# Columns whose combinations are categories of their own when rows are counted per value: a "1&2" trial is
# counted as phase 1&2, not once as phase 1 and once as phase 2 (it still matches "phase 2 trials").
CATEGORY_COLUMNS = {"Phase"}

# Fields whose cells can hold several values: "X and Y" there asks for rows with both.
MULTI_VALUED = {"source", "inducer", "therapeutic", "disease", "phase"}

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

    def categories(self, column: str) -> tuple[str, ...]:
        """The values a row is counted under: its values, or its printed cell for a column of combined categories."""
        values = self.column_values(column)
        if column in CATEGORY_COLUMNS and len(values) > 1:
            return ("&".join(values),)
        return values


@dataclass(frozen=True)
class TypedTable:
    number: int
    title: str
    columns: tuple[str, ...]
    rows: tuple[TypedRow, ...]

    @property
    def name(self) -> str:
        return table_name(self.number)


_CELL_MATCHERS = {
    name: matcher((spelling, term.label) for term in VOCABULARY if term.vocabulary == name for spelling in term.spellings)
    for name in {term.vocabulary for term in VOCABULARY}
}
_SEPARATOR = re.compile(r"[\s&]+")


def split_cell(column: str, text: str) -> SplitCell:
    """A cell's canonical values by greedy longest match (rules in the module docstring)."""
    text = normalise_spelling(text)
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



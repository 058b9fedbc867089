"""Table answers: the rows, counts and distinct values a table query asks for, with a summary line.

Counting. The unit is the review's row. Rows of Tables 1–3 can cite several studies, so
summaries give the rows and the number of distinct references they cite ("2 rows citing
11 references"); Table 4 rows are trials (one CT code each; the review lists NCT02696889
twice, and both rows count).

Value counts. For "which countries", "by country" or "female vs male", the rows are counted
per value of the column (a row with two values counts for both), and how many values there
are ("7 countries"); values the question singles out come first, and the one with more (or
fewer) rows is named ("Rat has more"); "most"/"fewest" order the rest, ties are named together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .records import Table, TableRow
from .tabledata import FIELD_COLUMNS, TypedTable, type_table
from .tablequery import Condition, TableQuery

@dataclass(frozen=True)
class TableResult:
    """The answer of one table query: the matched rows as printed, what they cite, and a summary line."""

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
    value_counts: tuple[tuple[str, int], ...] = ()  # (value, rows) when values were asked, in the order to show
    untestable: tuple[str, ...] = ()  # asked-for fields the table does not record
    parts: tuple[TableResult, ...] = ()  # one result per table when several answer
    listed_rows: int = 0  # rows, first among the rows, of the values asked about ("which were xeno?", "did any use lead?")
    query: TableQuery | None = None  # what was asked: the state a follow-up builds on

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.value_counts)


def _condition_value(condition: Condition) -> Any:
    if condition.year_min is not None or condition.year_max is not None:
        return condition.describe()
    if condition.negated:
        return {"none of": list(condition.values)}
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


def _arranged(counts: Sequence[tuple[str, int]], query: TableQuery) -> tuple[tuple[str, int], ...]:
    """Focus values first (with 0 when no row has them), then the rest; "fewest" reverses the order."""
    found = dict(counts)
    focus = tuple((value, found.get(value, 0)) for value in query.focus)
    rest = tuple(item for item in counts if item[0] not in query.focus)
    if query.order == "fewest":
        rest = tuple(sorted(rest, key=lambda item: item[1]))
    return focus + rest


def _unique_refs(row_refs: Iterable[tuple[int, ...]]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(ref for refs in row_refs for ref in refs))


def _unit(tables: Sequence[int], count: int) -> str:
    noun = "trial" if tuple(tables) == (4,) else "row"
    return noun + "s" * (count != 1)


def _references(count: int) -> str:
    return f"{count} reference{'s' * (count != 1)}"


def _size(table: int, count: int, refs: int) -> str:
    if not count:
        return f"no {_unit((table,), 2)}"
    if table == 4:
        return f"{count} {_unit((4,), count)}"
    return f"{count} {_unit((table,), count)} citing {_references(refs)}"


# Values named in one summary line; the rest are counted ("and 6 more"), and all are in the result's value counts.
MAX_LISTED_VALUES = 8


def _shown(value: str, column: str) -> str:
    """A value as a reader names it: a bare phase number is "phase 2"."""
    return f"phase {value}" if column == "phase" else value


def _some(names: Sequence[str], joiner: str = ", ") -> str:
    extra = len(names) - MAX_LISTED_VALUES
    return joiner.join(names[:MAX_LISTED_VALUES]) + (f" and {extra} more" if extra > 0 else "")


def _listed(items: Sequence[tuple[str, int]], column: str) -> str:
    return _some([f"{_shown(value, column)} ({rows})" for value, rows in items])


def _values_phrase(column: str, counts: Sequence[tuple[str, int]], query: TableQuery, tables: Sequence[int],
                   total: int, without: int, refs: Mapping[str, int] | None = None) -> str:
    """What the value counts say, most telling first: the extreme for "most"/"fewest", the focus values, or all.
    `refs`: how many references the rows of each value cite, told beside the focus values (a row may cite several
    studies: "Rat 4 of 10 (11 references)")."""
    unit = _unit(tables, 2)
    missing = f"; no {column} recorded: {without}" if without else ""
    if not counts:
        return f"no {column} recorded"
    if query.order and not query.focus:
        extreme = counts[0][1]
        tied = [value for value, rows in counts if rows == extreme]
        rest = counts[len(tied):]
        verb = "has" if len(tied) == 1 else "have"
        each = f"{extreme} of {total}" if len(tied) == 1 else f"{extreme} each, of {total}"
        names = [_shown(value, column) for value in tied]
        lead = f"{_some(names, ' and ') if len(names) <= 2 else _some(names)} {verb} the {query.order} {unit} by {column} ({each})"
        return lead + (f"; then {_listed(rest, column)}" if rest else "") + missing
    if query.focus:
        focus, rest = counts[: len(query.focus)], counts[len(query.focus):]
        cited = {value: f" ({_references(count)})" for value, count in (refs or {}).items()}
        shown = ", ".join(f"{_shown(value, column)} {rows} of {total}{cited.get(value, '')}" for value, rows in focus)
        return _leader(focus, rest, query, column, refs) + f"by {column}: {shown}" \
            + (f" (others: {_listed(rest, column)})" if rest else "") + missing
    return f"{len(counts)} {_plural(column, len(counts))}: {_listed(counts, column)}" + missing


def _plural(column: str, count: int) -> str:
    """'country' → 'countries', 'MSC source' → 'MSC sources', 'modeling' → 'models', 'disease/syndrome' →
    'diseases/syndromes'; 'species' and 'therapeutics' stay; one of them stays singular."""
    if count == 1:
        return column
    if "/" in column:
        return "/".join(_plural(part, count) for part in column.split("/"))
    if column.endswith("ing"):
        return column[:-3] + "s"
    return plural(column, count)


def plural(noun: str, count: int) -> str:
    """A noun (its last word) for `count` things: 'approach' → 'approaches', 'study' → 'studies'; plurals stay."""
    if count == 1 or noun.endswith("s"):
        return noun
    if noun.endswith(("ch", "sh", "x", "z")):
        return noun + "es"
    return noun[:-1] + "ies" if re.search(r"[^aeiou]y$", noun) else noun + "s"


def _leader(focus: Sequence[tuple[str, int]], rest: Sequence[tuple[str, int]], query: TableQuery, column: str,
            refs: Mapping[str, int] | None) -> str:
    """"Rat has more — ": of the values set against each other, the one with more (or fewer) rows, and between equal
    rows the one whose rows cite more (or fewer) studies; "" when not asked or when they are level. One value asked
    about ("is busulfan the most common?") is set against the rest: "Busulfan has the most — "."""
    if query.order not in ("most", "fewest") or not focus:
        return ""
    if len(focus) == 1:
        (value, rows), others = focus[0], [count for _, count in rest]
        most = query.order == "most"
        first = not others or (rows >= max(others) if most else rows <= min(others))
        return f"{_shown(value, column)} {'has' if first else 'does not have'} the {query.order} — "
    weight = lambda item: (item[1], (refs or {}).get(item[0], 0))  # noqa: E731
    ranked = sorted(focus, key=weight, reverse=query.order == "most")
    if weight(ranked[0]) == weight(ranked[1]):
        return ""
    return f"{_shown(ranked[0][0], column)} has {'more' if query.order == 'most' else 'fewer'} — "


def _values_recorded(query: TableQuery, table: TypedTable) -> str:
    """What the table does record, when a value asked for matches no row ("phase 3": phases 1, 1&2, 2 and 4)."""
    asked = [c for c in query.conditions if c.values and not c.negated and table.number in FIELD_COLUMNS.get(c.field, {})]
    if not asked:
        return ""
    # With several conditions, the last one asked (a follow-up's "any in rats?") among the rows the others keep:
    # "recipient species recorded where therapeutics = Exosome: Mouse (3)".
    column = FIELD_COLUMNS[asked[-1].field][table.number]
    others = [(c, FIELD_COLUMNS[c.field][table.number]) for c in query.conditions
              if c is not asked[-1] and table.number in FIELD_COLUMNS.get(c.field, {})]
    kept = [row for row in table.rows if all(c.matches(row.column_values(col)) for c, col in others)]
    counts = _tally(row.categories(column) for row in kept)
    if not counts:
        return ""
    where = " where " + ", ".join(f"{_lower(col)} {c.describe()}" for c, col in others) if others else ""
    return f"; {_lower(column)} recorded{where}: {_listed(counts, column)}"


# A side of a comparison is told by each other column's commonest values, this many of them ("country China (6),
# Egypt (4)"); dates, phases, codes and references tell little of a side.
_PROFILE_VALUES = 2
_UNPROFILED = frozenset({"Date", "Phase", "CT code", "References", "Reference"})


def _profile(table: TypedTable, rows: Sequence, skip: set[str]) -> str:
    """Rows described by the commonest values of their other columns."""
    if not rows:
        return "(none)"
    described = []
    for column in table.columns:
        counts = _tally(row.categories(column) for row in rows) if column not in skip | _UNPROFILED else ()
        if counts:
            described.append(f"{_lower(column)} {_listed(counts[:_PROFILE_VALUES], column)}")
    return f"({_size(table.number, len(rows), len(_unique_refs(row.refs for row in rows)))}): " + "; ".join(described)


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
    described = "".join(f", {_lower(column)} {c.describe()}" for c, column in tested)
    if query.untestable:
        matched = []
        reason = _untestable_note(query, (table.number,))
    else:
        matched = [row for row in table.rows if all(c.matches(row.column_values(column)) for c, column in tested)]
        reason = ""
    dated = query.order in ("earliest", "latest") and "Date" in table.columns
    if dated:  # "the oldest trial": rows ordered by date, the first named in the summary
        matched.sort(key=lambda row: row.column_values("Date") or ("9999",), reverse=query.order == "latest")
    focus_column = FIELD_COLUMNS.get(query.values_field or "", {}).get(table.number)
    if query.focus and focus_column:
        # "are any of them done yet?": the rows of the value singled out come first; "allo vs xeno — which were xeno?":
        # those of the value asked about again.
        first = set(query.listed or query.focus)
        matched.sort(key=lambda row: not set(row.categories(focus_column)) & first)
    # The rows of the values asked about again, or of the one value singled out ("did any of them use lead?"), when they
    # are some of the rows.
    asked_about = set(query.listed or (query.focus if len(query.focus) == 1 else ()))
    singled = sum(1 for row in matched if set(row.categories(focus_column)) & asked_about) if focus_column else 0
    listed_rows = singled if singled < len(matched) else 0
    row_refs = tuple(row.refs for row in matched)
    refs = _unique_refs(row_refs)
    summary = f"{table.name}{described}: {_size(table.number, len(matched), len(refs))}{reason}"
    if dated and matched:
        first = dict(zip(table.columns, matched[0].cells))
        word = "oldest" if query.order == "earliest" else "newest"
        summary += f"; the {word} is {first.get('CT code', '')} ({first['Date']}, {first.get('Country', '')})"
    value_counts: tuple[tuple[str, int], ...] = ()
    values_column = FIELD_COLUMNS.get(query.values_field or "", {}).get(table.number)
    split_column = FIELD_COLUMNS.get(query.split[0], {}).get(table.number) if query.split else None
    if query.intent == "values" and values_column and split_column and not query.untestable:
        # "do the azoospermia and erectile dysfunction trials differ in cell source?": each group's own counts.
        value_counts = _arranged(_tally(row.categories(values_column) for row in matched), query)
        groups = []
        for value in query.split[1]:
            own = [row for row in matched if value in row.categories(split_column)]
            counts = _tally(row.categories(values_column) for row in own)
            groups.append(f"{value} ({_size(table.number, len(own), len(_unique_refs(row.refs for row in own)))}): "
                          f"{_listed(counts, _lower(values_column)) if counts else 'none'}")
        summary += f"; {_lower(values_column)} by {_lower(split_column)}: " + "; ".join(groups)
    elif query.intent == "values" and values_column and not query.untestable:
        value_counts = _arranged(_tally(row.categories(values_column) for row in matched), query)
        without = sum(1 for row in matched if not row.column_values(values_column))
        refs_of: dict[str, set[int]] = {}
        for row in matched:
            for value in row.categories(values_column):
                refs_of.setdefault(value, set()).update(row.refs)
        cited = {value: len(found) for value, found in refs_of.items()} if table.number != 4 else None  # a trial is one study
        summary += "; " + _values_phrase(_lower(values_column), value_counts, query, (table.number,), len(matched), without, cited)
        if query.side_by_side and len(query.focus) > 1 and not query.order:
            # "female vs male trials": the values set against each other, side by side, by what else their rows record.
            skip = {values_column, *(column for _, column in tested)}
            summary += "".join(f". {value} {_profile(table, [row for row in matched if value in row.categories(values_column)], skip)}"
                               for value in query.focus)
    elif not matched and not query.untestable:
        summary += _values_recorded(query, table)
    return TableResult(
        name=table.name, tables=(table.number,), conditions=applied, columns=table.columns,
        rows=tuple(row.cells for row in matched), row_ids=tuple((row.table, row.index) for row in matched),
        row_refs=row_refs, count=len(matched), refs=refs,
        summary=summary + ".", value_counts=value_counts, untestable=query.untestable, query=query, listed_rows=listed_rows,
    )


def _combine(query: TableQuery, shown: Sequence[TableResult]) -> TableResult:
    """Several tables answered at once: rows become (table, entry) pairs; the parts keep their own columns."""
    conditions = {c.field: _condition_value(c) for c in query.conditions}
    described = "".join(f", {c.field} {c.describe()}" for c in query.conditions)
    count = sum(part.count for part in shown)
    rows = tuple((f"Table {part.tables[0]}", "; ".join(f"{col}: {cell}" for col, cell in zip(part.columns, cells)))
                 for part in shown for cells in part.rows)
    row_refs = tuple(refs for part in shown for refs in part.row_refs)
    each = "; ".join(f"Table {part.tables[0]}: {_size(part.tables[0], part.count, len(part.refs))}" for part in shown)
    numbers = tuple(part.tables[0] for part in shown)
    note = _untestable_note(query, numbers) if query.untestable else ""
    summary = f"Tables {', '.join(map(str, numbers))}{described}: {count} rows ({each}){note}"
    value_counts: tuple[tuple[str, int], ...] = ()
    if query.intent == "values" and query.values_field:
        merged: dict[str, int] = {}
        for part in shown:
            for value, rows_with in part.value_counts:
                merged[value] = merged.get(value, 0) + rows_with
        value_counts = _arranged(tuple(sorted(merged.items(), key=lambda item: -item[1])), query)
        if query.split and not any(query.split[0] in FIELD_COLUMNS and part.tables[0] in FIELD_COLUMNS[query.split[0]]
                                   for part in shown):
            # "male vs female germ cells": the groups compared are the tables themselves (Tables 1 and 2).
            summary += f"; {query.values_field} by table: " + "; ".join(
                f"{part.name} ({_size(part.tables[0], part.count, len(part.refs))}): {_listed(part.value_counts, query.values_field)}"
                for part in shown)
        else:
            summary += "; " + _values_phrase(query.values_field, value_counts, query, numbers, count, 0)
    return TableResult(
        name=" + ".join(part.name for part in shown), tables=numbers, conditions=conditions,
        columns=("Table", "Entry"), rows=rows, row_ids=tuple(row_id for part in shown for row_id in part.row_ids),
        row_refs=row_refs, count=count, refs=_unique_refs(row_refs),
        summary=summary + ".", value_counts=value_counts, parts=tuple(shown), query=query,
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
            summary=f"No table of the review records all of: {described or 'these conditions'}.", query=query,
        )
    parts = [_answer_one(query, table) for table in chosen]
    shown = [part for part in parts if part.count] or parts
    return shown[0] if len(shown) == 1 else _combine(query, shown)


def column_tallies(tables: Sequence[Table], number: int, fields: Sequence[str]) -> str:
    """The values of some columns of one table, each counted over its rows ("modeling: Busulfan (11), Torsion (3);
    recipient species: Rat (10), …"): what a table holds, in a line."""
    table = next((type_table(t) for t in tables if t.number == number), None)
    if table is None:
        return ""
    lines = []
    for field in fields:
        column = FIELD_COLUMNS.get(field, {}).get(number)
        counts = _tally(row.categories(column) for row in table.rows) if column else ()
        if counts:
            lines.append(f"{_lower(column)}: {_listed(counts, column)}")
    return "; ".join(lines)


def quoted_rows(table: Table, rows: Sequence[TableRow]) -> TableResult:
    """Rows of one table that an answer quotes (not the result of a table query)."""
    row_refs = tuple(row.refs for row in rows)
    refs = _unique_refs(row_refs)
    return TableResult(
        name=table.name, tables=(table.number,), conditions={}, columns=table.columns,
        rows=tuple(tuple(value for _, value in row.cells) for row in rows), row_ids=tuple((row.table, row.index) for row in rows),
        row_refs=row_refs, count=len(rows), refs=refs, summary=f"{table.name}: {_size(table.number, len(rows), len(refs))}.",
    )


def to_json(result: TableResult) -> dict:
    data: dict[str, Any] = {
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
    if result.query is not None:
        data["query"] = result.query.to_dict()
    return data

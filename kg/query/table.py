"""A query answer as typed columns of plain Python values, and the CSV and terminal tables ``glamkg query run``
writes from them, without importing pandas (a third of every query command's start-up).

The typing is :mod:`kg.query.results`' (integers, decimals, booleans, dates, points split into ``_lon`` and
``_lat``, language tags in ``_lang``, entity IRIs shortened to ids), and the text written is the DataFrame
path's, byte for byte: ``DataFrame.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S")`` and the cells of the
terminal table. An answer with something this module does not write the same way (a date that is not a
UTC dateTime to the second between the years 1000 and 9999, no variables at all) gives None from
:func:`from_columns`, and the caller takes the DataFrame path; so does every other output (JSON, Parquet, a
table written to a file). ``tests/test_query_table.py`` compares both paths' bytes on every saved query.

    >>> from kg.query.terms import Col
    >>> t = from_columns(["n", "when"], [Col(["int", None], ["3", None]),
    ...                                  Col(["date", "date"], ["2020-01-02T03:04:05Z", "1999-12-31T00:00:00Z"])], 2)
    >>> print(t.csv(), end="")
    n,when
    3,2020-01-02T03:04:05
    ,1999-12-31T00:00:00
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kg.query.terms import POINT_RE, Col, canonical_point, int64_values

_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass
class Table:
    """Columns of plain values (None = missing), each with its kind: ``int``, ``float``, ``bool``, ``date``
    or ``string``."""

    names: list[str]
    kinds: list[str]
    columns: list[list[Any]]
    nrows: int

    def __len__(self) -> int:
        return self.nrows

    def select(self, renames: Mapping[str, str], drop: Sequence[str]) -> Table:
        """Without the ``drop`` columns, and with ``renames`` (old -> new) applied."""
        keep = [i for i, n in enumerate(self.names) if n not in set(drop)]
        return Table(
            [renames.get(self.names[i], self.names[i]) for i in keep],
            [self.kinds[i] for i in keep],
            [self.columns[i] for i in keep],
            self.nrows,
        )

    def _text(self, kind: str, value: Any, *, terminal: bool) -> str:
        if value is None or (kind == "float" and math.isnan(value)):
            return ""
        if kind == "date":
            return str(value) if terminal else value.strftime(_DATE_FORMAT)
        return repr(value) if kind == "float" else str(value)

    def rows(self, *, terminal: bool = False) -> Iterator[list[str]]:
        """Each row's cells as text, as the DataFrame path writes them (``terminal``: as the table shows them)."""
        texts = self._text
        cols = list(zip(self.kinds, self.columns, strict=True))
        for r in range(self.nrows):
            yield [texts(kind, col[r], terminal=terminal) for kind, col in cols]

    def csv(self) -> str:
        """The CSV text of ``DataFrame.to_csv`` (the csv module's), built a column at a time: each column's
        cells are made by one comprehension and a cell is quoted by the csv module only when it needs it
        (93,000 rows of the map: 0.34 -> 0.1 s)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.names)
        if len(self.names) < 2:  # a row of one empty cell is written '""': leave that to the csv module
            writer.writerows(self.rows())
            return buf.getvalue()
        columns = [_csv_cells(_cells(kind, col)) for kind, col in zip(self.kinds, self.columns, strict=True)]
        if self.nrows:
            buf.write("\n".join(map(",".join, zip(*columns, strict=True))))
            buf.write("\n")
        return buf.getvalue()


def _cells(kind: str, values: list[Any]) -> list[str]:
    """A column's cells as :meth:`Table._text` writes them for a file (one comprehension, no call per cell)."""
    if kind == "string":
        return ["" if v is None else v for v in values]
    if kind == "float":
        return ["" if v is None or v != v else repr(v) for v in values]  # v != v: NaN
    if kind == "date":
        texts = {v: v.strftime(_DATE_FORMAT) for v in set(values) if v is not None}
        return ["" if v is None else texts[v] for v in values]
    return ["" if v is None else str(v) for v in values]


_CSV_SPECIAL = re.compile(r'[,"\r\n]')  # a cell with none of these is written as it is (QUOTE_MINIMAL)


def _csv_cells(cells: list[str]) -> list[str]:
    """The cells as the csv module writes them: the few that may need quotes are written by it, one by one."""
    if not _CSV_SPECIAL.search("\x00".join(cells)):
        return cells
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")

    def one(cell: str) -> str:
        buf.seek(0)
        buf.truncate()
        writer.writerow([cell, ""])  # two cells: a lone empty one would be quoted
        return buf.getvalue()[:-2]

    return [one(c) if _CSV_SPECIAL.search(c) else c for c in cells]


def from_columns(
    variables: Sequence[str], columns: Sequence[Col], nrows: int, *, shorten_ids: bool = True
) -> Table | None:
    """The typed :class:`Table` of an answer's columns (:func:`kg.query.terms.solution_columns`); None when one
    of them needs the DataFrame path to be written the same way."""
    if not variables:
        return None
    short = _shortener() if shorten_ids else None
    names: list[str] = []
    kinds: list[str] = []
    data: list[list[Any]] = []
    for var, col in zip(variables, columns, strict=True):
        typed = _column(var, col, short)
        if typed is None:
            return None
        for name, kind, values in typed:
            names.append(name)
            kinds.append(kind)
            data.append(values)
    return Table(names, kinds, data, nrows)


class _Shortener:
    """Entity IRIs under a known base -> their ids: ``short(iri)`` matches one (group 1 is the id)."""

    def __init__(self) -> None:
        from kg.model.ids import local_concept_base, wikidata_concept_base

        bases = (wikidata_concept_base(), local_concept_base(), "https://www.wikidata.org/entity/")
        alternatives = "|".join(re.escape(b) for b in dict.fromkeys(bases))
        self.match = re.compile(f"(?:{alternatives})([QPL][1-9][0-9]*)$").match

    def __call__(self, iri: str) -> re.Match[str] | None:
        return self.match(iri)


def _shortener() -> _Shortener:
    return _Shortener()


def _float(value: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        return math.nan


_UTC_SECOND = re.compile(r"([1-9]\d{3})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z")


def _date(value: str) -> dt.datetime | None:
    """A UTC dateTime to the second (``2020-01-02T03:04:05Z``) between the years 1000 and 9999, else None.
    (A regular expression and ``datetime(...)``: ``strptime`` took 0.17 s for 13,000 dates.)"""
    m = _UTC_SECOND.fullmatch(value)
    if m is None:
        return None
    try:
        year, month, day, hour, minute, second = map(int, m.groups())
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:  # a day or month that does not exist
        return None


def _column(var: str, col: Col, short: Any) -> list[tuple[str, str, list[Any]]] | None:
    """As :func:`kg.query.results._column`: ``(name, kind, values)`` for the variable and its helper columns."""
    kinds_list, values = col.kinds, col.values
    kinds = set(kinds_list)
    kinds.discard(None)
    if kinds == {"int"}:
        ints = int64_values(values)
        if ints is not None:
            return [(var, "int", ints)]
        kinds = {"float"}
    if kinds and kinds <= {"int", "float"}:
        return [(var, "float", [None if v is None else _float(v) for v in values])]
    if kinds == {"bool"}:
        return [(var, "bool", [None if v is None else v.strip() in ("true", "1") for v in values])]
    if kinds == {"date"}:
        parsed = {v: _date(v) for v in set(values) if v is not None}  # dates repeat (a month, a year)
        dates = [None if v is None else parsed[v] for v in values]
        if any(d is None for d, v in zip(dates, values, strict=True) if v is not None):
            return None  # the DataFrame path's general date parsing (time zones, BCE, fractions)
        return [(var, "date", dates)]
    plain_points = _plain_points(values) if kinds == {"wkt"} else None
    if kinds == {"wkt"} and plain_points is None:
        values = [canonical_point(v) for v in values]
    if short is not None and kinds == {"uri"}:
        texts = _shortened(values, short)
    elif short is not None and "uri" in kinds:
        texts = [
            v if v is None or k != "uri" else ((m := short(v)) and m.group(1)) or v
            for v, k in zip(values, kinds_list, strict=True)
        ]
    else:
        texts = list(values)
    out: list[tuple[str, str, list[Any]]] = [(var, "string", texts)]
    if plain_points is not None:
        out += [(f"{var}_lon", "float", plain_points[0]), (f"{var}_lat", "float", plain_points[1])]
    elif kinds == {"wkt"}:
        points = [None if v is None else POINT_RE.match(v) for v in values]
        for name, group in ((f"{var}_lon", 1), (f"{var}_lat", 2)):
            out.append((name, "float", [math.nan if m is None else _float(m.group(group)) for m in points]))
    if "lang" in kinds:
        out.append((f"{var}_lang", "string", list(col.langs) if col.langs is not None else [None] * len(values)))
    return out


# One pass of the regular expression engine over a whole column of points (values joined by new lines) instead of
# two matches per value: the map's 93,000 points 0.2 -> 0.06 s.
_PLAIN_POINT = re.compile(r"Point\(([-+]?[0-9.eE+-]+) ([-+]?[0-9.eE+-]+)\)\n")


def _plain_points(values: list[str | None]) -> tuple[list[float], list[float]] | None:
    """(lon, lat) of a column where every bound value is written ``Point(lon lat)`` exactly as Wikidata and the
    store write it (then its canonical form is itself: :func:`kg.query.terms.canonical_point`); None otherwise."""
    bound = [v for v in values if v is not None]
    if not bound:
        return None
    text = "\n".join(bound) + "\n"
    found = _PLAIN_POINT.findall(text)
    # every character in a match, one match per value: each value is one point, nothing else
    if len(found) != len(bound) or sum(len(x) + len(y) for x, y in found) + 9 * len(found) != len(text):
        return None
    pairs = iter(found)
    lon: list[float] = []
    lat: list[float] = []
    for v in values:
        if v is None:
            lon.append(math.nan)
            lat.append(math.nan)
        else:
            x, y = next(pairs)
            lon.append(_float(x))
            lat.append(_float(y))
    return lon, lat


def _shortened(values: list[str | None], short: _Shortener) -> list[str | None]:
    """A column of IRIs with entity IRIs shortened to ids; each distinct IRI once when they repeat (a class or a
    country per row)."""
    distinct = set(values)
    if 2 * len(distinct) > len(values):
        return [v if v is None else ((m := short(v)) and m.group(1)) or v for v in values]
    ids = {v: v if v is None else ((m := short(v)) and m.group(1)) or v for v in distinct}
    return [ids[v] for v in values]

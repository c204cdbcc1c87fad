"""Recipes of the ordered derived tables (:mod:`kg.query.derived`): for a saved query whose answer is ordered,
limited or filtered by a parameter that is not a variable of its answer, how its rows are kept beside the store
and answered for any parameter values.

A recipe is written for one text of its saved query (:attr:`Recipe.sha256`, of the ``.rq`` file as it is): an
edited query is asked of the engine. Its **base** is that text with its label lookups removed, projecting the
answer's other variables and the recipe's extra columns, with the recipe's edits applied (a parameter's
``FILTER`` replaced by ``BIND``\\s the engine computes for every row) and every ``LIMIT`` removed (through the
query's ``limit`` parameter): the engine answers it once per store generation, rows in its ``ORDER BY`` order.
An answer is then the base's rows that the parameters keep (:attr:`Recipe.keep` for the recipe's parameters,
a bound IRI for a variable of the answer), in the same order, the first ``LIMIT`` of them, with their labels,
then the first ``LIMIT`` again (a row per label, as the engine's ``OPTIONAL`` gives).

Each recipe's ``keep`` evaluates its ``FILTER`` exactly as SPARQL does, errors included (an error drops the row).
A table is kept only when its ordered date columns hold dates of one form (:func:`one_date_form`: what Wikidata,
a load and the demo write): a mix is ordered by the engine in a way rows left out can change, so it answers;
``tests/test_derived_recipes.py`` compares every recipe's answers with the engine's, whole, for several parameter
values, on a demo store and on a hand-made one with the cases that differ (no end, two starts, an end before the
start, a date that is not one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.query.terms import DATE_RE, Col

XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

#: rows of a base (its columns) and the parameters' terms -> which rows are kept, or None (the engine answers)
Keep = Callable[[Mapping[str, Col], Mapping[str, list[Any]]], Callable[[int], bool] | None]


@dataclass(frozen=True)
class Recipe:
    name: str
    sha256: str  # of the saved query's text (the .rq file as it is) this recipe was written and tested for
    edits: tuple[tuple[str, str], ...] = ()  # (found once in the text, replaced by), in order
    extra: tuple[str, ...] = ()  # the base's columns for ``keep``, not in the answer
    params: frozenset[str] = field(default_factory=frozenset)  # the variables ``keep`` takes
    keep: Keep | None = None
    #: ORDER BY columns of dates whose values must all have one form (:func:`one_date_form`), else no table is kept
    dates: tuple[str, ...] = ()


def one_date_form(col: Col) -> bool:
    """Whether every value is a date of one lexical form: all with a time of day or none, all with a timezone or
    none. Oxigraph orders such values by their value, consistently; an ``xsd:date`` beside an ``xsd:dateTime``, or
    a value with a timezone beside one without, is ordered by its text, and a sort of such a mix may put rows in
    another order when other rows (those a filter drops) are beside them. Only then is the engine's order the
    base's order with rows left out."""
    forms = set()
    for kind, value in zip(col.kinds, col.values, strict=True):
        if kind is None:
            continue
        m = DATE_RE.match(value or "") if kind == "date" else None
        if m is None:
            return False
        forms.add((m.group(5) is None, m.group(9) is None))
    return len(forms) <= 1


def _year_of(col: Col, i: int) -> int | None:
    """An integer cell (``YEAR``'s answer), or None: unbound (``YEAR`` of something that is not a date)."""
    value = col.values[i]
    if col.kinds[i] != "int" or value is None:
        return None
    return int(value)


def _active_in(base: Mapping[str, Col], bound: Mapping[str, list[Any]]) -> Callable[[int], bool] | None:
    """``FILTER(YEAR(?start) <= COALESCE(?year, 2020) && (!BOUND(?end) || YEAR(?end) >= COALESCE(?year, 2020)))``.

    An error (``YEAR`` of a value that is not a date) is false in ``||`` only when the other side is true, and
    drops the row otherwise: a start that is not a date drops it; an end that is not one drops it (``!BOUND``
    is then false)."""
    terms = bound.get("year")
    if terms is None:
        year = 2020
    elif len(terms) == 1 and isinstance(terms[0], ox.Literal) and terms[0].datatype.value == XSD_INTEGER:
        year = int(terms[0].value)
    else:
        return None
    starts, ends, end = base["startYear"], base["endYear"], base["end"]

    def keep(i: int) -> bool:
        first = _year_of(starts, i)
        if first is None or first > year:
            return False
        if end.kinds[i] is None:
            return True
        last = _year_of(ends, i)
        return last is not None and last >= year

    return keep


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "partnerships_active_in_year",
            "d515e0f02d8e369c2cff92c39b28638a8be3caedf3fa9b286e90134bcc5fd4e4",
            edits=(
                ("      FILTER(YEAR(?start) <= COALESCE(?year, 2020) && (!BOUND(?end) || YEAR(?end) >= "
                 "COALESCE(?year, 2020)))\n", ""),
                ("\n}\nORDER BY ",
                 "\n  BIND(YEAR(?start) AS ?startYear)\n  BIND(YEAR(?end) AS ?endYear)\n}\nORDER BY "),
            ),
            extra=("startYear", "endYear"),
            params=frozenset({"year"}),
            keep=_active_in,
            dates=("start",),
        ),
        Recipe("institutions_oldest_per_country", "1c78e81b4940f4e97cd33e2df24338daf9a5ceffabd5ec8f36fb0c1f844de452",
               dates=("inception",)),
        Recipe("quality_institutions_missing_isil", "1c106a278a947bbc295b7fab38a3e51d669cec9f1d7638808e1c2dc15b9c767b"),
    )
}

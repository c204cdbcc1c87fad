"""Do two engines give the same answer to a query? Rows as `glamkg query run --format json` prints them.

- the same columns and the same rows, in any order, unless the query orders them: then also the same sequence
  of the ORDER BY keys (only the keys: rows that tie on them may come in any order, on any engine);
- numbers compared as numbers (3 == 3.0: an engine may type an average xsd:decimal, another xsd:double), floats
  with a relative tolerance; everything else exactly.

    >>> differences([{"n": 1.0}], [{"n": 1}], order=[])
    []
    >>> differences([{"n": 1}], [{"n": 2}], order=[])
    ['rows differ: 1 only here, 1 only there; first only here: {"n": 1.0}, first only there: {"n": 2.0}']
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from kg.query.sparql_text import tokenize

REL_TOL = 1e-9


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _close(a: Any, b: Any) -> bool:
    if _number(a) and _number(b):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    return bool(a == b)


def _canonical(row: dict[str, Any]) -> str:
    """A sort key that puts numbers within the tolerance side by side (6 significant digits)."""
    return json.dumps({k: float(f"{v:.6g}") if _number(v) else v for k, v in row.items()}, sort_keys=True)


def order_keys(query: str) -> list[str]:
    """The variables the outermost ORDER BY sorts by, up to its first key that is not a plain variable
    (``ORDER BY DESC(?n) ?country`` -> n, country; ``ORDER BY xsd:integer(...) ?type`` -> none)."""
    tokens = tokenize(query)
    depth, start = 0, None
    for i, t in enumerate(tokens):
        if t.text in "{}" and t.kind == "punct":
            depth += 1 if t.text == "{" else -1
        elif depth == 0 and t.kind == "name" and t.text.upper() == "ORDER":
            start = i + 2  # ORDER BY
    if start is None:
        return []
    keys: list[str] = []
    i = start
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "var":
            keys.append(t.text[1:])
            i += 1
        elif t.kind == "name" and t.text.upper() in ("ASC", "DESC") and i + 3 < len(tokens) \
                and tokens[i + 2].kind == "var" and tokens[i + 3].text == ")":
            keys.append(tokens[i + 2].text[1:])
            i += 4
        else:
            break
    return keys


def differences(here: Sequence[dict[str, Any]], there: Sequence[dict[str, Any]], *, order: Sequence[str]) -> list[str]:
    """What differs between two answers (empty: the same answer)."""
    problems = []
    cols_here = sorted({k for r in here for k in r})
    cols_there = sorted({k for r in there for k in r})
    if cols_here != cols_there:
        problems.append(f"columns differ: {cols_here} here, {cols_there} there")
    a, b = sorted(here, key=_canonical), sorted(there, key=_canonical)
    same = len(a) == len(b) and all(
        r.keys() == s.keys() and all(_close(r[k], s[k]) for k in r) for r, s in zip(a, b, strict=True)
    )
    if not same:
        only_here = sorted(set(map(_canonical, a)) - set(map(_canonical, b)))
        only_there = sorted(set(map(_canonical, b)) - set(map(_canonical, a)))
        problems.append(
            f"rows differ: {len(only_here)} only here, {len(only_there)} only there"
            + (f"; first only here: {only_here[0]}" if only_here else "")
            + (f", first only there: {only_there[0]}" if only_there else "")
            + ("" if only_here or only_there else f" ({len(a)} rows here, {len(b)} there)")
        )
    keys = []
    for k in order:  # the keys up to the first one not in the answer: the order of those is checked
        if k not in cols_here:
            break
        keys.append(k)
    if keys and same:
        seq_here = [[r.get(k) for k in keys] for r in here]
        seq_there = [[r.get(k) for k in keys] for r in there]
        for n, (x, y) in enumerate(zip(seq_here, seq_there, strict=True)):
            if not all(_close(p, q) for p, q in zip(x, y, strict=True)):
                problems.append(f"order differs at row {n + 1} (ORDER BY {', '.join(keys)}): {x} here, {y} there")
                break
    return problems

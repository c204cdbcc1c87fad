"""Derived tables: the answers of a few big saved queries, kept beside the store for the generation they were
read from, so that ``glamkg query run`` and the dashboard answer them without asking the engine again.

The map (``institutions_locations``) has 93,000 rows at 100,000 institutions: Oxigraph reads every term of every
row from its dictionary (about 2 s) whatever the query's shape. Its answer for any ``country`` and ``lang`` is
the same join filtered and given labels, so the commands that write a store (demo, load, import, init) call
:func:`kg.query.derivation.refresh` after their write: it runs, through the engine, the saved query without its
label lookup and a query for every ``rdfs:label``, and keeps both (as the engine's answer columns,
:class:`kg.query.terms.Col`) in ``<store>.derived/`` with the key of the store's content they were read from:
its generation, the time of its last load, the database's identity and the last write's token (``glamkg demo``
into an empty store builds the same files from the triples it wrote: :func:`kg.query.derivation.build_from_parts`).
Three ordered queries that took about 1 s each at that size (``partnerships_active_in_year``,
``institutions_oldest_per_country``, ``quality_institutions_missing_isil``) are kept the same way, by a recipe
(:mod:`kg.query.recipes`: their rows in the engine's order, a parameter's ``FILTER`` evaluated here, the ``LIMIT``
applied here). :func:`answer` gives a query's answer from them only when

- the store it reads has that key (a write since, by any means, leaves the table unused: the engine answers);
- the saved query's text is the one the table was built from (an edited ``.rq`` file is asked of the engine);
- every parameter is ``lang`` (the labels' language), binds a variable of the answer to one IRI (``country``:
  the rows are then the join's rows with that value), is the query's ``limit`` or one its recipe evaluates.

It gives the same rows as the engine, in the same order where the query has an ``ORDER BY`` (rows that tie on
every key in any order, as the engine may); the label lookups
``OPTIONAL { ?item rdfs:label ?itemLabel . FILTER(LANG(?itemLabel) = COALESCE(?lang, "en")) }`` are answered as
SPARQL does: one row per label of that language (per combination, with two lookups), one row with the label
unbound when there is none. ``tests/test_derived.py`` and ``tests/test_derived_recipes.py`` compare both answers,
whole, for several parameter values. ``glamkg query run --no-derived`` asks the engine; the provenance of an
answer says which table gave it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.query.recipes import RECIPES, Recipe
from kg.query.terms import Col

log = logging.getLogger(__name__)

FORMAT = 2
#: the saved queries kept as derived tables: the map, and those with a recipe (kg.query.recipes)
DERIVED = ("institutions_locations", *RECIPES)
MANIFEST = "manifest.json"
# the label lookup of docs/queries.md, on a line of its own at the top level of the WHERE group
_LABEL = re.compile(
    r'^[ \t]*OPTIONAL \{ \?(?P<subject>\w+) rdfs:label \?(?P<label>\w+) \. '
    r'FILTER\(LANG\(\?(?P=label)\) = COALESCE\(\?lang, "en"\)\) \}[ \t]*\n',
    re.MULTILINE,
)
_SELECT = re.compile(r"^SELECT((?: \?\w+)+)[ \t]*$", re.MULTILINE)


def folder(path: Path) -> Path:
    """``<store>.derived``, beside the store (as its snapshots are)."""
    return path.with_name(path.name + ".derived")


def store_key(store: Any) -> dict[str, str] | None:
    """What identifies the content a store (or the snapshot a reader opened) holds; None for a store in memory."""
    if getattr(store, "path", None) is None:
        return None
    meta = store.meta()
    identity = ""
    with contextlib.suppress(OSError):
        identity = (Path(store.path) / "IDENTITY").read_text(encoding="utf-8").strip()
    return {"generation": str(meta["generation"]), "loaded_at": str(meta.get("loaded_at") or ""),
            "identity": identity, "write": str(meta.get("write_token") or "")}


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Shape:
    """A saved query split into its rows (``base``: the query without its label lookups) and its labels."""

    variables: list[str]  # the answer's, in order
    base: str  # the query without its label lookups, projecting the other variables (and a recipe's extras)
    labels: list[tuple[str, str]]  # (label variable, the variable whose label it is), in the text's order
    recipe: Recipe | None = None  # how an ordered, limited or filtered query is answered (kg.query.recipes)
    limited: bool = False  # the answer has a LIMIT (set by the query's limit parameter)


def shape(text: str, query: Any = None) -> Shape | None:
    """How a query's answer is made of a base answer and labels; None when it is not of that form: an ordered,
    grouped or limited query that has no recipe (:mod:`kg.query.recipes`) for this text, not one or more label
    lookups of the form above, ``?lang`` or a label used elsewhere. ``query``: the :class:`~kg.query.saved.SavedQuery`
    whose text (with the local base) ``text`` is; needed for its recipe."""
    from kg.query.sparql_text import limit_token, tokenize, without_limits

    select = list(_SELECT.finditer(text))
    found = [(m.group("label"), m.group("subject")) for m in _LABEL.finditer(text)]
    if len(select) != 1 or not found or len({label for label, _s in found}) != len(found):
        return None
    recipe = RECIPES.get(query.name) if query is not None else None
    if recipe is not None and text_hash(query.text) != recipe.sha256:
        return None
    names = [v[1:] for v in select[0].group(1).split()]
    labels = {label for label, _s in found}
    kept = " ".join(f"?{v}" for v in [*(v for v in names if v not in labels), *(recipe.extra if recipe else ())])
    base = _LABEL.sub("", text[: select[0].start()] + f"SELECT {kept}" + text[select[0].end():])
    limited = False
    if recipe is not None:
        for old, new in recipe.edits:
            if base.count(old) != 1:
                return None
            base = base.replace(old, new)
        limited = limit_token(base) is not None
        if limited and [p.type for p in query.params].count("limit") != 1:  # a LIMIT of the text's own: kept
            return None
        base = without_limits(base) if limited else base
    tokens = tokenize(base)
    # a recipe is tested for its text (grouped sub-selects, an order); other queries are only those of the map's form
    refused = ("LIMIT", "OFFSET", "SERVICE") if recipe else (
        "ORDER", "LIMIT", "OFFSET", "GROUP", "HAVING", "DISTINCT", "REDUCED", "SERVICE")
    if any(t.is_kw(*refused) for t in tokens):
        return None
    used = {t.varname for t in tokens if t.kind == "var"}
    params = recipe.params if recipe else frozenset()
    if "lang" in used or used & labels or used & params or not all(
            label in names and subject in names and subject not in labels for label, subject in found):
        return None
    return Shape(names, base, found, recipe, limited)


def _col(data: Mapping[str, Any], n: int) -> Col:
    kinds = data["kinds"]
    return Col([kinds] * n if not isinstance(kinds, list) else kinds, data["values"], data["langs"])


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------------------
# answering (the readers)
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    variables: list[str]
    columns: list[Col]
    nrows: int
    source: dict[str, str]  # for the provenance: the table, the store generation, when it was built


def answer(query: Any, text: str, bound: Mapping[str, list[Any]], store: Any, limited: str | None = None
           ) -> Answer | None:
    """The answer of the saved query ``query`` (its ``text`` with the local concept base,
    :func:`kg.query.saved.with_local_base`) with the values ``bound`` (:func:`kg.query.saved.bind_values`) from
    the derived table of the store's content, or None (the engine answers). ``limited``: the text with its
    ``limit`` parameter applied (:func:`kg.query.saved.with_limit`), for a query with a LIMIT."""
    if query.name not in DERIVED:
        return None
    key = store_key(store)
    if key is None:
        return None
    where = folder(Path(store.path)) / f"g{key['generation']}"
    try:
        manifest = read_json(where / MANIFEST)
        current = manifest.get("format") == FORMAT and manifest.get("key") == key
        entry = manifest["queries"].get(query.name) if current else None
        if entry is None or entry["text_sha256"] != text_hash(text):
            return None
        found = shape(text, query)
        values = _values(found, bound) if found is not None else None
        if found is None or values is None or entry.get("base_sha256") != text_hash(found.base):
            return None
        limit = _limit(limited if limited is not None else text) if found.limited else None
        variables, columns, nrows = _rows(found, values, limit, where, entry)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:  # replaced by a newer write, or damaged
        log.debug("derived table of %s not used: %s", query.name, e)
        return None
    source = {"table": query.name, "generation": key["generation"], "built_at": manifest["built_at"]}
    return Answer(variables, columns, nrows, source)


def _limit(text: str) -> int | None:
    from kg.query.sparql_text import limit_token

    found = limit_token(text)
    return None if found is None else int(found[1].text)


@dataclass(frozen=True)
class _Values:
    lang: str  # the labels' language
    filters: list[tuple[str, str]]  # (variable of the answer, the IRI it is bound to)
    recipe_terms: dict[str, list[Any]]  # the terms of the recipe's parameters (kg.query.recipes.Recipe.keep)


def _values(found: Shape, bound: Mapping[str, list[Any]]) -> _Values | None:
    """The labels' language, the (variable, IRI) filters of the parameters and the recipe's parameters; None when
    one is not of those kinds."""
    lang = None
    filters: list[tuple[str, str]] = []
    labels = {label for label, _s in found.labels}
    params = found.recipe.params if found.recipe is not None else frozenset()
    mine: dict[str, list[Any]] = {}
    for var, terms in bound.items():
        if var in params:
            mine[var] = list(terms)
            continue
        if len(terms) != 1:
            return None
        term = terms[0]
        if var == "lang" and isinstance(term, ox.Literal) and term.datatype.value.endswith("#string"):
            lang = term.value
        elif var in found.variables and var not in labels and isinstance(term, ox.NamedNode):
            filters.append((var, term.value))
        else:
            return None
    # COALESCE(?lang, "en") unbound: not what saved queries send
    return _Values(lang, filters, mine) if lang else None


def _rows(found: Shape, values: _Values, limit: int | None, where: Path,
          entry: Mapping[str, Any]) -> tuple[list[str], list[Col], int]:
    n = entry["rows"]
    base = {v: _col(c, n) for v, c in read_json(where / entry["files"]["base"]).items()}
    labels = {label for label, _s in found.labels}
    extra = found.recipe.extra if found.recipe is not None else ()
    if sorted(base) != sorted([*(v for v in found.variables if v not in labels), *extra]) or any(
            len(c.kinds) != n or len(c.values) != n or (c.langs is not None and len(c.langs) != n)
            for c in base.values()):
        raise ValueError("the derived table's columns do not match its manifest")
    rows: Any = range(n)
    for var, iri in values.filters:  # the variable bound to this IRI, as the engine's substitution does
        col = base[var]
        rows = [i for i in rows if col.values[i] == iri and col.kinds[i] == "uri"]
    if found.recipe is not None and found.recipe.keep is not None:
        keep = found.recipe.keep(base, values.recipe_terms)
        if keep is None:
            raise ValueError("a parameter the derived table does not answer")
        rows = [i for i in rows if keep(i)]
    elif values.recipe_terms:
        raise ValueError("a parameter the derived table does not answer")
    if limit is not None and len(rows) > limit:
        rows = list(rows)[:limit]
    texts: dict[str, list[Any]] = {}
    for label, _subject in found.labels:
        file = entry["files"]["labels"].get(label, {}).get(values.lang)
        mine = read_json(where / file) if file else [None] * n
        if not isinstance(mine, list) or len(mine) != n:
            raise ValueError("the derived table's labels do not match its rows")
        texts[label] = mine
    index, cells = _with_labels(rows, found.labels, texts, values.lang)
    if limit is not None and index is not None and len(index) > limit:
        index = index[:limit]
        cells = {label: (t[:limit], g[:limit]) for label, (t, g) in cells.items()}
    columns = []
    for var in found.variables:
        if var in cells:
            got, tags = cells[var]
            bound = any(t is not None for t in got)
            columns.append(Col(["lang" if t is not None else None for t in got], got, tags if bound else None))
            continue
        col = base[var]
        if index is None:  # every row, once
            columns.append(col if "lang" in col.kinds else Col(col.kinds, col.values, None))
            continue
        kinds = [col.kinds[i] for i in index]
        langs = [col.langs[i] for i in index] if col.langs is not None and "lang" in kinds else None
        columns.append(Col(kinds, [col.values[i] for i in index], langs))
    return found.variables, columns, n if index is None else len(index)


def _with_labels(rows: Any, lookups: list[tuple[str, str]], texts: Mapping[str, list[Any]], lang: str
                 ) -> tuple[list[int] | None, dict[str, tuple[list[str | None], list[str | None]]]]:
    """The rows with their labels, as ``OPTIONAL { ?s rdfs:label ?l . FILTER(LANG(?l) = ?lang) }`` for each
    lookup gives them: one row per combination of labels of the language, the label unbound where there is none.
    Returns the base row of each answer row (None: every base row once, in order) and each label's cells
    (texts, tags)."""
    whole = isinstance(rows, range)  # every row of the base, in order: nothing filtered or cut
    if not any(isinstance(texts[label][i], list) for label, _s in lookups for i in rows):  # a row each
        cells = {}
        for label, _s in lookups:
            mine = texts[label] if whole else [texts[label][i] for i in rows]
            cells[label] = (mine, [None if t is None else lang for t in mine])
        return (None if whole else list(rows)), cells
    index: list[int] = []
    out: dict[str, tuple[list[str | None], list[str | None]]] = {label: ([], []) for label, _s in lookups}
    for i in rows:
        combos: list[dict[str, tuple[str | None, str | None]]] = [{}]
        for label, _s in lookups:
            combos = [{**c, label: o} for c in combos for o in _options(texts[label][i], lang)]
        for c in combos:
            index.append(i)
            for label, (text, tag) in c.items():
                out[label][0].append(text)
                out[label][1].append(tag)
    return index, out


def _options(entry: Any, lang: str) -> list[tuple[str | None, str | None]]:
    """A row's labels in one language (as the derivation wrote them): (text, tag) each; one unbound if none."""
    if entry is None:
        return [(None, None)]
    if isinstance(entry, str):
        return [(entry, lang)]
    return [(e, lang) if isinstance(e, str) else (e[0], e[1]) for e in entry]

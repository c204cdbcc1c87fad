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
:func:`answer` gives a query's answer from them only when

- the store it reads has that key (a write since, by any means, leaves the table unused: the engine answers);
- the saved query's text is the one the table was built from (an edited ``.rq`` file is asked of the engine);
- every parameter is either ``lang`` (the labels' language) or binds a variable of the answer to one IRI
  (``country``): the rows are then the join's rows with that value, and the labels those of that language.

It gives the same rows as the engine, in another order (the query has no ``ORDER BY``); the label lookups
``OPTIONAL { ?item rdfs:label ?itemLabel . FILTER(LANG(?itemLabel) = COALESCE(?lang, "en")) }`` are answered as
SPARQL does: one row per label of that language, one row with the label unbound when there is none.
``tests/test_derived.py`` compares both answers, whole, on a demo store for several parameter values.
``glamkg query run --no-derived`` asks the engine; the provenance of an answer says which table gave it.
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

from kg.query.terms import Col

log = logging.getLogger(__name__)

FORMAT = 1
DERIVED = ("institutions_locations",)  # the saved queries kept as derived tables
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
    base: str  # the query without its label lookup, projecting the other variables
    label: str  # the label variable
    subject: str  # the variable whose label it is


def shape(text: str) -> Shape | None:
    """How a query's answer is made of a base answer and labels; None when it is not of that form (an ordered,
    grouped or limited query, not one label lookup of the form above, ``?lang`` used elsewhere)."""
    from kg.query.sparql_text import tokenize

    select = list(_SELECT.finditer(text))
    labels = {m.group("label"): m.group("subject") for m in _LABEL.finditer(text)}
    if len(select) != 1 or len(labels) != 1:
        return None
    names = [v[1:] for v in select[0].group(1).split()]
    [(label, subject)] = labels.items()
    kept = " ".join(f"?{v}" for v in names if v != label)
    base = _LABEL.sub("", text[: select[0].start()] + f"SELECT {kept}" + text[select[0].end():])
    tokens = tokenize(base)
    if any(t.is_kw("ORDER", "LIMIT", "OFFSET", "GROUP", "HAVING", "DISTINCT", "REDUCED", "SERVICE")
           for t in tokens):
        return None
    used = {t.varname for t in tokens if t.kind == "var"}
    if "lang" in used or label in used or label not in names or subject not in names:
        return None
    return Shape(names, base, label, subject)


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


def answer(query: Any, text: str, bound: Mapping[str, list[Any]], store: Any) -> Answer | None:
    """The answer of the saved query ``query`` (its ``text`` with the local concept base,
    :func:`kg.query.saved.with_local_base`) with the values ``bound`` (:func:`kg.query.saved.bind_values`) from
    the derived table of the store's content, or None (the engine answers)."""
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
        found = shape(text)
        values = _values(found, bound) if found is not None else None
        if found is None or values is None:
            return None
        lang, filters = values
        variables, columns, nrows = _rows(found, lang, filters, where, entry)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:  # replaced by a newer write, or damaged
        log.debug("derived table of %s not used: %s", query.name, e)
        return None
    source = {"table": query.name, "generation": key["generation"], "built_at": manifest["built_at"]}
    return Answer(variables, columns, nrows, source)


def _values(found: Shape, bound: Mapping[str, list[Any]]) -> tuple[str, list[tuple[str, str]]] | None:
    """The labels' language and the (variable, IRI) filters of the parameters; None when one is not of that kind."""
    lang = None
    filters: list[tuple[str, str]] = []
    for var, terms in bound.items():
        if len(terms) != 1:
            return None
        term = terms[0]
        if var == "lang" and isinstance(term, ox.Literal) and term.datatype.value.endswith("#string"):
            lang = term.value
        elif var in found.variables and var != found.label and isinstance(term, ox.NamedNode):
            filters.append((var, term.value))
        else:
            return None
    return (lang, filters) if lang else None  # COALESCE(?lang, "en") unbound: not what saved queries send


def _rows(found: Shape, lang: str, filters: list[tuple[str, str]], where: Path,
          entry: Mapping[str, Any]) -> tuple[list[str], list[Col], int]:
    n = entry["rows"]
    base = {v: _col(c, n) for v, c in read_json(where / entry["files"]["base"]).items()}
    if sorted(base) != sorted(v for v in found.variables if v != found.label) or any(
            len(c.kinds) != n or len(c.values) != n or (c.langs is not None and len(c.langs) != n)
            for c in base.values()):
        raise ValueError("the derived table's columns do not match its manifest")
    rows: Any = range(n)
    for var, iri in filters:  # the variable bound to this IRI, as the engine's substitution does
        col = base[var]
        rows = [i for i in rows if col.values[i] == iri and col.kinds[i] == "uri"]
    file = entry["files"].get(lang)
    labels: list[Any] = read_json(where / file) if file else [None] * n
    if not isinstance(labels, list) or len(labels) != n:
        raise ValueError("the derived table's labels do not match its rows")
    # OPTIONAL { ?item rdfs:label ?itemLabel . FILTER(LANG(?itemLabel) = ?lang) }: one row per label of the
    # language, one with the label unbound when there is none
    if not any(isinstance(labels[i], list) for i in rows):  # at most one label a row: the rows as they are
        index = rows if filters else None
        texts = [labels[i] for i in rows] if filters else labels
        tags = [None if t is None else lang for t in texts]
    else:
        index, texts, tags = [], [], []
        for i in rows:
            mine = labels[i]
            for label in (mine if isinstance(mine, list) else [mine]):
                text, tag = (label, lang) if isinstance(label, str) or label is None else label
                index.append(i)
                texts.append(text)
                tags.append(None if text is None else tag)
    columns = []
    for var in found.variables:
        if var == found.label:
            bound = any(t is not None for t in texts)
            columns.append(Col(["lang" if t is not None else None for t in texts], texts, tags if bound else None))
            continue
        col = base[var]
        if index is None:  # every row, once
            columns.append(col if "lang" in col.kinds else Col(col.kinds, col.values, None))
            continue
        kinds = [col.kinds[i] for i in index]
        langs = [col.langs[i] for i in index] if col.langs is not None and "lang" in kinds else None
        columns.append(Col(kinds, [col.values[i] for i in index], langs))
    return found.variables, columns, len(texts)

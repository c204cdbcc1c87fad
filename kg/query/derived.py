"""Derived tables: the answers of a few big saved queries, kept beside the store for the generation they were
read from, so that ``glamkg query run`` and the dashboard answer them without asking the engine again.

The map (``institutions_locations``) has 93,000 rows at 100,000 institutions: Oxigraph reads every term of every
row from its dictionary (about 2 s) whatever the query's shape. Its answer for any ``country`` and ``lang`` is
the same join filtered and given labels, so the commands that write a store (demo, load, import, init) call
:func:`refresh` after their write: it runs, through the engine, the saved query without its label lookups and a
query for every ``rdfs:label``, and keeps both (as the engine's answer columns, :class:`kg.query.terms.Col`) in
``<store>.derived/`` with the key of the store's content they were read from: its generation, the time of its
last load and the database's identity. :func:`answer` gives a query's answer from them only when

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
import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.i18n import _
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
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


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
            "identity": identity}


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


# --------------------------------------------------------------------------------------------------------
# building (the writers)
# --------------------------------------------------------------------------------------------------------
def refresh(path: str | Path | None = None) -> Path | None:
    """Build the derived tables of the store at ``path`` for its current content (its published snapshot),
    replacing older ones. Called by the commands that write a store, after their write; returns the folder,
    or None when there was nothing to build or it failed (logged: the queries then ask the engine)."""
    from kg.errors import GlamkgError
    from kg.store import Store

    try:
        with Store.open(path, read_only=True) as st:
            return _build(st)
    except (GlamkgError, OSError, RuntimeError, ValueError) as e:  # the write is done; the engine answers
        log.warning(_("the derived tables of the store were not built (the saved queries will ask the engine): "
                      "{error}").format(error=e))
        return None


def _build(st: Any) -> Path | None:
    from kg.query import saved

    key = store_key(st)
    if key is None:
        return None
    started = time.monotonic()
    root = folder(Path(st.path))
    texts = {name: saved.with_local_base(saved.get(name).text) for name in DERIVED}
    with contextlib.suppress(OSError, ValueError):
        done = _read(root / f"g{key['generation']}" / MANIFEST)
        if done.get("format") == FORMAT and done.get("key") == key and {
            n: q.get("text_sha256") for n, q in done.get("queries", {}).items()
        } == {n: text_hash(t) for n, t in texts.items()}:
            return root / f"g{key['generation']}"  # up to date (a write that changed nothing)
    root.mkdir(exist_ok=True)
    tmp = root / f".tmp-{key['generation']}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    manifest: dict[str, Any] = {"format": FORMAT, "key": key, "queries": {},
                                "built_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    labels: dict[str, dict[str, list[Any]]] | None = None
    for name, text in texts.items():
        found = shape(text)
        if found is None:
            log.warning(_("saved query {name} is not of the form a derived table answers: the engine answers "
                          "it").format(name=name))
            continue
        variables, columns, nrows = _select(st, found.base)
        base = dict(zip(variables, columns, strict=True))
        subjects = [_subject_key(base[found.subject], i) for i in range(nrows)]
        if None in subjects:  # an OPTIONAL on an unbound subject matches every label: not kept
            log.warning(_("saved query {name} has rows without the item whose label it shows: the engine "
                          "answers it").format(name=name))
            continue
        if labels is None:
            labels = _labels(st)
        files = {"base": f"{name}.base.json"}
        _write(tmp / files["base"], {v: _col_json(c) for v, c in base.items()})
        for lang, by_subject in labels.items():  # a list beside the rows: each row's labels in that language
            files[lang] = f"{name}.labels.{len(files)}.json"
            _write(tmp / files[lang], [_entry(by_subject.get(s)) for s in subjects])  # type: ignore[arg-type]
        manifest["queries"][name] = {"text_sha256": text_hash(text), "rows": nrows, "files": files}
    _write(tmp / MANIFEST, manifest)
    target = root / f"g{key['generation']}"
    if target.exists():  # built again for the same content: the new one replaces it
        os.rename(target, root / f".old-{key['generation']}-{os.getpid()}")
    os.rename(tmp, target)
    for entry in root.iterdir():  # older generations and leftovers: a reader with a file open keeps reading it
        if entry != target and not (entry.name.startswith(".tmp-") and _alive(entry.name)):
            shutil.rmtree(entry, ignore_errors=True)
    log.info(_("derived tables for store generation {generation} built in {seconds} s").format(
        generation=key["generation"], seconds=f"{time.monotonic() - started:.1f}"))
    return target


def _alive(tmp_name: str) -> bool:
    """Whether the process that is building ``.tmp-<generation>-<pid>`` still runs."""
    pid = tmp_name.rsplit("-", 1)[-1]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _select(st: Any, text: str) -> tuple[list[str], list[Col], int]:
    from kg.query import wdqs
    from kg.query.terms import solution_columns

    res, _tr = wdqs.query_local(st.inner, text)
    return solution_columns(res)


def _labels(st: Any) -> dict[str, dict[str, list[Any]]]:
    """Every ``rdfs:label`` with a language: ``LANG`` (as the engine gives it) -> subject -> its labels, each the
    lexical form, or [lexical form, tag] where the literal's tag is written otherwise (a direction)."""
    _, (subjects, labels, langs), nrows = _select(
        st, f"SELECT ?s ?label ?lang WHERE {{ ?s <{_RDFS_LABEL}> ?label . BIND(LANG(?label) AS ?lang) }}")
    out: dict[str, dict[str, list[Any]]] = {}
    tags = labels.langs or [None] * nrows
    for i in range(nrows):
        lang, tag, key = langs.values[i], tags[i], _subject_key(subjects, i)
        if labels.kinds[i] == "lang" and lang and tag and key is not None:
            value = labels.values[i] or ""
            out.setdefault(lang, {}).setdefault(key, []).append(value if tag == lang else [value, tag])
    return out


def _entry(labels: list[Any] | None) -> Any:
    """A row's labels in one language: None (none), the text (one, tagged as ``LANG`` gives it) or a list of
    texts and [text, tag] pairs."""
    return labels[0] if labels is not None and len(labels) == 1 and isinstance(labels[0], str) else labels


def _subject_key(col: Col, i: int) -> str | None:
    kind, value = col.kinds[i], col.values[i]
    return None if kind is None or value is None else f"{kind} {value}"


def _col_json(col: Col) -> dict[str, Any]:
    kinds: Any = col.kinds[0] if col.kinds and all(k == col.kinds[0] for k in col.kinds) else col.kinds
    return {"kinds": kinds, "values": col.values, "langs": col.langs}


def _col(data: Mapping[str, Any], n: int) -> Col:
    kinds = data["kinds"]
    return Col([kinds] * n if not isinstance(kinds, list) else kinds, data["values"], data["langs"])


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _read(path: Path) -> Any:
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


def answer(query: Any, bound: Mapping[str, list[Any]], store: Any) -> Answer | None:
    """The answer of the saved query ``query`` with the values ``bound`` (:func:`kg.query.saved.bind_values`)
    from the derived table of the store's content, or None (the engine answers)."""
    from kg.query.saved import with_local_base

    if query.name not in DERIVED:
        return None
    key = store_key(store)
    if key is None:
        return None
    where = folder(Path(store.path)) / f"g{key['generation']}"
    text = with_local_base(query.text)
    try:
        manifest = _read(where / MANIFEST)
        entry = manifest["queries"].get(query.name) if manifest.get("key") == key else None
        if entry is None or entry["text_sha256"] != text_hash(text):
            return None
        found = shape(text)
        values = _values(found, bound) if found is not None else None
        if found is None or values is None:
            return None
        lang, filters = values
        variables, columns, nrows = _rows(found, lang, filters, where, entry)
    except (OSError, ValueError, KeyError, TypeError) as e:  # replaced by a newer write meanwhile, or damaged
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
    base = {v: _col(c, n) for v, c in _read(where / entry["files"]["base"]).items()}
    rows: Any = range(n)
    for var, iri in filters:  # the variable bound to this IRI, as the engine's substitution does
        col = base[var]
        rows = [i for i in rows if col.values[i] == iri and col.kinds[i] == "uri"]
    file = entry["files"].get(lang)
    labels: list[Any] = _read(where / file) if file else [None] * n
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

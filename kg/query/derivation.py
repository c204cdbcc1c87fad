"""Building the derived tables (:mod:`kg.query.derived`): what the commands that write a store call after their
write (:func:`refresh`). It asks the engine, on the store's published content, for each derived query without its
label lookup and for every language-tagged ``rdfs:label``, and keeps both in ``<store>.derived/g<generation>/``
(written beside it, then renamed into place; older generations are deleted).

A writer that knows every triple it wrote into an empty store (``glamkg demo``) builds them instead from those
triples (:func:`map_part`, :func:`build_from_parts`: the same files, without asking the engine again), for the
queries of :data:`FROM_TRIPLES` whose text is the one that evaluation was checked against."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

from kg.i18n import _
from kg.query.derived import DERIVED, FORMAT, MANIFEST, Shape, folder, read_json, shape, store_key, text_hash
from kg.query.recipes import one_date_form
from kg.query.terms import Col, tsv_column, tsv_term

log = logging.getLogger(__name__)
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_WDT = "http://www.wikidata.org/prop/direct/"

#: The saved queries :func:`build_from_parts` answers, each with the sha256 of the saved text its evaluation
#: (:func:`_map_rows`) was written for and is tested against (tests/test_derived.py compares it with the
#: engine's): an edited query is built by the engine (:func:`refresh`).
FROM_TRIPLES = {"institutions_locations": "98d64333798a937e7966476807afce44dd30a0daeb7b0957365a413487239f7d"}
#: The predicates of the lines map_part reads: the map's wdt:P31, wdt:P17, wdt:P625 and rdfs:label (a writer gives
#: map_part_of its triples of these, kg.rdf.columns.ntriples_parts_with)
MAP_PREDICATES = frozenset({_WDT + "P31", _WDT + "P17", _WDT + "P625", _RDFS_LABEL})
_MAP_PREDICATE = re.compile(
    rb"> <(http://www\.wikidata\.org/prop/direct/P(?:31|17|625)|http://www\.w3\.org/2000/01/rdf-schema#label)> ")
_VALUES_TYPE = re.compile(r"VALUES \?type \{([^}]*)\}")
_PREFIX = re.compile(r"^PREFIX (\w*): <([^>]*)>", re.MULTILINE)


def refresh(path: str | Path | None = None) -> Path | None:
    """Build the derived tables of the store at ``path`` for its current content (its published snapshot),
    replacing older ones. Called by the commands that write a store, after their write; returns the folder,
    or None when there was nothing to build, ``$GLAMKG_DERIVED_TABLES`` is ``off``, or it failed (logged: the
    queries then ask the engine)."""
    from kg.errors import GlamkgError
    from kg.store import Store

    if not tables_on():
        return None
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
    queries = {name: saved.get(name) for name in DERIVED}
    texts = {name: saved.with_local_base(q.text) for name, q in queries.items()}
    found = {name: shape(text, queries[name]) for name, text in texts.items()}  # once per build
    if _up_to_date(root / f"g{key['generation']}", key, texts, found):
        return root / f"g{key['generation']}"  # a write that changed nothing
    # the labels and each query's rows asked of the engine two at a time (it lets Python run meanwhile)
    with ThreadPoolExecutor(2, thread_name_prefix="glamkg-derived") as pool:
        labels_asked = pool.submit(_labels, st)
        asked = {name: pool.submit(_select, st.inner, f.base) for name, f in found.items() if f is not None}
        labels = labels_asked.result()
        tables: dict[str, _Table] = {}
        for name, text in texts.items():
            answered = asked[name].result() if name in asked else None
            table = _table(st, name, text, found[name], labels, answered)
            if table is not None:
                tables[name] = table
    return _publish(root, key, tables, started, texts, found)


def _up_to_date(where: Path, key: dict[str, str], texts: dict[str, str], found: dict[str, Shape | None]) -> bool:
    """Whether the tables in ``where`` were built for this content (``key``) from these texts and bases: each
    query is there, or recorded as refused (its table is not kept: :func:`_table`), so that a store written again
    without a change is not asked again for a table it would refuse again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        done = read_json(where / MANIFEST)
        kept = {n: (q.get("text_sha256"), q.get("base_sha256"))
                for part in ("queries", "refused") for n, q in done.get(part, {}).items()}
        return bool(done.get("format") == FORMAT and done.get("key") == key and kept == {
            n: (text_hash(t), _base_hash(found[n])) for n, t in texts.items()})
    return False


def _table(st: Any, name: str, text: str, found: Shape | None, labels: dict[str, dict[str, list[Any]]],
           answered: tuple[list[str], list[Col], int] | None = None) -> _Table | None:
    """The derived table of one saved query (``found``: its :func:`~kg.query.derived.shape`), its base answered by
    the engine (``answered``: already); None (logged) when the query is not of a form a derived table answers, or
    its rows are not (:func:`_publish` records it as refused for this content)."""
    if found is None:
        log.warning(_("saved query {name} is not of the form a derived table answers: the engine answers "
                      "it").format(name=name))
        return None
    variables, columns, nrows = answered if answered is not None else _select(st.inner, found.base)
    base = dict(zip(variables, columns, strict=True))
    if found.recipe is not None and not all(one_date_form(base[v]) for v in found.recipe.dates):
        log.info(_("saved query {name}: its ordered dates are of several forms (dates and times, with and without "
                   "a timezone): the engine answers it").format(name=name))
        return None
    subjects: dict[str, list[str]] = {}
    for label, subject in found.labels:
        keys = [_subject_key(base[subject], i) for i in range(nrows)]
        if None in keys:  # an OPTIONAL on an unbound subject matches every label: not kept
            log.warning(_("saved query {name} has rows without the item whose label it shows: the engine "
                          "answers it").format(name=name))
            return None
        subjects[label] = [k for k in keys if k is not None]
    return text, base, subjects, labels


#: One derived table: the query's text, its base columns, each label's subject key of every row, and the labels
#: by language and subject (a list of them, or one text).
_Table = tuple[str, dict[str, Col], dict[str, list[str]], dict[str, dict[str, list[Any]]]]


def _publish(root: Path, key: dict[str, str], tables: dict[str, _Table], started: float, texts: dict[str, str],
             found: dict[str, Shape | None]) -> Path:
    """Write ``tables`` for the store content ``key`` into ``root/g<generation>`` (beside, then renamed into
    place) and remove older generations. The other queries of ``texts`` (each query's text, ``found`` its shape)
    are recorded in the manifest as refused, with their text's and base's hashes (:func:`_up_to_date`)."""
    root.mkdir(exist_ok=True)
    tmp = root / f".tmp-{key['generation']}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    manifest: dict[str, Any] = {"format": FORMAT, "key": key, "queries": {}, "refused": {
        name: {"text_sha256": text_hash(text), "base_sha256": _base_hash(found[name])}
        for name, text in texts.items() if name not in tables},
        "built_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    for name, (text, base, subjects, labels) in tables.items():
        files: dict[str, Any] = {"base": f"{name}.base.json", "labels": {}}
        _write(tmp / files["base"], {v: _col_json(c) for v, c in base.items()})
        count = 0
        for label, keys in subjects.items():
            files["labels"][label] = {}
            for lang, by_subject in labels.items():  # a list beside the rows: each row's labels in that language
                count += 1
                files["labels"][label][lang] = f"{name}.labels.{count}.json"
                _write(tmp / files["labels"][label][lang], [_entry(by_subject.get(s)) for s in keys])
        rows = len(next(iter(base.values())).values) if base else 0
        manifest["queries"][name] = {"text_sha256": text_hash(text), "base_sha256": _base_hash(found[name]),
                                     "rows": rows, "files": files}
    _write(tmp / MANIFEST, manifest)
    target = root / f"g{key['generation']}"
    if target.exists():  # built again for the same content: the new one replaces it
        os.rename(target, root / f".old-{key['generation']}-{os.getpid()}")
    os.rename(tmp, target)
    for entry in root.iterdir():  # older generations and leftovers: a reader with a file open keeps reading it
        if _stale(entry, key):
            shutil.rmtree(entry, ignore_errors=True)
    log.info(_("derived tables for store generation {generation} built in {seconds} s").format(
        generation=key["generation"], seconds=f"{time.monotonic() - started:.1f}"))
    return target


def map_triples(ntriples: bytes) -> list[tuple[str, str, str]]:
    """The lines of ``ntriples`` (N-Triples, each line ``<s> <p> o .``) that :func:`map_part` reads, as
    (subject, predicate IRI, object) text: the map's ``wdt:P31``, ``wdt:P17``, ``wdt:P625`` and every
    ``rdfs:label``. The predicate is found first (a fast search), then its line; a match inside a literal is not the
    line's predicate (what precedes it on the line is not one IRI) and is skipped."""
    out = []
    for m in _MAP_PREDICATE.finditer(ntriples):
        at = m.start() + 1
        start = ntriples.rfind(b"\n", 0, at) + 1
        subject = ntriples[start:at]
        if subject[:1] != b"<" or b" " in subject or b">" in subject[:-1]:
            continue
        end = ntriples.find(b"\n", m.end())
        line_end = len(ntriples) if end < 0 else end
        obj = ntriples[m.end():line_end].rstrip()
        if obj.endswith(b" ."):
            out.append((subject.decode(), m.group(1).decode(), obj[:-2].decode()))
    return out


class MapPart(NamedTuple):
    """The map's table over the triples of some items (:func:`map_part`) and every subject of those of their
    triples the map reads (the parts' tables add up to the whole one only when no subject is in two parts)."""

    table: _Table
    subjects: list[str]


@functools.lru_cache(maxsize=4)
def _pinned_text(name: str) -> str | None:
    """The saved query's text (with the local base) when it is the one :data:`FROM_TRIPLES` pins, else None."""
    from kg.query import saved

    raw = saved.get(name).text
    return saved.with_local_base(raw) if text_hash(raw) == FROM_TRIPLES.get(name) else None


def map_part(ntriples: bytes) -> MapPart | None:
    """The map's table over ``ntriples`` (every triple of some items: the demo's workers, a job each), for
    :func:`build_from_parts`; None when the saved map is not the pinned text or its table cannot be made here."""
    return map_part_of(map_triples(ntriples))


def map_part_of(triples: list[tuple[str, str, str]]) -> MapPart | None:
    """:func:`map_part` of the map's triples as :func:`map_triples` gives them (a writer that made them gives them
    so: :func:`kg.rdf.columns.ntriples_parts_with`), every one of those of some items."""
    text = _pinned_text("institutions_locations")
    if text is None:
        return None
    table = _map_table(text, triples)
    return None if table is None else MapPart(table, list(dict.fromkeys(s for s, _p, _o in triples)))


def tables_on() -> bool:
    """Whether derived tables are built (``$GLAMKG_DERIVED_TABLES`` is not ``off``)."""
    from kg import config

    return (config.setting("derived_tables") or "").strip().lower() not in ("off", "0", "no", "false")


class Beside:
    """The rows of the derived tables other than the map, read by the engine from the writer's own store: from a
    streamed load's copy as it settles (``compaction.flush_beside``), else as the store closes
    (``Store.reads_at_close``, :mod:`kg.store.compaction`: in a thread beside its compaction when it compacts),
    so that :func:`build_from_parts` does not ask the engine for them after the write; :attr:`also` (Python: the
    map's tables) runs in a thread of its own meanwhile. :meth:`make`: one, or None when the tables are off."""

    @classmethod
    def make(cls) -> Beside | None:
        return cls() if tables_on() else None

    def __init__(self) -> None:
        self.answers: dict[str, tuple[str, tuple[list[str], list[Col], int]]] = {}  # name -> (base text, answer)
        #: more work done meanwhile, in a thread beside the reads (the load's map tables from its kept triples)
        self.also: Callable[[], object] | None = None

    def __call__(self, inner: Any) -> None:
        from kg.query import saved

        with ThreadPoolExecutor(1, thread_name_prefix="glamkg-derived") as pool:
            also = pool.submit(self.also) if self.also is not None else None  # Python beside the engine's reads
            for name in DERIVED[1:]:
                query = saved.get(name)
                found = shape(saved.with_local_base(query.text), query)
                if found is not None:
                    self.answers[name] = (found.base, _select(inner, found.base))
            if also is not None:
                also.result()

    def answer(self, found: Shape | None, query: Any) -> tuple[list[str], list[Col], int] | None:
        """The rows read for this query (``found``: its shape now), if they were read for its base (the text may
        have changed since: then None)."""
        kept = self.answers.get(query.name)
        return kept[1] if kept is not None and found is not None and kept[0] == found.base else None


def build_from_parts(path: str | Path, written: dict[str, Any], parts: list[MapPart],
                     beside: Beside | None = None) -> Path | None:
    """The derived tables of the store at ``path`` built from ``parts`` (the :func:`map_part` of every triple of
    its default graph, as a writer into an empty store has them), without asking the engine: the same files as
    :func:`refresh`'s. ``written``: the store's ``meta()`` as the writer left it. When the store's content is no
    longer that (a write since), the saved map is not the text of :data:`FROM_TRIPLES`, a subject is in two
    parts, or the tables are off, nothing is built and None is returned: the caller then calls :func:`refresh`.
    The other derived tables take their labels from the parts and their rows from ``beside`` (read as the writer
    closed), else from the engine now."""
    from kg.errors import GlamkgError
    from kg.query import saved
    from kg.store import Store

    if not tables_on():
        return None
    started = time.monotonic()
    try:
        with Store.open(path, read_only=True) as st:
            key = store_key(st)
            if key is None or key["generation"] != str(written.get("generation")) or key["write"] != str(
                    written.get("write_token") or ""):
                return None
            if DERIVED[0] != "institutions_locations" or _pinned_text("institutions_locations") is None:
                return None
            table = _merge(parts)
            if table is None:
                return None
            tables = {"institutions_locations": table}
            queries = {name: saved.get(name) for name in DERIVED}
            texts = {name: saved.with_local_base(q.text) for name, q in queries.items()}
            found = {name: shape(text, queries[name]) for name, text in texts.items()}  # once per build
            # the others' rows from the engine; their labels from the parts when the parts hold every triple of
            # the rows' subjects (each is a subject of the parts' lines: written by the workers, not elsewhere)
            known = {f"uri {tsv_term(s)[1]}" for p in parts for s in p.subjects}
            labels: dict[str, dict[str, list[Any]]] | None = None
            for name in DERIVED[1:]:
                query, text, mine = queries[name], texts[name], found[name]
                answered = beside.answer(mine, query) if beside else None
                if answered is None and mine is not None:
                    answered = _select(st.inner, mine.base)
                other = _table(st, name, text, mine, labels or table[3], answered)
                if other is not None and labels is None and not all(k in known for keys in other[2].values()
                                                                    for k in keys):
                    labels = _labels(st)  # a subject written otherwise: every label, from the engine
                    other = _table(st, name, text, mine, labels, answered)
                if other is not None:
                    tables[name] = other
            return _publish(folder(Path(str(st.path))), key, tables, started, texts, found)
    except (GlamkgError, OSError, RuntimeError, ValueError) as e:  # the write is done; the engine answers
        log.warning(_("the derived tables of the store were not built (the saved queries will ask the engine): "
                      "{error}").format(error=e))
        return None


def _merge(parts: list[MapPart]) -> _Table | None:
    """One table of the parts' rows, one after the other; None when there are none, they were made from other
    texts, or a subject is in two parts (its join would then not be either part's)."""
    seen: set[str] = set()
    total = 0
    for part in parts:
        seen.update(part.subjects)
        total += len(part.subjects)
    if not parts or len(seen) != total or len({p.table[0] for p in parts}) != 1:
        return None
    names = list(parts[0].table[1])
    base: dict[str, Col] = {}
    for name in names:
        cols = [p.table[1][name] for p in parts]
        langs = None if all(c.langs is None for c in cols) else [
            t for c in cols for t in (c.langs if c.langs is not None else [None] * len(c.values))]
        base[name] = Col([k for c in cols for k in c.kinds], [v for c in cols for v in c.values], langs)
    labels: dict[str, dict[str, list[Any]]] = {}
    for part in parts:
        for lang, by_subject in part.table[3].items():
            labels.setdefault(lang, {}).update(by_subject)  # no subject in two parts: nothing replaced
    subjects = {label: [s for p in parts for s in p.table[2][label]] for label in parts[0].table[2]}
    return parts[0].table[0], base, subjects, labels


def _map_table(text: str, triples: list[tuple[str, str, str]]) -> _Table | None:
    """The map's table from the triples: ``?item wdt:P31 ?type`` (a type of the query's ``VALUES``) joined on
    ``?item`` with ``wdt:P17 ?country`` and ``wdt:P625 ?coordinates`` (a row per combination, as the engine's
    join), and the language-tagged labels of every subject (what :func:`_labels` reads of them). None when the text's
    ``VALUES`` cannot be read or a language tag is not lower case (the engine then builds it)."""
    prefixes = dict(_PREFIX.findall(text))
    values = _VALUES_TYPE.search(text)
    if values is None:
        return None
    types = set()
    for token in values.group(1).split():
        prefix, _colon, local = token.partition(":")
        if prefix not in prefixes:
            return None
        types.add(f"<{prefixes[prefix]}{local}>")
    by: dict[str, dict[str, list[str]]] = {_WDT + p: {} for p in ("P31", "P17", "P625")}
    by[_RDFS_LABEL] = {}
    for s, p, o in triples:  # grouped by predicate and subject
        group = by[p]
        objects = group.get(s)
        if objects is None:
            group[s] = [o]
        else:
            objects.append(o)
    countries, points = by[_WDT + "P17"], by[_WDT + "P625"]
    cells: list[list[str]] = [[], [], [], []]
    for item, classes in by[_WDT + "P31"].items():
        for cls in _once(classes):
            if cls not in types:
                continue
            for country in _once(countries.get(item, [])):
                for point in _once(points.get(item, [])):
                    for col, cell in zip(cells, (item, cls, country, point), strict=True):
                        col.append(cell)
    base = dict(zip(("item", "type", "country", "coordinates"),
                    (tsv_column(col) for col in cells), strict=True))
    for name in ("type", "country"):  # a class or country is in many rows: one text each (memory)
        kept: dict[str | None, str | None] = {}
        base[name].values[:] = [kept.setdefault(v, v) for v in base[name].values]
    # every subject's labels: the other derived tables' labels come from them too (build_from_parts)
    labels: dict[str, dict[str, Any]] = {}
    of_subject = by[_RDFS_LABEL]
    keys: dict[str, str] = {}  # a subject's key, one text for its rows and its labels (memory)
    for subject in of_subject:
        key = f"uri {tsv_term(subject)[1]}"
        keys[key[4:]] = key
        for obj in _once(of_subject.get(subject, [])):
            kind, value, tag = tsv_term(obj)
            if kind != "lang" or not tag:
                continue
            if tag != tag.lower():
                return None
            by_subject = labels.setdefault(tag, {})
            had = by_subject.get(key)  # one label kept as its text (memory), more as a list (see _entry)
            by_subject[key] = value if had is None else [*([had] if isinstance(had, str) else had), value]
    subjects = [keys.get(v or "") or f"uri {v}" for v in base["item"].values]
    return text, base, {"itemLabel": subjects}, labels


def _once(terms: list[str]) -> list[str]:
    """A triple given twice is stored once."""
    return terms if len(terms) == 1 else list(dict.fromkeys(terms))


def _stale(entry: Path, key: dict[str, str]) -> bool:
    """Whether a folder of ``<store>.derived`` can go: an older generation's tables (a newer one of the same
    database, built by a later write that finished first, stays), or what a process that no longer runs left."""
    name = entry.name
    if name.startswith("g") and name[1:].isdigit():
        if int(name[1:]) <= int(key["generation"]):
            return int(name[1:]) < int(key["generation"])
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            return bool(read_json(entry / MANIFEST)["key"]["identity"] != key["identity"])
        return True
    return not (name.startswith(".tmp-") and _alive(name))


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


def _base_hash(found: Shape | None) -> str | None:
    """The sha256 of the base query a table is read with (``found``: the query's shape): a table read with another
    base (glamkg's recipe changed, the text did not) is not used (:func:`kg.query.derived.answer`)."""
    return None if found is None else text_hash(found.base)


def _select(inner: Any, text: str) -> tuple[list[str], list[Col], int]:
    """The engine's answer to ``text`` on ``inner`` (a pyoxigraph store) as columns."""
    from kg.query import wdqs
    from kg.query.terms import solution_columns

    res, _tr = wdqs.query_local(inner, text)
    return solution_columns(res)


def _labels(st: Any) -> dict[str, dict[str, list[Any]]]:
    """Every ``rdfs:label`` with a language: ``LANG`` (as the engine gives it) -> subject -> its labels, each the
    lexical form, or [lexical form, tag] where the literal's tag is written otherwise (a direction)."""
    _, (subjects, labels, langs), nrows = _select(
        st.inner, f"SELECT ?s ?label ?lang WHERE {{ ?s <{_RDFS_LABEL}> ?label . BIND(LANG(?label) AS ?lang) }}")
    out: dict[str, dict[str, list[Any]]] = {}
    tags = labels.langs or [None] * nrows
    for i in range(nrows):
        lang, tag, key = langs.values[i], tags[i], _subject_key(subjects, i)
        if labels.kinds[i] == "lang" and lang and tag and key is not None:
            value = labels.values[i] or ""
            out.setdefault(lang, {}).setdefault(key, []).append(value if tag == lang else [value, tag])
    return out


def _entry(labels: str | list[Any] | None) -> Any:
    """A row's labels in one language: None (none), the text (one, tagged as ``LANG`` gives it) or a list of
    texts and [text, tag] pairs. A table made from triples keeps a single label as its text already."""
    if isinstance(labels, str):
        return labels
    return labels[0] if labels is not None and len(labels) == 1 and isinstance(labels[0], str) else labels


def _subject_key(col: Col, i: int) -> str | None:
    kind, value = col.kinds[i], col.values[i]
    return None if kind is None or value is None else f"{kind} {value}"


def _col_json(col: Col) -> dict[str, Any]:
    kinds: Any = col.kinds[0] if col.kinds and all(k == col.kinds[0] for k in col.kinds) else col.kinds
    return {"kinds": kinds, "values": col.values, "langs": col.langs}


def _write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

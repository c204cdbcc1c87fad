"""New items of one sheet -> the store's N-Triples, column by column, without entity JSON.

The rows a sheet load creates share one shape: the same terms, the same properties, one reference on every
statement (the sheet's source), normal rank, no qualifiers. :class:`NewItems` holds them as columns (one list per
label language, per property); :func:`check` converts every DISTINCT value of a column once (its snak hash, its
RDF term, its value node: the same functions the per-entity path calls) and :func:`ntriples_parts` then writes
each item's lines from those pieces with string templates shared by the column. The triples are exactly the ones
:func:`kg.rdf.conversion.convert_chunk` makes from the entity JSON :func:`kg.model.entities.to_json` would build
(tests/test_load_columns.py compares them triple for triple): statement ids ``Q..$<uuid5>`` from the entity id
and the main snak's hash (identical statements numbered), value and reference nodes written once (deduplicated by
hash, as WDQS does), page props (statements, identifiers, sitelinks) on the entity.

Shapes this path does not write (:class:`Unsupported`; the caller converts entity JSON instead): unknown and
no values (somevalue/novalue snaks: blank nodes), values whose datatype is not known, datatypes given by the
caller, references that are not one list of value snaks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

from kg.errors import EntityError, InputError
from kg.model import ids, values, wbhash
from kg.model.entities import MAX_TERM, statement_uuid
from kg.model.languages import is_language_code
from kg.model.schema import model
from kg.rdf import datavalues as dv
from kg.rdf.munge import truncate_text
from kg.rdf.vocabulary import (
    GLOBE_EARTH,
    PROV_DERIVED,
    RDFS_LABEL,
    SCHEMA_DESCRIPTION,
    SKOS_ALT,
    WKT,
    XSD_DOUBLE,
    XSD_INTEGER,
    A,
    NtTerms,
    Vocabulary,
    nt_terms,
    wb,
)

Json = dict[str, Any]
#: Items per part of N-Triples (about 5 MB at the benchmark's 48 triples an item).
CHUNK = 1_000
_TEXT_DATATYPES = frozenset({"string", "external-id", "monolingualtext", "musical-notation", "math"})
_TERM_FIELDS = (("labels", RDFS_LABEL), ("descriptions", SCHEMA_DESCRIPTION), ("aliases", SKOS_ALT))
#: Values kept converted between :func:`check` and the write: the kinds many rows share (a class, a country, a
#: year). Texts, URLs, identifiers and coordinates are one per row as a rule: kept, they were most of a big load's
#: memory (a coordinate's value node lines alone about 0.8 KB a row), so the write converts them again.
_SHARED = (values.ItemRef, values.Time, values.Quantity)


class Unsupported(Exception):
    """The items have a shape this path does not write (the message says which); nothing was written."""


@dataclass(slots=True)
class _Value:
    """One distinct value of a column: what every statement holding it writes."""

    hash: str  # the main snak's hash (statement ids)
    term: str  # object of wdt:/ps:
    node: str | None  # its wdv: node, for time, quantity and coordinates
    node_lines: str  # the node's triples (written once per load)
    identifier: bool  # external-id: counted in wikibase:identifiers


@dataclass
class NewItems:
    """New items as columns. ``labels`` / ``descriptions``: language -> per item the text or None; ``aliases``:
    language -> per item the texts; ``claims``: property id -> per item its value, or a list of its values in the
    row's order when there are several (None: none; :func:`each` reads them); ``references``: the references JSON
    every statement carries (as :func:`kg.model.entities.to_json` makes them)."""

    ids: list[str]
    labels: dict[str, list[str | None]] = field(default_factory=dict)
    descriptions: dict[str, list[str | None]] = field(default_factory=dict)
    aliases: dict[str, list[list[str] | None]] = field(default_factory=dict)
    claims: dict[str, list[Any]] = field(default_factory=dict)  # one value bare: a list each is ~70 bytes a row
    references: list[Json] = field(default_factory=list)
    #: (property id, value type, value) -> the converted value; filled by :func:`check` for the values many rows
    #: share (:data:`_SHARED`), the others are converted again as they are written
    converted: dict[tuple[str, type, Any], _Value] = field(default_factory=dict)
    #: property id -> per item its values converted, as :attr:`claims` holds them: filled by :func:`check` with
    #: ``keep_all`` (every value of a few thousand items kept for the write, no lookup by value)
    held: dict[str, list[Any]] = field(default_factory=dict)
    checked: bool = False


@functools.lru_cache(maxsize=4)
def _vocabulary(local_concept_base: str) -> Vocabulary:
    return Vocabulary.glamkg()


_MODEL_DATATYPES: dict[str, str | None] = {}


def _datatype(pid: str, value: Any) -> str | None:
    dt = _MODEL_DATATYPES.get(pid, "")
    if dt == "":
        p = model().prop_by_id(pid)
        dt = _MODEL_DATATYPES[pid] = p.datatype if p else None
    return dt or values.datatype_of(value)


@overload
def _value(pid: str, value: Any, nt: NtTerms) -> _Value: ...


@overload
def _value(pid: str, value: Any, nt: NtTerms, *, check: bool) -> _Value | None: ...


def _value(pid: str, value: Any, nt: NtTerms, *, check: bool = False) -> _Value | None:
    """What the per-entity path makes of ``value`` as a main snak of ``pid`` (kg.model.entities: coerce, datavalue,
    snak hash; kg.rdf: parse, simple term, value node). Raises InputError/EntityError as they do. ``check``: only
    what can raise, nothing kept (None): no hashes, no coordinate's value node (the write converts it again)."""
    if isinstance(value, values._Special):
        raise Unsupported(f"an unknown or no value ({pid}): blank nodes, written from entity JSON")
    dt = _datatype(pid, value)
    if dt is None:
        raise Unsupported(f"a value of {pid} whose datatype is not known: {value!r}")
    if type(value) is values.Coordinate and dt == "globe-coordinate" and value.globe == GLOBE_EARTH:
        # one per row as a rule: what datavalue and dv.parse give of it, without them (a Coordinate is checked as it
        # is made: latitude, longitude and a precision > 0 as floats, its globe an IRI)
        if check:
            return None
        raw = {"latitude": value.lat, "longitude": value.lon, "precision": value.precision, "globe": GLOBE_EARTH}
        return _earth_point(wbhash.snak_hash("value", pid, "globecoordinate", raw), raw, nt)
    v = values.coerce(value, dt)
    if type(v) is str:  # the string datatypes: kg.rdf.datavalues.parse gives a string value back as it is
        term = dv.simple_term(dt, v, nt, None, pid, truncate=dt in _TEXT_DATATYPES)
        if check:
            return None
        return _Value(wbhash.snak_hash("value", pid, "string", v), term, None, "", dt == "external-id")
    first = values.datavalue(v)
    raw = first["value"]["id"] if first["type"] == "wikibase-entityid" else first["value"]
    h = "" if check else wbhash.snak_hash("value", pid, first["type"], raw)  # hashing raises nothing datavalue let by
    if dt == "globe-coordinate":  # unique per row as a rule: its PHP float strings made once, not eight times
        _, parsed = dv.parse(first, dt, None, pid)
        if parsed["precision"] is not None and parsed["globe"] == GLOBE_EARTH:
            return None if check else _earth_point(h, parsed, nt)
    term, node, lines = _terms(pid, dt, first, nt)
    return None if check else _Value(h, term, node, lines, dt == "external-id")


def _earth_point(h: str, parsed: Mapping[str, Any], nt: NtTerms) -> _Value:
    """A coordinate on Earth with a precision, as kg.rdf.datavalues writes it (point_literal, globe_hash,
    value_node), each PHP float string made once."""
    lat, lon = wbhash.php_float(parsed["latitude"]), wbhash.php_float(parsed["longitude"])
    prec = wbhash.php_float(parsed["precision"])
    a, kind, glat, glon, gprec, gglobe, earth, double, wkt = _earth_terms(nt)
    node = nt.value(wbhash.md5(f"{lat}|{lon}|{prec}|{GLOBE_EARTH}"))
    lines = (
        f"{node} {a} {kind} .\n"
        f'{node} {glat} "{lat}"{double} .\n'
        f'{node} {glon} "{lon}"{double} .\n'
        f'{node} {gprec} "{prec}"{double} .\n'
        f"{node} {gglobe} {earth} .\n"
    )
    return _Value(h, f'"Point({lon} {lat})"{wkt}', node, lines, False)


_EARTH_TERMS: dict[NtTerms, tuple[str, ...]] = {}


def _earth_terms(nt: NtTerms) -> tuple[str, ...]:
    """The constant terms of an Earth coordinate's value node in ``nt`` (one coordinate per row of a load)."""
    found = _EARTH_TERMS.get(nt)
    if found is None:
        c = nt.c
        found = _EARTH_TERMS[nt] = (
            c(A), c(wb("GlobecoordinateValue")), c(wb("geoLatitude")), c(wb("geoLongitude")), c(wb("geoPrecision")),
            c(wb("geoGlobe")), nt.iri(GLOBE_EARTH), f"^^{c(XSD_DOUBLE)}", f"^^{c(WKT)}",
        )
    return found


def _terms(pid: str, dt: str, datavalue: Mapping[str, Any], nt: NtTerms) -> tuple[str, str | None, str]:
    """(simple term, value node or None, the node's lines) of a datavalue, as kg.rdf.statements writes them."""
    _, parsed = dv.parse(datavalue, dt, None, pid)
    term = dv.simple_term(dt, parsed, nt, None, pid, truncate=dt in _TEXT_DATATYPES)
    if dt not in dv.HAS_VALUE_NODE:
        return term, None, ""
    node = nt.value(dv.value_hash(dt, parsed))
    return term, node, "".join(f"{s} {p} {o} .\n" for s, p, o in dv.value_node(dt, parsed, node, nt))


def each(held: Any) -> list[Any] | tuple[Any, ...]:
    """The values of one item in a column of :attr:`NewItems.claims`: none, one (kept bare) or a list."""
    if held is None:
        return ()
    return held if type(held) is list else (held,)


def _clean_terms(column: list[Any], what: str, lang: str, bad: Callable[[int, str], None]) -> None:
    """Terms as :func:`kg.model.entities.to_json` keeps them (whitespace collapsed, aliases once each), in place;
    ``bad(item, message)`` for what it refuses."""
    if not is_language_code(lang):
        for i, t in enumerate(column):
            if t:
                bad(i, f"{what}: expected a language code like en, nl or zh-hant, found {lang!r}")
        return
    for i, texts in enumerate(column):
        if texts is None:
            continue
        clean: list[str] = []
        for t in texts if what == "aliases" else [texts]:
            if not isinstance(t, str) or not t.strip():
                bad(i, f"{what}@{lang}: expected non-empty text, found {t!r}")
                break
            t = " ".join(t.split())
            if len(t) > MAX_TERM:
                bad(i, f"{what}@{lang}: {len(t)} characters; Wikibase allows {MAX_TERM}")
                break
            if t not in clean:
                clean.append(t)
        else:
            column[i] = clean if what == "aliases" else clean[0]


def check(items: NewItems, *, keep_all: bool = False) -> list[tuple[int, str]]:
    """Convert every value (the distinct values of the shared kinds once, :data:`_SHARED`) and clean the terms
    (in place); returns (item index, message) for each item the per-entity path would refuse. Raises
    :class:`Unsupported` for a shape this path does not write. ``keep_all``: every value is kept converted for
    the write, not only the shared kinds (items few enough for their memory: a chunk of a streamed load)."""
    nt = nt_terms(_vocabulary(ids.local_concept_base()))
    found: list[tuple[int, str]] = []

    def bad(i: int, message: str, prop: str | None = None) -> None:
        found.append((i, str(EntityError(message, entity=items.ids[i], prop=prop))))

    for what in ("labels", "descriptions", "aliases"):
        for lang, column in getattr(items, what).items():
            _clean_terms(column, what, lang, bad)
    if len(items.references) != 1 or "snaks" not in items.references[0]:
        raise Unsupported("statements without exactly one reference")
    for snaks in items.references[0]["snaks"].values():
        for s in snaks:
            if s.get("snaktype") != "value":
                raise Unsupported("a reference with an unknown or no value")
    conv = items.converted

    def convert(i: int, pid: str, v: Any) -> _Value | None:
        shared = isinstance(v, _SHARED)
        if shared:
            key = (pid, type(v), v)
            held = conv.get(key)
            if held is not None:
                return held
        try:
            if shared:
                held = conv[key] = _value(pid, v, nt)
                return held
            if keep_all:  # one per row as a rule: kept beside its item, not looked up by value
                return _value(pid, v, nt)
            _value(pid, v, nt, check=True)  # converted again as it is written: here only what can raise
        except EntityError as e:  # from kg.rdf: names the property already
            bad(i, str(e))
        except (InputError, ValueError) as e:  # from kg.model.values, as to_json words it
            bad(i, f"value: {e}", pid)
        return None

    for pid, column in items.claims.items():
        if keep_all:
            items.held[pid] = [None if vals is None else [convert(i, pid, v) for v in vals] if type(vals) is list
                               else convert(i, pid, vals) for i, vals in enumerate(column)]
            continue
        for i, vals in enumerate(column):
            for v in each(vals):
                convert(i, pid, v)
    items.checked = True
    return found


def ntriples_parts(
    items: NewItems, *, chunk: int = CHUNK, progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """The store's N-Triples of ``items`` (checked by :func:`check`), ``chunk`` items a part; value and reference
    nodes in the part of the first item that uses them."""
    for part, _kept in ntriples_parts_with(items, frozenset(), chunk=chunk, progress=progress):
        yield part


def ntriples_parts_with(
    items: NewItems, predicates: Collection[str], *, chunk: int = CHUNK, progress: Callable[[int], None] | None = None,
    written: set[str] | None = None,
) -> Iterator[tuple[bytes, list[tuple[str, str, str]]]]:
    """:func:`ntriples_parts`, each part with its triples of the items' own labels and truthy statements (``wdt:``)
    whose predicate IRI is in ``predicates``, as (subject, predicate IRI, object) text, the subject and object as
    the part's lines write them (for a reader of a few predicates, e.g. the map's derived table,
    :func:`kg.query.derivation.map_part_of`: it need not search the part for them). ``written``: the value and reference
    nodes earlier calls wrote (updated here), for items written in several calls (a streamed load,
    :mod:`kg.load.stream`): each node's lines are written once in all."""
    if not items.checked:
        raise ValueError("ntriples_parts needs the items checked first (kg.rdf.columns.check)")
    vocab = _vocabulary(ids.local_concept_base())
    nt = nt_terms(vocab)
    c = nt.c
    rank, normal, a, best, derived = c(wb("rank")), c(wb("NormalRank")), c(A), c(wb("BestRank")), c(PROV_DERIVED)
    sitelinks, statements, identifiers = c(wb("sitelinks")), c(wb("statements")), c(wb("identifiers"))
    integer = f"^^{c(XSD_INTEGER)}"
    written_nodes: set[str] = set() if written is None else written  # value and reference nodes already written
    ref = items.references[0]
    rnode = nt.reference(ref["hash"])
    ref_lines: list[str] = []
    for snaks in ref["snaks"].values() if rnode not in written_nodes else ():
        for s in snaks:
            pid = s["property"]
            term, node, lines = _terms(pid, s["datatype"], s["datavalue"], nt)
            ref_lines.append(f"{rnode} {nt.pred('pr', pid)} {term} .\n")
            if node is not None:
                ref_lines.append(f"{rnode} {nt.pred('prv', pid)} {node} .\n")
                if node not in written_nodes:
                    written_nodes.add(node)
                    ref_lines.append(lines)
    written_nodes.add(rnode)
    # after a statement node: its rank, best rank and reference link
    ranked, best_rank, from_ref = f" {rank} {normal} .\n", f" {a} {best} .\n", f" {derived} {rnode} .\n"
    props = [
        (pid, column, items.held.get(pid), nt.pred("wdt", pid), nt.pred("p", pid), nt.pred("ps", pid),
         nt.pred("psv", pid))
        for pid, column in items.claims.items()
    ]
    terms = [
        (c(pred), lang, column, pred.value if pred.value in predicates else None)
        for what, pred in _TERM_FIELDS
        for lang, column in getattr(items, what).items()
    ]
    wanted = {pid: wdt[1:-1] for pid, _column, _held, wdt, *_ in props if wdt[1:-1] in predicates}
    conv = items.converted
    first = True
    for start in range(0, len(items.ids), chunk):
        out: list[str] = [] if not first else ["".join(ref_lines)]
        kept: list[tuple[str, str, str]] = []  # the triples of ``predicates``
        first = False
        for i in range(start, min(start + chunk, len(items.ids))):
            eid = items.ids[i]
            iri = vocab.entity_iri(eid)
            e = f"<{iri}>"
            stmt = f"<{iri[:len(iri) - len(eid)]}statement/{eid}-"  # the entity's own base: Vocabulary.statement_ns
            for pred, lang, column, keep in terms:
                texts = column[i]
                if texts is None:
                    continue
                for text in texts if type(texts) is list else (texts,):
                    literal = dv.text_literal(truncate_text(text), lang, nt)
                    out.append(f"{e} {pred} {literal} .\n")
                    if keep is not None:
                        kept.append((e, keep, literal))
            n_statements = n_identifiers = 0
            for pid, column, held, wdt, p, ps, psv in props:
                vals = column[i]
                if vals is None:
                    continue
                many = type(vals) is list  # else one value (most): no identical statements to number
                converted = held[i] if held is not None else None
                seen: dict[str, int] = {}  # main snak hash -> identical statements before this one
                truthy: dict[str, None] = {}  # the wdt: objects, each once
                for j, v in enumerate(vals if many else (vals,)):
                    if converted is not None:
                        val = converted[j] if many else converted
                    else:
                        val = conv.get((pid, type(v), v))
                    if val is None:  # not kept (or refused by the check: raises again here, nothing is written)
                        val = _value(pid, v, nt)
                    n_statements += 1
                    n_identifiers += val.identifier
                    n = 0
                    if many:
                        n = seen.get(val.hash, 0)
                        seen[val.hash] = n + 1
                    s = f"{stmt}{statement_uuid(f'{eid}|{val.hash}', n)}>"  # s:Q1-<uuid> of statement_id's Q1$<uuid>
                    truthy[val.term] = None
                    out.append(f"{e} {p} {s} .\n{s}{ranked}{s}{best_rank}{s} {ps} {val.term} .\n{s}{from_ref}")
                    if val.node is not None:
                        out.append(f"{s} {psv} {val.node} .\n")
                        if val.node not in written_nodes:
                            written_nodes.add(val.node)
                            out.append(val.node_lines)
                out += [f"{e} {wdt} {term} .\n" for term in truthy]
                if pid in wanted:
                    kept += [(e, wanted[pid], term) for term in truthy]
            out += (
                f'{e} {sitelinks} "0"{integer} .\n',
                f'{e} {statements} "{n_statements}"{integer} .\n',
                f'{e} {identifiers} "{n_identifiers}"{integer} .\n',
            )
        yield "".join(out).encode(), kept
        if progress is not None:
            progress(min(start + chunk, len(items.ids)) - start)

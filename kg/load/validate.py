"""Validating mapped rows against ``schemas/shapes.ttl`` before anything is written.

The rules live in one place, the SHACL shapes file (one node shape per item kind; tests check it agrees
with ``schemas/model.yaml``). They are applied in two ways:

1. :func:`check_rows`: a small interpreter of the SHACL core constraints the shapes use (``sh:minCount``,
   ``sh:maxCount``, ``sh:in``, ``sh:pattern``, ``sh:datatype``, ``sh:nodeKind``, ``sh:minInclusive``,
   ``sh:lessThanOrEquals``) runs on every row, fast, and names file, row and column;
2. :func:`shacl_check`: pyshacl validates the graph of the rows against the same shapes (full SHACL, so a
   constraint the interpreter does not know is still enforced). pyshacl costs ~0.75 ms per row, so
   :mod:`kg.load` runs it for loads up to a limit (``--shacl-limit``, default 2,000 rows).

Cell-level problems (a value that does not parse) come from :mod:`kg.load.mapping`; both kinds are collected and
reported together (:class:`kg.load.problems.ValidationFailed`).

The validation graph: each row is a node ``<https://glamkg.invalid/row/<n>>`` typed ``kgs:<kind>``, with
``rdfs:label`` / ``schema:description`` and one ``wdt:P..`` triple per value; items are ``wd:Q..`` IRIs
(local ids too), dates ``xsd:dateTime``, quantities ``xsd:decimal``, coordinates ``geo:wktLiteral``.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kg.i18n import _, ngettext
from kg.load.mapping import MappedRow
from kg.load.problems import Problem
from kg.load.shapes import ours, shown
from kg.model.schema import SCHEMA_DIR, model
from kg.model.values import NOVALUE, SOMEVALUE, Coordinate, ItemRef, Monolingual, Quantity, Time, Value

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SCHEMA_DESCRIPTION = "http://schema.org/description"
XSD = "http://www.w3.org/2001/XMLSchema#"
GEO_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
LANG_STRING = RDF + "langString"
WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
KGS = "https://glamkg.invalid/shapes#"
UNKNOWN_VALUE = KGS + "unknownValue"
ROW_BASE = "https://glamkg.invalid/row/"
COMMONS_FILE = "http://commons.wikimedia.org/wiki/Special:FilePath/"
SHAPES_PATH = SCHEMA_DIR / "shapes.ttl"

# A node of the validation graph, without rdflib (fast): (is_iri, lexical form, datatype IRI or "@lang").
Node = tuple[bool, str, str]


@dataclass(frozen=True)
class PropertyRule:
    """The constraints of one ``sh:property`` shape."""

    path: str
    name: str
    min_count: int = 0
    max_count: int | None = None
    allowed: frozenset[tuple[bool, str]] | None = None
    pattern: re.Pattern[str] | None = None
    datatype: str | None = None
    node_kind: str | None = None
    min_inclusive: Decimal | None = None
    less_or_equal: str | None = None
    message: str = ""


@dataclass(frozen=True)
class KindRules:
    kind: str
    properties: tuple[PropertyRule, ...]
    unknowable: dict[str, str] = field(default_factory=dict)  # required path -> message: a value or "unknown"


# -- reading the shapes --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def load_rules(path: Path = SHAPES_PATH) -> dict[str, KindRules]:
    """The node shapes in ``path``, by item kind (``kgs:<kind>`` target class)."""
    import rdflib

    g = rdflib.Graph().parse(path, format="turtle")
    sh = rdflib.Namespace(SH)
    out: dict[str, KindRules] = {}
    for shape, target in g.subject_objects(sh.targetClass):
        kind = str(target).removeprefix(KGS)
        rules = []
        for ps in g.objects(shape, sh.property):

            def one(pred: str, ps: Any = ps) -> Any:
                return g.value(ps, sh[pred])

            allowed = None
            lst = one("in")
            if lst is not None:
                allowed = frozenset(
                    (isinstance(x, rdflib.URIRef), str(x)) for x in rdflib.collection.Collection(g, lst)
                )
            pat = one("pattern")
            mc, xc, mi = one("minCount"), one("maxCount"), one("minInclusive")
            rules.append(
                PropertyRule(
                    path=str(one("path")),
                    name=str(one("name") or ""),
                    min_count=int(mc) if mc is not None else 0,
                    max_count=int(xc) if xc is not None else None,
                    allowed=allowed,
                    pattern=re.compile(str(pat)) if pat is not None else None,
                    datatype=str(one("datatype")) if one("datatype") is not None else None,
                    node_kind=str(one("nodeKind")).removeprefix(SH) if one("nodeKind") is not None else None,
                    min_inclusive=Decimal(str(mi)) if mi is not None else None,
                    less_or_equal=str(one("lessThanOrEquals")) if one("lessThanOrEquals") is not None else None,
                    message=str(one("message") or ""),
                )
            )
        unknowable = {}
        for alternatives in g.objects(shape, sh["or"]):  # ( [path P ; minCount 1] [path unknownValue ; hasValue P] )
            for member in rdflib.collection.Collection(g, alternatives):
                known = g.value(member, sh.hasValue)
                if str(g.value(member, sh.path)) == UNKNOWN_VALUE and known is not None:
                    unknowable[str(known)] = str(g.value(shape, sh.message) or "")
        out[kind] = KindRules(kind, tuple(sorted(rules, key=lambda r: r.path)), unknowable)
    return out


# -- values as nodes -----------------------------------------------------------------------------------------


def time_lexical(t: Time) -> str:
    """xsd:dateTime form of a Wikibase time (month/day 00 -> 01, leading + dropped)."""
    v = t.value
    sign = "-" if v.startswith("-") else ""
    date, _sep, clock = v.lstrip("+-").partition("T")
    y, m, d = date.split("-")
    return f"{sign}{y}-{max(int(m), 1):02d}-{max(int(d), 1):02d}T{clock}"


def time_key(t: Time) -> tuple[int, int, int, str]:
    v = t.value
    sign = -1 if v.startswith("-") else 1
    date, _sep, clock = v.lstrip("+-").partition("T")
    y, m, d = date.split("-")
    return (sign * int(y), max(int(m), 1), max(int(d), 1), clock)


def value_node(value: Value, datatype: str) -> Node:
    if isinstance(value, ItemRef):
        return (True, WD + value.id, "")
    if isinstance(value, Time):
        return (False, time_lexical(value), XSD + "dateTime")
    if isinstance(value, Quantity):
        return (False, str(value.amount).lstrip("+"), XSD + "decimal")
    if isinstance(value, Coordinate):
        return (False, f"Point({value.lon} {value.lat})", GEO_WKT)
    if isinstance(value, Monolingual):
        return (False, value.text, "@" + value.language)
    if isinstance(value, str):
        if datatype == "url":
            return (True, value, "")
        if datatype == "commonsMedia":
            return (True, COMMONS_FILE + urllib.parse.quote(value.replace(" ", "_")), "")
        return (False, value, XSD + "string")
    return (False, repr(value), "")


#: property id -> (its wdt: path, its model datatype or "" outside the model); the model is fixed
_PATHS: dict[str, tuple[str, str]] = {}
_TIME_NODES: dict[Time, Node] = {}  # the dates of a load: few distinct ones, each written as a node once
_NODES_KEPT = 65_536
_NO_NODES: list[tuple[Node, Value | str, str | None]] = []  # read only


def row_nodes(row: MappedRow) -> dict[str, list[tuple[Node, Value | str, str | None]]]:
    """Path IRI -> [(node, value, column)] for one row."""
    out: dict[str, list[tuple[Node, Value | str, str | None]]] = {}
    if row.labels:
        out[RDFS_LABEL] = [((False, text, "@" + lang), text, row.columns.get(f"label:{lang}"))
                           for lang, text in row.labels.items()]
    if row.descriptions:
        out[SCHEMA_DESCRIPTION] = [((False, text, "@" + lang), text, row.columns.get(f"description:{lang}"))
                                   for lang, text in row.descriptions.items()]
    for c in row.claims:
        v = c.value
        if v is SOMEVALUE or v is NOVALUE:  # "unknown value": a link to the property (shapes.UNKNOWN_VALUE)
            out.setdefault(UNKNOWN_VALUE, []).append(((True, WDT + c.pid, ""), v, c.column))
            continue
        known = _PATHS.get(c.pid)
        if known is None:
            p = model().prop_by_id(c.pid)
            known = _PATHS[c.pid] = (WDT + c.pid, p.datatype if p else "")
        path, dtype = known
        kind = type(v)
        node: Node | None
        if isinstance(v, ItemRef) and kind is ItemRef:  # the commonest kinds first, as value_node makes them
            node = (True, WD + v.id, "")
        elif isinstance(v, Time) and kind is Time:
            node = _TIME_NODES.get(v)
            if node is None:
                node = value_node(v, dtype)
                if len(_TIME_NODES) < _NODES_KEPT:
                    _TIME_NODES[v] = node
        else:
            node = value_node(v, dtype)
        vals = out.get(path)
        if vals is None:
            out[path] = [(node, v, c.column)]
        else:
            vals.append((node, v, c.column))
    return out


def _show(value: Value | str) -> str:
    if isinstance(value, ItemRef):
        return value.id
    if isinstance(value, Time):
        return time_lexical(value)[:10]
    if isinstance(value, Quantity):
        return str(value.amount).lstrip("+")
    if isinstance(value, Coordinate):
        return f"{value.lat},{value.lon}"
    if isinstance(value, Monolingual):
        return value.text
    return str(value)


def _item_names() -> dict[str, str]:
    m = model()
    return {WD + c.id: k for k, c in m.classes.items()}


# -- the row checks ------------------------------------------------------------------------------------------


def check_rows(
    rows: Sequence[MappedRow], kind: str, *, file: str, rules: dict[str, KindRules] | None = None, mapping: str = ""
) -> list[Problem]:
    """Apply the kind's shape to every row; all problems, in row order. ``mapping``: the user's mapping file, named
    by a hint to change it ("": the template's columns)."""
    rules = rules if rules is not None else load_rules()
    if kind not in rules:
        return [
            Problem(
                file,
                None,
                None,
                _("a shape for kind {kind!r} in schemas/shapes.ttl").format(kind=kind),
                _("none"),
                _("add a node shape with sh:targetClass kgs:{kind}").format(kind=kind),
            )
        ]
    kr = rules[kind]
    names = _item_names()
    problems: list[Problem] = []
    absent = set()  # required in every row and given by none: one problem for the file, not one per row
    if len(rows) > 1:
        for r in _absent(rows, kr):
            absent.add(r.path)
            problems.append(
                Problem(
                    file,
                    1,
                    _column_for(rows[0], r),
                    _("a column for {name} (required for every {kind})").format(name=r.name, kind=kind),
                    ngettext("no value in {n} row", "no value in any of the {n} rows", len(rows)).format(
                        n=len(rows)),
                    _("add the column (or a constant in {mapping}), or check the spelling of the column names in "
                      "the header and the mapping").format(mapping=mapping or _("a mapping file")),
                )
            )
    # per rule what each row needs of it: the rules of absent paths were said once for the file
    active = [(r, r.path, r.path in kr.unknowable, r.max_count, _checks_nodes(r))
              for r in kr.properties if r.path not in absent]
    for row in rows:  # each row's nodes are made, checked and dropped: memory stays flat however many rows
        nodes = row_nodes(row)
        for r, path, unknowable, max_count, checks_nodes in active:
            vals = nodes.get(path, _NO_NODES)  # the problem's column is looked up only for a problem
            if unknowable and not vals and not _unknown(nodes, path):
                problems.append(
                    Problem(
                        file,
                        row.number,
                        _column_for(row, r),
                        shown(kr.unknowable[r.path]) or _("a value for {name}, or unknown").format(name=r.name),
                        _("an empty cell"),
                        _("write the date, or unknown when it cannot be known (not an invented date)"),
                    )
                )
                continue
            if len(vals) < r.min_count:
                problems.append(
                    Problem(
                        file,
                        row.number,
                        _column_for(row, r),
                        shown(r.message)
                        or _("a value for {name} (required for {kind})").format(name=r.name, kind=kind),
                        _("an empty cell"),
                        _("every {kind} needs {name}").format(kind=kind, name=r.name),
                    )
                )
                continue
            if max_count is not None and len(vals) > max_count:
                problems.append(
                    Problem(
                        file,
                        row.number,
                        vals[-1][2] or _column_for(row, r),
                        _("at most {max_count} value(s) for {name}").format(max_count=r.max_count, name=r.name),
                        f"{len(vals)}: " + " | ".join(_show(v[1]) for v in vals),
                        _("keep one value in the cell"),
                    )
                )
            for node, value, vcol in vals if checks_nodes else _NO_NODES:
                why, bad = _node_problem(r, node)
                if bad:
                    found = _show(value)
                    if r.allowed is not None and node[0]:
                        found = f"{found} ({names[node[1]]})" if node[1] in names else found
                    problems.append(
                        Problem(file, row.number, vcol or _column_for(row, r), shown(r.message) or bad, repr(found),
                                _hint(r, why, bad))
                    )
            if r.less_or_equal:
                others = nodes.get(r.less_or_equal, [])
                for _n1, v1, c1 in vals:
                    for _n2, v2, _c2 in others:
                        if isinstance(v1, Time) and isinstance(v2, Time) and time_key(v1) > time_key(v2):
                            other = _rule_name(kr, r.less_or_equal)
                            problems.append(
                                Problem(
                                    file,
                                    row.number,
                                    c1 or _column_for(row, r),
                                    shown(r.message) or f"{r.name} <= {other}",
                                    _("{name} {value} after {other} {other_value}").format(
                                        name=r.name, value=_show(v1), other=other, other_value=_show(v2)),
                                    _("check the two dates; were they swapped?"),
                                )
                            )
    return problems


def _absent(rows: Sequence[MappedRow], kr: KindRules) -> list[PropertyRule]:
    """The rules for required values that no row gives (in the rules' order). A column of named item cells that
    did not resolve counts as given (their problems are located at each cell). Stops at the first rows that give
    them all: for a good file, the first row."""
    named = {WDT + pid for row in rows for pid, _text, _col in row.names}
    missing = [r for r in kr.properties if (r.min_count or r.path in kr.unknowable) and r.path not in named]
    for row in rows:
        if not missing:
            break
        nodes = row_nodes(row)
        missing = [r for r in missing if not (nodes.get(r.path) or _unknown(nodes, r.path))]
    return missing


def _unknown(nodes: dict[str, list[tuple[Node, Value | str, str | None]]], path: str) -> bool:
    return any(node[1] == path for node, _, _ in nodes.get(UNKNOWN_VALUE, []))


def _rule_name(kr: KindRules, path: str) -> str:
    for r in kr.properties:
        if r.path == path:
            return r.name
    return path.rsplit("/", 1)[-1]


def _column_for(row: MappedRow, r: PropertyRule) -> str:
    if r.path == RDFS_LABEL:
        return next((c for k, c in row.columns.items() if k.startswith("label:")), "label_en")
    if r.path == SCHEMA_DESCRIPTION:
        return next((c for k, c in row.columns.items() if k.startswith("description:")), "description_en")
    pid = r.path.removeprefix(WDT)
    return row.columns.get(pid, r.name or pid)


def _checks_nodes(r: PropertyRule) -> bool:
    """Whether ``r`` constrains each value (:func:`_node_problem` finds nothing otherwise)."""
    return bool(r.node_kind or r.datatype or r.allowed is not None or r.pattern is not None
                or r.min_inclusive is not None)


def _node_problem(r: PropertyRule, node: Node) -> tuple[str, str]:
    """Which constraint of ``r`` the value ``node`` breaks (``""`` when none) and what it expected, for a
    person."""
    is_iri, lex, dt = node
    if r.node_kind == "IRI" and not is_iri:
        return "nodeKind", _("an IRI (an item or a URL)")
    if r.node_kind == "Literal" and is_iri:
        return "nodeKind", _("a literal value")
    if r.datatype is not None:
        if r.datatype == LANG_STRING:
            if not dt.startswith("@"):
                return "datatype", _("a text with a language")
        elif is_iri or dt != r.datatype:
            return "datatype", _("a value of type {datatype}").format(datatype=r.datatype.rsplit("#", 1)[-1])
    if r.allowed is not None and (is_iri, lex) not in r.allowed:
        return "in", _("one of the allowed values")
    if r.pattern is not None and not r.pattern.search(lex):
        return "pattern", _("a value matching {pattern}").format(pattern=r.pattern.pattern)
    if r.min_inclusive is not None:
        try:
            if Decimal(lex) < r.min_inclusive:
                return "minInclusive", _("a number >= {minimum}").format(minimum=r.min_inclusive)
        except ArithmeticError:
            return "minInclusive", _("a number")
    return "", ""


def _hint(r: PropertyRule, why: str, bad: str) -> str:
    if r.allowed is not None:
        return _("use a class key from schemas/model.yaml (or its Q-id)")
    if why == "minInclusive":
        return _("counts cannot be negative")
    if why == "pattern":
        return _("the value must match the pattern {pattern}").format(pattern=r.pattern.pattern if r.pattern else "")
    return bad if r.message else ""


# -- the graph check (pyshacl) ---------------------------------------------------------------------------------


def validation_graph(rows: Iterable[MappedRow], kind: str) -> Any:
    """The rdflib graph :func:`shacl_check` validates (see the module docstring)."""
    import rdflib

    g = rdflib.Graph()
    rdf_type = rdflib.RDF.type
    cls = rdflib.URIRef(KGS + kind)
    for row in rows:
        s = rdflib.URIRef(f"{ROW_BASE}{row.number}")
        g.add((s, rdf_type, cls))
        for path, vals in row_nodes(row).items():
            p = rdflib.URIRef(path)
            for (is_iri, lex, dt), _v, _c in vals:
                if is_iri:
                    o: Any = rdflib.URIRef(lex)
                elif dt.startswith("@"):
                    o = rdflib.Literal(lex, lang=dt[1:])
                else:
                    if dt == XSD + "dateTime" and not _python_datetime(lex):
                        # rdflib (so pyshacl) reads xsd:dateTime through Python's datetime: years 1-9999 only.
                        # A BCE or far-future date would fail its datatype test with the property's message
                        # ("inception on or before dissolved", false); the row checker, which applies the same
                        # rules to every row, checks these dates instead: one rule, one answer.
                        continue
                    o = rdflib.Literal(lex, datatype=rdflib.URIRef(dt))
                g.add((s, p, o))
    return g


def _python_datetime(lexical: str) -> bool:
    m = re.match(r"^(\d{4})-", lexical)
    return m is not None and 1 <= int(m.group(1)) <= 9999


def shacl_check(rows: Sequence[MappedRow], kind: str, *, file: str, shapes: Path = SHAPES_PATH) -> list[Problem]:
    """pyshacl on the rows' graph; each violation becomes a Problem at the row and column it concerns."""
    import pyshacl
    import rdflib

    if not rows:
        return []
    data = validation_graph(rows, kind)
    sg = _shapes_graph(shapes)
    conforms, report, _text = pyshacl.validate(data, shacl_graph=sg, inference="none", advanced=False)
    if conforms:
        return []
    sh = rdflib.Namespace(SH)
    by_number = {r.number: r for r in rows}
    kr = load_rules(shapes).get(kind)
    problems = []
    for res in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = str(report.value(res, sh.focusNode))
        path = report.value(res, sh.resultPath)
        value = report.value(res, sh.value)
        msg = str(report.value(res, sh.resultMessage) or "")
        number = int(focus.removeprefix(ROW_BASE)) if focus.startswith(ROW_BASE) else None
        row = by_number.get(number) if number is not None else None
        col = None
        if path is None and kr is not None:  # a node-level result: a required value that may be "unknown"
            path = next((p for p, message in kr.unknowable.items() if message == msg), None)
            value = None if path is not None else value
        if row is not None and path is not None and kr is not None:
            rule = next((r for r in kr.properties if r.path == str(path)), PropertyRule(str(path), ""))
            col = _column_for(row, rule)
        found = str(value) if value is not None else _("no value")
        known = ours(msg)
        problems.append(
            Problem(
                file,
                number,
                col,
                shown(msg) if known else _("a value that satisfies the shape"),
                repr(found),
                _("reported by the SHACL check (schemas/shapes.ttl)")
                + ("" if known or not msg else _(": {message}").format(message=msg)),
            )
        )
    return problems


@functools.lru_cache(maxsize=4)
def _shapes_graph(path: Path) -> Any:
    import rdflib

    return rdflib.Graph().parse(path, format="turtle")

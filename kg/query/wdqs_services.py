"""The WDQS services glamkg evaluates locally, as rewrites into standard SPARQL (see :mod:`kg.query.wdqs`):
``SERVICE wikibase:label`` (RULES.md sec. 13), ``SERVICE wikibase:around`` / ``wikibase:box``, and the
custom functions ``geof:distance`` and ``wikibase:decodeUri``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox

from kg.errors import InputError
from kg.i18n import _
from kg.model.ids import local_concept_base, wikidata_concept_base
from kg.model.languages import is_language_code, user_language
from kg.query.sparql_text import Token, matching
from kg.query.wdqs_syntax import (
    AUTO_SUFFIXES,
    BD,
    DECODE_URI,
    GEOF_DISTANCE,
    HELPER,
    IN_BOX,
    LABEL_PREDICATES,
    POINT_RE,
    RDFS_LABEL,
    SKOS_ALT_LABEL,
    UNBOUND,
    WIKIBASE,
    QueryShape,
    ServiceTriple,
    resolve,
    string_value,
    unsupported,
)


def label_block(
    body: list[ServiceTriple],
    at: Token,
    prefixes: Mapping[str, str],
    query: QueryShape,
    automatic_done: bool,
    counter: list[int],
    tokens: Sequence[Token],
    auto_language: str | None = None,
) -> tuple[str, bool]:
    languages: list[str] = []
    resolutions: list[tuple[str, str, str]] = []  # (subject text, predicate IRI, target variable)
    for tr in body:
        if resolve(tr.s[0], prefixes) == BD + "serviceParam":
            pred = resolve(tr.p[0], prefixes)
            if pred == WIKIBASE + "language":
                value = string_value(tr.o)
                if value is None:
                    raise InputError(
                        _("SERVICE wikibase:label at line {line}: expected wikibase:language \"en,fr\", found "
                          "{found}").format(line=tr.o[0].line, found=ServiceTriple.text(tr.o))
                    )
                for lang in value.split(","):
                    lang = lang.strip().lower()
                    if lang == "[auto_language]":
                        # the user's language (--auto-language, else the locale, else en), then en, as WDQS
                        # does for a browser
                        auto = (auto_language or user_language()).lower()
                        if not is_language_code(auto):
                            raise InputError(
                                _("--auto-language: expected a language code like en or pt-br, found {found}").format(
                                    found=repr(auto_language))
                            )
                        primary = auto.split("-", 1)[0]
                        languages.extend(x for x in dict.fromkeys((auto, primary, "en")) if x not in languages)
                        continue
                    if lang and lang not in languages:
                        languages.append(lang)
            continue  # other params (e.g. disableReordering) do not change results
        pred = resolve(tr.p[0], prefixes)
        if pred not in LABEL_PREDICATES or len(tr.p) != 1 or tr.o[0].kind != "var":
            raise InputError(
                _("SERVICE wikibase:label at line {line}: expected ?x rdfs:label|schema:description|skos:altLabel ?var "
                  "inside the service, found {found}").format(
                    line=tr.p[0].line,
                    found=f"{ServiceTriple.text(tr.s)} {ServiceTriple.text(tr.p)} {ServiceTriple.text(tr.o)}")
            )
        resolutions.append((ServiceTriple.text(tr.s), pred, tr.o[0].varname))
    if not languages:
        raise InputError(
            _("SERVICE wikibase:label at line {line}: you must provide the label service a list of languages "
              '(bd:serviceParam wikibase:language "en,fr" or "[AUTO_LANGUAGE]")').format(line=at.line)
        )
    automatic = not resolutions
    if automatic and not automatic_done:
        for var in query.projection:
            for suffix, pred in AUTO_SUFFIXES:
                if var.endswith(suffix) and len(var) > len(suffix):
                    resolutions.append((f"?{var[: -len(suffix)]}", pred, var))
                    break
    bound = _bound_variables(tokens, query)
    parts = []
    for subject, pred, target in resolutions:
        if target in bound:
            continue  # already bound by the query: untouched
        parts.append(_resolution(subject, pred, target, languages, counter))
    return " ".join(parts), automatic


def _bound_variables(tokens: Sequence[Token], query: QueryShape) -> set[str]:
    """Variables the WHERE clause binds outside label services (triple patterns, BIND ... AS, VALUES)."""
    out: set[str] = set()
    if query.where_open < 0:
        return out
    i = query.where_open
    depth = 0
    while i < query.where_close:
        t = tokens[i]
        if t.is_kw("SERVICE") and i + 2 < len(tokens):
            k = i + 1 + (1 if tokens[i + 1].is_kw("SILENT") else 0)
            if tokens[k].text.endswith("label") and k + 1 < len(tokens) and tokens[k + 1].text == "{":
                i = matching(tokens, k + 1) + 1
                continue
        if t.kind == "punct" and t.text == "(":
            depth += 1
        elif t.kind == "punct" and t.text == ")":
            depth -= 1
        elif t.kind == "var" and (depth == 0 or tokens[i - 1].is_kw("AS")):
            out.add(t.varname)
        i += 1
    return out


def _resolution(subject: str, pred: str, target: str, languages: Sequence[str], counter: list[int]) -> str:
    counter[0] += 1
    k = f"{HELPER}{counter[0]}"
    parts: list[str] = []
    if subject.startswith(("?", "$")):
        subj = f"?{k}s"
        parts.append(f"BIND(COALESCE({subject}, <{UNBOUND}>) AS {subj})")
    else:
        subj = subject
    candidates = []
    for n, lang in enumerate(languages):
        v = f"?{k}l{n}"
        candidates.append(v)
        lit = '"' + lang.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if pred == SKOS_ALT_LABEL:
            a = f"?{k}a{n}"
            group = f" GROUP BY {subj}" if subj.startswith("?") else ""
            proj = subj if subj.startswith("?") else ""
            parts.append(
                f"OPTIONAL {{ SELECT {proj} (STRLANG(GROUP_CONCAT(STR({a}); separator=\", \"), {lit}) AS {v}) "
                f"WHERE {{ {subj} <{pred}> {a} . FILTER(LCASE(LANG({a})) = {lit}) }}{group} "
                f"HAVING (COUNT({a}) > 0) }}"
            )
        else:
            parts.append(f"OPTIONAL {{ {subj} <{pred}> {v} . FILTER(LCASE(LANG({v})) = {lit}) }}")
    if pred == RDFS_LABEL:
        s = subj
        wd, local = wikidata_concept_base(), local_concept_base()
        fallback = (
            f"IF(isIRI({s}), IF(STRSTARTS(STR({s}), \"{wd}\"), STRAFTER(STR({s}), \"{wd}\"), "
            f"IF(STRSTARTS(STR({s}), \"{local}\"), STRAFTER(STR({s}), \"{local}\"), STR({s}))), STR({s}))"
        )
        if subj.startswith("?"):
            fallback = f"IF({s} = <{UNBOUND}>, ?{k}none, {fallback})"
        candidates.append(fallback)
    parts.append(f"BIND(COALESCE({', '.join(candidates)}) AS ?{target})")
    return " ".join(parts)


def geo_block(
    iri: str, body: list[ServiceTriple], at: Token, prefixes: Mapping[str, str], counter: list[int]
) -> tuple[str, str]:
    name = "wikibase:around" if iri.endswith("around") else "wikibase:box"
    params: dict[str, list[Token]] = {}
    patterns = []
    for tr in body:
        if resolve(tr.s[0], prefixes) == BD + "serviceParam":
            pred = resolve(tr.p[0], prefixes) or ""
            params[pred.removeprefix(WIKIBASE)] = tr.o
        else:
            patterns.append(tr)
    if len(patterns) != 1 or patterns[0].o[0].kind != "var":
        raise unsupported(f"SERVICE {name}", at, _("expected exactly one triple ?item wdt:P625 ?location in its body"))
    loc = ServiceTriple.text(patterns[0].o)
    for toks in params.values():
        if (string_value(toks) or "").startswith("[AUTO_"):
            raise unsupported(
                _("{value} (a placeholder the WDQS user interface fills in)").format(value=ServiceTriple.text(toks)),
                toks[0],
                _("put real coordinates, e.g. {example}").format(example='"Point(4.9 52.37)"^^geo:wktLiteral'),
            )
    inline = f"{ServiceTriple.text(patterns[0].s)} {ServiceTriple.text(patterns[0].p)} {loc} ."
    counter[0] += 1
    if name == "wikibase:around":
        if "center" not in params or "radius" not in params:
            raise unsupported(f"SERVICE {name}", at, _("expected bd:serviceParam wikibase:center and wikibase:radius"))
        radius_text = string_value(params["radius"]) or params["radius"][0].text
        try:
            radius = float(radius_text)
        except ValueError:
            raise unsupported(
                f"wikibase:radius {radius_text!r}", params["radius"][0], _("expected a number of km")
            ) from None
        dist = ServiceTriple.text(params["distance"]) if "distance" in params else f"?{HELPER}{counter[0]}d"
        center = ServiceTriple.text(params["center"])
        extra = f"BIND(<{GEOF_DISTANCE}>({loc}, {center}) AS {dist}) FILTER({dist} <= {radius!r})"
        return inline, extra
    corners = [("cornerWest", "cornerEast"), ("cornerSouthWest", "cornerNorthEast")]
    for a, b in corners:
        if a in params and b in params:
            extra = f"FILTER(<{IN_BOX}>({loc}, {ServiceTriple.text(params[a])}, {ServiceTriple.text(params[b])}))"
            return inline, extra
    raise unsupported(
        f"SERVICE {name}", at, _("expected wikibase:cornerWest/cornerEast or cornerSouthWest/cornerNorthEast")
    )


def _point(term: Any) -> tuple[float, float] | None:
    if not isinstance(term, ox.Literal):
        return None
    m = POINT_RE.match(term.value)
    return (float(m.group(1)), float(m.group(2))) if m else None


def _distance(a: Any, b: Any, *_units: Any) -> ox.Literal | None:
    p, q = _point(a), _point(b)
    if p is None or q is None:
        return None
    lon1, lat1, lon2, lat2 = map(math.radians, (p[0], p[1], q[0], q[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    km = 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))
    return ox.Literal(repr(km), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double"))


def _in_box(loc: Any, c1: Any, c2: Any) -> ox.Literal | None:
    p, a, b = _point(loc), _point(c1), _point(c2)
    if p is None or a is None or b is None:
        return None
    inside = min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])
    return ox.Literal("true" if inside else "false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))


def _decode_uri(value: Any) -> ox.Literal | None:
    if not isinstance(value, ox.Literal | ox.NamedNode):
        return None
    return ox.Literal(unquote(value.value))


GEOF_DISTANCE_WDQS = "http://www.opengis.net/def/geosparql/function/distance"


def custom_functions() -> dict[ox.NamedNode, Callable[..., Any]]:
    """geof:distance (km, haversine), wikibase:decodeUri, and the box test used by the rewrite.

    geof:distance answers under both spellings of its namespace met in real WDQS queries: OGC GeoSPARQL's
    ``http://www.opengis.net/def/function/geosparql/`` (glamkg's ``geof:``) and
    ``http://www.opengis.net/def/geosparql/function/``, which queries copied from Wikidata also declare."""
    return {
        ox.NamedNode(GEOF_DISTANCE): _distance,
        ox.NamedNode(GEOF_DISTANCE_WDQS): _distance,
        ox.NamedNode(DECODE_URI): _decode_uri,
        ox.NamedNode(IN_BOX): _in_box,
    }

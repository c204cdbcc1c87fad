"""Snak values (JSON ``datavalue``) -> RDF terms, validated, as Wikibase's value RDF builders write them.

:func:`parse` checks a datavalue against the property's datatype and normalises it the way the PHP
DataValue classes do on construction (time year, decimal signs, float coordinates); :func:`simple_term`
gives the object of ``wdt:``/``ps:``/``pq:``/``pr:``; :func:`value_node` the ``wdv:`` node triples of
time, quantity and globe-coordinate values (RULES.md sec. 6).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

import pyoxigraph as ox

from kg.errors import EntityError
from kg.i18n import N_, _
from kg.model import ids, timevalue, wbhash
from kg.rdf.munge import truncate_text
from kg.rdf.vocabulary import (
    COMMONS_DATA,
    COMMONS_FILE,
    GLOBE_EARTH,
    ONE_ENTITY,
    WKT,
    XSD_DATETIME,
    XSD_DECIMAL,
    XSD_DOUBLE,
    XSD_INTEGER,
    A,
    Terms,
    escape_iri,
    wb,
)

# Datatype -> the datavalue ``type`` it takes.
VALUE_TYPES = {
    "wikibase-item": "wikibase-entityid",
    "wikibase-property": "wikibase-entityid",
    "wikibase-lexeme": "wikibase-entityid",
    "wikibase-form": "wikibase-entityid",
    "wikibase-sense": "wikibase-entityid",
    "entity-schema": "wikibase-entityid",
    "string": "string",
    "external-id": "string",
    "url": "string",
    "commonsMedia": "string",
    "geo-shape": "string",
    "tabular-data": "string",
    "math": "string",
    "musical-notation": "string",
    "monolingualtext": "monolingualtext",
    "time": "time",
    "quantity": "quantity",
    "globe-coordinate": "globecoordinate",
}
ENTITY_ID_PATTERNS = {
    "wikibase-item": re.compile(r"^Q[1-9][0-9]*$"),
    "wikibase-property": re.compile(r"^P[1-9][0-9]*$"),
    "wikibase-lexeme": re.compile(r"^L[1-9][0-9]*$"),
    "wikibase-form": re.compile(r"^L[1-9][0-9]*-F[1-9][0-9]*$"),
    "wikibase-sense": re.compile(r"^L[1-9][0-9]*-S[1-9][0-9]*$"),
    "entity-schema": re.compile(r"^E[1-9][0-9]*$"),
}
ENTITY_TYPE_LETTERS = {"item": "Q", "property": "P", "lexeme": "L", "entity-schema": "E"}
MATHML = ox.NamedNode("http://www.w3.org/1998/Math/MathML")
_DECIMAL_RE = re.compile(r"^([-+]?)(\d+)(\.\d+)?$")
# Wikibase RDF writer's own test of a tag (not kg.model.languages: that decides what glamkg accepts; this
# decides, as Wikibase does, which accepted tags become language-tagged literals).
_RDF_TAG_RE = re.compile(r"^[0-9a-z-]{2,}$", re.IGNORECASE)


# What an IRI value should be, as messages name it (constants: never a call on the conversion's path).
_A_URL = N_("a URL")
_A_COMMONS_FILE = N_("a Commons file name")
_A_COMMONS_PAGE = N_("a Commons data page")


def _fail(expected: str, found: Any, entity: str | None, prop: str | None) -> EntityError:
    """The error for a value that is not what ``expected`` (already translated) describes."""
    text = repr(found)
    if len(text) > 120:
        text = text[:117] + "..."
    return EntityError(_("expected {expected}, found {found}").format(expected=expected, found=text),
                       entity=entity, prop=prop)


def wf_urlencode(text: str) -> str:
    """MediaWiki's wfUrlencode: PHP urlencode (space -> ``+``) with ``;@$!*(),/~:`` left as they are."""
    return quote_plus(text, safe=";@$!*(),/~:")


def is_map(x: object) -> bool:
    """A JSON object (fast for plain dicts)."""
    return type(x) is dict or isinstance(x, Mapping)


def is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def entity_id_of(value: Any, datatype: str, entity: str | None, prop: str | None) -> str:
    """The id of a ``wikibase-entityid`` value: ``id``, or ``entity-type`` + ``numeric-id`` (storage JSON)."""
    if type(value) is not dict and not isinstance(value, Mapping):
        raise _fail(_("an entity id value like {'id': 'Q42'}"), value, entity, prop)
    eid: Any = value.get("id")
    if (datatype, eid) in _VALID_IDS:
        return str(eid)
    if eid is None:
        letter = ENTITY_TYPE_LETTERS.get(str(value.get("entity-type")))
        num = value.get("numeric-id")
        if letter is None or not isinstance(num, int) or isinstance(num, bool) or num < 1:
            raise _fail(_("an entity id value with 'id' or 'entity-type' + 'numeric-id'"), value, entity, prop)
        eid = f"{letter}{num}"
    pattern = ENTITY_ID_PATTERNS[datatype]
    if not isinstance(eid, str) or not pattern.match(eid):
        expected = _("a {datatype} id like {example}").format(datatype=datatype, example=_example(datatype))
        raise _fail(expected, eid, entity, prop)
    if eid[0] in "QPL" and "-" not in eid:
        ids.parse_id(eid)  # the one place that owns id syntax agrees
    if len(_VALID_IDS) < 500_000:
        _VALID_IDS.add((datatype, eid))
    return eid


_VALID_IDS: set[tuple[str, str]] = set()


def _example(datatype: str) -> str:
    return {
        "wikibase-item": "Q42",
        "wikibase-property": "P31",
        "wikibase-lexeme": "L7",
        "wikibase-form": "L7-F1",
        "wikibase-sense": "L7-S1",
        "entity-schema": "E10",
    }[datatype]


def _decimal(text: Any, what: str, entity: str | None, prop: str | None) -> str:
    """A DecimalValue string as PHP stores it: explicit sign, no leading zeros, no ``-0``."""
    if not isinstance(text, str):
        raise _fail(_("a decimal string like '+12.5' for the {what}").format(what=what), text, entity, prop)
    m = _DECIMAL_RE.match(text)
    if not m:
        raise _fail(_("a decimal string like '+12.5' for the {what}").format(what=what), text, entity, prop)
    sign, whole, frac = m.group(1) or "+", m.group(2).lstrip("0") or "0", m.group(3) or ""
    if sign == "-" and whole == "0" and not frac.strip(".0"):
        sign = "+"
    return f"{sign}{whole}{frac}"


def parse(datavalue: Any, datatype: str, entity: str | None, prop: str | None) -> tuple[str, Any]:
    """Validate a JSON datavalue for ``datatype``; return (value type, normalised value).

    Entity ids come back as the id string; strings as the string; the rest as dicts with the fields
    the hash and RDF need.
    """
    expected_type = VALUE_TYPES.get(datatype)
    if expected_type is None:
        known = ", ".join(sorted(VALUE_TYPES))
        raise EntityError(_("unknown datatype {datatype} (known: {known})").format(
            datatype=repr(datatype), known=known),
                          entity=entity, prop=prop)
    if (type(datavalue) is not dict and not isinstance(datavalue, Mapping)) or "value" not in datavalue:
        raise _fail(_("a datavalue object with 'type' and 'value'"), datavalue, entity, prop)
    vtype, value = datavalue.get("type"), datavalue["value"]
    if datatype == "entity-schema" and vtype == "string":
        # Wikibase 1.39 with the EntitySchema extension writes the schema id as a string datavalue ("E10");
        # later versions as a wikibase-entityid. Both are the same schema: its IRI in RDF.
        if not isinstance(value, str) or not ENTITY_ID_PATTERNS[datatype].match(value):
            raise _fail(_("an EntitySchema id like E10"), value, entity, prop)
        return vtype, value
    if vtype != expected_type:
        raise EntityError(
            _("expected a datavalue of type {expected} for datatype {datatype}, found type {found}").format(
                expected=repr(expected_type), datatype=repr(datatype), found=repr(vtype)),
            entity=entity,
            prop=prop,
        )
    if expected_type == "wikibase-entityid":
        return vtype, entity_id_of(value, datatype, entity, prop)
    if expected_type == "string":
        if not isinstance(value, str):
            raise _fail(_("a string value for datatype {datatype}").format(datatype=datatype), value, entity, prop)
        return vtype, value
    if expected_type == "monolingualtext":
        if not is_map(value) or not isinstance(value.get("text"), str):
            raise _fail(_("a monolingual text like {'text': ..., 'language': 'en'}"), value, entity, prop)
        if not isinstance(value.get("language"), str) or not value["language"]:
            raise _fail(_("a language code on the monolingual text"), value.get("language"), entity, prop)
        return vtype, {"text": value["text"], "language": value["language"]}
    if expected_type == "time":
        return vtype, _time(value, entity, prop)
    if expected_type == "quantity":
        return vtype, _quantity(value, entity, prop)
    return vtype, _globe(value, entity, prop)


def _time(value: Any, entity: str | None, prop: str | None) -> dict[str, Any]:
    if not is_map(value):
        raise _fail(_("a time value object"), value, entity, prop)
    try:
        time = timevalue.normalize(value.get("time"))
    except timevalue.TimeFormatError as exc:
        raise EntityError(_("malformed time: {reason}").format(reason=exc), entity=entity, prop=prop) from None
    precision = value.get("precision")
    if not isinstance(precision, int) or isinstance(precision, bool) or not 0 <= precision <= 14:
        raise _fail(_("a time precision from 0 (billion years) to 14 (second)"), precision, entity, prop)
    out: dict[str, Any] = {"time": time, "precision": precision}
    for key, default in (("timezone", 0), ("before", 0), ("after", 0)):
        v = value.get(key, default)
        if not isinstance(v, int) or isinstance(v, bool):
            raise _fail(_("an integer time {key}").format(key=key), v, entity, prop)
        out[key] = v
    cal = value.get("calendarmodel", timevalue.GREGORIAN)
    if not isinstance(cal, str) or not cal.startswith(("http://", "https://")):
        raise _fail(_("a calendar model IRI like http://www.wikidata.org/entity/Q1985727"), cal, entity, prop)
    out["calendarmodel"] = cal
    return out


def _quantity(value: Any, entity: str | None, prop: str | None) -> dict[str, Any]:
    if not is_map(value):
        raise _fail(_("a quantity value object"), value, entity, prop)
    out: dict[str, Any] = {"amount": _decimal(value.get("amount"), "amount", entity, prop)}
    unit = value.get("unit", "1")
    if not isinstance(unit, str) or not (unit.strip() == "1" or unit.startswith(("http://", "https://"))):
        raise _fail(_("a quantity unit '1' or an entity IRI"), unit, entity, prop)
    out["unit"] = unit
    for key in ("upperBound", "lowerBound"):
        if value.get(key) is not None:
            out[key] = _decimal(value[key], key, entity, prop)
    return out


def _globe(value: Any, entity: str | None, prop: str | None) -> dict[str, Any]:
    if not is_map(value):
        raise _fail(_("a globe coordinate value object"), value, entity, prop)
    lat: Any = value.get("latitude")
    lon: Any = value.get("longitude")
    prec: Any = value.get("precision")
    if not is_number(lat) or not -90 <= lat <= 90:
        raise _fail(_("a latitude (a number from -90 to 90)"), lat, entity, prop)
    if not is_number(lon) or not -360 <= lon <= 360:
        raise _fail(_("a longitude (a number from -360 to 360)"), lon, entity, prop)
    if prec is not None and (not is_number(prec) or prec < 0):
        raise _fail(_("a coordinate precision (a positive number, or null)"), prec, entity, prop)
    globe = value.get("globe") or GLOBE_EARTH
    if not isinstance(globe, str) or not globe.startswith(("http://", "https://")):
        raise _fail(_("a globe IRI like http://www.wikidata.org/entity/Q2"), globe, entity, prop)
    return {
        "latitude": float(lat),
        "longitude": float(lon),
        "precision": None if prec is None else float(prec),
        "globe": globe,
    }


_TAG_OK: dict[str, bool] = {}


def text_literal(text: str, language: str, t: Terms | None = None) -> Any:
    """``"text"@lang``; like Wikibase's writer, a tag that is not ``[0-9a-z-]{2,}`` gives a plain literal.

    A tag the writer accepts but RDF 1.1 (pyoxigraph) rejects, e.g. ``zh-classical``, also gives a plain
    literal: the one deviation from Wikibase output, documented in docs/rdf.md. ``t``: the term sink
    (kg.rdf.vocabulary.Terms; pyoxigraph objects when None).
    """
    ok = _TAG_OK.get(language)
    if ok is None:
        ok = bool(_RDF_TAG_RE.match(language))
        if ok:
            try:
                ox.Literal("", language=language)
            except ValueError:
                ok = False
        if len(_TAG_OK) < 10_000:
            _TAG_OK[language] = ok
    if t is None:
        return ox.Literal(text, language=language) if ok else ox.Literal(text)
    return t.lang_literal(text, language) if ok else t.literal(text)


def _iri(t: Terms, iri: str, entity: str | None, prop: str | None, what: str) -> Any:
    try:
        return t.checked_iri(escape_iri(iri))
    except ValueError as exc:
        raise _fail(_("{what} that is a valid IRI ({reason})").format(what=_(what), reason=exc), iri, entity,
                    prop) from None


def time_literal(v: Mapping[str, Any], t: Terms) -> Any:
    xsd = timevalue.xsd_datetime(v["time"], v["precision"], v["calendarmodel"])
    return t.literal(v["time"]) if xsd is None else t.literal(xsd, XSD_DATETIME)


def point_literal(v: Mapping[str, Any], t: Terms) -> Any:
    return t.literal(_point(v["longitude"], v["latitude"], v["globe"]), WKT)


@functools.lru_cache(maxsize=65536)
def _point(lon: float, lat: float, globe: str) -> str:
    point = f"Point({wbhash.php_float(lon)} {wbhash.php_float(lat)})"
    if globe and globe != GLOBE_EARTH:
        point = f"<{globe.replace('>', '%3E')}> {point}"
    return point


def _same(text: str) -> str:
    return text


def simple_term(
    datatype: str, value: Any, terms: Terms, entity: str | None, prop: str | None, *, truncate: bool = False
) -> Any:
    """The object of ``wdt:``/``ps:``/``pq:``/``pr:`` for a parsed value, in the sink ``terms``; ``truncate``:
    text values cut as WDQS keeps them (kg.rdf.munge.truncate_text)."""
    if datatype in ENTITY_ID_PATTERNS:
        return terms.entity(value)
    builder = _SIMPLE.get(datatype)
    if builder is None:
        raise EntityError(_("unknown datatype {datatype}").format(datatype=repr(datatype)), entity=entity, prop=prop)
    return builder(terms, value, entity, prop, truncate_text if truncate else _same)


_Simple = Callable[[Terms, Any, "str | None", "str | None", Callable[[str], str]], Any]
_SIMPLE: dict[str, _Simple] = {
    "string": lambda t, v, e, p, cut: t.literal(cut(v)),
    "musical-notation": lambda t, v, e, p, cut: t.literal(cut(v)),
    "math": lambda t, v, e, p, cut: t.literal(cut(v), MATHML),
    "external-id": lambda t, v, e, p, cut: t.literal(cut(v.strip())),
    "url": lambda t, v, e, p, cut: _iri(t, v.strip(), e, p, _A_URL),
    "commonsMedia": lambda t, v, e, p, cut: _iri(t, COMMONS_FILE + quote(v, safe=""), e, p, _A_COMMONS_FILE),
    "geo-shape": lambda t, v, e, p, cut: _iri(t, COMMONS_DATA + wf_urlencode(v), e, p, _A_COMMONS_PAGE),
    "tabular-data": lambda t, v, e, p, cut: _iri(t, COMMONS_DATA + wf_urlencode(v), e, p, _A_COMMONS_PAGE),
    "monolingualtext": lambda t, v, e, p, cut: text_literal(cut(v["text"]), v["language"], t),
    "time": lambda t, v, e, p, cut: time_literal(v, t),
    "quantity": lambda t, v, e, p, cut: t.literal(v["amount"], XSD_DECIMAL),
    "globe-coordinate": lambda t, v, e, p, cut: point_literal(v, t),
}

HAS_VALUE_NODE = frozenset({"time", "quantity", "globe-coordinate"})


_VALUE_NODE_TERMS = (
    *("TimeValue", "timeValue", "timePrecision", "timeTimezone", "timeCalendarModel"),
    *("QuantityValue", "quantityAmount", "quantityUpperBound", "quantityLowerBound", "quantityUnit"),
    *("GlobecoordinateValue", "GeoAutoPrecision", "geoLatitude", "geoLongitude", "geoPrecision", "geoGlobe"),
)
_SINK_TERMS: dict[type, dict[str, Any]] = {}


def _value_terms(t: Terms) -> dict[str, Any]:
    """The fixed terms of value nodes in the sink ``t`` (``a`` and the ``wikibase:`` ones), made once per sink."""
    got = _SINK_TERMS.get(type(t))
    if got is None:
        got = _SINK_TERMS[type(t)] = {n: t.c(wb(n)) for n in _VALUE_NODE_TERMS} | {"a": t.c(A)}
    return got


def value_node(datatype: str, v: Mapping[str, Any], node: Any, t: Terms) -> list[Any]:
    """Triples of the ``wdv:`` node of a time, quantity or globe-coordinate value, in the sink ``t``."""
    T, k = t.triple, _value_terms(t)
    a = k["a"]
    if datatype == "time":
        return [
            T(node, a, k["TimeValue"]),
            T(node, k["timeValue"], time_literal(v, t)),
            T(node, k["timePrecision"], t.literal(str(v["precision"]), XSD_INTEGER)),
            T(node, k["timeTimezone"], t.literal(str(v["timezone"]), XSD_INTEGER)),
            T(node, k["timeCalendarModel"], _iri_node(t, v["calendarmodel"])),
        ]
    if datatype == "quantity":
        out = [
            T(node, a, k["QuantityValue"]),
            T(node, k["quantityAmount"], t.literal(v["amount"], XSD_DECIMAL)),
        ]
        if "upperBound" in v:
            out.append(T(node, k["quantityUpperBound"], t.literal(v["upperBound"], XSD_DECIMAL)))
        if "lowerBound" in v:
            out.append(T(node, k["quantityLowerBound"], t.literal(v["lowerBound"], XSD_DECIMAL)))
        unit = v["unit"].strip()
        out.append(T(node, k["quantityUnit"], t.iri(ONE_ENTITY) if unit == "1" else _iri_node(t, unit)))
        return out
    prec = v["precision"]
    out = [T(node, a, k["GlobecoordinateValue"])]
    if prec is None:
        out.append(T(node, a, k["GeoAutoPrecision"]))
        prec = 1 / 3600
    out += [
        T(node, k["geoLatitude"], t.literal(wbhash.php_float(v["latitude"]), XSD_DOUBLE)),
        T(node, k["geoLongitude"], t.literal(wbhash.php_float(v["longitude"]), XSD_DOUBLE)),
        T(node, k["geoPrecision"], t.literal(wbhash.php_float(prec), XSD_DOUBLE)),
        T(node, k["geoGlobe"], _iri_node(t, v["globe"])),
    ]
    return out


def _iri_node(t: Terms, iri: str) -> Any:
    """An IRI from the data (calendar model, unit, globe): checked once per sink and IRI, then cached."""
    key = (type(t), iri)
    node = _IRI_NODES.get(key)
    if node is None:
        node = t.checked_iri(escape_iri(iri))
        if len(_IRI_NODES) < 4096:
            _IRI_NODES[key] = node
    return node


_IRI_NODES: dict[tuple[type, str], Any] = {}


def value_hash(datatype: str, v: Mapping[str, Any]) -> str:
    if datatype == "time":  # dates repeat (retrieved dates of references): cache by content
        return _time_hash(v["time"], v["timezone"], v["before"], v["after"], v["precision"], v["calendarmodel"])
    if datatype == "globe-coordinate":
        return _globe_hash(v["latitude"], v["longitude"], v["precision"], v["globe"])
    return wbhash.value_hash(VALUE_TYPES[datatype], v)


@functools.lru_cache(maxsize=65536)
def _globe_hash(lat: float, lon: float, precision: float | None, globe: str) -> str:
    return wbhash.globe_hash({"latitude": lat, "longitude": lon, "precision": precision, "globe": globe})


@functools.lru_cache(maxsize=65536)
def _time_hash(time: str, tz: int, before: int, after: int, precision: int, calendar: str) -> str:
    v = {"time": time, "timezone": tz, "before": before, "after": after, "precision": precision}
    v["calendarmodel"] = calendar
    return wbhash.value_hash("time", v)

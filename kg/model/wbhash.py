"""Wikibase hashes, computed the way Wikibase computes them in PHP.

Three kinds of hash appear in Wikibase RDF (see RULES.md sec. 10 of the conformance set):

- value-node hashes (``wdv:<md5>``): md5 of the PHP ``serialize()`` of a DataValue (time, quantity),
  or, for globe coordinates, md5 of ``lat|lon|precision|globe`` with PHP float strings;
- snak hashes (the API's ``hash`` on snaks): sha1 of the PHP ``serialize()`` of the snak;
- reference hashes (``wdref:<sha1>``, the API's ``references[].hash``): sha1 of the sorted snak hashes
  joined with ``|``.

PHP's ``serialize()`` of an object implementing ``Serializable`` is ``C:<len>:"<class>":<len>:{<data>}``
with lengths in UTF-8 bytes. Floats are written as PHP writes them: the string cast uses 14 significant
digits (``precision`` ini), ``json_encode`` the shortest round-trip form (``serialize_precision = -1``).

    >>> php_float(1 / 3600)
    '0.00027777777777778'
    >>> php_float(1e-05)
    '1.0E-5'
    >>> php_json_float(52.0)
    '52.0'
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

_VALUE_SNAK = "Wikibase\\DataModel\\Snak\\PropertyValueSnak"
_SOME_SNAK = "Wikibase\\DataModel\\Snak\\PropertySomeValueSnak"
_NO_SNAK = "Wikibase\\DataModel\\Snak\\PropertyNoValueSnak"
_ENTITY_ID_VALUE = "Wikibase\\DataModel\\Entity\\EntityIdValue"
_ID_CLASSES = {
    "Q": "Wikibase\\DataModel\\Entity\\ItemId",
    "P": "Wikibase\\DataModel\\Entity\\NumericPropertyId",
    "L": "Wikibase\\Lexeme\\Domain\\Model\\LexemeId",
}


def _blen(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-8"))


def php_custom(cls: str, data: str) -> str:
    """``serialize()`` of a PHP object implementing Serializable: ``C:<len>:"<cls>":<len>:{<data>}``."""
    return f'C:{len(cls)}:"{cls}":{_blen(data)}:{{{data}}}'


def php_string(s: str) -> str:
    """``serialize()`` of a PHP string: ``s:<len>:"<s>";``."""
    return f's:{_blen(s)}:"{s}";'


def _exp_form(text: str, exp_char: str) -> str:
    """Python ``1e-05`` / ``1.5e+20`` -> PHP ``1.0E-5`` / ``1.5E+20``."""
    mantissa, _, exp = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    sign = "-" if exp.startswith("-") else "+"
    return f"{mantissa}{exp_char}{sign}{int(exp.lstrip('+-'))}"


def php_float(x: float) -> str:
    """PHP's ``(string)$float`` (14 significant digits): what Wikibase writes into RDF and globe hashes."""
    x = float(x)
    r = repr(x)
    # Fast path: a plain repr with at most 14 significant digits is already PHP's form. Python writes floats
    # from 1e-4 to 1e16 without an exponent, with a dot: 15 characters or fewer hold at most 14 digits.
    if len(r) <= 15 and "e" not in r and "n" not in r:
        return r[:-2] if r.endswith(".0") else r
    fast = "e" not in r and "n" not in r and (x == 0 or abs(x) >= 1e-4)
    if fast and len(r.replace("-", "").replace(".", "").lstrip("0")) <= 14:
        return r[:-2] if r.endswith(".0") else r
    if x != x:
        return "NAN"
    if x in (float("inf"), float("-inf")):
        return "INF" if x > 0 else "-INF"
    text = f"{x:.14G}"
    if "E" in text:
        return _exp_form(text.lower(), "E")
    return text


def php_json_float(x: float) -> str:
    """PHP ``json_encode`` of a float (shortest round-trip digits, a float stays a float: ``52.0``)."""
    text = repr(float(x))
    if "e" in text:
        return _exp_form(text, "e")
    return text


def php_json(value: Any) -> str:
    """PHP ``json_encode`` of a list/scalar: no spaces, ``/`` escaped, non-ASCII as ``\\uxxxx``."""
    if isinstance(value, float):
        return php_json_float(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(php_json(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=True).replace("/", "\\/")


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


# --- DataValue serializations -------------------------------------------------------------------------


def time_serialization(v: Mapping[str, Any]) -> str:
    """``serialize(TimeValue)``; ``v`` holds the normalised time string and integer fields."""
    # The time string is validated ([-+0-9TZ:] only), so only the calendar IRI needs JSON escaping.
    ints = f'{v["timezone"]},{v["before"]},{v["after"]},{v["precision"]}'
    data = f'["{v["time"]}",{ints},{_json_str(v["calendarmodel"])}]'
    return php_custom("DataValues\\TimeValue", data)


@functools.lru_cache(maxsize=256)
def _json_str(text: str) -> str:
    return php_json(text)


def _decimal(s: str) -> str:
    return php_custom("DataValues\\DecimalValue", php_string(s))


def quantity_serialization(v: Mapping[str, Any]) -> str:
    """``serialize(QuantityValue)`` or ``serialize(UnboundedQuantityValue)`` (no bounds)."""
    upper, lower = v.get("upperBound"), v.get("lowerBound")
    if upper is None or lower is None:
        data = f"a:2:{{i:0;{_decimal(v['amount'])}i:1;{php_string(v['unit'])}}}"
        return php_custom("DataValues\\UnboundedQuantityValue", data)
    data = f"a:4:{{i:0;{_decimal(v['amount'])}i:1;{php_string(v['unit'])}i:2;{_decimal(upper)}i:3;{_decimal(lower)}}}"
    return php_custom("DataValues\\QuantityValue", data)


def globe_serialization(v: Mapping[str, Any]) -> str:
    """``serialize(GlobeCoordinateValue)``: JSON of [lat, lon, altitude, precision, globe]."""
    prec = v.get("precision")
    # php_json([lat, lon, None, precision, globe]) written out: one of these per coordinate of a load
    prec_s = "null" if prec is None else php_json_float(prec)
    globe = v["globe"]
    globe_s = _json_str(globe) if isinstance(globe, str) else php_json(globe)
    data = f"[{php_json_float(v['latitude'])},{php_json_float(v['longitude'])},null,{prec_s},{globe_s}]"
    return php_custom("DataValues\\Geo\\Values\\GlobeCoordinateValue", data)


def globe_hash(v: Mapping[str, Any]) -> str:
    """Value-node hash of a globe coordinate: md5 of ``lat|lon|precision|globe`` (PHP float strings)."""
    prec = v.get("precision")
    prec_s = "" if prec is None else php_float(prec)
    return md5(f"{php_float(v['latitude'])}|{php_float(v['longitude'])}|{prec_s}|{v['globe']}")


def value_hash(value_type: str, v: Mapping[str, Any]) -> str:
    """``wdv:`` hash of a time, quantity or globecoordinate value (fields already normalised)."""
    if value_type == "time":
        return md5(time_serialization(v))
    if value_type == "quantity":
        return md5(quantity_serialization(v))
    if value_type == "globecoordinate":
        return globe_hash(v)
    raise ValueError(f"no value node for value type {value_type!r}")


def entity_id_serialization(eid: str) -> str:
    cls = _ID_CLASSES.get(eid[:1], "Wikibase\\DataModel\\Entity\\ItemId")
    return php_custom(_ENTITY_ID_VALUE, php_custom(cls, eid))


def datavalue_serialization(value_type: str, v: Any) -> str:
    """``serialize()`` of a DataValue given its JSON ``type`` and normalised ``value``.

    ``wikibase-entityid`` values must be passed as the id string (``"Q42"``).
    """
    if value_type == "string":
        return php_custom("DataValues\\StringValue", v)
    if value_type == "monolingualtext":
        data = f"a:2:{{i:0;{php_string(v['language'])}i:1;{php_string(v['text'])}}}"
        return php_custom("DataValues\\MonolingualTextValue", data)
    if value_type == "wikibase-entityid":
        return entity_id_serialization(v)
    if value_type == "time":
        return time_serialization(v)
    if value_type == "quantity":
        return quantity_serialization(v)
    if value_type == "globecoordinate":
        return globe_serialization(v)
    raise ValueError(f"cannot hash a datavalue of type {value_type!r}")


def snak_hash(snaktype: str, pid: str, value_type: str | None = None, value: Any = None) -> str:
    """The API ``hash`` of a snak."""
    if snaktype == "somevalue":
        return sha1(php_custom(_SOME_SNAK, pid))
    if snaktype == "novalue":
        return sha1(php_custom(_NO_SNAK, pid))
    assert value_type is not None
    data = f"a:2:{{i:0;{_php_pid(pid)}i:1;{datavalue_serialization(value_type, value)}}}"
    return sha1(php_custom(_VALUE_SNAK, data))


@functools.lru_cache(maxsize=4096)
def _php_pid(pid: str) -> str:
    return php_string(pid)


def reference_hash(snak_hashes: Iterable[str]) -> str:
    """The API ``hash`` of a reference (order of snaks irrelevant)."""
    return sha1("|".join(sorted(snak_hashes)))

"""SPARQL results -> typed pandas DataFrames, the same from every engine.

Every source (SPARQL 1.1 JSON results from any endpoint, SPARQL CSV, pyoxigraph ``QuerySolutions``) is
first turned into the same list of SPARQL-JSON terms, and one function types the columns, so that a
query gives an identical DataFrame whether it ran locally, on query.wikidata.org or on ``oxigraph serve``.

Column typing (decided per column, over all its bound values):

====================================  ============================================================
values                                column(s)
====================================  ============================================================
IRIs (and blank nodes)                ``string``; entity IRIs shortened to ids (``Q42``) when
                                      ``shorten_ids`` (other IRIs kept whole)
xsd integer types                     ``Int64`` (nullable)
xsd decimal / double / float          ``float64``
mixed integer and decimal             ``float64``
xsd:boolean                           ``boolean``
xsd:dateTime / xsd:date               ``datetime64[us]`` (UTC, time zone dropped; years -290307 to
                                      294246, so BCE dates work). Fallback: a column with a value
                                      outside that range or not valid keeps ``string`` lexical forms
geo:wktLiteral ``Point(lon lat)``     ``<var>`` (``string``, the WKT) + ``<var>_lon``, ``<var>_lat``
                                      (``float64``)
literals with a language tag          ``<var>`` (``string``) + ``<var>_lang`` (``string``)
anything else / mixed kinds           ``string`` (lexical form; IRIs shortened as above)
====================================  ============================================================

Unbound values are ``<NA>`` / ``NaT`` / ``NaN``. ASK results give one column ``boolean``; CONSTRUCT and
DESCRIBE results give ``subject``, ``predicate``, ``object`` columns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kg.errors import InputError

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
INTEGER_TYPES = frozenset(
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "nonPositiveInteger",
        "positiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
)
FLOAT_TYPES = frozenset(XSD + t for t in ("decimal", "double", "float"))
DATE_TYPES = frozenset({XSD + "dateTime", XSD + "date", XSD + "dateTimeStamp"})
BOOLEAN = XSD + "boolean"
_DT_KIND: dict[str, str] = {
    **dict.fromkeys(INTEGER_TYPES, "int"),
    **dict.fromkeys(FLOAT_TYPES, "float"),
    **dict.fromkeys(DATE_TYPES, "date"),
    BOOLEAN: "bool",
    WKT: "wkt",
}

Term = Mapping[str, str]  # a SPARQL 1.1 JSON results term: {"type": ..., "value": ..., ...}

_POINT_RE = re.compile(
    r"^\s*(?:<[^>]*>\s*)?Point\s*\(\s*([-+]?[0-9.eE+-]+)\s+([-+]?[0-9.eE+-]+)\s*\)\s*$", re.IGNORECASE
)
_DATE_RE = re.compile(
    r"^(-?)(\d{4,})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2}):(\d{2})(\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?$"
)
_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$|^[+-]?(INF|NaN)$")
_MIN_YEAR, _MAX_YEAR = -290307, 294246  # datetime64[us] range


# --------------------------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------------------------
def to_dataframe(sparql_json: Mapping[str, Any], *, shorten_ids: bool = True) -> pd.DataFrame:
    """A SPARQL 1.1 JSON results document (SELECT or ASK) -> typed DataFrame."""
    if not isinstance(sparql_json, Mapping):
        raise InputError(f"expected SPARQL JSON results (an object), found {type(sparql_json).__name__}")
    if "boolean" in sparql_json:
        return pd.DataFrame({"boolean": pd.array([bool(sparql_json["boolean"])], dtype="boolean")})
    try:
        variables = list(sparql_json["head"].get("vars", []))
        bindings = sparql_json["results"]["bindings"]
    except (KeyError, TypeError, AttributeError) as e:
        raise InputError(
            "expected SPARQL JSON results with head.vars and results.bindings, "
            f"found keys {sorted(sparql_json)} (missing {e})"
        ) from None
    return build_frame(variables, bindings, shorten_ids=shorten_ids)


def from_csv(text_or_file: str | io.TextIOBase | Any, *, shorten_ids: bool = True) -> pd.DataFrame:
    """SPARQL 1.1 CSV results -> DataFrame with the same typing, inferred from the text.

    CSV carries no term types: a value that looks like an absolute IRI (``http://``, ``https://``,
    ``urn:``) is taken as an IRI, an integer/decimal-looking value as a number, an ISO date as a date,
    ``Point(lon lat)`` as a WKT point, anything else as a plain string; an empty field is unbound. Language
    tags are lost in CSV. Prefer JSON results where types matter.
    """
    text = text_or_file if isinstance(text_or_file, str) else text_or_file.read()
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InputError("expected SPARQL CSV results with a header row, found an empty document")
    variables = rows[0]
    bindings: list[dict[str, dict[str, str]]] = []
    for row in rows[1:]:
        b: dict[str, dict[str, str]] = {}
        for var, value in zip(variables, row, strict=False):
            if value == "":
                continue
            b[var] = _guess_term(value)
        bindings.append(b)
    return build_frame(variables, bindings, shorten_ids=shorten_ids)


def from_oxigraph(results: Any, *, shorten_ids: bool = True) -> pd.DataFrame:
    """pyoxigraph ``QuerySolutions`` / ``QueryBoolean`` / ``QueryTriples`` -> DataFrame."""
    import pyoxigraph as ox

    if isinstance(results, ox.QueryBoolean):
        return pd.DataFrame({"boolean": pd.array([bool(results)], dtype="boolean")})
    named, literal = ox.NamedNode, ox.Literal
    dt_kind = _DT_KIND

    def norm(term: Any) -> _Norm | None:
        if term is None:
            return None
        cls = type(term)
        if cls is named:
            return ("iri", term.value, None, True)
        if cls is literal:
            lang = term.language
            if lang:
                return ("lang", term.value, lang, False)
            return (dt_kind.get(term.datatype.value, "string"), term.value, None, False)
        return _norm(term_json(term))

    if isinstance(results, ox.QueryTriples):
        names = ["subject", "predicate", "object"]
        cols: list[list[_Norm | None]] = [[], [], []]
        for t in results:
            cols[0].append(norm(t.subject))
            cols[1].append(norm(t.predicate))
            cols[2].append(norm(t.object))
        return _frame(names, cols, shorten_ids)
    if isinstance(results, ox.QuerySolutions):
        variables = [v.value for v in results.variables]
        columns: list[list[_Norm | None]] = [[] for _ in variables]
        appends = [col.append for col in columns]
        for sol in results:
            for append, term in zip(appends, sol, strict=True):
                append(norm(term))
        return _frame(variables, columns, shorten_ids)
    raise InputError(f"expected pyoxigraph query results, found {type(results).__name__}")


def term_json(term: Any) -> dict[str, str]:
    """A pyoxigraph term as a SPARQL 1.1 JSON results term."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": str(term)}
    raise InputError(f"expected an RDF term, found {type(term).__name__}")


# --------------------------------------------------------------------------------------------------------
# typing
# --------------------------------------------------------------------------------------------------------
def build_frame(
    variables: Sequence[str], bindings: Iterable[Mapping[str, Term]], *, shorten_ids: bool = True
) -> pd.DataFrame:
    """Typed DataFrame from variables and SPARQL-JSON bindings (the common path of every source)."""
    rows = list(bindings)
    columns = []
    for var in variables:
        columns.append([None if (t := row.get(var)) is None else _norm(t) for row in rows])
    return _frame(list(variables), columns, shorten_ids, nrows=len(rows))


# A term reduced to what typing needs: (kind, value, language, is_uri). kind: iri, int, float, date, bool, wkt,
# lang, string.
_Norm = tuple[str, str, str | None, bool]


def _norm(term: Term) -> _Norm:
    t = term.get("type")
    value = term.get("value", "")
    if t in ("uri", "bnode"):
        return ("iri", value, None, t == "uri")
    if t in ("literal", "typed-literal"):
        lang = term.get("xml:lang")
        if lang:
            return ("lang", value, lang, False)
        return (_DT_KIND.get(term.get("datatype") or "", "string"), value, None, False)
    return ("string", value, None, False)


def _frame(
    variables: list[str], columns: list[list[_Norm | None]], shorten_ids: bool, nrows: int | None = None
) -> pd.DataFrame:
    n = nrows if nrows is not None else (len(columns[0]) if columns else 0)
    out: dict[str, Any] = {}
    short = _Shortener() if shorten_ids else None
    for var, terms in zip(variables, columns, strict=True):
        out.update(_column(var, terms, short))
    if not out:
        return pd.DataFrame(index=pd.RangeIndex(n))
    return pd.DataFrame(out, index=pd.RangeIndex(n))


class _Shortener:
    """kg.ids.shorten with the bases read once and a memo (results repeat the same IRIs a lot)."""

    def __init__(self) -> None:
        from kg.ids import local_concept_base, wikidata_concept_base

        self.bases = (wikidata_concept_base(), local_concept_base(), "https://www.wikidata.org/entity/")
        self.memo: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        hit = self.memo.get(iri)
        if hit is None:
            hit = iri
            for base in self.bases:
                if iri.startswith(base) and _ID_RE.match(iri, len(base)):
                    hit = iri[len(base) :]
                    break
            self.memo[iri] = hit
        return hit


_ID_RE = re.compile(r"[QPL][1-9][0-9]*$")


def _column(var: str, terms: list[_Norm | None], short: _Shortener | None) -> dict[str, Any]:
    kinds = {t[0] for t in terms if t is not None}
    n = len(terms)
    if kinds == {"int"}:
        ints = [_to_int(t[1]) if t is not None else None for t in terms]
        valid = all((i is not None and abs(i) < 2**63) for t, i in zip(terms, ints, strict=True) if t is not None)
        if valid:
            return {var: pd.array(ints, dtype="Int64")}
        kinds = {"float"}
    if kinds and kinds <= {"int", "float"}:
        return {var: pd.array([_to_float(t[1]) if t is not None else np.nan for t in terms], dtype="float64")}
    if kinds == {"bool"}:
        vals = [None if t is None else t[1].strip() in ("true", "1") for t in terms]
        return {var: pd.array(vals, dtype="boolean")}
    if kinds == {"date"}:
        dates = _dates([t[1] if t is not None else None for t in terms])
        if dates is not None:
            return {var: dates}
    if short is not None:
        texts = [None if t is None else (short(t[1]) if t[3] else t[1]) for t in terms]
    else:
        texts = [None if t is None else t[1] for t in terms]
    out: dict[str, Any] = {var: pd.array(texts, dtype="string")}
    if kinds == {"wkt"}:
        lons: list[float] = []
        lats: list[float] = []
        for t in terms:
            m = _POINT_RE.match(t[1]) if t is not None else None
            lons.append(float(m.group(1)) if m else np.nan)
            lats.append(float(m.group(2)) if m else np.nan)
        out[f"{var}_lon"] = pd.array(lons, dtype="float64")
        out[f"{var}_lat"] = pd.array(lats, dtype="float64")
    if "lang" in kinds:
        out[f"{var}_lang"] = pd.array([t[2] if t is not None else None for t in terms], dtype="string")
    assert all(len(v) == n for v in out.values())
    return out


def _to_int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def _to_float(value: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        return np.nan


def _dates(values: list[str | None]) -> Any:
    """datetime64[us] (UTC, naive) for ISO dateTime/date lexical forms; None if any value does not fit."""
    out: list[np.datetime64] = []
    for v in values:
        if v is None:
            out.append(np.datetime64("NaT", "us"))
            continue
        m = _DATE_RE.match(v.strip())
        if not m:
            return None
        sign, year_s, month, day, hh, mm, ss, frac, tz = m.groups()
        year = int(year_s) * (-1 if sign else 1)
        if not (_MIN_YEAR < year < _MAX_YEAR):
            return None
        try:
            ystr = f"{'-' if year < 0 else ''}{abs(year):04d}"
            stamp = np.datetime64(f"{ystr}-{month}-{day}T{hh or '00'}:{mm or '00'}:{ss or '00'}{frac or ''}", "us")
        except ValueError:
            return None
        if str(stamp) == "NaT":
            return None
        if tz and tz != "Z":
            offset = (int(tz[1:3]) * 60 + int(tz[4:6])) * (1 if tz[0] == "+" else -1)
            stamp = stamp - np.timedelta64(offset, "m")
        out.append(stamp)
    return pd.array(np.array(out, dtype="datetime64[us]"))


def _guess_term(value: str) -> dict[str, str]:
    if re.match(r"^(https?|urn|ftp|mailto):\S+$", value):
        return {"type": "uri", "value": value}
    if value.startswith("_:"):
        return {"type": "bnode", "value": value[2:]}
    if _INT_RE.match(value):
        return {"type": "literal", "datatype": XSD + "integer", "value": value}
    if _FLOAT_RE.match(value):
        return {"type": "literal", "datatype": XSD + "decimal", "value": value}
    if _DATE_RE.match(value):
        dt = XSD + ("dateTime" if "T" in value else "date")
        return {"type": "literal", "datatype": dt, "value": value}
    if value in ("true", "false"):
        return {"type": "literal", "datatype": BOOLEAN, "value": value}
    if _POINT_RE.match(value):
        return {"type": "literal", "datatype": WKT, "value": value}
    return {"type": "literal", "value": value}

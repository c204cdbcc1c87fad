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
from kg.i18n import _
from kg.query.terms import (
    BOOLEAN,
    DATE_RE,
    DT_KIND,
    FLOAT_RE,
    INT_RE,
    MAX_YEAR,
    MIN_YEAR,
    POINT_RE,
    POINT_RE2,
    WKT,
    XSD,
    Col,
    Term,
    canonical_point,
    int64_values,
    solution_columns,
)
from kg.query.terms import (
    VIRTUOSO_GEOMETRY as VIRTUOSO_GEOMETRY,  # re-exported: a name of this module callers use
)


# --------------------------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------------------------
def to_dataframe(sparql_json: Mapping[str, Any], *, shorten_ids: bool = True) -> pd.DataFrame:
    """A SPARQL 1.1 JSON results document (SELECT or ASK) -> typed DataFrame."""
    if not isinstance(sparql_json, Mapping):
        raise InputError(_("expected SPARQL JSON results (an object), found {found}").format(
            found=type(sparql_json).__name__))
    if "boolean" in sparql_json:
        return pd.DataFrame({"boolean": pd.array([bool(sparql_json["boolean"])], dtype="boolean")})
    try:
        variables = list(sparql_json["head"].get("vars", []))
        bindings = sparql_json["results"]["bindings"]
    except (KeyError, TypeError, AttributeError) as e:
        raise InputError(
            _("expected SPARQL JSON results with head.vars and results.bindings, found keys {keys} (missing "
              "{missing})").format(keys=sorted(sparql_json), missing=e)
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
        raise InputError(_("expected SPARQL CSV results with a header row, found an empty document"))
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
    """pyoxigraph ``QuerySolutions`` / ``QueryBoolean`` / ``QueryTriples`` -> DataFrame.

    Built column by column straight from the pyoxigraph terms (no SPARQL-JSON dicts in between): the
    solutions are transposed once, then each column is classified and converted with list comprehensions
    and vectorised pandas/pyarrow operations. The typing is the same as :func:`to_dataframe` (tested).
    """
    import pyoxigraph as ox

    if isinstance(results, ox.QueryBoolean):
        return pd.DataFrame({"boolean": pd.array([bool(results)], dtype="boolean")})
    if isinstance(results, ox.QueryTriples):
        names = ["subject", "predicate", "object"]
        triples = [(t.subject, t.predicate, t.object) for t in results]
        term_cols: list[Sequence[Any]] = [list(c) for c in zip(*triples, strict=True)] if triples else [[], [], []]
        return _frame(names, [_ox_column(c) for c in term_cols], shorten_ids, nrows=len(triples))
    if isinstance(results, ox.QuerySolutions):
        return frame(*solution_columns(results), shorten_ids=shorten_ids)
    raise InputError(_("expected pyoxigraph query results, found {found}").format(found=type(results).__name__))


def _ox_column(terms: Sequence[Any]) -> Col:
    """Kinds, lexical values and languages of one column of pyoxigraph terms (None = unbound)."""
    import pyoxigraph as ox

    classes = set(map(type, terms))
    classes.discard(type(None))
    has_none = len(classes) < len(set(map(type, terms)))
    if classes == {ox.NamedNode}:
        values = [None if t is None else t.value for t in terms] if has_none else [t.value for t in terms]
        return Col(["uri" if t is not None else None for t in terms] if has_none else ["uri"] * len(terms), values)
    if classes == {ox.Literal}:
        values = [None if t is None else t.value for t in terms]
        langs = [None if t is None else t.language for t in terms]
        dt_kind = DT_KIND
        kinds: list[str | None] = [
            None if t is None else ("lang" if lang else dt_kind.get(t.datatype.value, "string"))
            for t, lang in zip(terms, langs, strict=True)
        ]
        return Col(kinds, values, langs if any(langs) else None)
    # mixed or rare term types (blank nodes, quoted triples): through the SPARQL-JSON form
    return _json_column([None if t is None else term_json(t) for t in terms])


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
    raise InputError(_("expected an RDF term, found {found}").format(found=type(term).__name__))


# --------------------------------------------------------------------------------------------------------
# typing
# --------------------------------------------------------------------------------------------------------
def build_frame(
    variables: Sequence[str], bindings: Iterable[Mapping[str, Term]], *, shorten_ids: bool = True
) -> pd.DataFrame:
    """Typed DataFrame from variables and SPARQL-JSON bindings (the common path of every source)."""
    rows = list(bindings)
    columns = [_json_column([row.get(var) for row in rows]) for var in variables]
    return _frame(list(variables), columns, shorten_ids, nrows=len(rows))


def _json_column(terms: Sequence[Term | None]) -> Col:
    kinds: list[str | None] = []
    values: list[str | None] = []
    langs: list[str | None] = []
    for term in terms:
        if term is None:
            kinds.append(None)
            values.append(None)
            langs.append(None)
            continue
        t = term.get("type")
        values.append(term.get("value", ""))
        lang = None
        if t == "uri":
            kind = "uri"
        elif t == "bnode":
            kind = "bnode"
        elif t in ("literal", "typed-literal"):
            lang = term.get("xml:lang") or None
            kind = "lang" if lang else DT_KIND.get(term.get("datatype") or "", "string")
        else:
            kind = "string"
        kinds.append(kind)
        langs.append(lang)
    return Col(kinds, values, langs if any(langs) else None)


def frame(variables: list[str], columns: list[Col], nrows: int, *, shorten_ids: bool = True) -> pd.DataFrame:
    """The typed DataFrame of an answer's columns (:func:`kg.query.terms.solution_columns`)."""
    return _frame(variables, columns, shorten_ids, nrows)


def _frame(variables: list[str], columns: list[Col], shorten_ids: bool, nrows: int) -> pd.DataFrame:
    out: dict[str, Any] = {}
    short = _Shortener() if shorten_ids else None
    for var, col in zip(variables, columns, strict=True):
        out.update(_column(var, col, short))
    if not out:
        return pd.DataFrame(index=pd.RangeIndex(nrows))
    return pd.DataFrame(out, index=pd.RangeIndex(nrows))


class _Shortener:
    """kg.model.ids.shorten for many values at once: entity IRIs under a known base become their ids."""

    def __init__(self) -> None:
        from kg.model.ids import local_concept_base, wikidata_concept_base

        bases = (wikidata_concept_base(), local_concept_base(), "https://www.wikidata.org/entity/")
        alternatives = "|".join(re.escape(b) for b in dict.fromkeys(bases))
        self._match = re.compile(f"(?:{alternatives})([QPL][1-9][0-9]*)$").match
        # the same test in RE2 syntax for pyarrow (re.escape's escapes are valid RE2)
        self._re2 = f"^(?:{alternatives})(?P<id>[QPL][1-9][0-9]*)$"

    def __call__(self, iri: str) -> str:
        m = self._match(iri)
        return m.group(1) if m else iri

    def column(self, values: list[str | None], kinds: list[str | None]) -> Any:
        """The values as a ``string`` array, entity IRIs (kind ``uri`` only) shortened; vectorised."""
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(values, type=pa.string())
        ids = pc.struct_field(pc.extract_regex(arr, pattern=self._re2), "id")
        take = pc.is_valid(ids)
        if any(k != "uri" for k in kinds if k is not None):  # literals that look like IRIs stay whole
            take = pc.and_(take, pa.array([k == "uri" for k in kinds], type=pa.bool_()))
        return pd.array(pc.if_else(take, ids, arr), dtype="string")


_ID_RE = re.compile(r"[QPL][1-9][0-9]*$")


def _column(var: str, col: Col, short: _Shortener | None) -> dict[str, Any]:
    kinds_list, values = col.kinds, col.values
    kinds = set(kinds_list)
    kinds.discard(None)
    n = len(values)
    if kinds == {"int"}:
        ints = int64_values(values)
        if ints is not None:
            return {var: pd.array(ints, dtype="Int64")}
        kinds = {"float"}
    if kinds and kinds <= {"int", "float"}:
        return {var: pd.array([np.nan if v is None else _to_float(v) for v in values], dtype="float64")}
    if kinds == {"bool"}:
        return {var: pd.array([None if v is None else v.strip() in ("true", "1") for v in values], dtype="boolean")}
    if kinds == {"date"}:
        dates = _dates(values)
        if dates is not None:
            return {var: dates}
    if kinds == {"wkt"}:  # one spelling of a point whatever the engine: Wikidata's "Point(lon lat)"
        values = [canonical_point(v) for v in values]
    if short is not None and "uri" in kinds:
        out: dict[str, Any] = {var: short.column(values, kinds_list)}
    else:
        out = {var: pd.array(values, dtype="string")}
    if kinds == {"wkt"}:
        out[f"{var}_lon"], out[f"{var}_lat"] = _points(values)
    if "lang" in kinds:
        langs = col.langs if col.langs is not None else [None] * n
        out[f"{var}_lang"] = pd.array(langs, dtype="string")
    assert all(len(v) == n for v in out.values())
    return out


def _points(values: list[str | None]) -> tuple[Any, Any]:
    """``Point(lon lat)`` -> (lon, lat) float64 arrays, NaN where a value is unbound or not a point."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.extract_regex(pa.array(values, type=pa.string()), pattern=POINT_RE2)
    out = []
    for field in ("lon", "lat"):
        texts = pc.struct_field(parts, field)
        try:
            nums = pc.cast(texts, pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, ValueError):  # a number the pattern admits but that does not parse ("1-2")
            nums = np.array([_to_float(v) if v is not None else np.nan for v in texts.to_pylist()], dtype="float64")
        out.append(pd.array(nums, dtype="float64"))
    return out[0], out[1]


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
    # fast path: every value is a plain UTC dateTime to the second with a 4-digit year (WDQS' usual form),
    # parsed by numpy in one go (it raises on an invalid day or month: then the general path decides)
    if all(v is None or (len(v) == 20 and v[4] == "-" and v[19] == "Z" and v[0].isdigit()) for v in values):
        try:
            return pd.array(np.array(["NaT" if v is None else v[:19] for v in values], dtype="datetime64[us]"))
        except ValueError:
            pass
    out: list[np.datetime64] = []
    for v in values:
        if v is None:
            out.append(np.datetime64("NaT", "us"))
            continue
        m = DATE_RE.match(v.strip())
        if not m:
            return None
        sign, year_s, month, day, hh, mm, ss, frac, tz = m.groups()
        year = int(year_s) * (-1 if sign else 1)
        if not (MIN_YEAR < year < MAX_YEAR):
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
    if INT_RE.match(value):
        return {"type": "literal", "datatype": XSD + "integer", "value": value}
    if FLOAT_RE.match(value):
        return {"type": "literal", "datatype": XSD + "decimal", "value": value}
    if DATE_RE.match(value):
        dt = XSD + ("dateTime" if "T" in value else "date")
        return {"type": "literal", "datatype": dt, "value": value}
    if value in ("true", "false"):
        return {"type": "literal", "datatype": BOOLEAN, "value": value}
    if POINT_RE.match(value):
        return {"type": "literal", "datatype": WKT, "value": value}
    return {"type": "literal", "value": value}

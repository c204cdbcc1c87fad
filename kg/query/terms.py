"""SPARQL result terms as plain Python columns: what typing needs, with no pandas.

The engine's answers (SPARQL TSV written by pyoxigraph, SPARQL-JSON terms from endpoints) become per-column
lists of kinds, lexical values and languages (:class:`Col`), the first step shared by the typed DataFrames of
:mod:`kg.query.results` and the plain tables of :mod:`kg.query.table` (what ``glamkg query run`` writes, without
importing pandas). Also the answer writer that stops a runaway query (:func:`bounded_tsv`).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from kg.errors import InputError
from kg.i18n import _

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
# Virtuoso stores geo:wktLiteral as its own geometry type and answers "POINT(lon lat)"^^virtrdf:Geometry
VIRTUOSO_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"
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
DT_KIND: dict[str, str] = {
    **dict.fromkeys(INTEGER_TYPES, "int"),
    **dict.fromkeys(FLOAT_TYPES, "float"),
    **dict.fromkeys(DATE_TYPES, "date"),
    BOOLEAN: "bool",
    WKT: "wkt",
    VIRTUOSO_GEOMETRY: "wkt",
}

Term = Mapping[str, str]  # a SPARQL 1.1 JSON results term: {"type": ..., "value": ..., ...}

POINT_RE = re.compile(
    r"^\s*(?:<[^>]*>\s*)?Point\s*\(\s*([-+]?[0-9.eE+-]+)\s+([-+]?[0-9.eE+-]+)\s*\)\s*$", re.IGNORECASE
)
# the same pattern in RE2 syntax (pyarrow), with named groups
POINT_RE2 = (
    r"(?i)^\s*(?:<[^>]*>\s*)?Point\s*\(\s*(?P<lon>[-+]?[0-9.eE+-]+)\s+(?P<lat>[-+]?[0-9.eE+-]+)\s*\)\s*$"
)
DATE_RE = re.compile(
    r"^(-?)(\d{4,})-(\d{2})-(\d{2})"
    r"(?:T(\d{2}):(\d{2}):(\d{2})(\.\d+)?)?"
    r"(Z|[+-]\d{2}:\d{2})?$"
)
INT_RE = re.compile(r"^[+-]?\d+$")
FLOAT_RE = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$|^[+-]?(INF|NaN)$")
MIN_YEAR, MAX_YEAR = -290307, 294246  # datetime64[us] range


class Col(NamedTuple):
    """One result column, reduced to what typing needs, as parallel lists (None = unbound).

    kinds: uri, bnode, int, float, date, bool, wkt, lang, string; langs is None when no value has a tag.
    """

    kinds: list[str | None]
    values: list[str | None]
    langs: list[str | None] | None = None


class _Stopped(Exception):
    """The answer writer's way to stop the engine (see :class:`_Bounded`)."""


class _Bounded:
    """Where the engine writes an answer: stops it (by raising from ``write``) past the time or size limit."""

    def __init__(self, seconds: float, max_bytes: int) -> None:
        import time

        self.clock = time.monotonic
        self.deadline = self.clock() + seconds
        self.seconds, self.max_bytes = seconds, max_bytes
        self.parts: list[bytes] = []
        self.size = 0
        self.stopped = ""

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self.parts.append(bytes(data))
        if self.size > self.max_bytes:
            self.stopped = f"its answer grew past {self.max_bytes // 2**20} MiB"
        elif self.clock() > self.deadline:
            self.stopped = f"it ran longer than {self.seconds:g} s"
        if self.stopped:
            # not an OSError: Rust's writer would take an "interrupted" error as a signal and write again
            raise _Stopped(self.stopped)
        return len(data)

    def flush(self) -> None:
        return None


def bounded_tsv(results: Any) -> bytes:
    """The solutions as TSV, written by the engine into a :class:`_Bounded` (settings ``query_timeout`` and
    ``max_result_mb``): a cartesian product stops with a clear error instead of running without end."""
    import pyoxigraph as ox

    from kg import config

    sink = _Bounded(config.number("query_timeout"), int(config.number("max_result_mb") * 2**20))
    try:
        results.serialize(sink, format=ox.QueryResultsFormat.TSV)
    except Exception:
        if not sink.stopped:
            raise
        raise InputError(
            _("the query was stopped: {why} (is a pattern joined with everything, a cartesian product?); add a LIMIT "
              "or a selective pattern, or raise {timeout} / {size}").format(
                why=sink.stopped, timeout="$" + config.env_name("query_timeout"),
                size="$" + config.env_name("max_result_mb"))
        ) from None
    return b"".join(sink.parts)


_TSV_ESCAPE_RE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_TSV_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def unescape(text: str) -> str:
    """Turtle string/IRI escapes (``\\t``, ``\\"``, ``\\\\``, ``\\u00e9`` ...) decoded in one pass."""

    def one(m: re.Match[str]) -> str:
        if m.group(3) is not None:
            return _TSV_ECHAR.get(m.group(3), m.group(0))
        return chr(int(m.group(1) or m.group(2), 16))

    return _TSV_ESCAPE_RE.sub(one, text) if "\\" in text else text


def tsv_term(cell: str) -> tuple[str | None, str | None, str | None]:
    """One SPARQL TSV cell (a term in Turtle syntax, empty = unbound) -> (kind, lexical value, language)."""
    if not cell:
        return (None, None, None)
    first = cell[0]
    if first == '"':
        q = cell.rfind('"')  # language tags and datatype IRIs contain no '"'
        lex = unescape(cell[1:q])
        suffix = cell[q + 1 :]
        if not suffix:
            return ("string", lex, None)
        if suffix[0] == "@":
            return ("lang", lex, suffix[1:])
        dt = unescape(suffix[3:-1])  # ^^<datatype>
        return (DT_KIND.get(dt, "string"), lex, None)
    if first == "<" and not cell.startswith("<<"):
        return ("uri", unescape(cell[1:-1]), None)
    if cell.startswith("_:"):
        return ("bnode", cell[2:], None)
    if cell in ("true", "false"):
        return ("bool", cell, None)
    if INT_RE.match(cell):  # Turtle's bare integer, decimal and double forms
        return ("int", cell, None)
    if FLOAT_RE.match(cell):
        return ("float", cell, None)
    return ("string", cell, None)  # a quoted triple (SPARQL-star): its text


def tsv_column(cells: Sequence[str]) -> Col:
    """Kinds, values and languages of one TSV column; a column of plain IRIs takes a short cut."""
    if all(c == "" or (c[0] == "<" and c[-1] == ">" and "\\" not in c and c[1] != "<") for c in cells):
        return Col([None if c == "" else "uri" for c in cells], [c[1:-1] if c else None for c in cells])
    if all(c == "" or c[0] == '"' for c in cells):  # only literals in quotes: list comprehensions, no calls
        ends = [c.rfind('"') for c in cells]  # -1 for an unbound (empty) cell
        lexes = [c[1:q] if q > 0 else None for c, q in zip(cells, ends, strict=True)]
        if any("\\" in v for v in lexes if v):
            lexes = [unescape(v) if v else v for v in lexes]
        suffixes = [c[q + 1 :] if q > 0 else None for c, q in zip(cells, ends, strict=True)]
        info = {sfx: tsv_term('""' + sfx) for sfx in set(suffixes) if sfx is not None}  # a few distinct
        kinds = [None if sfx is None else info[sfx][0] for sfx in suffixes]
        langs = [None if sfx is None else info[sfx][2] for sfx in suffixes] if any(
            v[2] for v in info.values()
        ) else None
        return Col(kinds, lexes, langs)
    memo: dict[str, tuple[str | None, str | None, str | None]] = {}
    terms = []
    for c in cells:
        t = memo.get(c)
        if t is None:
            t = memo[c] = tsv_term(c)
        terms.append(t)
    langs = [t[2] for t in terms]
    return Col([t[0] for t in terms], [t[1] for t in terms], langs if any(langs) else None)


def canonical_point(value: str | None) -> str | None:
    """``POINT(1.5 42)`` (Virtuoso) -> ``Point(1.5 42)`` (WDQS, the store); other WKT is kept as it is."""
    if value is None:
        return None
    m = POINT_RE.match(value)
    if m is None or value.lstrip().startswith("<"):
        return value
    return f"Point({m.group(1)} {m.group(2)})"


def solution_columns(results: Any) -> tuple[list[str], list[Col], int]:
    """pyoxigraph ``QuerySolutions`` -> (variables, one :class:`Col` per variable, number of rows).

    The engine writes the solutions as SPARQL TSV (in Rust, terms in Turtle syntax) and they are read back as
    strings: much cheaper than making a Python object per term (a 90,000-row result has half a million terms).
    Python's cyclic garbage collector is paused meanwhile (nothing here makes cycles; it would otherwise walk
    the growing lists dozens of times); whoever paused it resumes it."""
    variables = [v.value for v in results.variables]
    paused = gc.isenabled()
    gc.disable()
    try:
        data = bounded_tsv(results)
        lines = data.decode("utf-8").split("\n")
        body = lines[1:-1] if lines[-1] == "" else lines[1:]  # the header, then one line per row
        nrows = len(body)
        if not variables:
            return [], [], nrows
        rows = [line.split("\t") for line in body]
        if any(len(r) != len(variables) for r in rows):  # cannot happen: TSV escapes tabs in literals
            raise InputError(_("the engine's TSV results do not have one cell per variable"))
        term_cols = list(zip(*rows, strict=True)) if rows else [() for _ in variables]
        return variables, [tsv_column(c) for c in term_cols], nrows
    finally:
        if paused:
            gc.enable()


def int64_values(values: Sequence[str | None]) -> list[int | None] | None:
    """A column of integer lexical forms as ints (None = unbound), or None when one does not parse or does not
    fit in 64 bits (the column is then typed as decimals)."""
    try:
        ints = [None if v is None else int(v) for v in values]
    except ValueError:
        return None
    return ints if all(abs(i) < 2**63 for i in ints if i is not None) else None

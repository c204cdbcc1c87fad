"""Saved SPARQL queries (``queries/*.rq``): discover, describe, parameterise and run them anywhere.

A saved query is one file ``queries/<topic>_<question>.rq`` that pastes into query.wikidata.org unchanged.
Its metadata is a header of ``#`` comment lines at the top::

    # title: Institutions per country
    # description: Number of GLAM institutions in the store per country (P17).
    # param: country country = NL -- only this country (ISO 3166-1 alpha-2)
    # param: lang language = en -- label language
    # view: bar

``param: <name> <type> [= <default>] [-> <variable>] [-- <help>]``; types are in :data:`PARAM_TYPES`. A
parameter binds the SPARQL variable of the same name, or the one after ``->`` (``# param: region region ->
country`` binds ``?country`` to the countries of a region). Values are validated, turned into RDF terms,
and bound by the engine:
``substitutions=`` on the local store (pyoxigraph, SEP-0007), a ``VALUES`` block built from the validated
terms (inserted at the start of the top-level WHERE group) for remote endpoints and for list types. A
parameter without a value and without a default stays unbound (saved queries treat it as "all").

Only read queries run (SELECT, ASK, CONSTRUCT, DESCRIBE); update requests are refused before anything is
sent or evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pyoxigraph as ox

from kg import errors
from kg.config import resource_dir
from kg.errors import InputError
from kg.i18n import _
from kg.model import ids
from kg.model.languages import is_language_code
from kg.query import wdqs
from kg.query.header import is_saved_query, wdqs_header
from kg.query.sparql_errors import located
from kg.query.sparql_text import (
    Edit,
    SparqlSyntaxError,
    Token,
    apply_edits,
    limit_token,
    matching,
    query_form,
    same_order_limits,
    tokenize,
    without_limits,
)
from kg.query.wdqs_blazegraph import strip_wiki_indentation
from kg.store.store import raw

if TYPE_CHECKING:  # pandas is imported where a DataFrame is made: `glamkg query run` to CSV starts without it
    import pandas as pd

QUERIES_DIR = resource_dir("queries")
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"
WDQS_UI = "https://query.wikidata.org/#"
VIEWS = ("table", "bar", "map", "line")
LOCAL_PREFIX = "glamkg"  # saved queries name local items glamkg:Q... (see with_local_base)
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PARAM_RE = re.compile(
    r"^(?P<name>\S+)\s+(?P<type>\S+)(?:\s*=\s*(?P<default>[^-\s][^\s]*|\"[^\"]*\"))?"
    r"(?:\s*->\s*\??(?P<var>[A-Za-z_][A-Za-z0-9_]*))?\s*(?:--\s*(?P<help>.*))?$"
)
_ISO2_RE = re.compile(r"^[A-Z]{2}$")


# --------------------------------------------------------------------------------------------------------
# parameter types (each parser raises InputError, a ValueError, with what it expected and found)
# --------------------------------------------------------------------------------------------------------
def _item(value: str) -> list[ox.NamedNode]:
    try:
        return [ox.NamedNode(ids.entity_iri(ids.item_id(value)))]
    except ids.InvalidId as e:
        raise ValueError(str(e)) from None


def _country_qid(code: str) -> str:
    code = code.strip().upper()
    if not _ISO2_RE.match(code):
        raise InputError(_("expected an ISO 3166-1 alpha-2 country code like NL, found {found}").format(
            found=repr(code)))
    from kg.model import regions
    qid = next((r["qid"] for r in regions.country_records() if r["iso2"] == code), "")
    if not qid:
        raise InputError(_("expected an ISO 3166-1 alpha-2 country code like NL, found {found} (unknown code)").format(
            found=repr(code)))
    return qid


def _country(value: str) -> list[ox.NamedNode]:
    return [ox.NamedNode(ids.entity_iri(_country_qid(value)))]


def _countries(value: str) -> list[ox.NamedNode]:
    codes = [c for c in (p.strip() for p in value.split(",")) if c]
    if not codes:
        raise InputError(_("expected a comma-separated list of ISO 3166-1 alpha-2 codes like NL,BE,DE, found nothing"))
    return [t for c in codes for t in _country(c)]


def _region(value: str) -> list[ox.NamedNode]:
    from kg.model import regions
    g = regions.grouping("region")
    members = sorted(code for code, group in g.groups.items() if group.casefold() == value.strip().casefold())
    if not members:
        raise InputError(_("expected a UN M49 region, one of {regions}; found {found}").format(
            regions=", ".join(g.names()), found=repr(value)))
    out = []
    for code in members:
        try:
            out.extend(_country(code))
        except ValueError:
            continue  # a region member without a Wikidata item
    return out


def _year(value: str) -> list[ox.Literal]:
    if not re.fullmatch(r"-?[0-9]{1,4}", value.strip()):
        raise InputError(_("expected a year like 2021, found {found}").format(found=repr(value)))
    return [ox.Literal(str(int(value)), datatype=XSD_INTEGER)]


def _integer(value: str) -> list[ox.Literal]:
    if not re.fullmatch(r"[+-]?[0-9]{1,18}", value.strip()):
        raise InputError(_("expected an integer like 10, found {found}").format(found=repr(value)))
    return [ox.Literal(str(int(value)), datatype=XSD_INTEGER)]


MAX_LIMIT = 10_000_000


def _limit(value: str) -> list[int]:
    text = value.strip().lower()
    if text in ("all", "none"):
        return []
    if not re.fullmatch(r"[0-9]{1,8}", text) or not 1 <= int(text) <= MAX_LIMIT:
        raise InputError(_("expected a row count from 1 to {most} or 'all', found {found}").format(
            most=f"{MAX_LIMIT:,}", found=repr(value)))
    return [int(text)]


def _language(value: str) -> list[ox.Literal]:
    if not is_language_code(value.strip()):
        raise InputError(_("expected a language code like en, nl or pt-br (lower case), found {found}").format(
            found=repr(value)))
    return [ox.Literal(value.strip())]


def _string(value: str) -> list[ox.Literal]:
    if len(value) > 1000:
        raise InputError(_("expected a string of at most {most} characters, found {found}").format(
            most=1000, found=len(value)))
    if any(ord(c) < 32 and c not in "\t" for c in value):
        raise InputError(_("expected a string without control characters (newlines etc.)"))
    return [ox.Literal(value)]


PARAM_TYPES: dict[str, tuple[Callable[[str], list[Any]], bool, str]] = {
    # name: (parser, is a list, help)
    "item": (_item, False, "a Wikidata item id like Q190804"),
    "country": (_country, False, "an ISO 3166-1 alpha-2 country code like NL"),
    "countries": (_countries, True, "comma-separated ISO 3166-1 alpha-2 codes like NL,BE,DE"),
    "region": (_region, True, "a UN M49 region: Africa, Americas, Asia, Europe or Oceania"),
    "year": (_year, False, "a year like 2021"),
    "language": (_language, False, "a language code like en"),
    "integer": (_integer, False, "an integer like 10"),
    "string": (_string, False, "any text (bound as a literal, never pasted into the query)"),
    "limit": (_limit, False, "at most this many rows, or 'all' (sets the number of the query's LIMIT clause)"),
}


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None = None
    help: str = ""
    var: str = ""  # the SPARQL variable bound (default: the parameter's name)

    @property
    def variable(self) -> str:
        return self.var or self.name

    def terms(self, value: str) -> list[Any]:
        parser = PARAM_TYPES[self.type][0]
        try:
            return parser(value)
        except ValueError as e:
            raise InputError(
                _("parameter {name} ({type}): {error}").format(name=self.name, type=self.type, error=e)
            ) from None

    @property
    def is_list(self) -> bool:
        return PARAM_TYPES[self.type][1]


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    view: str
    text: str
    path: Path | None = None
    note: str = ""  # e.g. a WDQS #defaultView glamkg shows differently

    @property
    def form(self) -> str:
        return query_form(self.text)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or _("none")
        raise InputError(_("query {query}: unknown parameter {name}; its parameters: {known}").format(
            query=self.name, name=repr(name), known=known))

    def wdqs_link(self) -> str:
        return wdqs_link(self.text)


# --------------------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------------------
def parse(text: str, *, name: str, path: Path | None = None) -> SavedQuery:
    """A saved query from its text; the header must be well formed (errors name the file and line)."""
    where = str(path or name)
    meta: dict[str, str] = {}
    params: list[Param] = []
    last_key = ""
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        m = re.match(r"^#\s*([a-z]+):\s*(.*)$", stripped)
        if not m:
            cont = re.match(r"^#\s{2,}(\S.*)$", stripped)
            if cont and last_key in ("title", "description"):
                meta[last_key] = (meta.get(last_key, "") + " " + cont.group(1).strip()).strip()
            continue
        last_key = m.group(1)
        key, value = m.group(1), m.group(2).strip()
        if key == "param":
            pm = _PARAM_RE.match(value)
            if not pm:
                raise InputError(
                    _("{file}, line {line}: expected '# param: <name> <type> [= <default>] [-> <var>] [-- <help>]', "
                      "found {found}").format(file=where, line=lineno, found=repr(line))
                )
            ptype = pm.group("type")
            if ptype not in PARAM_TYPES:
                raise InputError(
                    _("{file}, line {line}: unknown parameter type {found}; expected one of {types}").format(
                        file=where, line=lineno, found=repr(ptype), types=", ".join(PARAM_TYPES))
                )
            if not _VAR_RE.match(pm.group("name")):
                raise InputError(_("{file}, line {line}: parameter name must be a SPARQL variable name").format(
                    file=where, line=lineno))
            default = pm.group("default")
            p = Param(
                pm.group("name"),
                ptype,
                default.strip('"') if default else None,
                (pm.group("help") or "").strip(),
                pm.group("var") or "",
            )
            if p.default is not None:
                p.terms(p.default)  # a bad default is a bug in the file: say so now
            if ptype == "limit" and limit_token(text) is None:
                raise InputError(
                    _("{file}, line {line}: parameter {name} has type limit, but the query has no top-level "
                      "'LIMIT <number>' clause for it to set").format(file=where, line=lineno, name=p.name)
                )
            params.append(p)
        elif key in ("title", "description", "view"):
            meta[key] = (meta.get(key, "") + " " + value).strip()
    for key in ("title", "description", "view"):
        if not meta.get(key):
            raise InputError(_("{file}: the header has no '# {key}:' line").format(file=where, key=key))
    if meta["view"] not in VIEWS:
        raise InputError(_("{file}: '# view: {view}' is not one of {views}").format(
            file=where, view=meta["view"], views=", ".join(VIEWS)))
    return SavedQuery(name, meta["title"], meta["description"], tuple(params), meta["view"], text, path)


def load(path: str | Path) -> SavedQuery:
    p = Path(path)
    return parse(read_text(p), name=p.stem, path=p)


def read_text(p: Path) -> str:
    """A query file's text, or an InputError saying why it cannot be read."""
    return errors.read_text(p, "a query file (.rq)")  # the kind is translated in errors.FILE_KINDS


def catalog(directory: str | Path | None = None) -> list[SavedQuery]:
    """Every saved query, sorted by name."""
    d = Path(directory) if directory else QUERIES_DIR
    out = []
    for path in sorted(d.glob("*.rq")):
        if not _NAME_RE.match(path.stem):
            raise InputError(_("{path}: saved query files are named <topic>_<question>.rq in lower case").format(
                path=path))
        out.append(load(path))
    return out


def get(name: str, directory: str | Path | None = None) -> SavedQuery:
    d = Path(directory) if directory else QUERIES_DIR
    path = d / f"{name}.rq"
    if not re.fullmatch(r"[a-z0-9_]+", name) or not path.exists():
        names = ", ".join(q.name for q in catalog(d))
        raise InputError(_("no saved query named {name}; saved queries: {names}").format(name=repr(name), names=names))
    return load(path)


def resolve_query(name_or_query: str | SavedQuery) -> SavedQuery:
    """A SavedQuery from a name, a .rq path or a SavedQuery; ad-hoc files need no header."""
    if isinstance(name_or_query, SavedQuery):
        return name_or_query
    text = str(name_or_query)
    if re.fullmatch(r"[a-z0-9_]+", text) and (QUERIES_DIR / f"{text}.rq").exists():
        return get(text)
    looks_like_path = "\n" not in text and "{" not in text and len(text) < 1024
    path = Path(text)
    if looks_like_path and (text.endswith((".rq", ".sparql")) or path.exists()):
        if not path.exists():
            raise InputError(_("no such query file: {path}").format(path=path))
        body = read_text(path)
        if is_saved_query(body):
            # glamkg's own header keys: it must be complete (do not run it without its parameters)
            return parse(body, name=path.stem, path=path)
        return _copied_query(body, path.stem, path)
    if re.fullmatch(r"[a-z0-9_]+", text):
        return get(text)  # raises with the list of names
    if is_saved_query(text):
        return parse(text, name="query")
    return _copied_query(text, "query", None)


def _copied_query(text: str, name: str, path: Path | None) -> SavedQuery:
    """A query as copied from WDQS or a wiki page: its magic comments (#title:, #defaultView:) are comments
    that give the title and the view; wikitext indentation is removed (the note says so)."""
    h = wdqs_header(text)
    body, fixed = strip_wiki_indentation(text)
    note = "; ".join(n for n in (h.note, fixed) if n)
    return SavedQuery(name, h.title or name, "", (), h.view, body, path, note=note)


# --------------------------------------------------------------------------------------------------------
# forms, binding, links
# --------------------------------------------------------------------------------------------------------
def bind_values(query: SavedQuery, values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Validated RDF terms per SPARQL variable, for each parameter that has a value or a default.

    ``limit`` parameters bind no variable (see :func:`with_limit`); they are validated here all the same.
    """
    bound: dict[str, list[Any]] = {}
    for name in values:
        query.param(name)  # unknown names are an error
    for p in query.params:
        raw = values.get(p.name, p.default)
        if raw is None:
            continue
        if p.type == "limit":
            p.terms(str(raw))
            continue
        if p.variable in bound:
            raise InputError(_("query {query}: parameters bind ?{variable} twice; give only one of them").format(
                query=query.name, variable=p.variable))
        bound[p.variable] = p.terms(str(raw))
    return bound


def with_values_block(text: str, bound: Mapping[str, list[Any]], *, in_optionals: bool = True) -> str:
    """``text`` with ``VALUES ?v { ... }`` blocks (terms serialised by pyoxigraph) at the top of its WHERE, and
    (``in_optionals``, for remote endpoints) in the OPTIONALs whose FILTERs use them (:func:`_in_optional_filters`).
    """
    if not bound:
        return text
    tokens = tokenize(text)
    form = query_form(text)
    start = next((i for i, t in enumerate(tokens) if t.is_kw(form)), 0)
    brace = next((i for i in range(start, len(tokens)) if tokens[i].text == "{" and tokens[i].kind == "punct"), -1)
    if form == "CONSTRUCT" and brace >= 0:  # skip the template: the WHERE group is the next one
        end = matching(tokens, brace)
        nxt = next((i for i in range(end + 1, len(tokens)) if tokens[i].text == "{"), -1)
        brace = nxt if nxt >= 0 else brace
    if brace < 0:
        raise InputError(_("cannot bind parameters: the query has no WHERE { ... } group"))
    def blocks(names: Iterable[str]) -> str:
        return " ".join(f"VALUES ?{name} {{ {' '.join(str(t) for t in bound[name])} }}" for name in names)

    at = tokens[brace].end
    inside = _in_optional_filters(tokens, brace, bound, blocks) if in_optionals else []
    nested = _in_subselects(tokens, brace, bound, blocks)
    return apply_edits(text, [Edit(at, at, f" {blocks(bound)} "), *nested, *inside])


def _in_subselects(
    tokens: Sequence[Token], brace: int, bound: Mapping[str, list[Any]], blocks: Callable[[Iterable[str]], str]
) -> list[Edit]:
    """The VALUES block of a parameter repeated at the top of each sub-select (``{ SELECT ... WHERE { } }``) that
    uses its variable without projecting it: a parameter binds its variable everywhere in the query. A
    sub-select's variables are its own unless it projects them (SPARQL's bottom-up scope), so the block at the
    top of the query alone would not reach a count made inside one (``institutions_per_type`` with
    ``country``). A sub-select that projects the variable is joined with the block where it stands, unless it
    keeps a LIMIT of rows of its own (the rows it keeps must be the parameter's: quality queries fetch labels
    after their limit)."""
    edits = []
    end = matching(tokens, brace)
    for i in range(brace + 1, end):
        if not (tokens[i].is_kw("SELECT") and tokens[i - 1].text == "{" and tokens[i - 1].kind == "punct"):
            continue
        where = next((j for j in range(i, end) if tokens[j].text == "{" and tokens[j].kind == "punct"), -1)
        if where < 0:
            continue
        close = matching(tokens, where)
        used = {tokens[k].varname for k in range(where, close) if tokens[k].kind == "var"}
        projected = _projection(tokens[i + 1 : where])
        own_end = matching(tokens, i - 1)
        limited = any(t.is_kw("LIMIT", "OFFSET") for t in tokens[close:own_end])
        names = [name for name in bound if name in used and (limited or not ({"*", name} & projected))]
        if names:
            edits.append(Edit(tokens[where].end, tokens[where].end, f" {blocks(names)} "))
    return edits



def _projection(clause: Sequence[Token]) -> set[str]:
    """Variables a ``SELECT`` clause projects (its tokens up to the WHERE group): a variable outside parentheses
    and the name after ``AS`` (not the variables of the expression); ``{"*"}`` for ``SELECT *``."""
    projected, depth = set(), 0
    for k, t in enumerate(clause):
        if t.kind == "punct" and t.text in "()":
            depth += 1 if t.text == "(" else -1
        elif t.kind == "var" and (depth == 0 or (k > 0 and clause[k - 1].is_kw("AS"))):
            projected.add(t.varname)
        elif t.text == "*" and depth == 0:
            return {"*"}
    return projected

def _in_optional_filters(
    tokens: Sequence[Token], brace: int, bound: Mapping[str, list[Any]], blocks: Callable[[Iterable[str]], str]
) -> list[Edit]:
    """The VALUES block of a variable repeated at the start of each ``OPTIONAL { }`` of the WHERE group whose own
    FILTERs use it: ``OPTIONAL { ?c rdfs:label ?l FILTER(LANG(?l) = ?lang) }``.

    SPARQL evaluates such a FILTER on the solutions of both sides of the OPTIONAL, so it sees ``?lang`` from the
    VALUES block at the top of the WHERE group; Virtuoso evaluates it inside the OPTIONAL alone, where ``?lang``
    is unbound (every label language would pass). The same values inside the OPTIONAL give the same answer on
    every engine: both sides carry the same value of the variable. Only OPTIONALs directly in the WHERE group
    (the top VALUES block is on their left side) and only the FILTERs of their own group (a nested group's
    FILTER does not see the left side) get it. Not on the local store: Oxigraph follows SPARQL there, and the
    repeated block makes it evaluate such an OPTIONAL on its own (residencies_wikimedians_in_residence: 4 ms
    without, 140 ms with, on a 20,000-institution demo store)."""
    edits = []
    end = matching(tokens, brace)
    depth, i = 0, brace + 1
    while i < end:
        t = tokens[i]
        if depth == 0 and t.is_kw("OPTIONAL") and tokens[i + 1].text == "{":
            close = matching(tokens, i + 1)
            used = [name for name in bound if name in _filter_variables(tokens, i + 1, close)]
            if used:
                at = tokens[i + 1].end
                edits.append(Edit(at, at, f" {blocks(used)} "))
            i = close + 1
            continue
        if t.kind == "punct" and t.text in "{}":
            depth += 1 if t.text == "{" else -1
        i += 1
    return edits


def _filter_variables(tokens: Sequence[Token], open_: int, close: int) -> set[str]:
    """Variables in the FILTERs of the group ``tokens[open_:close + 1]`` itself (not of groups inside it)."""
    found: set[str] = set()
    depth, i = 0, open_ + 1
    while i < close:
        t = tokens[i]
        if depth == 0 and t.is_kw("FILTER"):
            j = i + 1  # FILTER(...), FILTER regex(...), FILTER NOT EXISTS { ... }
            while j < close and tokens[j].kind in ("name", "pname", "iri"):
                j += 1
            last = matching(tokens, j) if tokens[j].text in "({" and tokens[j].kind == "punct" else j
            found |= {tokens[k].varname for k in range(i, last + 1) if tokens[k].kind == "var"}
            i = max(last, i) + 1
            continue
        if t.kind == "punct" and t.text in "{}":
            depth += 1 if t.text == "{" else -1
        i += 1
    return found


def is_ordered(text: str) -> bool:
    """Whether the query has a top-level ORDER BY (else engines may return its rows in any order)."""
    depth = 0
    for t in tokenize(text):
        if t.kind == "punct" and t.text in ("{", "}"):
            depth += 1 if t.text == "{" else -1
        elif depth == 0 and t.is_kw("ORDER"):
            return True
    return False


def with_limit(text: str, query: SavedQuery, values: Mapping[str, Any]) -> str:
    """``text`` with the number of its top-level LIMIT set by the query's ``limit`` parameter, if any (and the
    LIMIT of each sub-select ordered as the top level is: :func:`kg.query.sparql_text.same_order_limits`).

    The file keeps a literal ``LIMIT <default>`` (so it runs unchanged on query.wikidata.org); the value is
    validated as an integer (1 to :data:`MAX_LIMIT`) and written back from that integer, or ``all`` removes
    the clause. No text of the user's reaches the query.
    """
    for p in query.params:
        if p.type != "limit":
            continue
        raw = values.get(p.name, p.default)
        if raw is None:
            continue
        terms = p.terms(str(raw))
        found = limit_token(text)
        if found is None:
            raise InputError(_("query {query}: parameter {name} needs a top-level LIMIT clause").format(
                query=query.name, name=p.name))
        if not terms:
            text = without_limits(text)
            continue
        tokens = tokenize(text)
        # the top-level LIMIT, and those of sub-selects ordered the same way (labels fetched after the limit)
        pairs = [found, *((tokens[i], tokens[i + 1]) for i in same_order_limits(tokens))]
        text = apply_edits(text, [Edit(n.start, n.end, str(int(terms[0]))) for _, n in pairs])
    return text


def with_local_base(text: str) -> str:
    """Point the ``glamkg:`` prefix at the configured local concept base (``$GLAMKG_CONCEPT_BASE``).

    Saved queries name local classes (partnership and contribution types) as ``glamkg:Q1000000000001`` with
    ``PREFIX glamkg: <https://glamkg.invalid/entity/>``, the default base of schemas/model.yaml. A store built
    with another base is queried through the same files: this rewrites that one declaration.
    """
    base = ids.local_concept_base()
    tokens = tokenize(text)
    edits = []
    for i, t in enumerate(tokens[:-2]):
        iri = tokens[i + 2]
        declares_local = t.is_kw("PREFIX") and tokens[i + 1].text == f"{LOCAL_PREFIX}:" and iri.kind == "iri"
        if declares_local and iri.text != f"<{base}>":
            edits.append(Edit(iri.start, iri.end, f"<{base}>"))
    return apply_edits(text, edits) if edits else text


def bound_text(query: SavedQuery, values: Mapping[str, Any] | None = None, *, in_optionals: bool = True) -> str:
    """The query's text as sent to a remote endpoint with these parameter values: validated ``VALUES`` blocks
    and the ``limit`` parameter applied. ``in_optionals=False``: without the blocks repeated in OPTIONALs
    (:func:`with_values_block`), as a WDQS link shows it. Raises :class:`InputError` on a bad value.
    """
    values = values or {}
    return with_values_block(
        with_limit(query.text, query, values), bind_values(query, values), in_optionals=in_optionals
    )


def wdqs_link(text: str) -> str:
    """A link that opens the query in the Wikidata Query Service user interface."""
    return WDQS_UI + quote(text, safe="")


# --------------------------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------------------------
def open_store(path: str | Path | None = None) -> Any:
    """The store at ``path`` (``--store``, ``$GLAMKG_STORE``, ``./glamkg-data``), opened read-only."""
    from kg.store import Store

    return Store.open(path, read_only=True)


def endpoint_url(endpoint: str) -> str | None:
    """None for the local store, else the URL (``wikidata`` is query.wikidata.org)."""
    if endpoint in ("local", "", None):
        return None
    if endpoint == "wikidata":
        return WIKIDATA_SPARQL
    if re.match(r"^https?://[^\s/@]*@", endpoint):
        raise InputError(
            _("--endpoint: a URL with a user name or password in it was given; glamkg does not send credentials "
              "to SPARQL endpoints, and would show them in messages (remove the user:password@ part)")
        )
    if re.match(r"^https?://[^\s/]+", endpoint):
        return endpoint
    raise InputError(_("expected --endpoint local, wikidata or an http(s) URL, found {found}").format(
        found=repr(endpoint)))


def run(
    name_or_query: str | SavedQuery,
    *,
    params: Mapping[str, Any] | None = None,
    endpoint: str = "local",
    store: Any = None,
    client: Any = None,
    shorten_ids: bool = True,
    auto_language: str | None = None,
    idmap: Any = None,
    explain: Callable[[str], None] | None = None,
    plain: bool = False,
    derived: bool = True,
    on_derived: Callable[[dict[str, str]], None] | None = None,
) -> pd.DataFrame:
    """Run a saved query (name, file, SavedQuery or query text) and return a typed DataFrame.

    ``idmap`` (a :class:`kg.model.idmap.IdMap`, remote endpoints only): the endpoint serves a Wikibase with its own
    numbering; ids are translated there and back (:mod:`kg.query.renumbering`), and ``explain`` gets the table
    of ids and the text sent. ``plain`` (the local store): a SELECT answer as a :class:`kg.query.table.Table`
    where it can be written without pandas (``glamkg query run`` to CSV or the terminal). ``derived`` (the local
    store): answer from the store's derived table where one holds the answer (:mod:`kg.query.derived`), and
    tell ``on_derived`` which one; ``False`` asks the engine."""
    q = resolve_query(name_or_query)
    form = query_form(q.text)
    bound = bind_values(q, params or {})
    q_text = with_limit(with_local_base(q.text), q, params or {})
    url = endpoint_url(endpoint)
    if url is None and idmap is not None:
        raise InputError(
            _("--idmap translates ids for a Wikibase's own query service: give --endpoint URL (the local store holds "
              "glamkg's ids, which the queries use as they are)")
        )
    if url is None:
        # pyoxigraph substitutes only variables of the SELECT projection (SEP-0007); the others, and lists,
        # are bound by a VALUES block of validated terms
        projected = set(wdqs.projected_variables(q_text)) if form == "SELECT" else set()
        lists = {k: v for k, v in bound.items() if len(v) != 1 or k not in projected}
        singles = {ox.Variable(k): v[0] for k, v in bound.items() if k not in lists}
        text = with_values_block(q_text, lists, in_optionals=False) if lists else q_text
        def local(st: Any) -> Any:
            from kg.query import derived as derived_tables

            kept = None
            if derived and form == "SELECT":
                kept = derived_tables.answer(q, with_local_base(q.text), bound, st, limited=q_text)
            if kept is not None:
                if on_derived is not None:
                    on_derived(kept.source)
                return wdqs.finish_columns(kept.variables, kept.columns, kept.nrows,
                                           wdqs.translate(text, auto_language=auto_language),
                                           shorten_ids=shorten_ids, plain=plain)
            return wdqs.run_local(
                raw(st), text, substitutions=singles, shorten_ids=shorten_ids, auto_language=auto_language, plain=plain
            )

        try:
            if store is not None:
                return local(store)
            with open_store() as opened:
                return local(opened)
        except SparqlSyntaxError as e:  # located in the user's own text, not the rewritten one
            raise located(e, q.text, str(q.path) if q.path is not None else _("the query")) from None
    from kg.query.endpoint import SparqlEndpoint

    text = with_values_block(q_text, bound)
    ep = SparqlEndpoint(url, client=client)
    if idmap is None:
        return ep.dataframe(text, shorten_ids=shorten_ids, form=form)
    from kg.query import results
    from kg.query.renumbering import Renumbering

    if form not in ("SELECT", "ASK"):
        raise InputError(_("--idmap translates the answers of SELECT and ASK queries; this query is a {form}").format(
            form=form))
    ren = Renumbering(idmap)
    sent = ren.query(text, reorder=True)
    if explain is not None:
        explain(sent.explain())
    return results.to_dataframe(ren.results(ep.select(sent.text), sent), shorten_ids=shorten_ids)

"""Run queries written for the Wikidata Query Service (WDQS) on the local store, unchanged.

WDQS is Blazegraph with Wikidata extensions. A query copied from Wikidata relies on:

- **implicit prefixes** (``wd:``, ``wdt:``, ``p:``, ``schema:``, ``bd:`` ...): missing standard prefixes are
  declared (:data:`STANDARD_PREFIXES`, written on line 1 so error line numbers stay those of the query);
- **the label service** ``SERVICE wikibase:label { bd:serviceParam wikibase:language "xx,yy" }``: rewritten
  into standard SPARQL 1.1 (``OPTIONAL``/``BIND``/``COALESCE``) that follows the rules of the WDQS code
  (RULES.md sec. 13): automatic mode for projected ``?xLabel``/``?xDescription``/``?xAltLabel``, manual
  mode for explicit ``rdfs:label``/``schema:description``/``skos:altLabel`` triples in the service body,
  languages in the order given, best language wins, alt labels joined with ``", "``, the entity id (or IRI,
  or lexical form) when no label exists, ``rdfs:label`` only; a subject that is unbound leaves the target
  unbound; a target bound elsewhere in the query is left alone. No network call is made;
- **geospatial services**: ``SERVICE wikibase:around`` (center, radius in km, optional distance) and
  ``SERVICE wikibase:box`` (cornerWest/cornerEast or cornerSouthWest/cornerNorthEast) are rewritten to
  filters over custom functions; ``geof:distance`` (km) and ``wikibase:decodeUri`` are custom functions
  (:func:`custom_functions`);
- **Blazegraph leniencies** that are fixed by rewriting: ``(SAMPLE(?x) AS ?x)`` (an alias that reuses a
  variable of the pattern: renamed, and the result column named back); a projected label variable missing
  from ``GROUP BY`` while its subject is grouped (added to ``GROUP BY``; the label depends on the subject
  only); query hints (``hint:Query hint:optimizer "None" .``: removed, they only steer the planner).

- **Blazegraph-only syntax** rewritten by :mod:`kg.query.wdqs_blazegraph`: named subqueries (``WITH { ... } AS
  %name`` / ``INCLUDE %name``), XPath functions under ``fn:``, rebinding a bound variable with ``BIND``,
  ``SELECT DISTINCT DISTINCT``, and ``SERVICE <https://query.wikidata.org/sparql>`` (answered locally).

What cannot run raises :class:`kg.errors.InputError` naming the construct and its line: ``SERVICE
wikibase:mwapi``, ``SERVICE bd:sample``, any other ``SERVICE`` (federated queries are never sent from the
local store), UI placeholders like ``[AUTO_COORDINATES]``, and every SPARQL syntax error (with pyoxigraph's
line and column).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.errors import InputError
from kg.i18n import _
from kg.query import wdqs_blazegraph as blazegraph
from kg.query.sparql_text import Edit, SparqlSyntaxError, Token, apply_edits, enclosing_open, matching, tokenize
from kg.query.wdqs_services import custom_functions, geo_block, label_block
from kg.query.wdqs_syntax import (
    AUTO_SUFFIXES,
    BD,
    HELPER,
    HINT,
    STANDARD_PREFIXES,
    WIKIBASE,
    QueryShape,
    after_dot,
    projected_variables,
    resolve,
    service_triples,
    unsupported,
)

__all__ = [
    "STANDARD_PREFIXES",
    "Translation",
    "add_prefixes",
    "custom_functions",
    "projected_variables",
    "query_local",
    "run_local",
    "translate",
]

_PARSE_ERROR_RE = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)


@dataclass
class Translation:
    """A query made runnable on the local store."""

    text: str
    renames: dict[str, str] = field(default_factory=dict)  # result variable -> name the user wrote
    notes: list[str] = field(default_factory=list)  # what was rewritten (for --explain and docs)


# --------------------------------------------------------------------------------------------------------
# prefixes
# --------------------------------------------------------------------------------------------------------
def declared_prefixes(tokens: Sequence[Token]) -> dict[str, str]:
    out = {}
    for i, t in enumerate(tokens[:-2]):
        if t.is_kw("PREFIX") and tokens[i + 1].kind == "pname" and tokens[i + 2].kind == "iri":
            out[tokens[i + 1].text[:-1]] = tokens[i + 2].text[1:-1]
    return out


def used_prefixes(tokens: Sequence[Token]) -> list[str]:
    seen: dict[str, None] = {}
    for i, t in enumerate(tokens):
        if t.kind == "pname" and not (i > 0 and tokens[i - 1].is_kw("PREFIX")):
            seen.setdefault(t.text.split(":", 1)[0], None)
    return list(seen)


def add_prefixes(text: str) -> str:
    """``text`` with a declaration for every standard WDQS prefix it uses but does not declare (on line 1)."""
    tokens = tokenize(text)
    return _prefix_header(tokens) + text


def _prefix_header(tokens: Sequence[Token]) -> str:
    declared = declared_prefixes(tokens)
    missing = [p for p in used_prefixes(tokens) if p not in declared and p in STANDARD_PREFIXES]
    return "".join(f"PREFIX {p}: <{STANDARD_PREFIXES[p]}> " for p in missing)




# --------------------------------------------------------------------------------------------------------
# translation
# --------------------------------------------------------------------------------------------------------


def translate(text: str, *, auto_language: str | None = None) -> Translation:
    """Rewrite a WDQS query into standard SPARQL 1.1 for the local store (see the module docstring)."""
    notes: list[str] = []
    text = blazegraph.expand_named_subqueries(text, notes)
    tokens = tokenize(text)
    prefixes = {**STANDARD_PREFIXES, **declared_prefixes(tokens)}
    blazegraph.refuse_named_subquery_leftovers(tokens)
    _check_prefixes(tokens)
    edits: list[Edit] = []
    tail: dict[int, list[str]] = {}  # token index of a group's closing "}" -> text to insert before it
    counter = [0]

    query = QueryShape(tokens)
    service_spans: list[tuple[int, int]] = []
    automatic_done = False
    for i, t in enumerate(tokens):
        if not t.is_kw("SERVICE"):
            continue
        j = i + 1
        if j < len(tokens) and tokens[j].is_kw("SILENT"):
            j += 1
        if j >= len(tokens):
            raise unsupported("SERVICE", t, _("the service has no name"))
        iri = resolve(tokens[j], prefixes)
        if j + 1 >= len(tokens) or tokens[j + 1].text != "{":
            raise unsupported(f"SERVICE {tokens[j].text}", t, _("expected a { ... } block after the service name"))
        b = j + 1
        e = matching(tokens, b)
        if e < 0:
            raise SparqlSyntaxError(
                _("SPARQL syntax error: the {brace} opened at line {line} ({service}) is never closed; check the "
                  "braces").format(brace="{", line=tokens[b].line, service=f"SERVICE {tokens[j].text}")
            )
        if blazegraph.is_wdqs_endpoint(iri):  # WDQS itself: the local store stands in for it, nothing is sent
            edits.append(Edit(t.start, tokens[j].end, ""))
            notes.append(f"line {t.line}: SERVICE {tokens[j].text} answered by the local store (it stands in for WDQS)")
            continue
        service_spans.append((b, e))
        group_open = enclosing_open(tokens, i)
        group_close = matching(tokens, group_open) if group_open >= 0 else -1
        if iri == WIKIBASE + "label":
            body = service_triples(tokens[b + 1 : e], tokens[j])
            extra, automatic = label_block(
                body, tokens[j], prefixes, query, automatic_done, counter, tokens, auto_language
            )
            automatic_done = automatic_done or automatic
            edits.append(Edit(t.start, after_dot(tokens, e).end, ""))
            tail.setdefault(group_close, []).append(extra)
            notes.append(f"line {t.line}: SERVICE wikibase:label rewritten to OPTIONAL/COALESCE patterns")
        elif iri in (WIKIBASE + "around", WIKIBASE + "box"):
            body = service_triples(tokens[b + 1 : e], tokens[j])
            inline, extra = geo_block(iri, body, tokens[j], prefixes, counter)
            edits.append(Edit(t.start, after_dot(tokens, e).end, inline))
            tail.setdefault(group_close, []).append(extra)
            notes.append(f"line {t.line}: SERVICE {tokens[j].text} rewritten to a distance/box filter")
        elif iri == WIKIBASE + "mwapi":
            raise unsupported(
                _("SERVICE wikibase:mwapi (MediaWiki API calls)"), t, _("it calls the MediaWiki API over the network")
            )
        elif iri == BD + "sample":
            raise unsupported(_("SERVICE bd:sample (Blazegraph sampling)"), t, _("use LIMIT, or sample in pandas"))
        else:
            raise unsupported(
                _("SERVICE {name} (federated query)").format(name=tokens[j].text),
                t,
                _("glamkg never sends a query from the local store to another endpoint; run it with "
                  "--endpoint URL against that service instead"),
            )
    for close, texts in tail.items():
        if close < 0:
            opened = next((t for t in tokens if t.text == "{"), None)
            if opened:
                raise SparqlSyntaxError(_("SPARQL syntax error: unbalanced braces, a {brace} opened at line {line} "
                                          "is never closed (is the query cut short?)").format(
                                              brace="{", line=opened.line))
            raise SparqlSyntaxError(_("SPARQL syntax error: unbalanced braces, a {brace} is never closed (is the "
                                      "query cut short?)").format(brace="{"))
        edits.append(Edit(tokens[close].start, tokens[close].start, " " + " ".join(texts) + " "))

    edits.extend(_strip_hints(tokens, prefixes, notes))
    edits.extend(blazegraph.xpath_function_edits(tokens, prefixes, notes))
    edits.extend(blazegraph.repeated_modifier_edits(tokens, notes))
    taken = {k for k, tok in enumerate(tokens) if any(ed.start < tok.end and tok.start < ed.end for ed in edits)}
    edits.extend(blazegraph.rebinding_edits(tokens, notes, taken))
    renames = _rename_self_aliases(tokens, query, service_spans, edits, notes)
    edits.extend(_group_by_labels(tokens, query, notes, text))
    out = apply_edits(text, edits)
    header = _prefix_header(tokenize(out))
    return Translation(text=header + out, renames=renames, notes=notes)


def _check_prefixes(tokens: Sequence[Token]) -> None:
    declared = declared_prefixes(tokens)
    for i, t in enumerate(tokens):
        if t.kind == "pname" and not (i and tokens[i - 1].is_kw("PREFIX")):
            pre = t.text.split(":", 1)[0]
            if pre not in declared and pre not in STANDARD_PREFIXES:
                raise InputError(
                    _("prefix {prefix}: at line {line}, column {column} is not declared and is not one of the WDQS "
                      "standard prefixes; add PREFIX {prefix}: <...>").format(prefix=pre, line=t.line, column=t.col)
                )


def _strip_hints(tokens: Sequence[Token], prefixes: Mapping[str, str], notes: list[str]) -> list[Edit]:
    edits = []
    for i, t in enumerate(tokens):
        if t.kind != "pname" or not (resolve(t, prefixes) or "").startswith(HINT):
            continue
        if i > 0 and tokens[i - 1].is_kw("PREFIX"):
            continue
        prev = tokens[i - 1].text if i > 0 else "{"
        if prev in ("{", ".", "}") and i + 2 < len(tokens) and resolve(tokens[i + 1], prefixes) is not None:
            # hint:Query hint:optimizer "None" .   -> removed (a planner hint, no effect on results)
            end = i + 3
            if end < len(tokens) and tokens[end].text == ".":
                end += 1
            edits.append(Edit(t.start, tokens[end - 1].end, ""))
            notes.append(f"line {t.line}: query hint removed")
            continue
        if i > 0 and prev in (";",):
            raise unsupported(_("Blazegraph query hint inside a triple (… ; hint:…)"), t, _("remove the hint"))
    # hints found as the middle of another statement were already skipped; overlapping edits are impossible
    # because each hint statement is three tokens long
    return edits


def _rename_self_aliases(
    tokens: Sequence[Token],
    query: QueryShape,
    service_spans: Sequence[tuple[int, int]],
    edits: list[Edit],
    notes: list[str],
) -> dict[str, str]:
    """``(SAMPLE(?x) AS ?x)``: Blazegraph accepts an alias that is also a pattern variable; SPARQL does not."""
    renames: dict[str, str] = {}
    if query.where_open < 0 or not query.aliases:
        return renames
    inside = {
        t.varname
        for k, t in enumerate(tokens[query.where_open : query.where_close], start=query.where_open)
        if t.kind == "var" and not any(b < k < e for b, e in service_spans)
    }
    inside |= _group_vars(tokens, query)
    for k, name in query.aliases:
        if name in inside:
            new = f"{HELPER}as_{name}"
            renames[new] = name
            edits.append(Edit(tokens[k].start, tokens[k].end, f"?{new}"))
            notes.append(f"line {tokens[k].line}: alias ?{name} reuses a pattern variable; renamed internally")
    if renames:
        back = {v: k for k, v in renames.items()}
        in_order = False
        for k in range(query.where_close + 1, len(tokens)):
            t = tokens[k]
            if t.is_kw("ORDER", "HAVING"):
                in_order = True
            elif t.is_kw("GROUP", "LIMIT", "OFFSET", "VALUES"):
                in_order = False
            elif in_order and t.kind == "var" and t.varname in back:
                edits.append(Edit(t.start, t.end, f"?{back[t.varname]}"))
    return renames


def _group_vars(tokens: Sequence[Token], query: QueryShape) -> set[str]:
    out: set[str] = set()
    for k in range(query.where_close + 1, len(tokens) - 1):
        if tokens[k].is_kw("GROUP") and tokens[k + 1].is_kw("BY"):
            m = k + 2
            while m < len(tokens) and not tokens[m].is_kw("HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"):
                if tokens[m].kind == "var":
                    out.add(tokens[m].varname)
                m += 1
    return out


def _group_by_labels(tokens: Sequence[Token], query: QueryShape, notes: list[str], text: str) -> list[Edit]:
    """Add projected label variables to GROUP BY when their subject is grouped (WDQS users rely on it)."""
    if query.where_close < 0:
        return []
    for k in range(query.where_close + 1, len(tokens) - 1):
        if tokens[k].is_kw("GROUP") and tokens[k + 1].is_kw("BY"):
            grouped = []
            m = k + 2
            while m < len(tokens) and not tokens[m].is_kw("HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"):
                if tokens[m].kind == "var":
                    grouped.append(tokens[m].varname)
                m += 1
            add = []
            uses_label_service = any(
                t.is_kw("SERVICE") and i + 1 < len(tokens) and tokens[i + 1].text.endswith("label")
                for i, t in enumerate(tokens)
            )
            if not uses_label_service:
                return []
            for var in query.projection:
                if var in grouped:
                    continue
                for suffix, _pred in AUTO_SUFFIXES:
                    if var.endswith(suffix) and var[: -len(suffix)] in grouped:
                        add.append(var)
                        break
            if not add:
                return []
            notes.append(f"line {tokens[k].line}: added {', '.join('?' + a for a in add)} to GROUP BY")
            at = tokens[k + 1].end
            return [Edit(at, at, " " + " ".join("?" + a for a in add))]
    return []


# --------------------------------------------------------------------------------------------------------
# custom functions and execution
# --------------------------------------------------------------------------------------------------------










def syntax_error(err: Exception, text: str) -> InputError:
    """A pyoxigraph parse error as an :class:`InputError` with the line and column of the query."""
    msg = str(err)
    m = _PARSE_ERROR_RE.search(msg)
    if m:
        line, col, detail = int(m.group(1)), int(m.group(2)), " ".join(m.group(3).split())
        if len(detail) > 240:
            detail = detail[:240] + "..."
        src = text.splitlines()[line - 1].strip() if 0 < line <= len(text.splitlines()) else ""
        if src:
            return SparqlSyntaxError(_(
                "SPARQL syntax error at line {line}, column {column}: {detail} (in: {source})").format(
                    line=line, column=col, detail=detail, source=src[:100]))
        return SparqlSyntaxError(_("SPARQL syntax error at line {line}, column {column}: {detail}").format(
            line=line, column=col, detail=detail))
    fn = re.search(r"custom function <([^>]+)> is not supported", msg)
    if fn:
        iri = fn.group(1)
        where = _line_of_iri(text, iri)
        return InputError(
            _("function <{iri}> at line {line} is not supported on the local store (not SPARQL 1.1; glamkg "
              "emulates geof:distance and wikibase:decodeUri only)").format(iri=iri, line=where)
        )
    return InputError(_("SPARQL error: {error}").format(error=" ".join(msg.split())[:300]))


def _line_of_iri(text: str, iri: str) -> int | str:
    tokens = tokenize(text)
    prefixes = {**STANDARD_PREFIXES, **declared_prefixes(tokens)}
    for i, t in enumerate(tokens):
        if t.kind in ("pname", "iri") and resolve(t, prefixes) == iri and not (i and tokens[i - 1].is_kw("PREFIX")):
            return t.line
    return "?"


def query_local(
    store: ox.Store,
    text: str,
    *,
    substitutions: Mapping[ox.Variable, Any] | None = None,
    auto_language: str | None = None,
) -> tuple[Any, Translation]:
    """Translate and run a (WDQS) query on a pyoxigraph store; never makes a network call.

    Returns the raw pyoxigraph results (lazy: errors may still come while iterating; :func:`run_local`
    turns those into :class:`InputError` too) and the :class:`Translation`.
    """
    tr = translate(text, auto_language=auto_language)
    if any(t.is_kw("SERVICE") for t in tokenize(tr.text)):  # belt and braces: the rewrite removed them all
        raise InputError(_("a SERVICE clause survived the rewrite; refusing to run it (no network calls)"))
    try:
        res = store.query(tr.text, substitutions=dict(substitutions or {}), custom_functions=custom_functions())
    except (SyntaxError, RuntimeError, ValueError) as e:
        raise syntax_error(e, text) from None
    return res, tr


def finish_frame(df: Any, tr: Translation) -> Any:
    """Drop helper columns and give renamed aliases their written names back."""
    drop, mapping = _finish(list(df.columns), tr)
    df = df.drop(columns=drop)
    return df.rename(columns=mapping) if mapping else df


def _finish(columns: list[str], tr: Translation) -> tuple[list[str], dict[str, str]]:
    """The helper columns to drop, and the renames (new -> written name), of an answer's columns."""
    drop = [c for c in columns if str(c).startswith(HELPER) and str(c).split("_lon")[0].split("_lat")[0].split(
        "_lang")[0] not in tr.renames]
    mapping = {}
    for col in columns:
        if col in drop:
            continue
        for new, old in tr.renames.items():
            if col == new or (str(col).startswith(new) and str(col)[len(new):] in ("_lon", "_lat", "_lang")):
                mapping[col] = old + str(col)[len(new):]
    return drop, mapping


def run_local(
    store: ox.Store,
    text: str,
    *,
    substitutions: Mapping[ox.Variable, Any] | None = None,
    shorten_ids: bool = True,
    auto_language: str | None = None,
    plain: bool = False,
) -> Any:
    """Translate, run and convert to a typed DataFrame (helper columns dropped, aliases named back).

    ``plain``: a SELECT answer comes as a :class:`kg.query.table.Table` when it can be written the same way
    without pandas (``glamkg query run`` to CSV or the terminal); else as a DataFrame all the same."""
    from kg.query.terms import solution_columns

    res, tr = query_local(store, text, substitutions=substitutions, auto_language=auto_language)
    try:
        if not isinstance(res, ox.QuerySolutions):
            from kg.query import results

            return finish_frame(results.from_oxigraph(res, shorten_ids=shorten_ids), tr)
        variables, columns, nrows = solution_columns(res)
    except (SyntaxError, RuntimeError, ValueError) as e:
        if isinstance(e, InputError):
            raise
        raise syntax_error(e, text) from None
    return finish_columns(variables, columns, nrows, tr, shorten_ids=shorten_ids, plain=plain)


def finish_columns(
    variables: list[str], columns: list[Any], nrows: int, tr: Translation, *, shorten_ids: bool, plain: bool
) -> Any:
    """An answer's columns (:class:`kg.query.terms.Col`) as a typed DataFrame, or a plain table (``plain``)
    where it can be written the same way, helper columns dropped and aliases named back."""
    from kg.query import table

    found = table.from_columns(variables, columns, nrows, shorten_ids=shorten_ids) if plain else None
    if found is None:
        from kg.query import results

        return finish_frame(results.frame(variables, columns, nrows, shorten_ids=shorten_ids), tr)
    drop, mapping = _finish(found.names, tr)
    return found.select(mapping, drop)

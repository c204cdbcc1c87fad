"""Blazegraph (WDQS) syntax that standard SPARQL 1.1 lacks, rewritten for the local store by :mod:`kg.query.wdqs`.

Each rewrite keeps the query's meaning and says what it did in the translation's notes:

- **named subqueries**: ``WITH { SELECT ... } AS %name`` before ``WHERE`` and ``INCLUDE %name`` inside it
  become an ordinary sub-select ``{ SELECT ... }`` where each ``INCLUDE`` was (Blazegraph evaluates the
  named subquery once and joins its solutions: the same answer);
- **XPath functions** under ``fn:`` (``fn:lower-case(?x)``) become the SPARQL built-ins of
  ``schemas/prefixes.yaml: xpath_functions`` (``LCASE(?x)``); any other ``fn:`` function is a named error;
- **rebinding**: ``BIND(expr AS ?v)`` where ``?v`` is already used earlier in the same group (SPARQL 1.1
  refuses it; Blazegraph replaces the value, which queries use for defaults such as
  ``BIND(IF(!BOUND(?rgb), "6600CC", ?rgb) AS ?rgb)``): the earlier uses are renamed to a helper variable;
- **repeated modifiers**: ``SELECT DISTINCT distinct`` keeps one ``DISTINCT``;
- **WDQS itself as a federated service**: ``SERVICE <https://query.wikidata.org/sparql> { ... }`` (written in
  queries for the Commons query service) is answered by the local store, which stands in for WDQS: the
  group is evaluated in place and nothing is sent;
- **wiki indentation**: a query copied from a wiki page's source, each line starting with ``:`` (the
  wikitext indentation that the page shows as white space), loses those colons when the query declares no
  ``:`` prefix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from kg.errors import InputError
from kg.i18n import _
from kg.model.schema import prefixes
from kg.query.sparql_text import Edit, Token, apply_edits, enclosing_open, matching, tokenize
from kg.query.wdqs_syntax import HELPER, resolve, unsupported

XPATH = prefixes("wdqs")["fn"]
XPATH_FUNCTIONS = prefixes("xpath_functions")
#: SPARQL endpoints of Wikidata's query service: a SERVICE call to them is answered by the local store
WDQS_ENDPOINTS = frozenset(
    {
        "https://query.wikidata.org/sparql",
        "https://query.wikidata.org/bigdata/namespace/wdq/sparql",
        "https://query-main.wikidata.org/sparql",
        "https://query-scholarly.wikidata.org/sparql",
    }
)
_WIKI_INDENT_RE = re.compile(r"^([ \t]*):+", re.MULTILINE)


def strip_wiki_indentation(text: str) -> tuple[str, str]:
    """``(text, note)``: the query without wikitext ``:`` indentation, when every query line has it."""
    if re.search(r"^\s*PREFIX\s*:\s*<", text, re.MULTILINE | re.IGNORECASE):
        return text, ""
    body = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "PREFIX", "prefix"))]
    if not body or not all(ln.lstrip().startswith(":") for ln in body):
        return text, ""
    return (
        _WIKI_INDENT_RE.sub(lambda m: m.group(1), text),
        "the leading ':' of each line (wikitext indentation, as in a wiki page's source) was removed",
    )


def expand_named_subqueries(text: str, notes: list[str]) -> str:
    """``WITH { ... } AS %name`` + ``INCLUDE %name`` -> a sub-select where each INCLUDE was."""
    for _round in range(50):  # one WITH block a round: a named subquery may INCLUDE an earlier one
        tokens = tokenize(text)
        at = next((i for i, t in enumerate(tokens) if t.is_kw("WITH") and i + 1 < len(tokens)
                   and tokens[i + 1].text == "{"), -1)
        if at < 0:
            break
        t = tokens[at]
        close = matching(tokens, at + 1)
        if close < 0 or close + 2 >= len(tokens) or not tokens[close + 1].is_kw("AS"):
            raise unsupported(_("Blazegraph named subquery WITH { ... }"), t, _("expected WITH { ... } AS %name"))
        name_tok = tokens[close + 2]
        if name_tok.kind != "named_subquery":
            raise unsupported(_("Blazegraph named subquery WITH { ... } AS"), t, _("expected a name like %museums"))
        body = text[tokens[at + 1].start : tokens[close].end]
        edits = [Edit(t.start, name_tok.end, "")]
        for i in range(close + 3, len(tokens) - 1):
            if tokens[i].is_kw("INCLUDE") and tokens[i + 1].text == name_tok.text:
                edits.append(Edit(tokens[i].start, tokens[i + 1].end, body))
        notes.append(f"named subquery {name_tok.text} rewritten to a sub-select")
        text = apply_edits(text, edits, keep_lines=False)
    return text


def xpath_function_edits(tokens: Sequence[Token], prefixes_: Mapping[str, str], notes: list[str]) -> list[Edit]:
    """``fn:lower-case(`` -> ``LCASE(`` (see :data:`XPATH_FUNCTIONS`)."""
    edits = []
    for i, t in enumerate(tokens):
        if t.kind not in ("pname", "iri") or (i and tokens[i - 1].is_kw("PREFIX")):
            continue
        iri = resolve(t, prefixes_) or ""
        if not iri.startswith(XPATH):
            continue
        name = iri[len(XPATH) :]
        builtin = XPATH_FUNCTIONS.get(name)
        if builtin is None or i + 1 >= len(tokens) or tokens[i + 1].text != "(":
            known = ", ".join(sorted(XPATH_FUNCTIONS))
            raise unsupported(_("XPath function {name}").format(name=t.text), t,
                              _("the local store knows these fn: functions: {known}").format(known=known))
        edits.append(Edit(t.start, t.end, builtin))
        notes.append(f"line {t.line}: {t.text} rewritten to {builtin}")
    return edits


def rebinding_edits(tokens: Sequence[Token], notes: list[str], taken: set[int]) -> list[Edit]:
    """``BIND(expr AS ?v)`` with ``?v`` used earlier in the same group: those uses become a helper variable.

    ``taken``: token indexes other rewrites edit (left alone)."""
    edits: list[Edit] = []
    renamed: set[int] = set()
    for i, t in enumerate(tokens):
        if not (t.is_kw("BIND") and i + 1 < len(tokens) and tokens[i + 1].text == "("):
            continue
        close = matching(tokens, i + 1)
        if close < 2 or not tokens[close - 2].is_kw("AS") or tokens[close - 1].kind != "var":
            continue
        var = tokens[close - 1].varname
        group = enclosing_open(tokens, i)
        earlier = [
            k
            for k in range(group + 1, close - 1)
            if tokens[k].kind == "var" and tokens[k].varname == var and k not in renamed
        ]
        if not earlier or group < 0:
            continue
        if any(k in taken for k in earlier):
            raise unsupported(
                _("BIND(... AS ?{var}) rebinding ?{var}").format(var=var),
                t,
                _("?{var} is used earlier in the same group; bind to a new variable and combine them with "
                  "COALESCE").format(var=var),
            )
        helper = f"?{HELPER}rebound{len(notes)}_{var}"
        for k in earlier:
            edits.append(Edit(tokens[k].start, tokens[k].end, helper))
            renamed.add(k)
        notes.append(
            f"line {t.line}: BIND(... AS ?{var}) rebinds ?{var} (Blazegraph replaces the value): its earlier "
            "uses in the group were renamed"
        )
    return edits


def repeated_modifier_edits(tokens: Sequence[Token], notes: list[str]) -> list[Edit]:
    """``SELECT DISTINCT DISTINCT`` -> ``SELECT DISTINCT``."""
    edits = []
    for i in range(1, len(tokens) - 1):
        t = tokens[i]
        if t.is_kw("DISTINCT", "REDUCED") and tokens[i - 1].is_kw("SELECT") and tokens[i + 1].is_kw(t.upper):
            edits.append(Edit(tokens[i + 1].start, tokens[i + 1].end, ""))
            notes.append(f"line {t.line}: repeated {t.upper} removed")
    return edits


def is_wdqs_endpoint(iri: str | None) -> bool:
    return (iri or "").rstrip("/") in WDQS_ENDPOINTS


def refuse_named_subquery_leftovers(tokens: Sequence[Token]) -> None:
    for t in tokens:
        if t.kind == "named_subquery" or t.is_kw("INCLUDE"):
            raise InputError(_("Blazegraph named subquery {name} at line {line}, column {column} has no WITH "
                               "block").format(name=t.text, line=t.line, column=t.col))

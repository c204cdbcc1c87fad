"""A small SPARQL tokenizer for text-level rewrites that must not touch strings, IRIs or comments.

It is not a parser: :mod:`kg.query.wdqs` uses it to find prefixes, ``SERVICE`` blocks, projections and
Blazegraph-only syntax with their line numbers, and to splice replacement text into a query while keeping
every other character (and so every line number) where it was.

    >>> [t.text for t in tokenize('SELECT ?x WHERE { ?x wdt:P31 "a}b" } # }')]
    ['SELECT', '?x', 'WHERE', '{', '?x', 'wdt:P31', '"a}b"', '}']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kg.errors import InputError
from kg.i18n import _

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
)
_PN_CHARS = _PN_CHARS_BASE + "_0-9\u00b7\u0300-\u036f\u203f-\u2040-"
_PLX = r"(?:[PNC:]|%[0-9A-Fa-f]{2}|\\[-_~.!$&'()*+,;=/?#@%])"  # a PN_LOCAL character (PNC = PN_CHARS)
_PLX_DOT = r"(?:[PNC.:]|%[0-9A-Fa-f]{2}|\\[-_~.!$&'()*+,;=/?#@%])"

_TOKEN_TEMPLATE = r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
      |"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<bnode>_:[PNC](?:[PNC.]*[PNC])?)
  | (?P<var>[?$][PNC]+)
  | (?P<pname>(?:[PNB](?:[PNC.]*[PNC])?)?:(?:PLX(?:PLX_DOT*PLX)?)?)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[+-]?(?:[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+(?:[eE][+-]?[0-9]+)?))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<named_subquery>%[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*+/|^!=<>?@-])
  | (?P<other>.)
"""


def _token_re(base: str, chars: str) -> re.Pattern[str]:
    return re.compile(
        _TOKEN_TEMPLATE.replace("PLX_DOT", _PLX_DOT).replace("PLX", _PLX).replace("PNB", base).replace("PNC", chars),
        re.VERBOSE | re.DOTALL,
    )


# The classes' ASCII part: on ASCII text (nearly every query) this pattern matches exactly as the full one, and
# it compiles in 1 ms where the full one's Unicode ranges take 15 to 40 ms of every command's start-up.
_TOKEN_RE_ASCII = _token_re("A-Za-z", "A-Za-z_0-9-")


@functools.cache
def _token_re_full() -> re.Pattern[str]:
    return _token_re(_PN_CHARS_BASE, _PN_CHARS)


class SparqlSyntaxError(InputError):
    """The engine (or the rewrite) found a syntax error in a query; the message gives the rewritten text's
    position. :func:`kg.query.sparql_errors.located` says where it is in the user's text."""


@dataclass(frozen=True)
class Token:
    kind: str  # string, iri, var, pname, langtag, number, name, bnode, named_subquery, punct, other
    text: str
    start: int
    end: int
    line: int
    col: int

    @property
    def upper(self) -> str:
        return self.text.upper()

    def is_kw(self, *words: str) -> bool:
        return self.kind == "name" and self.text.upper() in words

    @property
    def varname(self) -> str:
        return self.text[1:] if self.kind == "var" else ""


def tokenize(text: str, *, keep_comments: bool = False) -> list[Token]:
    """Tokens of ``text`` (whitespace dropped; comments dropped unless ``keep_comments``)."""
    out: list[Token] = []
    line, line_start = 1, 0
    pos = 0
    n = len(text)
    token_re = _TOKEN_RE_ASCII if text.isascii() else _token_re_full()
    while pos < n:
        m = token_re.match(text, pos)
        assert m is not None  # (?P<other>.) always matches
        kind = m.lastgroup or "other"
        value = m.group()
        if kind != "ws" and (kind != "comment" or keep_comments):
            # a "pname" that is only ":"-less text cannot happen; "a" as rdf:type is a name
            out.append(Token(kind, value, pos, m.end(), line, pos - line_start + 1))
        newlines = value.count("\n")
        if newlines:
            line += newlines
            line_start = pos + value.rindex("\n") + 1
        pos = m.end()
    return out


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def matching(tokens: Sequence[Token], i: int) -> int:
    """Index of the bracket closing ``tokens[i]`` (one of ``{ ( [``); -1 if unbalanced."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    opener = tokens[i].text
    closer = pairs[opener]
    depth = 0
    for j in range(i, len(tokens)):
        t = tokens[j]
        if t.kind != "punct":
            continue
        if t.text == opener:
            depth += 1
        elif t.text == closer:
            depth -= 1
            if depth == 0:
                return j
    return -1


def enclosing_open(tokens: Sequence[Token], i: int) -> int:
    """Index of the ``{`` of the group that contains ``tokens[i]``; -1 at top level."""
    depth = 0
    for j in range(i - 1, -1, -1):
        t = tokens[j]
        if t.kind != "punct":
            continue
        if t.text == "}":
            depth += 1
        elif t.text == "{":
            if depth == 0:
                return j
            depth -= 1
    return -1


@dataclass
class Edit:
    start: int
    end: int
    replacement: str


def apply_edits(text: str, edits: Sequence[Edit], *, keep_lines: bool = True) -> str:
    """Apply non-overlapping edits; with ``keep_lines`` each replaced span keeps its number of newlines."""
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError("overlapping edits")
        out.append(text[pos : e.start])
        repl = e.replacement
        if keep_lines:
            lost = text.count("\n", e.start, e.end) - repl.count("\n")
            if lost > 0:
                repl = repl + "\n" * lost
        out.append(repl)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


READ_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; an update (INSERT, DELETE, LOAD...) raises :class:`InputError`."""
    tokens = tokenize(text)
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.is_kw("PREFIX"):
            i += 3
            continue
        if t.is_kw("BASE"):
            i += 2
            continue
        if t.is_kw(*READ_FORMS):
            return t.upper
        if t.is_kw(*UPDATE_WORDS):
            raise InputError(
                _("line {line}: {keyword} is a SPARQL update; glamkg runs read queries only (SELECT, ASK, "
                  "CONSTRUCT, DESCRIBE). Change the store with `glamkg load`.").format(line=t.line, keyword=t.upper)
            )
        raise InputError(
            _("line {line}, column {column}: expected SELECT, ASK, CONSTRUCT or DESCRIBE, found {found}").format(
                line=t.line, column=t.col, found=repr(t.text))
        )
    raise InputError(_("the query is empty"))


def order_clauses(tokens: Sequence[Token]) -> list[tuple[int, str, int]]:
    """Every ``ORDER BY ... LIMIT n`` of the query, top-level and in sub-selects: ``(depth, clause, limit)`` with
    the clause's tokens joined by spaces (comparable across layouts) and the index of its ``LIMIT`` token
    (-1 when it has none). Depth 0 is the top level.

    A saved query that fetches labels after its limit repeats the top-level order and limit in the sub-select
    that picks the rows (``quality_institutions_missing_isil``); the ``limit`` parameter sets both, and an id
    map's translation lifts both (:mod:`kg.query.renumbering`)."""
    found: list[tuple[int, str, int]] = []
    depth = 0
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "punct" and t.text in "{}":
            depth += 1 if t.text == "{" else -1
        elif t.is_kw("ORDER") and i + 1 < len(tokens) and tokens[i + 1].is_kw("BY"):
            j = i + 2
            while j < len(tokens) and not tokens[j].is_kw("LIMIT", "OFFSET", "VALUES") and tokens[j].text != "}":
                if tokens[j].text in "({[" and tokens[j].kind == "punct":
                    j = matching(tokens, j)
                j += 1
            clause = " ".join(tok.text for tok in tokens[i + 2 : j])
            limit = j if j + 1 < len(tokens) and tokens[j].is_kw("LIMIT") and tokens[j + 1].kind == "number" else -1
            found.append((depth, clause, limit))
            i = j
            continue
        i += 1
    return found


def same_order_limits(tokens: Sequence[Token]) -> list[int]:
    """Indexes of the ``LIMIT`` tokens of sub-selects ordered as the top level is (:func:`order_clauses`)."""
    clauses = order_clauses(tokens)
    top = {clause for depth, clause, _ in clauses if depth == 0}
    return [limit for depth, clause, limit in clauses if depth > 0 and clause in top and limit >= 0]


def limit_token(text: str) -> tuple[Token, Token] | None:
    """The number token of the query's top-level ``LIMIT <n>`` clause (outside every ``{ }``), or None."""
    tokens = tokenize(text)
    depth = 0
    found = None
    for i, t in enumerate(tokens):
        if t.kind == "punct" and t.text == "{":
            depth += 1
        elif t.kind == "punct" and t.text == "}":
            depth -= 1
        elif depth == 0 and t.is_kw("LIMIT") and i + 1 < len(tokens) and tokens[i + 1].kind == "number":
            found = (t, tokens[i + 1])
    return found


def without_limits(text: str) -> str:
    """``text`` without its top-level ``LIMIT <n>`` and those of sub-selects ordered as the top level is
    (:func:`same_order_limits`): what a ``limit`` parameter of ``all`` gives (:func:`kg.query.saved.with_limit`)."""
    found = limit_token(text)
    if found is None:
        return text
    tokens = tokenize(text)
    pairs = [found, *((tokens[i], tokens[i + 1]) for i in same_order_limits(tokens))]
    return apply_edits(text, [Edit(k.start, n.end, "") for k, n in pairs])

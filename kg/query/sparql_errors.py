"""Where a SPARQL syntax error is in the user's own text (``glamkg query run FILE.rq``).

The local store runs a query as :func:`kg.query.wdqs.translate` rewrote it (prefix declarations put in front,
label services and Blazegraph syntax rewritten, parameters bound), so Oxigraph's line and column are those of
that text: an unclosed brace is reported at the end of the rewritten query, and the file is not named. When
Oxigraph refuses that text, :func:`locate` parses the user's own text on its own, with only the declarations of
the standard WDQS prefixes it uses put on its first line (positions on that line are moved back by their length),
and names the file, the line and column in it, what was expected, what was found and how to fix it. A text with
Blazegraph's named subqueries (``WITH { ... } AS %name``, ``INCLUDE %name``) is not SPARQL on its own: it is not
parsed again, nor is one that parses on its own (the rewrite is then at fault): the engine's message is given,
with the file's name.
"""

from __future__ import annotations

import difflib
import re

import pyoxigraph as ox

from kg.errors import InputError
from kg.i18n import _
from kg.query.sparql_text import SparqlSyntaxError, Token, tokenize
from kg.query.wdqs import STANDARD_PREFIXES, declared_prefixes, used_prefixes

_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
#: SPARQL 1.1's keywords and functions that start a clause or a pattern, for "did you mean" on a misspelt one
KEYWORDS = (
    "BASE", "PREFIX", "SELECT", "CONSTRUCT", "DESCRIBE", "ASK", "DISTINCT", "REDUCED", "AS", "FROM", "NAMED",
    "WHERE", "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "LIMIT", "OFFSET", "VALUES", "OPTIONAL", "GRAPH",
    "SERVICE", "SILENT", "BIND", "UNDEF", "MINUS", "UNION", "FILTER", "EXISTS", "NOT", "IN", "COUNT", "SUM", "MIN",
    "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "SEPARATOR", "BOUND", "COALESCE", "IF", "LANG", "LANGMATCHES", "STR",
    "STRSTARTS", "STRENDS", "CONTAINS", "STRAFTER", "STRBEFORE", "REGEX", "YEAR", "IRI", "DATATYPE",
)


def located(err: SparqlSyntaxError, text: str, source: str) -> InputError:
    """The error ``err`` of the query whose own text is ``text`` (from ``source``, a file or "the query"): located
    in that text when it can be (:func:`locate`), else ``err``'s message with the source named."""
    found = locate(text, source)
    return found if found is not None else InputError(_("{file}: {error}").format(file=source, error=err))


def locate(text: str, source: str) -> InputError | None:
    """The syntax error of ``text`` on its own, located in it; None when it parses or cannot be parsed alone."""
    tokens = tokenize(text)
    if any(t.kind == "named_subquery" for t in tokens):  # Blazegraph's named subqueries: not SPARQL on its own
        return None
    declared = declared_prefixes(tokens)
    header = "".join(f"PREFIX {p}: <{STANDARD_PREFIXES[p]}> " for p in used_prefixes(tokens)
                     if p not in declared and p in STANDARD_PREFIXES)
    try:
        ox.Store().query(header + text)  # parsed now; evaluated lazily (never, here)
    except SyntaxError as e:
        m = _POSITION.search(str(e))
        if m is None:
            return None
        line, column = int(m.group(1)), int(m.group(2))
        if line == 1:
            column = max(1, column - len(header))
        return _problem(text, tokens, line, column, m.group(3), source)
    except (RuntimeError, ValueError, OSError):  # parsed; something else (a custom function): not a syntax error
        return None
    return None


def _problem(text: str, tokens: list[Token], line: int, column: int, detail: str, source: str) -> InputError:
    expected = _expected(detail)
    unclosed = _unclosed(tokens, text)
    if not any((t.line, t.col) >= (line, column) for t in tokens) and unclosed:  # the text ended first
        brace = unclosed[-1]  # the innermost
        last = tokens[-1]
        return InputError(_(
            "{file}, line {line}, column {column}: SPARQL syntax error: this {brace} is never closed; expected a "
            "{close} to close it, found the end of the query (line {end_line}); hint: add the missing {close} where "
            "its group ends").format(file=source, line=brace.line, column=brace.col, brace=brace.text,
                                      close=_CLOSE[brace.text], end_line=last.line))
    word = _misspelt(tokens, line, column) or _word_at(tokens, line, column)
    found = repr(word.text) if word is not None else _("the end of the query")
    if word is not None:
        line, column = word.line, word.col
    close = difflib.get_close_matches(word.upper, KEYWORDS, n=1, cutoff=0.75) if word is not None and (
        word.kind == "name" and word.upper not in KEYWORDS) else []
    if close:
        hint = _("{found} is not a SPARQL keyword: did you mean {keyword}?").format(found=found, keyword=close[0])
    elif unclosed and word is None:
        hint = _("a {brace} opened at line {line} is never closed").format(brace=unclosed[-1].text,
                                                                           line=unclosed[-1].line)
    else:
        hint = _("check {found} and the text just before it (a missing dot, brace or quote, or a misspelt "
                 "word)").format(found=found)
    source_line = text.splitlines()[line - 1].strip() if 0 < line <= len(text.splitlines()) else ""
    return InputError(_(
        "{file}, line {line}, column {column}: SPARQL syntax error: expected {expected}, found {found} (in: {source})"
        "; hint: {hint}").format(file=source, line=line, column=column, expected=expected, found=found,
                                  source=source_line[:100], hint=hint))


_CLOSE = {"{": "}", "(": ")", "[": "]"}


def _unclosed(tokens: list[Token], text: str) -> list[Token]:
    """The brackets never closed, outermost first (a closing one that matches no opening one is left alone). The
    indentation decides between candidates: a ``}`` first on its line closes the ``{`` of the line indented as it
    is, and the ones opened since, on lines indented deeper, are those never closed."""
    lines = text.splitlines()

    def indent(t: Token) -> int:
        line = lines[t.line - 1] if t.line <= len(lines) else ""
        return len(line) - len(line.lstrip())

    stack: list[Token] = []
    unclosed: list[Token] = []
    for t in tokens:
        if t.kind != "punct":
            continue
        if t.text in _CLOSE:
            stack.append(t)
            continue
        if not stack or t.text != _CLOSE[stack[-1].text]:
            continue
        first = indent(t) == t.col - 1  # the first thing on its line
        same = [k for k, o in enumerate(stack) if o.text == stack[-1].text and indent(o) == indent(t)]
        if first and same and indent(stack[-1]) > indent(t):
            unclosed.extend(stack[same[-1] + 1:])
            del stack[same[-1] + 1:]
        stack.pop()
    return sorted([*stack, *unclosed], key=lambda t: t.start)


def _misspelt(tokens: list[Token], line: int, column: int) -> Token | None:
    """A word on the error's line, at or before the engine's position, that is not a keyword but is close to one
    (``OPTIONNAL``, ``FILTR``): the engine reads it as the start of something else and stops after it."""
    mine = [t for t in tokens if t.line == line and t.col <= column]
    for t in reversed(mine):
        if t.kind == "name" and t.upper not in KEYWORDS and t.text not in ("a", "true", "false") and \
                difflib.get_close_matches(t.upper, KEYWORDS, n=1, cutoff=0.75):
            return t
    return None


def _word_at(tokens: list[Token], line: int, column: int) -> Token | None:
    """The token the engine stopped at: the last that starts at or before (line, column); None: none does."""
    before = None
    for t in tokens:
        if (t.line, t.col) > (line, column):
            break
        before = t
    return before


def _expected(detail: str) -> str:
    """Oxigraph's ``expected one of "x", "y", [character classes]`` in short: its quoted tokens (and "a name or a
    number" for the classes), at most twelve."""
    words = [f'"{w}"' for w in dict.fromkeys(_QUOTED.findall(detail))]
    if "[" in detail:
        words.append(_("a name or a number"))
    if not words:
        return re.sub(r"^(expected )?(one of )?", "", " ".join(detail.split()))[:120] or "?"
    shown = ", ".join(words[:12]) + (", ..." if len(words) > 12 else "")
    return _("one of {items}").format(items=shown) if len(words) > 1 else shown

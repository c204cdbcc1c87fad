"""Shared pieces of the WDQS compatibility layer (:mod:`kg.query.wdqs`): the standard WDQS prefixes and
vocabulary, the shape of a query (projection, WHERE group) and the parser of simple SERVICE bodies."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kg.errors import InputError
from kg.i18n import _
from kg.model.schema import prefixes
from kg.query.sparql_text import Token, matching, tokenize

STANDARD_PREFIXES: dict[str, str] = prefixes("wdqs")  # schemas/prefixes.yaml

WIKIBASE = STANDARD_PREFIXES["wikibase"]
BD = STANDARD_PREFIXES["bd"]
HINT = STANDARD_PREFIXES["hint"]
RDFS_LABEL = STANDARD_PREFIXES["rdfs"] + "label"
SCHEMA_DESCRIPTION = STANDARD_PREFIXES["schema"] + "description"
SKOS_ALT_LABEL = STANDARD_PREFIXES["skos"] + "altLabel"
GEOF_DISTANCE = STANDARD_PREFIXES["geof"] + "distance"
DECODE_URI = WIKIBASE + "decodeUri"
IN_BOX = "urn:glamkg:function:inBox"
UNBOUND = "urn:glamkg:unbound"
HELPER = "__wdqs_"  # prefix of helper variables; dropped from results (they only show with SELECT *)

AUTO_SUFFIXES = (("AltLabel", SKOS_ALT_LABEL), ("Label", RDFS_LABEL), ("Description", SCHEMA_DESCRIPTION))
LABEL_PREDICATES = {RDFS_LABEL, SCHEMA_DESCRIPTION, SKOS_ALT_LABEL}
POINT_RE = re.compile(r"^\s*(?:<[^>]*>\s*)?Point\s*\(\s*([-+]?[0-9.eE+-]+)\s+([-+]?[0-9.eE+-]+)\s*\)\s*$", re.I)


def resolve(tok: Token, prefixes: Mapping[str, str]) -> str | None:
    if tok.kind == "iri":
        return tok.text[1:-1]
    if tok.kind == "pname":
        pre, local = tok.text.split(":", 1)
        base = prefixes.get(pre, STANDARD_PREFIXES.get(pre))
        return None if base is None else base + local
    return None


def unsupported(construct: str, tok: Token | None, hint: str) -> InputError:
    if tok is None:
        return InputError(_("{construct} in the query is not supported on the local store: {hint}").format(
            construct=construct, hint=hint))
    return InputError(
        _("{construct} at line {line}, column {column} is not supported on the local store: {hint}").format(
            construct=construct, line=tok.line, column=tok.col, hint=hint))


def after_dot(tokens: Sequence[Token], e: int) -> Token:
    """The closing brace of a service, or the '.' right after it (removed with the service)."""
    if e + 1 < len(tokens) and tokens[e + 1].kind == "punct" and tokens[e + 1].text == ".":
        return tokens[e + 1]
    return tokens[e]


class QueryShape:
    """Where the top-level projection, WHERE group and solution modifiers are."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.select = next((i for i, t in enumerate(tokens) if t.is_kw("SELECT")), -1)
        self.projection: list[str] = []  # plain projected variables of the top query
        self.aliases: list[tuple[int, str]] = []  # (token index of ?v, name) for (expr AS ?v)
        self.where_open = -1
        self.where_close = -1
        start = self.select if self.select >= 0 else 0
        for i in range(start, len(tokens)):
            if tokens[i].text == "{" and tokens[i].kind == "punct":
                self.where_open = i
                self.where_close = matching(tokens, i)
                break
        if self.select >= 0 and self.where_open > self.select:
            depth = 0
            for k in range(self.select + 1, self.where_open):
                t = tokens[k]
                if t.text == "(" and t.kind == "punct":
                    depth += 1
                elif t.text == ")" and t.kind == "punct":
                    depth -= 1
                elif t.kind == "var":
                    if depth == 0:
                        self.projection.append(t.varname)
                    elif tokens[k - 1].is_kw("AS"):
                        self.aliases.append((k, t.varname))


def projected_variables(text: str) -> list[str]:
    """Plain variables of the top-level SELECT projection (``SELECT *`` and other forms give [])."""
    return list(QueryShape(tokenize(text)).projection)


@dataclass
class ServiceTriple:
    s: list[Token]
    p: list[Token]
    o: list[Token]

    @staticmethod
    def text(toks: Sequence[Token]) -> str:
        return " ".join(t.text for t in toks)


def service_triples(body: Sequence[Token], at: Token) -> list[ServiceTriple]:
    """Triples of a simple service body: ``s p o (, o)* (; p o (, o)*)* .`` repeated."""
    out: list[ServiceTriple] = []
    i = 0

    def term(i: int) -> tuple[list[Token], int]:
        if i >= len(body):
            raise InputError(_("service {service} at line {line}: incomplete triple in its body").format(
                service=at.text, line=at.line))
        toks = [body[i]]
        i += 1
        if toks[0].kind == "string" and i < len(body) and body[i].kind == "langtag":
            toks.append(body[i])
            i += 1
        elif toks[0].kind == "string" and i + 1 < len(body) and body[i].text == "^^":
            toks.extend(body[i : i + 2])
            i += 2
        return toks, i

    while i < len(body):
        if body[i].text == ".":
            i += 1
            continue
        s, i = term(i)
        while True:
            p, i = term(i)
            while True:
                o, i = term(i)
                out.append(ServiceTriple(s, p, o))
                if i < len(body) and body[i].text == ",":
                    i += 1
                    continue
                break
            if i < len(body) and body[i].text == ";":
                i += 1
                while i < len(body) and body[i].text == ";":
                    i += 1
                if i < len(body) and body[i].text not in (".",):
                    continue
            break
        if i < len(body) and body[i].text not in (".",):
            t = body[i]
            raise InputError(
                _("service {service} at line {line}, column {column}: expected '.', ';' or ',' in its body, found "
                  "{found}").format(service=at.text, line=t.line, column=t.col, found=repr(t.text))
            )
    return out


def string_value(toks: Sequence[Token]) -> str | None:
    t = toks[0]
    if t.kind != "string":
        return None
    raw = t.text
    q = 3 if raw[:3] in ('"""', "'''") else 1
    return raw[q:-q]

"""The SPARQL tokenizer's two patterns (kg.query.sparql_text): ASCII text is read with the ASCII-only pattern,
which compiles in a millisecond, and must give exactly the tokens of the full pattern (Unicode prefixed names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.query import sparql_text

QUERIES = sorted((Path(__file__).resolve().parents[1] / "queries").glob("*.rq"))
TRICKY = [
    'SELECT ?x WHERE { ?x wdt:P31 "a}b" } # }',
    "PREFIX ex-1.a: <http://e/> SELECT * { ex-1.a:b-c.d ?p _:b1.x ; ex-1.a:%41\\~ 1.5e3, -2, .5 . }",
    'SELECT ?x { ?x rdfs:label \'it\'\'s\'@en-GB ; ?p """multi\nline""" } ORDER BY ?x $y',
    "ASK { ?s :p :o-o. FILTER(?a >= 1 && ?b != 2 || !BOUND(?c)) } # trailing : . -",
]


def tokens(text: str, pattern: object) -> list[tuple[str, str, int, int, int, int]]:
    out = []
    pos, line, line_start = 0, 1, 0
    while pos < len(text):
        m = pattern.match(text, pos)  # type: ignore[attr-defined]
        out.append((m.lastgroup, m.group(), pos, m.end(), line, pos - line_start + 1))
        if "\n" in m.group():
            line += m.group().count("\n")
            line_start = pos + m.group().rindex("\n") + 1
        pos = m.end()
    return out


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in QUERIES] + TRICKY)
def test_ascii_pattern_reads_ascii_text_as_the_full_one(text: str) -> None:
    assert text.isascii()
    assert tokens(text, sparql_text._TOKEN_RE_ASCII) == tokens(text, sparql_text._token_re_full())


def test_unicode_names_use_the_full_pattern() -> None:
    found = sparql_text.tokenize("PREFIX é: <http://e/> SELECT ?café { ?café é:naïve ?x }")
    assert [(t.kind, t.text) for t in found] == [
        ("name", "PREFIX"),
        ("pname", "é:"),
        ("iri", "<http://e/>"),
        ("name", "SELECT"),
        ("var", "?café"),
        ("punct", "{"),
        ("var", "?café"),
        ("pname", "é:naïve"),
        ("var", "?x"),
        ("punct", "}"),
    ]

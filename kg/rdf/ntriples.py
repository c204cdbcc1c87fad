"""N-Triples text exactly as Wikibase writes it (Purtle's N3Quoter, NTriplesRdfWriter).

Literals: ``\\" \\\\ \\n \\r \\t \\b \\f`` escaped, other control characters and all non-ASCII as
``\\uXXXX`` (upper-case hex; ``\\UXXXXXXXX`` beyond the BMP). IRIs are written raw (UTF-8): the
characters N-Triples forbids were percent-encoded when the IRI was built (kg.rdf.vocabulary.escape_iri).
A literal typed ``xsd:string`` is written without datatype.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_SIMPLE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f-\U0010ffff]')


def _escape_char(m: re.Match[str]) -> str:
    c = m.group(0)
    simple = _SIMPLE.get(c)
    if simple is not None:
        return simple
    code = ord(c)
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def escape_literal(text: str) -> str:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return text  # most literals: nothing to escape (isprintable: no control characters)
    return _NEEDS_ESCAPE.sub(_escape_char, text)


def term(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(node, ox.NamedNode):
        return f"<{node.value}>"
    if isinstance(node, ox.BlankNode):
        return f"_:{node.value}"
    if isinstance(node, ox.Literal):
        text = f'"{escape_literal(node.value)}"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype.value != XSD_STRING:
            return f"{text}^^<{node.datatype.value}>"
        return text
    raise TypeError(f"cannot write {node!r} in N-Triples")


def line(t: ox.Triple | tuple[str, str, str]) -> str:
    """One triple's line: an ox.Triple, or the ``(s, p, o)`` text tuple of :class:`kg.rdf.vocabulary.NtTerms`."""
    if type(t) is tuple:
        return f"{t[0]} {t[1]} {t[2]} .\n"
    return f"{term(t.subject)} {term(t.predicate)} {term(t.object)} .\n"  # type: ignore[union-attr]


def to_ntriples(triples: Iterable[ox.Triple | tuple[str, str, str]]) -> str:
    """One line per triple, ``<s> <p> o .``, in the order given (ox.Triple objects or NtTerms text tuples)."""
    return "".join(map(line, triples))

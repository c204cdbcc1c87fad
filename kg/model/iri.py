"""IRIs from the data (a URL cell, a unit, a calendar): how they are written into RDF and whether they can be.

:func:`escape_iri` percent-encodes the characters N-Triples forbids, as Wikibase's RDF writer does; :func:`problem`
says why a URL cannot become an IRI even so (a bad percent-encoding, a second ``#``), with the RDF engine's own
parser, so that a sheet's check refuses exactly what the conversion would (kg.rdf uses both).
"""

from __future__ import annotations

import re

import pyoxigraph as ox

_IRI_ESCAPES = {c: f"%{ord(c):02X}" for c in ' "<>\\`^|{}'}
_IRI_ESCAPE_RE = re.compile(r'[ "<>\\`^|{}]')


def escape_iri(iri: str) -> str:
    """Percent-encode the characters N-Triples forbids in IRIs, as Wikibase's writer does.

    >>> escape_iri("https://example.org/a b{c}")
    'https://example.org/a%20b%7Bc%7D'
    """
    return _IRI_ESCAPE_RE.sub(lambda m: _IRI_ESCAPES[m.group(0)], iri)


def problem(url: str) -> str | None:
    """Why ``url`` (escaped as :func:`escape_iri` does) is not a valid IRI (the engine's words), or None.

    >>> problem("https://example.org/a b"), problem("https://example.org/%zz")
    (None, "Invalid IRI percent encoding '%zz'")
    """
    try:
        ox.NamedNode(escape_iri(url))
    except ValueError as e:
        return str(e)
    return None

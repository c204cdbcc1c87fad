"""Wikibase RDF: entity JSON -> the triples Wikibase's RdfBuilder writes, and the WDQS-munged form.

Owns: the conversion (:mod:`~kg.rdf.convert`, :mod:`~kg.rdf.builder`, :mod:`~kg.rdf.statements`,
:mod:`~kg.rdf.datavalues`), the vocabulary of IRIs (:mod:`~kg.rdf.vocabulary`), the WDQS munge
(:mod:`~kg.rdf.munge`), N-Triples text (:mod:`~kg.rdf.ntriples`) and conversion in worker processes
(:mod:`~kg.rdf.conversion`). Checked triple for triple against ``../shared/conformance/wikibase-rdf``.

May import: :mod:`kg.model`, pyoxigraph (RDF terms), the top-level infrastructure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg import lazy_face

if TYPE_CHECKING:
    from kg.rdf.convert import (
        FLAVOR_ALL,
        FLAVOR_DUMP,
        TRUTHY,
        Environment,
        RdfBuilder,
        Vocabulary,
        entity_triples,
        to_ntriples,
        wdqs_ntriples,
        wdqs_triples,
    )

__all__ = [
    "FLAVOR_ALL",
    "FLAVOR_DUMP",
    "TRUTHY",
    "Environment",
    "RdfBuilder",
    "Vocabulary",
    "entity_triples",
    "to_ntriples",
    "wdqs_ntriples",
    "wdqs_triples",
]
__getattr__, __dir__ = lazy_face(__name__, {"kg.rdf.convert": __all__})

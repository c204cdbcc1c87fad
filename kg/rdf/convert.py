"""Wikibase entity JSON -> RDF, exactly as Wikibase's RdfBuilder writes it, and the WDQS-munged form.

The public API of glamkg's RDF layer (details: docs/rdf.md)::

    >>> from kg import rdf
    >>> triples = rdf.wdqs_triples(entity_json)          # what the store keeps     # doctest: +SKIP
    >>> print(rdf.to_ntriples(rdf.entity_triples(entity_json, flavor=rdf.FLAVOR_ALL)))  # doctest: +SKIP

- :func:`entity_triples`: Wikibase's own RDF of one entity (any flavor; API or storage JSON shape).
- :func:`wdqs_triples`: the WDQS-munged form the store keeps (RULES.md sec. 12).
- :func:`to_ntriples`: N-Triples text with Wikibase's escaping.
- :class:`RdfBuilder` for documents of several entities, dumps, stubs, redirects and page props;
  :class:`Environment` for installation settings (sites, page props, URI patterns, entity lookup).

Datatypes of properties: the ``datatypes`` argument wins, else the snak's API ``datatype``, else
``kg.model.schema``; an unknown datatype raises :class:`kg.errors.EntityError` naming entity and property,
as do bad ids, malformed times, coordinates out of range, quantities that are not decimals and
datavalues whose type does not match the datatype.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from kg.errors import EntityError
from kg.i18n import _
from kg.rdf.builder import (
    ALL_STATEMENTS,
    FLAVOR_ALL,
    FLAVOR_DUMP,
    FLAVOR_FULL_DUMP,
    FLAVOR_LONG,
    FLAVOR_SIMPLE,
    FLAVOR_TRUTHY_DUMP,
    FULL_VALUES,
    NORMALIZED_VALUES,
    PAGE_PROPS,
    PROPERTIES,
    QUALIFIERS,
    REFERENCES,
    RESOLVED_ENTITIES,
    SITELINKS,
    TRUTHY,
    VERSION_INFO,
    WIKIDATA_PAGE_PROPS,
    Environment,
    RdfBuilder,
)
from kg.rdf.munge import munge
from kg.rdf.ntriples import to_ntriples
from kg.rdf.vocabulary import Vocabulary

__all__ = [
    "ALL_STATEMENTS",
    "FLAVOR_ALL",
    "FLAVOR_DUMP",
    "FLAVOR_FULL_DUMP",
    "FLAVOR_LONG",
    "FLAVOR_SIMPLE",
    "FLAVOR_TRUTHY_DUMP",
    "FULL_VALUES",
    "NORMALIZED_VALUES",
    "PAGE_PROPS",
    "PROPERTIES",
    "QUALIFIERS",
    "REFERENCES",
    "RESOLVED_ENTITIES",
    "SITELINKS",
    "TRUTHY",
    "VERSION_INFO",
    "WIKIDATA_PAGE_PROPS",
    "Environment",
    "RdfBuilder",
    "Vocabulary",
    "entity_triples",
    "to_ntriples",
    "wdqs_ntriples",
    "wdqs_triples",
]


def _check(entity: Any) -> Mapping[str, Any]:
    if not isinstance(entity, Mapping):
        raise EntityError(_("expected one entity JSON object, found {found}").format(found=type(entity).__name__))
    if "entities" in entity and "id" not in entity:
        raise EntityError(
            _("expected one entity, found a wbgetentities/Special:EntityData wrapper {example} "
              "(hint: kg.model.entities.read_json() unwraps it)").format(example="{'entities': ...}")
        )
    if "missing" in entity:
        raise EntityError(
            _("expected an existing entity, found a 'missing' marker (the wiki has no such entity)"),
            entity=str(entity.get("id")),
        )
    return entity


def entity_triples(
    entity: Mapping[str, Any],
    *,
    flavor: int = FLAVOR_DUMP,
    vocab: Vocabulary | None = None,
    datatypes: Mapping[str, str] | None = None,
    env: Environment | None = None,
) -> list[ox.Triple]:
    """Wikibase's RDF of one entity (API or storage JSON), for the given flavor flags.

    With RESOLVED_ENTITIES or PROPERTIES, stubs of mentioned entities come from
    ``env.entity_lookup`` (none by default). A redirect (``{"entity": "Q1", "redirect": "Q2"}``) gives
    its ``owl:sameAs`` triple.
    """
    builder = RdfBuilder(flavor, vocab=vocab, datatypes=datatypes, env=env)
    builder.add_entity(_check(entity))
    if flavor & (RESOLVED_ENTITIES | PROPERTIES):
        builder.resolve_mentioned()
    return builder.triples


def wdqs_triples(
    entity: Mapping[str, Any],
    *,
    datatypes: Mapping[str, str] | None = None,
    vocab: Vocabulary | None = None,
    env: Environment | None = None,
    keep_types: bool = False,
) -> list[ox.Triple]:
    """The WDQS-munged triples of one entity: what the store keeps (RULES.md sec. 12).

    Built from the ``dump`` flavor (what WDQS fetches); see :mod:`kg.rdf.munge` for the rules. Entities
    without ``lastrevid``/``modified`` are accepted (WDQS would reject them): they just have no
    ``schema:version``/``schema:dateModified``.
    """
    if keep_types:
        vocab = vocab or Vocabulary.glamkg()
        builder = RdfBuilder(FLAVOR_DUMP, vocab=vocab, datatypes=datatypes, env=env)
        eid = builder.add_entity(_check(entity))
        return munge(builder.triples, eid, vocab, keep_types=True)
    # Fast path: the builder writes the munged form directly (tests check it equals munge()).
    builder = RdfBuilder(FLAVOR_DUMP, vocab=vocab, datatypes=datatypes, env=env, munged=True)
    builder.add_entity(_check(entity))
    return builder.triples


def wdqs_ntriples(
    entity: Mapping[str, Any],
    *,
    datatypes: Mapping[str, str] | None = None,
    vocab: Vocabulary | None = None,
    env: Environment | None = None,
) -> list[tuple[str, str, str]]:
    """:func:`wdqs_triples` as N-Triples text: ``(subject, predicate, object)`` term strings, made by the same
    builder with the N-Triples sink (kg.rdf.vocabulary.NtTerms) instead of pyoxigraph objects; several times
    faster, for the bulk writes (kg.rdf.conversion). ``" ".join(t) + " ."`` is the triple's line."""
    builder = RdfBuilder(FLAVOR_DUMP, vocab=vocab, datatypes=datatypes, env=env, munged=True, ntriples=True)
    builder.add_entity(_check(entity))
    return builder.triples

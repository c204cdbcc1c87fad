"""Wikibase entity JSON -> RDF, as Wikibase's RdfBuilder writes it (work in progress: API first)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

TRUTHY = 1
ALL_STATEMENTS = 2
QUALIFIERS = 4
REFERENCES = 8
SITELINKS = 16
PROPERTIES = 32
FULL_VALUES = 64
VERSION_INFO = 128
RESOLVED_ENTITIES = 256
NORMALIZED_VALUES = 512
PAGE_PROPS = 1024
FLAVOR_ALL = 0xFFFF
FLAVOR_DUMP = 1 | 2 | 4 | 8 | 16 | 64 | 128 | 512 | 1024


@dataclass(frozen=True)
class Vocabulary:
    concept_base: str
    data_base: str

    @classmethod
    def wikidata(cls) -> Vocabulary:
        return cls("http://www.wikidata.org/entity/", "https://www.wikidata.org/wiki/Special:EntityData/")

    @classmethod
    def glamkg(cls) -> Vocabulary:
        return cls.wikidata()


def entity_triples(
    entity: Mapping[str, Any],
    *,
    flavor: int = FLAVOR_DUMP,
    vocab: Vocabulary | None = None,
    datatypes: Mapping[str, str] | None = None,
) -> list[ox.Triple]:
    raise NotImplementedError("kg.rdf.entity_triples: being written")


def wdqs_triples(
    entity: Mapping[str, Any], *, datatypes: Mapping[str, str] | None = None, vocab: Vocabulary | None = None
) -> list[ox.Triple]:
    raise NotImplementedError("kg.rdf.wdqs_triples: being written")


def to_ntriples(triples: Iterable[ox.Triple]) -> str:
    raise NotImplementedError("kg.rdf.to_ntriples: being written")

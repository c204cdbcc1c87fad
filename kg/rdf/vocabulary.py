"""The IRIs of Wikibase RDF: fixed ontology terms and the per-installation namespaces.

A :class:`Vocabulary` holds the concept base (``wd:``) and data base (``data:``) of one Wikibase; every
other namespace derives from them as in Wikibase's ``RdfVocabulary`` (RULES.md sec. 1): with the concept
base ``B`` and ``T`` = ``B`` minus a trailing ``entity/``, statements are ``B statement/``, references
``T reference/``, values ``T value/`` and predicates ``T prop/...``.

glamkg's store uses :meth:`Vocabulary.glamkg`: Wikidata's IRIs, except that local-only items (ids at or
above ``local_id_min``) live under the local concept base, with their statements under its
``statement/`` and their data node under the local data base. Predicates, references and values are
always Wikidata's.

NamedNodes are built once and cached (:func:`terms`): conversion makes millions of triples.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.model import ids
from kg.model.iri import escape_iri  # noqa: F401  (kg.rdf.vocabulary.escape_iri: where kg.rdf takes it from)
from kg.model.schema import model
from kg.rdf import ntriples

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
CC = "http://creativecommons.org/ns#"
GEO = "http://www.opengis.net/ont/geosparql#"
PROV = "http://www.w3.org/ns/prov#"
WIKIBASE = "http://wikiba.se/ontology#"
LICENSE_CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
FORMAT_VERSION = "1.0.0"
ONE_ENTITY = "http://www.wikidata.org/entity/Q199"
GLOBE_EARTH = "http://www.wikidata.org/entity/Q2"
COMMONS_FILE = "http://commons.wikimedia.org/wiki/Special:FilePath/"
COMMONS_DATA = "http://commons.wikimedia.org/data/main/"

# Fixed terms, as NamedNodes.
A = ox.NamedNode(RDF + "type")
XSD_STRING = ox.NamedNode(XSD + "string")
XSD_INTEGER = ox.NamedNode(XSD + "integer")
XSD_DECIMAL = ox.NamedNode(XSD + "decimal")
XSD_DOUBLE = ox.NamedNode(XSD + "double")
XSD_DATETIME = ox.NamedNode(XSD + "dateTime")
WKT = ox.NamedNode(GEO + "wktLiteral")
RDFS_LABEL = ox.NamedNode(RDFS + "label")
SKOS_PREF = ox.NamedNode(SKOS + "prefLabel")
SKOS_ALT = ox.NamedNode(SKOS + "altLabel")
SCHEMA_NAME = ox.NamedNode(SCHEMA + "name")
SCHEMA_DESCRIPTION = ox.NamedNode(SCHEMA + "description")
SCHEMA_ABOUT = ox.NamedNode(SCHEMA + "about")
SCHEMA_VERSION = ox.NamedNode(SCHEMA + "version")
SCHEMA_DATE_MODIFIED = ox.NamedNode(SCHEMA + "dateModified")
SCHEMA_SOFTWARE_VERSION = ox.NamedNode(SCHEMA + "softwareVersion")
SCHEMA_DATASET = ox.NamedNode(SCHEMA + "Dataset")
SCHEMA_ARTICLE = ox.NamedNode(SCHEMA + "Article")
SCHEMA_IN_LANGUAGE = ox.NamedNode(SCHEMA + "inLanguage")
SCHEMA_IS_PART_OF = ox.NamedNode(SCHEMA + "isPartOf")
CC_LICENSE = ox.NamedNode(CC + "license")
PROV_DERIVED = ox.NamedNode(PROV + "wasDerivedFrom")
OWL_SAME_AS = ox.NamedNode(OWL + "sameAs")
OWL_CLASS = ox.NamedNode(OWL + "Class")
OWL_COMPLEMENT = ox.NamedNode(OWL + "complementOf")
OWL_RESTRICTION = ox.NamedNode(OWL + "Restriction")
OWL_ON_PROPERTY = ox.NamedNode(OWL + "onProperty")
OWL_SOME_VALUES = ox.NamedNode(OWL + "someValuesFrom")
OWL_THING = ox.NamedNode(OWL + "Thing")
OWL_OBJECT_PROPERTY = ox.NamedNode(OWL + "ObjectProperty")
OWL_DATATYPE_PROPERTY = ox.NamedNode(OWL + "DatatypeProperty")
OWL_ONTOLOGY = ox.NamedNode(OWL + "Ontology")
OWL_IMPORTS = ox.NamedNode(OWL + "imports")


def wb(name: str) -> ox.NamedNode:
    """A term of the Wikibase ontology (``wikibase:<name>``)."""
    return _wb(name)


@functools.lru_cache(maxsize=512)
def _wb(name: str) -> ox.NamedNode:
    return ox.NamedNode(WIKIBASE + name)


def statement_local_name(guid: str) -> str:
    """Statement GUID -> local name: every char outside ``[A-Za-z0-9_-]`` becomes ``-``."""
    return _GUID_RE.sub("-", guid)


_GUID_RE = re.compile(r"[^A-Za-z0-9_-]")

# Predicate namespaces under ``T prop/``: key -> path.
PREDICATE_PATHS = {
    "p": "prop/",
    "wdt": "prop/direct/",
    "wdtn": "prop/direct-normalized/",
    "ps": "prop/statement/",
    "psv": "prop/statement/value/",
    "psn": "prop/statement/value-normalized/",
    "pq": "prop/qualifier/",
    "pqv": "prop/qualifier/value/",
    "pqn": "prop/qualifier/value-normalized/",
    "pr": "prop/reference/",
    "prv": "prop/reference/value/",
    "prn": "prop/reference/value-normalized/",
    "wdno": "prop/novalue/",
}


@dataclass(frozen=True)
class Vocabulary:
    """Base IRIs of one Wikibase (plus, for glamkg, the local bases of local-only items)."""

    concept_base: str
    data_base: str
    local_concept_base: str | None = None
    local_data_base: str | None = None

    @property
    def top(self) -> str:
        """The concept base without a trailing ``entity/``: where ``prop/``, ``reference/``, ``value/`` live."""
        base = self.concept_base
        return base[: -len("entity/")] if base.endswith("entity/") else base

    def ns(self, key: str) -> str:
        """Namespace IRI of a prefix key: ``wdt``, ``ps``, ... or ``wdref``, ``wdv``, ``wds``, ``wd``, ``data``."""
        if key in PREDICATE_PATHS:
            return self.top + PREDICATE_PATHS[key]
        return {
            "wd": self.concept_base,
            "wds": self.concept_base + "statement/",
            "wdref": self.top + "reference/",
            "wdv": self.top + "value/",
            "data": self.data_base,
        }[key]

    def is_local(self, eid: str) -> bool:
        if self.local_concept_base is None or not eid.startswith("Q"):
            return False
        return int(eid[1:]) >= model().local_id_min

    def entity_iri(self, eid: str) -> str:
        if self.is_local(eid):
            assert self.local_concept_base is not None
            return self.local_concept_base + eid
        return self.concept_base + eid

    def statement_ns(self, eid: str) -> str:
        if self.is_local(eid):
            return f"{self.local_concept_base}statement/"
        return self.concept_base + "statement/"

    def data_iri(self, eid: str) -> str:
        if self.is_local(eid) and self.local_data_base:
            return self.local_data_base + eid
        return self.data_base + eid

    @classmethod
    def wikidata(cls) -> Vocabulary:
        ns = model().namespaces
        return cls(ns["wikidata_concept_base"], ns["wikidata_data_base"])

    @classmethod
    def glamkg(cls) -> Vocabulary:
        """The store's vocabulary: Wikidata's, with local ids under the local concept and data bases."""
        ns = model().namespaces
        return cls(
            ns["wikidata_concept_base"],
            ns["wikidata_data_base"],
            local_concept_base=ids.local_concept_base(),
            local_data_base=ns["local_data_base"],
        )


class Terms:
    """The terms of one vocabulary as pyoxigraph objects (NamedNodes cached): the sink of the ox.Triple path.

    :class:`NtTerms` is the same interface producing N-Triples text instead (the bulk writes' fast path); the
    builder writes every triple through ``t.triple`` and every term through these methods, so one converter
    gives either form.
    """

    #: ``triple(s, p, o)``: one triple of terms of this sink, as the sink keeps it
    triple = ox.Triple

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.ns = {k: vocab.ns(k) for k in (*PREDICATE_PATHS, "wd", "wds", "wdref", "wdv", "data")}
        self._pred: dict[tuple[str, str], Any] = {}
        self._entity: dict[str, Any] = {}

    def pred(self, key: str, pid: str) -> Any:
        node = self._pred.get((key, pid))
        if node is None:
            node = self._pred[(key, pid)] = self.iri(self.ns[key] + pid)
        return node

    def entity(self, eid: str) -> Any:
        node = self._entity.get(eid)
        if node is None:
            node = self.iri(self.vocab.entity_iri(eid))
            if len(self._entity) < 200_000:
                self._entity[eid] = node
        return node

    def reference(self, ref_hash: str) -> Any:
        return self.iri(self.ns["wdref"] + ref_hash)

    def value(self, value_hash: str) -> Any:
        return self.iri(self.ns["wdv"] + value_hash)

    def iri(self, value: str) -> Any:
        """An IRI glamkg built itself (ids, hashes, namespaces: valid by construction)."""
        return ox.NamedNode(value)

    def checked_iri(self, value: str) -> Any:
        """An IRI that comes from the data (URLs, units, calendars): ValueError when it is not a valid IRI."""
        return ox.NamedNode(value)

    def literal(self, text: str, datatype: ox.NamedNode | None = None) -> Any:
        return ox.Literal(text) if datatype is None else ox.Literal(text, datatype=datatype)

    def lang_literal(self, text: str, language: str) -> Any:
        """A language-tagged literal (the tag was checked by the caller)."""
        return ox.Literal(text, language=language)

    def blank(self, label: str) -> Any:
        return ox.BlankNode(label)

    def c(self, node: ox.NamedNode) -> Any:
        """A fixed term (the module constants) in this sink's form."""
        return node


class NtTerms(Terms):
    """The same terms as N-Triples text (``<iri>``, ``"literal"@lang``, ``_:b``), triples as ``(s, p, o)`` string
    tuples: no pyoxigraph objects are made, which is most of the conversion's cost. Literals are escaped as
    Wikibase writes them (kg.rdf.ntriples), so the conformance suite checks this output line by line."""

    def __init__(self, vocab: Vocabulary) -> None:
        super().__init__(vocab)
        self._const: dict[Any, str] = {}
        self._suffix: dict[ox.NamedNode, str] = {}  # datatype -> "^^<datatype>" ("" for xsd:string)

    @staticmethod
    def triple(*spo: str) -> tuple[str, ...]:  # type: ignore[override]
        return spo

    def render(self, node: Any) -> str:
        """A pyoxigraph term as N-Triples text (the fixed terms, cached)."""
        text = self._const.get(node)
        if text is None:
            text = ntriples.term(node)
            if isinstance(node, ox.NamedNode) and len(self._const) < 4096:
                self._const[node] = text
        return text

    def iri(self, value: str) -> str:
        return f"<{value}>"

    def checked_iri(self, value: str) -> str:
        ox.NamedNode(value)  # the same check (and ValueError) as the pyoxigraph path
        return f"<{value}>"

    def literal(self, text: str, datatype: ox.NamedNode | None = None) -> str:
        if datatype is None:
            return f'"{ntriples.escape_literal(text)}"'
        suffix = self._suffix.get(datatype)
        if suffix is None:
            suffix = self._suffix[datatype] = "" if datatype.value == ntriples.XSD_STRING else f"^^<{datatype.value}>"
        return f'"{ntriples.escape_literal(text)}"{suffix}'

    def lang_literal(self, text: str, language: str) -> str:
        return f'"{ntriples.escape_literal(text)}"@{language}'

    def blank(self, label: str) -> str:
        ox.BlankNode(label)
        return f"_:{label}"

    def c(self, node: ox.NamedNode) -> str:
        text = self._const.get(node)
        return text if text is not None else self.render(node)


@functools.lru_cache(maxsize=16)
def terms(vocab: Vocabulary) -> Terms:
    return Terms(vocab)


@functools.lru_cache(maxsize=16)
def nt_terms(vocab: Vocabulary) -> NtTerms:
    return NtTerms(vocab)

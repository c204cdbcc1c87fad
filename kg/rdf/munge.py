"""The WDQS munge: Wikibase RDF of one entity -> the triples Wikidata's query service keeps.

As WDQS's ``Munger``/``EntityMungingRdfHandler`` (RULES.md sec. 12), with its default options:

- on the data node, ``schema:version``, ``schema:dateModified`` and every ``wikibase:*`` predicate (page
  props: statements, sitelinks, identifiers) move onto the entity; the rest of the data node
  (``a schema:Dataset``, ``schema:about``, ``cc:license``, ``schema:softwareVersion``) is dropped.
  WDQS rejects an entity without version or dateModified; glamkg does not: entities built locally have
  no revision, and then those two triples are simply absent;
- dropped: ``wd:Q a wikibase:Item`` (Lexeme/Form/Sense too; ``wikibase:Property`` stays), ``schema:name``
  and ``skos:prefLabel`` of the entity (duplicates of ``rdfs:label``), ``wds:S a wikibase:Statement``,
  ``wdref:H a wikibase:Reference`` (all kept with ``keep_types=True``);
- statement, reference and value nodes are kept only if reachable from the entity; sitelinks and
  ``wikibase:wikiGroup`` are kept (dropped with ``skip_sitelinks=True``); of ``prop/`` subjects only
  ``rdf:type`` and ``owl:complementOf`` (the ``wdno:`` classes); blank-node subjects are kept; triples
  about other entities (stubs) and unknown subjects are dropped;
- literals longer than 32767 UTF-16 code units are truncated to 32767.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from kg.rdf.vocabulary import (
    OWL_COMPLEMENT,
    SCHEMA_ABOUT,
    SCHEMA_DATE_MODIFIED,
    SCHEMA_NAME,
    SCHEMA_VERSION,
    SKOS_PREF,
    WIKIBASE,
    A,
    Vocabulary,
    terms,
    wb,
)

MAX_LITERAL = 32767
_DROPPED_ENTITY_TYPES = frozenset(WIKIBASE + n for n in ("Item", "Lexeme", "Form", "Sense"))
_STATEMENT, _REFERENCE, _WIKI_GROUP = wb("Statement"), wb("Reference"), wb("wikiGroup")
_DUMP = WIKIBASE + "Dump"


def truncate_text(text: str) -> str:
    """``text`` cut to at most 32767 UTF-16 code units, as WDQS (Java) does."""
    if len(text) <= MAX_LITERAL // 2:
        return text
    units = text.encode("utf-16-le")
    if len(units) <= 2 * MAX_LITERAL:
        return text
    return units[: 2 * MAX_LITERAL].decode("utf-16-le", errors="ignore")


def truncate_literal(node: ox.Literal) -> ox.Literal:
    text = node.value
    cut = truncate_text(text)
    if cut is text:
        return node
    if node.language:
        return ox.Literal(cut, language=node.language)
    return ox.Literal(cut, datatype=node.datatype)


def _data_iris(vocab: Vocabulary, eid: str) -> set[str]:
    iri = vocab.data_iri(eid)
    if iri.startswith("https://"):
        return {iri, "http://" + iri[len("https://") :]}
    if iri.startswith("http://"):
        return {iri, "https://" + iri[len("http://") :]}
    return {iri}


def munge(
    triples: Iterable[ox.Triple],
    eid: str,
    vocab: Vocabulary,
    *,
    keep_types: bool = False,
    skip_sitelinks: bool = False,
) -> list[ox.Triple]:
    """The munged triples of entity ``eid`` (its Wikibase RDF in ``triples``)."""
    t = terms(vocab)
    triples = list(triples)
    entity = t.entity(eid)
    entity_iri = entity.value
    data_iris = _data_iris(vocab, eid)
    node_prefixes = (vocab.statement_ns(eid), t.ns["wdref"], t.ns["wdv"])
    prop_prefix = vocab.top + "prop/"

    by_subject: dict[str, list[ox.Triple]] = {}
    articles: set[str] = set()
    for tr in triples:
        s = tr.subject
        if isinstance(s, ox.NamedNode):
            by_subject.setdefault(s.value, []).append(tr)
            if tr.predicate == SCHEMA_ABOUT and tr.object == entity and s.value not in data_iris:
                articles.add(s.value)

    # Statement, reference and value nodes reachable from the entity.
    reachable: set[str] = set()
    todo = [entity_iri]
    while todo:
        subject = todo.pop()
        for tr in by_subject.get(subject, ()):
            o = tr.object
            if isinstance(o, ox.NamedNode) and o.value not in reachable and o.value.startswith(node_prefixes):
                reachable.add(o.value)
                todo.append(o.value)

    out: list[ox.Triple] = []
    for tr in triples:
        s, p, o = tr.subject, tr.predicate, tr.object
        if isinstance(s, ox.BlankNode):
            out.append(tr)
            continue
        if not isinstance(s, ox.NamedNode):
            continue
        sv = s.value
        if sv == entity_iri:
            if p == A and not keep_types and isinstance(o, ox.NamedNode) and o.value in _DROPPED_ENTITY_TYPES:
                continue
            if p in (SCHEMA_NAME, SKOS_PREF):
                continue
        elif sv in data_iris:
            if p in (SCHEMA_VERSION, SCHEMA_DATE_MODIFIED) or p.value.startswith(WIKIBASE):
                out.append(ox.Triple(entity, p, o))
            continue
        elif sv in reachable:
            if p == A and not keep_types and o in (_STATEMENT, _REFERENCE):
                continue
        elif sv in articles or p == _WIKI_GROUP:
            if skip_sitelinks:
                continue
        elif sv.startswith(prop_prefix):
            if p != A and p != OWL_COMPLEMENT:
                continue
        elif sv != _DUMP:
            continue
        out.append(ox.Triple(s, p, truncate_literal(o)) if isinstance(o, ox.Literal) else tr)
    return out

"""Which triples an entity owns in the store, the canonical form of literals, and what a write orphans.

An entity owns the triples about it, about its statement nodes (``wd:Q p:P wds:S``) and about its sitelink
nodes (``schema:about`` it); reference and value nodes are shared between entities and are removed only
when nothing refers to them any more (:func:`orphans`).
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from kg.model import ids

_XSD = "http://www.w3.org/2001/XMLSchema#"
_SCHEMA_ABOUT = ox.NamedNode("http://schema.org/about")
_DG = ox.DefaultGraph()


def prop_ns() -> str:
    """``p:`` namespace: properties are always Wikidata's."""
    base = ids.wikidata_concept_base()
    top = base[: -len("entity/")] if base.endswith("entity/") else base
    return top + "prop/"


def canonical(triples: set[ox.Triple]) -> set[ox.Triple]:
    """The triples with their literals in the canonical form Oxigraph stores (found by storing them)."""
    lits: dict[Any, int] = {}
    for t in triples:
        o = t.object
        if isinstance(o, ox.Literal) and (o.language is not None or o.datatype.value != _XSD + "string"):
            lits.setdefault(o, len(lits))
    if not lits:
        return triples
    scratch = ox.Store()
    pred = ox.NamedNode("urn:glamkg:canonical")
    scratch.extend(ox.Quad(ox.NamedNode(f"urn:glamkg:c:{i}"), pred, lit) for lit, i in lits.items())
    back = {int(q.subject.value.rsplit(":", 1)[1]): q.object for q in scratch}
    canon = {lit: back[i] for lit, i in lits.items()}
    return {ox.Triple(t.subject, t.predicate, canon[t.object]) if t.object in canon else t for t in triples}


def _is_claim(predicate: str, obj: Any, pns: str) -> bool:
    """``wd:Q p:P wds:S``: the link from an entity to one of its statement nodes."""
    return predicate.startswith(pns) and ids.is_id(predicate[len(pns) :], kinds="P") and isinstance(obj, ox.NamedNode)


def owned(st: ox.Store, iri: ox.NamedNode) -> set[ox.Triple]:
    """The triples an entity owns: about the entity, its statement nodes and its sitelink nodes."""
    out: set[ox.Triple] = set()
    pns = prop_ns()
    nodes: list[Any] = []
    for q in st.quads_for_pattern(iri, None, None, _DG):
        out.add(q.triple)
        if _is_claim(q.predicate.value, q.object, pns):
            nodes.append(q.object)
    for q in st.quads_for_pattern(None, _SCHEMA_ABOUT, iri, _DG):
        nodes.append(q.subject)
    for n in nodes:
        for q in st.quads_for_pattern(n, None, None, _DG):
            out.add(q.triple)
    return out


def orphans(st: ox.Store, removals: set[ox.Triple], asserted: set[ox.Triple]) -> set[ox.Triple]:
    """Triples of shared nodes (references, values, sites) that nothing refers to after the write."""
    out: set[ox.Triple] = set()
    referenced_after = {t.object for t in asserted}
    frontier = {t.object for t in removals if not isinstance(t.object, ox.Literal)}
    done: set[Any] = set()
    while frontier:
        node = frontier.pop()
        if node in done or node in referenced_after:
            continue
        done.add(node)
        if isinstance(node, ox.NamedNode) and ids.try_id_from_iri(node.value):
            continue  # entities are never collected
        own = [q.triple for q in st.quads_for_pattern(node, None, None, _DG)]
        if not own:
            continue
        still = any(
            q.triple not in removals and q.triple not in out for q in st.quads_for_pattern(None, None, node, _DG)
        )
        if still:
            continue
        out.update(own)
        frontier.update(t.object for t in own if not isinstance(t.object, ox.Literal))
    return out

"""Statements, qualifiers and references -> triples (Truthy/FullStatementRdfBuilder, SnakRdfBuilder).

Called by :class:`kg.rdf.builder.RdfBuilder`, which passes itself as the :class:`Builder` (this module does not
import the builder: no import cycle); written for speed (one pass over the JSON, cached
predicate nodes, value/reference nodes written once per document).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableSet
from typing import Any, Protocol

from kg.errors import EntityError
from kg.i18n import _
from kg.model import ids, wbhash
from kg.rdf import datavalues as dv
from kg.rdf.vocabulary import PROV_DERIVED, A, Terms, Vocabulary, statement_local_name, wb


class Installation(Protocol):
    """The installation settings statements need (:class:`kg.rdf.builder.Environment`)."""

    @property
    def uri_patterns(self) -> Mapping[str, str]: ...


class Builder(Protocol):
    """What the statement writer needs of the document being built (:class:`kg.rdf.builder.RdfBuilder`)."""

    entity: str  # the id of the entity being written ("" between entities)
    flavor: int
    munged: bool
    full_values: bool
    normalized: bool
    seen: MutableSet[Any]
    triples: list[Any]
    t: Terms
    vocab: Vocabulary

    @property
    def env(self) -> Installation: ...

    def error(self, message: str, prop: str | None = None) -> EntityError: ...

    def mention(self, eid: str, flag: int) -> None: ...

    def datatype(self, pid: str, snak: Mapping[str, Any] | None = None) -> str: ...

_TRUTHY, _ALL, _QUALIFIERS, _REFERENCES, _PROPERTIES, _RESOLVED = 1, 2, 4, 8, 32, 256
_NORMALIZED_KEYS = {"wdt": "wdtn", "ps": "psn", "pq": "pqn", "pr": "prn"}
_RANK_NODES = {
    "preferred": wb("PreferredRank"),
    "normal": wb("NormalRank"),
    "deprecated": wb("DeprecatedRank"),
}
_STATEMENT = wb("Statement")
_BEST_RANK = wb("BestRank")
_RANK = wb("rank")
_REFERENCE = wb("Reference")
_VALID_PIDS: set[str] = set()
_FIRST, _NONE = frozenset({0}), frozenset[int]()
_TEXT_DATATYPES = frozenset({"string", "external-id", "monolingualtext", "musical-notation", "math"})


class Snak:
    """A parsed snak: type, property, datatype and normalised value."""

    __slots__ = ("datatype", "hash", "pid", "snaktype", "term", "value", "value_type")

    def __init__(self, b: Builder, snak: Any, owner: str | None = None) -> None:
        if type(snak) is not dict and not isinstance(snak, Mapping):
            raise b.error(_("expected a snak object, found {found}").format(found=repr(snak)), prop=owner)
        pid = snak.get("property")
        if pid not in _VALID_PIDS:
            if not isinstance(pid, str) or not ids.is_id(pid, kinds="P"):
                raise b.error(_("expected a snak property id like P31, found {found} (in a {owner} statement)").format(
                    found=repr(pid), owner=owner), prop=owner)
            _VALID_PIDS.add(pid)
        self.pid = pid
        self.snaktype = snak.get("snaktype", "value")
        self.hash: str | None = snak.get("hash")
        self.datatype = ""
        self.value: Any = None
        self.value_type = ""
        self.term: Any = None  # the simple term, made once for wdt: and ps:
        if self.snaktype == "value":
            self.datatype = b.datatype(pid, snak)
            self.value_type, self.value = dv.parse(snak.get("datavalue"), self.datatype, b.entity or None, pid)
        elif self.snaktype not in ("somevalue", "novalue"):
            raise EntityError(
                _("expected snaktype value, somevalue or novalue, found {found}").format(found=repr(self.snaktype)),
                entity=b.entity, prop=pid
            )

    def snak_hash(self) -> str:
        if self.hash is None:
            self.hash = wbhash.snak_hash(self.snaktype, self.pid, self.value_type, self.value)
        return self.hash


def _emit(b: Builder, parent: Any, parent_lname: str, snak: Snak, key: str, value_key: str | None) -> None:
    """Triples of one snak under ``parent`` with predicate prefix ``key`` (wdt/ps/pq/pr)."""
    t, out, pid, T = b.t, b.triples, snak.pid, b.t.triple
    if b.flavor & _PROPERTIES:
        b.mention(pid, _PROPERTIES)
    if snak.snaktype == "novalue":
        out.append(T(parent, t.c(A), t.pred("wdno", pid)))
        return
    pred = t.pred(key, pid)
    if snak.snaktype == "somevalue":
        label = wbhash.md5(f"{parent_lname}-{t.ns[key]}-{t.ns['wdv']}-{snak.snak_hash()}")
        out.append(T(parent, pred, t.blank(label)))
        return
    datatype, value = snak.datatype, snak.value
    term = snak.term
    if term is None:
        term = snak.term = dv.simple_term(
            datatype, value, t, b.entity, pid, truncate=b.munged and datatype in _TEXT_DATATYPES
        )
    out.append(T(parent, pred, term))
    if datatype in dv.ENTITY_ID_PATTERNS:
        if b.flavor & _RESOLVED:
            b.mention(value, _RESOLVED)
    elif value_key is not None and datatype in dv.HAS_VALUE_NODE:
        vhash = dv.value_hash(datatype, value)
        node = t.value(vhash)
        out.append(T(parent, t.pred(value_key, pid), node))
        if vhash not in b.seen:
            b.seen.add(vhash)
            out += dv.value_node(datatype, value, node, t)
    if b.normalized and datatype == "external-id":
        pattern = b.env.uri_patterns.get(pid)
        if pattern:
            iri = pattern.replace("$1", dv.wf_urlencode(value.strip()))
            out.append(T(parent, t.pred(_NORMALIZED_KEYS[key], pid), t.checked_iri(iri)))


def _best(statements: list[Any]) -> frozenset[int] | set[int]:
    """Indexes of the best statements: the preferred ones, else the normal ones."""
    if len(statements) == 1:  # most groups; a bad rank is refused by the caller before this is used
        return _NONE if statements[0].get("rank") == "deprecated" else _FIRST
    preferred = {i for i, s in enumerate(statements) if s.get("rank") == "preferred"}
    if preferred:
        return preferred
    return {i for i, s in enumerate(statements) if s.get("rank", "normal") == "normal"}


def add_statements(b: Builder, eid: str, subject: Any, claims: Mapping[str, Any]) -> None:
    flavor, t, out, T = b.flavor, b.t, b.triples, b.t.triple
    c_rank, c_a, c_best, c_statement = t.c(_RANK), t.c(A), t.c(_BEST_RANK), t.c(_STATEMENT)
    rank_nodes = {k: t.c(v) for k, v in _RANK_NODES.items()}
    truthy, full = flavor & _TRUTHY, flavor & _ALL
    qualifiers, references = full and flavor & _QUALIFIERS, full and flavor & _REFERENCES
    value_key = "psv" if b.full_values else None
    stmt_ns = b.vocab.statement_ns(eid)
    for pid, group in claims.items():
        if pid not in _VALID_PIDS:
            if not ids.is_id(pid, kinds="P"):
                raise b.error(_("expected statements grouped by property id like P31, found key {found}").format(
                    found=repr(pid)))
            _VALID_PIDS.add(pid)
        if not isinstance(group, list):
            raise b.error(_("expected a list of statements, found {found}").format(
                found=type(group).__name__), prop=pid)
        best = _best(group)
        for i, st in enumerate(group):
            if type(st) is not dict and not isinstance(st, Mapping):
                raise b.error(_("expected a statement object, found {found}").format(found=repr(st)), prop=pid)
            rank = st.get("rank", "normal")
            if rank not in _RANK_NODES:
                raise b.error(_("expected rank preferred, normal or deprecated, found {found}").format(
                    found=repr(rank)), prop=pid)
            guid = st.get("id")
            if not isinstance(guid, str) or not guid:
                raise b.error(_("expected a statement 'id' (GUID like Q42$...), found none"), prop=pid)
            mainsnak = Snak(b, st.get("mainsnak"), pid)
            if mainsnak.pid != pid:
                raise b.error(
                    _("expected the main snak of a {pid} statement to use {pid}, found {found}").format(
                        pid=pid, found=mainsnak.pid), prop=pid
                )
            lname = statement_local_name(guid)
            if truthy and i in best:
                _emit(b, subject, lname, mainsnak, "wdt", None)
            if not full:
                continue
            snode = t.iri(stmt_ns + lname)
            out.append(T(subject, t.pred("p", pid), snode))
            if not b.munged:
                out.append(T(snode, c_a, c_statement))
            out.append(T(snode, c_rank, rank_nodes[rank]))
            if i in best:
                out.append(T(snode, c_a, c_best))
            _emit(b, snode, lname, mainsnak, "ps", value_key)
            if qualifiers:
                for snaks in (st.get("qualifiers") or {}).values():
                    for q in snaks:
                        _emit(b, snode, lname, Snak(b, q, pid), "pq", "pqv" if value_key else None)
            if references:
                for ref in st.get("references") or ():
                    _reference(b, snode, ref, pid)


_REF_HASH = re.compile(r"[0-9a-f]{40}")


def _reference(b: Builder, snode: Any, ref: Any, pid: str) -> None:
    if not dv.is_map(ref) or not dv.is_map(ref.get("snaks")):
        raise b.error(_("expected a reference with 'snaks', found {found}").format(found=repr(ref)), prop=pid)
    ref_hash = ref.get("hash")
    if ref_hash not in (None, "") and not (isinstance(ref_hash, str) and _REF_HASH.fullmatch(ref_hash)):
        # the hash becomes part of an IRI: Wikibase's are 40 hex digits, anything else could end the IRI early
        raise b.error(_("expected a reference hash of 40 hexadecimal digits (or none), found {found}").format(
            found=repr(ref_hash)), prop=pid)
    if isinstance(ref_hash, str) and ("ref", ref_hash) in b.seen:
        b.triples.append(b.t.triple(snode, b.t.c(PROV_DERIVED), b.t.reference(ref_hash)))
        return  # written already in this document (API JSON: hash given, snaks parsed before)
    snaks = [Snak(b, s, pid) for group in ref["snaks"].values() for s in group]
    if not isinstance(ref_hash, str) or not ref_hash:
        ref_hash = wbhash.reference_hash(s.snak_hash() for s in snaks)
    rnode = b.t.reference(ref_hash)
    b.triples.append(b.t.triple(snode, b.t.c(PROV_DERIVED), rnode))
    key = ("ref", ref_hash)
    if key in b.seen:
        return
    b.seen.add(key)
    if not b.munged:
        b.triples.append(b.t.triple(rnode, b.t.c(A), b.t.c(_REFERENCE)))
    value_key = "prv" if b.full_values else None
    for s in snaks:
        _emit(b, rnode, ref_hash, s, "pr", value_key)

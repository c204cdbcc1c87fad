"""Reconciliation: which existing item does each spreadsheet row describe?

In order (the first rule that applies decides):

1. an id in the row's id column (``Q190804``): that item;
2. an external id of the row (any external-id property: ``isil``, ...) that one item in the store has;
3. the row's label (any language, normalised: case-folded, accents and punctuation removed) on an item of
   the row's kind (an allowed class), in the same country when the row gives one, narrowed by the row's
   classes when that leaves one;
4. otherwise a new local item (``kg.model.ids.local_id``), its number derived from the row's reconciliation key
   (kind + external id, else kind + normalised label + country), so a re-run of a load that failed mints
   the same ids; a collision with an existing id is resolved by re-hashing, deterministically.

Two candidates or more is **ambiguous**: reported as a problem, never guessed. A row whose id column and
external id point at different items is a conflict, also reported. Two rows that resolve to the same item are
reported too (the second row is the problem).

The index reads the store with triple-pattern lookups only (validated IRIs; no SPARQL text).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.i18n import _
from kg.load.mapping import MappedRow
from kg.load.problems import Problem
from kg.model import ids
from kg.model.schema import model
from kg.model.values import ItemRef

_DG = ox.DefaultGraph()
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
MINT_SPACE = 1 << 48  # minted local ids: local_id(10**6 + h), h < 2**48 (the first 10**6 are kept for fixed ids)
MINT_OFFSET = 10**6


def normalise_label(text: str) -> str:
    """``"  Musée d'Orsay! "`` -> ``"musee d orsay"``: case-folded, accents and punctuation removed."""
    if text.isascii():  # most labels: the same result, a table look-up per character instead of unicodedata
        return " ".join(text.translate(_ASCII_SPACES).lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    out = []
    for ch in decomposed:
        cat = unicodedata.category(ch)
        if cat == "Mn":
            continue
        out.append(" " if cat[0] in "PSZC" else ch)
    return " ".join("".join(out).casefold().split())


#: ASCII punctuation, symbols, spaces and control characters (Unicode categories P, S, Z, C) -> space
_ASCII_SPACES = {c: " " for c in range(128) if unicodedata.category(chr(c))[0] in "PSZC"}


@dataclass
class Match:
    """How a row was reconciled: ``id`` (existing or newly minted), ``how`` (qid, external-id:<key>,
    label, new) and the candidates considered."""

    row: int
    id: str
    how: str
    key: str = ""


@dataclass
class Index:
    """What reconciliation looks up: entity ids, external ids, labels, countries and classes."""

    known: set[str] = field(default_factory=set)
    external: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    labels: dict[str, set[str]] = field(default_factory=dict)
    countries: dict[str, set[str]] = field(default_factory=dict)
    classes: dict[str, set[str]] = field(default_factory=dict)

    def add(
        self,
        eid: str,
        *,
        labels: Iterable[str] = (),
        countries: Iterable[str] = (),
        classes: Iterable[str] = (),
        external: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.known.add(eid)
        for lab in labels:
            self.labels.setdefault(normalise_label(lab), set()).add(eid)
        self.countries.setdefault(eid, set()).update(countries)
        self.classes.setdefault(eid, set()).update(classes)
        for pid, v in external:
            self.external.setdefault((pid, v.strip()), set()).add(eid)

    @classmethod
    def from_store(cls, store: ox.Store | None) -> Index:
        """Index every entity in ``store`` (a pyoxigraph store; None = empty index)."""
        idx = cls()
        if store is None:
            return idx
        m = model()
        wdt = _wdt_base()
        for q in store.quads_for_pattern(None, RDFS_LABEL, None, _DG):
            eid = ids.try_id_from_iri(q.subject.value) if isinstance(q.subject, ox.NamedNode) else None
            if eid:
                idx.known.add(eid)
                idx.labels.setdefault(normalise_label(_text(q.object)), set()).add(eid)
        for key, target in (("country", idx.countries), ("instance_of", idx.classes)):
            pred = ox.NamedNode(wdt + m.prop(key).id)
            for q in store.quads_for_pattern(None, pred, None, _DG):
                eid = ids.try_id_from_iri(_text(q.subject))
                val = ids.try_id_from_iri(q.object.value) if isinstance(q.object, ox.NamedNode) else None
                if eid and val:
                    idx.known.add(eid)
                    target.setdefault(eid, set()).add(val)
        for p in m.properties.values():
            if p.datatype != "external-id":
                continue
            pred = ox.NamedNode(wdt + p.id)
            for q in store.quads_for_pattern(None, pred, None, _DG):
                eid = ids.try_id_from_iri(_text(q.subject))
                if eid:
                    idx.known.add(eid)
                    idx.external.setdefault((p.id, _text(q.object).strip()), set()).add(eid)
        return idx


def _text(term: Any) -> str:
    return str(term.value)


def _wdt_base() -> str:
    base = ids.wikidata_concept_base()
    return (base[: -len("entity/")] if base.endswith("entity/") else base) + "prop/direct/"


def mint_id(key: str, taken: set[str] | Any) -> str:
    """A local id derived from ``key``; re-hashed (``key#1``, ``key#2``...) while the id is ``taken``."""
    n = 0
    while True:
        k = key if n == 0 else f"{key}#{n}"
        h = int.from_bytes(hashlib.sha256(k.encode("utf-8")).digest()[:8], "big") % MINT_SPACE
        eid = ids.local_id(MINT_OFFSET + h)
        if eid not in taken:
            return eid
        n += 1


class Reconciler:
    """Reconcile rows of one kind against an :class:`Index`; collects problems instead of raising."""

    def __init__(self, index: Index, kind: str, *, file: str, exists: Any = None) -> None:
        m = model()
        self.index = index
        self.kind = kind
        self.file = file
        self.class_pid = m.prop(m.kind(kind).class_property).id
        self.country_pid = m.prop("country").id
        self.kind_classes = {m.cls(c).id for c in m.kind(kind).allowed_classes}
        self.external_pids = {p.id: p.key for p in m.properties.values() if p.datatype == "external-id"}
        self.exists = exists  # callable id -> bool for ids not in the index (mint collisions)
        self.problems: list[Problem] = []
        self._used: dict[str, int] = {}
        self._minted: dict[str, str] = {}

    def _taken(self) -> _Taken:
        return _Taken(self)

    def reconcile(self, rows: Sequence[MappedRow]) -> list[Match]:
        out = []
        for row in rows:
            match = self.one(row)
            if match is None:
                continue
            prev = self._used.get(match.id)
            if prev is not None:
                self.problems.append(
                    Problem(
                        self.file,
                        row.number,
                        self._label_column(row)
                        if match.how in ("label", "new")
                        else row.columns.get("id") or self._label_column(row),
                        _("one row per item"),
                        _("the same item as row {prev} ({id}, matched by {how})").format(
                            prev=prev, id=match.id, how=match.how),
                        _("merge the two rows, or give them different labels/ids"),
                    )
                )
                continue
            self._used[match.id] = row.number
            out.append(match)
        return out

    def one(self, row: MappedRow) -> Match | None:
        ext_hits: dict[str, tuple[str, str, set[str]]] = {}
        for c in row.claims:
            if c.pid in self.external_pids and isinstance(c.value, str):
                hits = self.index.external.get((c.pid, c.value.strip()), set())
                ext_hits[c.pid] = (c.value.strip(), c.column or self.external_pids[c.pid], hits)
        if row.id is not None:
            for pid, (value, col, hits) in ext_hits.items():
                others = hits - {row.id}
                if others:
                    self.problems.append(
                        Problem(
                            self.file,
                            row.number,
                            col,
                            _("the {external_pids} of {id} (the id column)").format(
                                external_pids=self.external_pids[pid], id=row.id),
                            _("{value!r}, which belongs to {others}").format(
                                value=value, others=', '.join(sorted(others))),
                            _("fix the id or the identifier: they point at different items"),
                        )
                    )
                    return None
            return Match(row.number, row.id, "qid")
        found: set[str] = set()
        how = ""
        for pid, (value, col, hits) in ext_hits.items():
            if len(hits) > 1:
                self.problems.append(
                    Problem(
                        self.file,
                        row.number,
                        col,
                        _("one item with {external_pids} {value!r}").format(
                            external_pids=self.external_pids[pid], value=value),
                        f"{len(hits)}: {', '.join(sorted(hits))}",
                        _("put the right Q-id in the id column"),
                    )
                )
                return None
            if hits:
                if found and hits != found:
                    self.problems.append(
                        Problem(
                            self.file,
                            row.number,
                            col,
                            _("external ids that point at one item"),
                            f"{value!r} -> {next(iter(hits))}, but {how} -> {next(iter(found))}",
                            _("check the identifiers, or put the right Q-id in the id column"),
                        )
                    )
                    return None
                found, how = hits, f"external-id:{self.external_pids[pid]}"
        if found:
            return Match(row.number, next(iter(found)), how)
        cands = self._label_candidates(row)
        if len(cands) == 1:
            return Match(row.number, next(iter(cands)), "label")
        if len(cands) > 1:
            countries = [v.id for v in row.values(self.country_pid) if isinstance(v, ItemRef)]
            labels = " / ".join(repr(x) for x in row.labels.values())
            self.problems.append(
                Problem(
                    self.file,
                    row.number,
                    self._label_column(row),
                    (_("at most one existing {kind} named {labels} in {countries}") if countries
                     else _("at most one existing {kind} named {labels}")).format(
                        kind=self.kind, labels=labels, countries=", ".join(countries)),
                    f"{len(cands)}: {', '.join(sorted(cands, key=_id_sort))}",
                    _("ambiguous: put the right Q-id in the id column (or an identifier such as the ISIL)"),
                )
            )
            return None
        key = self.mint_key(row, ext_hits)
        if key not in self._minted:  # the same key twice: the same item (reported as a duplicate row)
            self._minted[key] = mint_id(key, self._taken())
        return Match(row.number, self._minted[key], "new", key)

    def _label_candidates(self, row: MappedRow) -> set[str]:
        cands: set[str] = set()
        if not self.index.labels:  # nothing to match (an empty store): no label to normalise
            return cands
        for text in row.labels.values():
            cands |= self.index.labels.get(normalise_label(text), set())
        if not cands:
            return cands
        cands = {c for c in cands if self.index.classes.get(c, set()) & self.kind_classes}
        countries = {v.id for v in row.values(self.country_pid) if isinstance(v, ItemRef)}
        if countries:
            cands = {c for c in cands if self.index.countries.get(c, set()) & countries}
        if len(cands) > 1:
            own = {v.id for v in row.values(self.class_pid) if isinstance(v, ItemRef)}
            narrowed = {c for c in cands if self.index.classes.get(c, set()) & own}
            if len(narrowed) == 1:
                return narrowed
        return cands

    def mint_key(self, row: MappedRow, ext_hits: dict[str, tuple[str, str, set[str]]]) -> str:
        if ext_hits:
            pid = sorted(ext_hits, key=_id_sort)[0]
            return f"{self.kind}|{pid}={ext_hits[pid][0]}"
        lang = "en" if "en" in row.labels else sorted(row.labels)[0] if row.labels else ""
        label = normalise_label(row.labels.get(lang, ""))
        countries = sorted(v.id for v in row.values(self.country_pid) if isinstance(v, ItemRef))
        return f"{self.kind}|{label}|{','.join(countries)}"

    def _label_column(self, row: MappedRow) -> str:
        return next((c for k, c in row.columns.items() if k.startswith("label:")), "label")


class _Taken:
    """``id in taken``: known to the index, used earlier in this load, or existing in the target."""

    def __init__(self, r: Reconciler) -> None:
        self.r = r

    def __contains__(self, eid: object) -> bool:
        if not isinstance(eid, str):
            return False
        if eid in self.r.index.known or eid in self.r._used:
            return True
        return bool(self.r.exists and self.r.exists(eid))


def _id_sort(eid: str) -> tuple[int, str]:
    return (int(eid[1:]), eid) if eid[1:].isdigit() else (0, eid)

"""One write semantic for every path: each source replaces only what it wrote.

The store holds items written by several sources: volunteers' loads (``glamkg load``: every statement carries the
load's reference, whose *reference URL* is the sheet's ``file:<name>`` or its address; the store's write log
records that URL, :meth:`kg.store.Store.sources`) and imports (``glamkg import entities|results|wikidata``: whole
entities as another Wikibase has them). The rules, the same for every path:

- a load replaces the statements that carry its own reference URL, for the properties its mapping states, and
  nothing else (:func:`kg.load.pipeline.merge`);
- an import replaces the entity's other statements, but keeps every statement that carries the reference URL of
  a load recorded in the store (:func:`merge_import`): an import never silently wipes what a volunteer loaded. A
  kept statement equal to one the import brings gets the import's references added instead of a duplicate;
- terms are merged per language: a source sets the labels and descriptions of the languages it has, adds its
  aliases, and never removes another language;
- ``replace_others=True`` (``--replace-others``) is the explicit way to let an import replace whole entities; the
  report then lists the other sources' statements it removed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kg.model.schema import model

Json = dict[str, Any]


def _snak_key(snak: Mapping[str, Any]) -> str:
    return json.dumps([snak.get("property"), snak.get("snaktype"), snak.get("datavalue")], sort_keys=True)


def statement_key(st: Mapping[str, Any]) -> str:
    """Main snak and qualifiers (no ids, hashes or references): equal keys say the same thing."""
    quals = sorted(_snak_key(q) for qs in (st.get("qualifiers") or {}).values() for q in qs)
    return json.dumps([_snak_key(st.get("mainsnak") or {}), quals])


def reference_urls(st: Mapping[str, Any]) -> set[str]:
    """The reference URLs a statement's references give."""
    pid = model().prop("reference_url").id
    out = set()
    for ref in st.get("references") or []:
        for s in (ref.get("snaks") or {}).get(pid, []):
            value = (s.get("datavalue") or {}).get("value")
            if s.get("snaktype") == "value" and isinstance(value, str):
                out.add(value)
    return out


@dataclass
class Merge:
    """What merging an import into the store did to other sources' data."""

    kept: list[tuple[str, str, str]] = field(default_factory=list)  # (entity, property, source) kept
    removed: list[tuple[str, str, str]] = field(default_factory=list)  # ... removed (replace_others)


def merge_import(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    sources: Iterable[str],
    *,
    replace_others: bool = False,
    merge: Merge | None = None,
) -> Json:
    """The entity an import writes: ``new`` (the import's whole entity) merged into ``old`` (the store's)."""
    out: Json = copy.deepcopy(dict(new))
    if old is None:
        return out
    merge = merge if merge is not None else Merge()
    eid = str(new.get("id") or old.get("id") or "")
    loads = set(sources)
    other: list[tuple[str, Json, str]] = []
    for pid, sts in (old.get("claims") or {}).items():
        for st in sts:
            hit = sorted(reference_urls(st) & loads)
            if hit:
                other.append((pid, st, hit[0]))
    if replace_others:
        claims = out.get("claims") or {}
        for pid, st, src in other:
            if not any(statement_key(s) == statement_key(st) for s in claims.get(pid, [])):
                merge.removed.append((eid, pid, src))
        return out
    for f in ("labels", "descriptions"):
        out[f] = {**(old.get(f) or {}), **(out.get(f) or {})}
    aliases: dict[str, list[Json]] = {k: list(v) for k, v in (out.get("aliases") or {}).items()}
    for lang, vals in (old.get("aliases") or {}).items():
        have = {a.get("value") for a in aliases.get(lang, [])}
        aliases.setdefault(lang, []).extend(a for a in vals if a.get("value") not in have)
    out["aliases"] = {k: v for k, v in aliases.items() if v}
    claims = out.setdefault("claims", {})
    for pid, st, src in other:
        same = next((s for s in claims.get(pid, []) if statement_key(s) == statement_key(st)), None)
        if same is not None:
            refs = list(same.get("references") or [])
            seen = {json.dumps(r.get("snaks"), sort_keys=True) for r in refs}
            refs += [r for r in st.get("references") or [] if json.dumps(r.get("snaks"), sort_keys=True) not in seen]
            same["references"] = refs
        else:
            claims.setdefault(pid, []).append(copy.deepcopy(st))
            merge.kept.append((eid, pid, src))
    return out


def merge_with_store(
    store: Any, entities: list[Json], *, replace_others: bool = False
) -> tuple[list[Json], Merge]:
    """``entities`` (whole items of an import or the demo) merged into what ``store`` holds, ready for
    :meth:`kg.store.Store.write_entities`; and what was kept or removed of other sources' data."""
    from kg.store.read import LOSSY, read_entities
    from kg.store.store import raw

    m = Merge()
    if not entities or not hasattr(store, "sources"):
        return entities, m
    sources = store.sources()
    existing = read_entities(raw(store), [str(e["id"]) for e in entities])
    out = []
    for e in entities:
        old = existing.get(str(e["id"]))
        if old is not None:
            old = {k: v for k, v in old.items() if k != LOSSY}
        out.append(merge_import(old, e, sources, replace_others=replace_others, merge=m))
    return out, m

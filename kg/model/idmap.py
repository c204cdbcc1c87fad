"""The id map of a Wikibase other than Wikidata: glamkg id -> that Wikibase's id, and back.

glamkg speaks Wikidata's ids (``P17``, ``Q33506``) and its own local ids (``Q1000000000042``). A separate
Wikibase numbers its entities itself, so ``glamkg wikibase bootstrap`` creates the model's properties and
classes there and records where they went, and every item a load creates there is added as it is created.
The map is a JSON file (``glamkg-wikibase-idmap.json`` by default)::

    {"glamkg_idmap": 1,
     "api_url": "https://example.wikibase.cloud/w/api.php",
     "concept_base": "https://example.wikibase.cloud/entity/",
     "links": {"equivalent_property": "P1", "exact_match": "P2"},
     "keys": {"property:country": "P5", "class:museum": "Q3"},
     "entities": {"P17": "P5", "Q33506": "Q3", "Q1000000000042": "Q81"}}

``entities`` is what :func:`translate` uses (both directions); ``keys`` records the model key of each
property and class for people reading the file; ``links`` are the two linking properties bootstrap creates
on the Wikibase (see docs/wikibase.md).

    >>> m = IdMap(entities={"P17": "P5", "Q55": "Q9"})
    >>> value = {"entity-type": "item", "id": "Q55", "numeric-id": 55}
    >>> snak = {"snaktype": "value", "property": "P17", "datatype": "wikibase-item",
    ...         "datavalue": {"type": "wikibase-entityid", "value": value}}
    >>> st = {"mainsnak": snak, "type": "statement", "rank": "normal"}
    >>> out = translate({"type": "item", "claims": {"P17": [st]}}, m)
    >>> out["claims"]["P5"][0]["mainsnak"]["datavalue"]["value"]
    {'entity-type': 'item', 'id': 'Q9', 'numeric-id': 9}
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import EntityError, InputError
from kg.i18n import N_, _
from kg.model import ids

Json = dict[str, Any]
DEFAULT_FILE = "glamkg-wikibase-idmap.json"
#: Entity types as messages name them (translated where shown).
_TYPE_NAMES = {"item": N_("item"), "property": N_("property"), "lexeme": N_("lexeme")}


class _MapError(InputError):
    """A wrong pair in an id map: ``detail`` is the message without its ``id map:`` prefix (a file's reader
    names the file instead)."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(_("id map: {reason}").format(reason=detail))


class UnmappedIds(EntityError):
    """Entity JSON names ids the map does not know; ``missing`` lists them."""

    def __init__(
        self, missing: Iterable[str], *, entity: str | None = None, direction: str | None = None
    ) -> None:
        self.missing = sorted(set(missing), key=_id_sort)
        shown = ", ".join(self.missing[:10]) + (" ..." if len(self.missing) > 10 else "")
        super().__init__(
            _("expected every id to be in the Wikibase id map ({direction}), found unmapped ids: {ids} "
              "(hint: run `glamkg wikibase bootstrap` first; items are mapped as loads create them)").format(
                direction=direction or _("to the Wikibase"), ids=shown),
            entity=entity,
        )


def _id_sort(i: str) -> tuple[str, int]:
    return (i[:1], int(i[1:]) if i[1:].isdigit() else 0)


@dataclass
class IdMap:
    """glamkg id <-> Wikibase id, plus the bookkeeping bootstrap needs."""

    entities: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    api_url: str = ""
    concept_base: str = ""
    path: Path | None = None

    def __post_init__(self) -> None:
        self._reverse: dict[str, str] = {}
        for k, v in self.entities.items():
            self._check_pair(k, v)
            if v in self._reverse:
                raise _MapError(
                    _("{first} and {second} are both mapped to the Wikibase's {wb}; expected one glamkg id per "
                      "Wikibase entity (hint: remove one of the two)").format(first=self._reverse[v], second=k, wb=v)
                )
            self._reverse[v] = k

    @staticmethod
    def _check_pair(glamkg_id: str, wb_id: str) -> None:
        a, b = ids.parse_id(glamkg_id), ids.parse_id(wb_id)
        if a.letter != b.letter:
            raise _MapError(
                _("{glamkg_id} -> {wb_id}: expected the same kind of entity on both sides, found the {a_type} "
                  "{glamkg_id} mapped to the {b_type} {wb_id}").format(
                    glamkg_id=glamkg_id, wb_id=wb_id, a_type=_(_TYPE_NAMES[a.entity_type]),
                    b_type=_(_TYPE_NAMES[b.entity_type]))
            )

    # -- lookups ----------------------------------------------------------------------------------------
    def get(self, glamkg_id: str) -> str | None:
        return self.entities.get(glamkg_id)

    def back(self, wb_id: str) -> str | None:
        return self._reverse.get(wb_id)

    def __contains__(self, glamkg_id: object) -> bool:
        return glamkg_id in self.entities

    def __len__(self) -> int:
        return len(self.entities)

    def set(self, glamkg_id: str, wb_id: str, *, key: str | None = None) -> None:
        """Record ``glamkg_id -> wb_id``; a conflicting earlier mapping is an error, not overwritten."""
        self._check_pair(glamkg_id, wb_id)
        old = self.entities.get(glamkg_id)
        if old is not None and old != wb_id:
            raise _MapError(
                _("{glamkg_id} is already mapped to {old}, not to {wb_id} (hint: two Wikibase entities claim the "
                  "same glamkg id; merge or delete one of them)").format(glamkg_id=glamkg_id, old=old, wb_id=wb_id)
            )
        other = self._reverse.get(wb_id)
        if other is not None and other != glamkg_id:
            raise _MapError(_("Wikibase entity {wb_id} is already mapped from {other}, not from {glamkg_id}").format(
                wb_id=wb_id, other=other, glamkg_id=glamkg_id))
        self.entities[glamkg_id] = wb_id
        self._reverse[wb_id] = glamkg_id
        if key:
            self.keys[key] = wb_id

    # -- file -------------------------------------------------------------------------------------------
    def to_dict(self) -> Json:
        return {
            "glamkg_idmap": 1,
            "api_url": self.api_url,
            "concept_base": self.concept_base,
            "links": dict(sorted(self.links.items())),
            "keys": dict(sorted(self.keys.items())),
            "entities": dict(sorted(self.entities.items(), key=lambda kv: _id_sort(kv[0]))),
        }

    @classmethod
    def load(cls, path: str | Path, *, missing_ok: bool = True) -> IdMap:
        p = Path(path)
        if not p.exists():
            if missing_ok:
                return cls(path=p)
            raise InputError(_("{file}: no Wikibase id map here (hint: run `glamkg wikibase bootstrap` first)").format(
                file=p))
        try:
            raw = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(_("{file}: expected a glamkg id map (JSON), cannot read it: {reason}").format(
                file=p, reason=e)) from e
        if not isinstance(raw, Mapping) or raw.get("glamkg_idmap") != 1:
            found = (_("keys {keys}").format(keys=sorted(raw)[:8]) if isinstance(raw, Mapping)
                     else _("a JSON {type}").format(type=type(raw).__name__))
            raise InputError(
                _('{file}: expected a glamkg id map, a JSON object with "glamkg_idmap": 1, found {found} (hint: a map '
                  'written by hand: {example})').format(file=p, found=found, example=(
                    '{"glamkg_idmap": 1, "concept_base": "https://wiki.example/entity/", '
                    '"entities": {"P31": "P1", "Q33506": "Q3"}}'))
            )
        if not isinstance(raw.get("entities") or {}, Mapping):
            raise InputError(_('{file}: expected "entities" to be an object of glamkg id -> the wiki\'s id, like '
                               '{example}, found a JSON {type}').format(
                file=p, example='{"P31": "P1"}', type=type(raw["entities"]).__name__))
        try:
            return cls(
                entities=dict(raw.get("entities") or {}),
                keys=dict(raw.get("keys") or {}),
                links=dict(raw.get("links") or {}),
                api_url=str(raw.get("api_url") or ""),
                concept_base=str(raw.get("concept_base") or ""),
                path=p,
            )
        except ids.InvalidId as e:
            raise InputError(_("{file}: bad id in the id map: {reason}").format(file=p, reason=e)) from e
        except _MapError as e:
            raise InputError(f"{p}: {e.detail}") from e

    def save(self, path: str | Path | None = None) -> Path:
        """Write atomically (temp file + rename), so an interrupted save never leaves half a map."""
        p = Path(path) if path else self.path
        if p is None:
            raise _MapError(_("no file to save to"))
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=1, ensure_ascii=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(p)
        self.path = p
        return p


# -- translating entity JSON -------------------------------------------------------------------------------


class _Translator:
    def __init__(
        self,
        lookup: Mapping[str, str],
        unit_id: Callable[[str], str | None],
        unit_iri: Callable[[str], str | None],
    ) -> None:
        self.lookup = lookup
        self.unit_id = unit_id  # unit IRI -> entity id (None: not an entity IRI of this side)
        self.unit_iri = unit_iri  # translated entity id -> unit IRI on the other side
        self.missing: set[str] = set()
        self.dropped: set[str] = set()

    def id(self, value: str) -> str:
        out = self.lookup.get(value)
        if out is None:
            self.missing.add(value)
            return value
        return out

    def datavalue(self, dv: Mapping[str, Any], datatype: object = None) -> Json:
        out = dict(dv)
        value = dv.get("value")
        if datatype == "entity-schema" or (isinstance(value, Mapping) and value.get("entity-type") == "entity-schema"):
            # an EntitySchema (E10) is the wiki's own, in either of its value shapes; no id map names schemas
            self.missing.add(str(value.get("id") if isinstance(value, Mapping) else value))
            return out
        if dv.get("type") == "wikibase-entityid" and isinstance(value, Mapping):
            old = str(value.get("id") or ids.from_numeric(str(value.get("entity-type", "item")), value["numeric-id"]))
            new = self.id(old)
            v = dict(value)
            v["id"] = new
            v["numeric-id"] = ids.parse_id(new).number
            out["value"] = v
        elif dv.get("type") == "quantity" and isinstance(value, Mapping):
            unit = str(value.get("unit", "1"))
            uid = self.unit_id(unit) if unit != "1" else None
            mapped = self.lookup.get(uid) if uid else None
            iri = self.unit_iri(mapped) if mapped else None
            if iri:
                out["value"] = {**value, "unit": iri}
        return out

    def snak(self, snak: Mapping[str, Any]) -> Json:
        out = {k: v for k, v in snak.items() if k != "hash"}
        out["property"] = self.id(str(snak["property"]))
        if isinstance(snak.get("datavalue"), Mapping):
            out["datavalue"] = self.datavalue(snak["datavalue"], snak.get("datatype"))
        return out

    def snaks(self, group: Mapping[str, Any]) -> Json:
        return {self.id(pid): [self.snak(s) for s in snaks] for pid, snaks in group.items()}

    def order(self, order: Iterable[str]) -> list[str]:
        return [self.id(p) for p in order]

    def statement(self, st: Mapping[str, Any], subject_new: str | None) -> Json:
        out: Json = {k: v for k, v in st.items() if k not in ("id", "qualifiers", "qualifiers-order", "references")}
        sid = st.get("id")
        if sid and subject_new and "$" in str(sid):
            out["id"] = subject_new + "$" + str(sid).split("$", 1)[1]
        out["mainsnak"] = self.snak(st["mainsnak"])
        if st.get("qualifiers"):
            out["qualifiers"] = self.snaks(st["qualifiers"])
        if st.get("qualifiers-order"):
            out["qualifiers-order"] = self.order(st["qualifiers-order"])
        if st.get("references"):
            refs = []
            for ref in st["references"]:
                r: Json = {"snaks": self.snaks(ref.get("snaks") or {})}
                if ref.get("snaks-order"):
                    r["snaks-order"] = self.order(ref["snaks-order"])
                refs.append(r)
            out["references"] = refs
        return out


def _translate(entity: Mapping[str, Any], t: _Translator, *, keep_unmapped_statements: bool) -> Json:
    out: Json = {k: v for k, v in entity.items() if k not in ("id", "claims", "statements", "title", "pageid", "ns")}
    subject_new: str | None = None
    if entity.get("id"):
        mapped = t.lookup.get(str(entity["id"]))
        if mapped is not None:
            out["id"] = subject_new = mapped
    claims = entity.get("claims") or entity.get("statements") or {}
    new_claims: dict[str, list[Json]] = {}
    for sts in claims.values():
        for st in sts:
            before = set(t.missing)
            tst = t.statement(st, subject_new)
            if not keep_unmapped_statements and t.missing - before:
                t.dropped |= t.missing - before  # leave the statement out, remember why
                t.missing = before
                continue
            new_claims.setdefault(tst["mainsnak"]["property"], []).append(tst)
    if claims or "claims" in entity:
        out["claims"] = new_claims
    return out


def translate(entity_json: Mapping[str, Any], idmap: IdMap | Mapping[str, str], *, strict: bool = True) -> Json:
    """Entity JSON in glamkg ids -> the same entity in the Wikibase's ids.

    Property ids (claim keys, snaks, qualifier and reference keys, ``*-order`` lists), item values, the
    entity's own id and the entity part of statement ids are mapped; snak and reference hashes are dropped
    (the Wikibase computes its own); units that are entity IRIs are mapped when the map knows the unit and
    its concept base. An entity whose own id is not mapped comes back without ``id`` (a new entity).

    ``strict``: ids other than the entity's own id that are not in the map raise :class:`UnmappedIds`
    (naming all of them); with ``strict=False`` they are left as they are.
    """
    m = idmap if isinstance(idmap, IdMap) else IdMap(entities=dict(idmap))
    base = m.concept_base
    t = _Translator(m.entities, ids.try_id_from_iri, lambda wb_id: base + wb_id if base else None)
    out = _translate(entity_json, t, keep_unmapped_statements=True)
    if strict and t.missing:
        raise UnmappedIds(t.missing, entity=str(entity_json.get("id") or "") or None)
    return out


def translate_back(entity_json: Mapping[str, Any], idmap: IdMap) -> tuple[Json, list[str]]:
    """Entity JSON from the Wikibase -> glamkg ids.

    Statements that name an entity the map does not know (statements someone else added on the Wikibase,
    and the linking statements bootstrap adds) are left out; their ids are returned as the second value.
    """
    reverse = {v: k for k, v in idmap.entities.items()}
    base = idmap.concept_base

    def unit_id(iri: str) -> str | None:
        rest = iri[len(base) :] if base and iri.startswith(base) else ""
        return rest if ids.is_id(rest) else None

    t = _Translator(reverse, unit_id, ids.entity_iri)
    out = _translate(entity_json, t, keep_unmapped_statements=False)
    return out, sorted(t.dropped, key=_id_sort)

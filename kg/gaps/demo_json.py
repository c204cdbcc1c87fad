"""The demo's entity JSON built straight from its values (kg.gaps.demo's worker path).

:func:`kg.model.entities.to_json` takes any :class:`~kg.model.entities.Record` and checks every part of it (ids,
kinds, language codes, property keys, value types), which is most of what generating a demo item costs. The
demo's items have a few fixed shapes whose parts are already valid, so :class:`ItemJson` builds the same JSON
directly: the same snaks (values coerced by :func:`kg.model.values.coerce`, hashes by :mod:`kg.model.wbhash`),
the same statement ids (:func:`kg.model.entities.statement_id`), the same reference. Snaks of values that
repeat (classes, countries, years, amounts) are made once and SHARED between the items it returns: use its
JSON only where nothing changes it (the workers convert it to N-Triples and drop it).

``tests/test_demo.py`` checks that every item of a seeded demo equals what ``to_json`` gives for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kg.model import values, wbhash
from kg.model.entities import statement_id
from kg.model.schema import model

Json = dict[str, Any]
#: One claim of a demo item: (property key from schemas/model.yaml, value, stated in the demo dataset?).
DemoClaim = tuple[str, Any, bool]

# Values whose snak is worth keeping: they repeat across items (unlike coordinates, URLs, ISILs).
_REPEATING = (values.Time, values.Quantity)
_CACHE_SIZE = 100_000


class ItemJson:
    """Entity JSON of demo items, equal to ``to_json(Record(...))`` for the same labels, descriptions and
    claims (each claim without qualifiers, with the demo's reference when marked)."""

    def __init__(self, reference: Sequence[tuple[str, Any]]) -> None:
        m = model()
        self._props: dict[str, tuple[str, str]] = {}
        for key, p in m.properties.items():
            if p.datatype:
                self._props[key] = (p.id, p.datatype)
        self._snaks: dict[Any, Json] = {}
        snaks: dict[str, list[Json]] = {}
        for prop, value in reference:
            s = self.snak(prop, value)
            snaks.setdefault(s["property"], []).append(s)
        h = wbhash.reference_hash(s["hash"] for group in snaks.values() for s in group)
        self._reference = {"hash": h, "snaks": snaks, "snaks-order": list(snaks)}

    def snak(self, prop: str, value: Any) -> Json:
        """The main snak of ``prop`` = ``value`` (shared when the value repeats)."""
        key = (prop, value) if type(value) in _REPEATING or prop == "instance_of" or prop == "country" else None
        hit = self._snaks.get(key) if key is not None else None
        if hit is not None:
            return hit
        pid, dt = self._props[prop]
        v = values.coerce(value, dt)
        dv = values.datavalue(v)
        raw = dv["value"]["id"] if dv["type"] == "wikibase-entityid" else dv["value"]
        snak = {
            "snaktype": "value",
            "property": pid,
            "hash": wbhash.snak_hash("value", pid, dv["type"], raw),
            "datavalue": dv,
            "datatype": dt,
        }
        if key is not None:
            if len(self._snaks) >= _CACHE_SIZE:
                self._snaks.clear()
            self._snaks[key] = snak
        return snak

    def item(self, eid: str, labels: dict[str, str], descriptions: dict[str, str],
             claims: Sequence[DemoClaim]) -> Json:
        """One item's entity JSON."""
        out: dict[str, list[Json]] = {}
        seen: dict[str, int] = {}
        for prop, value, marked in claims:
            main = self.snak(prop, value)
            h = main["hash"]
            n = seen.get(h, 0)
            seen[h] = n + 1
            st: Json = {"mainsnak": main, "type": "statement", "id": statement_id(eid, [h], n), "rank": "normal"}
            if marked:
                st["references"] = [self._reference]
            out.setdefault(main["property"], []).append(st)
        return {
            "type": "item",
            "id": eid,
            "labels": _terms(labels),
            "descriptions": _terms(descriptions),
            "aliases": {},
            "claims": out,
            "sitelinks": {},
        }


def _terms(terms: dict[str, str]) -> dict[str, Json]:
    # Wikibase trims and collapses whitespace in terms (as to_json does)
    return {lang: {"language": lang, "value": " ".join(text.split())} for lang, text in terms.items()}

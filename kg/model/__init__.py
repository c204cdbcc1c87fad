"""The data model: what an item is, before any RDF or storage.

Owns: the model read from ``schemas/model.yaml`` (:mod:`~kg.model.schema`), ids and entity IRIs
(:mod:`~kg.model.ids`), typed values and time values (:mod:`~kg.model.values`, :mod:`~kg.model.timevalue`),
model records -> entity JSON (:mod:`~kg.model.entities`) with Wikibase's hashes (:mod:`~kg.model.wbhash`),
impact measures and the impact tools' export formats (:mod:`~kg.model.measures`, ``schemas/impact.yaml``),
Wikimedia sites (:mod:`~kg.model.sites`), countries and their regions (:mod:`~kg.model.regions`), the id
map of a Wikibase with its own numbering (:mod:`~kg.model.idmap`) and the kinds of partnership evidence
(:mod:`~kg.model.evidence`, ``schemas/evidence.yaml``).

May import: the standard library, pandas, wikibaseintegrator (offline entity classes), and the top-level
``kg.errors``, ``kg.config``. No other part: every other part builds on this one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg import lazy_face

if TYPE_CHECKING:
    from kg.model.entities import Claim, Record, read_json, to_json
    from kg.model.ids import EntityId
    from kg.model.schema import model

_HOMES = {
    "kg.model.entities": ["Claim", "Record", "read_json", "to_json"],
    "kg.model.ids": ["EntityId"],
    "kg.model.schema": ["model"],
}
__all__ = ["Claim", "EntityId", "Record", "model", "read_json", "to_json"]
__getattr__, __dir__ = lazy_face(__name__, _HOMES)

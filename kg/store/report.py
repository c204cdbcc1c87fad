"""The one write report: what a write did, by entity id, whether the store wrote it or a load target did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kg.i18n import ngettext


@dataclass
class WriteReport:
    """What a write did.

    ``created`` / ``updated`` / ``unchanged``: entity ids. ``skipped``: ``(id, reason)`` for items a target
    could not write. ``triples_written`` / ``triples_removed`` / ``generation``: what the store did (the
    store's writes and ``--target store``). ``target``: who wrote (``store``, ``wikibase``,
    ``quickstatements``); ``id_map``: plan id -> id in the target, for items the target gave a new id
    (Wikibase creates); ``output``: a file the target wrote (QuickStatements); ``details``: anything else a
    target reports (its journal, edits it left out).
    """

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    triples_written: int = 0  # including shared reference/value triples the store may hold already
    triples_removed: int = 0
    generation: str = "0"
    target: str = "store"
    id_map: dict[str, str] = field(default_factory=dict)
    output: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "skipped": len(self.skipped),
        }

    def summary(self) -> str:
        """The counts in a sentence, in the language in use (``glamkg init``)."""
        return ngettext("{created} created, {updated} updated, {unchanged} unchanged ({written} triple written, "
                        "{removed} removed)",
                        "{created} created, {updated} updated, {unchanged} unchanged ({written} triples written, "
                        "{removed} removed)", self.triples_written).format(
            created=len(self.created), updated=len(self.updated), unchanged=len(self.unchanged),
            written=self.triples_written, removed=self.triples_removed)

    def add(self, other: WriteReport) -> None:
        """Take in the ids and the store's figures of a write this one is made of."""
        self.created.extend(other.created)
        self.updated.extend(other.updated)
        self.unchanged.extend(other.unchanged)
        self.skipped.extend(other.skipped)
        self.triples_written += other.triples_written
        self.triples_removed += other.triples_removed
        self.generation = other.generation

"""Settings of reconciliation against a remote Wikibase, read from ``schemas/reconcile.yaml`` (data, not code).

Kept apart from :mod:`kg.load.remote` so that :mod:`kg.load.mapping` can ask which columns may name their
item without importing the services.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from kg import config
from kg.model.schema import model


@dataclass(frozen=True)
class Settings:
    """``schemas/reconcile.yaml``."""

    services: dict[str, str]
    threshold: float
    limit: int
    batch: int
    cache_days: float
    identifiers: tuple[str, ...]  # property ids
    isil_pattern: re.Pattern[str]
    by_name: dict[str, tuple[str, ...]]  # property id -> item kinds of its values

    def classes_of(self, kinds: Sequence[str]) -> tuple[str, ...]:
        m = model()
        return tuple(sorted({m.cls(c).id for k in kinds for c in m.kind(k).allowed_classes}))


@functools.cache
def settings() -> Settings:
    raw = yaml.safe_load((config.resource_dir("schemas") / "reconcile.yaml").read_text(encoding="utf-8"))
    m = model()
    return Settings(
        services=dict(raw["services"]),
        threshold=float(raw["threshold"]),
        limit=int(raw["limit"]),
        batch=int(raw["batch"]),
        cache_days=float(raw["cache_days"]),
        identifiers=tuple(m.prop(k).id for k in raw["identifiers"]),
        isil_pattern=re.compile(raw["isil_pattern"]),
        by_name={m.prop(k).id: tuple(v or ()) for k, v in raw["by_name"].items()},
    )

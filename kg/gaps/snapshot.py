"""Dated snapshots of every gap metric (``glamkg snapshot``), for "change since" and series over time.

:func:`metric_rows` turns a :class:`~kg.gaps.tables.Dataset` into tidy rows, one per grouping (every region
scheme: the UN M49 levels, continents, countries and the shipped groupings such as Wikimedia's eight movement
regions), group, baseline, measure (every number of the gap table, and the inequality measures across countries)
and evidence kind. :func:`take` reads the store, restricts it to the snapshot's date (:mod:`kg.gaps.asof`: a
snapshot dated before a partnership's start does not count it), computes the rows and appends them to the
history next to the store (:mod:`kg.gaps.history`)::

    snap = snapshot.take(store, store_path=path)                          # today, as the store is
    snap = snapshot.take(store, store_path=path, as_of=date(2021, 6, 30))  # point-in-time
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kg.gaps import asof, history, metrics
from kg.gaps.tables import Dataset, counts, read
from kg.model import regions

# Every number of the group table that a snapshot keeps (see kg.gaps.metrics.group_table).
MEASURES = (
    "countries",
    "institutions",
    "partnered_institutions",
    "partnerships",
    "contributions",
    "contributed_units",
    "coverage",
    "coverage_low",
    "coverage_high",
    "partnerships_per_100_institutions",
    "contributions_per_100_institutions",
    "partnerships_per_million",
    "contributions_per_million",
    "baseline",
    "baseline_share",
    "partnership_share",
    "contribution_share",
    "expected_partnerships",
    "ri_partnerships",
    "ri_contributions",
    "small_numbers",
)
INEQUALITY_METRICS = ("partnerships", "contributions")
ALL_COUNTRIES = "(all countries)"  # the group of the inequality measures, which are across countries
# Evidence kinds of a partnership (the partnership-evidence issue): until the store records them, every
# partnership counts as one kind, "any".
ANY_EVIDENCE = "any"


def schemes() -> list[str]:
    """The region schemes a snapshot covers: every built-in level and shipped grouping."""
    return regions.available_groupings()


def scheme_digest(name: str) -> str:
    """A short digest of a grouping's country -> group table: two snapshots with the same digest grouped the
    countries the same way."""
    g = regions.grouping(name)
    text = "\n".join(f"{k}\t{v}" for k, v in sorted(g.groups.items())) + f"\nother\t{g.other}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def metric_rows(
    data: Dataset, *, groupings: list[str] | None = None, baselines: tuple[str, ...] = metrics.BASELINES
) -> pd.DataFrame:
    """Tidy metric rows (grouping, group, baseline, measure, evidence, value) of the dataset."""
    counted, warnings = counts(data)
    parts = []
    for by in groupings or schemes():
        for baseline in baselines:
            rep = metrics.build_report(counted, by=by, baseline=baseline, count_warnings=warnings)
            t = rep.table
            present = [m for m in MEASURES if m in t.columns]
            wide = t[["group", *present]].copy()
            wide["small_numbers"] = wide["small_numbers"].astype(float)
            long = wide.melt(id_vars="group", var_name="measure", value_name="value")
            ineq = [
                metrics.inequality(rep.countries, rep.grouping, metric=m, baseline_name=baseline)
                for m in INEQUALITY_METRICS
            ]
            rows = pd.concat(ineq, ignore_index=True)
            long_ineq = pd.DataFrame(
                {"group": ALL_COUNTRIES, "measure": rows["measure"] + "_" + rows["metric"], "value": rows["value"]}
            )
            both = pd.concat([long, long_ineq], ignore_index=True)
            both.insert(0, "grouping", rep.grouping.name)
            both.insert(2, "baseline", baseline)
            parts.append(both)
    out = pd.concat(parts, ignore_index=True)
    out.insert(4, "evidence", ANY_EVIDENCE)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float).replace([np.inf, -np.inf], np.nan)
    return out[history.METRIC_COLUMNS]


def at(store: Any, as_of: dt.date, *, facts_only: bool = True) -> Dataset:
    """The store's dataset as it stood on ``as_of`` (:func:`kg.gaps.asof.restrict`)."""
    data = read(store, facts_only=facts_only)
    return asof.restrict(data, asof.dates(store), as_of)


def take(
    store: Any, *, store_path: str | Path, as_of: dt.date | None = None, history_path: Path | None = None
) -> tuple[history.Snapshot, int]:
    """Compute every metric of the store on ``as_of`` (default: today, UTC) and append them to the history;
    returns the snapshot (with its id) and how many metric rows it holds."""
    from kg import __version__
    from kg.query.provenance import now

    taken_at = now()
    day = as_of or dt.datetime.now(dt.UTC).date()
    data = at(store, day)
    rows = metric_rows(data)
    meta = dict(store.meta()) if hasattr(store, "meta") else {}
    synthetic = str(meta.get("synthetic", "")).lower() in ("true", "1", "yes")
    snap = history.Snapshot(
        taken_at=taken_at,
        as_of=day.isoformat(),
        generation=str(store.generation()) if hasattr(store, "generation") else "",
        dataset=str(meta.get("label") or ""),
        synthetic=synthetic,
        schemes={name: scheme_digest(name) for name in schemes()},
        glamkg_version=__version__,
        store=str(Path(store_path).resolve()),
    )
    target = history_path or history.path_for(store_path)
    return history.append(target, snap, rows), len(rows)

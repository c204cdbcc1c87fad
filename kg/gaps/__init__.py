"""Regional gaps: baselines, statistics, gap metrics, and the synthetic demo dataset.

Owns: baselines (:mod:`~kg.gaps.baselines`), pure statistics (:mod:`~kg.gaps.stats`: Wilson, Gini, Theil),
the store's facts as flat tables and the gap counts computed from them once, for the CLI and the
dashboard (:mod:`~kg.gaps.tables`), impact measures and their totals (:mod:`~kg.gaps.impact`), the gap metrics
(:mod:`~kg.gaps.metrics`), the one-sentence findings under gap charts and tables (:mod:`~kg.gaps.findings`),
dated snapshots of every metric (:mod:`~kg.gaps.snapshot`), the store's facts as they
stood on a date (:mod:`~kg.gaps.asof`), the append-only history of snapshots next to the store
(:mod:`~kg.gaps.history`), notes kept in English and shown in the reader's language (caveats, warnings, baseline
labels: :mod:`~kg.gaps.notes`), and the seeded demo data (:mod:`~kg.gaps.demo`, :mod:`~kg.gaps.demo_tables`).

May import: :mod:`kg.model`, :mod:`kg.rdf`, :mod:`kg.store`, :mod:`kg.query`, pandas/numpy and the top-level
infrastructure. Not :mod:`kg.load` or :mod:`kg.wikidata`: gaps read what those wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg import lazy_face

if TYPE_CHECKING:
    from kg.gaps.demo import write_demo
    from kg.gaps.metrics import (
        UNKNOWN,
        GapReport,
        build_report,
        country_table,
        counts_frame,
        fetch_counts,
        fetch_years,
        group_table,
        inequality,
        trends,
    )
    from kg.gaps.tables import Dataset, counts, read, report, table, yearly, years

_HOMES = {
    "kg.gaps.demo": ["write_demo"],
    "kg.gaps.metrics": [
        "GapReport",
        "UNKNOWN",
        "build_report",
        "country_table",
        "counts_frame",
        "fetch_counts",
        "fetch_years",
        "group_table",
        "inequality",
        "trends",
    ],
    "kg.gaps.tables": ["Dataset", "counts", "read", "report", "table", "yearly", "years"],
}
__all__ = [
    "UNKNOWN",
    "Dataset",
    "GapReport",
    "build_report",
    "country_table",
    "counts",
    "counts_frame",
    "fetch_counts",
    "fetch_years",
    "group_table",
    "inequality",
    "read",
    "report",
    "table",
    "trends",
    "write_demo",
    "yearly",
    "years",
]
__getattr__, __dir__ = lazy_face(__name__, _HOMES)

"""The dated history of the gap metrics: an append-only SQLite table next to the store.

``<store>.history.sqlite`` (beside the store's folder ``<store>``) holds two tables:

- ``snapshots``: one row per ``glamkg snapshot``: id, taken_at (UTC), as_of (the date the metrics are for),
  the store's generation and dataset label, whether it is synthetic, the region schemes (grouping names and a
  digest of each grouping's country -> group table, so a changed scheme shows), the glamkg version;
- ``metrics``: one row per (snapshot, grouping, group, baseline, measure, evidence kind): the value (NULL when
  undefined, e.g. a rate of a group without institutions).

Rows are only ever added: triggers refuse UPDATE and DELETE, so a snapshot, once written, is never rewritten;
each snapshot is written in one transaction (all its rows or none). Readers (the dashboard) open the file
read-only.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kg.errors import StoreError
from kg.i18n import _

SUFFIX = ".history.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    taken_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    generation TEXT NOT NULL,
    dataset TEXT NOT NULL,
    synthetic INTEGER NOT NULL,
    schemes TEXT NOT NULL,
    glamkg_version TEXT NOT NULL,
    store TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS metrics (
    snapshot INTEGER NOT NULL REFERENCES snapshots(id),
    grouping TEXT NOT NULL,
    grp TEXT NOT NULL,
    baseline TEXT NOT NULL,
    measure TEXT NOT NULL,
    evidence TEXT NOT NULL,
    value REAL
);
CREATE INDEX IF NOT EXISTS metrics_by_snapshot ON metrics (snapshot, grouping, baseline);
CREATE TRIGGER IF NOT EXISTS snapshots_append_only_u BEFORE UPDATE ON snapshots
    BEGIN SELECT RAISE(ABORT, 'glamkg history is append-only: snapshots are never rewritten'); END;
CREATE TRIGGER IF NOT EXISTS snapshots_append_only_d BEFORE DELETE ON snapshots
    BEGIN SELECT RAISE(ABORT, 'glamkg history is append-only: snapshots are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS metrics_append_only_u BEFORE UPDATE ON metrics
    BEGIN SELECT RAISE(ABORT, 'glamkg history is append-only: metrics are never rewritten'); END;
CREATE TRIGGER IF NOT EXISTS metrics_append_only_d BEFORE DELETE ON metrics
    BEGIN SELECT RAISE(ABORT, 'glamkg history is append-only: metrics are never deleted'); END;
"""
METRIC_COLUMNS = ["grouping", "group", "baseline", "measure", "evidence", "value"]


@dataclass
class Snapshot:
    """One row of ``snapshots``."""

    taken_at: str
    as_of: str
    generation: str
    dataset: str
    synthetic: bool
    schemes: dict[str, str] = field(default_factory=dict)
    glamkg_version: str = ""
    store: str = ""
    id: int = 0


def path_for(store: str | Path) -> Path:
    """The history file of the store at ``store`` (a sibling of the store's folder)."""
    p = Path(store).resolve()  # `--store .` names the folder by its real name
    return p.with_name(p.name + SUFFIX)


@contextlib.contextmanager
def _connect(path: Path, *, write: bool) -> Iterator[sqlite3.Connection]:
    try:
        if write:
            con = sqlite3.connect(path, isolation_level=None)
        else:
            con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise StoreError(_("{path}: cannot open the metrics history ({error})").format(path=path, error=e)) from None
    try:
        yield con
    except (sqlite3.DatabaseError, pd.errors.DatabaseError) as e:  # pandas' read_sql wraps SQLite's errors
        raise StoreError(
            _("{path}: the metrics history cannot be read or written ({error}); it is an SQLite file written by "
              "`glamkg snapshot`").format(path=path, error=e)
        ) from None
    finally:
        con.close()


def append(path: Path, snap: Snapshot, rows: pd.DataFrame) -> Snapshot:
    """Add one snapshot and its metric rows (columns :data:`METRIC_COLUMNS`) in one transaction; returns the
    snapshot with its id."""
    with _connect(path, write=True) as con:
        con.executescript(SCHEMA)
        con.execute("BEGIN IMMEDIATE")
        try:
            cur = con.execute(
                "INSERT INTO snapshots (taken_at, as_of, generation, dataset, synthetic, schemes, glamkg_version, "
                "store) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    snap.taken_at,
                    snap.as_of,
                    snap.generation,
                    snap.dataset,
                    int(snap.synthetic),
                    json.dumps(snap.schemes, sort_keys=True),
                    snap.glamkg_version,
                    snap.store,
                ),
            )
            sid = int(cur.lastrowid or 0)
            values = rows["value"].astype(float)
            records = zip(
                [sid] * len(rows),
                rows["grouping"].astype(str),
                rows["group"].astype(str),
                rows["baseline"].astype(str),
                rows["measure"].astype(str),
                rows["evidence"].astype(str),
                [None if v != v else v for v in values.tolist()],
                strict=True,
            )
            con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)", records)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    snap.id = sid
    return snap


def snapshots(path: Path) -> pd.DataFrame:
    """Every snapshot (oldest first): id, taken_at, as_of, generation, dataset, synthetic, schemes,
    glamkg_version, store. Empty when there is no history yet."""
    cols = ["id", "taken_at", "as_of", "generation", "dataset", "synthetic", "schemes", "glamkg_version", "store"]
    if not path.is_file():
        return pd.DataFrame(columns=cols)
    with _connect(path, write=False) as con:
        df = pd.read_sql_query(f"SELECT {', '.join(cols)} FROM snapshots ORDER BY as_of, id", con)
    df["synthetic"] = df["synthetic"].astype(bool)
    return df


def values(
    path: Path,
    ids: list[int],
    *,
    grouping: str | None = None,
    baseline: str | None = None,
    measures: list[str] | None = None,
) -> pd.DataFrame:
    """Metric rows of the given snapshots: snapshot, grouping, group, baseline, measure, evidence, value."""
    cols = ["snapshot", *METRIC_COLUMNS]
    if not path.is_file() or not ids:
        return pd.DataFrame(columns=cols)
    where = [f"snapshot IN ({', '.join('?' for _ in ids)})"]
    args: list[Any] = [int(i) for i in ids]
    if grouping is not None:
        where.append("grouping = ?")
        args.append(grouping)
    if baseline is not None:
        where.append("baseline = ?")
        args.append(baseline)
    if measures:
        where.append(f"measure IN ({', '.join('?' for _ in measures)})")
        args += measures
    sql = (
        'SELECT snapshot, grouping, grp AS "group", baseline, measure, evidence, value FROM metrics WHERE '
        + " AND ".join(where)
    )
    with _connect(path, write=False) as con:
        return pd.read_sql_query(sql, con, params=args)


def change(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Two snapshots' metric rows (of :func:`values`, or of :func:`kg.gaps.snapshot.metric_rows`) side by side:
    grouping, group, baseline, measure, evidence, before, after, change (after - before)."""
    keys = ["grouping", "group", "baseline", "measure", "evidence"]
    a = before[[*keys, "value"]].rename(columns={"value": "before"})
    b = after[[*keys, "value"]].rename(columns={"value": "after"})
    out = a.merge(b, on=keys, how="outer")
    out["change"] = out["after"] - out["before"]
    return out

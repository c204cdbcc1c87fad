"""The checkpoint of a Wikidata import: which units are finished, so that an interrupted import resumes.

One SQLite file next to the store (``<store>/import-wikidata.checkpoint.sqlite``; in memory for an in-memory
store). SQLite commits are atomic, so the checkpoint is never half-written either. It records:

- ``runs``: one row per import *run*, keyed by a hash of its settings (endpoint, entity base, types,
  countries, languages, page size, subclass mode). A run that did not finish is resumed by the next
  invocation with the same settings; a finished run is started afresh (that is a refresh).
- ``listings``: the ids each (country, type) listing returned, so that a resumed run cuts exactly the same
  pages as the interrupted one.
- ``units``: finished (country, type, page) units with their created/updated/unchanged counts.
- ``fingerprints``: per item, a hash of the content fetched from the service and the date it was first seen
  with that content. An unchanged item keeps its old "retrieved" date in its references, so that a
  re-run reports it as *unchanged* instead of rewriting every reference with a new date.

A unit is marked finished only after its store transaction committed. A crash between the two repeats the
unit on resume, which is harmless: writing the same entities again changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kg.errors import StoreError
from kg.i18n import _

FILE_NAME = "import-wikidata.checkpoint.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_key TEXT PRIMARY KEY, settings TEXT NOT NULL, started REAL NOT NULL, finished REAL
);
CREATE TABLE IF NOT EXISTS listings (
    run_key TEXT NOT NULL, country TEXT NOT NULL, type TEXT NOT NULL, ids TEXT NOT NULL,
    PRIMARY KEY (run_key, country, type)
);
CREATE TABLE IF NOT EXISTS units (
    run_key TEXT NOT NULL, country TEXT NOT NULL, type TEXT NOT NULL, page INTEGER NOT NULL,
    finished REAL NOT NULL, created INTEGER, updated INTEGER, unchanged INTEGER,
    PRIMARY KEY (run_key, country, type, page)
);
CREATE TABLE IF NOT EXISTS fingerprints (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL, retrieved TEXT NOT NULL
);
"""


class Checkpoint:
    """Finished units and item fingerprints of Wikidata imports (see the module docstring)."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path) if self.path is not None else ":memory:")
            self.db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as e:
            raise StoreError(_("{path}: cannot open the import checkpoint: {error}").format(
                path=self.path or "checkpoint", error=e)) from None
        self.run_key = ""
        #: ids listed by the previous, finished run with the same settings (filled by :meth:`begin`)
        self.previous_ids: set[str] = set()

    @classmethod
    def for_store_dir(cls, store_dir: str | Path | None) -> Checkpoint:
        return cls(Path(store_dir) / FILE_NAME if store_dir is not None else None)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runs ------------------------------------------------------------------------------------------
    def begin(self, run_key: str, settings: Mapping[str, Any], *, restart: bool = False) -> int:
        """Start or resume the run; returns the number of units already finished (0 for a fresh run)."""
        self.run_key = run_key
        self.previous_ids = set()
        with self.db:
            row = self.db.execute("SELECT finished FROM runs WHERE run_key = ?", (run_key,)).fetchone()
            if row is not None and (restart or row[0] is not None):
                for (listed,) in self.db.execute("SELECT ids FROM listings WHERE run_key = ?", (run_key,)):
                    self.previous_ids.update(json.loads(listed))
                self.db.execute("DELETE FROM units WHERE run_key = ?", (run_key,))
                self.db.execute("DELETE FROM listings WHERE run_key = ?", (run_key,))
                self.db.execute("DELETE FROM runs WHERE run_key = ?", (run_key,))
                row = None
            if row is None:
                self.db.execute(
                    "INSERT INTO runs (run_key, settings, started) VALUES (?, ?, ?)",
                    (run_key, json.dumps(dict(settings), sort_keys=True), time.time()),
                )
                return 0
        (n,) = self.db.execute("SELECT COUNT(*) FROM units WHERE run_key = ?", (run_key,)).fetchone()
        return int(n)

    def finish(self) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET finished = ? WHERE run_key = ?", (time.time(), self.run_key))

    # -- listings and units ----------------------------------------------------------------------------
    def listing(self, country: str, type_key: str) -> list[str] | None:
        row = self.db.execute(
            "SELECT ids FROM listings WHERE run_key = ? AND country = ? AND type = ?", (self.run_key, country, type_key)
        ).fetchone()
        return None if row is None else list(json.loads(row[0]))

    def save_listing(self, country: str, type_key: str, ids: list[str]) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO listings (run_key, country, type, ids) VALUES (?, ?, ?, ?)",
                (self.run_key, country, type_key, json.dumps(ids)),
            )

    def is_done(self, country: str, type_key: str, page: int) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM units WHERE run_key = ? AND country = ? AND type = ? AND page = ?",
            (self.run_key, country, type_key, page),
        ).fetchone()
        return row is not None

    def done_units(self) -> list[tuple[str, str, int]]:
        rows = self.db.execute(
            "SELECT country, type, page FROM units WHERE run_key = ? ORDER BY country, type, page", (self.run_key,)
        ).fetchall()
        return [(str(c), str(t), int(p)) for c, t, p in rows]

    def mark_done(
        self,
        country: str,
        type_key: str,
        page: int,
        counts: Mapping[str, int],
        fingerprints: Mapping[str, tuple[str, str]],
    ) -> None:
        """Record a finished unit and the fingerprints of its items, in one SQLite transaction."""
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO fingerprints (id, hash, retrieved) VALUES (?, ?, ?)",
                [(qid, h, d) for qid, (h, d) in fingerprints.items()],
            )
            self.db.execute(
                "INSERT OR REPLACE INTO units (run_key, country, type, page, finished, created, updated, unchanged) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.run_key,
                    country,
                    type_key,
                    page,
                    time.time(),
                    counts.get("created", 0),
                    counts.get("updated", 0),
                    counts.get("unchanged", 0),
                ),
            )

    # -- fingerprints ----------------------------------------------------------------------------------
    def fingerprints(self, qids: Iterable[str]) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        qids = list(qids)
        for i in range(0, len(qids), 500):
            chunk = qids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, hash, retrieved FROM fingerprints WHERE id IN ({marks})"
            for qid, h, d in self.db.execute(sql, chunk):
                out[str(qid)] = (str(h), str(d))
        return out

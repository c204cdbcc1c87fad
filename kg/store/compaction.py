"""Compacting a store after large writes: what Oxigraph's bulk loader leaves is slow to read.

The bulk loader (every large write: ``glamkg demo``, ``glamkg load``, the imports) adds its data as new table
files at the top of RocksDB's tree; a store built from many of them (130 files after ``glamkg demo
--institutions 100000``) makes every read look in many files. A full compaction (pyoxigraph's
``Store.optimize``) merges them: on that store it took 6 s and made the saved queries' cold runs up to 1.8x
faster (``partnerships_active_in_year`` 2.75 s -> 1.54 s, the map 7.8 s -> 4.5 s through ``glamkg query run``;
docs/benchmarks.md). A writer compacts when it closes after :data:`AFTER_TRIPLES` triples or more were written
since it opened, and publishes the compacted store as the snapshot readers read (:mod:`kg.store.snapshots`:
a snapshot of its own, ``<generation>-compacted``, since the data, and so the generation, are the same as the
last one published); small writes never pay for it (a compaction rewrites the whole store, whatever was
added).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pyoxigraph as ox

from kg.store import snapshots

log = logging.getLogger("kg.store")

AFTER_TRIPLES = 500_000  # about 10,000 demo institutions or a sheet of 10,000 rows


def on_close(inner: ox.Store, path: Path | None, generation: str, written: int) -> bool:
    """When ``written`` triples (since the writer opened) reach :data:`AFTER_TRIPLES`: compact ``inner`` and
    publish it for readers; True if done (the caller publishes as usual otherwise)."""
    if path is None or written < AFTER_TRIPLES:
        return False
    start = time.perf_counter()
    inner.optimize()
    log.info("compacted the store after %s triples written (%.1f s)", f"{written:,}", time.perf_counter() - start)
    snapshots.publish(inner, path, f"{generation}-compacted")
    return True

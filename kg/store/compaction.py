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

While a large write bulk-loads in pieces (:func:`kg.store.writes.load_parts`), RocksDB compacts behind it in its
own threads: :func:`yield_to_load` lowers their priority (``nice`` :data:`LOAD_NICENESS`), so the conversion and
the loader go first and the compaction runs on what they leave; it then merges more files at a time, in fewer
passes (RocksDB rewrites the level below with every pass), and the closing compaction does the rest. On 2 cores
at 100,000 rows (bench_load.py, 2026-12-05): 40-41 CPU seconds for the whole load instead of 44-48, 23.5 s
instead of 25-27. Linux only (threads are named there); the threads stay at that priority for the process.

A compaction takes one core for seconds and lets Python run meanwhile (pyoxigraph releases the GIL): a writer's
``reads_at_close`` (``glamkg demo`` and ``glamkg load`` read their derived tables' rows, :mod:`kg.query.derivation`)
runs in a thread beside it, reading the store being compacted, and is waited for before the store is published and
closed (without a compaction, they run before it is published). A streamed load reads them earlier, from the
store's copy while its last flush waits for the compaction behind the load (:func:`flush_beside`).

A store a streamed load filled from empty, whose table files are merged already, is not compacted again
(:func:`merged`; measured on such stores only): each bulk-load piece adds one small file per column family at
RocksDB's level 0, which every read merges with the rest, while RocksDB's own compaction writes files of up to
64 MiB. Measured on streamed loads (docs/notes.md, sixteenth session): at
100,000 rows the copy's last flush waits for the compaction behind the load to work off level 0, and 2-9 % of the
table bytes were left in small files: reads as fast as after a full compaction (which took 3 s of the load's 23);
at 20,000-60,000 rows (no such wait) 38-67 %, and the map through the engine took 1.6-5 times as long as on the
compacted store (13 s against 2.5 s at 60,000 rows). Fully compacted stores: 0-2 %.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from kg.i18n import _
from kg.store import snapshots

log = logging.getLogger("kg.store")

AFTER_TRIPLES = 500_000  # about 10,000 demo institutions or a sheet of 10,000 rows
#: A table file smaller than this is taken for one a bulk load left at level 0 (or a small remainder)
SMALL_FILE = 16 * 2**20
#: The share of the table bytes in small files above which a store is compacted on close (:func:`merged`)
MAX_SMALL_SHARE = 0.2
#: The niceness of RocksDB's compaction threads during a large write (:func:`yield_to_load`)
LOAD_NICENESS = 10
_yielded: set[int] = set()  # thread ids already lowered (RocksDB's threads live as long as the process)


def on_close(inner: ox.Store, path: Path | None, generation: str, written: int,
             alongside: Callable[[ox.Store], None] | None = None, *, grown: bool = False) -> bool:
    """When ``written`` triples (since the writer opened) reach :data:`AFTER_TRIPLES`: compact ``inner`` and
    publish it for readers; True if done (the caller publishes as usual otherwise). ``grown``: the store was filled
    from empty by a streamed load (``Store.add_new_entities(growing=True)``): not compacted when its files are
    :func:`merged` already (the share of small files says nothing of a large write into a store that held data).
    ``alongside(inner)`` (reads only) runs in a thread meanwhile, and is waited for; without a compaction, it runs
    here before False is returned. What it raises is logged: it cannot undo the write, and whoever gave it knows it
    did not finish."""
    if path is None or written < AFTER_TRIPLES or (grown and merged(path)):
        if alongside is not None:
            _logged(alongside, inner)
        return False
    start = time.perf_counter()
    thread = None
    if alongside is not None:
        thread = threading.Thread(target=_logged, args=(alongside, inner), name="glamkg-beside-compaction")
        thread.start()
    try:
        inner.optimize()
    finally:
        if thread is not None:
            thread.join()
    log.info("compacted the store after %s triples written (%.1f s)", f"{written:,}", time.perf_counter() - start)
    snapshots.publish(inner, path, f"{generation}-compacted")
    return True


def merged(path: Path) -> bool:
    """Whether at most :data:`MAX_SMALL_SHARE` of the table bytes of the store at ``path`` are in files under
    :data:`SMALL_FILE` (the module docstring: what a bulk load leaves unmerged)."""
    small = total = 0
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.name.endswith(".sst"):
                    size = entry.stat().st_size
                    total += size
                    small += size if size < SMALL_FILE else 0
    except OSError:
        return False
    if total and small <= MAX_SMALL_SHARE * total:
        log.info("not compacted on close: %.0f %% of the table bytes in small files", 100 * small / total)
        return True
    return False


def flush_beside(inner: ox.Store, alongside: Callable[[ox.Store], None]) -> None:
    """Flush ``inner`` after a large bulk load while ``alongside(inner)`` (reads only) runs in a thread; what it
    raises is logged (as :func:`on_close`'s).

    RocksDB's flush waits until one more level-0 file would not stall writes: after a load in pieces (each an
    ingest of new level-0 files, :func:`kg.store.writes.load_parts`), until the compaction behind it has merged
    them below the trigger. Oxigraph lets RocksDB run one compaction at a time on 2 cores, so that wait is seconds
    with a core idle (about 5 s at 100,000 rows, 2026-12-05): the reads fill it."""
    thread = threading.Thread(target=_logged, args=(alongside, inner), name="glamkg-beside-flush")
    thread.start()
    try:
        inner.flush()
    finally:
        thread.join()


def _logged(work: Callable[[ox.Store], None], inner: ox.Store) -> None:
    try:
        work(inner)
    except Exception as e:  # a thread's exception would be lost: logged; the caller sees its work missing
        log.warning(_("reading the store's new content beside its flush or compaction failed (it is read "
                      "afterwards instead): {error}").format(error=e), exc_info=log.isEnabledFor(logging.DEBUG))


def yield_to_load() -> None:
    """Lower the priority of RocksDB's compaction threads (``rocksdb:low``) to :data:`LOAD_NICENESS` (see the
    module docstring); threads not started yet are lowered at a later call. Nothing where threads cannot be
    listed (not Linux) or their priority cannot be set."""
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        return
    for tid in tids:
        if tid in _yielded:
            continue
        try:
            with open(f"/proc/self/task/{tid}/comm", encoding="ascii", errors="replace") as fh:
                if not fh.read().startswith("rocksdb:low"):
                    continue
            os.setpriority(os.PRIO_PROCESS, tid, max(LOAD_NICENESS, os.getpriority(os.PRIO_PROCESS, tid)))
        except OSError:
            continue
        _yielded.add(tid)

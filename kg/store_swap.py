"""Large atomic writes to an on-disk store: build the new state in a copy, then swap directories.

Oxigraph's bulk loader is fast but only atomic per batch of about a million quads, and a transaction that
large costs gigabytes of memory. For a write bigger than that, :func:`write_through_copy`:

1. flushes the store and makes a RocksDB checkpoint of it beside the store (``<store>.swap``; the files are
   hard links, so this is cheap and needs little disk);
2. applies the write to the copy with the bulk loader (a crash here leaves the store untouched and the copy
   is thrown away on the next open);
3. writes the marker file ``<store>.swap/GLAMKG-COMPLETE``: **this is the commit point**;
4. renames ``<store>`` to ``<store>.old`` and ``<store>.swap`` to ``<store>``, removes ``<store>.old``.

:func:`recover` runs before every writable open: with the marker present it finishes steps 4 (the write
happened), without it it throws the copy away (the write did not happen). A lock file beside the store
(``<store>.lock``, ``flock``) keeps a second process from recovering a copy that is still being built.
Readers that opened the store before the swap keep reading the old files until they reopen (see
``Store.generation``).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import StoreError

COMPLETE = "GLAMKG-COMPLETE"


def _swap(path: Path) -> Path:
    return path.with_name(path.name + ".swap")


def _old(path: Path) -> Path:
    return path.with_name(path.name + ".old")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold ``<store>.lock`` while a copy is built or recovered; refuse if another process holds it."""
    lock = path.with_name(path.name + ".lock")
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"the store at {path} is in use: another process is writing a large batch to it; wait for it "
                "to finish"
            ) from None
        yield
    finally:
        os.close(fd)


def pending(path: Path) -> bool:
    """Whether an interrupted large write left anything to finish or throw away."""
    return _swap(path).exists() or _old(path).exists()


# RocksDB's own files; anything else in a store directory (an import checkpoint, say) belongs to glamkg and
# moves to the new directory with the swap.
_ROCKSDB = re.compile(
    r"^(LOCK|LOG(\..*)?|CURRENT|IDENTITY|MANIFEST-\d+|OPTIONS-\d+(\.dbtmp)?|\d+\.(sst|log|blob)|bulk-.*)$"
)


def _finish(path: Path) -> None:
    """Steps 4: swap the committed copy in (the caller holds the lock and has closed the store)."""
    swap, old = _swap(path), _old(path)
    if path.exists():
        path.rename(old)
    swap.rename(path)
    (path / COMPLETE).unlink()
    if old.is_dir():
        for entry in old.iterdir():
            if not _ROCKSDB.match(entry.name) and not (path / entry.name).exists():
                shutil.move(str(entry), str(path / entry.name))
    shutil.rmtree(old, ignore_errors=True)


def recover(path: Path) -> str | None:
    """Finish or undo a large write a crash interrupted; return what was done (None: nothing to do)."""
    swap, old = _swap(path), _old(path)
    if not swap.exists() and not old.exists():
        return None
    with locked(path):
        if (swap / COMPLETE).is_file():
            _finish(path)
            return "finished an interrupted large write"
        if not path.exists() and old.exists():
            old.rename(path)
        shutil.rmtree(swap, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
        return "threw away an unfinished large write; the store is as it was before it"


def write_through_copy(
    inner: ox.Store, path: Path, apply: Callable[[ox.Store], None], release: Callable[[], None]
) -> ox.Store:
    """Apply ``apply`` to a copy of the store at ``path``, swap it in, and return the reopened store.

    ``inner`` is the open store: it stays usable if anything fails before the commit point. After it,
    ``release`` must drop the caller's last reference to ``inner`` (RocksDB keeps a per-process lock on the
    directory until the store is closed, and pyoxigraph closes a store when it is garbage-collected).
    """
    swap = _swap(path)
    with locked(path):
        shutil.rmtree(swap, ignore_errors=True)
        try:
            inner.flush()
            inner.backup(str(swap))
            copy = ox.Store(str(swap))
            apply(copy)
            copy.flush()
            del copy  # reference counting closes it now; no gc.collect() (seconds with millions of objects)
        except BaseException:
            shutil.rmtree(swap, ignore_errors=True)
            raise
        (swap / COMPLETE).write_bytes(b"")
        # Committed: from here a crash is finished by recover() on the next open.
        del inner
        release()
        try:
            _finish(path)
        except OSError as e:
            raise StoreError(f"the write was committed but swapping {swap} in failed ({e}); open the store again "
                             "to finish it") from None
    try:
        return ox.Store(str(path))
    except OSError:
        gc.collect()  # something still held the old store through a reference cycle: collect it, then retry
        return ox.Store(str(path))

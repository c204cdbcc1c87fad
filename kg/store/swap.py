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
RocksDB opens a store's files lazily and by name, so a reader must not have the directory open while it is
swapped: readers hold a shared lock on ``<store>.readers.lock`` while they are open (:class:`ReaderLock`), and
step 3 starts only once the writer holds it exclusively (it waits up to :data:`READERS_WAIT` seconds for open
readers to close, then gives up before the commit point: nothing is written). A reader opening during the
swap waits for it.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import re
import shutil
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import StoreError
from kg.i18n import _

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
                _("the store at {path} is in use: another process is writing a large batch to it; wait for it to "
                  "finish").format(path=path)
            ) from None
        yield
    finally:
        os.close(fd)


#: Seconds a large write waits for read-only users of the store to close before it gives up.
READERS_WAIT = 60.0


def _readers(path: Path) -> Path:
    return path.with_name(path.name + ".readers.lock")


def _gate(path: Path) -> Path:
    """A writer waiting to swap holds this exclusively, so that new readers wait instead of keeping
    ``<store>.readers.lock`` busy forever (readers pass the gate with a shared lock they drop at once)."""
    return path.with_name(path.name + ".gate.lock")


def _flock(fd: int, op: int, wait: float) -> bool:
    """``flock(fd, op)``, retried for up to ``wait`` seconds; False if it was not granted."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, op | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


class ReaderLock:
    """The shared lock a read-only store holds while open (released by :meth:`release` or garbage collection).

    Where the lock file cannot be created (a read-only directory), readers go without it: nobody can write
    a large batch there either.
    """

    def __init__(self, path: Path, wait: float = READERS_WAIT) -> None:
        self._file = None
        try:
            f = open(_readers(path), "a+b")  # noqa: SIM115  # held for the store's lifetime
        except OSError:
            return
        try:
            with open(_gate(path), "a+b") as g:
                if not _flock(g.fileno(), fcntl.LOCK_SH, wait):
                    f.close()
                    raise StoreError(_("the store at {path} is being swapped by a large write for more than "
                                       "{seconds} s; try again when it has finished").format(
                                           path=path, seconds=f"{wait:.0f}"))
        except OSError:
            pass
        if not _flock(f.fileno(), fcntl.LOCK_SH, wait):
            f.close()
            raise StoreError(_("the store at {path} is being swapped by a large write for more than {seconds} s; "
                               "try again when it has finished").format(path=path, seconds=f"{wait:.0f}"))
        self._file = f

    def release(self) -> None:
        f, self._file = self._file, None
        if f is not None:
            f.close()  # closing the file releases the lock


@contextlib.contextmanager
def _no_readers(path: Path, wait: float) -> Iterator[None]:
    """Hold ``<store>.readers.lock`` exclusively: no read-only store is open."""
    with open(_gate(path), "a+b") as g, open(_readers(path), "a+b") as f:
        fcntl.flock(g.fileno(), fcntl.LOCK_EX)  # only writers take it exclusively, and one writer at a time
        if not _flock(f.fileno(), fcntl.LOCK_EX, wait):
            raise StoreError(
                _("the store at {path} is still open read-only after {seconds} s (a dashboard or a query?); a large "
                  "write needs it closed for a moment to swap in. Nothing was written: close the readers and try "
                  "again").format(path=path, seconds=f"{wait:.0f}")
            )
        yield


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
            with _no_readers(path, READERS_WAIT):
                _finish(path)
            return _("finished an interrupted large write")
        if not path.exists() and old.exists():
            old.rename(path)
        shutil.rmtree(swap, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
        return _("threw away an unfinished large write; the store is as it was before it")


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
        copy: ox.Store | None = None
        try:
            inner.flush()
            inner.backup(str(swap))
            copy = ox.Store(str(swap))
            apply(copy)
            copy.flush()
            copy = None  # reference counting closes it now; no gc.collect() (seconds with millions of objects)
        except BaseException as exc:
            # Close the copy before removing its folder (RocksDB writes files when it closes): drop this frame's
            # reference and those of the frames the error passed through.
            copy = None
            traceback.clear_frames(exc.__traceback__)
            shutil.rmtree(swap, ignore_errors=True)
            raise
        try:
            no_readers = _no_readers(path, READERS_WAIT)
            no_readers.__enter__()
        except BaseException:
            shutil.rmtree(swap, ignore_errors=True)
            raise
        try:
            (swap / COMPLETE).write_bytes(b"")
            # Committed: from here a crash is finished by recover() on the next open.
            del inner
            release()
            try:
                _finish(path)
            except OSError as e:
                raise StoreError(_("the write was committed but swapping {swap} in failed ({error}); open the "
                                   "store again to finish it").format(swap=swap, error=e)) from None
            try:
                return ox.Store(str(path))
            except OSError:
                gc.collect()  # something still held the old store through a reference cycle: collect, retry
                return ox.Store(str(path))
        finally:
            no_readers.__exit__(None, None, None)

"""Readers never share files with a writer: they read a published snapshot of the store.

pyoxigraph documents a read-only store opened while another process writes the same database as undefined
behaviour (RocksDB's secondary files change under the reader: "No such file or directory", "Corruption", or a
view of half a write). So a writer *publishes* what it committed, and readers open only what was published:

- ``<store>.snapshots/<generation>/`` is a RocksDB checkpoint of the store (:meth:`pyoxigraph.Store.backup`: hard
  links to the immutable table files, so it is cheap and takes little disk). Once published, nobody writes to
  it again;
- ``<store>.snapshots/CURRENT`` names the latest one (written to a temporary file, then renamed: atomic);
- a writer publishes after its writes: when it closes the store, and after a write when the last publication is
  more than :data:`INTERVAL` seconds old (a long import is seen by readers as it goes, page by page, each a
  committed state);
- a reader opens the snapshot ``CURRENT`` names, read-only, and holds a shared lock on ``<generation>.lock``
  while it is open; a publication deletes older snapshots whose lock it can take (no reader has them open).

A reader therefore sees the store as one committed write left it: the old state or the new one, never a mix,
and never fails because a writer compacted files. A store that was never published (written by an older
glamkg) is read directly, as before, until its next write publishes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from pathlib import Path

import pyoxigraph as ox

from kg.i18n import _

log = logging.getLogger(__name__)
INTERVAL = 0.0  # seconds between two publications during a series of writes (0: after every write)
CURRENT = "CURRENT"


def folder(path: Path) -> Path:
    return path.with_name(path.name + ".snapshots")


def current(path: Path) -> Path | None:
    """The latest published snapshot of the store at ``path``, or None."""
    pointer = folder(path) / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    snap = folder(path) / name
    return snap if name and (snap / "CURRENT").is_file() else None


def publish(inner: ox.Store, path: Path, generation: str) -> Path | None:
    """Publish the store's committed state as snapshot ``generation`` (if not published yet); returns it."""
    snaps = folder(path)
    target = snaps / generation
    if (target / "CURRENT").is_file():
        return target
    snaps.mkdir(exist_ok=True)
    tmp = snaps / f".tmp-{generation}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        inner.flush()
        inner.backup(str(tmp))
        os.rename(tmp, target)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        log.warning("%s", _("the store at {path} could not publish a snapshot for readers: {error}").format(
            path=path, error=e))
        return None
    pointer = snaps / f".{CURRENT}-{os.getpid()}"
    pointer.write_text(generation + "\n", encoding="utf-8")
    os.replace(pointer, snaps / CURRENT)
    collect(path, keep=generation)
    return target


def collect(path: Path, keep: str) -> None:
    """Delete the snapshots other than ``keep`` that no reader holds (and leftovers of interrupted ones)."""
    snaps = folder(path)
    for entry in snaps.iterdir():
        if entry.name in (keep, CURRENT) or entry.suffix == ".lock" or entry.name.startswith(f".{CURRENT}"):
            continue
        if entry.name.startswith(".tmp-"):
            pid = entry.name.rsplit("-", 1)[-1]
            if pid.isdigit() and _alive(int(pid)):
                continue
            shutil.rmtree(entry, ignore_errors=True)
            continue
        lock = snaps / f"{entry.name}.lock"
        try:
            fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a reader has it open: the next publication tries again
            shutil.rmtree(entry, ignore_errors=True)
            with contextlib.suppress(OSError):
                lock.unlink()
        finally:
            os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Hold:
    """A reader's shared lock on one snapshot (released by :meth:`release`)."""

    def __init__(self, snapshot: Path) -> None:
        self._fd: int | None = None
        try:
            fd = os.open(snapshot.with_name(snapshot.name + ".lock"), os.O_CREAT | os.O_RDWR, 0o644)
        except OSError:
            return  # a read-only folder: nobody can publish (or collect) there either
        fcntl.flock(fd, fcntl.LOCK_SH)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def open_latest(path: Path, attempts: int = 5) -> tuple[ox.Store, Hold] | None:
    """The latest snapshot, opened read-only and held; None when the store was never published."""
    for _attempt in range(attempts):
        snap = current(path)
        if snap is None:
            return None
        hold = Hold(snap)
        if not (snap / "CURRENT").is_file():  # collected between reading CURRENT and taking the lock
            hold.release()
            time.sleep(0.05)
            continue
        try:
            return ox.Store.read_only(str(snap)), hold
        except (OSError, RuntimeError):
            hold.release()
            raise
    return None

"""Every file glamkg writes on a user's behalf (``--output``, ``--plan-out``, ``--report``, the QuickStatements
file, ``export -o``), written the way the target asks for:

- ``-``: standard output, as in every Unix tool;
- a regular file, or a new path: whole, to a temporary file in the same folder renamed over it, so a failed
  write leaves the old file as it was; an existing file keeps its mode (and owner where permitted);
- a character device, FIFO or socket (``/dev/null``, a named pipe): directly, streamed, never renamed over
  (renaming replaces the device: as root, ``-o /dev/null`` once turned the machine's /dev/null into a file);
- a symbolic link: the file it points to, as above; the link stays.

A bad path (a missing folder, a folder instead of a file, no permission, a full disk) is an
:class:`kg.errors.InputError` naming the file and what to do. :func:`check` says so before any work starts,
so a command that writes the store checks its output paths first. A reader that closes the pipe early
(``glamkg export | head -1``) raises :class:`BrokenPipeError`, which the command line ends quietly.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from kg.errors import InputError, file_kind
from kg.i18n import _

STDOUT = "-"


class OutputClosed(Exception):
    """The reader of standard output went away (``glamkg export | head -1``): not an error, the end.

    Not an :class:`OSError`, so that nothing on the way (click turns a broken pipe into exit code 1) mistakes
    it for a failure; the command line ends quietly with exit code 0."""


def _resolved(path: str | Path) -> Path:
    """The path written: a symbolic link's target (the link itself stays)."""
    p = Path(path)
    return Path(os.path.realpath(p)) if p.is_symlink() else p


def is_stdout(path: str | Path) -> bool:
    return str(path) == STDOUT


def is_stream(path: str | Path) -> bool:
    """True for a character device, FIFO or socket: written directly, never replaced."""
    try:
        mode = os.stat(_resolved(path)).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def check(path: str | Path, *, what: str = "output file") -> None:
    """Raise :class:`InputError` now if ``path`` cannot be written (before any other work is done)."""
    if is_stdout(path) or is_stream(path):
        return
    p = _resolved(path)
    if p.is_dir():
        raise InputError(_("{what} {path} is a directory: give a file name").format(what=file_kind(what), path=p))
    parent = p.parent
    if not parent.is_dir():
        raise InputError(_("cannot write {what} {path}: the directory {parent} does not exist; create it or choose "
                           "another file").format(what=file_kind(what), path=p, parent=parent))
    if not os.access(parent, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise InputError(_("cannot write {what} {path}: permission denied; choose a file in a writable "
                           "directory").format(
            what=file_kind(what), path=p))


@contextlib.contextmanager
def opened(path: str | Path, *, what: str = "output file") -> Iterator[IO[bytes]]:
    """A binary stream for ``path`` (see the module's table); the content lands only if the block succeeds."""
    if is_stdout(path):
        try:
            sys.stdout.flush()
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise OutputClosed from None
        return
    check(path, what=what)
    p = _resolved(path)
    if is_stream(p):
        try:
            fh = open(p, "wb")  # noqa: SIM115  (closed below, errors located)
        except OSError as e:
            raise _located(e, p, what) from None
        with fh:
            yield fh
        return
    old = p.stat() if p.exists() else None
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            yield fh
        if old is not None:
            _keep_mode_and_owner(tmp, old)
        tmp.replace(p)
    except BrokenPipeError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise _located(e, p, what) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_with(path: str | Path, write: Callable[[Path], object], *, what: str = "output file") -> None:
    """For writers that need a file name (Parquet, a store dump): ``write(tmp)``, then into ``path`` as
    :func:`opened` writes it (renamed over a regular file; copied into standard output or a stream)."""
    if is_stdout(path) or is_stream(path):
        with tempfile.TemporaryDirectory(prefix="glamkg-out-") as d:
            tmp = Path(d) / "out"
            write(tmp)
            with open(tmp, "rb") as src, opened(path, what=what) as dst:
                shutil.copyfileobj(src, dst)
        return
    check(path, what=what)
    p = _resolved(path)
    old = p.stat() if p.exists() else None
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        if old is not None:
            _keep_mode_and_owner(tmp, old)
        tmp.replace(p)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise _located(e, p, what) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str, *, what: str = "output file") -> None:
    write_bytes(path, text.encode("utf-8"), what=what)


def write_bytes(path: str | Path, data: bytes, *, what: str = "output file") -> None:
    with opened(path, what=what) as fh:
        fh.write(data)


def _keep_mode_and_owner(tmp: Path, old: os.stat_result) -> None:
    os.chmod(tmp, stat.S_IMODE(old.st_mode))
    if hasattr(os, "chown"):
        with contextlib.suppress(PermissionError):
            os.chown(tmp, old.st_uid, old.st_gid)


def _located(e: OSError, p: Path, what: str) -> InputError:
    reason = e.strerror or str(e)
    return InputError(_("cannot write {what} {path}: {reason}; choose a file in an existing, writable "
                        "directory").format(
        what=file_kind(what), path=p, reason=reason))

"""Output files the user names (``--output``, ``--plan-out``, ``--report``): written whole, or a clear error.

A bad path (a missing directory, a directory instead of a file, no permission, a full disk) becomes an
:class:`kg.errors.InputError` naming the file and what to do, not a traceback. The text is written to a
temporary file beside the target and renamed over it, so a failed write never leaves half a file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from kg.errors import InputError


def write_with(path: str | Path, write: Callable[[Path], object], *, what: str = "output file") -> None:
    """Call ``write(tmp)`` for a temporary path beside ``path``, then rename it to ``path``."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{what} {p} is a directory: give a file name")
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        tmp.replace(p)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        reason = e.strerror or str(e)
        raise InputError(
            f"cannot write {what} {p}: {reason}; choose a file in an existing, writable directory"
        ) from None


def write_text(path: str | Path, text: str, *, what: str = "output file") -> None:
    write_with(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), what=what)

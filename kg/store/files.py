"""File and terminal helpers of the store: dump formats, (gzipped) dump files read with byte progress, and
the rich progress bar of long writes. Used by :mod:`kg.store`."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.errors import InputError

FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE}


def dump_format(p: Path, format: str | None) -> ox.RdfFormat:
    """The RDF format of a dump: ``format`` (``nt``/``ttl``) when given, else from the file name."""
    if format is not None:
        if format not in FORMATS:
            raise InputError(f"dump format must be one of {', '.join(FORMATS)}, found {format!r}")
        return FORMATS[format]
    suffixes = [s.lower() for s in p.suffixes if s.lower() != ".gz"]
    ext = suffixes[-1].lstrip(".") if suffixes else ""
    if ext in FORMATS:
        return FORMATS[ext]
    raise InputError(
        f"{p}: cannot tell the format from the name; expected .nt or .ttl (optionally .gz), or pass format="
    )


def open_dump(p: Path) -> IO[bytes]:
    """A binary reader of the dump, decompressing ``.gz``."""
    if p.suffix == ".gz":
        return gzip.open(p, "rb")  # type: ignore[return-value]
    return p.open("rb")


class CountingReader:
    """A binary reader that reports how many (compressed) bytes were consumed."""

    def __init__(self, fh: IO[bytes], advance: Callable[[int], None]) -> None:
        self.fh = fh
        self.advance = advance
        raw = getattr(fh, "fileobj", None)
        self._raw = raw if raw is not None else fh
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        try:
            pos = self._raw.tell()
        except (OSError, ValueError):
            pos = self._pos + len(data)
        if pos > self._pos:
            self.advance(pos - self._pos)
            self._pos = pos
        return data

    def readable(self) -> bool:
        return True


class progress_bar:
    """A rich progress bar when ``enabled``; the context value is ``advance(n)``."""

    def __init__(self, enabled: bool, what: str, total: int | None) -> None:
        self.enabled = enabled
        self.what = what
        self.total = total
        self._bar: Any = None

    def __enter__(self) -> Callable[[int], None]:
        if not self.enabled:
            return lambda n: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self._bar.__enter__()
        task = self._bar.add_task(self.what, total=self.total)
        bar = self._bar
        return lambda n: bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

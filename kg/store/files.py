"""Dump files of the store: formats, and (gzipped) dump files read with byte progress. Used by :mod:`kg.store`.

Progress is reported through a callback (``advance(n)``); drawing it is the command line's business."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from kg.errors import InputError
from kg.i18n import _

FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE}


def dump_format(p: Path, format: str | None) -> ox.RdfFormat:
    """The RDF format of a dump: ``format`` (``nt``/``ttl``) when given, else from the file name."""
    if format is not None:
        if format not in FORMATS:
            raise InputError(_("dump format must be one of {formats}, found {found}").format(
                formats=", ".join(FORMATS), found=repr(format)))
        return FORMATS[format]
    suffixes = [s.lower() for s in p.suffixes if s.lower() != ".gz"]
    ext = suffixes[-1].lstrip(".") if suffixes else ""
    if ext in FORMATS:
        return FORMATS[ext]
    raise InputError(
        _("{path}: cannot tell the format from the name; expected .nt or .ttl (optionally .gz), or pass "
          "format=").format(path=p)
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

"""How long work tells how far it has got: one protocol for every part, drawn only by the command line.

Library code takes ``progress: Progress | None``: :meth:`Progress.phase` when a named step starts (with the
units it will count, 0 when unknown) and :meth:`Progress.advance` as units finish. Code that only counts
takes the bound method, an :data:`Advance`. The command line passes :class:`kg.cli.progress.ProgressBar`,
which implements both; :data:`SILENT` does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

#: ``advance(n)``: n more units are done (the :meth:`Progress.advance` of a progress).
Advance = Callable[[int], None]


class Progress(Protocol):
    """What a long piece of work reports: the phase it is in, and units done."""

    def phase(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class _Silent:
    def phase(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


#: A progress that shows nothing (the default of library functions).
SILENT: Progress = _Silent()

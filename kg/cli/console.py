"""Where the command line speaks: standard output for results, standard error for everything else.

Library code below :mod:`kg.cli` never prints: it logs (``logging.getLogger(__name__)``), and
:func:`show_messages` routes the ``kg`` loggers to :data:`err` as one plain line each, so a wait on a remote
server (``HTTP 429 ...; waiting 3 s (Retry-After)``) or a store that is read again shows up on stderr, above
any progress bar, the same way in every command. ``glamkg --quiet`` (or a command's own ``--quiet``) keeps
only errors: the commands' own warnings go through :func:`warn`, which :func:`quiet` silences too.

Every command prints through a console of :func:`make` (:data:`out` and :data:`err` are two): in a terminal it
is as wide as the terminal; when its output is not a terminal (a pipe, a file, CI) it is :data:`WIDE` columns
wide, so a table's ids and paths are not split at rich's default of 80; ``COLUMNS`` set in the environment wins
over both. Its lines are soft-wrapped: a long line (a path, a message naming one) is written as one line and
left to the terminal to fold, never broken by rich.
"""

from __future__ import annotations

import logging
from typing import Any

from rich.console import Console, ConsoleDimensions

from kg import config
from kg.i18n import _

#: The width of a console whose output is not a terminal (and no ``COLUMNS``): tables as wide as their contents.
WIDE = 1000


class _Console(Console):
    """A rich console that is :data:`WIDE` when its file is not a terminal, unless ``COLUMNS`` says a width (read
    when it prints: a test or a wrapper may set it after the console was made)."""

    def __init__(self, *, width: int | None = None, **options: Any) -> None:
        super().__init__(width=width, **options)
        self._width = width  # rich would keep COLUMNS as it was when the console was made

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self._width is not None or (config.setting("columns") or "").strip().isdigit():
            return size
        isatty = getattr(self.file, "isatty", None)
        try:
            tty = bool(isatty()) if callable(isatty) else False
        except (ValueError, OSError):  # a closed file
            tty = False
        return size if tty else ConsoleDimensions(WIDE, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


def make(*, stderr: bool = False, width: int | None = None, soft_wrap: bool = True) -> Console:
    """The console every command prints through (standard output, or standard error with ``stderr``): the
    terminal's width, :data:`WIDE` off a terminal, ``COLUMNS`` when set, or ``width``; long lines soft-wrapped."""
    return _Console(stderr=stderr, width=width, soft_wrap=soft_wrap)


out = make()
err = make(stderr=True)

# C0 controls but tab and newline, DEL, and C1 controls: in a terminal they move the cursor, change colours or
# the window title (ESC ] 0 ; ... BEL), so text from data (labels, a server's answer) never reaches it raw.
_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]}


def printable(text: object) -> str:
    """``text`` with its control characters written as ``\x1b`` (escapes from data shown, never obeyed)."""
    return str(text).translate(_CONTROL)


class ConsoleHandler(logging.Handler):
    """A log record -> one line on :data:`err` (rich markup off: messages carry URLs and user text)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            err.print(printable(self.format(record)), markup=False, highlight=False, soft_wrap=True)
        except Exception:  # a broken stderr must not turn a message into a crash
            self.handleError(record)


def show_messages(*, quiet: bool = False) -> None:
    """Show the library's messages on stderr: warnings and up, or only errors when ``quiet``."""
    logger = logging.getLogger("kg")
    if not any(isinstance(h, ConsoleHandler) for h in logger.handlers):
        logger.addHandler(ConsoleHandler())
        logger.propagate = False
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)


def quiet() -> bool:
    """True when only errors are shown: ``glamkg --quiet`` (or a command's own ``--quiet``) was given."""
    return logging.getLogger("kg").level >= logging.ERROR


def notice(text: str, **options: Any) -> None:
    """A notice on :data:`err` (what was written where, a note), unless :func:`quiet`: ``-q`` leaves errors only."""
    if not quiet():
        err.print(text, **options)


def warn(text: str) -> None:
    """A warning on :data:`err` (the work goes on: a notice), unless :func:`quiet`."""
    if not quiet():
        err.print("[yellow]" + _("warning:") + f"[/] {text}", highlight=False)

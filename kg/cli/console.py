"""Where the command line speaks: standard output for results, standard error for everything else.

Library code below :mod:`kg.cli` never prints: it logs (``logging.getLogger(__name__)``), and
:func:`show_messages` routes the ``kg`` loggers to :data:`err` as one plain line each, so a wait on a remote
server (``HTTP 429 ...; waiting 3 s (Retry-After)``) or a store that is read again shows up on stderr, above
any progress bar, the same way in every command. ``glamkg --quiet`` (or a command's own ``--quiet``) keeps
only errors: the commands' own warnings go through :func:`warn`, which :func:`quiet` silences too.
"""

from __future__ import annotations

import logging

from rich.console import Console

from kg.i18n import _

out = Console()
err = Console(stderr=True)

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


def warn(text: str) -> None:
    """A warning on :data:`err` (the work goes on: a notice), unless :func:`quiet`."""
    if not quiet():
        err.print("[yellow]" + _("warning:") + f"[/] {text}", highlight=False)

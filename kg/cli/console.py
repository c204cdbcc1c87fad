"""Where the command line speaks: standard output for results, standard error for everything else.

Library code below :mod:`kg.cli` never prints: it logs (``logging.getLogger(__name__)``), and
:func:`show_messages` routes the ``kg`` loggers to :data:`err` as one plain line each, so a wait on a remote
server (``HTTP 429 ...; waiting 3 s (Retry-After)``) or a store that is read again shows up on stderr, above
any progress bar, the same way in every command. ``glamkg --quiet`` (or a command's own ``--quiet``) keeps
only errors.
"""

from __future__ import annotations

import logging

from rich.console import Console

out = Console()
err = Console(stderr=True)


class ConsoleHandler(logging.Handler):
    """A log record -> one line on :data:`err` (rich markup off: messages carry URLs and user text)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            err.print(self.format(record), markup=False, highlight=False, soft_wrap=True)
        except Exception:  # a broken stderr must not turn a message into a crash
            self.handleError(record)


def show_messages(*, quiet: bool = False) -> None:
    """Show the library's messages on stderr: warnings and up, or only errors when ``quiet``."""
    logger = logging.getLogger("kg")
    if not any(isinstance(h, ConsoleHandler) for h in logger.handlers):
        logger.addHandler(ConsoleHandler())
        logger.propagate = False
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)

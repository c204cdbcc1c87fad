"""A watchdog for work the engine cannot be asked to stop: a query on the local store.

Oxigraph evaluates a query in Rust and offers no timeout; a query whose patterns share no variable (a cartesian
product) can build its join in memory for minutes before it writes a single row, until the machine runs out of
memory. The answer writer stops a query that streams too long or too much (:mod:`kg.query.results`); this
watchdog covers the rest for the command line: a thread that looks at the time and at the process's resident
memory every fraction of a second and, past ``query_timeout`` seconds or ``query_memory_mb`` MiB, prints one
error line and ends the process with exit code 2. Ending the process is safe: the store is open read-only.
The dashboard does not use it (it would end the server); see docs/notes.md.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator

from kg import config
from kg.i18n import _

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int:
    """The process's resident memory (Linux ``/proc/self/statm``; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


@contextlib.contextmanager
def guard(what: str = "", *, seconds: float | None = None, max_bytes: int | None = None) -> Iterator[None]:
    """Run the block under the watchdog (limits from the settings unless given)."""
    limit_s = seconds if seconds is not None else config.number("query_timeout")
    limit_b = max_bytes if max_bytes is not None else int(config.number("query_memory_mb") * 2**20)
    done = threading.Event()
    start = time.monotonic()
    # the messages are made here: the watching thread does not see the language chosen in this one
    stopped = _("error: {what} was stopped: {why}; is a pattern joined with everything (a cartesian product)? "
                "Add a selective pattern or a LIMIT, or raise the limit.").format(
                    what=what or _("the query"), why="{why}")
    too_long = _("it ran longer than {seconds} s (${setting})").format(
        seconds=f"{limit_s:g}", setting=config.env_name("query_timeout"))
    too_big = _("it needed more than {mib} MiB of memory (${setting})").format(
        mib=limit_b // 2**20, setting=config.env_name("query_memory_mb"))

    def watch() -> None:
        while not done.wait(0.2):
            why = ""
            if time.monotonic() - start > limit_s:
                why = too_long
            elif resident_bytes() > limit_b:
                why = too_big
            if why and not done.is_set():
                sys.stderr.write(stopped.replace("{why}", why) + "\n")
                sys.stderr.flush()
                os._exit(2)

    thread = threading.Thread(target=watch, name="glamkg-watchdog", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()

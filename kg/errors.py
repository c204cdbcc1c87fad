"""The exceptions glamkg raises for things a user can fix.

Inside the package, code raises narrow exceptions with the facts (what, where, expected, found, hint);
the edges (CLI, dashboard) turn them into one clear message. Every class here subclasses a Python
built-in so callers can catch ``ValueError``/``OSError`` as usual.
"""

from __future__ import annotations

import os
from pathlib import Path


class GlamkgError(Exception):
    """Base class: the message is meant for the user, as is."""

    exit_code = 1


class InputError(GlamkgError, ValueError):
    """Bad user input (a file, a row, a parameter)."""

    exit_code = 2


class EntityError(InputError):
    """An entity (JSON) that cannot be converted or stored.

    Carries the entity id and property id so messages can name them.
    """

    def __init__(self, message: str, *, entity: str | None = None, prop: str | None = None) -> None:
        self.entity = entity
        self.prop = prop
        where = []
        if entity:
            where.append(f"entity {entity}")
        if prop:
            where.append(f"property {prop}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class StoreError(GlamkgError, OSError):
    """The store cannot be opened, is locked, or is read-only."""

    exit_code = 3


class RemoteError(GlamkgError, OSError):
    """A remote endpoint or Wikibase answered with an error, or did not answer.

    ``status`` is the HTTP status when there was an answer, ``retry_after`` the seconds the server asked the
    client to wait (from ``Retry-After``), and ``url`` the address asked, credentials removed. Callers that
    page or resume (imports, Wikibase writes) branch on these instead of parsing the message.
    """

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        url: str | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        self.url = url
        super().__init__(message)


MAX_TEXT_BYTES = 256 * 2**20  # the largest text file read whole (JSON, YAML, SPARQL): 256 MiB


def read_text(path: str | os.PathLike[str], what: str = "file", *, limit: int = MAX_TEXT_BYTES) -> str:
    """A user's text file as UTF-8 text, or an :class:`InputError` naming the file and saying why not.

    ``what`` names the file in messages (``the mapping file``): a missing file, a folder, a device (``/dev/zero``
    never ends), a file larger than ``limit`` bytes, an unreadable one, and text in another encoding (the byte and
    its offset, and how to fix it) are all located errors. Pipes (``<(...)``) are read up to ``limit`` bytes.
    """
    import stat

    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p} is a directory: expected {what}")
    try:
        mode = p.stat().st_mode
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            raise InputError(f"{p} is a device, not a file: expected {what}")
        with open(p, "rb") as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise InputError(
                f"{p}: larger than {limit // 2**20} MiB, the most glamkg reads as {what}; is this the right file?"
            )
        return data.decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{p}: no such file (expected {what})") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read {what}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise InputError(
            f"{p}: expected UTF-8 text, found byte {e.object[e.start]:#04x} at offset {e.start}; "
            f"save {what} as UTF-8"
        ) from None


class Incomplete(GlamkgError):
    """The command ran, but some of the items it was asked to write were not written (each was reported with
    its reason). Exit code 5, so that a script never takes a partial load for a complete one."""

    exit_code = 5

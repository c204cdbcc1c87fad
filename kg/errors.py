"""The exceptions glamkg raises for things a user can fix.

Inside the package, code raises narrow exceptions with the facts (what, where, expected, found, hint);
the edges (CLI, dashboard) turn them into one clear message. Every class here subclasses a Python
built-in so callers can catch ``ValueError``/``OSError`` as usual.
"""

from __future__ import annotations

import os
from pathlib import Path

from kg.i18n import N_, _


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
        if entity and prop:
            text = _("entity {entity}, property {prop}: {message}").format(entity=entity, prop=prop, message=message)
        elif entity:
            text = _("entity {entity}: {message}").format(entity=entity, message=message)
        elif prop:
            text = _("property {prop}: {message}").format(prop=prop, message=message)
        else:
            text = message
        super().__init__(text)


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


#: The kinds of file glamkg's commands read or write, as callers name them in ``what`` (:func:`read_text`,
#: :mod:`kg.outfile`): marked here for the catalogues, translated when a message names the file. A caller may
#: also pass a name it marked itself (``N_("a plan file")``) or one already translated.
FILE_KINDS = (
    N_("file"), N_("output file"), N_("export file"), N_("report"), N_("plan file"), N_("a plan file"),
    N_("review file"), N_("a review file (CSV)"), N_("QuickStatements file"), N_("provenance file"), N_("template"),
    N_("a mapping file (YAML)"), N_("a workbook mapping file (YAML)"), N_("impact report"), N_("entity JSON"),
    N_("a query file (.rq)"), N_("a SPARQL result file"),
)



def file_kind(what: str) -> str:
    """``what`` (a kind of file, :data:`FILE_KINDS`) in the current language; itself when no catalogue has it."""
    return _(what) if what else what


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
        raise InputError(_("{path} is a directory: expected {what}").format(path=p, what=file_kind(what)))
    try:
        mode = p.stat().st_mode
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            raise InputError(_("{path} is a device, not a file: expected {what}").format(path=p, what=file_kind(what)))
        with open(p, "rb") as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise InputError(
                _("{path}: larger than {mib} MiB, the most glamkg reads as {what}; is this the right file?").format(
                    path=p, mib=limit // 2**20, what=file_kind(what))
            )
        text = data.decode("utf-8")
        return text[1:] if text.startswith("\ufeff") else text  # a byte order mark (Notepad's UTF-8) is no text
    except FileNotFoundError:
        raise InputError(_("{path}: no such file (expected {what})").format(path=p, what=file_kind(what))) from None
    except OSError as e:
        raise InputError(
            _("{path}: cannot read {what}: {reason}").format(path=p, what=file_kind(what), reason=e.strerror or e)
        ) from None
    except UnicodeDecodeError as e:
        raise InputError(
            _("{path}: expected UTF-8 text, found byte {byte} at offset {offset}; save {what} as UTF-8").format(
                path=p, byte=f"{e.object[e.start]:#04x}", offset=e.start, what=file_kind(what))
        ) from None


class Incomplete(GlamkgError):
    """The command ran, but some of the items it was asked to write were not written (each was reported with
    its reason). Exit code 5, so that a script never takes a partial load for a complete one."""

    exit_code = 5

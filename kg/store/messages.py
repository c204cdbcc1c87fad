"""What the store says when it cannot do something: an engine's failure to open a store, a query it refuses,
as errors in the user's language (:mod:`kg.i18n`) that keep the engine's own words (RocksDB's, Oxigraph's).

Called only when something failed: nothing here runs on a path that succeeds.
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import InputError, StoreError
from kg.i18n import _


def one_line(error: BaseException) -> str:
    """An engine's message on one line (its type when it has none)."""
    return " ".join(str(error).split()) or type(error).__name__


def query_named(name: str | None, sparql: str) -> str:
    """How an error message names a query: its name, else the start of its text."""
    if name:
        return _("query {name}").format(name=name)
    text = " ".join(sparql.split())
    return _("the query `{start}`").format(start=text if len(text) <= 80 else text[:80] + "...")


def refused_query(error: SyntaxError | RuntimeError, name: str | None, sparql: str) -> InputError:
    """A query Oxigraph refused when it read (``SyntaxError``) or planned (``RuntimeError``) it."""
    if isinstance(error, SyntaxError):
        what = _("SPARQL syntax error in {query}: {error}")
    else:
        what = _("SPARQL evaluation failed for {query}: {error}")
    return InputError(what.format(query=query_named(name, sparql), error=one_line(error)))


def cannot_open(path: Path, error: OSError | RuntimeError) -> StoreError:
    """Why RocksDB did not open the store at ``path``: in use (its lock), damaged, or what it said."""
    text = str(error)
    if "lock" in text.lower():
        return StoreError(
            _("the store at {path} is in use: another process (a load or import still running?) or this one "
              "has it open for writing; wait for it to finish, or open it read-only").format(path=path)
        )
    if "corrupt" in text.lower():
        return StoreError(
            _("the store at {path} is damaged: its database files do not agree with each other (a disk error, "
              "a copy made while it was written, or files changed by hand). glamkg cannot read it. What to "
              "do: restore the folder from a backup; or, from an export made earlier, create a new store "
              "(`glamkg init --store NEW`, `glamkg import dump EXPORT.nt --store NEW`); or rebuild it from "
              "its sources (loads, imports). The database said: {said}").format(
                path=path, said=" ".join(text.split())[:300])
        )
    return StoreError(_("cannot open the store at {path}: {error}").format(path=path, error=text))

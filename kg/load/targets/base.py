"""The one write interface every load target implements.

A target is where a load writes: the embedded store (:mod:`kg.load.targets.store`), a QuickStatements file
(:mod:`kg.load.targets.quickstatements`), a Wikibase (:mod:`kg.load.targets.wikibase`). :mod:`kg.load` talks to all of
them through :class:`Target` only:

1. ``target.existing(ids)`` -> the current entity JSON of each id (None when the target does not have it).
   :mod:`kg.load` merges the spreadsheet's statements into it and builds a :class:`kg.load.plan.Plan`
   (``create`` / ``update`` / ``unchanged`` per item; ``add`` / ``change`` / ``remove`` / ``unchanged`` per
   statement and term).
2. ``target.apply(plan, progress=...)`` writes the plan and returns a :class:`WriteReport`.

Rules for implementers:

* ``existing`` never writes and may be called more than once; ids are validated Q-ids (``kg.model.ids``). Ids the
  target cannot know (for example local-only ids, :func:`kg.model.ids.is_local`, on Wikidata) map to None.
  Entity JSON is in Wikibase API shape (``labels``, ``descriptions``, ``aliases``, ``claims`` with
  statement ``id``, ``mainsnak``, ``qualifiers``, ``references``, ``rank``).
* ``apply`` writes every item whose action is not ``unchanged`` (``plan.to_write()``), either the whole
  ``item.entity`` or the edits in ``item.statements`` / ``item.terms``; it calls ``progress(n)`` after every
  ``n`` items it has finished (written or skipped), and reports ``unchanged`` items as unchanged.
* Items a target cannot write (e.g. local-only items on QuickStatements) go to ``WriteReport.skipped`` with a
  reason: reported, never silently dropped.
* Errors: raise :class:`kg.errors.StoreError` (store) / :class:`kg.errors.RemoteError` (remote) /
  :class:`kg.errors.InputError`; never a bare exception for something the user can fix.
* ``apply`` on the store is all-or-nothing. Remote targets cannot be transactional; they must be safe to
  re-run (resume without duplicates) and say in ``WriteReport.id_map`` which new ids they created.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from kg.load.plan import Plan
from kg.progress import Advance
from kg.store.report import WriteReport

#: Progress callback of a target: the number of plan items just finished (written, skipped or unchanged).
ProgressFn = Advance


def no_progress(n: int) -> None:
    """The default progress callback: does nothing."""


@runtime_checkable
class Target(Protocol):
    """A place a load writes to. See the module docstring for the rules."""

    #: short name used on the command line (``--target NAME``) and in reports.
    name: str

    def existing(self, ids: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        """Current entity JSON (API shape) for each id; None for ids the target does not have."""
        ...

    def apply(self, plan: Plan, *, progress: ProgressFn | None = None) -> WriteReport:
        """Write ``plan`` (items with action create/update); return what was done."""
        ...


def report_unchanged(plan: Plan, report: WriteReport, progress: ProgressFn | None = None) -> None:
    """Helper for implementers: list the plan's unchanged items in ``report`` and count them as progress."""
    ids = [it.id for it in plan.items if it.action == "unchanged"]
    report.unchanged.extend(ids)
    if progress and ids:
        progress(len(ids))

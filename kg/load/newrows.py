"""The new rows of a sheet load, kept as columns for the store target's column-wise write (kg.rdf.columns).

A row the reconciler minted a new id for becomes a *deferred* plan item (:meth:`kg.load.plan.PlanItem.deferred`):
its entity JSON is built only if something asks for it (a saved plan, a preview, another target), and the store
target writes all of them from :class:`kg.rdf.columns.NewItems` instead, without entity JSON. The values are
still checked while planning (:func:`kg.rdf.columns.check`: every distinct value converted once), so a row the
per-entity path would refuse is a located problem before anything is written.

When the rows have a shape the column path does not write (``kg.rdf.columns.Unsupported``: unknown or no values,
a datatype not known), :meth:`NewRows.finish` plans them as before (entity JSON, packed).
"""

from __future__ import annotations

import functools
from typing import Any

from kg.errors import EntityError, InputError
from kg.load.mapping import MappedRow
from kg.load.plan import PlanItem, plan_item
from kg.load.problems import Problem
from kg.load.reconcile import Match
from kg.rdf import columns

Json = dict[str, Any]


def _label(row: MappedRow) -> str:
    """The plan item's label as :func:`kg.load.plan.plan_item` takes it from the entity JSON."""
    text = row.labels.get("en")
    if text is None:
        text = next(iter(row.labels.values()), "")
    return " ".join(text.split())


class NewRows:
    """Rows planned as deferred items (their index in the plan's items), turned into columns at the end."""

    def __init__(self, kind: str, refs: list[Json], file: str, make: Any) -> None:
        self.kind, self.refs, self.file = kind, refs, file
        self.make = make  # (row, match, kind, refs) -> entity JSON: kg.load.pipeline.entity_for
        self.rows: list[tuple[int, MappedRow, Match]] = []

    def add(self, index: int, row: MappedRow, match: Match) -> PlanItem:
        """Keep ``row`` (the plan's item ``index``) and give its deferred plan item."""
        self.rows.append((index, row, match))
        make = functools.partial(self.make, row, match, self.kind, self.refs)
        return PlanItem.deferred(str(match.id), self.kind, _label(row), make, len(row.claims), [match.row], match.how)

    def finish(self, items: list[PlanItem], problems: list[Problem]) -> columns.NewItems | None:
        """The rows as columns, checked (problems appended, located at their row); None when there are none, or
        when their shape is not one the column path writes: then their items are planned from entity JSON here."""
        if not self.rows:
            return None
        new = self.columns()
        try:
            found = columns.check(new)
        except columns.Unsupported:
            self._plan_each(items, problems)
            return None
        for i, message in found:
            row = self.rows[i][1].number
            problems.append(Problem(self.file, row, None, "a row that converts to an entity", "an error", message))
        return new

    def columns(self) -> columns.NewItems:
        n = len(self.rows)
        new = columns.NewItems(ids=[str(m.id) for _, _, m in self.rows], references=list(self.refs))

        def column(table: dict[Any, list[Any]], key: Any) -> list[Any]:
            got = table.get(key)
            if got is None:
                got = table[key] = [None] * n
            return got

        for i, (_, row, _) in enumerate(self.rows):
            for lang, text in row.labels.items():
                column(new.labels, lang)[i] = text
            for lang, text in row.descriptions.items():
                column(new.descriptions, lang)[i] = text
            for lang, texts in row.aliases.items():
                column(new.aliases, lang)[i] = list(texts)
            for c in row.claims:
                values = column(new.claims, c.pid)
                got = values[i]
                if got is None:
                    values[i] = [c.value]
                else:
                    got.append(c.value)
        return new

    def _plan_each(self, items: list[PlanItem], problems: list[Problem]) -> None:
        """The per-entity planning of the kept rows (entity JSON built now, packed)."""
        for index, row, m in self.rows:
            try:
                entity = self.make(row, m, self.kind, self.refs)
            except (EntityError, InputError) as e:
                problems.append(Problem(self.file, m.row, None, "a row that converts to an entity", "an error", str(e)))
                continue
            items[index] = plan_item(entity, None, kind=self.kind, rows=[m.row], match=m.how)

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
from kg.i18n import _
from kg.load.mapping import MappedRow, MappedValue
from kg.load.plan import PlanItem, plan_item
from kg.load.problems import Problem
from kg.load.reconcile import Match
from kg.rdf import columns

Json = dict[str, Any]
Order = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _label(row: MappedRow) -> str:
    """The plan item's label as :func:`kg.load.plan.plan_item` takes it from the entity JSON."""
    text = row.labels.get("en")
    if text is None:
        text = next(iter(row.labels.values()), "")
    return " ".join(text.split())


class NewRows:
    """Rows planned as deferred items, appended to columns as they come (the rows themselves are not kept)."""

    def __init__(self, kind: str, refs: list[Json], file: str, make: Any, *, keep_all: bool = False) -> None:
        self.kind, self.refs, self.file = kind, refs, file
        self.make = make  # (row, match, kind, refs) -> entity JSON: kg.load.pipeline.entity_for
        # ``keep_all``: every value kept converted by the check for the write (a chunk of a streamed load,
        # kg.load.stream: a few thousand rows), not only the shared ones
        self.keep_all = keep_all
        self.new = columns.NewItems(ids=[], references=list(refs))
        self.matches: list[tuple[int, Match]] = []  # (index in the plan's items, match) per item
        #: per item the row's order of label, description and alias languages and of properties (shared tuples):
        #: the entity JSON's, so a saved plan is the same file as the per-entity path's
        self.orders: list[Order] = []
        self._orders: dict[Order, Order] = {}

    def add(self, index: int, row: MappedRow, match: Match) -> PlanItem:
        """Append ``row`` (the plan's item ``index``) to the columns and give its deferred plan item."""
        new, i = self.new, len(self.matches)
        self.matches.append((index, match))
        new.ids.append(str(match.id))
        for table, terms in ((new.labels, row.labels), (new.descriptions, row.descriptions)):
            for lang, text in terms.items():
                _column(table, lang, i).append(text)
        for lang, texts in row.aliases.items():
            _column(new.aliases, lang, i).append(list(texts))
        order = (tuple(row.labels), tuple(row.descriptions), tuple(row.aliases),
                 tuple(dict.fromkeys(c.pid for c in row.claims)))
        self.orders.append(self._orders.setdefault(order, order))
        for c in row.claims:
            values = _column(new.claims, c.pid, i)
            if len(values) == i:
                values.append(c.value)  # one value is kept bare (kg.rdf.columns.NewItems.claims)
            elif type(values[i]) is list:
                values[i].append(c.value)
            else:
                values[i] = [values[i], c.value]
        make = functools.partial(self.entity, i)
        return PlanItem.deferred(str(match.id), self.kind, _label(row), make, len(row.claims), [match.row], match.how)

    def row(self, i: int) -> MappedRow:
        """Item ``i`` as the mapped row it came from (terms as kept: whitespace collapsed once checked)."""
        new = self.new
        row = MappedRow(self.matches[i][1].row, new.ids[i])
        labels, descriptions, aliases, pids = self.orders[i]
        row.labels = {lang: new.labels[lang][i] for lang in labels}  # type: ignore[misc]
        row.descriptions = {lang: new.descriptions[lang][i] for lang in descriptions}  # type: ignore[misc]
        row.aliases = {lang: list(new.aliases[lang][i] or ()) for lang in aliases}
        row.claims = [MappedValue(pid, v, None) for pid in pids for v in columns.each(new.claims[pid][i])]
        return row

    def entity(self, i: int) -> Json:
        """The entity JSON of item ``i`` (a deferred plan item's, when asked for)."""
        return dict(self.make(self.row(i), self.matches[i][1], self.kind, self.refs))

    def finish(self, items: list[PlanItem], problems: list[Problem]) -> columns.NewItems | None:
        """The columns, checked (problems appended, located at their row); None when there are no rows, or when
        their shape is not one the column path writes: then their items are planned from entity JSON here."""
        n = len(self.matches)
        if not n:
            return None
        new = self.new
        for table in (new.labels, new.descriptions, new.aliases, new.claims):
            for col in table.values():
                col.extend([None] * (n - len(col)))
        try:
            found = columns.check(new, keep_all=self.keep_all)
        except columns.Unsupported:
            self._plan_each(items, problems)
            return None
        for i, message in found:
            row = self.matches[i][1].row
            problems.append(Problem(self.file, row, None, _("a row that converts to an entity"), _("an error"),
                                    message))
        return new

    def _plan_each(self, items: list[PlanItem], problems: list[Problem]) -> None:
        """The per-entity planning of the rows (entity JSON built now, packed)."""
        for i, (index, m) in enumerate(self.matches):
            try:
                entity = self.entity(i)
            except (EntityError, InputError) as e:
                problems.append(Problem(self.file, m.row, None, _("a row that converts to an entity"), _("an error"),
                                        str(e)))
                continue
            if index < len(items):  # after a problem no plan is made: the rows were added only to be checked
                items[index] = plan_item(entity, None, kind=self.kind, rows=[m.row], match=m.how)


def _column(table: dict[str, list[Any]], key: str, i: int) -> list[Any]:
    """The column ``key`` of ``table``, filled with None up to item ``i`` (exclusive)."""
    col = table.get(key)
    if col is None:
        col = table[key] = [None] * i
    elif len(col) < i:
        col.extend([None] * (i - len(col)))
    return col

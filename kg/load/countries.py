"""The load's check of country cells (``country``, ``P17``): an item known not to be a country is refused where
it is (file, row, column), before anything is written.

An item is known not to be a country when schemas/model.yaml names it as a class (``Q33506``, museum: a
``museum`` typed in the country column, or a column shifted by one), or when the store holds it as an instance of
glamkg's classes other than country and sovereign state (an institution, a partner, a partnership). A country of
``schemas/countries.csv`` is a country. An item that neither the schemas nor the store know is accepted as before:
glamkg cannot tell a country its table lacks (a former country, a new one, the item a user knows for it) from a
mistake, and refusing those would refuse good rows; ``glamkg gaps`` says that such an item is not counted.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from kg.i18n import _
from kg.load.mapping import MappedRow
from kg.load.problems import Problem
from kg.model.regions import country_records
from kg.model.schema import model
from kg.model.values import ItemRef

#: the model's classes of countries: an item of the store of one of these is a country
COUNTRY_CLASSES = ("country", "sovereign_state")


@functools.cache
def _known() -> tuple[frozenset[str], dict[str, str]]:
    """The Q-ids of schemas/countries.csv, and every class of schemas/model.yaml by Q-id (its key)."""
    return frozenset(r["qid"] for r in country_records()), {c.id: k for k, c in model().classes.items()}


def country_problems(rows: Sequence[MappedRow], *, file: str, classes: Mapping[str, set[str]] | None = None
                     ) -> list[Problem]:
    """A problem for each country value of ``rows`` that names an item known not to be a country (the module
    docstring); ``classes``: the store's items and their classes (``kg.load.reconcile.Index.classes``)."""
    countries, model_classes = _known()
    pid = model().prop("country").id
    country_ids = {c.id for k, c in model().classes.items() if k in COUNTRY_CLASSES}
    problems = []
    for row in rows:
        for claim in row.claims:
            if claim.pid != pid or not isinstance(claim.value, ItemRef) or claim.value.id in countries:
                continue
            qid = claim.value.id
            if qid in model_classes:
                what = _("{qid} (the class {name} of schemas/model.yaml)").format(qid=qid, name=model_classes[qid])
            else:
                of = (classes or {}).get(qid, set())
                if not of or of & country_ids:
                    continue  # not known, or a country by the store's classes: accepted
                names = ", ".join(sorted(model_classes.get(c, c) for c in of))
                what = _("{qid} (an item of the store, an instance of {classes})").format(qid=qid, classes=names)
            problems.append(Problem(
                file, row.number, claim.column or row.columns.get(pid) or "country",
                _("a country item (one of schemas/countries.csv, like Q55 for the Netherlands)"), what,
                _("write the country's Q-id, or check that the columns are not shifted (is this cell another "
                  "column's value?)")))
    return problems

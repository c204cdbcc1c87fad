"""The store's facts as they stood on a date: what a snapshot dated ``as_of`` may count.

A snapshot recomputed for an earlier date must not count what came later, in either of two senses:

- **valid time**: a partnership counts from its start time (P580), a contribution from its point in time (P585),
  an institution from its inception (P571) when one is known. An item without such a date (a start time loaded
  as "unknown", a Commons evidence item, an impact report's partnership) counts from its recorded date below,
  and always when it has none: a snapshot of today counts what ``glamkg gaps`` counts;
- **record time**: an item whose statements were *recorded* after the date (the ``retrieved`` date, P813, of the
  references of its instance-of statements: ``glamkg load`` writes the sheet's date there) is not counted either,
  even when its start lies before the date. This is the back-filling BaGLAMa over-counts: a partnership of 2019
  entered in 2024 is not in a snapshot dated 2021. Items without a recorded date count by their valid time alone.

Dates are compared at day precision; a year-precision value (``2020``) stands for its first day, as Wikidata's
RDF writes it (``2020-01-01T00:00:00Z``). :func:`restrict` gives the :class:`~kg.gaps.tables.Dataset` of the
date, so the counts and metrics of :mod:`kg.gaps.tables` and :mod:`kg.gaps.metrics` apply unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any

import pandas as pd

from kg.errors import InputError
from kg.gaps.tables import Dataset, _first, _pairs, _select, _short
from kg.i18n import _
from kg.model.schema import model

_DATE = re.compile(r"^([+-]?\d{1,})-(\d{2})-(\d{2})")


def parse_date(text: str) -> dt.date:
    """A snapshot's date: ``YYYY-MM-DD`` (also ``YYYY-MM`` or ``YYYY``, their first day)."""
    raw = str(text).strip()
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise InputError(_("--as-of: expected a date like 2024-06-30 (or 2024-06, 2024), found {date}").format(
        date=repr(raw)))


def day_number(values: pd.Series) -> pd.Series:
    """xsd:dateTime lexical forms -> comparable day numbers (year*10000 + month*100 + day; NaN when unparsable).
    Years before 1 and far-future years compare correctly; only the order matters."""
    parts = values.astype(str).str.extract(_DATE)
    year = pd.to_numeric(parts[0], errors="coerce")
    month = pd.to_numeric(parts[1], errors="coerce").clip(lower=1)
    day = pd.to_numeric(parts[2], errors="coerce").clip(lower=1)
    return year * 10000 + month * 100 + day


def day_of(date: dt.date) -> int:
    return date.year * 10000 + date.month * 100 + date.day


def dates(store: Any) -> dict[str, pd.Series]:
    """item -> day number of: ``start`` (P580), ``time`` (P585), ``inception`` (P571) and ``recorded`` (the
    earliest P813 of the references of the item's P31 statements)."""
    out: dict[str, pd.Series] = {}
    for name, key in (("start", "start_time"), ("time", "point_in_time"), ("inception", "inception")):
        first = _first(_pairs(store, key), name)
        out[name] = day_number(first)
    m = model()
    p31, p813 = m.prop("instance_of").id, m.prop("retrieved").id
    sparql = (
        "SELECT ?item ?value WHERE { ?item <http://www.wikidata.org/prop/" + p31 + "> ?st . "
        "?st <http://www.w3.org/ns/prov#wasDerivedFrom> ?ref . "
        "?ref <http://www.wikidata.org/prop/reference/" + p813 + "> ?value }"
    )
    rec = _select(store, sparql, ["item", "value"])
    rec["item"] = _short(rec["item"])
    rec["day"] = day_number(rec["value"])
    out["recorded"] = rec.groupby("item")["day"].min() if len(rec) else pd.Series(dtype=float)
    return out


def _known_by(ids: pd.Series, when: pd.Series, day: int, *, unknown: bool) -> pd.Series:
    """True where the item's date is on or before ``day``; ``unknown`` where the item has no date."""
    d = ids.map(when)
    return (d <= day) | (d.isna() & unknown)


def restrict(data: Dataset, when: dict[str, pd.Series], as_of: dt.date) -> Dataset:
    """The dataset as it stood on ``as_of`` (see the module's rules), from :func:`dates`."""
    day = day_of(as_of)
    recorded = when["recorded"]
    inst = data.institutions
    keep = _known_by(inst["item"], when["inception"], day, unknown=True)
    keep &= _known_by(inst["item"], recorded, day, unknown=True)
    inst = inst[keep.to_numpy()]
    ic = data.institution_countries[data.institution_countries["item"].isin(inst["item"])]
    ps = data.partnerships
    ok = _known_by(ps["item"], when["start"], day, unknown=True)
    ok &= _known_by(ps["item"], recorded, day, unknown=True)
    ps = ps[ok.to_numpy()]
    # an end after the date is not known yet on that date
    ends = ps["end_year"].where(ps["end_year"].isna() | (ps["end_year"] <= as_of.year))
    ps = ps.assign(end_year=ends.astype("Int64"))
    links = data.links[data.links["institution"].isin(inst["item"]) & data.links["partnership"].isin(ps["item"])]
    ps = ps[ps["item"].isin(links["partnership"])]
    contrib = data.contributions[data.contributions["partnership"].isin(ps["item"])]
    ok_c = _known_by(contrib["item"], when["time"], day, unknown=True)
    ok_c &= _known_by(contrib["item"], recorded, day, unknown=True)
    contrib = contrib[ok_c.to_numpy()]
    pl = data.partner_links[data.partner_links["partnership"].isin(ps["item"])]
    partners = data.partners[_known_by(data.partners["item"], recorded, day, unknown=True).to_numpy()]
    stats = {
        "institutions": len(inst),
        "partner organisations": len(partners),
        "partnerships": len(ps),
        "contributions": int(contrib["item"].nunique()),
    }
    return replace(
        data,
        institutions=inst,
        institution_countries=ic,
        partnerships=ps,
        links=links,
        partner_links=pl,
        partners=partners,
        contributions=contrib,
        stats=stats,
    )

"""Impact measures of the store: read once, the latest value per contribution, totals per country and group.

Definitions (docs/metrics.md, "Impact measures"):

- a **measure value** is a quantity (P1114) statement whose unit is a measure item of ``schemas/impact.yaml``,
  with a point in time (P585) qualifier: (contribution, measure, date, amount);
- the **value of a contribution** for a measure is its latest value at or before ``as_of`` (default: its latest);
- a **total** over institutions (a country, a group, the whole store) is the sum of their contributions' values
  for ``sum`` measures, and ``scale * total(a) / total(b)`` for ``ratio`` measures (never a sum of shares);
- **per institution**: the total divided by the group's institutions (every institution of the store there, not
  only those with a report); **per million**: divided by the population of the group's countries with a figure.

:func:`totals_sparql` is the SUM per measure and date, the cross-check of an import (``glamkg import impact``
prints it; the tests compare it with the file's totals).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from kg.model import regions
from kg.model.ids import entity_iri, item_id, try_id_from_iri
from kg.model.measures import measures
from kg.model.schema import model


def _pattern() -> str:
    """The graph pattern of a measure value: a quantity (P1114 in the model) with a point in time (P585)
    qualifier, its unit and amount. Property ids come from schemas/model.yaml; no user value reaches it."""
    m = model()
    q, t = m.prop("quantity").id, m.prop("point_in_time").id
    return (
        f"  ?statement <http://www.wikidata.org/prop/qualifier/{t}> ?date .\n"
        f"  ?item <http://www.wikidata.org/prop/{q}> ?statement .\n"
        f"  ?statement <http://www.wikidata.org/prop/statement/value/{q}> ?value .\n"
        "  ?value <http://wikiba.se/ontology#quantityUnit> ?unit ;\n"
        "         <http://wikiba.se/ontology#quantityAmount> ?amount .\n"
    )


def measures_sparql() -> str:
    """Every measure value: item, unit, amount, date."""
    return "SELECT ?item ?unit ?amount ?date WHERE {\n" + _pattern() + "}"


def totals_sparql() -> str:
    """The SUM of the measure values per unit and date: the cross-check of an import."""
    return (
        "SELECT ?unit ?date (SUM(?amount) AS ?total) (COUNT(?statement) AS ?values) WHERE {\n"
        + _pattern()
        + "}\nGROUP BY ?unit ?date"
    )


COLUMNS = ["item", "measure", "amount", "date"]


def read_measures(select: Any) -> pd.DataFrame:
    """Every measure value of the store: item (contribution id), measure (key), amount (float), date
    (``YYYY-MM-DD``). ``select(sparql, columns)`` runs a fixed query (:func:`kg.gaps.tables._select`)."""
    df = select(measures_sparql(), ["item", "unit", "amount", "date"])
    by_item = {m.item: m.key for m in measures().measures.values()}
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "amount" else object) for c in COLUMNS})
    df["item"] = [try_id_from_iri(v) or v for v in df["item"]]
    df["measure"] = [by_item.get(try_id_from_iri(v) or "") for v in df["unit"]]
    df = df[df["measure"].notna()].copy()
    df["amount"] = pd.to_numeric(df["amount"], errors="coerce")
    df["date"] = df["date"].str.slice(0, 10)
    return df[COLUMNS].reset_index(drop=True)


def totals_from_store(store: Any, items: list[str] | None = None) -> dict[tuple[str, str], Decimal]:
    """(measure, date) -> SUM of the store's values, by :func:`totals_sparql` (exact decimals); ``items``:
    only these contributions (ids, validated before they are bound in a VALUES block)."""
    inner = getattr(store, "inner", store)
    by_item = {m.item: m.key for m in measures().measures.values()}
    out: dict[tuple[str, str], Decimal] = {}
    sparql = totals_sparql()
    if items is not None:
        if not items:
            return out
        values = " ".join(f"<{entity_iri(item_id(i))}>" for i in items)
        sparql = sparql.replace("WHERE {\n", "WHERE {\n  VALUES ?item { " + values + " }\n", 1)
    for sol in inner.query(sparql):
        key = by_item.get(try_id_from_iri(sol["unit"].value) or "")
        if key is not None:
            out[(key, sol["date"].value[:10])] = Decimal(sol["total"].value)
    return out


def latest(values: pd.DataFrame, as_of: str | None = None) -> pd.DataFrame:
    """One row per (item, measure): the latest value at or before ``as_of`` (``YYYY-MM-DD``; None = latest)."""
    df = values if as_of is None else values[values["date"] <= as_of]
    return df.sort_values(["item", "measure", "date"]).drop_duplicates(["item", "measure"], keep="last")


def institution_values(data: Any, as_of: str | None = None) -> pd.DataFrame:
    """Per institution and measure: value (sum over its contributions' latest values), date (latest report
    date used), with the institution's iso2."""
    vals = latest(data.measures, as_of)
    if vals.empty:
        return pd.DataFrame(columns=["institution", "iso2", "measure", "value", "date"])
    c = data.contributions[["item", "partnership"]].drop_duplicates()
    v = vals.merge(c, on="item").merge(data.links, on="partnership")
    v = v.drop_duplicates(["item", "measure", "institution"])
    out = v.groupby(["institution", "measure"], as_index=False).agg(value=("amount", "sum"), date=("date", "max"))
    iso = data.institutions.set_index("item")["iso2"]
    out["iso2"] = out["institution"].map(iso).fillna("")
    return out


def _combine(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum measures by ``keys``; ratio measures recomputed from their summed components."""
    spec = measures()
    wide = frame.pivot_table(index=keys, columns="measure", values="value", aggfunc="sum")
    for m in spec.measures.values():
        if m.ratio is None:
            continue
        num, den, scale = m.ratio
        if num in wide.columns and den in wide.columns:
            with np.errstate(divide="ignore", invalid="ignore"):
                wide[m.key] = np.where(wide[den] > 0, scale * wide[num] / wide[den], np.nan)
        elif m.key in wide.columns:
            wide[m.key] = np.nan  # a share cannot be combined without its components
    return wide


def country_measures(data: Any, as_of: str | None = None) -> pd.DataFrame:
    """Per country (iso2): every measure's total (columns named by measure key)."""
    iv = institution_values(data, as_of)
    if iv.empty:
        return pd.DataFrame(columns=["iso2"])
    return _combine(iv, ["iso2"]).reset_index()


def impact_table(
    data: Any, *, by: str = "region", as_of: str | None = None, population: Any = None
) -> tuple[pd.DataFrame, list[str]]:
    """The Impact view: per group (``by`` a grouping of :mod:`kg.model.regions`, or ``institution``) every
    measure's total, ``<measure>_per_institution`` and ``<measure>_per_million`` (sum measures), the report
    dates used; and the report dates of the store (sorted)."""
    spec = measures()
    iv = institution_values(data, as_of)
    dates = sorted(set(data.measures["date"])) if not data.measures.empty else []
    if iv.empty:
        return pd.DataFrame(columns=["group"]), dates
    inst = data.institutions[["item", "label", "iso2"]]
    if by == "institution":
        iv["group"] = iv["institution"]
        wide = _combine(iv, ["group"]).reset_index()
        dates_used = iv.groupby("group")["date"].agg(lambda s: ", ".join(sorted(set(s))))
        wide["report_dates"] = wide["group"].map(dates_used)
        names = inst.set_index("item")
        wide.insert(1, "institution", wide["group"].map(names["label"]).fillna(""))
        wide.insert(2, "iso2", wide["group"].map(names["iso2"]).fillna(""))
        return wide, dates
    grouping = regions.grouping(by)
    iv["group"] = iv["iso2"].map(lambda c: grouping.group_of(c) if c else "(unknown country)")
    wide = _combine(iv, ["group"]).reset_index()
    dates_used = iv.groupby("group")["date"].agg(lambda s: ", ".join(sorted(set(s))))
    wide["report_dates"] = wide["group"].map(dates_used)
    counts = inst.assign(group=inst["iso2"].map(lambda c: grouping.group_of(c) if c else "(unknown country)"))
    n_inst = counts.groupby("group")["item"].nunique()
    reporting = iv.groupby("group")["institution"].nunique()
    wide.insert(1, "institutions", wide["group"].map(n_inst).fillna(0).astype("int64"))
    wide.insert(2, "reporting_institutions", wide["group"].map(reporting).fillna(0).astype("int64"))
    pop = None
    if population is not None:
        frame = population.frame()
        frame = frame[~frame["baseline_missing"]]
        frame = frame.assign(group=frame["iso2"].map(lambda c: grouping.group_of(c) if c else ""))
        pop = frame.groupby("group")["baseline"].sum()
        wide["population"] = wide["group"].map(pop)
    for m in spec.measures.values():
        if m.key not in wide.columns or m.aggregate != "sum":
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            wide[f"{m.key}_per_institution"] = np.where(
                wide["institutions"] > 0, wide[m.key] / wide["institutions"], np.nan
            )
            if pop is not None:
                pm = wide["population"].to_numpy(dtype=float) / 1e6
                wide[f"{m.key}_per_million"] = np.where(pm > 0, wide[m.key] / pm, np.nan)
    return wide, dates

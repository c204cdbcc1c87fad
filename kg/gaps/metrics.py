"""Regional gap metrics: where GLAM partnerships and contributions are missing.

Two layers (formulas and caveats in docs/metrics.md):

- fetching: :func:`fetch_counts` and :func:`fetch_years` run the saved queries ``queries/gaps_*.rq`` on a
  store and return per-country count frames (one row per country of ``schemas/countries.csv``);
- pure metrics that take those frames, so tests feed hand-built ones: :func:`group_table`,
  :func:`inequality`, :func:`trends`.

:func:`kg.gaps.tables.report` puts the store's facts and these metrics together for the CLI (``glamkg gaps``)
and the dashboard, from the one set of counts :mod:`kg.gaps.tables` computes; the saved queries here
(:func:`fetch_counts`) give the same counts (tested) and serve other engines::

    rep = gaps.report(store, by="region", baseline="population")
    rep.table        # one row per region: counts, coverage + Wilson interval, rates, representation index
    rep.inequality   # Gini and Theil (between + within = total) across countries
    rep.warnings     # countries without a baseline figure, countries the table does not know, ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kg.errors import InputError
from kg.gaps import baselines as bl
from kg.gaps import notes, stats
from kg.i18n import N_, _, ngettext
from kg.model import regions

COUNT_COLUMNS = ["institutions", "partnered_institutions", "partnerships", "contributions", "contributed_units"]
MIN_INSTITUTIONS = 30  # below this, coverage and rates per institution are flagged as small numbers
MIN_EXPECTED = 5.0  # below this expected count at parity, a representation index is flagged
UNDER, OVER = 0.8, 1.25  # representation index bands (symmetric on a log scale)
UNKNOWN = N_("(unknown country)")
BASELINES = ("institutions", "population")


# --- fetching ------------------------------------------------------------------------------------------


def run_saved(name: str, store: Any) -> pd.DataFrame:
    """Run the saved query ``queries/<name>.rq`` on the store (a kg.store.Store or a pyoxigraph.Store)."""
    from kg import query as kq
    return kq.run(name, store=store)


def _by_iso2(df: pd.DataFrame, columns: list[str], warnings: list[str], what: str) -> pd.DataFrame:
    """Query rows keyed by country QID -> summed per ISO alpha-2 ('' for items that are not known countries)."""
    if df.empty:
        return pd.DataFrame(columns=["iso2", *columns])
    out = df.copy()
    codes = out["country"].astype(str).map(lambda q: regions.resolve(q) or "")
    for q in sorted(set(out.loc[codes == "", "country"].astype(str))):
        warnings.append(notes.note(N_("{what}: country item {item} is not in schemas/countries.csv; counted as "
                                      "{unknown}"), what=notes.note(what), item=q, unknown=notes.note(UNKNOWN)))
    out["iso2"] = codes
    for c in columns:
        out[c] = pd.to_numeric(out[c], errors="coerce").fillna(0)
    return out.groupby("iso2", as_index=False, sort=False)[columns].sum()


def _full_rows(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Every country of the table (plus an unknown-country row when needed), zeros where no counts."""
    base = regions.countries()[["iso2", "name"]]
    merged = base
    for part in parts:
        merged = merged.merge(part, on="iso2", how="outer")
    merged["name"] = merged["name"].fillna(UNKNOWN)
    for c in COUNT_COLUMNS:
        if c not in merged.columns:
            merged[c] = 0
        merged[c] = merged[c].fillna(0)
    for c in COUNT_COLUMNS[:-1]:
        merged[c] = merged[c].astype("int64")
    merged["contributed_units"] = merged["contributed_units"].astype(float)
    known = merged["iso2"] != ""
    return pd.concat([merged[known], merged[~known]], ignore_index=True)[["iso2", "name", *COUNT_COLUMNS]]


def counts_frame(
    institutions: pd.DataFrame, partnerships: pd.DataFrame, contributions: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """Query results (keyed by country QID) -> one row per country: iso2, name, the COUNT_COLUMNS."""
    warnings: list[str] = []
    parts = [
        _by_iso2(institutions, ["institutions"], warnings, N_("institutions")),
        _by_iso2(partnerships, ["partnered_institutions", "partnerships"], warnings, N_("partnerships")),
        _by_iso2(contributions, ["contributions", "contributed_units"], warnings, N_("contributions")),
    ]
    return _full_rows(parts), sorted(set(warnings))


def fetch_counts(store: Any) -> tuple[pd.DataFrame, list[str]]:
    """Per-country counts from the store via the saved queries (see :func:`counts_frame`)."""
    return counts_frame(
        run_saved("gaps_institutions_by_country", store),
        run_saved("gaps_partnerships_by_country", store),
        run_saved("gaps_contributions_by_country", store),
    )


def fetch_years(store: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(partnerships by country, start year, end year), (contributions by country and year), keyed by iso2."""
    p = run_saved("gaps_partnerships_by_country_year", store)
    c = run_saved("gaps_contributions_by_country_year", store)
    for df in (p, c):
        if not df.empty:
            df["iso2"] = df["country"].astype(str).map(lambda q: regions.resolve(q) or "")
    if p.empty:
        p = pd.DataFrame(columns=["iso2", "start_year", "end_year", "partnerships"])
    if c.empty:
        c = pd.DataFrame(columns=["iso2", "year", "contributions", "contributed_units"])
    return p, c


# --- pure metrics ----------------------------------------------------------------------------------------


def _groups_for(iso2: pd.Series, grouping: regions.Grouping) -> pd.Series:
    return iso2.map(lambda c: grouping.group_of(c) if c else UNKNOWN)


def country_table(counts: pd.DataFrame, population: bl.Baseline, baseline: bl.Baseline) -> pd.DataFrame:
    """Counts with the population and the chosen baseline joined on iso2 (missing figures stay NaN)."""
    pop = population.frame().rename(columns={"baseline": "population", "baseline_missing": "population_missing"})
    base = baseline.frame()
    out = counts.merge(pop, on="iso2", how="left").merge(base, on="iso2", how="left")
    unknown = out["iso2"] == ""
    out.loc[unknown, "population_missing"] = True
    out.loc[unknown, "baseline_missing"] = True
    out["population_missing"] = out["population_missing"].astype(bool)
    out["baseline_missing"] = out["baseline_missing"].astype(bool)
    return out


def group_table(
    countries: pd.DataFrame,
    grouping: regions.Grouping,
    *,
    baseline_name: str = "institutions",
    min_institutions: int = MIN_INSTITUTIONS,
    min_expected: float = MIN_EXPECTED,
    reference: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """One row per group (every group of the grouping, even empty ones) from a :func:`country_table`.

    ``reference``: partnerships and contributions per baseline unit of a reference group
    (:func:`reference_rates`, e.g. the whole world when the table is of a filtered selection); the
    representation index and the partnerships expected at parity are then relative to it, not to the
    table's own total (which makes any selection look like parity with itself).

    Columns: group, countries, the COUNT_COLUMNS, coverage (+ coverage_low/high, 95% Wilson),
    partnerships/contributions per 100 institutions and per million inhabitants, baseline (sum of the
    known figures), baseline_missing_countries, partnership_share, baseline_share, expected_partnerships,
    ri_partnerships, ri_contributions, small_numbers, caveats, status.
    """
    df = countries.copy()
    df["group"] = _groups_for(df["iso2"], grouping)
    order = list(grouping.names()) if grouping.name != "country" else list(df["group"])
    if (df["group"] == UNKNOWN).any() and UNKNOWN not in order:
        order.append(UNKNOWN)
    known_b = ~df["baseline_missing"]
    known_p = ~df["population_missing"]
    df["b_known"] = df["baseline"].where(known_b, 0.0)
    df["p_in_b"] = df["partnerships"].where(known_b, 0)
    df["c_in_b"] = df["contributions"].where(known_b, 0)
    df["pop_known"] = df["population"].where(known_p, 0.0)
    df["p_in_pop"] = df["partnerships"].where(known_p, 0)
    df["c_in_pop"] = df["contributions"].where(known_p, 0)
    df["b_missing"] = df["baseline_missing"].astype(int)
    agg = df.groupby("group", sort=False).agg(
        countries=("iso2", "size"),
        **{c: (c, "sum") for c in COUNT_COLUMNS},
        baseline=("b_known", "sum"),
        baseline_missing_countries=("b_missing", "sum"),
        p_in_b=("p_in_b", "sum"),
        c_in_b=("c_in_b", "sum"),
        population=("pop_known", "sum"),
        p_in_pop=("p_in_pop", "sum"),
        c_in_pop=("c_in_pop", "sum"),
    )
    agg = agg.reindex(order).fillna(0)
    agg.index.name = "group"
    t = agg.reset_index()
    for c in [*COUNT_COLUMNS[:-1], "countries", "baseline_missing_countries"]:
        t[c] = t[c].astype("int64")
    n = t["institutions"].to_numpy(dtype=float)
    k = t["partnered_institutions"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t["coverage"] = np.where(n > 0, k / n, np.nan)
        low, high = stats.wilson_interval(k, n)
        t["coverage_low"], t["coverage_high"] = low, high
        t["partnerships_per_100_institutions"] = np.where(n > 0, 100.0 * t["partnerships"] / n, np.nan)
        t["contributions_per_100_institutions"] = np.where(n > 0, 100.0 * t["contributions"] / n, np.nan)
        pop_m = t["population"].to_numpy(dtype=float) / 1e6
        t["partnerships_per_million"] = np.where(pop_m > 0, t["p_in_pop"] / pop_m, np.nan)
        t["contributions_per_million"] = np.where(pop_m > 0, t["c_in_pop"] / pop_m, np.nan)
        bsum = t["baseline"].sum()
        psum, csum = t["p_in_b"].sum(), t["c_in_b"].sum()
        t["baseline_share"] = t["baseline"] / bsum if bsum > 0 else np.nan
        t["partnership_share"] = t["p_in_b"] / psum if psum > 0 else np.nan
        t["contribution_share"] = t["c_in_b"] / csum if csum > 0 else np.nan
        t["expected_partnerships"] = psum * t["baseline_share"]
        bs = t["baseline_share"].to_numpy(dtype=float)
        t["ri_partnerships"] = np.where(bs > 0, t["partnership_share"] / bs, np.nan)
        t["ri_contributions"] = np.where(bs > 0, t["contribution_share"] / bs, np.nan)
        if reference is not None:
            ref_p, ref_c = reference
            b = t["baseline"].to_numpy(dtype=float)
            t["expected_partnerships"] = ref_p * b
            t["ri_partnerships"] = np.where((b > 0) & (ref_p > 0), t["p_in_b"] / (b * ref_p), np.nan)
            t["ri_contributions"] = np.where((b > 0) & (ref_c > 0), t["c_in_b"] / (b * ref_c), np.nan)
    reasons = []
    for n_inst, expected, missing, n_countries in zip(
        t["institutions"].tolist(),
        t["expected_partnerships"].tolist(),
        t["baseline_missing_countries"].tolist(),
        t["countries"].tolist(),
        strict=True,
    ):
        r = []
        if n_inst < min_institutions:
            r.append(notes.said(_few_institutions, n=min_institutions))
        if not expected >= min_expected:
            r.append(notes.said(_few_expected, n=min_expected))
        if missing:
            r.append(notes.said(_no_figure, baseline=baseline_name, missing=int(missing), countries=int(n_countries)))
        reasons.append(notes.joined(r))
    t["caveats"] = pd.Series(reasons, index=t.index, dtype=object)  # notes (kg.gaps.notes), not plain str
    if "measure" in df.columns:
        _measure_columns(t, df, order)
    t["small_numbers"] = (t["institutions"] < min_institutions) | ~(t["expected_partnerships"] >= min_expected)
    t["status"] = [_status(ri, small) for ri, small in zip(t["ri_partnerships"], t["small_numbers"], strict=True)]
    t.insert(1, "baseline_name", baseline_name)
    t = t.drop(columns=["p_in_b", "c_in_b", "p_in_pop", "c_in_pop"])
    if grouping.name == "country":  # name the countries and say where they are
        info = regions.countries()[["iso2", "name", "region", "subregion"]].rename(columns={"iso2": "group"})
        t = t.merge(info, on="group", how="left")
        t["name"] = t["name"].fillna(UNKNOWN)
        front = ["group", "name", "region", "subregion"]
        t = t[front + [c for c in t.columns if c not in front]]
    return t


# The caveats of a group (kept in English in the table, shown in the reader's language: kg.gaps.notes).
def _few_institutions(n: int) -> str:
    return ngettext("fewer than {n} institution", "fewer than {n} institutions", n).format(n=notes.number(n))


def _few_expected(n: float) -> str:
    return ngettext("fewer than {n} partnership expected at parity", "fewer than {n} partnerships expected at parity",
                    int(n)).format(n=notes.number(n))


def _no_figure(baseline: str, missing: int, countries: int) -> str:
    # TRANSLATORS: {baseline} is "population", "institutions" or a file's name
    return ngettext("no {baseline} figure for {missing} of {countries} country",
                    "no {baseline} figure for {missing} of {countries} countries", countries).format(
        baseline=_(baseline) if baseline in BASELINES else baseline, missing=notes.number(missing),
        countries=notes.number(countries))


def reference_rates(countries: pd.DataFrame) -> tuple[float, float]:
    """Partnerships and contributions per baseline unit (countries with a baseline figure) of a
    :func:`country_table`: what :func:`group_table` compares each group with when given a ``reference``."""
    known = ~countries["baseline_missing"]
    b = float(countries.loc[known, "baseline"].sum())
    if b <= 0:
        return float("nan"), float("nan")
    return float(countries.loc[known, "partnerships"].sum()) / b, float(countries.loc[known, "contributions"].sum()) / b


def _measure_columns(t: pd.DataFrame, df: pd.DataFrame, order: list[str]) -> None:
    """The impact measure of :func:`kg.gaps.tables.with_measure` per group: ``measure`` (sum, or the ratio of the
    summed components), ``measure_per_100_institutions`` and ``measure_per_million`` (sum measures only)."""
    groups = df.groupby("group", sort=False)
    pop_known = ~df["population_missing"]
    if "measure_num" in df.columns:
        num = groups["measure_num"].sum().reindex(order).fillna(0).to_numpy(dtype=float)
        den = groups["measure_den"].sum().reindex(order).fillna(0).to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            t["measure"] = np.where(den > 0, float(df["measure_scale"].iloc[0]) * num / den, np.nan)
        return
    total = groups["measure"].sum().reindex(order).fillna(0).to_numpy(dtype=float)
    in_pop = df["measure"].where(pop_known, 0.0).groupby(df["group"], sort=False).sum().reindex(order).fillna(0)
    t["measure"] = total
    n = t["institutions"].to_numpy(dtype=float)
    pop_m = t["population"].to_numpy(dtype=float) / 1e6
    with np.errstate(divide="ignore", invalid="ignore"):
        t["measure_per_100_institutions"] = np.where(n > 0, 100.0 * total / n, np.nan)
        t["measure_per_million"] = np.where(pop_m > 0, in_pop.to_numpy(dtype=float) / pop_m, np.nan)


def _status(ri: float, small: bool) -> str:
    if small or not np.isfinite(ri):
        return "too few to tell"
    if ri < UNDER:
        return "under-represented"
    if ri > OVER:
        return "over-represented"
    return "near parity"


def inequality(
    countries: pd.DataFrame, grouping: regions.Grouping, *, metric: str = "partnerships", baseline_name: str = ""
) -> pd.DataFrame:
    """Gini and Theil T (total = between + within) of ``metric`` across countries against the baseline.

    Tidy rows: measure (gini, theil_total, theil_between, theil_within), value, metric, baseline, grouping,
    countries (how many had a usable baseline). Countries without a baseline figure are left out.
    """
    df = countries[(countries["iso2"] != "") & ~countries["baseline_missing"]]
    y = df[metric].to_numpy(dtype=float)
    w = df["baseline"].to_numpy(dtype=float)
    groups = _groups_for(df["iso2"], grouping)
    dec = stats.theil_decomposition(y, w, groups)
    used = int(np.sum(np.isfinite(w) & (w > 0)))
    values = {
        "gini": stats.gini(y, w),
        "theil_total": stats.theil(y, w),
        "theil_between": float(dec["between"].sum()) if len(dec) else float("nan"),
        "theil_within": float(dec["within"].sum()) if len(dec) else float("nan"),
    }
    return pd.DataFrame(
        [
            {
                "measure": m,
                "value": v,
                "metric": metric,
                "baseline": baseline_name,
                "grouping": grouping.name,
                "countries": used,
            }
            for m, v in values.items()
        ]
    )


def trends(
    partnership_years: pd.DataFrame, contribution_years: pd.DataFrame, grouping: regions.Grouping
) -> pd.DataFrame:
    """Per group and year: partnerships_started, partnerships_active, contributions, contributed_units.

    ``partnership_years``: iso2, start_year, end_year (NaN = still running), partnerships;
    ``contribution_years``: iso2, year, contributions, contributed_units. A partnership is active in every
    year from its start year to its end year inclusive; open-ended ones until the last year in the data.
    """
    p = partnership_years.copy()
    c = contribution_years.copy()

    def col(df: pd.DataFrame, name: str) -> pd.Series:
        return pd.to_numeric(df[name], errors="coerce") if name in df.columns else pd.Series([], dtype=float)

    years: pd.Series = pd.concat([col(p, "start_year"), col(p, "end_year"), col(c, "year")]).dropna()
    cols = ["group", "year", "partnerships_started", "partnerships_active", "contributions", "contributed_units"]
    if years.empty:
        return pd.DataFrame(columns=cols)
    first, last = int(years.min()), int(years.max())
    rows: dict[tuple[str, int], list[float]] = {}

    def add(group: str, year: int, i: int, v: float) -> None:
        rows.setdefault((group, year), [0.0, 0.0, 0.0, 0.0])[i] += v

    p = p.dropna(subset=["start_year"])
    ends = col(p, "end_year").tolist()
    for iso2, start_y, end_y, n in zip(
        p["iso2"].astype(str), col(p, "start_year"), ends, col(p, "partnerships"), strict=True
    ):
        group = grouping.group_of(iso2) if iso2 else UNKNOWN
        start = int(start_y)
        end = int(end_y) if pd.notna(end_y) else last
        add(group, start, 0, float(n))
        for y in range(start, max(start, end) + 1):
            add(group, y, 1, float(n))
    c = c.dropna(subset=["year"])
    for iso2, year, n, units in zip(
        c["iso2"].astype(str),
        col(c, "year"),
        col(c, "contributions"),
        col(c, "contributed_units").fillna(0.0),
        strict=True,
    ):
        group = grouping.group_of(iso2) if iso2 else UNKNOWN
        add(group, int(year), 2, float(n))
        add(group, int(year), 3, float(units))
    groups = sorted({g for g, _ in rows})
    index = pd.MultiIndex.from_product([groups, range(first, last + 1)], names=["group", "year"])
    out = pd.DataFrame.from_dict(rows, orient="index", columns=cols[2:])
    out.index = pd.MultiIndex.from_tuples(out.index, names=["group", "year"])
    out = out.reindex(index, fill_value=0.0).reset_index()
    for name in cols[2:5]:
        out[name] = out[name].astype("int64")
    return out[cols]


# --- putting it together ---------------------------------------------------------------------------------


def resolve_baseline(baseline: str | bl.Baseline, counts: pd.DataFrame, population: bl.Baseline) -> bl.Baseline:
    """``institutions``, ``population``, a path to a user CSV, or a Baseline as is."""
    if isinstance(baseline, bl.Baseline):
        return baseline
    if baseline == "institutions":
        return bl.institutions(counts[counts["iso2"] != ""])
    if baseline == "population":
        return population
    if Path(str(baseline)).suffix.lower() in (".csv", ".tsv", ".txt"):
        return bl.from_csv(baseline)
    raise InputError(_("expected a baseline: institutions, population or a CSV file path, found {baseline}").format(
        baseline=repr(baseline)))


@dataclass
class GapReport:
    """Everything ``glamkg gaps`` and the dashboard show, as tidy DataFrames."""

    table: pd.DataFrame
    countries: pd.DataFrame
    inequality: pd.DataFrame
    baseline: bl.Baseline
    population: bl.Baseline
    grouping: regions.Grouping
    warnings: list[str] = field(default_factory=list)
    #: the evidence kinds whose partnerships were counted (schemas/evidence.yaml); empty: not said
    evidence: tuple[str, ...] = ()
    #: partnerships and contributions per baseline unit the representation index compares with (of the
    #: reference group when one was given, else of the table's own total)
    rates: tuple[float, float] = (float("nan"), float("nan"))


def build_report(
    counts: pd.DataFrame,
    *,
    by: str | Path | regions.Grouping = "region",
    baseline: str | bl.Baseline = "institutions",
    population_source: str = bl.DEFAULT_POPULATION_SOURCE,
    metric: str = "partnerships",
    count_warnings: list[str] | None = None,
    min_institutions: int = MIN_INSTITUTIONS,
    reference_counts: pd.DataFrame | None = None,
) -> GapReport:
    """The pure part of :func:`report`: from a per-country counts frame. ``reference_counts``: the counts
    frame of the reference group the representation index is relative to (default: ``counts`` itself)."""
    grouping = regions.grouping(by)
    population = bl.population(population_source)
    base = resolve_baseline(baseline, counts, population)
    ctab = country_table(counts, population, base)
    rates = None
    if reference_counts is not None:
        ref_base = resolve_baseline(baseline, reference_counts, population)
        rates = reference_rates(country_table(reference_counts, population, ref_base))
    table = group_table(ctab, grouping, baseline_name=base.name, min_institutions=min_institutions, reference=rates)
    ineq = inequality(ctab, grouping, metric=metric, baseline_name=base.name)
    active = list(ctab.loc[(ctab["institutions"] > 0) | (ctab["partnerships"] > 0), "iso2"])
    warnings = list(count_warnings or [])
    warnings += base.warnings(among=active)
    if base is not population:
        warnings += [w for w in population.warnings(among=active) if w not in warnings]
    return GapReport(table, ctab, ineq, base, population, grouping, warnings, rates=rates or reference_rates(ctab))

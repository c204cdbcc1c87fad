"""Derived tables for the dashboard pages, from a (filtered) :class:`kg.dashboard.data.Dataset`: data
quality, partnerships and their network, per-country map metrics, gap tables and the Lorenz curve, trends.
Plain pandas, no Streamlit, no SPARQL."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from kg import gaps, i18n
from kg.gaps import notes
from kg.gaps.notes import country_names
from kg.gaps.tables import UNKNOWN, Dataset, counts, years
from kg.i18n import N_, _
from kg.model import regions
from kg.model.ids import entity_iri, is_local

QUALITY_PROPERTIES = (N_("country"), N_("coordinates"), N_("ISIL"), N_("inception"), N_("website"))


def _has(inst: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        "country": inst["iso2"] != "",
        "coordinates": inst["lat"].notna() & inst["lon"].notna(),
        "ISIL": inst["isil"].notna(),
        "inception": inst["inception_year"].notna(),
        "website": inst["website"].notna(),
    }


def region_column(inst: pd.DataFrame, by: str) -> pd.Series:
    """The institutions' ``by``: a column of the table (region, subregion, country_name) or a region scheme
    (a grouping name such as ``wikimedia`` or ``continent``)."""
    if by in inst.columns:
        return inst[by]
    g = regions.grouping(by)
    names = {c: g.group_of(c) if c else UNKNOWN for c in pd.unique(inst["iso2"])}
    return inst["iso2"].map(names).astype(object)


def completeness(data: Dataset, by: str = "region") -> pd.DataFrame:
    """Share of institutions with each key property, per ``by`` (region / subregion / country_name, or a region
    scheme such as ``wikimedia``).

    Long form: group, property, institutions, with_value, share."""
    inst = data.institutions
    groups = region_column(inst, by).to_numpy()
    rows = []
    for prop, ok in _has(inst).items():
        g = pd.DataFrame({"group": groups, "ok": ok.to_numpy(dtype=bool)}).groupby("group")["ok"]
        part = pd.DataFrame({"institutions": g.size(), "with_value": g.sum()}).reset_index()
        part.insert(1, "property", prop)
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    out["with_value"] = out["with_value"].astype("int64")
    out["share"] = out["with_value"] / out["institutions"]
    return out


def missing(data: Dataset, prop: str, limit: int = 1000) -> pd.DataFrame:
    """Institutions without ``prop`` (one of QUALITY_PROPERTIES), at most ``limit``, with a link to each."""
    inst = data.institutions
    mask = ~_has(inst)[prop].to_numpy(dtype=bool)
    out = inst.loc[mask, ["item", "label", "type", "country_name", "region"]].head(limit).copy()
    out["link"] = [item_url(q) for q in out["item"]]
    return out.reset_index(drop=True)


def item_url(qid: str) -> str:
    """Where a person can look at an item: its Wikidata page, or its IRI for local-only items."""

    if is_local(qid):
        return entity_iri(qid)
    return f"https://www.wikidata.org/wiki/{qid}"


def partnership_table(data: Dataset) -> pd.DataFrame:
    """One row per (partnership, institution): partnership label, type, years, institution, country,
    partner organisations, contributions and their units."""
    ps = data.partnerships.rename(columns={"item": "partnership", "label": "partnership_label"})
    lk = data.links.merge(ps, on="partnership")
    inst = data.institutions[["item", "label", "country_name", "region"]].rename(
        columns={"item": "institution", "label": "institution_label"}
    )
    lk = lk.merge(inst, on="institution", how="left")
    names = data.partners.set_index("item")["label"]
    pl = data.partner_links.assign(name=data.partner_links["partner"].map(names).fillna(data.partner_links["partner"]))
    partner_names = pl.groupby("partnership")["name"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
    lk["partners"] = lk["partnership"].map(partner_names).astype(object).fillna("")
    c = data.contributions.groupby("partnership").agg(contributions=("item", "nunique"), units=("quantity", "sum"))
    lk = lk.join(c, on="partnership")
    lk["contributions"] = lk["contributions"].fillna(0).astype("int64")
    lk["units"] = lk["units"].fillna(0.0)
    cols = ["partnership", "partnership_label", "type", "start_year", "end_year", "institution",
            "institution_label", "country_name", "region", "partners", "contributions", "units"]
    return lk[cols].sort_values(["start_year", "partnership"], na_position="last").reset_index(drop=True)


def network(data: Dataset, top_partners: int = 12, max_institutions: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A bipartite network of the ``top_partners`` partner organisations (by partnerships) and the
    institutions they work with (at most ``max_institutions``), laid out radially: partners on an inner
    circle, each institution on an outer circle next to its first partner.

    Returns (nodes: id, label, kind, x, y, weight), (edges: x, y, x2, y2, weight)."""

    pl = data.partner_links.merge(data.links, on="partnership")
    if pl.empty:
        return pd.DataFrame(columns=["id", "label", "kind", "x", "y", "weight"]), pd.DataFrame(
            columns=["x", "y", "x2", "y2", "weight"]
        )
    edges = pl.groupby(["partner", "institution"], as_index=False).agg(weight=("partnership", "nunique"))
    top = edges.groupby("partner")["weight"].sum().sort_values(ascending=False).head(top_partners)
    edges = edges[edges["partner"].isin(top.index)]
    inst_weight = edges.groupby("institution")["weight"].sum().sort_values(ascending=False).head(max_institutions)
    edges = edges[edges["institution"].isin(inst_weight.index)]
    partners = list(top.index)
    angle = {p: 2 * math.pi * i / len(partners) for i, p in enumerate(partners)}
    names = pd.concat(
        [data.partners.set_index("item")["label"], data.institutions.set_index("item")["label"]]
    )
    nodes = [
        {"id": p, "label": str(names.get(p, p)), "kind": "partner organisation", "x": math.cos(a), "y": math.sin(a),
         "weight": float(top[p])}
        for p, a in angle.items()
    ]
    first = edges.sort_values("weight", ascending=False).drop_duplicates("institution").set_index("institution")
    per_partner: dict[str, int] = {}
    slot = {}
    for inst in first.index:
        p = first.loc[inst, "partner"]
        per_partner[p] = per_partner.get(p, 0) + 1
        slot[inst] = (p, per_partner[p])
    spread = 2 * math.pi / max(1, len(partners))
    for inst, (p, k) in slot.items():
        n = per_partner[p]
        a = angle[p] + spread * 0.8 * ((k - 0.5) / n - 0.5)
        r = 2.2 + 0.35 * (k % 3)
        nodes.append({"id": inst, "label": str(names.get(inst, inst)), "kind": "institution",
                      "x": r * math.cos(a), "y": r * math.sin(a), "weight": float(inst_weight[inst])})
    nd = pd.DataFrame(nodes)
    pos = nd.set_index("id")[["x", "y"]]
    e = edges.join(pos, on="partner").join(pos.rename(columns={"x": "x2", "y": "y2"}), on="institution")
    return nd, e[["x", "y", "x2", "y2", "weight"]].reset_index(drop=True)


# Per-country metrics for the map: column -> (label, unit).
MAP_METRICS = {
    "coverage_pct": (N_("Coverage"), N_("% of institutions with a partnership")),
    "partnerships_per_100_institutions": (
        N_("Partnerships per 100 institutions"), N_("partnerships / 100 institutions")),
    "contributions_per_100_institutions": (
        N_("Contributions per 100 institutions"), N_("contributions / 100 institutions")),
    "partnerships_per_million": (N_("Partnerships per million inhabitants"), N_("partnerships / million people")),
    "ri_partnerships": (
        N_("Representation index of partnerships"), N_("share of partnerships / share of institutions")),
    "institutions": (N_("Institutions"), N_("count")),
}


def country_metrics(data: Dataset, baseline: str = "institutions", reference: Dataset | None = None) -> pd.DataFrame:
    """One row per country with institutions or partnerships: iso2, country, counts and the MAP_METRICS
    (from :func:`kg.gaps.build_report` by country; the representation index relative to ``reference``,
    default: ``data`` itself)."""
    c, warnings = counts(data)
    rep = gaps.build_report(c, by="country", baseline=baseline, count_warnings=warnings,
                            reference_counts=counts(reference)[0] if reference is not None else None)
    t = rep.table.rename(columns={"group": "iso2"})
    t = t[(t["institutions"] > 0) | (t["partnerships"] > 0)].copy()
    names = regions.countries().set_index("iso2")["name"]  # kept in English, shown in the page's language
    t.insert(1, "country", pd.Series([notes.country(c, names[c]) if c in names.index else UNKNOWN for c in t["iso2"]],
                                     index=t.index, dtype=object))
    t["coverage_pct"] = 100.0 * t["coverage"]
    cols = ["iso2", "country", "institutions", "partnered_institutions", "partnerships", "contributions",
            *[m for m in MAP_METRICS if m != "institutions"], "small_numbers"]
    return t[cols].sort_values("institutions", ascending=False).reset_index(drop=True)


LEVELS = {
    "wikimedia": N_("Wikimedia movement region"),
    "region": N_("UN M49 region"),
    "subregion": N_("UN M49 sub-region"),
    "intermediate_region": N_("UN M49 intermediate region"),
    "continent": N_("Continent"),
    "country": N_("Country"),
}
BASELINES = {"institutions": N_("institutions in the graph"), "population": N_("population")}
GAP_METRICS = {"partnerships": N_("partnerships"), "contributions": N_("contributions")}


def gap_report(data: Dataset, *, by: str = "region", baseline: str = "institutions",
               metric: str = "partnerships", evidence: tuple[str, ...] | None = None,
               reference: Dataset | None = None) -> gaps.GapReport:
    """:func:`kg.gaps.tables.report_of` on the (filtered) dataset: the gap report counting the partnerships of
    the ``evidence`` kinds (None: all), with one column per kind; the representation index relative to
    ``reference`` (default: the dataset itself)."""
    from kg.gaps.tables import report_of

    return report_of(data, by=by, baseline=baseline, metric=metric, evidence=evidence or None, reference=reference)


def evidence_kinds(chosen: Sequence[str] = ()) -> str:
    """The evidence kinds a page counts, in words: the sidebar's choice, else every kind."""
    from kg.model import evidence

    return described(list(chosen) or list(evidence.kind_keys()))


def evidence_counted(rep: gaps.GapReport) -> str:
    """The evidence kinds a gap report counted, in words."""

    return described(rep.evidence)


def described(keys: Sequence[str]) -> str:
    """Evidence kinds in words, in the page's language (:func:`kg.model.evidence.describe` in English)."""
    from kg.model import evidence

    return ", ".join(f"{_(evidence.kind(k).label)} ({_(evidence.kind(k).strength)})" for k in keys) or _("none")


def gap_table(rep: gaps.GapReport, *, metric: str = "partnerships") -> pd.DataFrame:
    """The report's group table for display: groups with data, ranked by representation index (lowest
    first: the biggest gaps on top), percentages for coverage."""
    t = rep.table.copy()
    t = t[(t["institutions"] > 0) | (t["partnerships"] > 0)]
    if rep.grouping.name == "country":
        names = regions.countries().set_index("iso2")["name"]  # kept in English, shown in the page's language
        named = [notes.note(N_("{country} ({code})"), country=notes.country(g, str(names.get(g, g))), code=g)
                 if g != UNKNOWN else g for g in t["group"]]
        t["group"] = pd.Series(named, index=t.index, dtype=object)
    for col in ("coverage", "coverage_low", "coverage_high"):
        t[f"{col}_pct"] = 100.0 * t[col]
    ri = f"ri_{metric}"
    # what a reader needs first (index, status, small numbers, coverage) before the counts and rates
    cols = ["group", ri, "status", "small_numbers", "coverage_pct", "institutions", "partnered_institutions",
            "partnerships", "contributions", "coverage_low_pct", "coverage_high_pct", "countries",
            "partnerships_per_100_institutions", "contributions_per_100_institutions", "partnerships_per_million",
            "contributions_per_million", "baseline", "caveats", "small_reason"]
    if "caveats" not in t.columns and "small_reason" in t.columns:
        t["caveats"] = t["small_reason"]
    cols = [c for c in cols if c in t.columns and c != "small_reason"]
    per_kind = [c for c in t.columns if c.startswith("partnerships_") and c[len("partnerships_"):] in rep.evidence]
    at = cols.index("partnerships") + 1
    cols = [*cols[:at], *per_kind, *cols[at:]]
    return t[cols].sort_values(ri, na_position="last").reset_index(drop=True)


# Headers of the gap table as the page shows it (the CSV keeps the column names), and how its numbers read.
GAP_HEADERS = {
    "group": N_("group"), "ri_partnerships": N_("representation index"), "ri_contributions": N_("representation index"),
    "status": N_("status"), "small_numbers": N_("small numbers"), "coverage_pct": N_("coverage (%)"),
    "institutions": N_("institutions"), "partnered_institutions": N_("partnered institutions"),
    "partnerships": N_("partnerships"), "contributions": N_("contributions"),
    "coverage_low_pct": N_("coverage low (%)"),
    "coverage_high_pct": N_("coverage high (%)"), "countries": N_("countries"),
    "partnerships_per_100_institutions": N_("partnerships per 100 institutions"),
    "contributions_per_100_institutions": N_("contributions per 100 institutions"),
    "partnerships_per_million": N_("partnerships per million inhabitants"),
    "contributions_per_million": N_("contributions per million inhabitants"),
    "baseline": N_("baseline"), "caveats": N_("caveats"),
}
GAP_DECIMALS = {"ri_partnerships": 2, "ri_contributions": 2, "coverage_pct": 1, "coverage_low_pct": 1,
                "coverage_high_pct": 1, "partnerships_per_100_institutions": 1,
                "contributions_per_100_institutions": 1, "partnerships_per_million": 2,
                "contributions_per_million": 2, "baseline": 0}


def lorenz(rep: gaps.GapReport, *, metric: str = "partnerships") -> tuple[pd.DataFrame, float]:
    """Lorenz curve of ``metric`` against the baseline across countries (countries sorted by metric per
    baseline unit, cumulative shares in %), and the Gini value from :func:`kg.gaps.inequality`."""
    c = rep.countries
    c = c[(c["iso2"] != "") & ~c["baseline_missing"] & (c["baseline"] > 0)]
    gini_rows = rep.inequality[rep.inequality["measure"] == "gini"]["value"]
    gini = float(gini_rows.iloc[0]) if len(gini_rows) else float("nan")
    if c.empty or c[metric].sum() <= 0:
        return pd.DataFrame(columns=["country", "baseline_share", "metric_share"]), gini
    c = c.assign(rate=c[metric] / c["baseline"]).sort_values("rate", kind="stable")
    bs = 100.0 * c["baseline"].cumsum() / c["baseline"].sum()
    ms = 100.0 * c[metric].cumsum() / c[metric].sum()
    names = country_names(i18n.current())
    out = pd.DataFrame({"country": [names.get(code, name) for code, name in zip(c["iso2"], c["name"], strict=True)],
                        "baseline_share": bs, "metric_share": ms})
    start = pd.DataFrame({"country": [""], "baseline_share": [0.0], "metric_share": [0.0]})
    return pd.concat([start, out], ignore_index=True), gini


def trends(data: Dataset, by: str = "region") -> pd.DataFrame:
    """:func:`kg.gaps.trends` on the (filtered) dataset, limited to the year window when one is set."""
    p, c = years(data)
    return gaps.trends(p, c, regions.grouping(by))


def search(table: pd.DataFrame, text: str) -> pd.DataFrame:
    """Rows of a partnership table where any label or id contains ``text`` (case-insensitive, literal)."""
    needle = text.strip().lower()
    if not needle:
        return table
    cols = ["partnership", "partnership_label", "institution", "institution_label", "partners", "country_name"]
    hit = pd.Series(False, index=table.index)
    for col in cols:
        hit |= table[col].astype("string").str.lower().str.contains(needle, regex=False).fillna(False)
    return table[hit]


def top_partners(data: Dataset, limit: int = 20) -> pd.DataFrame:
    """Partner organisations by number of (kept) partnerships: item, label, type, partnerships, institutions."""
    pl = data.partner_links.merge(data.links, on="partnership")
    if pl.empty:
        return pd.DataFrame(columns=["item", "label", "type", "partnerships", "institutions"])
    agg = pl.groupby("partner").agg(partnerships=("partnership", "nunique"), institutions=("institution", "nunique"))
    out = data.partners.set_index("item").join(agg, how="inner").reset_index()
    out["label"] = out["label"].fillna(out["item"])
    return out.sort_values(["partnerships", "item"], ascending=[False, True]).head(limit).reset_index(drop=True)


def with_names(df: pd.DataFrame, data: Dataset) -> pd.DataFrame:
    """A query result with a ``<column>Label`` column beside every column of bare item ids (Q30) that has
    none: the names the dashboard knows (institutions, partners, partnerships, countries), else the id. A label
    column the query gave keeps its names; its empty cells (no label in the store, as for the demo's countries)
    get the dashboard's."""
    from kg.model.ids import is_id, shorten

    known: dict[str, str] = {}
    for frame in (data.institutions, data.partners, data.partnerships):
        known.update(zip(frame["item"].astype(str), frame["label"].astype(str), strict=True))
    countries = regions.countries()
    known.update(zip(countries["qid"].astype(str), countries["name"].astype(str), strict=True))
    out = df.copy()
    for col in list(df.columns):
        text = df[col].dtype == object or pd.api.types.is_string_dtype(df[col])
        label = f"{col}Label"
        given = None
        if label in df.columns:
            given = df[label].notna() & (df[label].astype(str).str.strip() != "")
            if given.all():
                continue
        if not text or df[col].isna().all():
            continue
        values = df[col].dropna().astype(str).map(shorten)
        if not values.map(lambda v: is_id(v, kinds="Q")).all():
            continue
        names = values.map(known)
        if names.isna().all():
            continue
        filled = names.reindex(df.index).fillna(values).astype(object)
        if given is None:
            out.insert(list(out.columns).index(col) + 1, label, filled)
        else:
            out[label] = df[label].astype(object).where(given, filled)
    return out


def type_counts(data: Dataset) -> pd.DataFrame:
    """Institutions per type (class label), most first."""
    out = data.institutions.groupby("type", as_index=False).agg(institutions=("item", "size"))
    return out.sort_values(["institutions", "type"], ascending=[False, True]).reset_index(drop=True)


IMPACT_LEVELS = {**LEVELS, "institution": N_("Institution")}
#: Column headers of the pages' tables, in the page's language (:func:`kg.dashboard.ui.table`); the CSV downloads
#: keep the column names (stable English keys).
HEADERS: dict[str, str] = {
    **GAP_HEADERS,
    "what": N_("what"), "value": N_("value"), "type": N_("type"), "region": N_("region"), "iso2": N_("ISO code"),
    "country": N_("country"), "country_name": N_("country"), "grouping": N_("grouping"), "measure": N_("measure"),
    "metric": N_("metric"), "as_of": N_("as of"), "contributed_units": N_("contributed units"),
    "partnerships_active": N_("partnerships active"), "partnerships_started": N_("partnerships started"),
    "snapshot": N_("snapshot"), "year": N_("year"), "id": N_("id"), "institution": N_("institution"),
    "institution_label": N_("institution name"), "item": N_("item"), "kind": N_("kind"), "label": N_("name"),
    "lat": N_("latitude"), "lon": N_("longitude"), "partners": N_("partner organisations"),
    "partnership": N_("partnership"), "partnership_label": N_("partnership name"), "units": N_("units"),
    "weight": N_("weight"), "case_studies": N_("case studies"), "collection_size": N_("collection size"),
    "commons_category": N_("Commons category"), "employees": N_("employees"), "isil": N_("ISIL"),
    "nearest_affiliates": N_("nearest affiliates"), "nearest_residencies": N_("nearest residencies"),
    "rank": N_("rank"), "similar_partnered": N_("similar partnered institutions"), "size_band": N_("size band"),
    "unpartnered": N_("without a partnership"), "unpartnered_pct": N_("without a partnership (%)"),
    "property": N_("property"), "share": N_("share"), "share_pct": N_("share (%)"), "with_value": N_("with a value"),
    "link": N_("link"), "start_year": N_("start year"), "end_year": N_("end year"), "report_dates": N_("report dates"),
    "subregion": N_("UN M49 sub-region"), "continent": N_("Continent"), "wikimedia": N_("Wikimedia movement region"),
    "inception_year": N_("inception"), "website": N_("website"), "partner": N_("partner organisation"),
    "status": N_("status"),
}
#: The status values of the partnered/not partnered charts (kg.dashboard.worldmap.PARTNERED_COLOURS' keys).
PARTNERED = (N_("partnered"), N_("not partnered"))


#: Columns whose values are names the catalogues translate (regions, types, statuses, size bands, properties):
#: shown in the page's language; the CSV keeps them as the store has them (they are the URL's values too).
NAMED_COLUMNS = ("group", "region", "subregion", "continent", "wikimedia", "type", "status", "size_band",
                 "property", "kind")


def named_values(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the values of its :data:`NAMED_COLUMNS`, and of any column of notes (:mod:`kg.gaps.notes`:
    caveats, countries, the Partners page's cells), in the page's language (itself in English)."""
    if i18n.current() == i18n.DEFAULT:
        return df
    cols = [c for c in df.columns if c in NAMED_COLUMNS or _has_notes(df[c])]
    cols = [c for c in cols if not pd.api.types.is_numeric_dtype(df[c])]
    if not cols:
        return df
    # each distinct value once (a 100k-row table has a few dozen names)
    return df.assign(**{c: df[c].map({v: place_name(v) for v in df[c].dropna().unique()}) for c in cols})


def header(column: str) -> str | None:
    """A table column's header in the page's language, or None for a column without one: :data:`HEADERS`, an
    impact measure (its label), ``partnerships_<evidence kind>`` (partnerships of that kind)."""
    if column in HEADERS:
        return _(HEADERS[column])
    from kg.model import evidence
    from kg.model.measures import measures

    spec = measures()
    base = column.removesuffix("_per_institution").removesuffix("_per_million")
    if base in spec.measures:
        label = _(spec.measure(base).label)
        if column.endswith("_per_institution"):
            return f"{label} ({_('per institution')})"
        if column.endswith("_per_million"):
            return f"{label} ({_('per million inhabitants')})"
        return label
    kind = column.removeprefix("partnerships_")
    if column.startswith("partnerships_") and kind in evidence.kind_keys():
        return _("partnerships ({kind})").format(kind=_(evidence.kind(kind).label))
    return None


def _has_notes(column: pd.Series) -> bool:
    """Whether a column holds notes (its first value tells: a column is made of one kind)."""
    if column.dtype != object:
        return False
    values = column.dropna()
    return not values.empty and isinstance(values.iloc[0], notes.Note)


def place_name(name: Any) -> Any:
    """A region or continent name (data in ``schemas/``, in the catalogues) or a note (:mod:`kg.gaps.notes`) in
    the page's language; a country name (already in it, :mod:`kg.gaps.labels`) or anything else (a missing
    value) as it is."""
    if isinstance(name, notes.Note):
        return name.shown()
    return _(name) if isinstance(name, str) and name else name


#: The gap table's status values (kg.gaps.metrics), shown translated on charts and tables.
STATUSES = (N_("under-represented"), N_("near parity"), N_("over-represented"), N_("too few to tell"))


def impact(data: Dataset, *, by: str = "region", as_of: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The Impact view: every measure per group (``IMPACT_LEVELS``), per institution and per million
    inhabitants (pypopulation's figures), with the report dates used (:func:`kg.gaps.impact.impact_table`)."""
    from kg.gaps import baselines
    from kg.gaps import impact as gi

    population = baselines.population(baselines.DEFAULT_POPULATION_SOURCE) if by != "institution" else None
    return gi.impact_table(data, by=by, as_of=as_of, population=population)

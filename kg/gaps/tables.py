"""The store's facts as a few flat tables, read once; the gap counts computed from them, for everyone.

:func:`read` reads a :class:`Dataset` of tidy DataFrames with one single-pattern query per property
(``?item wdt:Pxx ?value``), all ids and IRIs taken from :mod:`kg.model.schema` and :mod:`kg.model.ids` (no
user text ever reaches a query). :func:`counts` and :func:`years` turn a dataset (filtered or not) into the
per-country frames the metrics take, and :func:`report` puts them together: ``glamkg gaps`` and every
dashboard page compute their counts here, so they cannot drift. The definitions are those of the saved
queries ``queries/gaps_*.rq`` (an institution is an item whose ``instance of`` is one of the institution
classes; a partnership is any item with such an institution as ``participant``, counted in the country of
each participating institution; a contribution is an item ``part of`` such a partnership), and a test checks
that both give the same counts (:func:`kg.gaps.metrics.fetch_counts` runs the saved queries).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kg.gaps import baselines as bl
from kg.gaps import impact, metrics
from kg.gaps.metrics import UNKNOWN
from kg.i18n import _
from kg.model import regions
from kg.model.ids import local_concept_base, wikidata_concept_base
from kg.model.schema import model

LABEL_LANGUAGES = ("en", "mul")
NO_TYPE = "(no type)"


# --- the tables ------------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Everything the pages show, as tidy frames (ids are ``Q..`` strings; iso2 ``""`` = unknown country).

    - ``institutions``: item, label, type (class label), lat, lon, inception_year, isil, website,
      commons_category, employees, collection_size (sizes where known), country (first QID), iso2, country_name,
      region, subregion
    - ``institution_countries``: item, country (QID), iso2 (every country of every institution)
    - ``partnerships``: item, label, type, start_year, end_year, evidence (the evidence kind of
      ``schemas/evidence.yaml``: :mod:`kg.model.evidence`)
    - ``links``: partnership, institution (participants that are institutions)
    - ``partner_links``: partnership, partner (participants that are partner organisations)
    - ``partners``: item, label, type, iso2 (first country; '' when unknown), lat, lon
    - ``contributions``: item, type, partnership, quantity, year (``quantity`` is a plain contribution's units;
      0 for an impact contribution, whose quantities are measures)
    - ``measures``: item (contribution), measure (key of ``schemas/impact.yaml``), amount, date (YYYY-MM-DD)
    """

    institutions: pd.DataFrame
    institution_countries: pd.DataFrame
    partnerships: pd.DataFrame
    links: pd.DataFrame
    partner_links: pd.DataFrame
    partners: pd.DataFrame
    contributions: pd.DataFrame
    measures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=impact.COLUMNS))
    meta: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    generation: str = ""
    path: str = ""
    read_seconds: float = 0.0
    read_at: str = ""  # when the tables were read (UTC), for the provenance of what is computed from them
    queries: tuple[str, ...] = ()  # the queries that read them, in the order they were sent


def _class_labels(kind: str) -> dict[str, str]:
    m = model()
    return {m.cls(k).id: m.cls(k).label for k in m.kind(kind).allowed_classes}


def _short(iris: pd.Series) -> pd.Series:
    """Entity IRIs -> ids (``Q42``); other values unchanged (Python strings: fast hashing for joins). Vectorised
    with pyarrow: at 100k institutions, a million values a read (1.6 s with pandas' ``str.removeprefix``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(iris.to_numpy(dtype=object), type=pa.string())
    for base in dict.fromkeys((wikidata_concept_base(), local_concept_base())):
        cut = pc.utf8_slice_codeunits(arr, start=len(base))  # the bases are ASCII: one code unit a character
        arr = pc.if_else(pc.starts_with(arr, pattern=base), cut, arr)
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=iris.index, dtype=object)


def _select(store: Any, sparql: str, columns: list[str]) -> pd.DataFrame:
    """A SELECT's results as text columns (Python strings, '' when unbound). The engine writes them as
    SPARQL CSV (values only, decoded in Rust), which is several times faster than iterating solutions."""
    import pyoxigraph as ox

    res = store.query(sparql)
    raw = res.serialize(format=ox.QueryResultsFormat.CSV) if hasattr(res, "serialize") else None
    if raw is None:  # not a pyoxigraph result: iterate
        rows = [tuple("" if t is None else t.value for t in sol) for sol in res]
        return pd.DataFrame(rows, columns=columns, dtype=object)
    df = pd.read_csv(io.BytesIO(raw), dtype=object, keep_default_na=False, na_filter=False)
    df.columns = columns
    return df


def _pairs(store: Any, prop_key: str) -> pd.DataFrame:
    """Every ``?item wdt:<prop> ?value`` pair as (item id, value lexical form)."""
    pid = model().prop(prop_key).id
    sparql = f"SELECT ?item ?value WHERE {{ ?item <http://www.wikidata.org/prop/direct/{pid}> ?value }}"
    df = _select(store, sparql, ["item", "value"])
    df["item"] = _short(df["item"])
    return df


def _labels(store: Any) -> pd.Series:
    """item id -> label (English, else 'mul', else none)."""
    rank = {lang: i for i, lang in enumerate(LABEL_LANGUAGES)}
    sparql = (
        "SELECT ?item ?label (LANG(?label) AS ?lang) WHERE { ?item <http://www.w3.org/2000/01/rdf-schema#label> "
        "?label . FILTER(LANG(?label) IN (" + ", ".join(f'"{lang}"' for lang in LABEL_LANGUAGES) + ")) }"
    )
    df = _select(store, sparql, ["item", "label", "lang"])
    if df.empty:
        return pd.Series(dtype=object)
    df["item"] = _short(df["item"])
    df["rank"] = df["lang"].map(rank).fillna(9)
    df = df.sort_values("rank", kind="stable").drop_duplicates("item")
    return df.set_index("item")["label"]


def _year(values: pd.Series) -> pd.Series:
    """xsd:dateTime lexical forms (``2021-05-17T00:00:00Z``, ``-0500-01-01T...``) -> year (Int64)."""
    return pd.to_numeric(values.str.extract(r"^([+-]?\d+)-", expand=False), errors="coerce").astype("Int64")


def _first(df: pd.DataFrame, name: str) -> pd.Series:
    return df.drop_duplicates("item").set_index("item")["value"].rename(name)


def _typed(p31: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Items whose instance-of is one of ``labels``' classes: item, type (first class label, by id order)."""
    cls = _short(p31["value"])
    hit = p31[cls.isin(list(labels))].assign(type=cls.map(labels))
    return hit.sort_values(["item", "type"]).drop_duplicates("item")[["item", "type"]].reset_index(drop=True)


def _coordinates(store: Any, inst_ids: pd.Index, facts_only: bool) -> pd.DataFrame:
    """item -> lon, lat of the items (first coordinate of each; empty when ``facts_only``)."""
    if facts_only:
        return pd.DataFrame({"lon": pd.Series(dtype=float), "lat": pd.Series(dtype=float)})
    coords = _pairs(store, "coordinates")
    coords = coords[coords["item"].isin(inst_ids)].drop_duplicates("item")
    lonlat = coords["value"].str.extract(r"Point\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)", expand=True)
    return pd.DataFrame(
        {
            "item": coords["item"].to_numpy(),
            "lon": pd.to_numeric(lonlat[0], errors="coerce").to_numpy(),
            "lat": pd.to_numeric(lonlat[1], errors="coerce").to_numpy(),
        }
    ).set_index("item")


def read(store: Any, *, facts_only: bool = False) -> Dataset:
    """Read the tables from an open store (no caching: the dashboard caches them per store generation).

    ``facts_only``: only what the gap counts need (types, countries, participants, contributions, dates),
    without labels, coordinates, inception, ISIL and website (``glamkg gaps``)."""
    from kg.query.provenance import QueryLog, now

    started, read_at = time.perf_counter(), now()
    store = QueryLog(store)
    p31 = _pairs(store, "instance_of")
    labels = pd.Series(dtype=object) if facts_only else _labels(store)
    insts = _typed(p31, _class_labels("institution"))
    partner_items = _typed(p31, _class_labels("partner"))
    inst_ids = pd.Index(insts["item"])

    country = _pairs(store, "country")
    inst_countries = country[country["item"].isin(inst_ids)].rename(columns={"value": "country"})
    inst_countries["country"] = _short(inst_countries["country"])
    inst_countries = inst_countries.drop_duplicates().reset_index(drop=True)
    iso = {q: regions.resolve(q) or "" for q in inst_countries["country"].unique()}
    inst_countries["iso2"] = inst_countries["country"].map(iso).astype("string")

    def attr(key: str, name: str) -> pd.Series:
        if facts_only:
            return pd.Series(dtype=object, name=name)
        df = _pairs(store, key)
        return _first(df[df["item"].isin(inst_ids)], name)

    inst = insts.set_index("item")
    inst.insert(0, "label", labels.reindex(inst.index))
    coordinates = _coordinates(store, inst_ids.union(pd.Index(partner_items["item"])), facts_only)
    inst = inst.join(coordinates)
    inst["inception_year"] = _year(attr("inception", "inception"))
    inst = inst.join(attr("isil", "isil")).join(attr("website", "website"))
    inst = inst.join(attr("commons_category", "commons_category"))
    commons = inst["commons_category"].astype(object)  # text (None where missing), even when nobody has one
    inst["commons_category"] = commons.where(commons.notna(), None)
    for key in ("employees", "collection_size"):  # sizes where known (quantities: "+120")
        inst[key] = pd.to_numeric(attr(key, key), errors="coerce").reindex(inst.index)
    first_country = inst_countries.drop_duplicates("item").set_index("item")
    inst = inst.join(first_country[["country", "iso2"]])
    inst["iso2"] = inst["iso2"].fillna("")
    geo = regions.countries().set_index("iso2")[["name", "region", "subregion"]]
    geo = geo.rename(columns={"name": "country_name"})
    inst = inst.join(geo, on="iso2")
    inst["country_name"] = inst["country_name"].fillna(UNKNOWN)
    inst["region"] = inst["region"].fillna(UNKNOWN)
    inst["subregion"] = inst["subregion"].fillna(UNKNOWN)
    institutions = inst.reset_index()

    participant = _pairs(store, "participant")
    participant["value"] = _short(participant["value"])
    links = participant[participant["value"].isin(inst_ids)]
    links = links.rename(columns={"item": "partnership", "value": "institution"}).drop_duplicates()
    partnership_ids = pd.Index(links["partnership"].unique())
    partner_links = participant[
        participant["item"].isin(partnership_ids) & participant["value"].isin(partner_items["item"])
    ].rename(columns={"item": "partnership", "value": "partner"})

    ptypes = _typed(p31, _class_labels("partnership")).set_index("item")["type"]
    ps = pd.DataFrame(index=partnership_ids.rename("item"))
    ps["label"] = labels.reindex(ps.index)
    ps["type"] = ptypes.reindex(ps.index).fillna(NO_TYPE)
    start, end = _pairs(store, "start_time"), _pairs(store, "end_time")
    ps["start_year"] = _year(_first(start, "start")).reindex(ps.index)
    ps["end_year"] = _year(_first(end, "end")).reindex(ps.index)
    ps["evidence"] = _evidence_kinds(p31, ps.index)
    partnerships = ps.reset_index()

    part_of = _pairs(store, "part_of")
    part_of["value"] = _short(part_of["value"])
    contrib = part_of[part_of["value"].isin(partnership_ids)].rename(columns={"value": "partnership"})
    contrib = contrib.drop_duplicates()
    ctypes = _typed(p31, _class_labels("contribution")).set_index("item")["type"]
    contrib["type"] = contrib["item"].map(ctypes).fillna(NO_TYPE)
    measured = impact.read_measures(lambda sparql, columns: _select(store, sparql, columns))
    qty = _pairs(store, "quantity")
    qty = qty[~qty["item"].isin(set(measured["item"]))]  # an impact contribution's quantities are measures
    contrib["quantity"] = contrib["item"].map(pd.to_numeric(_first(qty, "q"), errors="coerce")).fillna(0.0)
    contrib["year"] = contrib["item"].map(_year(_first(_pairs(store, "point_in_time"), "t"))).astype("Int64")

    partners = partner_items.copy()
    partners.insert(1, "label", labels.reindex(partners["item"]).to_numpy())
    partner_country = country[country["item"].isin(partner_items["item"])].drop_duplicates("item")
    partner_iso = _short(partner_country["value"]).map(lambda q: regions.resolve(q) or "")
    iso_of = dict(zip(partner_country["item"], partner_iso, strict=True))
    partners["iso2"] = [iso_of.get(q, "") for q in partners["item"]]
    partners = partners.join(coordinates[["lat", "lon"]], on="item")

    meta = dict(store.meta()) if hasattr(store, "meta") else {}
    # Store.stats() walks every entity (seconds on a large store): the page shows counts from the tables instead.
    stats = {
        "institutions": len(institutions),
        "partner organisations": len(partners),
        "partnerships": len(partnerships),
        "contributions": int(contrib["item"].nunique()),
    }
    generation = str(store.generation()) if hasattr(store, "generation") else ""
    return Dataset(
        institutions=institutions,
        institution_countries=inst_countries,
        partnerships=partnerships,
        links=links.reset_index(drop=True),
        partner_links=partner_links.reset_index(drop=True),
        partners=partners,
        contributions=contrib.reset_index(drop=True),
        measures=measured[measured["item"].isin(contrib["item"])].reset_index(drop=True),
        meta=meta,
        stats=stats,
        generation=generation,
        read_seconds=time.perf_counter() - started,
        read_at=read_at,
        queries=tuple(store.queries),
    )


def _evidence_kinds(p31: pd.DataFrame, items: pd.Index) -> pd.Series:
    """item -> its evidence kind (:func:`kg.model.evidence.kind_of`: the first kind, in the rules' order, one of
    whose classes the item is an instance of; else the catch-all kind)."""
    from kg.model import evidence

    rank = {k: i for i, k in enumerate(evidence.kind_keys())}
    by_class = evidence.class_kinds()
    rows = p31[p31["item"].isin(items)]
    kind = _short(rows["value"]).map(by_class)
    hit = pd.DataFrame({"item": rows["item"].to_numpy(), "kind": kind.to_numpy()}).dropna()
    hit["rank"] = hit["kind"].map(rank)
    first = hit.sort_values("rank", kind="stable").drop_duplicates("item").set_index("item")["kind"]
    return first.reindex(items).fillna(evidence.catch_all().key).astype(object)


def evidence_of(partnerships: pd.DataFrame) -> pd.Series:
    """The ``evidence`` column of a partnerships table (computed from ``type`` for tables cached before it
    existed: a class label -> its kind)."""
    if "evidence" in partnerships.columns:
        return partnerships["evidence"]
    from kg.model import evidence

    m = model()
    by_label = {m.cls(k).label: kind.key for kind in evidence.kinds() for k in kind.partnership_classes}
    return partnerships["type"].map(by_label).fillna(evidence.catch_all().key)


def only_evidence(data: Dataset, kinds: tuple[str, ...] | list[str] | None) -> Dataset:
    """The dataset with only the partnerships of the evidence ``kinds`` (None: all), their links and
    contributions; institutions are all kept (they are the baseline)."""
    from dataclasses import replace

    from kg.model import evidence

    if kinds is None or set(kinds) >= set(evidence.kind_keys()):
        return data
    ps = data.partnerships[evidence_of(data.partnerships).isin(list(kinds))]
    keep = ps["item"]
    contributions = data.contributions[data.contributions["partnership"].isin(keep)]
    return replace(
        data,
        partnerships=ps,
        links=data.links[data.links["partnership"].isin(keep)],
        partner_links=data.partner_links[data.partner_links["partnership"].isin(keep)],
        contributions=contributions,
        measures=data.measures[data.measures["item"].isin(contributions["item"])],
    )


def evidence_columns(data: Dataset, grouping: regions.Grouping, kinds: tuple[str, ...]) -> pd.DataFrame:
    """group -> ``partnerships_<kind>``: the partnerships of each evidence kind per group (counted like
    ``partnerships``: in the country of each participating institution)."""
    out = pd.DataFrame(index=pd.Index([], name="group"))
    for kind in kinds:
        counted, _ = counts(only_evidence(data, (kind,)))
        groups = metrics._groups_for(counted["iso2"], grouping)
        out = out.join(counted.groupby(groups.to_numpy())["partnerships"].sum().rename(f"partnerships_{kind}"),
                       how="outer")
    return out


def partnered_flags(data: Dataset) -> pd.Series:
    """item -> True when the institution takes part in at least one (kept) partnership."""
    return data.institutions["item"].isin(data.links["institution"])


def counts(data: Dataset) -> tuple[pd.DataFrame, list[str]]:
    """Per-country counts of the dataset, in the frame :func:`kg.gaps.metrics.fetch_counts` returns from the
    saved queries."""
    ic = data.institution_countries[["item", "country"]]
    inst = ic.groupby("country", as_index=False).agg(institutions=("item", "nunique"))
    lk = data.links.merge(ic, left_on="institution", right_on="item")
    part = lk.groupby("country", as_index=False).agg(
        partnered_institutions=("institution", "nunique"), partnerships=("partnership", "nunique")
    )
    per_country = data.contributions.merge(lk[["partnership", "country"]].drop_duplicates(), on="partnership")
    per_country = per_country.drop_duplicates(["item", "country"])
    con = per_country.groupby("country", as_index=False).agg(
        contributions=("item", "size"), contributed_units=("quantity", "sum")
    )
    return metrics.counts_frame(inst, part, con)


def with_measure(counted: pd.DataFrame, data: Dataset, measure: str, as_of: str | None = None) -> pd.DataFrame:
    """``counted`` with columns ``measure`` (the country's total) and, for a ratio measure, ``measure_num`` and
    ``measure_den`` (the totals of its components, which groups add up before dividing)."""
    from kg.errors import InputError
    from kg.model.measures import measures

    spec = measures()
    if measure not in spec.measures:
        raise InputError(_("--measure: expected one of {measures}, found {measure}").format(
            measures=", ".join(spec.measures), measure=repr(measure)))
    per = impact.country_measures(data, as_of).set_index("iso2") if not data.measures.empty else pd.DataFrame()
    out = counted.copy()

    def col(key: str) -> pd.Series:
        values = per[key] if key in per.columns else pd.Series(dtype=float)
        return out["iso2"].map(values).astype(float).fillna(0.0)

    m = spec.measure(measure)
    out["measure"] = col(measure)
    if m.ratio is not None:
        out["measure_num"], out["measure_den"] = col(m.ratio[0]), col(m.ratio[1])
        out["measure_scale"] = m.ratio[2]
    return out


def years(data: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(partnerships by iso2, start_year, end_year), (contributions by iso2 and year), for
    :func:`kg.gaps.metrics.trends`."""
    ic = data.institution_countries[["item", "iso2"]]
    lk = data.links.merge(ic, left_on="institution", right_on="item")[["partnership", "iso2"]].drop_duplicates()
    p = lk.merge(data.partnerships[["item", "start_year", "end_year"]], left_on="partnership", right_on="item")
    p = p.dropna(subset=["start_year"])
    p = p.groupby(["iso2", "start_year", "end_year"], dropna=False, as_index=False).agg(
        partnerships=("partnership", "nunique")
    )
    c = data.contributions.merge(lk, on="partnership").drop_duplicates(["item", "iso2"]).dropna(subset=["year"])
    c = c.groupby(["iso2", "year"], as_index=False).agg(
        contributions=("item", "size"), contributed_units=("quantity", "sum")
    )
    return p, c


# --- the gap report of a store ----------------------------------------------------------------------------


def report(store: Any, **options: Any) -> metrics.GapReport:
    """The store's facts -> per-country counts -> :class:`kg.gaps.metrics.GapReport`: :func:`report_of` of the
    store's facts, with its options (``by``, ``baseline``, ``population_source``, ``metric``,
    ``min_institutions``; ``evidence``: the evidence kinds counted, None or "all" for every kind; ``measure`` and
    ``as_of``: an impact measure of ``schemas/impact.yaml`` whose per-country total, latest values at or before
    ``as_of``, joins the counts as column ``measure``, docs/metrics.md)."""
    return report_of(read(store, facts_only=True), **options)


def report_of(
    data: Dataset,
    *,
    by: str | Path | regions.Grouping = "region",
    baseline: str | bl.Baseline = "institutions",
    population_source: str = bl.DEFAULT_POPULATION_SOURCE,
    metric: str = "partnerships",
    min_institutions: int = metrics.MIN_INSTITUTIONS,
    evidence: str | tuple[str, ...] | list[str] | None = None,
    measure: str | None = None,
    as_of: str | None = None,
    reference: Dataset | None = None,
) -> metrics.GapReport:
    """:func:`report` of a dataset already read (the dashboard's, filtered): the table gains one column
    ``partnerships_<kind>`` per evidence kind counted, and the report names the kinds (``.evidence``).
    ``reference``: the dataset the representation index is relative to (e.g. the whole world when ``data``
    is a filtered selection; default: ``data`` itself), counted with the same evidence kinds."""
    from kg.model import evidence as ev

    kinds = ev.choose(evidence)
    data = only_evidence(data, kinds)
    counted, warnings = counts(data)
    reference_counts = counts(only_evidence(reference, kinds))[0] if reference is not None else None
    if measure is not None:
        counted = with_measure(counted, data, measure, as_of)
    rep = metrics.build_report(
        counted,
        by=by,
        baseline=baseline,
        population_source=population_source,
        metric=metric,
        count_warnings=warnings,
        min_institutions=min_institutions,
        reference_counts=reference_counts,
    )
    per_kind = evidence_columns(data, rep.grouping, kinds)
    at = list(rep.table.columns).index("partnerships") + 1
    for offset, col in enumerate(per_kind.columns):
        values = rep.table["group"].map(per_kind[col]).fillna(0).astype("int64")
        rep.table.insert(at + offset, col, values)
    rep.table["evidence"] = ",".join(kinds)  # what was counted, on every row (CSV)
    rep.evidence = kinds
    return rep


def table(
    store: Any,
    by: str | Path | regions.Grouping = "region",
    baseline: str | bl.Baseline = "institutions",
    **kwargs: Any,
) -> pd.DataFrame:
    """The group table of :func:`report`; warnings in ``.attrs["warnings"]``."""
    rep = report(store, by=by, baseline=baseline, **kwargs)
    out = rep.table
    out.attrs["warnings"] = rep.warnings
    out.attrs["baseline"] = rep.baseline.label
    return out


def yearly(store: Any, by: str | Path | regions.Grouping = "region") -> pd.DataFrame:
    """Yearly trends per group from the store (see :func:`kg.gaps.metrics.trends`)."""
    p, c = years(read(store, facts_only=True))
    return metrics.trends(p, c, regions.grouping(by))

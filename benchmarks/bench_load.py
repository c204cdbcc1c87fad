"""Benchmark: load N institution rows from a CSV into a fresh on-disk store (``glamkg load`` pipeline).

    .venv/bin/python benchmarks/bench_load.py [--rows 100000] [--workers N] [--profile] [--no-floor]

Prints rows/s for the whole load (read, map, validate, reconcile, plan, write in one transaction), the time
of each phase (the write split into the RDF conversion and the store's own write), the peak resident memory
(``resource.getrusage``), the ratio to the target of 5,000 rows/s and the load average.
``--profile`` prints the top functions by cumulative time (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import itertools
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyoxigraph as ox

from kg.load import load
from kg.load.mapping import Mapping
from kg.load.targets.store import StoreTarget
from kg.rdf import conversion
from kg.rdf.conversion import default_workers
from kg.store import Store

TARGET_ROWS_PER_S = 5_000
CLASSES = ["museum", "art_museum", "library", "archives", "public_library", "history_museum"]
COUNTRIES = ["Q55", "Q183", "Q142", "Q38", "Q29", "Q145", "Q31", "Q39", "Q34", "Q20"]


def write_rows(path: Path, n: int, seed: int = 1) -> None:
    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["label_en", "label_nl", "instance_of", "country", "coordinates", "isil", "website", "inception"])
        for i in range(n):
            w.writerow(
                [
                    f"Benchmark institution {i}",
                    f"Benchmarkinstelling {i}",
                    rnd.choice(CLASSES),
                    rnd.choice(COUNTRIES),
                    f"{rnd.uniform(-60, 70):.4f},{rnd.uniform(-170, 170):.4f}",
                    f"XB-B{i}",
                    f"https://example.org/inst/{i}",
                    str(rnd.randint(1700, 2020)),
                ]
            )


def engine_floor(store_dir: Path, tmp: Path) -> tuple[int, float]:
    """(triples, seconds) for Oxigraph's own bulk loader to load the finished store's triples into a new store:
    no load can write them faster on this machine."""
    nt = tmp / "floor.nt"
    with Store.open(store_dir, read_only=True) as st:
        st.export(nt, format="nt")
    data = nt.read_bytes()
    nt.unlink()
    fresh = ox.Store(str(tmp / "floor-store"))
    t = time.perf_counter()
    fresh.bulk_load(data, ox.RdfFormat.N_TRIPLES)
    fresh.flush()
    return data.count(b"\n"), time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument(
        "--workers", type=int, default=None, help="worker processes for the RDF conversion (default: as glamkg load)"
    )
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--no-floor", action="store_true", help="skip measuring the engine's own bulk-load time")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "institutions.csv"
        t0 = time.perf_counter()
        write_rows(src, args.rows)
        print(f"generated {args.rows} rows in {time.perf_counter() - t0:.1f} s ({src.stat().st_size / 1e6:.1f} MB)")
        phases: list[tuple[str, float, float]] = []

        def phase(name: str, total: int) -> None:
            phases.append((name, time.perf_counter(), time.process_time()))

        # Time the two halves of the write: converting to RDF, and the store's own write.
        converting = [0.0]
        parallel = conversion.new_entities_ntriples

        def timed_parallel(*a, **kw):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return parallel(*a, **kw)
            finally:
                converting[0] += time.perf_counter() - t

        conversion.new_entities_ntriples = timed_parallel  # type: ignore[assignment]
        store_dir = Path(tmp) / "store"
        with Store.open(store_dir) as st:
            target = StoreTarget(st, workers=args.workers)
            prof = cProfile.Profile() if args.profile else None
            start = time.perf_counter()
            cpu0 = time.process_time()
            if prof:
                prof.enable()
            result = load(
                src, Mapping.default("institution"), target, index=target.index(), exists=target.exists, phase=phase
            )
            if prof:
                prof.disable()
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu0
            stats = st.stats()
        conversion.new_entities_ntriples = parallel  # type: ignore[assignment]
        rep = result.report
        assert rep is not None
        phases.append(("end", start + elapsed, cpu0 + cpu))
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak_children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rate = args.rows / elapsed
        workers = default_workers(args.rows) if args.workers is None else args.workers
        print(
            f"loaded {args.rows} rows: created {len(rep.created)}, updated {len(rep.updated)}, "
            f"unchanged {len(rep.unchanged)}; {stats.get('triples', '?')} triples in the store; "
            f"{workers} conversion worker(s)"
        )
        print("  phase          wall s    cpu s (this process)")
        for (name, t, c), (_, t_next, c_next) in itertools.pairwise(phases):
            print(f"  {name:<12} {t_next - t:8.2f} {c_next - c:8.2f}")
        before_write = next(t for n, t, _ in phases if n == "writing") - start
        write = elapsed - before_write
        print(f"read..plan (kg.load's own pipeline incl. to_json): {args.rows / before_write:,.0f} rows/s wall")
        if converting[0]:
            print(
                f"writing: entity JSON -> N-Triples in {workers} worker(s) {converting[0]:.2f} s "
                f"({args.rows / converting[0]:,.0f} rows/s); store write (bulk load, atomic) "
                f"{write - converting[0]:.2f} s ({args.rows / (write - converting[0]):,.0f} rows/s)"
            )
        else:
            print(f"writing (in this process: convert, diff, atomic write): {write:.2f} s")
        print(
            f"cpu {cpu:.1f} s in this process; total {elapsed:.2f} s: {rate:,.0f} rows/s (target "
            f"{TARGET_ROWS_PER_S:,}: ratio {rate / TARGET_ROWS_PER_S:.2f}); peak memory {peak_kb / 1024:,.0f} MB "
            f"(largest worker {peak_children_kb / 1024:,.0f} MB)"
        )
        if not args.no_floor:
            n, floor = engine_floor(store_dir, Path(tmp))
            print(
                f"engine floor: Oxigraph's bulk loader alone takes {floor:.2f} s for these {n:,} triples "
                f"({args.rows / floor:,.0f} rows/s at most, with reading, checking and converting free); "
                f"this load took {elapsed / floor:.2f} times that"
            )
        print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()

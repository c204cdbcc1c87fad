"""Benchmark: load N institution rows from a CSV into a fresh on-disk store (``glamkg load`` pipeline).

    .venv/bin/python benchmarks/bench_load.py [--rows 100000] [--profile]

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

from kg.load import load
from kg.mapping import Mapping
from kg.store import Store
from kg.targets.store import StoreTarget, wdqs_converter

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "institutions.csv"
        t0 = time.perf_counter()
        write_rows(src, args.rows)
        print(f"generated {args.rows} rows in {time.perf_counter() - t0:.1f} s ({src.stat().st_size / 1e6:.1f} MB)")
        phases: list[tuple[str, float, float]] = []

        def phase(name: str, total: int) -> None:
            phases.append((name, time.perf_counter(), time.process_time()))

        convert = wdqs_converter()
        converting = [0.0]

        def timed_convert(e, **kw):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            out = convert(e, **kw)
            converting[0] += time.perf_counter() - t
            return out

        with Store.open(Path(tmp) / "store") as st:
            target = StoreTarget(st, converter=timed_convert)
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
            stats = st.stats() if hasattr(st, "stats") else {}
        rep = result.report
        assert rep is not None
        phases.append(("end", start + elapsed, cpu0 + cpu))
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rate = args.rows / elapsed
        print(
            f"loaded {args.rows} rows: created {len(rep.created)}, updated {len(rep.updated)}, "
            f"unchanged {len(rep.unchanged)}; {stats.get('triples', '?')} triples in the store"
        )
        print("  phase          wall s    cpu s")
        for (name, t, c), (_, t_next, c_next) in itertools.pairwise(phases):
            print(f"  {name:<12} {t_next - t:8.2f} {c_next - c:8.2f}")
        before_write = next(t for n, t, _ in phases if n == "writing") - start
        write = elapsed - before_write
        print(f"read..plan (kg.load's own pipeline incl. to_json): {args.rows / before_write:,.0f} rows/s wall")
        print(
            f"writing: entity JSON -> RDF (kg.rdf.wdqs_triples) {converting[0]:.2f} s "
            f"({args.rows / converting[0]:,.0f} rows/s); store write (diff + atomic write, kg.store) "
            f"{write - converting[0]:.2f} s ({args.rows / (write - converting[0]):,.0f} rows/s)"
        )
        print(
            f"cpu {cpu:.1f} s ({args.rows / cpu:,.0f} rows per cpu-second); "
            f"total {elapsed:.2f} s: {rate:,.0f} rows/s (target {TARGET_ROWS_PER_S:,}: ratio "
            f"{rate / TARGET_ROWS_PER_S:.2f}); peak memory {peak_kb / 1024:,.0f} MB"
        )
        print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()

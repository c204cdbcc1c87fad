"""Benchmark: `glamkg demo` throughput (issue 5 target: 100,000 institutions in under 2 minutes on 2 cores).

    .venv/bin/python benchmarks/bench_demo.py [--institutions 100000] [--workers N] [--generate-only]

Prints wall time and entities per second for (a) generating the entity JSON only (kg.demo.generate, i.e.
Record -> to_json) and (b) the whole `write_demo` into a fresh on-disk store (generation + kg.rdf conversion
+ Store.write_entities), plus peak resident memory. Not a test: figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg import demo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--institutions", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None, help="generator processes (default as `glamkg demo`)")
    ap.add_argument("--generate-only", action="store_true")
    args = ap.parse_args()
    n = args.institutions
    workers = args.workers if args.workers is not None else (1 if n >= 20_000 else 0)
    print(f"machine: {os.cpu_count()} cores; institutions {n:,}; seed {args.seed}; workers {workers}")
    demo.places()  # gazetteer load (once per process), not counted below

    t = time.perf_counter()
    entities = sum(1 for _ in demo.generate(n, args.seed, workers=workers))
    gen = time.perf_counter() - t
    print(f"generate (Record -> to_json): {entities:,} entities in {gen:.1f} s = {entities / gen:,.0f} entities/s")
    if args.generate_only:
        return

    from kg.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        with Store.open(Path(tmp) / "store") as st:
            rep = demo.write_demo(st, institutions=n, seed=args.seed, workers=workers)
            stats = st.stats() if hasattr(st, "stats") else {}
        total = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"write_demo: {rep.entities:,} entities ({rep.institutions:,} institutions, {rep.partners:,} partners, "
        f"{rep.partnerships:,} partnerships, {rep.contributions:,} contributions) in {total:.1f} s = "
        f"{rep.entities / total:,.0f} entities/s; triples {stats.get('triples', '?')}; peak RSS {peak:,.0f} MiB"
    )
    verdict = "meets" if total < 120 else "MISSES"
    print(f"target 100,000 institutions < 120 s: {verdict} at this size ({total / 120:.2f} x the budget)")


if __name__ == "__main__":
    main()

"""Dashboard page render times (Streamlit AppTest), cold and warm cache, on a demo store.

    .venv/bin/python benchmarks/bench_dashboard.py --store /tmp/demo100k            # an existing store
    .venv/bin/python benchmarks/bench_dashboard.py --institutions 100000           # builds a demo store first

Cold: the dashboard's in-memory caches (st.cache_data, st.cache_resource) cleared before the page
runs, so the run includes loading the tables from the on-disk cache (kg.dashboard.data.prepare, filled once
per store change; the time of that first read is printed separately) and every derived table. Warm: the
same page run again (median of --repeat runs) with the caches filled, as a user clicking between pages sees
it. Target: every page under 3 s on 100,000 institutions on 2 cores. Prints a Markdown table; exit code 1
when a page misses the target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APP_DIR = ROOT / "dashboards"
PAGES = ["overview", "map", "gaps", "impact", "trends", "partnerships", "partners", "quality", "explorer"]
TARGET = 3.0


def run_page(page: str) -> tuple[float, list[str]]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=600)
    if page != "overview":
        at.switch_page(str(APP_DIR / f"{page}.py"))
    t0 = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - t0
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    return seconds, problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, help="an existing store (else a demo store is built)")
    ap.add_argument("--institutions", type=int, default=100_000, help="demo size when building a store")
    ap.add_argument("--repeat", type=int, default=3, help="warm runs per page (median reported)")
    args = ap.parse_args()

    import streamlit as st

    from kg.dashboard import data as dd
    store = args.store
    if store is None:
        from kg.gaps import demo
        from kg.store import Store

        store = Path(tempfile.mkdtemp(prefix="glamkg-bench-")) / "store"
        t0 = time.perf_counter()
        with Store.open(store) as s:
            demo.write_demo(s, institutions=args.institutions, seed=1, workers=1)
        print(f"built a demo store of {args.institutions:,} institutions in {time.perf_counter() - t0:.0f} s",
              file=sys.stderr)
    os.environ["GLAMKG_STORE"] = str(store)

    cache = tempfile.mkdtemp(prefix="glamkg-bench-cache-")  # a fresh on-disk cache, removed at the end
    built = store.parent if args.store is None else None  # the demo store this run built, removed at the end
    os.environ[dd.CACHE_ENV] = cache
    try:
        return _measure(args, store, st, dd)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if built is not None:
            shutil.rmtree(built, ignore_errors=True)


def _measure(args: argparse.Namespace, store: Path, st: Any, dd: Any) -> int:
    t0 = time.perf_counter()
    data, hit = dd.prepare(store)  # reads the store and fills the on-disk cache
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    dd.prepare(store)
    restore = time.perf_counter() - t0
    h = dd.headline(data)
    print(f"store {store}: {h.institutions:,} institutions, {h.partnerships:,} partnerships, "
          f"{h.contributions:,} contributions; cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    print(f"reading the store into the dashboard tables (once per store change; `glamkg dashboard` and "
          f"`glamkg up` do it before serving): {first:.2f} s{' (was cached)' if hit else ''}; "
          f"from the on-disk cache: {restore:.2f} s")
    print()
    print("| page | cold (s) | warm, median (s) | under 3 s |")
    print("|---|---:|---:|---|")
    worst = 0.0
    failures = []
    for page in PAGES:
        st.cache_data.clear()
        st.cache_resource.clear()
        cold, problems = run_page(page)
        warm = statistics.median(run_page(page)[0] for _ in range(args.repeat))
        worst = max(worst, cold, warm)
        ok = cold < TARGET and warm < TARGET and not problems
        if not ok:
            failures.append(page)
        print(f"| {page} | {cold:.2f} | {warm:.2f} | {'yes' if ok else 'NO'} |")
        for p in problems:
            print(f"  error on {page}: {p}", file=sys.stderr)
    print()
    print(f"slowest: {worst:.2f} s (target {TARGET:.0f} s); ratio to target: {worst / TARGET:.2f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

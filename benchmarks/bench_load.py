"""Benchmark: ``glamkg load`` of N institution rows from a CSV into a fresh on-disk store, as users run it.

    .venv/bin/python benchmarks/bench_load.py [--rows 100000] [--runs 2] [--workers N] [--write-docs] [--profile]
        [--no-phases]

The load runs as a new process (``python -m kg.cli load FILE --kind institution --store S -q``): its wall time,
rows/s and peak resident memory (the largest of the process and its conversion workers, from ``wait4``) are
what a volunteer gets. Then the **engine floor**: the finished store exported to N-Triples and bulk-loaded by
Oxigraph's own loader (``Store.bulk_load(path=...)``) into an empty store, in a process of its own, nothing else:
no load can write those triples faster on this machine. The ratio of the two is issue 14's figure (goal: 1.3),
the peak memory issue 19's (goal: under 1.5 GB at 100,000 rows).

On a shared machine one run of each swings with the load of the moment (the floor took 18-38 s in one afternoon),
so ``--runs N`` (default 2) interleaves them: load, floor, load, floor, ... (each load into a new store, each floor
into a new folder, the floor's triples from the first load's export). The table gives the best of the runs of
each, the ratio is best load / best floor, and every run's figures are listed below it.

Then one more load, its parts timed inside the process (:data:`PHASES`: stream or prepare and write, closing, the
rest; ``--no-phases`` skips it), says where the gap to the floor is. ``--profile`` also runs the load in this
process under cProfile and prints the top functions. ``--write-docs``
replaces the section between the ``bench_load`` markers of docs/benchmarks.md with the figures, the data and the
machine's load (a size other than 100,000 rows has a section of its own, e.g. ``--rows 1000000``); at 100,000 and
1,000,000 rows the peak is compared with issue 19's memory budget (1.5 GB and 6 GB). Everything is written under a
temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import json
import os
import platform
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench_load:begin -->", "<!-- bench_load:end -->"
TARGET_ROWS_PER_S = 5_000
TARGET_RATIO = 1.3
#: issue 19's memory budgets: peak of the load process (MB) by rows; sizes between are not judged
MEMORY_BUDGET_MB = {100_000: 1_500, 1_000_000: 6_000}
CLASSES = ["museum", "art_museum", "library", "archives", "public_library", "history_museum"]
COUNTRIES = ["Q55", "Q183", "Q142", "Q38", "Q29", "Q145", "Q31", "Q39", "Q34", "Q20"]

# lenient, as the load's own column-wise write loads its N-Triples (kg.load.targets.store)
FLOOR = """
import sys, pyoxigraph as ox
fresh = ox.Store(sys.argv[2])
fresh.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES, lenient=True)
fresh.flush()
"""

#: ``glamkg load`` (the CLI's own ``main``, argv after the script) with its parts timed inside the process: a
#: streamed load (kg.load.stream: a sheet of new rows into an empty store) reads, maps, reconciles, checks, plans,
#: converts and bulk-loads the sheet a chunk at a time (``stream``, its first rows read before it); the
#: whole-sheet path prepares (read, map, reconcile, check, plan) then writes (convert and bulk-load into the store's
#: copy, swap; the derived tables' rows are read from the copy as it settles); then ``kg.store.compaction.on_close``
#: (``closing``: the compaction, unless the store is small or a streamed load left it merged, and whatever reads
#: were left for then); the last line printed is their JSON.
PHASES = """
import json, sys, time
started = time.perf_counter()
import kg.load.pipeline as pipeline
import kg.load.stream as stream
from kg.cli import main
from kg.load.targets.store import StoreTarget
from kg.store import compaction
took = {"stream": 0.0, "prepare": 0.0, "write": 0.0, "closing": 0.0}
compacted = []
def timed(name, fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            took[name] += time.perf_counter() - start
    return wrapper
StoreTarget.write_stream = timed("stream", StoreTarget.write_stream)
pipeline.prepare = timed("prepare", pipeline.prepare)
StoreTarget.apply = timed("write", StoreTarget.apply)
on_close = timed("closing", compaction.on_close)
def closing(*args, **kwargs):
    compacted.append(on_close(*args, **kwargs))
    return compacted[-1]
compaction.on_close = closing
code = main(sys.argv[1:])
took["total"] = time.perf_counter() - started
took["compacted"] = float(any(compacted))
print(json.dumps(took))
sys.exit(code)
"""


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


def timed(cmd: list[str], env: dict[str, str], folder: Path) -> tuple[float, float, str]:
    """(wall seconds, peak resident MB, stdout) of ``cmd``. The peak comes from ``wait4``: the largest resident
    set of the process and of the children it waited for (its conversion workers)."""
    out_file, err_file = folder / "stdout.txt", folder / "stderr.txt"
    with out_file.open("w") as out, err_file.open("w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:6])} ... failed ({proc.returncode}): {err_file.read_text()[-2000:]}")
    return took, usage.ru_maxrss / 1024, out_file.read_text()


def _remove_store(store: Path) -> None:
    """A finished run's store and what glamkg keeps beside it (snapshots, derived tables), to keep the disk free."""
    for p in [store, *store.parent.glob(store.name + ".*")]:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def phases(src: Path, folder: Path, env: dict[str, str], workers: int | None) -> dict[str, float]:
    """Seconds of each part of one more ``glamkg load`` (:data:`PHASES`), its process's own start-up and exit
    apart: ``stream`` (a streamed load), ``prepare`` and ``write`` (the whole-sheet path),
    ``closing`` (the store's close: its compaction if any, the derived tables' reads), ``compacted`` (1.0 if the
    store was compacted on close), ``rest`` (everything else after the imports: the mapping read, the derived tables
    written, the report)
    and ``total``."""
    store = folder / "store-phases"
    argv = ["load", str(src), "--kind", "institution", "--store", str(store), "-q"]
    if workers is not None:
        argv += ["--workers", str(workers)]
    _, _, out = timed([sys.executable, "-c", PHASES, *argv], env, folder)
    _remove_store(store)
    took: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    took["rest"] = took["total"] - sum(v for k, v in took.items() if k not in ("total", "compacted"))
    return took


def profile_in_process(src: Path, folder: Path, workers: int | None) -> None:
    from kg.load import load
    from kg.load.mapping import Mapping
    from kg.load.targets.store import StoreTarget
    from kg.store import Store

    with Store.open(folder / "profiled") as st:
        target = StoreTarget(st, workers=workers)
        prof = cProfile.Profile()
        prof.enable()
        load(src, Mapping.default("institution"), target, index=target.index(), exists=target.exists)
        prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(35)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=2, help="loads and floors, interleaved (best of each is reported)")
    ap.add_argument("--workers", type=int, default=None, help="--workers of glamkg load (default: its own)")
    ap.add_argument("--profile", action="store_true", help="also profile the load in this process")
    ap.add_argument("--write-docs", action="store_true", help="replace the section of docs/benchmarks.md")
    ap.add_argument("--no-phases", action="store_true", help="skip the extra load whose parts are timed")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # a user's install caches it
    env["PYTHONPATH"] = str(ROOT)
    load_before = os.getloadavg()
    started = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory(prefix="glamkg-bench-load-") as tmp:
        folder = Path(tmp)
        env["XDG_CACHE_HOME"] = str(folder / "cache")  # caches (reconciliation) in the temporary folder, not in ~
        src = folder / "institutions.csv"
        write_rows(src, args.rows)
        nt = folder / "export.nt"
        loads: list[tuple[float, float]] = []
        floors: list[tuple[float, float]] = []
        for run in range(args.runs):  # interleaved: load, floor, load, floor, ...
            store = folder / f"store{run}"
            cmd = [sys.executable, "-m", "kg.cli", "load", str(src), "--kind", "institution", "--store", str(store),
                   "-q"]
            if args.workers is not None:
                cmd += ["--workers", str(args.workers)]
            load_s, load_mb, out = timed(cmd, env, folder)
            loads.append((load_s, load_mb))
            print(f"load {run + 1}: {load_s:.1f} s, {load_mb:,.0f} MB ({out.strip()}; load average "
                  f"{os.getloadavg()[0]:.2f})", flush=True)
            if run == 0:
                subprocess.run([sys.executable, "-m", "kg.cli", "export", "--store", str(store), "-o", str(nt)],
                               env=env, check=True, capture_output=True)
                triples = sum(1 for _ in nt.open("rb"))
            _remove_store(store)
            floor = folder / f"floor{run}"
            floor_s, floor_mb, _ = timed([sys.executable, "-c", FLOOR, str(nt), str(floor)], env, folder)
            floors.append((floor_s, floor_mb))
            print(f"floor {run + 1}: {floor_s:.1f} s, {floor_mb:,.0f} MB (load average {os.getloadavg()[0]:.2f})",
                  flush=True)
            shutil.rmtree(floor, ignore_errors=True)
        took = None if args.no_phases else phases(src, folder, env, args.workers)
        if args.profile:
            profile_in_process(src, folder, args.workers)
    load_after = os.getloadavg()
    import pyoxigraph

    load_s, load_mb = min(s for s, _ in loads), max(mb for _, mb in loads)
    floor_s, floor_mb = min(s for s, _ in floors), max(mb for _, mb in floors)
    rate = args.rows / load_s
    runs = "; ".join(f"load {a:.1f} s, floor {b:.1f} s" for (a, _), (b, _) in zip(loads, floors, strict=True))
    text = (
        f"`.venv/bin/python benchmarks/bench_load.py --rows {args.rows} --runs {args.runs}` "
        f"({started:%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}; load "
        f"average {load_before[0]:.2f} / {load_before[1]:.2f} before, {load_after[0]:.2f} / {load_after[1]:.2f} "
        f"after). Data: {args.rows:,} generated institution rows (8 columns), {triples:,} triples in the store "
        f"after the load (the export of the default graph). "
        + (f"{args.runs} runs of each, interleaved (load, floor, ...): the best time of each, the largest peak.\n\n"
           if args.runs > 1 else "One run of each (load, then floor).\n\n")
        + "| what | wall time | rows/s | peak memory |\n|---|---:|---:|---:|\n"
        f"| `glamkg load` (a new process: read, check, reconcile, plan, convert, write) | {load_s:.1f} s | "
        f"{rate:,.0f} | {load_mb:,.0f} MB |\n"
        f"| engine floor: Oxigraph's bulk loader alone on the same triples | {floor_s:.1f} s | "
        f"{args.rows / floor_s:,.0f} | {floor_mb:,.0f} MB |\n\n"
        f"The load takes **{load_s / floor_s:.2f} times** the engine floor (goal {TARGET_RATIO}); "
        f"{rate:,.0f} rows/s against the target of {TARGET_ROWS_PER_S:,} (ratio {rate / TARGET_ROWS_PER_S:.2f}). "
        f"Every run, in order: {runs}.\n"
    )
    if took is not None:
        parts = (f"read, map, reconcile, check, plan, convert and bulk-load into the store's copy a chunk of rows "
                 f"at a time (kg.load.stream) {took['stream']:.1f} s" if took["stream"] else "")
        if took["prepare"] or took["write"]:  # the whole-sheet path (or a stream that stopped and fell back to it)
            parts += (", then " if parts else "") + (
                f"prepare (read, map, reconcile, check, plan) {took['prepare']:.1f} s, write (convert and bulk-load "
                f"into the store's copy) {took['write']:.1f} s")
        streamed = bool(took["stream"])
        closing = ("its compaction" + ("" if streamed else ", with the derived tables' rows read beside it")
                   if took.get("compacted") else "not compacted")
        text += (f"\nWhere a load's time goes (one more load, its parts timed inside the process, "
                 f"{took['total']:.1f} s after its imports): {parts}, the store's closing {took['closing']:.1f} s "
                 f"({closing}), the rest {took['rest']:.1f} s. The load bulk-loads in pieces (memory) while "
                 "RocksDB's compaction threads run behind it at a lower priority (kg.store.compaction)"
                 + ("; the stream ends with the copy's last flush waiting for that compaction to work off the pieces' "
                    "level-0 files (one compaction at a time on 2 cores: seconds with a core idle; the floor's single "
                    "call leaves none), while the derived tables' rows are read from the copy and the map's table is "
                    "made from the kept triples. A streamed load that leaves the store merged is not compacted again "
                    "on close (kg.store.compaction.merged; docs/notes.md, sixteenth session).\n" if streamed else
                    ".\n"))
    budget = MEMORY_BUDGET_MB.get(args.rows)
    if budget is not None:
        text += (f"\nPeak memory {load_mb:,.0f} MB against the budget of {budget:,} MB for {args.rows:,} rows: "
                 f"**{'within' if load_mb <= budget else 'over'}** it.\n")
    print(text)
    if args.write_docs:
        write_docs(text, args.rows)


def markers(rows: int) -> tuple[str, str]:
    """The markers of the section of docs/benchmarks.md a run of ``rows`` rows writes (100,000: the main one)."""
    if rows == 100_000:
        return BEGIN, END
    return f"<!-- bench_load {rows}:begin -->", f"<!-- bench_load {rows}:end -->"


def write_docs(text: str, rows: int) -> None:
    """Replace the section of ``rows`` rows in docs/benchmarks.md; a size written for the first time gets a section
    of its own after the main one."""
    begin, end = markers(rows)
    doc = DOCS.read_text(encoding="utf-8")
    if begin not in doc:
        doc = doc.replace(END, f"{END}\n\n**{rows:,} rows.**\n\n{begin}\n{end}", 1)
    before, rest = doc.split(begin, 1)
    after = rest.split(end, 1)[1]
    DOCS.write_text(f"{before}{begin}\n{text}{end}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Stress: readers query a store in a loop while `glamkg load` writes rows into it; every reader answer must be a
state some committed write left (here: before the load, or after it), never an error, never a mix.

    .venv/bin/python benchmarks/stress_readers.py [--rows 100000] [--repeat 20] [--readers 2]

Each repetition loads a fresh sheet of ``--rows`` institutions (``glamkg load``, one all-or-nothing write)
into a store that already holds one earlier batch, while ``--readers`` processes run ``glamkg query run`` (a
count of institutions) in a loop. Prints, per repetition, the reader answers seen and the errors (if any), and a
summary line; exits 1 on any reader error or any answer that is neither the count before nor after the load.
tests/test_store_readers.py runs one small repetition of the same function in the suite.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLAMKG = [sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"]
COUNT = "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i <http://www.wikidata.org/prop/direct/P31> ?c }"


def write_sheet(path: Path, rows: int, start: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["label_en", "description_en", "instance_of", "country", "isil"])
        for i in range(start, start + rows):
            w.writerow([f"Stress institution {i}", "museum for the stress test", "museum", "Q55", f"XS-S{i}"])


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*GLAMKG, *cmd], capture_output=True, text=True, env=env, check=False, **kw)  # type: ignore[call-overload]


def reader_loop(store: Path, query: Path, out: Path, stop: Path) -> subprocess.Popen[str]:
    """A reader process: runs the count query until ``stop`` exists; writes one JSON line per answer."""
    code = (
        "import json, subprocess, sys, pathlib\n"
        "store, query, out, stop = sys.argv[1:5]\n"
        "cmd = [sys.executable, '-c', 'import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))']\n"
        "with open(out, 'w') as f:\n"
        "    while not pathlib.Path(stop).exists():\n"
        "        p = subprocess.run([*cmd, 'query', 'run', query, '--store', store, '-f', 'json'],\n"
        "                           capture_output=True, text=True)\n"
        "        rec = {'code': p.returncode, 'err': p.stderr.strip()[-300:]}\n"
        "        if p.returncode == 0:\n"
        "            rec['n'] = json.loads(p.stdout)[0]['n']\n"
        "        f.write(json.dumps(rec) + '\\n'); f.flush()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, str(store), str(query), str(out), str(stop)], env=env)


def repetition(tmp: Path, rows: int, readers: int, n: int) -> dict[str, object]:
    store = tmp / f"store-{n}"
    first, second = tmp / f"first-{n}.csv", tmp / f"second-{n}.csv"
    write_sheet(first, max(rows // 10, 10), 0)
    write_sheet(second, rows, 10**7)
    done = run(["load", str(first), "--kind", "institution", "--store", str(store), "--quiet"])
    assert done.returncode == 0, done.stderr
    query = tmp / "count.rq"
    query.write_text(COUNT, encoding="utf-8")
    count = run(["query", "run", str(query), "--store", str(store), "-f", "json"])
    before = json.loads(count.stdout)[0]["n"]
    stop = tmp / f"stop-{n}"
    outs = [tmp / f"reader-{n}-{r}.jsonl" for r in range(readers)]
    procs = [reader_loop(store, query, o, stop) for o in outs]
    time.sleep(1.0)  # the readers are reading before the write starts
    started = time.perf_counter()
    done = run(["load", str(second), "--kind", "institution", "--store", str(store), "--quiet"])
    load_s = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    time.sleep(2.0)  # and after it has finished
    stop.write_text("")
    for p in procs:
        p.wait(300)
    after = before + rows
    answers = [json.loads(line) for o in outs for line in o.read_text().splitlines()]
    errors = [a["err"] for a in answers if a["code"] != 0]
    seen = sorted({a["n"] for a in answers if a["code"] == 0})
    mixed = [s for s in seen if s not in (before, after)]
    return {"before": before, "after": after, "answers": len(answers), "seen": seen, "errors": errors,
            "mixed": mixed, "load_s": round(load_s, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--readers", type=int, default=2)
    args = ap.parse_args()
    bad = 0
    with tempfile.TemporaryDirectory(prefix="glamkg-stress-") as d:
        for n in range(args.repeat):
            r = repetition(Path(d), args.rows, args.readers, n)
            ok = not r["errors"] and not r["mixed"] and r["after"] in r["seen"]  # type: ignore[operator]
            bad += not ok
            print(f"repetition {n + 1}: {'ok' if ok else 'FAILED'} {json.dumps(r)}", flush=True)
    print(f"{args.repeat - bad} of {args.repeat} repetitions: every reader answer was the state before or after "
          f"the load of {args.rows:,} rows, with no reader error" if not bad else f"{bad} repetitions FAILED")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

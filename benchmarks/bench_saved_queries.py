"""Saved queries as users run them: ``glamkg query run NAME --store S`` (the whole process, best of two runs, no
cached result) on the stores ``glamkg demo`` builds, beside Virtuoso open source and ``oxigraph serve`` answering
the same text on the same data over loopback HTTP.

    .venv/bin/python benchmarks/bench_saved_queries.py                       # 10k and 100k, table on stdout
    .venv/bin/python benchmarks/bench_saved_queries.py --sizes 100000 --write-docs
    .venv/bin/python benchmarks/bench_saved_queries.py --sizes 100000,1000000 --runs 1 --write-docs --section scale
    .venv/bin/python benchmarks/bench_saved_queries.py --sizes 100000 --store S --no-peers   # a store you have

For each size: ``glamkg demo --institutions N`` into a temporary folder (timed: the demo's build time is a
figure of issue 19), ``glamkg stats`` for the triple count, then every saved query through the CLI with its
default parameters, output to a CSV file in the temporary folder. The peers get the text glamkg itself sends to
a remote endpoint (``kg.query.bound_text``: parameters bound, the store's WDQS translation not needed there) and
are timed from a POST to the last byte of the SPARQL JSON answer (the engine's work plus its serialisation, no
Python process start): Virtuoso 7 from the Debian package (``virtuoso-opensource``; bulk-loaded from
``glamkg export``), skipped with the reason where it is not installed; ``oxigraph serve-read-only`` on a copy
of the store. Row counts of the three are compared.

``--store S`` times the queries on a store that ``glamkg demo --institutions N`` built before (one size, N;
opened read-only as every query does; the demo's time is then not measured). ``--no-peers`` leaves out the
export, ``oxigraph serve`` and Virtuoso (minutes of loading at 100k) when only glamkg's side is compared.

``--write-docs`` replaces the section between the ``bench_saved_queries`` markers of docs/benchmarks.md with the
table, the data measured and the machine's load: no hand-typed figures (``--section scale``: the markers
``bench_saved_queries:scale``, for the run across sizes). With two sizes or more the text ends with the crossover:
the size from which Virtuoso's total over the saved queries is below glamkg's, interpolated between the measured
sizes (log-linear), or which engine was faster at every measured size. The demo's peak memory is measured too
(``wait4``: the largest of the process and its workers). A query that fails through the CLI (at 1M a watchdog or
limit may stop it) is a row saying so, not the end of the run. Everything is written under a temporary
folder, removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import requests  # noqa: E402

from kg import query  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench_saved_queries:begin -->", "<!-- bench_saved_queries:end -->"
GLAMKG = [sys.executable, "-m", "kg.cli"]
# Virtuoso tuned as its own docs advise for a machine with 8 GB free (NumberOfBuffers 680,000, about 5.2 GB of
# page buffers; this machine has 24 GiB): the tests' small setting would make it read pages from disk at 1M
VIRTUOSO_BUFFERS = 680_000


def peak_run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB of the process and its children, from ``wait4``) of ``cmd``."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.read()[-2000:]!r}")
    return took, usage.ru_maxrss / 1024


def glamkg(*args: str, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run([*GLAMKG, *args], capture_output=True, text=True, env=env, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"glamkg {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return took, done


def rows_of(csv_file: Path) -> int:
    with csv_file.open(encoding="utf-8") as f:
        return max(sum(1 for _ in f) - 1, 0)


def post(url: str, text: str) -> tuple[float, int]:
    """Seconds from the POST to the last byte of the JSON answer, and its number of rows."""
    start = time.perf_counter()
    r = requests.post(
        url, data={"query": text}, headers={"Accept": "application/sparql-results+json"}, timeout=600
    )
    r.raise_for_status()
    body = r.content
    took = time.perf_counter() - start
    return took, len(json.loads(body)["results"]["bindings"])


@contextlib.contextmanager
def oxigraph_serve(store: Path) -> Iterator[str]:
    from query_fixture_data import free_port, oxigraph_exe

    exe = oxigraph_exe() or Path("oxigraph")
    port = free_port()
    proc = subprocess.Popen(
        [str(exe), "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url, params={"query": "ASK {}"}, timeout=5).raise_for_status()
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read() if proc.stderr else ""
                    raise RuntimeError(f"oxigraph serve did not start: {err!r}") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


@contextlib.contextmanager
def virtuoso(folder: Path, nt_file: Path) -> Iterator[str | None]:
    from virtuoso_server import MISSING, Virtuoso

    try:
        with Virtuoso.start(folder, buffers=VIRTUOSO_BUFFERS) as v:
            v.bulk_load(nt_file, timeout=4 * 3600)  # 57 M triples at 1M: minutes, more on a busy machine
            yield v.sparql_url
    except RuntimeError as e:
        if MISSING in str(e):
            print(f"Virtuoso skipped: {MISSING}", file=sys.stderr)
            yield None
        else:
            raise


def best(times: list[float]) -> float:
    return min(times)


def measure(size: int, work: Path, runs: int, *, store: Path | None = None, peers: bool = True) -> dict:
    """``store``: an existing store (``glamkg demo --institutions size`` built it) read as it is, not built here;
    ``peers``: also time ``oxigraph serve`` and Virtuoso (an export and a bulk load, minutes at 100k)."""
    # bytecode cached as in a user's install (pip compiles it; a checkout caches it on first import): a
    # PYTHONDONTWRITEBYTECODE in the environment (some sandboxes set it) would compile kg on every start
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # a new user's demo: no places table cached by an earlier one (kg.gaps.demo_draws.places); nothing written in ~
    env["XDG_CACHE_HOME"] = str(work / f"cache-{size}")
    demo_s = demo_mb = None
    if store is None:
        store = work / "store"
        demo_s, demo_mb = peak_run([*GLAMKG, "demo", "--institutions", str(size), "--store", str(store)], env)
    env["GLAMKG_STORE"] = str(store)
    _, stats = glamkg("stats", "--store", str(store), "--format", "json", env=env)
    counts = json.loads(stats.stdout)
    empty_s = min(
        glamkg("query", "run", "residencies_wikimedians_in_residence", "--store", str(store), "-o",
               str(work / "empty.csv"), "--format", "csv", env=env)[0]
        for _ in range(runs)
    )
    out = {"size": size, "demo_s": demo_s, "demo_mb": demo_mb, "stats": counts, "empty_s": empty_s, "queries": [],
           "disk_mb": sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 2**20}
    rows: dict[str, dict] = {}
    for q in query.catalog():
        target = work / f"{q.name}.csv"
        try:
            took = [glamkg("query", "run", q.name, "--store", str(store), "-o", str(target), "--format", "csv",
                           env=env)[0] for _ in range(runs)]
        except RuntimeError as e:  # stopped by a limit or the watchdog: a row that says so
            said = [line.strip() for line in str(e).splitlines() if line.strip().lower().startswith("error:")]
            rows[q.name] = {"name": q.name, "glamkg_s": None, "rows": None, "text": query.bound_text(q),
                            "failed": (said or [str(e).strip().splitlines()[-1]])[0][:200]}
            print(f"{size:>7} {q.name:45s} glamkg FAILED {rows[q.name]['failed']}", flush=True)
            continue
        rows[q.name] = {"name": q.name, "glamkg_s": best(took), "rows": rows_of(target), "text": query.bound_text(q)}
        print(f"{size:>7} {q.name:45s} glamkg {best(took):6.2f} s  {rows[q.name]['rows']:>7} rows", flush=True)
    out["queries"] = list(rows.values())
    if not peers:
        for r in rows.values():
            r.update(oxigraph_serve_s=None, oxigraph_serve_rows=None, virtuoso_s=None, virtuoso_rows=None)
        return out
    export = work / "export.nt"
    glamkg("export", "--store", str(store), "--format", "nt", "-o", str(export), env=env)
    copy = work / "served"
    shutil.copytree(store, copy, ignore=shutil.ignore_patterns("LOCK"))
    with oxigraph_serve(copy) as ox_url, virtuoso(work / "virtuoso", export) as v_url:
        for r in rows.values():
            for key, url in (("oxigraph_serve", ox_url), ("virtuoso", v_url)):
                if url is None:
                    r[key + "_s"], r[key + "_rows"] = None, None
                    continue
                try:
                    answers = [post(url, r["text"]) for _ in range(runs)]
                except (requests.RequestException, ValueError) as e:  # a timeout, an error status, a bad body
                    print(f"{size:>7} {r['name']:45s} {key} failed: {e}", flush=True)
                    r[key + "_s"], r[key + "_rows"] = None, None
                    continue
                r[key + "_s"], r[key + "_rows"] = min(a[0] for a in answers), answers[0][1]
            print(f"{size:>7} {r['name']:45s} serve {_s(r['oxigraph_serve_s'])} s  virtuoso "
                  f"{_s(r['virtuoso_s'])} s", flush=True)
    return out


def _s(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def per_query(results: list[dict], names: set[str]) -> str:
    """What the totals hide (one big answer can decide them: 929,364 map rows written as JSON by Virtuoso): per
    size, on how many queries Virtuoso was faster and the median of glamkg's time over Virtuoso's; and the size at
    which glamkg's median query passes 1 s (log-linear between the measured sizes), where its answers stop being
    interactive."""
    parts, medians = [], []
    for r in results:
        qs = [q for q in r["queries"] if q["name"] in names]
        ratios = sorted(q["glamkg_s"] / max(q["virtuoso_s"], 1e-9) for q in qs)
        median = statistics.median(q["glamkg_s"] for q in qs)
        medians.append((r["size"], median))
        parts.append(f"{r['size']:,}: Virtuoso faster on {sum(x > 1 for x in ratios)} of {len(qs)}, median ratio "
                     f"{statistics.median(ratios):.1f}x, glamkg's median query {median:.2f} s")
    text = "Per query: " + "; ".join(parts) + "."
    for (s1, m1), (s2, m2) in itertools.pairwise(medians):
        if m1 < 1 <= m2 and m2 != m1:
            at = s1 * (s2 / s1) ** (math.log(1 / m1) / math.log(m2 / m1))
            text += (f" glamkg's median saved query passes 1 s at about **{at:,.0f} institutions** (interpolated): "
                     "above that size, move to a server engine (`glamkg export`, then `--endpoint`).")
    return text


def crossover(results: list[dict]) -> str:
    """Where Virtuoso's total over the saved queries falls below glamkg's, from the measured sizes (the queries both
    answered at every size; interpolated log-linearly in size between the two sizes where the ratio crosses 1)."""
    both = [r for r in results if any(q["virtuoso_s"] is not None for q in r["queries"])]
    if len(both) < 2:
        return ""
    names = set.intersection(*({q["name"] for q in r["queries"] if q["glamkg_s"] is not None
                                 and q["virtuoso_s"] is not None} for r in both))
    points = []
    for r in both:
        qs = [q for q in r["queries"] if q["name"] in names]
        points.append((r["size"], sum(q["glamkg_s"] for q in qs) / max(sum(q["virtuoso_s"] for q in qs), 1e-9)))
    said = ", ".join(f"{size:,}: {ratio:.2f}x" for size, ratio in points)
    head = (f"Crossover (the {len(names)} saved queries both answered at every size; glamkg's total over "
            f"Virtuoso's, whole `glamkg query run` processes against answers over HTTP): {said}. "
            f"{per_query(both, names)} ")
    for (s1, r1), (s2, r2) in itertools.pairwise(points):
        if (r1 - 1) * (r2 - 1) <= 0 and r1 != r2:
            at = s1 * (s2 / s1) ** ((0 - math.log(r1)) / (math.log(r2) - math.log(r1)))
            faster, slower = ("Virtuoso", "glamkg") if r2 > 1 else ("glamkg", "Virtuoso")
            return head + (f"The ratio crosses 1 at about **{at:,.0f} institutions** (interpolated): above it "
                           f"{faster} answers the saved queries in less time than {slower}.")
    if all(r > 1 for _, r in points):
        return head + "Virtuoso was faster in total at every measured size."
    return head + "glamkg was faster in total at every measured size."


def table(results: list[dict]) -> str:
    lines = []
    for res in results:
        st = res["stats"]
        qs = res["queries"]
        ran = [q for q in qs if q["glamkg_s"] is not None]
        total = sum(q["glamkg_s"] for q in ran)
        answered = [q for q in ran if q["virtuoso_s"] is not None]
        memory = f" (peak memory {res['demo_mb']:,.0f} MB" if res.get("demo_mb") else ""
        memory += f", store {res['disk_mb'] / 1024:,.1f} GiB on disk)" if memory and res.get("disk_mb") else (
            ")" if memory else "")
        lines += [
            f"### {res['size']:,} institutions (`glamkg demo --institutions {res['size']}`)",
            "",
            f"Store: {st.get('triples', '?'):,} triples. "
            + ("(an existing store, not built here). " if res["demo_s"] is None else
               f"`glamkg demo` took {res['demo_s']:.1f} s{memory}. ")
            + f"`glamkg query run` of a query with an empty answer (start-up, store open): {res['empty_s']:.2f} s.",
            "",
            "| query | glamkg query run (s) | rows | oxigraph serve (s) | Virtuoso (s) | rows equal |",
            "|---|---|---|---|---|---|",
        ]
        for q in qs:
            if q["glamkg_s"] is None:
                lines.append(f"| `{q['name']}` | failed: {q['failed']} | - | {_s(q['oxigraph_serve_s'])} | "
                             f"{_s(q['virtuoso_s'])} | - |")
                continue
            peers = [q.get("oxigraph_serve_rows"), q.get("virtuoso_rows")]
            equal = all(p is None or p == q["rows"] for p in peers)
            flag = "" if q["glamkg_s"] < 1 else " **over 1 s**"
            lines.append(
                f"| `{q['name']}` | {q['glamkg_s']:.2f}{flag} | {q['rows']:,} | {_s(q['oxigraph_serve_s'])} | "
                f"{_s(q['virtuoso_s'])} | {'yes' if equal else 'NO'} |"
            )
        under = sum(1 for q in ran if q["glamkg_s"] < 1)
        lines += ["", f"Under 1 s through the CLI: {under} of {len(qs)}. Total: glamkg {total:.1f} s (whole processes)"]
        if answered:
            lines[-1] += (
                f", Virtuoso {sum(q['virtuoso_s'] for q in answered):.1f} s (answers over HTTP; ratio "
                f"{total / max(sum(q['virtuoso_s'] for q in answered), 1e-9):.1f}x)"
            )
        served = [q["oxigraph_serve_s"] for q in qs if q["oxigraph_serve_s"] is not None]
        if served and len(served) == len(qs):
            lines[-1] += f", oxigraph serve {sum(served):.1f} s"
        lines[-1] += "."
        lines.append("")
    cross = crossover(results)
    if cross:
        lines += [cross, ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--write-docs", action="store_true", help="replace the section of docs/benchmarks.md")
    ap.add_argument("--section", default="", help="write the markers bench_saved_queries:SECTION (e.g. scale)")
    ap.add_argument("--store", type=Path, help="time the queries on this existing store (built by `glamkg demo "
                    "--institutions N` with N the one size given), read only, instead of building one")
    ap.add_argument("--no-peers", action="store_true", help="glamkg only: no export, oxigraph serve or Virtuoso")
    args = ap.parse_args()
    if args.store is not None and "," in args.sizes:
        ap.error("--store measures one store: give the one size it was built with (--sizes N)")
    begin, end = BEGIN, END
    if args.section:
        begin, end = (m.replace("bench_saved_queries:", f"bench_saved_queries:{args.section}:") for m in (BEGIN, END))
    load_before = os.getloadavg()
    started = dt.datetime.now(dt.UTC)
    results = []
    with tempfile.TemporaryDirectory(prefix="glamkg-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            work = Path(tmp) / str(size)
            work.mkdir()
            results.append(measure(size, work, args.runs, store=args.store, peers=not args.no_peers))
            shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    import pyoxigraph

    extra = (f" --store {args.store}" if args.store else "") + (" --no-peers" if args.no_peers else "")
    head = (
        f"`.venv/bin/python benchmarks/bench_saved_queries.py --sizes {args.sizes} --runs {args.runs}{extra}` "
        f"({started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"pyoxigraph {pyoxigraph.__version__}; load average {load_before[0]:.2f} / {load_before[1]:.2f} before, "
        f"{load_after[0]:.2f} / {load_after[1]:.2f} after). glamkg: the whole `glamkg query run NAME --store S "
        f"--format csv -o out.csv` process, best of {args.runs}. "
        + ("Peers: not measured (--no-peers).\n" if args.no_peers else
           f"Peers: the same text over loopback HTTP, POST to last byte, best of {args.runs}.\n")
    )
    text = head + "\n" + table(results)
    print(text)
    if args.write_docs:
        doc = DOCS.read_text(encoding="utf-8")
        if begin not in doc:
            doc += f"\n## Saved queries through the CLI, beside Virtuoso\n\n{begin}\n{end}\n"
        before, rest = doc.split(begin, 1)
        after = rest.split(end, 1)[1]
        DOCS.write_text(f"{before}{begin}\n{text}{end}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()

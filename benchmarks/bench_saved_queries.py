"""Saved queries as users run them: ``glamkg query run NAME --store S`` (the whole process, best of two runs, no
cached result) on the stores ``glamkg demo`` builds, beside Virtuoso open source and ``oxigraph serve`` answering
the same text on the same data over loopback HTTP.

    .venv/bin/python benchmarks/bench_saved_queries.py                       # 10k and 100k, table on stdout
    .venv/bin/python benchmarks/bench_saved_queries.py --sizes 100000 --write-docs
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
table, the data measured and the machine's load: no hand-typed figures. Everything is written under a temporary
folder, removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
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
        with Virtuoso.start(folder) as v:
            v.bulk_load(nt_file)
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
    demo_s = None
    if store is None:
        store = work / "store"
        demo_s = glamkg("demo", "--institutions", str(size), "--store", str(store), env=env)[0]
    env["GLAMKG_STORE"] = str(store)
    _, stats = glamkg("stats", "--store", str(store), "--format", "json", env=env)
    counts = json.loads(stats.stdout)
    empty_s = min(
        glamkg("query", "run", "residencies_wikimedians_in_residence", "--store", str(store), "-o",
               str(work / "empty.csv"), "--format", "csv", env=env)[0]
        for _ in range(runs)
    )
    out = {"size": size, "demo_s": demo_s, "stats": counts, "empty_s": empty_s, "queries": []}
    rows: dict[str, dict] = {}
    for q in query.catalog():
        target = work / f"{q.name}.csv"
        took = [glamkg("query", "run", q.name, "--store", str(store), "-o", str(target), "--format", "csv", env=env)[0]
                for _ in range(runs)]
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
                answers = [post(url, r["text"]) for _ in range(runs)]
                r[key + "_s"], r[key + "_rows"] = min(a[0] for a in answers), answers[0][1]
            print(f"{size:>7} {r['name']:45s} serve {r['oxigraph_serve_s']:6.2f} s  virtuoso "
                  f"{r['virtuoso_s'] if r['virtuoso_s'] is None else round(r['virtuoso_s'], 2)} s", flush=True)
    return out


def table(results: list[dict]) -> str:
    lines = []
    for res in results:
        st = res["stats"]
        qs = res["queries"]
        total = sum(q["glamkg_s"] for q in qs)
        answered = [q for q in qs if q["virtuoso_s"] is not None]
        lines += [
            f"### {res['size']:,} institutions (`glamkg demo --institutions {res['size']}`)",
            "",
            f"Store: {st.get('triples', '?'):,} triples. "
            + ("(an existing store, not built here). " if res["demo_s"] is None else
               f"`glamkg demo` took {res['demo_s']:.1f} s. ")
            + f"`glamkg query run` of a query with an empty answer (start-up, store open): {res['empty_s']:.2f} s.",
            "",
            "| query | glamkg query run (s) | rows | oxigraph serve (s) | Virtuoso (s) | rows equal |",
            "|---|---|---|---|---|---|",
        ]
        for q in qs:
            peers = [q.get("oxigraph_serve_rows"), q.get("virtuoso_rows")]
            equal = all(p is None or p == q["rows"] for p in peers)
            v = "-" if q["virtuoso_s"] is None else f"{q['virtuoso_s']:.2f}"
            serve = "-" if q["oxigraph_serve_s"] is None else f"{q['oxigraph_serve_s']:.2f}"
            flag = "" if q["glamkg_s"] < 1 else " **over 1 s**"
            lines.append(
                f"| `{q['name']}` | {q['glamkg_s']:.2f}{flag} | {q['rows']:,} | {serve} | {v} | "
                f"{'yes' if equal else 'NO'} |"
            )
        under = sum(1 for q in qs if q["glamkg_s"] < 1)
        lines += ["", f"Under 1 s through the CLI: {under} of {len(qs)}. Total: glamkg {total:.1f} s (whole processes)"]
        if answered:
            lines[-1] += (
                f", Virtuoso {sum(q['virtuoso_s'] for q in answered):.1f} s (answers over HTTP; ratio "
                f"{total / max(sum(q['virtuoso_s'] for q in answered), 1e-9):.1f}x)"
            )
        if all(q["oxigraph_serve_s"] is not None for q in qs):
            lines[-1] += f", oxigraph serve {sum(q['oxigraph_serve_s'] for q in qs):.1f} s"
        lines[-1] += "."
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--write-docs", action="store_true", help="replace the section of docs/benchmarks.md")
    ap.add_argument("--store", type=Path, help="time the queries on this existing store (built by `glamkg demo "
                    "--institutions N` with N the one size given), read only, instead of building one")
    ap.add_argument("--no-peers", action="store_true", help="glamkg only: no export, oxigraph serve or Virtuoso")
    args = ap.parse_args()
    if args.store is not None and "," in args.sizes:
        ap.error("--store measures one store: give the one size it was built with (--sizes N)")
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
        if BEGIN not in doc:
            doc += f"\n## Saved queries through the CLI, beside Virtuoso\n\n{BEGIN}\n{END}\n"
        before, rest = doc.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        DOCS.write_text(f"{before}{BEGIN}\n{text}{END}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()

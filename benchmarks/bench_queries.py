"""Saved-query latency: every ``queries/*.rq`` (default parameters) on 10k and 100k synthetic institutions,
on the embedded Oxigraph store (through ``kg.query.run``, DataFrame included) and on an rdflib in-memory
Graph holding the same triples, reported as a ratio.

    .venv/bin/python benchmarks/bench_queries.py                      # 10k and 100k
    .venv/bin/python benchmarks/bench_queries.py --sizes 10000 --runs 5 --rdflib-timeout 60

The data are WDQS-form triples generated here (truthy ``wdt:`` statements, labels, descriptions, statement
nodes with qualifiers for Wikimedians in residence) with the shape of kg.gaps.demo: institutions of the 14 model
classes in ~60 countries, partner organisations, partnerships (1-3 institutions + a partner), contributions
(1-3 per partnership). Generating them directly keeps the benchmark about queries, not about loading.

The load average (``os.getloadavg``) is printed before and after each size's Oxigraph timings: on a shared
machine it says how far the figures can be trusted. Queries run with their default parameters (the
``quality_*`` lists with their default ``LIMIT 1000``).

Oxigraph: one warm-up run, then the median of ``--runs`` runs. rdflib: one run per query (it is slow), in a
child process with a per-query time limit; a query over the limit is reported as ``>limit``. The two engines'
row counts are compared and a mismatch is reported.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from kg import query  # noqa: E402
from kg.model.schema import model  # noqa: E402

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
P, PS, PQ = "http://www.wikidata.org/prop/", "http://www.wikidata.org/prop/statement/", "http://www.wikidata.org/prop/qualifier/"
WDS = "http://www.wikidata.org/entity/statement/"
LOCAL = "https://glamkg.invalid/entity/"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
DESC = "<http://schema.org/description>"
XSD = "http://www.w3.org/2001/XMLSchema#"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"


def _iri(qid: str) -> str:
    n = int(qid[1:])
    return f"<{LOCAL if n >= model().local_id_min else WD}{qid}>"


def _date(y: int, m: int = 1, d: int = 1) -> str:
    return f'"{y:04d}-{m:02d}-{d:02d}T00:00:00Z"^^<{XSD}dateTime>'


def synthetic(institutions: int, seed: int = 7) -> bytes:
    """N-Triples of the synthetic dataset."""
    from kg.model import regions
    rng = random.Random(seed)
    m = model()
    inst_classes = [m.cls(k).id for k in m.kind("institution").allowed_classes]
    inst_weights = [30, 5, 4, 2, 2, 20, 1, 10, 5, 12, 1, 4, 2, 2]
    partner_classes = [m.cls(k).id for k in m.kind("partner").allowed_classes]
    pship_classes = [m.cls(k).id for k in m.kind("partnership").allowed_classes]
    contrib_classes = [m.cls(k).id for k in m.kind("contribution").allowed_classes]
    countries = [q for q in regions.countries()["qid"] if q][:60]
    c_weights = [1 / (i + 1) for i in range(len(countries))]
    lines: list[str] = []
    add = lines.append
    p = lambda pid: f"<{WDT}{pid}>"  # noqa: E731
    for cls in inst_classes + partner_classes + pship_classes + contrib_classes + countries:
        add(f'{_iri(cls)} {RDFS_LABEL} "label of {cls}"@en .')
    base = 200_000_000
    inst_ids = [f"Q{base + i}" for i in range(institutions)]
    for i, qid in enumerate(inst_ids):
        s = _iri(qid)
        add(f"{s} {p('P31')} {_iri(rng.choices(inst_classes, inst_weights)[0])} .")
        if rng.random() < 0.98:
            add(f"{s} {p('P17')} {_iri(rng.choices(countries, c_weights)[0])} .")
        if rng.random() < 0.9:
            add(f'{s} {p("P625")} "Point({rng.uniform(-170, 170):.4f} {rng.uniform(-60, 70):.4f})"^^<{WKT}> .')
        if rng.random() < 0.7:
            add(f"{s} {p('P571')} {_date(rng.randint(1500, 2020), rng.randint(1, 12), rng.randint(1, 28))} .")
        if rng.random() < 0.4:
            add(f'{s} {p("P791")} "XX-{i}" .')
        add(f'{s} {RDFS_LABEL} "Institution {i}"@en .')
        if rng.random() < 0.3:
            add(f'{s} {RDFS_LABEL} "Instelling {i}"@nl .')
        add(f'{s} {DESC} "synthetic institution"@en .')
    partners = [f"Q{base + 10_000_000 + i}" for i in range(max(10, institutions // 50))]
    for i, qid in enumerate(partners):
        add(f"{_iri(qid)} {p('P31')} {_iri(rng.choice(partner_classes))} .")
        add(f'{_iri(qid)} {RDFS_LABEL} "Partner {i}"@en .')
    local = m.local_id_min + 1_000_000
    n_pships = max(10, institutions // 5)
    for i in range(n_pships):
        s = _iri(f"Q{local + i}")
        add(f"{s} {p('P31')} {_iri(rng.choice(pship_classes))} .")
        for inst in rng.sample(inst_ids, rng.choice([1, 1, 2, 3])):
            add(f"{s} {p('P710')} {_iri(inst)} .")
        add(f"{s} {p('P710')} {_iri(rng.choice(partners))} .")
        start = rng.randint(2005, 2024)
        add(f"{s} {p('P580')} {_date(start, rng.randint(1, 12))} .")
        if rng.random() < 0.6:
            add(f"{s} {p('P582')} {_date(min(2025, start + rng.randint(0, 4)), 12, 31)} .")
        add(f'{s} {RDFS_LABEL} "Partnership {i}"@en .')
        for k in range(rng.randint(1, 3)):
            c = _iri(f"Q{local + 5_000_000 + 3 * i + k}")
            add(f"{c} {p('P31')} {_iri(rng.choice(contrib_classes))} .")
            add(f"{c} {p('P361')} {s} .")
            add(f'{c} {p("P1114")} "+{rng.randint(1, 5000)}"^^<{XSD}decimal> .')
            add(f"{c} {p('P585')} {_date(start + 1)} .")
    for i in range(max(5, institutions // 100)):
        person = _iri(f"Q{base + 20_000_000 + i}")
        st = f"<{WDS}Q{base + 20_000_000 + i}-1>"
        add(f"{person} {p('P106')} <{WD}Q3809586> .")
        add(f"{person} <{P}P106> {st} .")
        add(f"{st} <{PS}P106> <{WD}Q3809586> .")
        add(f"{st} <{PQ}P108> {_iri(rng.choice(inst_ids))} .")
        add(f"{st} <{PQ}P580> {_date(rng.randint(2008, 2024))} .")
        if rng.random() < 0.5:
            add(f"{st} <{PQ}P937> <{WD}Q{rng.randint(1, 1000)}> .")
        add(f'{person} {RDFS_LABEL} "Resident {i}"@en .')
    return ("\n".join(lines) + "\n").encode("utf-8")


def _timed_oxigraph(store: ox.Store, q: query.SavedQuery, runs: int) -> tuple[float, int]:
    df = query.run(q, store=store)  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        df = query.run(q, store=store)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(df)


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def _rdflib_worker(data: bytes, texts: list[tuple[str, str]], limit: int, out: Any) -> None:
    import rdflib

    g = rdflib.Graph()
    t0 = time.perf_counter()
    g.parse(data=data, format="nt")
    out.put(("__load__", time.perf_counter() - t0, len(g)))
    signal.signal(signal.SIGALRM, _alarm)
    for name, text in texts:
        signal.alarm(limit)
        try:
            t0 = time.perf_counter()
            n = len(list(g.query(text)))
            out.put((name, time.perf_counter() - t0, n))
        except _Timeout:
            out.put((name, None, None))
        except Exception as e:  # rdflib rejects a construct: report, do not stop
            out.put((name, f"error: {type(e).__name__}: {str(e)[:80]}", None))
        finally:
            signal.alarm(0)
    out.put(("__done__", 0, 0))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench(size: int, runs: int, limit: int, with_rdflib: bool) -> list[dict[str, Any]]:
    t0 = time.perf_counter()
    data = synthetic(size)
    gen = time.perf_counter() - t0
    store = ox.Store()
    t0 = time.perf_counter()
    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    load = time.perf_counter() - t0
    print(f"\n## {size:,} institutions: {len(store):,} triples (generated {gen:.1f} s, oxigraph load {load:.1f} s)")
    saved = query.catalog()
    rows: list[dict[str, Any]] = []
    print(f"  load average before: {_load()}", flush=True)
    for q in saved:
        med, n = _timed_oxigraph(store, q, runs)
        rows.append({"query": q.name, "size": size, "oxigraph_s": med, "rows": n})
        print(f"  oxigraph {q.name:<42} {med * 1000:9.1f} ms  {n:>7} rows", flush=True)
    print(f"  load average after:  {_load()}", flush=True)
    if with_rdflib:
        texts = [
            (q.name, query.with_values_block(query.with_limit(q.text, q, {}), query.bind_values(q, {})))
            for q in saved
        ]
        ctx = mp.get_context("fork")
        out = ctx.Queue()
        proc = ctx.Process(target=_rdflib_worker, args=(data, texts, limit, out))
        proc.start()
        by_name = {r["query"]: r for r in rows}
        while True:
            name, secs, n = out.get()
            if name == "__done__":
                break
            if name == "__load__":
                print(f"  rdflib load {secs:.1f} s ({n:,} triples)", flush=True)
                continue
            r = by_name[name]
            r["rdflib_s"], r["rdflib_rows"] = secs, n
            shown = f">{limit} s" if secs is None else (secs if isinstance(secs, str) else f"{secs * 1000:.1f} ms")
            print(f"  rdflib   {name:<42} {shown:>12}", flush=True)
        proc.join()
    return rows


def markdown(rows: list[dict[str, Any]], limit: int, runs: int) -> str:
    sizes = sorted({r["size"] for r in rows})
    names = sorted({r["query"] for r in rows})
    head = "| query | " + " | ".join(
        f"oxigraph {s // 1000}k (ms) | rdflib {s // 1000}k (ms) | ratio" for s in sizes
    ) + f" | rows {sizes[-1] // 1000}k"
    out = [head + " |", "|---" * (2 + 3 * len(sizes)) + "|"]
    for name in names:
        cells = [f"`{name}`"]
        for s in sizes:
            r = next(x for x in rows if x["query"] == name and x["size"] == s)
            ox_ms = r["oxigraph_s"] * 1000
            rd = r.get("rdflib_s", "n/a")
            if rd is None:
                rd_cell, ratio = f">{limit * 1000:,}", f">{limit / r['oxigraph_s']:,.0f}x"
            elif isinstance(rd, str):
                rd_cell, ratio = rd, "–"
            else:
                rd_cell, ratio = f"{rd * 1000:,.0f}", f"{rd / r['oxigraph_s']:,.0f}x"
                if r.get("rdflib_rows") != r["rows"]:
                    ratio += f" (rows differ: {r['rows']} vs {r['rdflib_rows']})"
            cells += [f"{ox_ms:,.1f}", rd_cell, ratio]
        last = next(x for x in rows if x["query"] == name and x["size"] == sizes[-1])
        cells.append(f"{last['rows']:,}")
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated institution counts")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per query on oxigraph (median)")
    ap.add_argument("--rdflib-timeout", type=int, default=120, help="seconds per query on rdflib")
    ap.add_argument("--no-rdflib", action="store_true")
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows += bench(size, args.runs, args.rdflib_timeout, not args.no_rdflib)
    print()
    print(markdown(rows, args.rdflib_timeout, args.runs))
    worst = max(rows, key=lambda r: r["oxigraph_s"])
    print(f"\nslowest on oxigraph: {worst['query']} at {worst['size']:,}: {worst['oxigraph_s'] * 1000:.0f} ms")
    over = [r for r in rows if r["oxigraph_s"] >= 1.0]
    for r in over:
        print(f"over 1 s: {r['query']} at {r['size']:,}: {r['oxigraph_s'] * 1000:.0f} ms ({r['rows']:,} rows)")
    if not over:
        print("every saved query under 1 s at every size")
    return 0


if __name__ == "__main__":
    sys.exit(main())

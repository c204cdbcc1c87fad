"""How fast does `glamkg import wikidata` turn service answers into store content?

Serves N synthetic institutions in WDQS's RDF shape from a pyoxigraph-backed SPARQL endpoint on 127.0.0.1
(the same shape as tests/test_importer_wdqs.py), runs the real import against it, and times each stage:

- fetch:   HTTP exchange + the local server's query time (NOT representative of WDQS: see docs/import.md)
- parse:   SPARQL JSON -> FetchedItem (kg.wikidata.fetch.details_items)
- convert: FetchedItem -> Record -> entity JSON (kg.wikidata.importer.record_of, kg.model.entities.to_json)
- write:   Store.write_entities (kg.rdf.wdqs_triples + one transaction per page)

and prints rows/s and items/s for parse+convert+write, the part of a real import that runs on this machine.

With ``--prefill N`` the on-disk store first receives N other institutions (written directly, no server),
so that the end-to-end figure shows whether writes slow down as the store grows during a full import.

    .venv/bin/python benchmarks/bench_import.py [--items 3000] [--page-size 200] [--prefill 0]
"""

from __future__ import annotations

import argparse
import http.server
import statistics
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.http import HttpClient
from kg.model.entities import to_json
from kg.store import Store
from kg.wikidata import fetch as wf
from kg.wikidata import importer
from kg.wikidata.checkpoint import Checkpoint

WD = "http://www.wikidata.org/entity/"
ROOT = "http://www.wikidata.org/"
WB = "http://wikiba.se/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def synthetic_nt(n: int) -> str:
    """n museums in NL, WDQS shape: labels (en, fr, de), description, alias, P31, P17, P131, P791, P856,
    best-rank P625 and P571 with value nodes. About 20 result rows per item in the details answer."""
    out = [f'<{WD}Q55> <http://www.w3.org/2000/01/rdf-schema#label> "Netherlands"@en .',
           f'<{WD}Q55> <{ROOT}prop/direct/P297> "NL" .']
    for i in range(n):
        s = f"<{WD}Q{100000 + i}>"
        st, node = f"<{ROOT}statement/c{i}>", f"<{ROOT}value/c{i}>"
        sti, nodei = f"<{ROOT}statement/i{i}>", f"<{ROOT}value/i{i}>"
        lat, lon = 50.8 + (i % 1000) / 1000, 3.4 + (i % 3000) / 1000
        point = f'"Point({lon} {lat})"^^<{wf.WKT_LITERAL}>'
        date = f'"{1800 + i % 200}-01-01T00:00:00Z"^^<{XSD}dateTime>'
        out += [
            f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "Museum {i}"@en .',
            f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "Musée {i}"@fr .',
            f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "Museum {i} (de)"@de .',
            f'{s} <http://schema.org/description> "museum in the Netherlands"@en .',
            f'{s} <http://www.w3.org/2004/02/skos/core#altLabel> "M{i}"@en .',
            f"{s} <{ROOT}prop/direct/P31> <{WD}Q33506> .",
            f"{s} <{ROOT}prop/direct/P17> <{WD}Q55> .",
            f"{s} <{ROOT}prop/direct/P131> <{WD}Q{9000 + i % 300}> .",
            f'{s} <{ROOT}prop/direct/P791> "NL-B{i:06d}" .',
            f"{s} <{ROOT}prop/direct/P856> <https://museum{i}.example.nl/> .",
            f"{s} <{ROOT}prop/P625> {st} .",
            f"{st} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{WB}BestRank> .",
            f"{st} <{ROOT}prop/statement/P625> {point} .",
            f"{st} <{ROOT}prop/statement/value/P625> {node} .",
            f'{node} <{WB}geoPrecision> "1.0E-5"^^<{XSD}double> .',
            f"{s} <{ROOT}prop/P571> {sti} .",
            f"{sti} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{WB}BestRank> .",
            f"{sti} <{ROOT}prop/statement/value/P571> {nodei} .",
            f"{nodei} <{WB}timeValue> {date} .",
            f'{nodei} <{WB}timePrecision> "9"^^<{XSD}integer> .',
            f"{nodei} <{WB}timeCalendarModel> <{WD}Q1985727> .",
        ]
    return "\n".join(out) + "\n"


def serve(graph: ox.Store) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.answer(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["query"][0])

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            self.answer(urllib.parse.parse_qs(body)["query"][0])

        def answer(self, query: str) -> None:
            data = graph.query(query).serialize(format=ox.QueryResultsFormat.JSON)
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/sparql"


def prefill(store: Store, n: int, settings: importer.WikidataImport, page_size: int) -> float:
    """Write n synthetic institutions (ids Q5000000..) in pages, as the importer would; returns seconds."""
    t = time.perf_counter()
    for start in range(0, n, page_size):
        page = []
        for i in range(start, min(n, start + page_size)):
            item = wf.FetchedItem(
                f"Q{5_000_000 + i}",
                labels={"en": f"Other museum {i}", "fr": f"Autre musée {i}"},
                descriptions={"en": "museum in the Netherlands"},
                values={
                    "P31": [("item", "Q33506")], "P17": [("item", "Q55")], "P131": [("item", f"Q{9000 + i % 300}")],
                    "P791": [("string", f"NL-P{i:07d}")], "P856": [("string", f"https://other{i}.example.nl/")],
                    "P625": [("coord", 51.0 + (i % 1000) / 1000, 4.0 + (i % 2000) / 1000, 1e-05)],
                    "P571": [("time", f"{1800 + i % 200}-01-01T00:00:00Z", 9, "Q1985727")],
                },
            )
            page.append(to_json(importer.record_of(item, kind="institution", props=wf.INSTITUTION_PROPS,
                                                   stated_in=settings.stated_in, retrieved="2026-11-01")))
        store.write_entities(page)
    return time.perf_counter() - t


class TimedService(wf.Service):
    def __init__(self, url: str) -> None:
        super().__init__(url, HttpClient(max_retries=0))
        self.seconds = 0.0
        self.bodies: list[dict[str, Any]] = []

    def select(self, query: str) -> dict[str, Any]:
        t = time.perf_counter()
        body = super().select(query)
        self.seconds += time.perf_counter() - t
        if "?key" in query:
            self.bodies.append(body)
        return body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=3000)
    ap.add_argument("--page-size", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3, help="repetitions of the local stages (median reported)")
    ap.add_argument("--prefill", type=int, default=0, help="institutions written to the store before the import")
    args = ap.parse_args()

    graph = ox.Store()
    graph.load(synthetic_nt(args.items).encode(), format=ox.RdfFormat.N_TRIPLES)
    srv, url = serve(graph)
    settings = importer.WikidataImport.build(
        types="museum", countries=["NL"], languages="en,fr", endpoint=url, page_size=args.page_size
    )
    ns = wf.Namespaces(settings.entity_base)
    try:
        # 1. the whole import, end to end, against the loopback server (on-disk store, as the CLI does)
        with tempfile.TemporaryDirectory() as tmp:
            svc = TimedService(url)
            with Store.open(Path(tmp) / "store") as st, Checkpoint.for_store_dir(Path(tmp) / "store") as cp:
                if args.prefill:
                    secs = prefill(st, args.prefill, settings, args.page_size)
                    print(f"prefill: {args.prefill} institutions written in {secs:.1f} s "
                          f"({args.prefill / secs:.0f} items/s)")
                t0 = time.perf_counter()
                report = importer.import_wikidata(st, settings, service=svc, checkpoint=cp, retrieved="2026-11-24")
                total = time.perf_counter() - t0
        rows = sum(len(b["results"]["bindings"]) for b in svc.bodies)
        items = len(report.created)
        # 2. the local stages alone, on the bodies fetched above, repeated
        parse_t, convert_t, write_t = [], [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            parsed = [wf.details_items(b, ns)[0] for b in svc.bodies]
            parse_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            pages = [
                [to_json(importer.record_of(it, kind="institution", props=wf.INSTITUTION_PROPS,
                                            stated_in=settings.stated_in, retrieved="2026-11-24"))
                 for it in page.values()]
                for page in parsed
            ]
            convert_t.append(time.perf_counter() - t)
            with Store.memory() as mem:
                t = time.perf_counter()
                for page_entities in pages:
                    mem.write_entities(page_entities)
                write_t.append(time.perf_counter() - t)
    finally:
        srv.shutdown()
        srv.server_close()

    p, c, w = (statistics.median(x) for x in (parse_t, convert_t, write_t))
    local = p + c + w
    print(f"items {items}, details rows {rows} ({rows / max(items, 1):.1f} rows/item), "
          f"requests {report.requests}, page size {args.page_size}")
    print(f"end to end against loopback: {total:.2f} s ({items / total:.0f} items/s); "
          f"of which fetch (HTTP + local server) {svc.seconds:.2f} s; local {items / (total - svc.seconds):.0f} "
          f"items/s (on-disk store{f' already holding {args.prefill} items' if args.prefill else ''}, checkpoint)")
    print(f"parse   {p:.3f} s  {rows / p:>9.0f} rows/s  {items / p:>8.0f} items/s")
    print(f"convert {c:.3f} s  {rows / c:>9.0f} rows/s  {items / c:>8.0f} items/s")
    print(f"write   {w:.3f} s  {rows / w:>9.0f} rows/s  {items / w:>8.0f} items/s  (in-memory store)")
    print(f"parse+convert+write {local:.3f} s: {rows / local:.0f} rows/s, {items / local:.0f} items/s")
    for n in (150_000, 400_000):
        print(f"  -> local processing of {n:,} institutions: about {n / (items / local) / 60:.1f} min")


if __name__ == "__main__":
    main()

"""A small Wikidata in WDQS's RDF shape for the evidence import, behind a loopback SPARQL endpoint.

Institutions, Wikimedians in residence (occupation statements with qualifiers, ranks, full time values as WDQS
holds them: ``p:``/``ps:``/``pq:``/``pqv:``, ``wikibase:rank``, ``wikibase:BestRank``, statement IRIs
``.../entity/statement/Q..-UUID``), Commons pages and categories, and an affiliate. The endpoint is a real SPARQL
engine (pyoxigraph) answering ``application/sparql-results+json`` as WDQS does (see
tests/test_importer_wdqs.py and ../shared/fixtures/wdqs-recorded-responses). What the world holds is listed here
so that tests work their expectations out by hand.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pyoxigraph as ox

WD = "http://www.wikidata.org/entity/"
ROOT = "http://www.wikidata.org/"
WB = "http://wikiba.se/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MUSEUM, LIBRARY, USER_GROUP, WIR = "Q33506", "Q7075", "Q22337472", "Q3809586"
COUNTRIES = {"Q55": "NL", "Q31": "BE", "Q258": "ZA"}


@dataclass
class Inst:
    qid: str
    cls: str
    country: str
    label: str
    page: str | None = None  # P1612
    category: str | None = None  # P373


@dataclass
class Residency:
    uuid: str
    employer: str | None = None  # qualifier P108
    location: str | None = None  # qualifier P937
    start: tuple[str, int] | None = None  # timeValue, precision
    end: tuple[str, int] | None = None
    rank: str = "NormalRank"


@dataclass
class Person:
    qid: str
    label: str
    residencies: list[Residency] = field(default_factory=list)
    employer: str | None = None  # the person's own P108


UNIVERSITY = ("Q5000", "Q3918", "Q55", "University H")  # qid, class, country, label

INSTITUTIONS = [
    Inst("Q1000", MUSEUM, "Q55", "Museum A", page="Museum A", category="Museum A (Amsterdam)"),
    Inst("Q1001", MUSEUM, "Q55", "Museum B", category="Museum B"),
    Inst("Q1002", LIBRARY, "Q55", "Library C"),
    Inst("Q2000", MUSEUM, "Q31", "Musée D", page="Musée D", category="Musée D"),
    Inst("Q2001", LIBRARY, "Q31", "Bibliothèque E"),
    Inst("Q3000", MUSEUM, "Q258", "Museum F", category="Museum F"),
    Inst("Q3001", LIBRARY, "Q258", "Library G"),
]

PEOPLE = [
    Person(
        "Q9001",
        "Ann Example",
        [
            Residency(
                "5A6B7C8D-0000-4000-8000-000000000001",
                employer="Q1000",
                location="Q727",
                start=("2012-01-01T00:00:00Z", 10),
                end=("2013-06-30T00:00:00Z", 11),
            )
        ],
    ),
    # no employer qualifier: the person's own employer is the host
    Person("Q9002", "Bo Example", [Residency("5A6B7C8D-0000-4000-8000-000000000002")], employer="Q3000"),
    # a deprecated statement: not evidence
    Person(
        "Q9003",
        "Cy Example",
        [Residency("5A6B7C8D-0000-4000-8000-000000000003", employer="Q1001", rank="DeprecatedRank")],
    ),
    # no employer anywhere: no host, not written
    Person(
        "Q9004", "Di Example", [Residency("5A6B7C8D-0000-4000-8000-000000000004", start=("2020-01-01T00:00:00Z", 9))]
    ),
    # two residencies
    Person(
        "Q9005",
        "Ed Example",
        [
            Residency("5A6B7C8D-0000-4000-8000-000000000005", employer="Q2000", start=("2015-01-01T00:00:00Z", 9)),
            Residency(
                "5A6B7C8D-0000-4000-8000-000000000006",
                employer="Q1002",
                start=("2018-03-01T00:00:00Z", 10),
                end=("2018-12-01T00:00:00Z", 10),
            ),
        ],
    ),
    # hosted by a university, which is not an institution of the store: written, counted nowhere
    Person(
        "Q9006",
        "Fay Example",
        [Residency("5A6B7C8D-0000-4000-8000-000000000007", employer=UNIVERSITY[0], start=("2021-01-01T00:00:00Z", 9))],
    ),
]

AFFILIATES = [("Q7001", "Wikimedia Example User Group", "Q258", "https://example.org/ug")]


def nt() -> str:
    wdt, p, ps, pq, pqv = (
        ROOT + s for s in ("prop/direct/", "prop/", "prop/statement/", "prop/qualifier/", "prop/qualifier/value/")
    )
    lines: list[str] = []

    def add(s: str, pr: str, o: str) -> None:
        lines.append(f"<{s}> <{pr}> {o} .")

    def lit(text: str, lang: str | None = None, dt: str | None = None) -> str:
        return f'"{text}"' + (f"@{lang}" if lang else "") + (f"^^<{dt}>" if dt else "")

    def iri(x: str) -> str:
        return f"<{x}>"

    for qid, iso in COUNTRIES.items():
        add(WD + qid, wdt + "P297", lit(iso))
        add(WD + qid, wdt + "P31", iri(WD + "Q6256"))
    for it in INSTITUTIONS:
        s = WD + it.qid
        add(s, RDFS_LABEL, lit(it.label, "en"))
        add(s, wdt + "P31", iri(WD + it.cls))
        add(s, wdt + "P17", iri(WD + it.country))
        if it.page:
            add(s, wdt + "P1612", lit(it.page))
        if it.category:
            add(s, wdt + "P373", lit(it.category))
    qid, cls, country, label = UNIVERSITY
    add(WD + qid, RDFS_LABEL, lit(label, "en"))
    add(WD + qid, wdt + "P31", iri(WD + cls))
    add(WD + qid, wdt + "P17", iri(WD + country))
    n = 0
    for person in PEOPLE:
        s = WD + person.qid
        add(s, RDFS_LABEL, lit(person.label, "en"))
        add(s, wdt + "P31", iri(WD + "Q5"))
        if person.employer:
            add(s, wdt + "P108", iri(WD + person.employer))
        for r in person.residencies:
            st = f"{WD}statement/{person.qid}-{r.uuid}"
            add(s, p + "P106", iri(st))
            add(st, ps + "P106", iri(WD + WIR))
            add(st, WB + "rank", iri(WB + r.rank))
            if r.rank != "DeprecatedRank":
                add(st, RDF_TYPE, iri(WB + "BestRank"))
                add(s, wdt + "P106", iri(WD + WIR))
            if r.employer:
                add(st, pq + "P108", iri(WD + r.employer))
            if r.location:
                add(st, pq + "P937", iri(WD + r.location))
            for pid, when in (("P580", r.start), ("P582", r.end)):
                if when:
                    n += 1
                    node = f"{ROOT}value/t{n}"
                    add(st, pq + pid, lit(when[0], dt=XSD + "dateTime"))
                    add(st, pqv + pid, iri(node))
                    add(node, WB + "timeValue", lit(when[0], dt=XSD + "dateTime"))
                    add(node, WB + "timePrecision", lit(str(when[1]), dt=XSD + "integer"))
                    add(node, WB + "timeCalendarModel", iri(WD + "Q1985727"))
    for qid, label, country, site in AFFILIATES:
        add(WD + qid, RDFS_LABEL, lit(label, "en"))
        add(WD + qid, wdt + "P31", iri(WD + USER_GROUP))
        add(WD + qid, wdt + "P17", iri(WD + country))
        add(WD + qid, wdt + "P856", iri(site))
    return "\n".join(lines) + "\n"


class FakeWdqs:
    """The graph, the queries received, and a hook to fail a request (status, body)."""

    def __init__(self) -> None:
        self.graph = ox.Store()
        self.graph.load(nt().encode(), format=ox.RdfFormat.N_TRIPLES)
        self.queries: list[str] = []
        self.fail: Callable[[int, str], tuple[int, bytes] | None] = lambda n, q: None


@contextmanager
def serve() -> Iterator[tuple[FakeWdqs, str]]:
    fake = FakeWdqs()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.answer(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("query", [""])[0])

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.answer(urllib.parse.parse_qs(self.rfile.read(length).decode()).get("query", [""])[0])

        def answer(self, query: str) -> None:
            fake.queries.append(query)
            failure = fake.fail(len(fake.queries), query)
            if failure is not None:
                status, body = failure
                ctype = "text/plain"
            else:
                status, ctype = 200, "application/sparql-results+json; charset=utf-8"
                body = fake.graph.query(query).serialize(format=ox.QueryResultsFormat.JSON)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield fake, f"http://127.0.0.1:{srv.server_address[1]}/sparql"
    finally:
        srv.shutdown()
        srv.server_close()

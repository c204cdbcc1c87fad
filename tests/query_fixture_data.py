"""A small graph in the WDQS form the store keeps (truthy wdt:, p:/ps:/pq: statements, rdfs:label),
used by the saved-query tests: every count in tests/test_query_saved.py can be checked by hand here.

Countries: Netherlands (Q55), Belgium (Q31), France (Q142), Nigeria (Q1033).
Classes are those of schemas/model.yaml (national archives and Wikimedia chapters are local classes there).
Institutions (7): Rijksmuseum (art museum, NL, 1800), KB (national library, NL, 1798, no coordinates),
MAS (museum, BE, 2011, no ISIL), Archives nationales (national archives, FR, 1790), National Museum Lagos
(museum, NG, 1957, no ISIL), Mystery Library (library, no country, no coordinates, no ISIL), Stadsarchief
Amsterdam (archives, NL, 1848, no ISIL).
Partners: Wikimedia Nederland, Wikimedia Belgium (chapters), Leiden University (university).
Partnerships (local items): P101 Rijksmuseum+WMNL 2015-2018 (GLAM partnership), P102 KB+WMNL+Leiden 2020-
(WiR programme), P103 MAS+WMBE 2021 (content donation), P104 Rijksmuseum+Stadsarchief+WMNL 2021- (GLAM).
Contributions: C201 (P101, media upload, 1200), C202 (P101, article writing, 35), C203 (P102, Wikidata items,
500), C204 (P103, media upload, 80), C205 (P104, metadata donation, 10000).
Wikimedians in residence: Alice (KB, The Hague, 2020-01-01..2021-06-30), Bob (MAS, 2019-05-01..);
Carol has another occupation.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import requests

TURTLE = r"""
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wds: <http://www.wikidata.org/entity/statement/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix p: <http://www.wikidata.org/prop/> .
@prefix ps: <http://www.wikidata.org/prop/statement/> .
@prefix pq: <http://www.wikidata.org/prop/qualifier/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix gk: <https://glamkg.invalid/entity/> .

wd:Q55 rdfs:label "Netherlands"@en, "Nederland"@nl .
wd:Q31 rdfs:label "Belgium"@en, "België"@nl .
wd:Q142 rdfs:label "France"@en .
wd:Q1033 rdfs:label "Nigeria"@en .
wd:Q36600 rdfs:label "The Hague"@en .
wd:Q33506 rdfs:label "museum"@en .
wd:Q207694 rdfs:label "art museum"@en .
wd:Q22806 rdfs:label "national library"@en .
wd:Q7075 rdfs:label "library"@en .
gk:Q1000000000011 rdfs:label "national archives"@en .
wd:Q166118 rdfs:label "archives"@en .

wd:Q190804 wdt:P31 wd:Q207694 ; wdt:P17 wd:Q55 ; wdt:P625 "Point(4.885 52.36)"^^geo:wktLiteral ;
  wdt:P571 "1800-11-19T00:00:00Z"^^xsd:dateTime ; wdt:P791 "NL-AmRM" ;
  rdfs:label "Rijksmuseum"@en, "Rijksmuseum"@nl ; schema:description "Dutch national museum"@en ;
  skos:altLabel "Rijks"@en, "Rijksmuseum Amsterdam"@en .
wd:Q1526131 wdt:P31 wd:Q22806 ; wdt:P17 wd:Q55 ; wdt:P571 "1798-01-01T00:00:00Z"^^xsd:dateTime ;
  wdt:P791 "NL-HaKB" ; rdfs:label "KB, National Library of the Netherlands"@en, "Koninklijke Bibliotheek"@nl .
wd:Q100001 wdt:P31 wd:Q33506 ; wdt:P17 wd:Q31 ; wdt:P625 "Point(4.404 51.229)"^^geo:wktLiteral ;
  wdt:P571 "2011-05-17T00:00:00Z"^^xsd:dateTime ; rdfs:label "Museum aan de Stroom"@nl .
wd:Q100002 wdt:P31 gk:Q1000000000011 ; wdt:P17 wd:Q142 ; wdt:P625 "Point(2.358 48.86)"^^geo:wktLiteral ;
  wdt:P571 "1790-09-12T00:00:00Z"^^xsd:dateTime ; wdt:P791 "FR-AN" ; rdfs:label "Archives nationales"@en .
wd:Q100003 wdt:P31 wd:Q33506 ; wdt:P17 wd:Q1033 ; wdt:P625 "Point(3.39 6.45)"^^geo:wktLiteral ;
  wdt:P571 "1957-01-01T00:00:00Z"^^xsd:dateTime ; rdfs:label "National Museum Lagos"@en .
wd:Q100004 wdt:P31 wd:Q7075 ; rdfs:label "Mystery Library"@en .
wd:Q100005 wdt:P31 wd:Q166118 ; wdt:P17 wd:Q55 ; wdt:P625 "Point(4.89 52.365)"^^geo:wktLiteral ;
  wdt:P571 "1848-01-01T00:00:00Z"^^xsd:dateTime ; rdfs:label "Stadsarchief Amsterdam"@en .

wd:Q100010 wdt:P31 gk:Q1000000000012 ; wdt:P17 wd:Q55 ; rdfs:label "Wikimedia Nederland"@en .
wd:Q100011 wdt:P31 gk:Q1000000000012 ; wdt:P17 wd:Q31 ; rdfs:label "Wikimedia Belgium"@en .
wd:Q100012 wdt:P31 wd:Q3918 ; wdt:P17 wd:Q55 ; rdfs:label "Leiden University"@en .

gk:Q1000000000001 rdfs:label "GLAM–Wikimedia partnership"@en .
gk:Q1000000000002 rdfs:label "Wikimedian-in-residence programme"@en .
gk:Q1000000000004 rdfs:label "content donation"@en .
gk:Q1000000000006 rdfs:label "media upload to Wikimedia Commons"@en .
gk:Q1000000000007 rdfs:label "Wikipedia article writing"@en .
gk:Q1000000000008 rdfs:label "Wikidata item creation"@en .
gk:Q1000000000009 rdfs:label "metadata donation"@en .

gk:Q1000000000101 wdt:P31 gk:Q1000000000001 ; wdt:P710 wd:Q190804, wd:Q100010 ; wdt:P17 wd:Q55 ;
  wdt:P580 "2015-03-01T00:00:00Z"^^xsd:dateTime ; wdt:P582 "2018-12-31T00:00:00Z"^^xsd:dateTime ;
  rdfs:label "Rijksmuseum GLAM partnership"@en .
gk:Q1000000000102 wdt:P31 gk:Q1000000000002 ; wdt:P710 wd:Q1526131, wd:Q100010, wd:Q100012 ;
  wdt:P580 "2020-01-01T00:00:00Z"^^xsd:dateTime ; rdfs:label "KB Wikimedian in residence"@en .
gk:Q1000000000103 wdt:P31 gk:Q1000000000004 ; wdt:P710 wd:Q100001, wd:Q100011 ;
  wdt:P580 "2021-06-01T00:00:00Z"^^xsd:dateTime ; wdt:P582 "2021-12-31T00:00:00Z"^^xsd:dateTime ;
  rdfs:label "MAS content donation"@en .
gk:Q1000000000104 wdt:P31 gk:Q1000000000001 ; wdt:P710 wd:Q190804, wd:Q100005, wd:Q100010 ;
  wdt:P580 "2021-02-01T00:00:00Z"^^xsd:dateTime ; rdfs:label "Amsterdam heritage data"@en .

gk:Q1000000000201 wdt:P31 gk:Q1000000000006 ; wdt:P361 gk:Q1000000000101 ;
  wdt:P1114 "+1200"^^xsd:decimal ; wdt:P585 "2016-01-01T00:00:00Z"^^xsd:dateTime .
gk:Q1000000000202 wdt:P31 gk:Q1000000000007 ; wdt:P361 gk:Q1000000000101 ; wdt:P1114 "+35"^^xsd:decimal .
gk:Q1000000000203 wdt:P31 gk:Q1000000000008 ; wdt:P361 gk:Q1000000000102 ; wdt:P1114 "+500"^^xsd:decimal .
gk:Q1000000000204 wdt:P31 gk:Q1000000000006 ; wdt:P361 gk:Q1000000000103 ; wdt:P1114 "+80"^^xsd:decimal .
gk:Q1000000000205 wdt:P31 gk:Q1000000000009 ; wdt:P361 gk:Q1000000000104 ; wdt:P1114 "+10000"^^xsd:decimal .

wd:Q100020 wdt:P106 wd:Q3809586 ; p:P106 wds:Q100020-1 ; rdfs:label "Alice Example"@en .
wds:Q100020-1 ps:P106 wd:Q3809586 ; pq:P108 wd:Q1526131 ; pq:P937 wd:Q36600 ;
  pq:P580 "2020-01-01T00:00:00Z"^^xsd:dateTime ; pq:P582 "2021-06-30T00:00:00Z"^^xsd:dateTime .
wd:Q100021 wdt:P106 wd:Q3809586 ; p:P106 wds:Q100021-1 ; rdfs:label "Bob Example"@en .
wds:Q100021-1 ps:P106 wd:Q3809586 ; pq:P108 wd:Q100001 ; pq:P580 "2019-05-01T00:00:00Z"^^xsd:dateTime .
wd:Q100022 wdt:P106 wd:Q1650915 ; p:P106 wds:Q100022-1 ; rdfs:label "Carol Example"@en .
wds:Q100022-1 ps:P106 wd:Q1650915 ; pq:P108 wd:Q190804 .
"""


def store() -> ox.Store:
    s = ox.Store()
    s.load(TURTLE.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return s


def ntriples() -> bytes:
    return store().dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())


OXIGRAPH = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "oxigraph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oxigraph_exe() -> Path | None:
    """The oxigraph binary: in the repository's .venv, else beside the running interpreter (a venv used from
    another checkout), else on PATH; None when there is none."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = next((p for p in (OXIGRAPH, beside) if p.exists()), None)
    on_path = shutil.which("oxigraph")
    return found or (Path(on_path) if on_path else None)


@contextlib.contextmanager
def oxigraph_server(data: bytes) -> Iterator[str]:
    """A real ``oxigraph serve`` (in memory) on loopback, loaded with N-Triples; yields the query URL."""
    exe = oxigraph_exe() or Path("oxigraph")
    port = free_port()
    proc = subprocess.Popen(
        [str(exe), "serve", "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                r = requests.post(
                    f"{base}/store?default", data=data, headers={"Content-Type": "application/n-triples"}, timeout=5
                )
                r.raise_for_status()
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise RuntimeError(f"oxigraph serve did not start on port {port}: {err}") from None
                time.sleep(0.05)
        yield f"{base}/query"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cli(*args: str) -> tuple[int, str, str]:
    """``glamkg ARGS`` in this process: exit code, standard output, standard error."""
    import contextlib
    import io

    from kg.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()

"""Benchmark kg.rdf: entities/s for a typical institution entity (10 statements with references).

    .venv/bin/python benchmarks/bench_rdf.py [N]

Prints entities/s and triples/s for entity_triples (dump flavor), wdqs_triples (what the store keeps)
and to_ntriples, on one core, as CPU time of this process (other load on the machine matters less),
best of 3 rounds. Then the bulk writes' conversion (``kg.rdf.conversion.convert_chunk``: entity JSON ->
N-Triples bytes, built by the builder's N-Triples sink) beside the same conversion through ox.Triple objects
(what convert_chunk did before the sink: wdqs_triples, own/shared triples, ``pyoxigraph.serialize``), per
entity, on these entities and on the demo's (``kg.gaps.demo``), with the machine's load average.
The entity is API-shaped (hashes present), like wbgetentities output; ``--storage``
drops hashes so snak and reference hashes are computed.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from kg import rdf


def _snak(pid: str, datatype: str, vtype: str, value: Any) -> dict[str, Any]:
    return {"snaktype": "value", "property": pid, "datatype": datatype, "datavalue": {"type": vtype, "value": value}}


def _item(n: int) -> dict[str, Any]:
    return {"entity-type": "item", "numeric-id": n, "id": f"Q{n}"}


def institution(i: int, *, hashes: bool = True) -> dict[str, Any]:
    qid = f"Q{1000 + i}"
    day = f"+{1850 + i % 150}-0{1 + i % 9}-1{i % 10}T00:00:00Z"
    mains = [
        _snak("P31", "wikibase-item", "wikibase-entityid", _item(33506)),
        _snak("P17", "wikibase-item", "wikibase-entityid", _item(55 + i % 40)),
        _snak("P131", "wikibase-item", "wikibase-entityid", _item(9000 + i % 500)),
        _snak(
            "P625",
            "globe-coordinate",
            "globecoordinate",
            {
                "latitude": 51.5 + i / 1e5,
                "longitude": 5.08 + i / 1e5,
                "altitude": None,
                "precision": 1e-05,
                "globe": "http://www.wikidata.org/entity/Q2",
            },
        ),
        _snak(
            "P571",
            "time",
            "time",
            {
                "time": day,
                "timezone": 0,
                "before": 0,
                "after": 0,
                "precision": 11,
                "calendarmodel": "http://www.wikidata.org/entity/Q1985727",
            },
        ),
        _snak("P856", "url", "string", f"https://museum{i}.example.org/"),
        _snak("P18", "commonsMedia", "string", f"Museum building {i}.jpg"),
        _snak("P1174", "quantity", "quantity", {"amount": f"+{1000 + i}", "unit": "1"}),
        _snak("P214", "external-id", "string", str(100000 + i)),
        _snak("P373", "string", "string", f"Museum {i}"),
    ]
    claims: dict[str, list[dict[str, Any]]] = {}
    for k, main in enumerate(mains):
        ref_snaks = {"P143": [_snak("P143", "wikibase-item", "wikibase-entityid", _item(10000 + k % 3))]}
        if k % 2:
            ref_snaks = {
                "P854": [_snak("P854", "url", "string", f"https://example.org/source/{i}/{k}")],
                "P813": [
                    _snak(
                        "P813",
                        "time",
                        "time",
                        {
                            "time": "+2024-05-17T00:00:00Z",
                            "timezone": 0,
                            "before": 0,
                            "after": 0,
                            "precision": 11,
                            "calendarmodel": "http://www.wikidata.org/entity/Q1985727",
                        },
                    )
                ],
            }
        ref: dict[str, Any] = {"snaks": ref_snaks, "snaks-order": list(ref_snaks)}
        st = {
            "id": f"{qid}$0000{k:04d}-AAAA-BBBB-CCCC-{i:012d}",
            "mainsnak": main,
            "type": "statement",
            "rank": "normal",
            "references": [ref],
        }
        claims.setdefault(main["property"], []).append(st)
    entity = {
        "id": qid,
        "type": "item",
        "lastrevid": 2000000 + i,
        "modified": "2024-05-17T10:00:00Z",
        "labels": {
            lang: {"language": lang, "value": f"Museum {i} ({lang})"} for lang in ("en", "nl", "de", "fr", "es")
        },
        "descriptions": {lang: {"language": lang, "value": f"museum number {i}"} for lang in ("en", "nl", "de")},
        "aliases": {"en": [{"language": "en", "value": f"M{i}"}, {"language": "en", "value": f"Museum no. {i}"}]},
        "sitelinks": {
            s: {"site": s, "title": f"Museum {i}", "badges": []} for s in ("enwiki", "nlwiki", "commonswiki")
        },
        "claims": claims,
    }
    if hashes:  # fill API hashes the way Wikibase does, then time the conversion with them present
        from kg.model import wbhash
        from kg.rdf import datavalues
        for group in claims.values():
            for st in group:
                for ref in st["references"]:
                    hs = []
                    for snaks in ref["snaks"].values():
                        for s in snaks:
                            vt, v = datavalues.parse(s["datavalue"], s["datatype"], qid, s["property"])
                            s["hash"] = wbhash.snak_hash("value", s["property"], vt, v)
                            hs.append(s["hash"])
                    ref["hash"] = wbhash.reference_hash(hs)
    return entity


def _time(label: str, fn: Any, items: list[Any], *, keep: bool = False, rounds: int = 3) -> list[Any]:
    """Best of ``rounds``; results are dropped as they come (as a store streaming them) unless ``keep``."""
    secs, out, n_triples = float("inf"), [], 0
    for _ in range(rounds):
        out, n_triples = [], 0
        start = time.process_time()
        for item in items:
            result = fn(item)
            if keep:
                out.append(result)
            elif isinstance(result, list):
                n_triples += len(result)
        secs = min(secs, time.process_time() - start)
    if keep:
        n_triples = sum(len(x) for x in out if isinstance(x, list))
    rate = len(items) / secs
    extra = f", {n_triples / secs:,.0f} triples/s ({n_triples / len(items):.0f} per entity)" if n_triples else ""
    print(f"{label:<44} {rate:>7,.0f} entities/s{extra}; 100,000 entities: {100_000 / rate:5.1f} s")
    return out


def _per_entity(label: str, fn: Any, items: list[Any], rounds: int = 5) -> float:
    """CPU ms per entity of ``fn(items)`` (one chunk, as a worker converts it), best of ``rounds``."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        fn(items)
        best = min(best, time.process_time() - start)
    ms = best / len(items) * 1e3
    print(f"  {label:<52} {ms:.3f} ms/entity")
    return ms


def _ox_chunk(items: list[Any]) -> tuple[bytes, list[bytes]]:
    """The same chunk through ox.Triple objects, as convert_chunk did it before the N-Triples sink."""
    import pyoxigraph as ox

    from kg.model import ids
    from kg.rdf import conversion

    own: list[ox.Triple] = []
    shared: set[ox.Triple] = set()
    for e in items:
        triples = conversion.store_triples(e)
        iri = ox.NamedNode(ids.entity_iri(str(e["id"])))
        mine = {iri}
        for t in triples:
            if t.subject == iri and isinstance(t.object, ox.NamedNode):
                mine.add(t.object)
        for t in triples:
            (own.append(t) if t.subject in mine else shared.add(t))  # type: ignore[func-returns-value]
    nt = ox.RdfFormat.N_TRIPLES
    lines = (ox.serialize(list(shared), format=nt) or b"").splitlines(keepends=True)
    return ox.serialize(list(dict.fromkeys(own)), format=nt) or b"", lines


def bulk(entities: list[Any], what: str) -> None:
    import os

    from kg.rdf import conversion

    conversion.convert_chunk(entities[:50])
    _ox_chunk(entities[:50])
    print(f"bulk-write conversion of {len(entities)} {what}, one chunk, CPU time, best of 5, "
          f"load average {os.getloadavg()[0]:.2f}")
    old = _per_entity("ox.Triple objects (convert_chunk before the sink)", _ox_chunk, entities)
    new = _per_entity("convert_chunk (N-Triples sink)", conversion.convert_chunk, entities)
    print(f"  {'N-Triples sink speed-up':<52} {old / new:.2f}x")


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), "2000"))
    hashes = "--storage" not in sys.argv
    entities = [institution(i, hashes=hashes) for i in range(n)]
    print(f"{n} institution entities, 10 statements with references each, {'API' if hashes else 'storage'} JSON")
    print("CPU time of this process, best of 3; a loaded machine still slows it down")
    _time("entity_triples (flavor dump)", lambda e: rdf.entity_triples(e), entities)
    _time("wdqs_triples (store form), streamed", lambda e: rdf.wdqs_triples(e), entities)
    munged = _time("wdqs_triples, all results kept in memory", lambda e: rdf.wdqs_triples(e), entities, keep=True)
    _time("to_ntriples of the store form", rdf.to_ntriples, munged)
    bulk(entities, "institution entities")
    import itertools

    from kg.gaps import demo

    bulk(list(itertools.islice(demo.generate(max(n, 2000), 1), n)), "demo entities")


if __name__ == "__main__":
    main()

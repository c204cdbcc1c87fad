"""One query text for a Wikibase with its own numbering (P1.., Q1..): `glamkg query run --endpoint URL --idmap MAP`
translates Wikidata's ids into the wiki's and back, so every saved query returns the same rows from a real
`oxigraph serve` holding the demo data renumbered as a Wikibase would number it, as from the store holding the same
data in Wikidata's ids."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import requests
from query_fixture_data import cli, oxigraph_server

from kg.model import ids
from kg.query import catalog
from kg.query.wdqs_syntax import STANDARD_PREFIXES

WIKI = "http://wikibase.example/"
WIKIDATA = "http://www.wikidata.org/"
ID_NAMESPACES = ("wd", "wdt", "p", "ps", "pq", "pr", "psv", "pqv", "prv", "wdtn", "psn", "pqn", "prn", "wdno")


def renumber(nt: bytes) -> tuple[bytes, dict[str, str]]:
    """The graph as a Wikibase with its own numbering holds it: every entity gets the wiki's next id (P1, Q1, ...
    in order of appearance), every Wikidata namespace moves under the wiki's root, glamkg's local items too."""
    id_ns = sorted((STANDARD_PREFIXES[p] for p in ID_NAMESPACES), key=len, reverse=True)
    other_ns = sorted((v for v in STANDARD_PREFIXES.values() if v.startswith(WIKIDATA) and v not in id_ns),
                      key=len, reverse=True)
    local = ids.local_concept_base()
    mapping: dict[str, str] = {}
    counters = {"P": 0, "Q": 0, "L": 0}

    def wiki_id(glamkg_id: str) -> str:
        if glamkg_id not in mapping:
            counters[glamkg_id[0]] += 1
            mapping[glamkg_id] = f"{glamkg_id[0]}{counters[glamkg_id[0]]}"
        return mapping[glamkg_id]

    def node(term: Any) -> Any:
        if not isinstance(term, ox.NamedNode):
            return term
        iri = term.value
        if iri.startswith(local):
            rest = iri[len(local):]
            return ox.NamedNode(f"{WIKI}entity/" + (wiki_id(rest) if re.fullmatch(r"[PQL]\d+", rest) else rest))
        for ns in id_ns:
            if iri.startswith(ns) and re.fullmatch(r"[PQL]\d+", iri[len(ns):]):
                return ox.NamedNode(WIKI + ns[len(WIKIDATA):] + wiki_id(iri[len(ns):]))
        for ns in other_ns:
            if iri.startswith(ns):
                return ox.NamedNode(WIKI + iri[len(WIKIDATA):])
        return term

    def literal(term: Any) -> Any:
        if isinstance(term, ox.Literal) and term.datatype.value.startswith(WIKIDATA):
            return ox.Literal(term.value, datatype=node(term.datatype))
        return node(term)

    out = io.BytesIO()
    triples = [ox.Triple(node(t.subject), node(t.predicate), literal(t.object))
               for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]
    ox.serialize(triples, out, format=ox.RdfFormat.N_TRIPLES)
    # `glamkg wikibase bootstrap` puts every property and class of the model on the wiki, used or not
    from kg.model.schema import model

    m = model()
    for eid in [p.id for p in m.properties.values()] + [c.id for c in (*m.classes.values(), *m.values.values())]:
        wiki_id(eid)
    return out.getvalue(), mapping


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str]]:
    tmp = tmp_path_factory.mktemp("renumbered")
    store, nt = tmp / "store", tmp / "export.nt"
    assert cli("demo", "--institutions", "200", "--store", str(store))[0] == 0
    assert cli("export", "--store", str(store), "--output", str(nt))[0] == 0
    data, mapping = renumber(nt.read_bytes())
    assert b"http://www.wikidata.org/entity/" not in data and ids.local_concept_base().encode() not in data
    idmap = tmp / "idmap.json"
    idmap.write_text(json.dumps({"glamkg_idmap": 1, "api_url": WIKI + "w/api.php", "concept_base": WIKI + "entity/",
                                 "links": {}, "keys": {}, "entities": mapping}), encoding="utf-8")
    with oxigraph_server(data) as url:
        yield store, idmap, url


@pytest.fixture(scope="module")
def wiki_with_own_items(wiki: tuple[Path, Path, str]) -> Iterator[tuple[Path, Path, str]]:
    """The same wiki, plus an item its own editors made (glamkg never created it: it is not in the id map)."""
    store, idmap, url = wiki
    mapping = json.loads(idmap.read_text())["entities"]
    data = requests.get(url.replace("/query", "/store?default"), headers={"Accept": "application/n-triples"},
                        timeout=60).content
    data += (f"<{WIKI}entity/Q99999> <{WIKI}prop/direct/{mapping['P31']}> <{WIKI}entity/{mapping['Q33506']}> .\n"
             f"<{WIKI}entity/Q99999> <{WIKI}prop/direct/{mapping['P17']}> <{WIKI}entity/{mapping['Q55']}> .\n"
             f'<{WIKI}entity/Q99999> <http://www.w3.org/2000/01/rdf-schema#label> "Wiki-only museum"@en .\n').encode()
    with oxigraph_server(data) as own:
        yield store, idmap, own


def rows(*args: str) -> list[str]:
    code, out, err = cli("query", "run", *args, "--format", "json")
    assert code == 0, err
    return sorted(json.dumps(r, sort_keys=True) for r in json.loads(out))


@pytest.mark.parametrize("name", [q.name for q in catalog()])
def test_every_saved_query_returns_the_same_rows_on_the_renumbered_wiki(
    wiki: tuple[Path, Path, str], name: str
) -> None:
    store, idmap, url = wiki
    assert rows(name, "--endpoint", url, "--idmap", str(idmap)) == rows(name, "--store", str(store))


def test_with_a_region_the_countries_the_wiki_lacks_match_nothing(wiki: tuple[Path, Path, str]) -> None:
    store, idmap, url = wiki
    args = ["institutions_per_region", "-p", "region=Africa"]
    local = rows(*args, "--store", str(store))
    assert local and rows(*args, "--endpoint", url, "--idmap", str(idmap)) == local


def test_explain_shows_the_ids_and_the_text_sent(wiki: tuple[Path, Path, str]) -> None:
    _, idmap, url = wiki
    mapping = json.loads(idmap.read_text())["entities"]
    code, _, err = cli("query", "run", "institutions_per_type", "--endpoint", url, "--idmap", str(idmap), "--explain")
    assert code == 0, err
    assert f"P31 -> {mapping['P31']}" in " ".join(err.split())
    assert f"PREFIX wdt: <{WIKI}prop/direct/>" in err and f"wdt:{mapping['P31']} " in err and "query sent:" in err


def test_an_id_the_map_lacks_is_named_with_its_line(wiki: tuple[Path, Path, str], tmp_path: Path) -> None:
    _, idmap, url = wiki
    q = tmp_path / "q.rq"
    q.write_text("SELECT ?x WHERE {\n  ?x wdt:P31 wd:Q33506 .\n  ?x wdt:P99999 ?y }", encoding="utf-8")
    code, _, err = cli("query", "run", str(q), "--endpoint", url, "--idmap", str(idmap))
    assert code == 2 and "P99999 (line 3)" in err and "id map" in err


def test_idmap_needs_an_endpoint(wiki: tuple[Path, Path, str]) -> None:
    store, idmap, _ = wiki
    code, _, err = cli("query", "run", "institutions_per_type", "--store", str(store), "--idmap", str(idmap))
    assert code == 2 and "--endpoint" in err


def test_import_wikidata_reads_the_id_map(wiki_with_own_items: tuple[Path, Path, str], tmp_path: Path) -> None:
    """`glamkg import wikidata --endpoint URL --idmap MAP`: the wiki's institutions come into a store in glamkg's
    ids (those glamkg made there get their own ids back; the wiki's own items get stable local ids, recorded in
    the map), so the saved queries give the same answer as on the store they came from."""
    store, idmap, url = wiki_with_own_items
    fresh = tmp_path / "fresh"
    mine = tmp_path / "idmap.json"
    mine.write_bytes(idmap.read_bytes())
    args = ["import", "wikidata", "--endpoint", url, "--idmap", str(mine), "--country", "NL", "--country", "FR",
            "--type", "museum", "--pause", "0", "--store", str(fresh)]
    code, _, err = cli(*args)
    assert code == 0, err
    q = tmp_path / "museums.rq"
    q.write_text("""SELECT ?item WHERE { ?item wdt:P31 wd:Q33506 ; wdt:P17 ?c . VALUES ?c { wd:Q55 wd:Q142 } }""")
    expected = {json.loads(r)["item"] for r in rows(str(q), "--store", str(store))} | {"Q1800000099999"}
    got = {json.loads(r)["item"] for r in rows(str(q), "--store", str(fresh))}
    assert got == expected and len(expected) > 1
    assert json.loads(mine.read_text())["entities"]["Q1800000099999"] == "Q99999"  # recorded for the next run
    label = tmp_path / "label.rq"
    label.write_text("SELECT ?label WHERE { <https://glamkg.invalid/entity/Q1800000099999> rdfs:label ?label }")
    assert [json.loads(r)["label"] for r in rows(str(label), "--store", str(fresh))] == ["Wiki-only museum"]
    # a second run gives the same ids (from the map): nothing new
    code, _, err = cli(*args, "--restart")
    assert code == 0, err
    assert {json.loads(r)["item"] for r in rows(str(q), "--store", str(fresh))} == expected


def test_import_entities_from_a_wiki_with_its_own_numbering(tmp_path: Path) -> None:
    """`glamkg import entities FILE --idmap MAP`: a wiki's Special:EntityData JSON goes into the store in glamkg's
    ids, so the saved queries find it; the wiki's own item gets a stable glamkg id recorded in the map; a
    statement naming an entity nobody knows is left out and said."""
    idmap = tmp_path / "idmap.json"
    idmap.write_text(json.dumps({"glamkg_idmap": 1, "api_url": WIKI + "w/api.php", "concept_base": WIKI + "entity/",
                                 "links": {}, "keys": {},
                                 "entities": {"P31": "P1", "P17": "P2", "Q33506": "Q3", "Q55": "Q4"}}))

    def item_claim(pid: str, qid: str, n: int) -> dict[str, Any]:
        value = {"entity-type": "item", "id": qid, "numeric-id": int(qid[1:])}
        return {"mainsnak": {"snaktype": "value", "property": pid, "datatype": "wikibase-item",
                             "datavalue": {"value": value, "type": "wikibase-entityid"}},
                "type": "statement", "id": f"Q10${n}", "rank": "normal"}

    museum = {"type": "item", "id": "Q10", "labels": {"en": {"language": "en", "value": "Wiki museum"}},
              "claims": {"P1": [item_claim("P1", "Q3", 1)], "P2": [item_claim("P2", "Q4", 2)],
                         "P7": [item_claim("P2", "Q999", 3)]}}
    museum["claims"]["P7"][0]["mainsnak"]["property"] = "P7"
    f = tmp_path / "Q10.json"
    f.write_text(json.dumps({"entities": {"Q10": museum}}))
    store = tmp_path / "store"
    code, _, err = cli("import", "entities", str(f), "--idmap", str(idmap), "--store", str(store))
    assert code == 0, err
    assert "left out of Q1800000000010" in err and "P7" in err
    found = rows("institutions_per_country", "--store", str(store))
    assert [json.loads(r)["country"] for r in found] == ["Q55"]
    assert json.loads(idmap.read_text())["entities"]["Q1800000000010"] == "Q10"

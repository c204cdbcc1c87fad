"""A Wikibase with its own numbering, built the way such a wiki's query service gets its data: the demo store's
entities renumbered through an id map (P1.., Q1.., as the wiki numbered them) and converted by `glamkg rdf
--flavor wdqs --concept-base` with the wiki's concept base, served by a real `oxigraph serve` on loopback. Every
saved query, run as users run it (`glamkg query run --endpoint URL --idmap MAP`), returns the same rows as on the
store holding the same data in Wikidata's ids; the text sent still parses; --explain shows the translation.

(tests/test_renumbering.py builds its wiki by rewriting the export's IRIs instead: two independent ways to the same
wiki, so neither the RDF builder nor the renumbering can hide a mistake of the other.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from query_fixture_data import cli, oxigraph_server
from rdflib.plugins.sparql.parser import parseQuery

from kg.model import ids
from kg.model.idmap import IdMap, translate
from kg.model.schema import model
from kg.query import catalog
from kg.query.renumbering import WIKIBASE_CONSTANTS
from kg.store import Store
from kg.store.read import read_entities
from kg.wikidata.fetch import TYPES, type_class_ids

WIKI = "http://wikibase.example/"


def rows(*args: str) -> list[str]:
    code, out, err = cli("query", "run", *args, "--format", "json")
    assert code == 0, err
    return [json.dumps(r, sort_keys=True) for r in json.loads(out)]


def wiki_numbering(entities: dict[str, Any]) -> dict[str, str]:
    """glamkg id -> the wiki's id, numbered as a wiki would: bootstrap's properties and classes first, then every
    entity as it was created (here: the newest glamkg ids first, so that no order of the wiki's ids is the order of
    glamkg's), each kind counting from 1."""
    m = model()
    order = [p.id for p in m.properties.values()] + [c.id for c in (*m.classes.values(), *m.values.values())]
    order += sorted(entities, key=lambda i: (i[0], -int(i[1:])))
    for e in entities.values():  # and every entity their statements name
        order += re.findall(r'"(?:id|property)": "([PQL]\d+)"', json.dumps(e))
        order += [p for group in ("claims",) for p in (e.get(group) or {})]
    mapping: dict[str, str] = {}
    counters = {"P": 0, "Q": 0, "L": 0}
    for glamkg_id in order:
        if glamkg_id not in mapping:
            counters[glamkg_id[0]] += 1
            mapping[glamkg_id] = f"{glamkg_id[0]}{counters[glamkg_id[0]]}"
    return mapping


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str]]:
    tmp = tmp_path_factory.mktemp("wiki")
    store = tmp / "store"
    assert cli("demo", "--institutions", "200", "--store", str(store))[0] == 0
    with Store.open(store, read_only=True) as st:
        entities = {k: v for k, v in read_entities(st.inner, st.entity_ids()).items() if v}
    assert not [e for e in entities.values() if e.get("glamkg:lossy")]
    mapping = wiki_numbering(entities)
    idmap = IdMap(entities=mapping, concept_base=WIKI + "entity/", api_url=WIKI + "w/api.php")
    on_the_wiki = [translate(e, idmap) for e in entities.values()]  # the wiki's entity JSON, its own ids
    assert {e["id"] for e in on_the_wiki} == {mapping[i] for i in entities}
    wiki_json, map_file = tmp / "wiki-entities.json", tmp / "idmap.json"
    wiki_json.write_text(json.dumps(on_the_wiki), encoding="utf-8")
    idmap.save(map_file)
    code, nt, err = cli("rdf", str(wiki_json), "--flavor", "wdqs", "--concept-base", WIKI + "entity/")
    assert code == 0, err
    # Wikidata's IRIs left: only the unit "1", globe and calendar, which Wikibase writes so on every wiki
    assert set(re.findall(r"<http://www.wikidata.org/entity/(\w+)>", nt)) <= set(WIKIBASE_CONSTANTS)
    assert ids.local_concept_base() not in nt and f"<{WIKI}prop/direct/{mapping['P31']}>" in nt
    with oxigraph_server(nt.encode()) as url:
        yield store, map_file, url


def some_institution_with_partnerships(store: Path) -> str:
    q = "SELECT ?i WHERE { ?p wdt:P710 ?i . ?i wdt:P17 [] } ORDER BY ?i LIMIT 1"
    f = store.parent / "institution.rq"
    f.write_text(q, encoding="utf-8")
    return str(json.loads(rows(str(f), "--store", str(store))[0])["i"])


def parameters(name: str, store: Path) -> list[str]:
    """Parameters that give the query rows on the demo data (its defaults name real Wikidata items)."""
    if name == "partnerships_of_institution":
        return ["-p", f"item={some_institution_with_partnerships(store)}"]
    return []


@pytest.mark.parametrize("name", [q.name for q in catalog()])
def test_every_saved_query_returns_the_stores_rows_from_the_wiki(wiki: tuple[Path, Path, str], name: str) -> None:
    store, idmap, url = wiki
    params = parameters(name, store)
    local = rows(name, *params, "--store", str(store))
    remote = rows(name, *params, "--endpoint", url, "--idmap", str(idmap))
    assert sorted(remote) == sorted(local)
    # the demo has no institution without a country, and no residencies
    if name not in ("quality_institutions_missing_country", "residencies_wikimedians_in_residence"):
        assert local, f"{name} gives no rows on the demo store: the comparison would prove nothing"


LIMITED = [q.name for q in catalog() if any(p.type == "limit" for p in q.params)]


@pytest.mark.parametrize("name", [n for n in LIMITED if n != "quality_institutions_missing_country"])
def test_a_limit_keeps_the_same_rows_in_the_same_order(wiki: tuple[Path, Path, str], name: str) -> None:
    """The saved queries order by the number of the item id and keep the first `limit`: on the wiki those numbers
    are the wiki's, so the order (and the rows a limit keeps) is restored once the ids are Wikidata's again."""
    store, idmap, url = wiki
    local = rows(name, "-p", "limit=7", "--store", str(store))
    assert len(local) == 7
    assert rows(name, "-p", "limit=7", "--endpoint", url, "--idmap", str(idmap)) == local


@pytest.mark.parametrize("name", [q.name for q in catalog()])
def test_the_text_sent_parses_and_names_the_wikis_ids(wiki: tuple[Path, Path, str], name: str) -> None:
    store, idmap, url = wiki
    mapping = json.loads(idmap.read_text())["entities"]
    code, _, err = cli(
        "query",
        "run",
        name,
        *parameters(name, store),
        "--endpoint",
        url,
        "--idmap",
        str(idmap),
        "--explain",
        "--format",
        "json",
    )
    assert code == 0, err
    table, sent = err.split("query sent:\n", 1)
    parseQuery(sent)  # SPARQL 1.1 grammar (rdflib): the rewrite kept the query well formed
    translated = dict(re.findall(r"^\s+([PQL]\d+) -> ([PQL]\d+)\s", table, re.M))
    assert translated and all(mapping[g] == w for g, w in translated.items())
    assert "www.wikidata.org/prop/" not in sent and "glamkg.invalid" not in sent


TRICKY = """# a comment naming wd:Q99999999 and wdt:P99999, which the map lacks: comments are not read
PREFIX direct: <http://www.wikidata.org/prop/direct/>
SELECT ?item ?note ?globe WHERE {
  ?item direct:P31/wdt:P279* wd:Q33506 ;
        <http://www.wikidata.org/prop/direct/P17> ?country .
  ?item p:P625/psv:P625 ?value . ?value wikibase:geoGlobe ?globe .
  FILTER(?globe = wd:Q2)
  BIND('''wd:Q99999999 "is" text''' AS ?note)
  FILTER(?country != <http://example.org/wd:Q99999999>)
}"""


def test_strings_comments_and_other_iris_are_left_alone(wiki: tuple[Path, Path, str], tmp_path: Path) -> None:
    """Prefixed names of a prefix the query declares, full IRIs and property paths are translated; strings,
    comments and IRIs of other namespaces are not; Earth (Q2), which a wiki's coordinates name by Wikidata's IRI,
    stays Wikidata's."""
    store, idmap, url = wiki
    q = tmp_path / "tricky.rq"
    q.write_text(TRICKY, encoding="utf-8")
    local = rows(str(q), "--store", str(store))
    assert local and json.loads(local[0])["note"] == 'wd:Q99999999 "is" text'
    assert sorted(rows(str(q), "--endpoint", url, "--idmap", str(idmap))) == sorted(local)
    code, _, err = cli("query", "run", str(q), "--endpoint", url, "--idmap", str(idmap), "--explain")
    assert code == 0, err
    sent = err.split("query sent:\n", 1)[1]
    parseQuery(sent)
    assert "kept as Wikidata's IRIs" in err and "Q2" in err.split("query sent:")[0]
    assert f"PREFIX direct: <{WIKI}prop/direct/>" in sent and "wdt:P279*" not in sent
    assert "# a comment naming wd:Q99999999" in sent and "<http://example.org/wd:Q99999999>" in sent
    assert "= <http://www.wikidata.org/entity/Q2>" in sent


def test_the_concept_base_can_be_given_on_the_command_line(wiki: tuple[Path, Path, str], tmp_path: Path) -> None:
    """A map written by hand may lack the wiki's concept base: --concept-base gives it (and is checked)."""
    store, idmap, url = wiki
    bare = tmp_path / "map.json"
    bare.write_text(json.dumps({"glamkg_idmap": 1, "entities": json.loads(idmap.read_text())["entities"]}))
    code, _, err = cli("query", "run", "institutions_per_type", "--endpoint", url, "--idmap", str(bare))
    assert code == 2 and "concept base" in err and "--concept-base" in err
    args = ["institutions_per_type", "--endpoint", url, "--idmap", str(bare)]
    assert sorted(rows(*args, "--concept-base", WIKI + "entity/")) == sorted(
        rows("institutions_per_type", "--store", str(store))
    )
    code, _, err = cli("query", "run", *args, "--concept-base", "http://wiki example/entity/")
    assert code == 2 and "--concept-base: expected" in err


@pytest.mark.parametrize(
    ("entities", "message"),
    [
        ({"P31": "P1", "P17": "P1"}, "P31 and P17 are both mapped to the Wikibase's P1"),
        ({"P31": "Q1"}, "found the property P31 mapped to the item Q1"),
        ({"P31": 1}, "bad id in the id map"),
    ],
)
def test_a_broken_map_is_a_clear_error(tmp_path: Path, entities: dict[str, Any], message: str) -> None:
    bad = tmp_path / "map.json"
    bad.write_text(json.dumps({"glamkg_idmap": 1, "concept_base": WIKI + "entity/", "entities": entities}))
    code, _, err = cli(
        "query", "run", "institutions_per_type", "--endpoint", "http://127.0.0.1:9/sparql", "--idmap", str(bad)
    )
    assert code == 2 and message in err and str(bad) in err


def test_import_wikidata_takes_the_wikis_concept_base_for_a_map_without_one(
    wiki: tuple[Path, Path, str], tmp_path: Path
) -> None:
    """`glamkg import wikidata --idmap MAP --entity-base IRI`: a map written by hand gets the wiki's concept base
    (saved with it); the institutions come into the store in glamkg's ids, as in the store they came from."""
    store, idmap, url = wiki
    bare = tmp_path / "map.json"
    bare.write_text(json.dumps({"glamkg_idmap": 1, "entities": json.loads(idmap.read_text())["entities"]}))
    fresh = tmp_path / "fresh"
    args = ["import", "wikidata", "--endpoint", url, "--idmap", str(bare), "--country", "DE", "--country", "FR",
            "--pause", "0", "--store", str(fresh)]
    code, _, err = cli(*args)
    assert code == 2 and "concept base" in err
    code, _, err = cli(*args, "--entity-base", WIKI + "entity/")
    assert code == 0, err
    assert json.loads(bare.read_text())["concept_base"] == WIKI + "entity/"
    q = tmp_path / "institutions.rq"
    classes = " ".join(f"<{ids.entity_iri(c)}>" for t in TYPES for c in type_class_ids(t))  # --type all
    q.write_text(f"SELECT DISTINCT ?item ?country WHERE {{ VALUES ?type {{ {classes} }} ?item wdt:P31 ?type ; "
                 "wdt:P17 ?country . VALUES ?country { wd:Q183 wd:Q142 } }", encoding="utf-8")
    expected = sorted(rows(str(q), "--store", str(store)))
    assert len(expected) > 1 and sorted(rows(str(q), "--store", str(fresh))) == expected
    code, _, err = cli(*args, "--entity-base", "http://other.example/entity/")
    assert code == 2 and "expected the same wiki" in err  # once the map has one, another is refused

import copy
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.entities import Claim, Record, read_json, to_json
from kg.errors import EntityError, InputError, StoreError
from kg.store import META_GRAPH, Store
from kg.values import SOMEVALUE, Coordinate

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MUSEUM = SHARED / "fixtures" / "wikidata-entity-json" / "Q1889816_Natuurmuseum_Brabant_rev427447206.json"
WD = "http://www.wikidata.org/entity/"
PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX psv: <http://www.wikidata.org/prop/statement/value/>
PREFIX pr: <http://www.wikidata.org/prop/reference/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
"""


def museum() -> dict:
    if not MUSEUM.is_file():
        pytest.skip(f"shared fixture {MUSEUM} is absent (it lives beside the repository, not in it)")
    return read_json(MUSEUM)[0]


def dump(store: Store) -> bytes:
    """The whole store, as exported (default graph), plus the metadata graph."""
    return store.inner.dump(format=ox.RdfFormat.N_QUADS) or b""


def sorted_nt(store: Store) -> list[str]:
    data = store.inner.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    return sorted(data.decode().splitlines())


def rows(store: Store, sparql: str) -> list[dict]:
    res = store.query(PREFIXES + sparql)
    return [{v.value: (s[v].value if s[v] is not None else None) for v in res.variables} for s in res]


def inst(n: int, country: str = "Q55", **extra) -> Record:
    ref = [[("stated_in", "Q1000000000010")]]
    claims = [
        Claim("instance_of", "Q33506", references=ref),
        Claim("country", country, references=ref),
        Claim("coordinates", Coordinate(52.0 + n / 100, 4.5, precision=0.01), references=ref),
    ]
    claims += extra.get("claims", [])
    labels = {"en": f"Museum {n}", "nl": f"Museum {n}"}
    return Record(f"Q{1000000000100 + n}", "institution", labels=labels, claims=claims)


# --- the real museum: JSON -> store -> SPARQL -> same statements ---------------------------------------


def test_real_museum_round_trips_through_the_store(tmp_path):
    entity = museum()
    with Store.open(tmp_path / "store") as store:
        report = store.write_entities([entity])
        assert report.created == ["Q1889816"]
        # every statement, by its id, with the value of the JSON
        got = rows(store, "SELECT ?p ?s ?v WHERE { wd:Q1889816 ?p ?s . ?s a wikibase:BestRank ; ?ps ?v . "
                          "FILTER(STRSTARTS(STR(?ps), 'http://www.wikidata.org/prop/statement/P')) }")
        by_statement = {r["s"]: r["v"] for r in got}
        expected_ids = {}
        for pid, statements in entity["claims"].items():
            for st in statements:
                iri = WD + "statement/" + st["id"].replace("$", "-")
                expected_ids[iri] = pid
                dv = st["mainsnak"]["datavalue"]
                value = by_statement[iri]
                if dv["type"] == "wikibase-entityid":
                    assert value == WD + dv["value"]["id"]
                elif pid == "P18":
                    file_path = "http://commons.wikimedia.org/wiki/Special:FilePath/"
                    assert value == file_path + dv["value"].replace(" ", "%20")
                elif dv["type"] == "globecoordinate":
                    assert value == f"Point({dv['value']['longitude']} {dv['value']['latitude']})"
                else:
                    assert value == dv["value"]
        assert set(by_statement) == set(expected_ids)
        # the references (P143 imported from Q10000) exactly on the statements that have them
        refs = rows(store, "SELECT ?s ?ref ?src WHERE { ?s prov:wasDerivedFrom ?ref . ?ref pr:P143 ?src }")
        with_refs = {WD + "statement/" + st["id"].replace("$", "-"): st["references"][0]["hash"]
                     for sts in entity["claims"].values() for st in sts if st.get("references")}
        assert {r["s"]: r["ref"].rsplit("/", 1)[1] for r in refs} == with_refs
        assert {r["src"] for r in refs} == {WD + "Q10000"}
        assert len(with_refs) == 4  # P17, P131, P373, P625
        # the coordinate keeps its precision in the value node
        [coord] = rows(
            store,
            "SELECT ?lat ?lon ?prec WHERE { wd:Q1889816 p:P625/psv:P625 ?v . "
            "?v wikibase:geoLatitude ?lat ; wikibase:geoLongitude ?lon ; wikibase:geoPrecision ?prec }",
        )
        assert float(coord["prec"]) == 1e-05
        assert (float(coord["lat"]), float(coord["lon"])) == (51.56, 5.081389)
        # terms and WDQS metadata on the entity
        labels = rows(store, "SELECT ?l WHERE { wd:Q1889816 rdfs:label ?l }")
        assert {r["l"] for r in labels} == {v["value"] for v in entity["labels"].values()}
        [meta] = rows(store, "SELECT ?v ?m WHERE { wd:Q1889816 schema:version ?v ; schema:dateModified ?m }")
        assert meta["v"] == "427447206"
        s = store.stats()
        assert (s["items"], s["statements"]) == (1, 7)
        assert s["classes"] == [{"class": "Q33506", "label": None, "items": 1}]
    # on disk: reopen read-only and find the same
    with Store.open(tmp_path / "store", read_only=True) as ro:
        assert ro.has_entity("Q1889816") and ro.entity_ids() == ["Q1889816"]
        assert ro.stats()["statements"] == 7


# --- broken entities fail, naming entity and property, and leave the store as it was -------------------


def _bad_value_id(e):
    e["claims"]["P17"][0]["mainsnak"]["datavalue"]["value"]["id"] = "Q5x"


def _unknown_datatype(e):
    st = copy.deepcopy(e["claims"]["P373"][0])
    st["mainsnak"]["property"] = "P9999"
    del st["mainsnak"]["datatype"]
    st["id"] = "Q1889816$5A5C4D8E-0000-4000-8000-000000000001"
    e["claims"]["P9999"] = [st]


def _malformed_time(e):
    st = copy.deepcopy(e["claims"]["P373"][0])
    st["mainsnak"].update(
        property="P571",
        datatype="time",
        datavalue={
            "type": "time",
            "value": {"time": "May 2021", "timezone": 0, "before": 0, "after": 0, "precision": 11,
                      "calendarmodel": WD + "Q1985727"},
        },
    )
    e["claims"]["P571"] = [st]


def _malformed_coordinate(e):
    e["claims"]["P625"][0]["mainsnak"]["datavalue"]["value"]["latitude"] = 95.0


def _bad_entity_id(e):
    e["id"] = "Q18898x16"


@pytest.mark.parametrize(
    "break_it, parts",
    [
        (_bad_entity_id, ["Q18898x16", "entity id"]),
        (_bad_value_id, ["entity Q1889816", "property P17", "'Q5x'"]),
        (_unknown_datatype, ["entity Q1889816", "property P9999", "datatype"]),
        (_malformed_time, ["entity Q1889816", "property P571", "time", "'May 2021'"]),
        (_malformed_coordinate, ["entity Q1889816", "property P625", "latitude", "95"]),
    ],
)
def test_broken_entity_fails_clearly_and_leaves_the_store_as_it_was(tmp_path, break_it, parts):
    good = museum()
    with Store.open(tmp_path / "s") as store:
        store.write_entities([to_json(inst(1)), to_json(inst(2)), good])
        store.set_meta("label", "before")
        before, before_nt, gen = dump(store), sorted_nt(store), store.generation()
        bad = copy.deepcopy(good)
        break_it(bad)
        # valid entities before and after the broken one: new ones, and changes to existing ones
        batch = [to_json(inst(3)), to_json(inst(1, country="Q31")), bad, to_json(inst(4))]
        with pytest.raises(EntityError) as e:
            store.write_entities(batch)
        for p in parts:
            assert p in str(e.value)
        assert dump(store) == before
        assert sorted_nt(store) == before_nt
        assert store.generation() == gen
        assert not store.has_entity("Q1000000000103") and store.has_entity("Q1889816")


def test_duplicate_ids_in_one_batch_are_refused():
    store = Store.memory()
    with pytest.raises(EntityError, match="written twice in one batch"):
        store.write_entities([to_json(inst(1)), to_json(inst(1))])
    assert len(store) == 0


# --- rewriting ----------------------------------------------------------------------------------------


def test_identical_rewrite_is_unchanged_and_leaves_the_graph_identical(tmp_path):
    with Store.open(tmp_path / "s") as store:
        entities = [to_json(inst(n)) for n in range(5)] + [museum()]
        first = store.write_entities(entities)
        assert len(first.created) == 6
        before, gen = dump(store), store.generation()
        again = store.write_entities([to_json(inst(n)) for n in range(5)] + [museum()])
        assert again.unchanged == [e["id"] for e in entities]
        assert again.created == again.updated == []
        assert dump(store) == before
        assert store.generation() == gen


def test_changed_entity_replaces_only_its_own_triples():
    store = Store.memory()
    store.write_entities([to_json(inst(1)), to_json(inst(2)), museum()])
    b_before = store.entity_triples("Q1000000000102")
    m_before = store.entity_triples("Q1889816")
    gen = store.generation()
    report = store.write_entities([to_json(inst(1, country="Q31"))])
    assert report.updated == ["Q1000000000101"] and report.triples_removed > 0
    assert store.generation() != gen
    assert store.entity_triples("Q1000000000102") == b_before
    assert store.entity_triples("Q1889816") == m_before
    countries = rows(store, "SELECT ?e ?c WHERE { ?e wdt:P17 ?c }")
    assert {(r["e"].rsplit("/", 1)[1], r["c"]) for r in countries} == {
        ("Q1000000000101", WD + "Q31"),
        ("Q1000000000102", WD + "Q55"),
        ("Q1889816", WD + "Q55"),
    }
    # the graph is what a fresh store with the new content holds (old statement and orphans gone)
    fresh = Store.memory()
    fresh.write_entities([to_json(inst(1, country="Q31")), to_json(inst(2)), museum()])
    assert sorted_nt(store) == sorted_nt(fresh)


def test_dropped_statement_removes_its_value_node_but_keeps_shared_references():
    store = Store.memory()
    store.write_entities([to_json(inst(1)), to_json(inst(2))])
    r = inst(1)
    r.claims = r.claims[:2]  # no coordinates any more
    store.write_entities([to_json(r)])
    fresh = Store.memory()
    fresh.write_entities([to_json(r), to_json(inst(2))])
    assert sorted_nt(store) == sorted_nt(fresh)
    refs = rows(store, "SELECT DISTINCT ?ref WHERE { ?s prov:wasDerivedFrom ?ref }")
    assert len(refs) == 1  # the shared "stated in" reference node is still there


def test_somevalue_blank_nodes_keep_their_labels_through_rewrites():
    def rec(country):
        return Record("Q1000000000200", "institution", labels={"en": "X"},
                      claims=[Claim("instance_of", "Q33506"), Claim("inception", SOMEVALUE), Claim("country", country)])

    store = Store.memory()
    store.write_entities([to_json(rec("Q55"))])
    assert any(isinstance(q.object, ox.BlankNode) for q in store.inner)
    before = dump(store)
    assert store.write_entities([to_json(rec("Q55"))]).unchanged == ["Q1000000000200"]
    assert dump(store) == before
    assert store.write_entities([to_json(rec("Q31"))]).updated == ["Q1000000000200"]
    fresh = Store.memory()
    fresh.write_entities([to_json(rec("Q31"))])
    assert sorted_nt(store) == sorted_nt(fresh)


# --- opening, read-only, locks ------------------------------------------------------------------------


def test_read_only_store_refuses_writes(tmp_path):
    with Store.open(tmp_path / "s") as store:
        store.write_entities([to_json(inst(1))])
    with Store.open(tmp_path / "s", read_only=True) as ro:
        before = dump(ro)
        for write in (
            lambda: ro.write_entities([to_json(inst(2))]),
            lambda: ro.set_meta("label", "x"),
            lambda: ro.load_dump(tmp_path / "x.nt"),
        ):
            with pytest.raises(StoreError, match="read-only"):
                write()
        assert dump(ro) == before


def test_open_errors(tmp_path):
    with pytest.raises(StoreError, match="no store at"):
        Store.open(tmp_path / "missing", read_only=True)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("x")
    with pytest.raises(StoreError, match="not a glamkg store"):
        Store.open(tmp_path / "notes")
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        Store.open(tmp_path / "file")
    store = Store.memory()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.stats()


def test_store_locked_by_another_process(tmp_path):
    path = tmp_path / "s"
    Store.open(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pyoxigraph; s = pyoxigraph.Store(sys.argv[1]); print('open', flush=True); "
                               "sys.stdin.read()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="in use"):
            Store.open(path)
    finally:
        holder.communicate("")
    Store.open(path).close()  # free again


# --- metadata, dumps, stats ---------------------------------------------------------------------------


def test_metadata_is_invisible_to_default_graph_queries():
    store = Store.memory()
    store.write_entities([to_json(inst(1))])
    store.set_meta("label", 'demo "set"')
    store.set_meta("synthetic", True)
    store.set_meta("label", "demo")  # replaced, not added
    m = store.meta()
    assert m["label"] == "demo" and m["synthetic"] is True and m["generation"] == "1" and m["loaded_at"]
    seen = rows(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert not [r for r in seen if "glamkg:" in r["s"] or "glamkg:" in r["p"]]
    assert len(seen) == len(store)
    assert list(store.inner.quads_for_pattern(None, None, None, META_GRAPH))
    assert b"urn:glamkg" not in store.inner.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    with pytest.raises(InputError, match="metadata keys"):
        store.set_meta("Bad Key", "x")


@pytest.mark.parametrize("fmt, name", [("nt", "out.nt"), ("ttl", "out.ttl"), ("nt", "out.nt.gz")])
def test_export_then_load_dump_reproduces_the_graph(tmp_path, fmt, name):
    store = Store.memory()
    store.write_entities([to_json(inst(1)), to_json(inst(2)), museum()])
    out = tmp_path / name
    if name.endswith(".gz"):
        raw = tmp_path / "raw.nt"
        store.export(raw, format=fmt)
        out.write_bytes(gzip.compress(raw.read_bytes()))
    else:
        store.export(out, format=fmt)
    if fmt == "ttl":
        assert out.read_text().count("@prefix") >= 5
    other = Store.memory()
    n = other.load_dump(out)
    assert n == len(store)
    assert sorted_nt(other) == sorted_nt(store)
    assert other.generation() == "1"


def test_load_dump_with_a_syntax_error_writes_nothing(tmp_path):
    store = Store.memory()
    store.write_entities([to_json(inst(1))])
    before = dump(store)
    bad = tmp_path / "bad.nt"
    bad.write_text('<http://a> <http://b> "ok" .\n<http://a> <http://b> "unterminated .\n')
    with pytest.raises(InputError, match=r"bad\.nt.*nothing was loaded"):
        store.load_dump(bad)
    assert dump(store) == before
    with pytest.raises(InputError, match="cannot tell the format"):
        (tmp_path / "data.csv").write_text("a,b\n")
        store.load_dump(tmp_path / "data.csv")


def test_export_format_is_checked():
    with pytest.raises(InputError, match="export format must be one of nt, ttl"):
        Store.memory().export(Path("/dev/null"), format="xml")


def test_stats_entity_ids_and_generation():
    store = Store.memory()
    assert store.generation() == "0" and store.stats()["items"] == 0
    store.write_entities([to_json(inst(n)) for n in range(3)] + [museum()])
    s = store.stats()
    assert s["items"] == 4 and s["statements"] == 3 * 3 + 7
    assert s["classes"][0] == {"class": "Q33506", "label": None, "items": 4}
    assert store.entity_ids() == ["Q1889816", "Q1000000000100", "Q1000000000101", "Q1000000000102"]
    assert store.entity_ids("https://glamkg.invalid/entity/") == ["Q1000000000100", "Q1000000000101", "Q1000000000102"]
    assert store.generation() == "1"
    assert json.loads(json.dumps(s))["triples"] == len(store)


def test_rewrite_is_unchanged_although_oxigraph_canonicalizes_literals():
    # Wikibase writes "+12"^^xsd:decimal and "1.0E-5"^^xsd:double; Oxigraph stores "12" and "0.00001".
    from kg.values import Quantity

    def rec(amount):
        return Record("Q1000000000300", "contribution", labels={"en": "c"}, claims=[
            Claim("quantity", Quantity(amount, lower=amount - 1, upper=amount + 0.5)),
            Claim("coordinates", Coordinate(52.1, 4.2, precision=1e-05)),
        ])

    store = Store.memory()
    store.write_entities([to_json(rec(12))])
    assert rows(store, "SELECT ?a WHERE { ?s <http://www.wikidata.org/prop/statement/P1114> ?a }") == [{"a": "12"}]
    before, gen = dump(store), store.generation()
    assert store.write_entities([to_json(rec(12))]).unchanged == ["Q1000000000300"]
    assert dump(store) == before and store.generation() == gen
    assert store.write_entities([to_json(rec(13))]).updated == ["Q1000000000300"]
    fresh = Store.memory()
    fresh.write_entities([to_json(rec(13))])
    assert sorted_nt(store) == sorted_nt(fresh)

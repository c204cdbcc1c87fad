import copy
import gzip
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from kg.errors import EntityError, InputError, StoreError
from kg.model.entities import Claim, Record, read_json, to_json
from kg.model.values import SOMEVALUE, Coordinate
from kg.store import META_GRAPH, Store

STORE_LOG = "kg.store.store"  # the logger of Store (its module)

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


def _sparql_value(dv: dict, datatype: str) -> str:
    """What SPARQL gives back for a main or reference snak's datavalue, computed from the entity JSON."""
    v = dv["value"]
    if dv["type"] == "wikibase-entityid":
        return WD + v["id"]
    if datatype == "commonsMedia":
        return "http://commons.wikimedia.org/wiki/Special:FilePath/" + quote(v, safe="")  # PHP rawurlencode
    if dv["type"] == "globecoordinate":
        return f"Point({v['longitude']} {v['latitude']})"
    assert dv["type"] == "string", dv
    return v


def _statement_iri(statement_id: str) -> str:
    return WD + "statement/" + statement_id.replace("$", "-")


def test_real_museum_round_trips_through_the_store(tmp_path):
    entity = museum()
    eid = entity["id"]
    statements = [st for sts in entity["claims"].values() for st in sts]
    with Store.open(tmp_path / "store") as store:
        report = store.write_entities([entity])
        assert report.created == [eid]
    # on disk: reopen read-only (another reader's view) and compare everything with the JSON
    with Store.open(tmp_path / "store", read_only=True) as store:
        subst = {ox.Variable("e"): ox.NamedNode(WD + eid)}

        def q(sparql: str) -> list[dict]:
            res = store.query(PREFIXES + sparql, substitutions=subst)
            return [{v.value: (s[v].value if s[v] is not None else None) for v in res.variables} for s in res]

        # the same statements: id, property, rank and main value, and the truthy triple for each best one
        got = q("SELECT ?e ?claim ?s ?rank ?v WHERE { ?e ?claim ?s . ?s wikibase:rank ?rank ; ?ps ?v . "
                "FILTER(STRSTARTS(STR(?ps), 'http://www.wikidata.org/prop/statement/P')) }")
        assert {(r["s"], r["claim"].rsplit("/", 1)[1], r["rank"].rsplit("#", 1)[1], r["v"]) for r in got} == {
            (_statement_iri(st["id"]), st["mainsnak"]["property"], st["rank"].capitalize() + "Rank",
             _sparql_value(st["mainsnak"]["datavalue"], st["mainsnak"]["datatype"]))
            for st in statements
        }
        truthy = q("SELECT ?e ?p ?v WHERE { ?e ?p ?v "
                   "FILTER(STRSTARTS(STR(?p), 'http://www.wikidata.org/prop/direct/')) }")
        assert {(r["p"].rsplit("/", 1)[1], r["v"]) for r in truthy} == {
            (st["mainsnak"]["property"], _sparql_value(st["mainsnak"]["datavalue"], st["mainsnak"]["datatype"]))
            for st in statements if st["rank"] != "deprecated"
        }
        # the references: node by hash, every snak's property and value, on exactly the statements that have them
        refs = q("SELECT ?e ?s ?ref ?pr ?v WHERE { ?e ?claim ?s . ?s prov:wasDerivedFrom ?ref . ?ref ?pr ?v "
                 "FILTER(STRSTARTS(STR(?pr), 'http://www.wikidata.org/prop/reference/P')) }")
        expected_refs = {
            (_statement_iri(st["id"]), "http://www.wikidata.org/reference/" + ref["hash"], pid,
             _sparql_value(sn["datavalue"], sn["datatype"]))
            for st in statements for ref in st.get("references", [])
            for pid, snaks in ref["snaks"].items() for sn in snaks
        }
        assert expected_refs  # the fixture has references: the comparison below is not vacuous
        assert {(r["s"], r["ref"], r["pr"].rsplit("/", 1)[1], r["v"]) for r in refs} == expected_refs
        # the coordinate value node keeps latitude, longitude, precision and globe of the JSON
        coords = [st["mainsnak"] for st in statements if st["mainsnak"]["datatype"] == "globe-coordinate"]
        assert coords
        for snak in coords:
            v = snak["datavalue"]["value"]
            found = q(f"SELECT ?e ?lat ?lon ?prec ?globe WHERE {{ ?e p:{snak['property']}/psv:{snak['property']} ?n . "
                      "?n wikibase:geoLatitude ?lat ; wikibase:geoLongitude ?lon ; wikibase:geoPrecision ?prec ; "
                      "wikibase:geoGlobe ?globe }")
            assert [(float(r["lat"]), float(r["lon"]), float(r["prec"]), r["globe"]) for r in found] == [
                (v["latitude"], v["longitude"], v["precision"], v["globe"])
            ]
        # terms, sitelinks and the WDQS metadata on the entity
        labels = q("SELECT ?e ?l ?lang WHERE { ?e rdfs:label ?l BIND(LANG(?l) AS ?lang) }")
        assert {(r["lang"], r["l"]) for r in labels} == {(t["language"], t["value"]) for t in entity["labels"].values()}
        descs = q("SELECT ?e ?d ?lang WHERE { ?e schema:description ?d BIND(LANG(?d) AS ?lang) }")
        assert {(r["lang"], r["d"]) for r in descs} == {
            (t["language"], t["value"]) for t in entity["descriptions"].values()
        }
        sitelinks = q("SELECT ?e ?name WHERE { ?article schema:about ?e ; schema:name ?name }")
        assert {r["name"] for r in sitelinks} == {s["title"] for s in entity["sitelinks"].values()}
        [meta] = q("SELECT ?e ?v ?m ?n WHERE { ?e schema:version ?v ; schema:dateModified ?m ; "
                   "wikibase:statements ?n }")
        assert (int(meta["v"]), meta["m"], int(meta["n"])) == (entity["lastrevid"], entity["modified"], len(statements))
        s = store.stats()
        assert (s["items"], s["statements"]) == (1, len(statements))
        assert store.has_entity(eid) and store.entity_ids() == [eid]


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
    "break_it, where, parts",
    [
        (_bad_entity_id, ("#3", None), ["entity #3", "'Q18898x16'", "entity id", "expected Q<number>"]),
        (_bad_value_id, ("Q1889816", "P17"), ["entity Q1889816", "property P17", "'Q5x'"]),
        (_unknown_datatype, ("Q1889816", "P9999"), ["entity Q1889816", "property P9999", "datatype"]),
        (_malformed_time, ("Q1889816", "P571"), ["entity Q1889816", "property P571", "time", "'May 2021'"]),
        (_malformed_coordinate, ("Q1889816", "P625"), ["entity Q1889816", "property P625", "latitude", "95"]),
    ],
    ids=["bad-entity-id", "bad-value-id", "unknown-datatype", "malformed-time", "malformed-coordinate"],
)
def test_broken_entity_fails_clearly_and_leaves_the_store_as_it_was(tmp_path, break_it, where, parts):
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
        assert (e.value.entity, e.value.prop) == where
        assert str(e.value).count("\n") == 0  # one line, as the CLI prints it
        assert dump(store) == before
        assert sorted_nt(store) == before_nt
        assert store.generation() == gen
        assert not store.has_entity("Q1000000000103") and store.has_entity("Q1889816")
    # what is on disk, seen by a new reader, is the store as it was: every quad, data and metadata
    with Store.open(tmp_path / "s", read_only=True) as reopened:
        assert dump(reopened) == before
        assert reopened.meta()["label"] == "before"


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


class _FailingFlush:
    """The pyoxigraph store of a Store, except that flush() fails (pyoxigraph's own class cannot be patched)."""

    def __init__(self, inner: ox.Store) -> None:
        self._inner = inner
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        raise OSError("No space left on device")

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def _failing_store(path: Path) -> tuple[Store, _FailingFlush]:
    store = Store.open(path)
    store.write_entities([to_json(inst(1))])
    failing = _FailingFlush(store.inner)
    store._ox = failing  # type: ignore[assignment]
    return store, failing


def test_close_raises_and_logs_a_failed_flush(tmp_path, caplog):
    path = tmp_path / "s"
    store, failing = _failing_store(path)
    with caplog.at_level("WARNING", logger=STORE_LOG), pytest.raises(StoreError, match="could not be flushed") as e:
        store.close()
    assert failing.flushes == 1
    assert str(path) in str(e.value) and "No space left on device" in str(e.value)
    [record] = [r for r in caplog.records if r.name == STORE_LOG]
    assert record.levelname == "WARNING" and str(path) in record.getMessage()
    with pytest.raises(StoreError, match="closed"):
        store.stats()
    store.close()  # closing again is a no-op
    del failing
    with Store.open(path) as again:  # released: the lock is free, and the write is there
        assert again.has_entity(inst(1).id)


def test_with_block_raises_a_failed_flush_when_the_block_did_not(tmp_path, caplog):
    store, _ = _failing_store(tmp_path / "s")
    raises = pytest.raises(StoreError, match="could not be flushed")
    with caplog.at_level("WARNING", logger=STORE_LOG), raises, store:
        pass
    assert any(r.name == STORE_LOG for r in caplog.records)


def test_failed_flush_does_not_mask_the_exception_of_a_with_block(tmp_path, caplog):
    path = tmp_path / "s"
    store, failing = _failing_store(path)
    with caplog.at_level("WARNING", logger=STORE_LOG), pytest.raises(KeyError, match="the real problem"), store:
        raise KeyError("the real problem")
    assert failing.flushes == 1
    assert [str(path) in r.getMessage() for r in caplog.records if r.name == STORE_LOG] == [True]


def test_failed_flush_does_not_mask_an_exception_when_closed_in_finally(tmp_path, caplog):
    store, failing = _failing_store(tmp_path / "s")
    with caplog.at_level("WARNING", logger=STORE_LOG), pytest.raises(KeyError, match="the real problem"):
        try:
            raise KeyError("the real problem")
        finally:
            store.close()
    assert failing.flushes == 1 and any(r.name == STORE_LOG for r in caplog.records)


# --- query errors --------------------------------------------------------------------------------------


def test_query_syntax_error_is_an_input_error_naming_the_query():
    store = Store.memory()
    with pytest.raises(InputError) as e:
        store.query("SELECT ?x WHERE {\n  ?x ", name="institutions_per_country")
    text = str(e.value)
    assert text.startswith("SPARQL syntax error in query institutions_per_country: error at 2:")  # pyoxigraph's
    assert "\n" not in text and isinstance(e.value.__cause__, SyntaxError)


def test_query_evaluation_error_is_an_input_error_naming_the_query():
    store = Store.memory()
    with pytest.raises(InputError) as e:
        store.query("SELECT ?o WHERE { ?s ?p ?o FILTER(<http://example.org/f>(?o)) }", name="my.rq")
    assert str(e.value) == (
        "SPARQL evaluation failed for query my.rq: The custom function <http://example.org/f> is not supported"
    )
    assert isinstance(e.value.__cause__, RuntimeError)


def test_query_error_without_a_name_shows_the_start_of_the_query():
    store = Store.memory()
    long = "SELECT ?o WHERE { ?s ?p ?o FILTER(<http://example.org/f>(?o)) " + "  ".join(["# padding"] * 20)
    with pytest.raises(InputError, match=r"failed for the query `SELECT \?o WHERE \{ \?s \?p \?o FILTER") as e:
        store.query(long + "\n}")
    assert "..." in str(e.value) and len(str(e.value)) < 250


# --- metadata, dumps, stats ---------------------------------------------------------------------------


def test_metadata_is_invisible_to_default_graph_queries():
    store = Store.memory()
    store.write_entities([to_json(inst(1))])
    store.set_meta("label", 'demo "set"')
    store.set_meta("synthetic", True)
    store.set_meta("label", "demo")  # replaced, not added
    m = store.meta()
    # one entity write and three metadata changes: four writes
    assert m["label"] == "demo" and m["synthetic"] is True and m["generation"] == "4" and m["loaded_at"]
    seen = rows(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert not [r for r in seen if "glamkg:" in r["s"] or "glamkg:" in r["p"]]
    assert len(seen) == len(store)
    assert list(store.inner.quads_for_pattern(None, None, None, META_GRAPH))
    assert b"urn:glamkg" not in store.inner.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    with pytest.raises(InputError, match="metadata keys"):
        store.set_meta("Bad Key", "x")


def test_set_meta_moves_the_generation_only_when_the_value_changes(tmp_path):
    with Store.open(tmp_path / "s") as store:
        store.write_entities([to_json(inst(1))])
        loaded_at = store.meta()["loaded_at"]
        graph = sorted_nt(store)
        g1 = store.generation()
        store.set_meta("label", "first")
        g2 = store.generation()
        assert g2 != g1  # caches keyed on the generation (the dashboard's) see the new label
        store.set_meta("label", "first")  # same value: nothing written
        assert store.generation() == g2
        store.set_meta("synthetic", True)
        store.set_meta("synthetic", True)
        g3 = store.generation()
        assert g3 not in (g1, g2)
        store.set_meta("label", "second")
        g4 = store.generation()
        assert len({g1, g2, g3, g4}) == 4
        m = store.meta()
        assert (m["label"], m["synthetic"], m["generation"]) == ("second", True, g4)
        assert m["loaded_at"] == loaded_at  # metadata is not a load
        assert sorted_nt(store) == graph  # and not data
    with Store.open(tmp_path / "s", read_only=True) as ro:
        assert ro.generation() == g4 and ro.meta()["label"] == "second"


@pytest.mark.parametrize("key", ["at", "kind", "generation", "loaded_at"])
def test_reserved_metadata_keys_are_refused(key):
    store = Store.memory()
    before = dump(store)
    with pytest.raises(InputError, match=f"metadata key '{key}' is reserved"):
        store.set_meta(key, "x")
    assert dump(store) == before and store.generation() == "0"


def test_stats_counts_agree_with_the_entities_and_ignore_label_only_subjects(tmp_path):
    store = Store.memory()
    prop = {"id": "P17", "type": "property", "datatype": "wikibase-item",
            "labels": {"en": {"language": "en", "value": "country"}}}
    cls = Record("Q1000000000011", "class", labels={"en": "national archives", "nl": "nationaal archief"})
    archive = Record("Q1000000000150", "institution", labels={"en": "A"}, claims=[Claim("instance_of", cls.id)])
    store.write_entities([to_json(inst(n)) for n in range(3)] + [museum(), prop, to_json(cls), to_json(archive)])
    # a dump that only labels items (say, countries for display) describes no entity
    labels = tmp_path / "labels.nt"
    labels.write_text(f'<{WD}Q55> <http://www.w3.org/2000/01/rdf-schema#label> "Netherlands"@en .\n'
                      f'<{WD}Q31> <http://www.w3.org/2000/01/rdf-schema#label> "Belgium"@en .\n'
                      '<http://example.org/x> <http://wikiba.se/ontology#statements> "1" .\n')
    store.load_dump(labels)
    ids_ = store.entity_ids()
    assert "Q55" not in ids_ and "Q31" not in ids_ and len(ids_) == 7
    s = store.stats()
    assert (s["items"], s["properties"]) == (sum(e[0] == "Q" for e in ids_), sum(e[0] == "P" for e in ids_)) == (6, 1)
    assert s["triples"] == sum(1 for _ in store.inner.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert s["statements"] == sum(1 for _ in store.inner.quads_for_pattern(
        None, ox.NamedNode("http://wikiba.se/ontology#rank"), None, ox.DefaultGraph()))
    assert s["classes"] == [  # most items first, with the class's English label when the store has it
        {"class": "Q33506", "label": None, "items": 4},
        {"class": "Q1000000000011", "label": "national archives", "items": 1},
    ]


def test_a_second_process_reads_while_the_writer_has_the_store_open(tmp_path):
    path = tmp_path / "s"
    reader = ("import sys; from kg.store import Store\n"
              "with Store.open(sys.argv[1], read_only=True) as s: print(len(s), s.entity_ids())")
    with Store.open(path) as writer:
        writer.write_entities([to_json(inst(1))])
        writer.inner.flush()
        r = subprocess.run([sys.executable, "-c", reader, str(path)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split(" ", 1) == [str(len(writer)), "['Q1000000000101']\n"]
        # a second writer is refused while this one is open
        w2 = subprocess.run([sys.executable, "-c", "import sys; from kg.store import Store; Store.open(sys.argv[1])",
                             str(path)], capture_output=True, text=True, timeout=60)
        assert w2.returncode != 0 and "in use" in w2.stderr


@pytest.mark.parametrize("fmt, name", [("nt", "out.nt"), ("ttl", "out.ttl"), ("nt", "out.nt.gz")])
def test_export_then_load_dump_reproduces_the_graph(tmp_path, fmt, name):
    store = Store.memory()
    unknown = Record("Q1000000000200", "institution", labels={"en": "X"},
                     claims=[Claim("instance_of", "Q33506"), Claim("inception", SOMEVALUE)])  # a blank node
    store.write_entities([to_json(inst(1)), to_json(inst(2)), museum(), to_json(unknown)])
    assert any(isinstance(q.object, ox.BlankNode) for q in store.inner)
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
    from kg.model.values import Quantity

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


# --- large writes: built in a copy of the store and swapped in (kg.store.swap) ---------------------------


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir()
                  if p.name != path.name and not p.name.endswith((".lock", ".snapshots")))


def test_large_write_goes_through_a_copy_and_leaves_nothing_behind(tmp_path, monkeypatch):
    import kg.store.writes

    monkeypatch.setattr(kg.store.writes, "BULK_LIMIT", 10)  # every batch here counts as large
    p = tmp_path / "s"
    with Store.open(p) as store:
        store.write_entities([to_json(inst(n)) for n in range(3)])
        (p / "import-wikidata.checkpoint.sqlite").write_bytes(b"checkpoint")
        first_gen = store.generation()
        report = store.write_entities([to_json(inst(n)) for n in range(3, 8)] + [to_json(inst(0, "Q31"))])
        assert (sorted(report.created), report.updated) == ([f"Q{1000000000100 + n}" for n in range(3, 8)],
                                                            ["Q1000000000100"])
        assert store.generation() == str(int(first_gen) + 1)
        after = dump(store)
        countries = rows(store, "SELECT ?c WHERE { <https://glamkg.invalid/entity/Q1000000000100> wdt:P17 ?c }")
        assert countries == [{"c": "http://www.wikidata.org/entity/Q31"}]
    assert _siblings(p) == []
    assert (p / "import-wikidata.checkpoint.sqlite").read_bytes() == b"checkpoint"  # glamkg's files move along
    with Store.open(p, read_only=True) as reader:
        assert dump(reader) == after
        assert len(reader.entity_ids()) == 8


def test_a_large_write_goes_ahead_while_a_reader_reads_its_snapshot(tmp_path, monkeypatch):
    """Readers read the snapshot the last write published (kg.store.snapshots): a large write (copy and swap)
    does not wait for them, and an open reader keeps seeing the state it opened, whole."""
    import kg.store.writes
    monkeypatch.setattr(kg.store.writes, "BULK_LIMIT", 10)
    p = tmp_path / "s"
    with Store.open(p) as store:
        store.write_entities([to_json(inst(n)) for n in range(3)])
        before = len(store)
        reader = subprocess.Popen(
            [sys.executable, "-c", "import sys, time; from kg.store import Store\n"
             "with Store.open(sys.argv[1], read_only=True) as r:\n"
             "    print(len(r), flush=True); sys.stdin.readline(); print(len(r), flush=True)",
             str(p)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert int(reader.stdout.readline()) == before  # the reader is open
            assert len(store.write_entities([to_json(inst(n)) for n in range(3, 8)]).created) == 5
            after = len(store)
            assert after > before
            reader.stdin.write("\n")
            reader.stdin.flush()
            assert int(reader.stdout.readline()) == before  # still the state it opened: never a mix
        finally:
            reader.kill()
            reader.wait()
    with Store.open(p, read_only=True) as fresh:
        assert len(fresh) == after  # a reader opened now sees the write


def test_read_with_retry_reads_again_only_when_a_writer_changed_the_files(tmp_path):
    from kg.store import read_with_retry

    with Store.open(tmp_path / "s") as store:
        store.write_entities([to_json(inst(1))])
    calls = []

    def raced(st):
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError("IO error: No such file or directory: While open a file for random read")
        return len(st)

    assert read_with_retry(tmp_path / "s", raced) > 0 and len(calls) == 2
    calls.clear()

    def broken(st):
        calls.append(1)
        raise RuntimeError("some other evaluation error")

    with pytest.raises(RuntimeError, match="other evaluation"):
        read_with_retry(tmp_path / "s", broken)
    assert len(calls) == 1


@pytest.mark.slow
def test_readers_survive_a_writer_swapping_and_compacting_the_store(tmp_path):
    """A reader reading over and over while another process makes large writes (each a copy-and-swap, with
    flushes and compactions): every read succeeds (readers wait for swaps, and read again after compaction)."""
    from kg.store import read_with_retry

    p = tmp_path / "s"
    with Store.open(p) as store:
        store.write_entities([to_json(inst(n)) for n in range(20)])
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys\nimport kg.store.writes\nfrom kg.store import Store\n"
        "from kg.model.entities import Claim, Record, to_json\n"
        "kg.store.writes.BULK_LIMIT = 10\n"
        "with Store.open(sys.argv[1]) as st:\n"
        "    for w in range(40):\n"
        "        st.write_entities([to_json(Record(f'Q{1000000000100 + n}', 'institution', labels={'en': f'I {n} {w}'},"
        " claims=[Claim('instance_of', 'Q33506'), Claim('inception', str(1900 + w))])) for n in range(20)])\n"
        "        print(w, flush=True)\n"), str(p)], stdout=subprocess.PIPE, text=True)
    reads = 0
    try:
        while writer.poll() is None:
            assert read_with_retry(p, lambda st: len(st.entity_ids())) == 20
            reads += 1
    finally:
        writer.kill()
        out, _ = writer.communicate()
    assert writer.returncode == 0 and out.split()[-1] == "39"
    assert reads > 10
    with Store.open(p, read_only=True) as st:
        assert st.query("ASK { ?s ?p 'I 3 39'@en }")


def test_large_write_that_fails_in_the_copy_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    import kg.store.writes

    monkeypatch.setattr(kg.store.writes, "BULK_LIMIT", 10)
    p = tmp_path / "s"

    def half_then_fail(copy, removals, data, blank):
        copy.bulk_load(data[: len(data) // 2].rsplit(b"\n", 1)[0] + b"\n", ox.RdfFormat.N_QUADS)
        raise OSError("disk full (simulated)")

    with Store.open(p) as store:
        store.write_entities([to_json(inst(n)) for n in range(3)])
        before, gen = dump(store), store.generation()
        monkeypatch.setattr(kg.store.writes, "apply_to_copy", half_then_fail)
        with pytest.raises(StoreError, match="nothing was written: disk full"):
            store.write_entities([to_json(inst(n)) for n in range(3, 9)])
        assert dump(store) == before and store.generation() == gen
        assert _siblings(p) == []


def _interrupted_copy(p: Path, *, complete: bool, first_rename_done: bool) -> bytes:
    """Leave ``p`` as a crash during a large write would: a copy with new data, committed or not."""
    with Store.open(p) as store:
        store.write_entities([to_json(inst(n)) for n in range(2)])
        store.inner.flush()
        store.inner.backup(str(p.with_name(p.name + ".swap")))
    copy = Store.open(p.with_name(p.name + ".swap"))
    copy.write_entities([to_json(inst(5))])
    new_state = dump(copy)
    copy.close()
    del copy
    if complete:
        (p.with_name(p.name + ".swap") / "GLAMKG-COMPLETE").write_bytes(b"")
    if first_rename_done:
        p.rename(p.with_name(p.name + ".old"))
    return new_state


@pytest.mark.parametrize("first_rename_done", [False, True])
def test_open_finishes_a_committed_large_write(tmp_path, first_rename_done):
    p = tmp_path / "s"
    new_state = _interrupted_copy(p, complete=True, first_rename_done=first_rename_done)
    with Store.open(p) as store:
        assert dump(store) == new_state
        assert store.has_entity("Q1000000000105")
    assert _siblings(p) == []
    assert not (p / "GLAMKG-COMPLETE").exists()


def test_open_throws_away_an_uncommitted_large_write(tmp_path):
    p = tmp_path / "s"
    _interrupted_copy(p, complete=False, first_rename_done=False)
    with Store.open(p, read_only=True) as reader:  # readers touch nothing
        before = dump(reader)
        assert not reader.has_entity("Q1000000000105")
    assert _siblings(p) == ["s.swap"]
    with Store.open(p) as store:
        assert dump(store) == before
        assert not store.has_entity("Q1000000000105")
    assert _siblings(p) == []


def test_add_new_entities_gives_the_same_graph_as_write_entities_and_refuses_existing_ones(tmp_path):
    from kg.rdf import Vocabulary, to_ntriples, wdqs_triples

    entities = [to_json(inst(n)) for n in range(4)]
    data = "".join(to_ntriples(wdqs_triples(e, vocab=Vocabulary.glamkg())) for e in entities).encode()
    with Store.memory() as slow, Store.open(tmp_path / "fast") as fast:
        slow.write_entities(entities)
        report = fast.add_new_entities(data, [e["id"] for e in entities])
        assert report is not None and sorted(report.created) == sorted(e["id"] for e in entities)
        assert sorted_nt(fast) == sorted_nt(slow)
        gen, before = fast.generation(), dump(fast)
        # an entity already there: nothing written, the caller must diff through write_entities
        again = [to_json(inst(9)), entities[0]]
        again_nt = "".join(to_ntriples(wdqs_triples(e, vocab=Vocabulary.glamkg())) for e in again).encode()
        assert fast.add_new_entities(again_nt, [e["id"] for e in again]) is None
        # broken N-Triples: an error, and nothing of the batch is in the store
        with pytest.raises(StoreError, match="nothing was written"):
            fast.add_new_entities(again_nt[:-40] + b" <broken\n", ["Q1000000000109"])
        assert dump(fast) == before and fast.generation() == gen

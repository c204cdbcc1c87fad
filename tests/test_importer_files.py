"""glamkg import entities / import results, on the real recorded material in ../shared/fixtures/."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from loopback import Quiet, serving

from kg.errors import EntityError, InputError, RemoteError
from kg.http import HttpClient
from kg.query import results
from kg.store import Store
from kg.wikidata import fetch as wf
from kg.wikidata.importer import import_entities
from kg.wikidata.result_import import import_results, read_result_file

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
WDQS_DIR = SHARED / "fixtures" / "wdqs-recorded-responses"
ENTITY_DIR = SHARED / "fixtures" / "wikidata-entity-json"
WD = "http://www.wikidata.org/entity/"


def _fixture(folder: Path, pattern: str) -> Path:
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: the recorded fixtures live in ../shared/fixtures next to the repository")
    found = sorted(folder.glob(pattern))
    if not found:
        pytest.skip(f"no {pattern} in {folder}")
    return found[0]


@pytest.fixture
def srj() -> Path:
    return _fixture(WDQS_DIR, "*.srj.json")


@pytest.fixture
def museum_json() -> Path:
    return _fixture(ENTITY_DIR, "Q1889816_*.json")


def rows(store: Store, q: str) -> list[tuple[str, ...]]:
    return [tuple(t.value for t in r) for r in store.query(q)]


# --- the recorded WDQS answer ---------------------------------------------------------------------------
def test_recorded_answer_parses_into_the_right_dataframe(srj: Path) -> None:
    doc = json.loads(srj.read_text(encoding="utf-8"))
    df = results.to_dataframe(doc)
    assert len(df) == 59
    assert list(df.columns) == [
        "place", "placeLabel", "placeLabel_lang", "location", "location_lon", "location_lat", "article"
    ]
    first = df.iloc[0]
    assert first["place"] == "Q21540479" and first["placeLabel"] == "Rownham Ferry"
    assert (first["location_lon"], first["location_lat"]) == (-2.6248, 51.448)  # Point(lon lat)
    zoo = df[df["placeLabel"] == "Bristol Zoo"].iloc[0]
    assert (zoo["location_lon"], zoo["location_lat"]) == (-2.622222222, 51.463333333)
    assert set(df["placeLabel_lang"]) == {"en"}
    assert str(df["location_lon"].dtype) == "float64" and df["location_lat"].between(51.44, 51.47).all()
    assert df["article"].str.startswith("https://en.wikipedia.org/wiki/").all()


def test_recorded_answer_through_the_client(srj: Path) -> None:
    """The recorded body, served on loopback with the recorded headers, comes back through wf.Service."""
    meta = json.loads((WDQS_DIR / srj.name.replace(".srj.json", ".http.json")).read_text(encoding="utf-8"))
    body = srj.read_bytes()
    ctype = meta["response"]["headers"]["Content-Type"][0]

    class Handler(Quiet):
        def do_GET(self) -> None:
            self.send_response(meta["response"]["status"]["code"])
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

    with serving(Handler) as url:
        doc = wf.Service(url, HttpClient(max_retries=0)).select(
            "SELECT ?place ?placeLabel ?location ?article WHERE { ?place ?p ?location }")
    pd.testing.assert_frame_equal(results.to_dataframe(doc), results.to_dataframe(json.loads(body)))


def test_import_results_recorded_file(srj: Path, tmp_path: Path) -> None:
    with Store.memory() as st:
        report = import_results(st, srj, item_column="place", retrieved="2018-01-22")
        df = read_result_file(srj)
        assert len(report.created) == df["place"].nunique()
        assert report.ignored_columns == ["article"]
        got = rows(st, """PREFIX wd: <http://www.wikidata.org/entity/> PREFIX wdt: <http://www.wikidata.org/prop/direct/>
            PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            SELECT ?l ?c WHERE { wd:Q1189553 rdfs:label ?l ; wdt:P625 ?c }""")
        assert got == [("Bristol Zoo", "Point(-2.622222222 51.463333333)")]
        again = import_results(st, srj, item_column="place", retrieved="2018-01-22")
        assert again.created == [] and again.updated == [] and len(again.unchanged) == len(report.created)


def test_import_results_csv_convention(tmp_path: Path) -> None:
    csv = tmp_path / "museums.csv"
    csv.write_text(
        "item,itemLabel,itemDescription,country,coord,isil,inception,website,P131,class,notes\n"
        f"{WD}Q1889816,Natuurmuseum Brabant,museum in Tilburg,{WD}Q55,Point(5.081389 51.56),NL-TbNMB,"
        f"1935-01-01T00:00:00Z,https://www.natuurmuseumbrabant.nl/,{WD}Q9871,{WD}Q33506,x\n"
        f"{WD}Q1889816,Natuurmuseum Brabant,museum in Tilburg,{WD}Q55,Point(5.081389 51.56),NL-TbNMB,"
        f"1935-01-01T00:00:00Z,https://www.natuurmuseumbrabant.nl/,{WD}Q9871,{WD}Q1970365,y\n",
        encoding="utf-8",
    )
    with Store.memory() as st:
        report = import_results(st, csv, language="nl", retrieved="2026-11-24")
        assert report.created == ["Q1889816"] and report.ignored_columns == ["notes"]
        got = rows(st, """PREFIX wd: <http://www.wikidata.org/entity/> PREFIX wdt: <http://www.wikidata.org/prop/direct/>
            PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
            SELECT ?l ?country ?isil ?web ?admin WHERE { wd:Q1889816 rdfs:label ?l ; wdt:P17 ?country ;
              wdt:P791 ?isil ; wdt:P856 ?web ; wdt:P131 ?admin }""")
        assert got == [("Natuurmuseum Brabant", WD + "Q55", "NL-TbNMB", "https://www.natuurmuseumbrabant.nl/",
                        WD + "Q9871")]
        lang = rows(st, "SELECT (LANG(?l) AS ?g) WHERE { <http://www.wikidata.org/entity/Q1889816> "
                        "<http://www.w3.org/2000/01/rdf-schema#label> ?l }")
        assert lang == [("nl",)]
        classes = rows(st, "SELECT ?c WHERE { <http://www.wikidata.org/entity/Q1889816> "
                           "<http://www.wikidata.org/prop/direct/P31> ?c } ORDER BY ?c")
        assert classes == [(WD + "Q1970365",), (WD + "Q33506",)]  # two rows merged into one item
        prec = rows(st, """PREFIX wd: <http://www.wikidata.org/entity/> PREFIX p: <http://www.wikidata.org/prop/>
            PREFIX psv: <http://www.wikidata.org/prop/statement/value/> PREFIX wikibase: <http://wikiba.se/ontology#>
            SELECT ?p WHERE { wd:Q1889816 p:P571/psv:P571/wikibase:timePrecision ?p }""")
        assert prec == [("9",)]  # 1 January -> year precision (the documented convention)


def test_import_results_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"head": {"vars": ["item"]}, "results": {"bindings": [', encoding="utf-8")
    with Store.memory() as st:
        with pytest.raises(InputError, match=r"bad.json: not valid JSON at line 1"):
            import_results(st, bad)
        nocol = tmp_path / "nocol.csv"
        nocol.write_text("thing,thingLabel\nhttp://www.wikidata.org/entity/Q1,x\n", encoding="utf-8")
        with pytest.raises(InputError, match=r"expected a column 'item'.*--item-column"):
            import_results(st, nocol)
        notid = tmp_path / "notid.csv"
        notid.write_text("item,itemLabel\nhttp://www.wikidata.org/entity/Q1,x\nfoo,y\n", encoding="utf-8")
        with pytest.raises(InputError, match=r"row 2, column 'item': expected an entity IRI or id"):
            import_results(st, notid)
        assert len(st) == 0  # nothing of a failed file was written
        with pytest.raises(InputError, match="expected a SPARQL result file"):
            import_results(st, tmp_path / "x.tsv")


# --- the real museum entity -----------------------------------------------------------------------------
def test_import_real_museum_entity(museum_json: Path) -> None:
    with Store.memory() as st:
        report = import_entities(st, museum_json)
        assert report.created == ["Q1889816"]
        assert st.has_entity("Q1889816")
        props = rows(st, """PREFIX wd: <http://www.wikidata.org/entity/>
            SELECT DISTINCT ?p WHERE { wd:Q1889816 ?p ?st .
              FILTER(STRSTARTS(STR(?p), "http://www.wikidata.org/prop/P")) }
            ORDER BY ?p""")
        assert [p.rsplit("/", 1)[1] for (p,) in props] == ["P131", "P17", "P18", "P276", "P31", "P373", "P625"]
        geo = rows(st, """PREFIX wd: <http://www.wikidata.org/entity/> PREFIX p: <http://www.wikidata.org/prop/>
            PREFIX psv: <http://www.wikidata.org/prop/statement/value/> PREFIX wikibase: <http://wikiba.se/ontology#>
            SELECT ?lat ?lon ?prec WHERE { wd:Q1889816 p:P625/psv:P625 ?v .
              ?v wikibase:geoLatitude ?lat ; wikibase:geoLongitude ?lon ; wikibase:geoPrecision ?prec }""")
        assert [tuple(float(x) for x in r) for r in geo] == [(51.56, 5.081389, 1e-05)]
        refs = rows(st, """PREFIX wd: <http://www.wikidata.org/entity/> PREFIX prov: <http://www.w3.org/ns/prov#>
            PREFIX pr: <http://www.wikidata.org/prop/reference/>
            SELECT ?p WHERE { wd:Q1889816 ?p ?st . ?st prov:wasDerivedFrom/pr:P143 wd:Q10000 } ORDER BY ?p""")
        assert [p.rsplit("/", 1)[1] for (p,) in refs] == ["P131", "P17", "P373", "P625"]  # as in the JSON
        again = import_entities(st, museum_json)
        assert again.unchanged == ["Q1889816"] and again.changed == []


def test_saved_queries_see_the_imported_museum(museum_json: Path) -> None:
    """The saved queries (kg.query.run on the local store) find the museum with the values of its JSON."""
    from kg import query
    entity = json.loads(museum_json.read_text(encoding="utf-8"))["entities"]["Q1889816"]
    coord = entity["claims"]["P625"][0]["mainsnak"]["datavalue"]["value"]
    label = entity["labels"]["nl"]["value"]
    with Store.memory() as st:
        import_entities(st, museum_json)
        for name in ("institutions_per_country", "gaps_institutions_by_country"):
            df = query.run(name, store=st)
            assert dict(zip(df["country"], df["institutions"], strict=True)) == {"Q55": 1}, name
        df = query.run("institutions_locations", params={"lang": "nl"}, store=st)
        assert len(df) == 1
        row = df.iloc[0]
        assert (row["item"], row["itemLabel"], row["type"], row["country"]) == ("Q1889816", label, "Q33506", "Q55")
        assert (row["coordinates_lon"], row["coordinates_lat"]) == (coord["longitude"], coord["latitude"])
        df = query.run("institutions_locations", params={"country": "NL"}, store=st)
        assert list(df["item"]) == ["Q1889816"]
        assert query.run("institutions_locations", params={"country": "BE"}, store=st).empty
        df = query.run("institutions_per_type", store=st)
        assert dict(zip(df["type"], df["institutions"], strict=True)) == {"Q33506": 1}
        # the museum has no ISIL (P791) in the JSON: the quality query lists it
        assert "Q1889816" in set(query.run("quality_institutions_missing_isil", store=st)["item"])


def test_import_entities_errors(tmp_path: Path) -> None:
    with Store.memory() as st:
        with pytest.raises(InputError, match="no such file"):
            import_entities(st, tmp_path / "missing.json")
        bad = tmp_path / "bad.json"
        bad.write_text('{"entities": {"Q1": {"id": "Q1", "type": "item", "claims": {"P31": [{"mainsnak": '
                       '{"snaktype": "value", "property": "P31", "datavalue": {"type": "time", "value": {}}}}]}}}}')
        with pytest.raises((EntityError, InputError)):
            import_entities(st, bad)
        assert len(st) == 0


def test_cli_import_entities_and_results(museum_json: Path, srj: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from kg.cli import main

    store = str(tmp_path / "store")
    assert main(["import", "entities", str(museum_json), "--store", store]) == 0
    assert "created 1, updated 0, unchanged 0" in capsys.readouterr().err
    out = tmp_path / "report.json"
    assert main(["import", "results", str(srj), "--item-column", "place", "--store", store, "--report", str(out)]) == 0
    assert len(json.loads(out.read_text())["created"]) == 59  # 59 rows, 59 distinct places
    assert main(["import", "results", str(tmp_path / "nope.csv"), "--store", store]) == 2


def test_remote_error_type() -> None:
    with pytest.raises(RemoteError, match=r"expected results\.bindings"):
        wf.check_results({"head": {}, "results": {"bindings": "x"}}, "here")

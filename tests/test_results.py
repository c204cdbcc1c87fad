"""kg.query.results: SPARQL results of every engine -> the same typed DataFrame."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyoxigraph as ox
import pytest

from kg.errors import InputError
from kg.query import results

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RECORDED = SHARED / "fixtures" / "wdqs-recorded-responses" / "osm-wikidata_bristol_enwiki_2018-01-22.srj.json"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _lit(value: str, dt: str | None = None, lang: str | None = None) -> dict[str, str]:
    out = {"type": "literal", "value": value}
    if dt:
        out["datatype"] = XSD + dt if ":" not in dt else dt
    if lang:
        out["xml:lang"] = lang
    return out


@pytest.fixture(scope="module")
def recorded() -> dict:
    if not RECORDED.exists():
        pytest.skip(f"recorded WDQS response not found at {RECORDED} (../shared/ is absent)")
    return json.loads(RECORDED.read_text(encoding="utf-8"))


def test_recorded_wdqs_response(recorded: dict) -> None:
    df = results.to_dataframe(recorded)
    assert len(df) == 59
    assert list(df.columns) == [
        "place",
        "placeLabel",
        "placeLabel_lang",
        "location",
        "location_lon",
        "location_lat",
        "article",
    ]
    zoo = df[df["place"] == "Q1189553"].iloc[0]
    assert zoo["placeLabel"] == "Bristol Zoo"
    assert zoo["placeLabel_lang"] == "en"
    assert zoo["location_lon"] == pytest.approx(-2.622222222)
    assert zoo["location_lat"] == pytest.approx(51.463333333)
    assert zoo["article"] == "https://en.wikipedia.org/wiki/Bristol_Zoo"  # non-entity IRIs kept whole
    assert df["location_lon"].dtype == np.float64 and df["location_lat"].notna().all()
    # every point lies in the query's bounding box
    assert df["location_lon"].between(-2.6318114, -2.6078598).all()
    assert df["location_lat"].between(51.4478819, 51.4660988).all()
    assert set(df["placeLabel_lang"]) == {"en"}


def test_recorded_without_shortening(recorded: dict) -> None:
    df = results.to_dataframe(recorded, shorten_ids=False)
    assert df["place"].str.startswith("http://www.wikidata.org/entity/Q").all()


def test_numbers_dates_booleans_and_nulls() -> None:
    doc = {
        "head": {"vars": ["n", "x", "d", "b", "s"]},
        "results": {
            "bindings": [
                {
                    "n": _lit("5", "integer"),
                    "x": _lit("2.5", "decimal"),
                    "d": _lit("1850-01-01T00:00:00Z", "dateTime"),
                    "b": _lit("true", "boolean"),
                    "s": _lit("plain"),
                },
                {"n": _lit("-7", "int"), "x": _lit("1", "integer"), "d": _lit("2020-05-17", "date")},
                {},
            ]
        },
    }
    df = results.to_dataframe(doc)
    assert str(df["n"].dtype) == "Int64" and df["n"].tolist()[:2] == [5, -7] and df["n"].isna().tolist()[2]
    assert df["x"].dtype == np.float64 and df["x"].tolist()[:2] == [2.5, 1.0]
    assert str(df["d"].dtype) == "datetime64[us]"
    assert df["d"][0] == pd.Timestamp("1850-01-01") and df["d"][1] == pd.Timestamp("2020-05-17")
    assert pd.isna(df["d"][2])
    assert str(df["b"].dtype) == "boolean" and bool(df["b"][0]) is True
    assert str(df["s"].dtype) == "string" and df["s"][0] == "plain" and pd.isna(df["s"][1])


def test_bce_dates_and_time_zones() -> None:
    doc = {
        "head": {"vars": ["d"]},
        "results": {
            "bindings": [
                {"d": _lit("-0500-01-01T00:00:00Z", "dateTime")},
                {"d": _lit("2000-01-01T02:00:00+02:00", "dateTime")},
            ]
        },
    }
    df = results.to_dataframe(doc)
    assert df["d"][0].year == -500
    assert df["d"][1] == pd.Timestamp("2000-01-01T00:00:00")  # converted to UTC


def test_dates_out_of_range_fall_back_to_strings() -> None:
    doc = {
        "head": {"vars": ["d"]},
        "results": {
            "bindings": [
                {"d": _lit("-13798000000-00-00T00:00:00Z", "dateTime")},
                {"d": _lit("1850-01-01T00:00:00Z", "dateTime")},
            ]
        },
    }
    df = results.to_dataframe(doc)
    assert str(df["d"].dtype) == "string"
    assert df["d"].tolist() == ["-13798000000-00-00T00:00:00Z", "1850-01-01T00:00:00Z"]


def test_mixed_kinds_become_strings_and_lang_column() -> None:
    doc = {
        "head": {"vars": ["v"]},
        "results": {
            "bindings": [
                {"v": {"type": "uri", "value": "http://www.wikidata.org/entity/Q42"}},
                {"v": _lit("Douglas", lang="en")},
                {"v": _lit("3", "integer")},
            ]
        },
    }
    df = results.to_dataframe(doc)
    assert df["v"].tolist() == ["Q42", "Douglas", "3"]
    assert df["v_lang"].tolist()[1] == "en" and pd.isna(df["v_lang"][0])


def test_ask_and_bad_documents() -> None:
    assert results.to_dataframe({"head": {}, "boolean": True})["boolean"].tolist() == [True]
    with pytest.raises(InputError, match=r"head\.vars"):
        results.to_dataframe({"head": {"vars": ["a"]}})
    with pytest.raises(InputError):
        results.to_dataframe([])  # type: ignore[arg-type]


def test_csv_inferred_types() -> None:
    text = (
        "item,n,when,loc,name\r\n"
        "http://www.wikidata.org/entity/Q1,3,2001-01-01T00:00:00Z,Point(1.5 2.5),x\r\n"
        ",,,,\r\n"
    )
    df = results.from_csv(text)
    assert df["item"].tolist()[0] == "Q1" and pd.isna(df["item"][1])
    assert str(df["n"].dtype) == "Int64" and df["n"][0] == 3
    assert df["when"][0] == pd.Timestamp("2001-01-01")
    assert df["loc_lon"][0] == 1.5 and df["loc_lat"][0] == 2.5
    assert df["name"][0] == "x"


def test_oxigraph_matches_json_path() -> None:
    store = ox.Store()
    store.load(
        b"""
        @prefix wd: <http://www.wikidata.org/entity/> .
        @prefix wdt: <http://www.wikidata.org/prop/direct/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix geo: <http://www.opengis.net/ont/geosparql#> .
        wd:Q1 rdfs:label "Rijksmuseum"@nl ; wdt:P625 "Point(4.885 52.36)"^^geo:wktLiteral ;
              wdt:P571 "1800-11-19T00:00:00Z"^^xsd:dateTime .
        wd:Q2 rdfs:label "Archive"@en .
        """,
        format=ox.RdfFormat.TURTLE,
    )
    q = """SELECT ?s ?l ?c ?d (COUNT(*) AS ?n) WHERE {
        ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l .
        OPTIONAL { ?s <http://www.wikidata.org/prop/direct/P625> ?c }
        OPTIONAL { ?s <http://www.wikidata.org/prop/direct/P571> ?d } } GROUP BY ?s ?l ?c ?d ORDER BY ?s"""
    from_ox = results.from_oxigraph(store.query(q))
    as_json = json.loads(store.query(q).serialize(format=ox.QueryResultsFormat.JSON))
    from_json = results.to_dataframe(as_json)
    pd.testing.assert_frame_equal(from_ox, from_json)
    assert from_ox["s"].tolist() == ["Q1", "Q2"]
    assert from_ox["c_lon"][0] == 4.885 and pd.isna(from_ox["c_lat"][1])
    assert from_ox["l_lang"].tolist() == ["nl", "en"]
    assert from_ox["n"].tolist() == [1, 1]
    assert from_ox["d"][0] == pd.Timestamp("1800-11-19")


def test_oxigraph_ask_and_construct() -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://www.wikidata.org/entity/Q1"), ox.NamedNode("http://x/p"), ox.Literal("v")))
    assert results.from_oxigraph(store.query("ASK { ?s ?p ?o }"))["boolean"].tolist() == [True]
    df = results.from_oxigraph(store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
    assert df.to_dict("records") == [{"subject": "Q1", "predicate": "http://x/p", "object": "v"}]


def test_oxigraph_columns_match_json_path_on_every_kind_of_column() -> None:
    """from_oxigraph builds columns directly from pyoxigraph terms (vectorised): it must type every kind of
    column exactly like the SPARQL-JSON path, mixed, partly unbound and odd columns included."""
    store = ox.Store()
    store.load(
        b"""
        @prefix wd: <http://www.wikidata.org/entity/> .
        @prefix x: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix geo: <http://www.opengis.net/ont/geosparql#> .
        @prefix gk: <https://glamkg.invalid/entity/> .
        x:r1 x:mixed wd:Q42 ; x:iri wd:Q42 ; x:num 5 ; x:date "2001-02-03T04:05:06Z"^^xsd:dateTime ;
             x:pt "Point(1.5 -2.25)"^^geo:wktLiteral ; x:flag true ; x:label "Douglas"@en ; x:bn [ x:p 1 ] .
        x:r2 x:mixed "http://www.wikidata.org/entity/Q43" ; x:iri gk:Q1000000000001 ; x:num 2.5 ;
             x:date "-0044-03-15T00:00:00Z"^^xsd:dateTime ; x:pt "Polygon((0 0, 1 1, 1 0, 0 0))"^^geo:wktLiteral ;
             x:flag false ; x:label "plain" .
        x:r3 x:mixed "Adams"@en ; x:iri <http://www.wikidata.org/entity/Q0> ; x:num "7"^^xsd:int ;
             x:date "2001-02-30T00:00:00Z"^^xsd:dateTime ; x:pt "point( +3e1 4 )"^^geo:wktLiteral .
        x:r4 x:mixed 12 ; x:iri <http://example.org/not-an-entity> .
        """,
        format=ox.RdfFormat.TURTLE,
    )
    q = """PREFIX x: <http://example.org/>
    SELECT ?r ?mixed ?iri ?num ?date ?pt ?flag ?label ?bn ?none WHERE {
      ?r x:mixed ?mixed ; x:iri ?iri .
      OPTIONAL { ?r x:num ?num } OPTIONAL { ?r x:date ?date } OPTIONAL { ?r x:pt ?pt }
      OPTIONAL { ?r x:flag ?flag } OPTIONAL { ?r x:label ?label } OPTIONAL { ?r x:bn ?bnode }
      BIND(IF(BOUND(?bnode), "blank", ?unbound) AS ?bn)
    } ORDER BY ?r"""
    for shorten in (True, False):
        from_ox = results.from_oxigraph(store.query(q), shorten_ids=shorten)
        as_json = json.loads(store.query(q).serialize(format=ox.QueryResultsFormat.JSON))
        pd.testing.assert_frame_equal(from_ox, results.to_dataframe(as_json, shorten_ids=shorten))
    df = results.from_oxigraph(store.query(q))
    # an IRI is shortened, a literal that spells the same IRI is not
    assert df["mixed"].tolist() == ["Q42", "http://www.wikidata.org/entity/Q43", "Adams", "12"]
    assert df["mixed_lang"].tolist()[2] == "en" and pd.isna(df["mixed_lang"][0])
    assert df["iri"].tolist() == [
        "Q42", "Q1000000000001", "http://www.wikidata.org/entity/Q0", "http://example.org/not-an-entity"
    ]
    assert df["num"].dtype == np.float64 and df["num"].tolist()[:3] == [5.0, 2.5, 7.0]
    # one invalid date (30 February) makes the whole column keep its lexical forms
    assert str(df["date"].dtype) == "string" and df["date"][1] == "-0044-03-15T00:00:00Z"
    assert df["pt_lon"].tolist()[0] == 1.5 and df["pt_lat"].tolist()[0] == -2.25
    assert pd.isna(df["pt_lon"][1]) and df["pt_lon"][2] == 30.0 and pd.isna(df["pt_lat"][3])
    assert str(df["flag"].dtype) == "boolean" and df["flag"].tolist()[:2] == [True, False]
    assert df["bn"].tolist()[0] == "blank" and df["none"].isna().all()
    valid_dates = (
        'PREFIX x: <http://example.org/> SELECT ?d WHERE { ?r x:date ?d FILTER(STR(?d) != "2001-02-30T00:00:00Z") } '
        "ORDER BY ?d"
    )
    ok = results.from_oxigraph(store.query(valid_dates))
    assert str(ok["d"].dtype) == "datetime64[us]" and ok["d"][0].year == -44



def test_oxigraph_tsv_reading_keeps_every_term_exact() -> None:
    """The local path reads the engine's SPARQL TSV back: escapes, empty strings, Turtle's bare numbers,
    custom datatypes, blank nodes, unbound cells, no rows and no variables give what the terms say."""
    store = ox.Store()
    store.load(
        r"""
        @prefix x: <http://example.org/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        x:a x:s "tab\there\nnew line \"quoted\" back\\slash \u00e9 \U0001F600 \\t not a tab" .
        x:b x:s "" .
        x:c x:s "Zürich"@de-CH .
        x:d x:s "abc"^^<http://example.org/dt> .
        x:e x:s "1"^^xsd:decimal .
        x:f x:s 1.5 .
        x:g x:s "INF"^^xsd:double .
        x:h x:s -42 .
        x:i x:s true .
        x:j x:s <http://example.org/iri?q=a%20b#frag> .
        x:k x:s [ x:p 1 ] .
        """.encode(),
        format=ox.RdfFormat.TURTLE,
    )
    q = "SELECT ?r ?v WHERE { ?r <http://example.org/s> ?v } ORDER BY ?r"
    df = results.from_oxigraph(store.query(q))
    expected = [term.value for (term,) in store.query("SELECT ?v WHERE { ?r <http://example.org/s> ?v } ORDER BY ?r")]
    assert df["v"].tolist() == expected
    assert df["v"][0] == 'tab\there\nnew line "quoted" back\\slash é 😀 \\t not a tab'
    assert df["v"][1] == "" and df["v_lang"][2] == "de-ch"
    as_json = json.loads(store.query(q).serialize(format=ox.QueryResultsFormat.JSON))
    pd.testing.assert_frame_equal(df, results.to_dataframe(as_json))
    # typed columns from Turtle's bare forms
    nums = results.from_oxigraph(store.query(
        "SELECT ?i ?d ?b WHERE { <http://example.org/h> ?p ?i . <http://example.org/f> ?p ?d . "
        "<http://example.org/i> ?p ?b }"
    ))
    assert nums["i"].tolist() == [-42] and str(nums["i"].dtype) == "Int64"
    assert nums["d"].tolist() == [1.5] and nums["b"].tolist() == [True]
    # one variable, unbound in every row (empty TSV lines); no rows; no variables
    unbound = results.from_oxigraph(store.query("SELECT ?none WHERE { ?r <http://example.org/s> ?v }"))
    assert len(unbound) == 11 and unbound["none"].isna().all()
    assert len(results.from_oxigraph(store.query("SELECT ?v WHERE { ?r <http://example.org/nothing> ?v }"))) == 0
    assert len(results.from_oxigraph(store.query("SELECT * WHERE { }"))) == 1

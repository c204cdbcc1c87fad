"""kg.query.wdqs: WDQS queries on the local store (prefixes, label service per RULES.md sec. 13, geo services,
Blazegraph constructs refused with the construct and its line), never touching the network."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pandas as pd
import pyoxigraph as ox
import pytest

from kg.errors import InputError
from kg.query import results, wdqs

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RECORDED = SHARED / "fixtures" / "wdqs-recorded-responses"

DATA = r"""
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix gk: <https://glamkg.invalid/entity/> .
wd:Q1 wdt:P31 wd:Q33506 ; rdfs:label "Musée"@fr, "Museum one"@en ; schema:description "a museum"@en ;
  skos:altLabel "M1"@en, "First museum"@en, "Premier"@fr ; wdt:P131 wd:Q90 ;
  wdt:P625 "Point(2.35 48.85)"^^geo:wktLiteral .
wd:Q2 wdt:P31 wd:Q33506 ; rdfs:label "Museum two"@en ; wdt:P625 "Point(4.9 52.37)"^^geo:wktLiteral .
wd:Q3 wdt:P31 wd:Q33506 .
wd:Q90 rdfs:label "Paris"@en, "Paris"@fr .
wd:Q33506 rdfs:label "museum"@en .
gk:Q1000000000101 wdt:P31 wd:Q33506 .
<http://example.org/thing> wdt:P31 wd:Q33506 .
"""


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return s


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def run(store: ox.Store, text: str, **kw: object) -> pd.DataFrame:
    return wdqs.run_local(store, text, **kw)  # type: ignore[arg-type]


def by_item(df: pd.DataFrame, col: str) -> dict[str, object]:
    return {r["item"]: (None if pd.isna(r[col]) else r[col]) for _, r in df.iterrows()}


def test_automatic_mode_language_fallback_and_id(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?item ?itemLabel ?itemDescription WHERE { ?item wdt:P31 wd:Q33506 .
           SERVICE wikibase:label { bd:serviceParam wikibase:language "fr,en". } }""",
    )
    labels = by_item(df, "itemLabel")
    assert labels["Q1"] == "Musée"  # fr first
    assert labels["Q2"] == "Museum two"  # falls back to en
    assert labels["Q3"] == "Q3"  # no label: the entity id
    assert labels["Q1000000000101"] == "Q1000000000101"  # local ids too
    assert labels["http://example.org/thing"] == "http://example.org/thing"  # other IRIs: the IRI
    langs = {r["item"]: r["itemLabel_lang"] for _, r in df.iterrows()}
    assert langs["Q1"] == "fr" and langs["Q2"] == "en" and pd.isna(langs["Q3"])
    desc = by_item(df, "itemDescription")
    assert desc["Q1"] == "a museum" and desc["Q2"] is None  # descriptions do not fall back to the id
    assert len(df) == 5  # cardinality unchanged


def test_language_order_matters(store: ox.Store) -> None:
    q = """SELECT ?item ?itemLabel WHERE { VALUES ?item { wd:Q1 } SERVICE wikibase:label {
           bd:serviceParam wikibase:language "%s" } }"""
    assert run(store, q % "en,fr")["itemLabel"].tolist() == ["Museum one"]
    assert run(store, q % " fr , en ")["itemLabel"].tolist() == ["Musée"]
    assert run(store, q % "[AUTO_LANGUAGE],en")["itemLabel"].tolist() == ["Museum one"]
    assert run(store, q % "[AUTO_LANGUAGE]", auto_language="fr")["itemLabel"].tolist() == ["Musée"]


def test_alt_labels_joined_in_best_language(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?item ?itemAltLabel WHERE { VALUES ?item { wd:Q1 wd:Q2 }
           SERVICE wikibase:label { bd:serviceParam wikibase:language "en,fr". } }""",
    )
    alt = by_item(df, "itemAltLabel")
    assert sorted(str(alt["Q1"]).split(", ")) == ["First museum", "M1"]
    assert alt["Q2"] is None
    assert df.set_index("item").loc["Q1", "itemAltLabel_lang"] == "en"


def test_manual_mode(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?item ?name ?d WHERE { VALUES ?item { wd:Q1 wd:Q3 }
           SERVICE wikibase:label { bd:serviceParam wikibase:language "en".
             ?item rdfs:label ?name ; schema:description ?d . } }""",
    )
    assert by_item(df, "name") == {"Q1": "Museum one", "Q3": "Q3"}
    assert by_item(df, "d") == {"Q1": "a museum", "Q3": None}
    assert list(df.columns[:3]) == ["item", "name", "name_lang"]


def test_manual_mode_constant_subject(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?l ?a WHERE { SERVICE wikibase:label { bd:serviceParam wikibase:language "fr".
             wd:Q1 rdfs:label ?l . wd:Q1 skos:altLabel ?a . } }""",
    )
    assert df["l"].tolist() == ["Musée"] and df["a"].tolist() == ["Premier"]


def test_unbound_subject_leaves_target_unbound(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?item ?loc ?locLabel WHERE { ?item wdt:P31 wd:Q33506 . OPTIONAL { ?item wdt:P131 ?loc }
           SERVICE wikibase:label { bd:serviceParam wikibase:language "en". } } ORDER BY ?item""",
    )
    assert len(df) == 5  # no row multiplied by the label lookup
    assert by_item(df, "locLabel")["Q1"] == "Paris"
    assert df[df["item"] != "Q1"]["locLabel"].isna().all()


def test_bound_target_is_left_alone(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?item ?itemLabel WHERE { VALUES ?item { wd:Q1 } ?item rdfs:label ?itemLabel .
           SERVICE wikibase:label { bd:serviceParam wikibase:language "en". } }""",
    )
    assert sorted(df["itemLabel"]) == sorted(["Musée", "Museum one"])


def test_label_in_group_by_and_order_by(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?type ?typeLabel (COUNT(?item) AS ?n) WHERE { ?item wdt:P31 ?type .
           SERVICE wikibase:label { bd:serviceParam wikibase:language "en". } } GROUP BY ?type ORDER BY ?typeLabel""",
    )
    assert df[["type", "typeLabel", "n"]].values.tolist() == [["Q33506", "museum", 5]]


def test_self_alias_renamed_back(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?item (SAMPLE(?location) AS ?location) WHERE { ?item wdt:P625 ?location . }
           GROUP BY ?item ORDER BY ?item""",
    )
    assert list(df.columns) == ["item", "location", "location_lon", "location_lat"]
    assert df["item"].tolist() == ["Q1", "Q2"]


def test_prefixes_injected_without_moving_lines() -> None:
    text = "SELECT ?x WHERE {\n ?x wdt:P31 wd:Q5 .\n}"
    out = wdqs.add_prefixes(text)
    assert out.count("\n") == text.count("\n")
    assert "PREFIX wdt: <http://www.wikidata.org/prop/direct/>" in out and "PREFIX wd:" in out
    own = "PREFIX wd: <http://example.org/>\nSELECT ?x WHERE { ?x a wd:Q5 }"
    assert wdqs.add_prefixes(own) == own


def test_around_and_distance(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?item ?dist WHERE { SERVICE wikibase:around { ?item wdt:P625 ?loc .
             bd:serviceParam wikibase:center "Point(2.3522 48.8566)"^^geo:wktLiteral .
             bd:serviceParam wikibase:radius "10" . bd:serviceParam wikibase:distance ?dist . } }""",
    )
    assert df["item"].tolist() == ["Q1"]
    assert 0 < df["dist"][0] < 1.0  # km
    far = run(
        store,
        """SELECT ?item (geof:distance(?a, ?b) AS ?d) WHERE {
             wd:Q1 wdt:P625 ?a . wd:Q2 wdt:P625 ?b . BIND(wd:Q1 AS ?item) }""",
    )
    assert far["d"][0] == pytest.approx(431, abs=10)  # Paris - Amsterdam, km


def test_box(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?item WHERE { SERVICE wikibase:box { ?item wdt:P625 ?loc .
             bd:serviceParam wikibase:cornerWest "Point(4 53)"^^geo:wktLiteral .
             bd:serviceParam wikibase:cornerEast "Point(5 52)"^^geo:wktLiteral . } }""",
    )
    assert df["item"].tolist() == ["Q2"]


def test_decode_uri_and_hints(store: ox.Store) -> None:
    df = run(
        store,
        """SELECT ?x WHERE { hint:Query hint:optimizer "None" .
           BIND(wikibase:decodeUri("Caf%C3%A9_de_Paris") AS ?x) }""",
    )
    assert df["x"].tolist() == ["Café_de_Paris"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT ?x WHERE {\n INCLUDE %sub }", r"named subquery INCLUDE at line 2.*no WITH"),
        (
            "SELECT ?x WHERE {\n SERVICE wikibase:mwapi { bd:serviceParam wikibase:api \"Search\" . } }",
            r"SERVICE wikibase:mwapi .* at line 2",
        ),
        ("SELECT ?x WHERE {\n\n SERVICE bd:sample { ?x ?p ?o } }", r"SERVICE bd:sample .* at line 3"),
        (
            "SELECT ?x WHERE { SERVICE <https://dati.example.org/sparql> { ?x ?p ?o } }",
            r"federated query\) at line 1.*never sends",
        ),
        ("SELECT ?x WHERE { SERVICE wikibase:label { } }", r"list of languages"),
        (
            "SELECT ?x WHERE {\n SERVICE wikibase:around { ?x wdt:P625 ?l . bd:serviceParam wikibase:center "
            '"[AUTO_COORDINATES]" . bd:serviceParam wikibase:radius "1" . } }',
            r"\[AUTO_COORDINATES\].* at line 2",
        ),
        ("SELECT ?x WHERE {\n ?x wdt:P31 ?y \n ?x ?p }", r"SPARQL syntax error at line 3, column \d+"),
        ("SELECT ?x WHERE { ?x zz:foo ?y }", r"prefix zz: at line 1, column \d+ is not declared"),
        ("SELECT ?x WHERE {\n ?x ?p ?o FILTER(fn:no-such(?o)) }", r"XPath function fn:no-such at line 2"),
        ("SELECT ?x WHERE { ?x ?p ?o ", r"SPARQL syntax error"),
        ("SELECT (<http://example.org/f>(?x) AS ?y) WHERE { ?x ?p ?o }", r"function <http://example.org/f> at line 1"),
    ],
)
def test_unsupported_constructs_named_with_line(store: ox.Store, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run(store, text)


def test_translation_keeps_line_numbers() -> None:
    text = (
        "SELECT ?a ?aLabel WHERE {\n  ?a wdt:P31 wd:Q5 .\n  SERVICE wikibase:label {\n"
        '    bd:serviceParam wikibase:language "en" .\n  }\n  ?a wdt:P17 ?c .\n}'
    )
    tr = wdqs.translate(text)
    assert tr.text.count("\n") == text.count("\n")
    assert tr.text.splitlines()[5].strip() == "?a wdt:P17 ?c ."
    assert "SERVICE" not in tr.text and tr.notes


@pytest.fixture(scope="module")
def recorded() -> tuple[str, dict]:
    if not RECORDED.exists():
        pytest.skip(f"recorded WDQS response not found in {RECORDED} (../shared/ is absent)")
    text = (RECORDED / "osm-wikidata_bristol_enwiki.rq").read_text(encoding="utf-8")
    doc = json.loads((RECORDED / "osm-wikidata_bristol_enwiki_2018-01-22.srj.json").read_text(encoding="utf-8"))
    return text, doc


def test_recorded_wdqs_query_runs_locally_with_the_same_answer(recorded: tuple[str, dict]) -> None:
    """The recorded Bristol query (implicit prefixes, SERVICE wikibase:box, label service, SAMPLE(?location)
    AS ?location) on a store holding what its 59 answer rows say, plus items it must not return."""
    text, doc = recorded
    expected = results.to_dataframe(doc)
    store = ox.Store()
    wd, wdt = "http://www.wikidata.org/entity/", "http://www.wikidata.org/prop/direct/"
    schema, rdfs = "http://schema.org/", "http://www.w3.org/2000/01/rdf-schema#"
    wkt = ox.NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")
    for b in doc["results"]["bindings"]:
        place = ox.NamedNode(b["place"]["value"])
        article = ox.NamedNode(b["article"]["value"])
        store.add(ox.Quad(place, ox.NamedNode(wdt + "P625"), ox.Literal(b["location"]["value"], datatype=wkt)))
        store.add(ox.Quad(place, ox.NamedNode(rdfs + "label"), ox.Literal(b["placeLabel"]["value"], language="en")))
        store.add(ox.Quad(article, ox.NamedNode(schema + "about"), place))
        store.add(ox.Quad(article, ox.NamedNode(schema + "inLanguage"), ox.Literal("en")))
        store.add(ox.Quad(article, ox.NamedNode(schema + "isPartOf"), ox.NamedNode("https://en.wikipedia.org/")))
    # outside the box, and a list article inside it: neither may come back
    outside = ox.NamedNode(wd + "Q999001")
    store.add(ox.Quad(outside, ox.NamedNode(wdt + "P625"), ox.Literal("Point(-2.5 51.5)", datatype=wkt)))
    store.add(ox.Quad(ox.NamedNode("https://en.wikipedia.org/wiki/Far"), ox.NamedNode(schema + "about"), outside))
    listed = ox.NamedNode(wd + "Q999002")
    store.add(ox.Quad(listed, ox.NamedNode(wdt + "P625"), ox.Literal("Point(-2.62 51.45)", datatype=wkt)))
    store.add(ox.Quad(listed, ox.NamedNode(wdt + "P31"), ox.NamedNode(wd + "Q13406463")))
    got = run(store, text)
    assert list(got.columns) == list(expected.columns)
    key = ["place", "article"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True), expected.sort_values(key).reset_index(drop=True)
    )

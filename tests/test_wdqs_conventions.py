"""Queries as researchers copy them from Wikidata, run through `glamkg query run FILE`: WDQS magic comments are
comments, [AUTO_LANGUAGE] is the user's language, and Blazegraph-only syntax is rewritten (named subqueries,
fn: functions, rebinding, geof:distance in BIND and FILTER, WDQS itself as a federated service)."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli import main
from kg.query import wdqs
from kg.store import Store, raw

DATA = r"""
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
wd:Q1 wdt:P31 wd:Q33506 ; rdfs:label "Musée un"@fr, "Museum one"@en ; wdt:P17 wd:Q142 ;
  wdt:P625 "Point(2.35 48.85)"^^geo:wktLiteral .
wd:Q2 wdt:P31 wd:Q33506 ; rdfs:label "Museum two"@en ; wdt:P17 wd:Q55 ;
  wdt:P625 "Point(4.9 52.37)"^^geo:wktLiteral .
wd:Q3 wdt:P31 wd:Q7075 ; rdfs:label "Bibliothèque"@fr ; wdt:P17 wd:Q142 ;
  wdt:P625 "Point(2.36 48.86)"^^geo:wktLiteral .
"""


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wdqs") / "store"
    with Store.open(path) as st:
        raw(st).load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return path


def run(store_dir: Path, tmp_path: Path, text: str, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[
    int, list[dict[str, object]], str, str
]:
    """`glamkg query run FILE --format json` as a user runs it: (exit code, rows, stdout, stderr)."""
    path = tmp_path / "query.rq"
    path.write_text(text, encoding="utf-8")
    code = main(["query", "run", str(path), "--store", str(store_dir), "--format", "json", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else []), out, err


MUSEUMS = "SELECT ?item WHERE { ?item wdt:P31 wd:Q33506 } ORDER BY ?item"


def test_wdqs_magic_comments_are_comments_and_give_the_title(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "#title:Museums of the world\n#defaultView:Map\n#defaultEmbed:Table\n" + MUSEUMS
    code, rows, _, err = run(store_dir, tmp_path, text, capsys=capsys)
    assert code == 0, err
    assert [r["item"] for r in rows] == ["Q1", "Q2"]
    path = tmp_path / "query.rq"
    assert main(["query", "run", str(path), "--store", str(store_dir)]) == 0
    assert "Museums of the world" in capsys.readouterr().out  # the title heads the table
    from kg.query import resolve_query

    q = resolve_query(str(path))
    assert (q.title, q.view) == ("Museums of the world", "map")


def test_a_view_glamkg_lacks_is_a_note_not_an_error(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, rows, _, err = run(store_dir, tmp_path, "#defaultView:BubbleChart\n" + MUSEUMS, capsys=capsys)
    assert code == 0 and len(rows) == 2
    assert "#defaultView:BubbleChart has no glamkg equivalent" in err


def test_a_glamkg_header_still_has_to_be_complete(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _, err = run(store_dir, tmp_path, "# title: Museums\n# view: map\n" + MUSEUMS, capsys=capsys)
    assert code == 2 and "no '# description:' line" in err


LABELS = """SELECT ?item ?itemLabel WHERE { ?item wdt:P31 wd:Q33506 .
  SERVICE wikibase:label { bd:serviceParam wikibase:language "[AUTO_LANGUAGE]". } } ORDER BY ?item"""


@pytest.mark.parametrize(
    ("env", "args", "expected"),
    [
        ({}, [], ["Museum one", "Museum two"]),  # no locale: en
        ({"LANG": "fr_FR.UTF-8"}, [], ["Musée un", "Museum two"]),  # the locale, then en as fallback
        ({"LANG": "fr_FR.UTF-8"}, ["--auto-language", "en"], ["Museum one", "Museum two"]),  # the option wins
        ({"LC_ALL": "C"}, ["--auto-language", "de"], ["Museum one", "Museum two"]),  # de missing: en
    ],
)
def test_auto_language_is_the_users_language_with_en_fallback(
    store_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: list[str],
    expected: list[str],
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, rows, _, err = run(store_dir, tmp_path, LABELS, *args, capsys=capsys)
    assert code == 0, err
    assert [r["itemLabel"] for r in rows] == expected


def test_named_subqueries_are_sub_selects(store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = """SELECT ?item ?country
WITH { SELECT ?item WHERE { ?item wdt:P31 wd:Q33506 } } AS %museums
WITH { SELECT ?item ?country WHERE { INCLUDE %museums ?item wdt:P17 ?country } } AS %located
WHERE { INCLUDE %located } ORDER BY ?item"""
    code, rows, _, err = run(store_dir, tmp_path, text, capsys=capsys)
    assert code == 0, err
    assert [(r["item"], r["country"]) for r in rows] == [("Q1", "Q142"), ("Q2", "Q55")]


@pytest.mark.parametrize("geof", ["http://www.opengis.net/def/geosparql/function/",
                                  "http://www.opengis.net/def/function/geosparql/"])
def test_geof_distance_in_bind_and_filter(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], geof: str
) -> None:
    text = f"""PREFIX geof: <{geof}>
SELECT ?a ?b ?km WHERE {{ ?a wdt:P625 ?la . ?b wdt:P625 ?lb . FILTER(STR(?a) < STR(?b))
  BIND(geof:distance(?la, ?lb) AS ?km) FILTER(geof:distance(?la, ?lb) < 5) }}"""
    code, rows, _, err = run(store_dir, tmp_path, text, capsys=capsys)
    assert code == 0, err
    assert [(r["a"], r["b"]) for r in rows] == [("Q1", "Q3")]  # Paris to Paris, not Paris to Amsterdam
    assert 0.5 < float(rows[0]["km"]) < 2.0  # type: ignore[arg-type]


def test_xpath_functions_rebinding_and_repeated_distinct(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = """SELECT DISTINCT distinct ?item ?low ?colour WHERE {
  ?item wdt:P31 ?class ; rdfs:label ?label . FILTER(LANG(?label) = "en")
  OPTIONAL { ?item wdt:P17 wd:Q55 . BIND("orange" AS ?colour) }
  BIND(IF(!BOUND(?colour), "grey", ?colour) AS ?colour)
  BIND(fn:lower-case(?label) AS ?low)
} ORDER BY (fn:upper-case(str(?low)))"""
    code, rows, _, err = run(store_dir, tmp_path, text, capsys=capsys)
    assert code == 0, err
    assert [(r["item"], r["low"], r["colour"]) for r in rows] == [
        ("Q1", "museum one", "grey"),
        ("Q2", "museum two", "orange"),
    ]


def test_wdqs_itself_as_a_federated_service_is_answered_locally(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "SELECT ?item WHERE { SERVICE <https://query.wikidata.org/sparql> { ?item wdt:P31 wd:Q7075 } }"
    code, rows, _, err = run(store_dir, tmp_path, text, capsys=capsys)
    assert code == 0, err
    assert rows == [{"item": "Q3"}]
    tr = wdqs.translate(text)
    assert "SERVICE" not in tr.text and any("answered by the local store" in n for n in tr.notes)


def test_wikitext_indentation_is_removed(store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = ":SELECT ?item\n:WHERE {\n::  ?item wdt:P31 wd:Q7075 .\n:}"
    code, rows, _, err = run(store_dir, tmp_path, text, capsys=capsys)
    assert code == 0, err
    assert rows == [{"item": "Q3"}] and "wikitext indentation" in err

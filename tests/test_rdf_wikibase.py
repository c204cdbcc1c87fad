"""`glamkg rdf` for a Wikibase other than Wikidata: its own concept base (not Wikidata's), the normalized
external-id triples (wdtn:/psn:) of properties with a formatter URI for RDF, and Wikibase 1.39's entity-schema
datatype in both of its value shapes. Through the command line, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.cli import main
from kg.rdf.conversion import store_triples
from kg.store import Store
from kg.store.read import read_entities

WIKI = "https://w.example/"


def entity(*claims: dict) -> dict:
    labels = {"en": {"language": "en", "value": "Antarctica"}}
    return {
        "entities": {
            "Q51": {
                "type": "item",
                "id": "Q51",
                "labels": labels,
                "claims": {c["mainsnak"]["property"]: [c] for c in claims},
            }
        }
    }


def claim(pid: str, datatype: str, datavalue: dict, n: int) -> dict:
    return {
        "mainsnak": {"snaktype": "value", "property": pid, "datatype": datatype, "datavalue": datavalue},
        "type": "statement",
        "id": f"Q51${n}",
        "rank": "normal",
    }


EXTERNAL = claim("P4", "external-id", {"value": "abc 1", "type": "string"}, 1)
SCHEMA_STRING = claim("P3", "entity-schema", {"value": "E10", "type": "string"}, 2)  # Wikibase 1.39
E10 = {"id": "E10", "entity-type": "entity-schema", "numeric-id": 10}
SCHEMA_ID = claim("P3", "entity-schema", {"value": E10, "type": "wikibase-entityid"}, 3)
E10_STORAGE = {"entity-type": "entity-schema", "numeric-id": 10}  # storage JSON: no "id"
SCHEMA_STORAGE = claim("P3", "entity-schema", {"value": E10_STORAGE, "type": "wikibase-entityid"}, 5)


def rdf(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict, *args: str) -> tuple[int, str, str]:
    f = tmp_path / "entities.json"
    f.write_text(json.dumps(data), encoding="utf-8")
    code = main(["rdf", str(f), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_wikis_own_concept_base(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = rdf(tmp_path, capsys, entity(EXTERNAL), "--concept-base", WIKI + "entity/")
    assert code == 0, err
    assert f'<{WIKI}entity/Q51> <{WIKI}prop/direct/P4> "abc 1" .' in out
    assert f"<{WIKI}entity/statement/Q51-1>" in out
    assert f"<{WIKI}wiki/Special:EntityData/Q51>" in out
    assert "www.wikidata.org/entity/" not in out and "www.wikidata.org/prop/" not in out


def test_normalized_external_ids_from_a_formatter_uri(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--concept-base", WIKI + "entity/", "--uri-pattern", "P4=https://ids.example/$1"]
    code, out, err = rdf(tmp_path, capsys, entity(EXTERNAL), *args)
    assert code == 0, err
    assert f"<{WIKI}entity/Q51> <{WIKI}prop/direct-normalized/P4> <https://ids.example/abc+1> ." in out
    assert f"<{WIKI}prop/statement/value-normalized/P4> <https://ids.example/abc+1>" in out
    # without the pattern: no normalized triple (as Wikibase)
    assert "direct-normalized" not in rdf(tmp_path, capsys, entity(EXTERNAL))[1]


def test_the_formatter_uri_of_a_property_in_the_same_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = entity(EXTERNAL)
    data["entities"]["P4"] = {
        "type": "property",
        "id": "P4",
        "datatype": "external-id",
        "claims": {"P1921": [claim("P1921", "string", {"value": "https://ids.example/$1", "type": "string"}, 9)]},
    }
    data["entities"]["P4"]["claims"]["P1921"][0]["id"] = "P4$9"
    code, out, err = rdf(tmp_path, capsys, data)
    assert code == 0, err
    assert "<http://www.wikidata.org/prop/direct-normalized/P4> <https://ids.example/abc+1>" in out


@pytest.mark.parametrize(
    "schema", [SCHEMA_STRING, SCHEMA_ID, SCHEMA_STORAGE], ids=["string (1.39)", "entity id", "storage shape"]
)
def test_entity_schema_values_are_schema_iris(tmp_path: Path, capsys: pytest.CaptureFixture[str], schema: dict) -> None:
    code, out, err = rdf(tmp_path, capsys, entity(schema), "--concept-base", WIKI + "entity/")
    assert code == 0, err
    assert f"<{WIKI}entity/Q51> <{WIKI}prop/direct/P3> <{WIKI}entity/E10> ." in out
    # and the store takes the entity too, and reads it back as the schema it is: the same RDF again
    store = tmp_path / "store"
    f = tmp_path / "entities.json"
    assert main(["import", "entities", str(f), "--store", str(store)]) == 0
    with Store.open(store, read_only=True) as st:
        back = read_entities(st.inner, ["Q51"])["Q51"]
        assert back is not None and not back.get("glamkg:lossy")
        assert back["claims"]["P3"][0]["mainsnak"]["datavalue"]["value"]["id"] == "E10"
        assert set(store_triples(back)) == st.entity_triples("Q51")


@pytest.mark.parametrize("schema", [SCHEMA_STRING, SCHEMA_ID], ids=["string (1.39)", "entity id"])
def test_a_wikis_schema_is_named_when_its_statement_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], schema: dict
) -> None:
    """`glamkg import entities --idmap`: a schema (E10) is the wiki's own, and no id map names schemas; the
    statement is left out and said, the rest of the entity comes in."""
    idmap = tmp_path / "idmap.json"
    idmap.write_text(
        json.dumps({"glamkg_idmap": 1, "concept_base": WIKI + "entity/", "entities": {"P791": "P4", "P4": "P3"}})
    )
    code, _, err = rdf(tmp_path, capsys, entity(EXTERNAL, schema))
    assert code == 0, err
    store = tmp_path / "store"
    f = tmp_path / "entities.json"
    code = main(["import", "entities", str(f), "--idmap", str(idmap), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "E10" in err and "not in the id map" in err
    with Store.open(store, read_only=True) as st:
        back = read_entities(st.inner, ["Q1800000000051"])["Q1800000000051"]
    assert back is not None and list(back["claims"]) == ["P791"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--concept-base", "not an iri"], "--concept-base: expected"),
        (["--uri-pattern", "P4=https://no-dollar.example/"], "--uri-pattern: expected PID=PATTERN"),
        (["--uri-pattern", "Q4=https://x/$1"], "--uri-pattern: expected PID=PATTERN"),
    ],
)
def test_bad_options_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = rdf(tmp_path, capsys, entity(EXTERNAL), *args)
    assert code == 2 and message in err


def test_a_malformed_entity_schema_value_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = claim("P3", "entity-schema", {"value": "Q10", "type": "string"}, 4)
    code, _, err = rdf(tmp_path, capsys, entity(bad))
    assert code == 2 and "EntitySchema id like E10" in err and "Q51" in err

"""Hash and time vectors of the conformance set (vectors/hashes.tsv, vectors/time-xsd11.tsv), plus the
snak and reference hashes of a real Wikidata entity (its API JSON carries Wikibase's own hashes)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from kg.model import timevalue, wbhash
from kg.rdf import datavalues
from kg.rdf.ntriples import escape_literal

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
VECTORS = SHARED / "conformance" / "wikibase-rdf" / "vectors"
ENV = SHARED / "conformance" / "wikibase-rdf" / "env" / "rdfbuilder-env.json"
MUSEUM = SHARED / "fixtures" / "wikidata-entity-json" / "Q1889816_Natuurmuseum_Brabant_rev427447206.json"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not found (shared reference material lives in ../shared/, outside the repo)")
    return path


def _hash_rows() -> list[dict[str, str]]:
    if not VECTORS.exists():
        return []
    with (VECTORS / "hashes.tsv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _time_rows() -> list[list[str]]:
    if not VECTORS.exists():
        return []
    lines = (VECTORS / "time-xsd11.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return rows[1:]  # header


def _datatypes() -> dict[str, str]:
    env = json.loads(_need(ENV).read_text(encoding="utf-8"))
    return {k: v for k, v in env["property_datatypes"].items() if k.startswith("P")}


def _snak_hash(snak: dict[str, Any], datatype: str | None) -> str:
    if snak["snaktype"] != "value":
        return wbhash.snak_hash(snak["snaktype"], snak["property"])
    assert datatype is not None
    vtype, value = datavalues.parse(snak["datavalue"], datatype, "Q1", snak["property"])
    return wbhash.snak_hash("value", snak["property"], vtype, value)


def test_vector_files_present() -> None:
    _need(VECTORS)
    assert len(_hash_rows()) == 25
    assert len(_time_rows()) == 43


@pytest.mark.parametrize("row", _hash_rows(), ids=lambda r: f"{r['kind']}-{r['expected'][:8]}")
def test_hash_vector(row: dict[str, str]) -> None:
    kind, expected = row["kind"], row["expected"]
    if kind == "value_node":
        data = json.loads(row["input_json"])
        datatype = {"time": "time", "quantity": "quantity", "globecoordinate": "globe-coordinate"}[data["type"]]
        _, value = datavalues.parse(data, datatype, "Q1", "P1")
        assert datavalues.value_hash(datatype, value) == expected
    elif kind == "reference":
        dts = _datatypes()
        snaks = json.loads(row["input_json"])
        hashes = [_snak_hash(s, dts.get(s["property"])) for group in snaks.values() for s in group]
        assert wbhash.reference_hash(hashes) == expected
        assert wbhash.reference_hash(reversed(hashes)) == expected  # order of snaks is irrelevant
    elif kind == "somevalue_bnode":
        snak = json.loads(row["input_json"])
        ctx = dict(part.strip().split("=", 1) for part in row["context"].split(";"))
        parent = ctx["parent"].split(" ")[0]
        label = f"{parent}-{ctx['property ns']}-{ctx['value ns']}-{_snak_hash(snak, None)}"
        assert wbhash.md5(label) == expected
    elif kind == "novalue_class_bnode":
        source = "test" if row["input_json"] == "P10" else "wikidata"
        assert wbhash.md5(f"owl:complementOf-{source}-{row['input_json']}") == expected
    else:
        pytest.fail(f"unknown vector kind {kind}")


@pytest.mark.parametrize("row", _time_rows(), ids=lambda r: f"{r[0]}-p{r[2]}-{r[1][-7:]}")
def test_time_vector(row: list[str]) -> None:
    time, calendar, precision, expected = row
    got = timevalue.xsd_datetime(timevalue.normalize(time), int(precision), calendar)
    assert (got or "-") == expected


def test_real_entity_hashes_match_wikibase() -> None:
    """Every snak and reference hash in real wbgetentities JSON is reproduced."""
    entity = json.loads(_need(MUSEUM).read_text(encoding="utf-8"))["entities"]["Q1889816"]
    checked = 0
    for group in entity["claims"].values():
        for st in group:
            snak = st["mainsnak"]
            assert _snak_hash(snak, snak["datatype"]) == snak["hash"], snak["property"]
            checked += 1
            for ref in st.get("references", []):
                hashes = []
                for snaks in ref["snaks"].values():
                    for s in snaks:
                        assert _snak_hash(s, s["datatype"]) == s["hash"]
                        hashes.append(s["hash"])
                assert wbhash.reference_hash(hashes) == ref["hash"]
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    ("value", "php"),
    [
        (52.0, "52"),
        (0.0625, "0.0625"),
        (1e-05, "1.0E-5"),
        (1 / 3600, "0.00027777777777778"),
        (0.1 + 0.2, "0.3"),
        (-0.0, "-0"),
        (1e15, "1.0E+15"),
        (123456789012345.6, "1.2345678901235E+14"),
        (-45.5, "-45.5"),
    ],
)
def test_php_float(value: float, php: str) -> None:
    assert wbhash.php_float(value) == php


def test_php_json_float() -> None:
    assert wbhash.php_json([52.0, 1e-05, None, "a/b", "é"]) == '[52.0,1.0e-5,null,"a\\/b","\\u00e9"]'


@pytest.mark.parametrize("v", [
    {"latitude": 52.37, "longitude": 4.89, "precision": 0.0001, "globe": "http://www.wikidata.org/entity/Q2"},
    {"latitude": -0.0, "longitude": 180, "precision": None, "globe": "http://www.wikidata.org/entity/Q2"},
    {"latitude": "1e-07", "longitude": -1.5e20, "precision": 1e-05, "globe": "http://ex.org/é/globe"},
    {"latitude": 10, "longitude": 20, "precision": 1, "globe": None},
])
def test_globe_serialization_is_php_json_of_its_fields(v: dict[str, Any]) -> None:
    """The coordinate serialization written out (one per coordinate of a load) is php_json of the five fields."""
    prec = v["precision"]
    fields = [float(v["latitude"]), float(v["longitude"]), None, None if prec is None else float(prec), v["globe"]]
    expected = wbhash.php_custom("DataValues\\Geo\\Values\\GlobeCoordinateValue", wbhash.php_json(fields))
    assert wbhash.globe_serialization(v) == expected


def test_ntriples_literal_escaping() -> None:
    assert escape_literal('a"b\\c\nd\re\tf\bg\fh') == 'a\\"b\\\\c\\nd\\re\\tf\\bg\\fh'
    assert escape_literal("\x01\x7f") == "\\u0001\\u007F"
    assert escape_literal("Привет") == "\\u041F\\u0440\\u0438\\u0432\\u0435\\u0442"
    assert escape_literal("😀") == "\\U0001F600"

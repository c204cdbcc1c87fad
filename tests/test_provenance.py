"""Every result file says where it came from: the query text as it ran, the parameters, the endpoint (or the
store and its generation) and the time. Through `glamkg query run -o` as a researcher runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kg.cli import main
from kg.query.provenance import Provenance, json_document, parquet_bytes, read_parquet_provenance, sidecar
from kg.store import Store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("prov") / "store"
    assert main(["demo", "--institutions", "60", "--store", str(path)]) == 0
    return path


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "table"])
def test_a_result_file_has_a_provenance_sidecar(store: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"answer.{fmt}"
    args = ["query", "run", "institutions_per_type", "--store", str(store), "-f", fmt, "-o", str(out),
            "-p", "country=NL"]
    assert main(args) == 0
    prov = json.loads(sidecar(out).read_text(encoding="utf-8"))
    with Store.open(store, read_only=True) as st:
        assert prov["generation"] == st.generation()
    assert prov["endpoint"] == "local store" and prov["store"] == str(store)
    assert prov["name"] == "institutions_per_type" and prov["parameters"] == {"country": "NL"}
    assert "VALUES ?country" in prov["query"] and "Q55" in prov["query"]  # the text as it ran, value bound
    assert prov["ran_at"].endswith("Z") and prov["glamkg"]
    if fmt == "parquet":
        df = pd.read_parquet(out)
        assert read_parquet_provenance(out) == prov and prov["rows"] == len(df)


def test_standard_output_gets_no_sidecar(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["query", "run", "institutions_per_country", "--store", str(store), "-f", "csv", "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("country")
    assert list(tmp_path.iterdir()) == []


def test_a_sidecar_that_cannot_be_written_stops_before_the_query(store: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "answer.csv"
    sidecar(out).mkdir()  # a folder where the provenance file would go
    assert main(["query", "run", "institutions_per_country", "--store", str(store), "-f", "csv", "-o", str(out)]) == 2
    assert "provenance file" in capsys.readouterr().err and not out.exists()


def test_downloads_carry_the_provenance() -> None:
    df = pd.DataFrame({"country": ["Q55"], "n": [3]})
    p = Provenance(query="SELECT ...", name="q", parameters={"country": "NL"}, endpoint="https://example.org/sparql")
    p.rows = 1
    doc = json.loads(json_document(df, p))
    assert doc["rows"] == [{"country": "Q55", "n": 3}] and doc["provenance"]["endpoint"] == "https://example.org/sparql"
    assert read_parquet_provenance(parquet_bytes(df, p)) == p.to_dict()

"""Every result file says where it came from: the query text as it ran, the parameters, the endpoint (or the
store and its generation) and the time. Through `glamkg query run -o` and `glamkg gaps -o` as a researcher runs
them, on the store and on a SPARQL endpoint, and through every download button of the dashboard."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

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


def _csv_rows(path: Path) -> int:
    return len(pd.read_csv(path))


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_a_result_from_an_endpoint_names_the_endpoint(store: Path, tmp_path: Path, fmt: str) -> None:
    """On a SPARQL endpoint (a real `oxigraph serve` holding the store's export): the URL, no store, the text
    sent (parameters as VALUES blocks)."""
    from query_fixture_data import oxigraph_exe, oxigraph_server

    if oxigraph_exe() is None:
        pytest.skip("the oxigraph server (pyoxigraph's `oxigraph` command) is not installed")
    nt = tmp_path / "export.nt"
    assert main(["export", "--store", str(store), "--output", str(nt)]) == 0
    out = tmp_path / f"answer.{fmt}"
    with oxigraph_server(nt.read_bytes()) as url:
        assert main(["query", "run", "institutions_per_type", "--endpoint", url, "-f", fmt, "-o", str(out),
                     "-p", "country=NL", "-p", "lang=nl"]) == 0
    prov = json.loads(sidecar(out).read_text(encoding="utf-8"))
    assert prov["endpoint"] == url and prov["store"] is None and prov["generation"] is None
    assert prov["parameters"] == {"country": "NL", "lang": "nl"}
    assert 'VALUES ?lang { "nl" }' in prov["query"] and "<http://www.wikidata.org/entity/Q55>" in prov["query"]
    rows = {"csv": _csv_rows, "json": lambda p: len(json.loads(p.read_text(encoding="utf-8"))),
            "parquet": lambda p: len(pd.read_parquet(p))}[fmt](out)
    assert prov["rows"] == rows
    if fmt == "parquet":
        assert read_parquet_provenance(out) == prov


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_gap_table_file_has_a_provenance_sidecar(store: Path, tmp_path: Path, fmt: str) -> None:
    """`glamkg gaps -o FILE`: the queries that read the store's facts, the options, the store and generation."""
    out = tmp_path / f"gaps.{fmt}"
    assert main(["gaps", "--store", str(store), "--by", "subregion", "--format", fmt, "-o", str(out)]) == 0
    prov = json.loads(sidecar(out).read_text(encoding="utf-8"))
    with Store.open(store, read_only=True) as st:
        assert prov["generation"] == st.generation()
    assert prov["name"] == "gaps" and prov["store"] == str(store) and prov["endpoint"] == "local store"
    assert prov["parameters"]["by"] == "subregion" and prov["parameters"]["metric"] == "partnerships"
    assert "<http://www.wikidata.org/prop/direct/P31>" in prov["query"]
    assert "<http://www.wikidata.org/prop/direct/P710>" in prov["query"]  # participants: the partnerships
    rows = _csv_rows(out) if fmt == "csv" else len(json.loads(out.read_text(encoding="utf-8"))["rows"])
    assert prov["rows"] == rows and "docs/metrics.md" in prov["note"]


def test_gaps_on_standard_output_get_no_sidecar(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["gaps", "--store", str(store), "--format", "csv", "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("group")
    assert list(tmp_path.iterdir()) == []


# --- the dashboard's downloads -------------------------------------------------------------------------------


@pytest.fixture()
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What the download buttons of an AppTest run hold, by URL (AppTest keeps them in an in-memory media
    storage that it drops after the run: this one keeps a reference)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    storages: list[MemoryMediaFileStorage] = []

    class Kept(MemoryMediaFileStorage):
        def __init__(self, endpoint: str) -> None:
            super().__init__(endpoint)
            storages.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Kept)

    class Files(dict[str, bytes]):
        def __missing__(self, url: str) -> bytes:
            name = url.rsplit("/", 1)[1]
            for storage in reversed(storages):
                try:
                    return bytes(storage.get_file(name).content)
                except Exception:  # not in this run's storage
                    continue
            raise KeyError(url)

    return Files()


PAGES = ["overview", "map", "gaps", "trends", "partnerships", "partners", "quality"]


def run_page(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str, **query: str) -> Any:
    """A dashboard page on ``store`` through AppTest, with ``query`` in its address; no exception raised."""
    from streamlit.testing.v1 import AppTest

    from kg.dashboard import data as dd

    app = Path(__file__).resolve().parents[1] / "dashboards"
    monkeypatch.setenv("GLAMKG_STORE", str(store))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GLAMKG_DASHBOARD_ENDPOINT", raising=False)
    dd._cached.clear()
    at = AppTest.from_file(str(app / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    if page != "overview":
        at.switch_page(str(app / f"{page}.py"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_dashboard_table_download_has_its_provenance(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, downloads: dict[str, bytes], page: str
) -> None:
    """Beside each table's CSV: the queries that read the dashboard's tables, when, from which store and
    generation, and the filters of the page's address as parameters."""
    at = run_page(store, tmp_path, monkeypatch, page, region="Europe")
    buttons = at.get("download_button")
    csvs = {b.proto.label.removeprefix("Download ").removesuffix(" (CSV)"): b for b in buttons
            if b.proto.label.startswith("Download ")}
    provs = {b.proto.label.removeprefix("Provenance of ").removesuffix(" (JSON)"): b for b in buttons
             if b.proto.label.startswith("Provenance of ")}
    assert csvs and csvs.keys() == provs.keys()
    with Store.open(store, read_only=True) as st:
        generation = st.generation()
    for name, button in provs.items():
        prov = json.loads(downloads[button.proto.url])
        csv = downloads[csvs[name].proto.url].decode("utf-8")
        assert prov["name"] == name and prov["rows"] == len(pd.read_csv(io.StringIO(csv))), name
        assert prov["store"] == str(store.resolve()) and prov["generation"] == str(generation)
        # Europe is a UN M49 region: a link naming it (and no scheme) reads regions as UN M49's
        assert prov["endpoint"] == "local store"
        assert prov["parameters"] == {"regions": "Europe", "region scheme": "UN M49 regions"}
        assert "<http://www.wikidata.org/prop/direct/P31>" in prov["query"] and prov["ran_at"].endswith("Z")
        assert name in prov["note"]


@pytest.mark.parametrize("page", ["overview", "gaps", "trends", "quality"])
def test_a_french_page_downloads_the_stored_values(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, downloads: dict[str, bytes], page: str
) -> None:
    """The page shows names in French; its CSVs keep the values as stored (region keys, statuses, property
    keys), so a script reads the same file whatever the page's language (docs/dashboard.md)."""
    from kg.dashboard import views
    from kg.gaps.tables import UNKNOWN
    from kg.model import regions

    at = run_page(store, tmp_path, monkeypatch, page, lang="fr")
    stored = {"status": {"partnered", "not partnered", "under-represented", "over-represented", "near parity",
                         "too few to tell"},
              "property": set(views.QUALITY_PROPERTIES),
              "group": {UNKNOWN, *(n for s in ("wikimedia", "region", "continent", "subregion")
                                   for n in regions.grouping(s).names())},
              "region": {UNKNOWN, *regions.grouping("wikimedia").names()}}
    csvs = [b for b in at.get("download_button") if b.proto.label.endswith("(CSV)")]
    assert csvs and any(b.proto.label.startswith("Télécharger") for b in csvs)
    checked = 0
    for button in csvs:
        csv = pd.read_csv(io.BytesIO(downloads[button.proto.url]), dtype=str, keep_default_na=False)
        for column, values in stored.items():
            if column in csv.columns:
                assert set(csv[column]) <= values, (page, column, set(csv[column]) - values)
                checked += 1
    assert checked, f"{page}: no CSV with a named column"

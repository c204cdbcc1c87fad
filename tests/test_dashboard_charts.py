"""Charts that cannot mislead and findings under them (issue 16), on the hand-checked fixture store
(tests/dashboard_fixture.py) through Streamlit's AppTest, and the pure pieces (kg.gaps.findings, the world maps'
specs, the colours) directly. Expected figures are worked out by hand from the fixture's definition:

UN M49 regions: Europe = NL (I1 partnered in P1+P2, I2) + DE (I3 partnered in P2, I4): 4 institutions, 2 partnered,
partnerships counted per country 2 + 1 = 3; Africa = NA (I5, in P3): 1 of 1, 1 partnership; Americas = BR (I6): 0 of 1.
World: 6 institutions, 4 partnerships (per country) -> 4/6 per institution.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import dashboard_fixture as fx
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP_DIR = Path(__file__).resolve().parents[1] / "dashboards"
TIMEOUT = 120
WORLD_RATE = 4 / 6
EUROPE_RATE = 3 / 4


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.build_store(tmp_path_factory.mktemp("charts") / "store")


@pytest.fixture()
def app_env(store_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("GLAMKG_STORE", str(store_path))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    return store_path


def run_page(page: str, **query: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    if page != "overview":
        at.switch_page(str(APP_DIR / f"{page}.py"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")]


def bold(at: AppTest) -> list[str]:
    return [m.value.strip("*") for m in at.markdown if m.value.startswith("**")]


# --- findings ---------------------------------------------------------------------------------------------


def test_numbers_are_rounded_for_reading() -> None:
    from kg.gaps import findings

    assert [findings.reading_pct(x) for x in (0.0512, 0.2083, 0.0, 1.0, 0.0004)] == [
        "5.1 %", "21 %", "0 %", "100 %", "under 0.1 %"]
    assert [findings.fraction_words(r) for r in (0.051 / 0.208, 0.5, 0.33, 0.95, 0.75, 1 / 12)] == [
        "a quarter of", "half of", "a third of", "about the same as", "about three quarters of", "1/12 of"]


def test_coverage_finding_names_the_lowest_against_the_highest() -> None:
    from kg.gaps import findings

    table = pd.DataFrame({"group": ["Asia", "Europe", "Oceania"], "institutions": [1000, 500, 10],
                          "partnered_institutions": [51, 104, 9], "small_numbers": [False, False, True]})
    # Oceania (90 %) has small numbers: left out while two solid groups remain
    assert findings.coverage(table) == "Asia: 5.1 % of institutions have a partnership, a quarter of Europe's 21 %."


def test_gap_page_findings_on_the_fixture(app_env: Path) -> None:
    at = run_page("gaps", scheme="region")
    lines = bold(at)
    # every region has fewer than 30 institutions: the sentences say so
    assert "Americas: 0 % of institutions have a partnership, against 100 % in Africa (few institutions: read " \
           "with care)." in lines
    assert ("Americas has the lowest representation index 0.00 (too few to tell): 0 partnerships per 100 "
            f"institutions against {100 * WORLD_RATE:.0f} in the whole world (few institutions: read with care)."
            in lines)


# --- the representation index stays relative to the world --------------------------------------------------


def _index(at: AppTest, group: str) -> float:
    t = at.dataframe[0].value
    return float(t.loc[t["group"] == group, "ri_partnerships"].iloc[0])


def test_a_region_filter_keeps_the_index_relative_to_the_world(app_env: Path) -> None:
    at = run_page("gaps", scheme="region", region="Europe")
    assert _index(at, "Europe") == pytest.approx(EUROPE_RATE / WORLD_RATE)  # 1.125, not 1.00 (itself)
    assert any("the same in **the whole world**" in c.value for c in at.caption)
    assert "Europe has a representation index of 1.12 (too few to tell): 75 partnerships per 100 institutions " \
           "against 67 in the whole world (few institutions: read with care)." in bold(at)


def test_the_analyst_names_the_reference_group(app_env: Path) -> None:
    at = run_page("gaps", scheme="region", region="Europe")
    at.selectbox(key="gaps_reference").set_value("region:Africa").run()
    assert _index(at, "Europe") == pytest.approx(EUROPE_RATE / 1.0)  # Africa: 1 partnership, 1 institution
    assert any("the same in **Africa (UN M49 regions)**" in c.value for c in at.caption)


def test_year_filters_apply_to_the_world_reference_too(app_env: Path) -> None:
    """Europe in 2019: P1 only (P2 starts 2020, P3 2022): 1 partnership / 4 institutions; the world in 2019:
    1 / 6 -> 1.5; against the whole world without filters (4 / 6): 0.375."""
    at = run_page("gaps", scheme="region", region="Europe", years="2019-2019")
    assert _index(at, "Europe") == pytest.approx((1 / 4) / (1 / 6))
    at.selectbox(key="gaps_reference").set_value("world-unfiltered").run()
    assert _index(at, "Europe") == pytest.approx((1 / 4) / WORLD_RATE)


def test_gap_table_shows_index_status_and_small_numbers_first_readably(app_env: Path) -> None:
    at = run_page("gaps", scheme="region")
    frame = at.dataframe[0]
    assert list(frame.value.columns[:5]) == ["group", "ri_partnerships", "status", "small_numbers", "coverage_pct"]
    config = json.loads(frame.proto.columns)
    assert config["ri_partnerships"]["label"] == "representation index"
    assert config["ri_partnerships"]["type_config"]["format"] == "%.2f"
    assert config["coverage_pct"]["label"] == "coverage (%)"
    assert all("_" not in c["label"] for c in config.values() if "label" in c)


def test_coverage_and_index_axes_are_ranked(app_env: Path) -> None:
    at = run_page("gaps", scheme="region")
    index_chart, coverage_chart = specs(at)[:2]
    y_index = next(u["encoding"]["y"] for u in index_chart["layer"] if "y" in u.get("encoding", {}))
    assert y_index["sort"] == ["Americas", "Europe", "Africa"]  # index 0, 1.125, 1.5
    ys = [u["encoding"]["y"] for u in coverage_chart["layer"]]
    assert all(y["sort"] == ["Africa", "Europe", "Americas"] for y in ys)  # 100 %, 50 %, 0 %


# --- maps ---------------------------------------------------------------------------------------------------


def test_point_map_draws_the_unpartnered_on_top_and_smaller_cells_above_bigger() -> None:
    from kg.dashboard import worldmap

    single = pd.DataFrame({"lon": [4.9, 4.9], "lat": [52.4, 52.4], "status": ["not partnered", "partnered"],
                           "count": [1, 1]})
    spec = worldmap.point_map(single, title="t")
    circles = next(u for u in spec["layer"] if u.get("mark", {}).get("type") == "circle")
    z = {r["status"]: r["z"] for r in circles["data"]["values"]} if "values" in circles.get("data", {}) else {
        r["status"]: r["z"] for r in next(iter(spec["datasets"].values()))}
    assert circles["encoding"]["order"]["field"] == "z" and z["not partnered"] > z["partnered"]
    cells = pd.DataFrame({"lon": [5, 5], "lat": [50, 50], "status": ["partnered", "not partnered"], "count": [3, 40]})
    spec = worldmap.point_map(cells, title="t", cell=1.0)
    rows = next(iter(spec["datasets"].values()))
    z = {r["status"]: r["z"] for r in rows}
    assert z["partnered"] > z["not partnered"]  # the 3 drawn above the 40


def test_map_page_outlines_small_number_countries_and_zooms_to_the_filter(app_env: Path) -> None:
    at = run_page("map", scheme="region", region="Europe")
    points, countries = specs(at)[:2]
    flagged = [u for u in countries["layer"] if u.get("encoding", {}).get("stroke")]
    assert len(flagged) == 1
    isos = {f["properties"]["iso2"] for f in flagged[0]["data"]["values"]}
    assert isos == {"NL", "DE"}  # Europe's two countries, both with fewer than 30 institutions
    for spec in (points, countries):  # fitted to the filtered institutions (NL and DE: lon 4.9-13.4)
        ring = spec["projection"]["fit"]["geometry"]["coordinates"][0]
        lons = [p[0] for p in ring]
        assert min(lons) < 4.885 and max(lons) > 13.40 and max(lons) - min(lons) < 30
    at.selectbox(key="map_zoom").set_value("world").run()
    assert "fit" not in specs(at)[0]["projection"]


def test_the_maps_are_zoomable_and_keep_their_size() -> None:
    """Both maps: an interval selection bound to the x/y scales of an invisible layer (wheel and drag), the
    projection's extent following those scales, and the map's own size (the zoom layer's x/y scales would
    otherwise make it Vega-Lite's default 300 px high, and legends then squeeze the plot to a sliver). Seen in
    Chromium on the 100k demo (3,442 cells), which tests/test_dashboard_browser_map.py's 600 institutions
    do not reach."""
    from kg.dashboard import worldmap

    cells = pd.DataFrame({"lon": [5.0], "lat": [50.0], "status": ["not partnered"], "count": [40]})
    values = pd.DataFrame({"iso2": ["NL"], "share": [0.5]})
    for spec in (worldmap.point_map(cells, title="t", cell=1.0, fit=(0, 40, 20, 60)),
                 worldmap.choropleth(values, value="share", value_title="share (%)", title="t")):
        assert (spec["width"], spec["height"]) == ("container", 420)
        # drawn as SVG even past Streamlit's 2,000-row switch to canvas, where the wheel never reached the view
        assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"
        params = [p for p in spec.get("params", []) if p.get("bind") == "scales"]  # Altair lifts a layer's params
        assert len(params) == 1 and params[0]["select"]["type"] == "interval"
        zoom = [u for u in spec["layer"] if u.get("name") in params[0].get("views", [])]
        assert len(zoom) == 1 and zoom[0]["mark"]["opacity"] == 0
        assert "domain('x')" in spec["projection"]["extent"]["expr"]
        assert all(u["mark"].get("clip") for u in spec["layer"] if u is not zoom[0])


def test_map_zooms_to_a_region_without_filtering(app_env: Path) -> None:
    at = run_page("map", scheme="region")
    assert "fit" not in specs(at)[0]["projection"]  # no filter: the world
    at.selectbox(key="map_zoom").set_value("region:Africa").run()
    ring = specs(at)[0]["projection"]["fit"]["geometry"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert min(lons) < 17.08 < max(lons) and min(lats) < -22.56 < max(lats)  # Windhoek (I5), Africa's only one
    assert min(lons) > 0 and max(lons) < 30 and max(lats) < 0  # not Recife (lon -34.88) nor Europe (lat 52)


# --- colours, exports, explorer, links ----------------------------------------------------------------------


def _lab_under(hex_colour: str, matrix: list[list[float]]) -> tuple[float, float, float]:
    """CIELAB of a colour as a dichromat sees it (Machado, Oliveira & Fernandes 2009, severity 1)."""
    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    rgb = [lin(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5)]
    r, g, b = (max(0.0, min(1.0, sum(m * v for m, v in zip(row, rgb, strict=True)))) for row in matrix)
    x, y, z = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, (
        0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


DEUTERANOPIA = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
PROTANOPIA = [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]


def _apart(a: str, b: str, matrix: list[list[float]]) -> float:
    la, lb = _lab_under(a, matrix), _lab_under(b, matrix)
    return float(sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5)


def test_partnered_and_unpartnered_colours_stay_apart_for_colour_blind_readers() -> None:
    from kg.dashboard import worldmap

    a, b = worldmap.PARTNERED_COLOURS["partnered"], worldmap.PARTNERED_COLOURS["not partnered"]
    assert _apart("#1b7837", "#c2410c", PROTANOPIA) < 20  # the old green / orange pair: the check can fail
    assert _apart(a, b, DEUTERANOPIA) > 50 and _apart(a, b, PROTANOPIA) > 50


def test_quality_heat_map_uses_a_colour_blind_safe_scale(app_env: Path) -> None:
    at = run_page("quality", scheme="region")
    heat = specs(at)[0]
    rect = next(u for u in heat["layer"] if u["mark"]["type"] == "rect" if isinstance(u["mark"], dict))
    assert rect["encoding"]["color"]["scale"]["scheme"] == "viridis"
    # viridis at about 35 % and 80 % (matplotlib's published samples #365c8d, #7ad151)
    assert _apart("#365c8d", "#7ad151", DEUTERANOPIA) > 40 and _apart("#365c8d", "#7ad151", PROTANOPIA) > 40


def test_every_chart_carries_the_data_label_source_filters_and_date(app_env: Path, store_path: Path) -> None:
    at = run_page("gaps", scheme="region", region="Europe")
    for spec in specs(at):
        lines = spec["title"]["subtitle"]
        assert lines[0] == f"SYNTHETIC demo data, not real figures: {fx.LABEL}"
        assert lines[1].startswith(f"source: glamkg store “{store_path.name}” (generation ")
        assert "), read 20" in lines[1]
        assert lines[2] == "filters: regions (UN M49 regions): Europe"
        assert spec["config"]["axis"]["labelColor"] == "#31333f"


def test_every_csv_carries_the_data_label_source_filters_and_date(app_env: Path, store_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import app_test

    storages: list[MemoryMediaFileStorage] = []

    class Kept(MemoryMediaFileStorage):
        def __init__(self, endpoint: str) -> None:
            super().__init__(endpoint)
            storages.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Kept)
    at = run_page("map", scheme="region", region="Europe")
    button = next(b for b in at.get("download_button") if b.proto.label == "Download per-country metrics (CSV)")
    data = bytes(storages[-1].get_file(button.proto.url.rsplit("/", 1)[1]).content)
    csv = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert sorted(csv["iso2"]) == ["DE", "NL"]
    assert set(csv["data_label"]) == {f"SYNTHETIC demo data, not real figures: {fx.LABEL}"}
    assert set(csv["data_filters"]) == {"regions (UN M49 regions): Europe"}
    assert str(store_path.resolve()) in csv["data_source"][0] and csv["downloaded_at"][0].startswith("20")


def test_explorer_says_the_sidebar_does_not_apply_and_names_ids(app_env: Path) -> None:
    at = run_page("explorer", scheme="region", region="Europe")
    assert any("filters do not apply here" in i.value for i in at.info)
    from kg.dashboard import views
    from kg.gaps import tables
    from kg.store import Store

    with Store.open(app_env, read_only=True) as st:
        data = tables.read(st)
    named = views.with_names(pd.DataFrame({"country": ["Q55", "Q1030"], "item": [fx.I1, fx.O2], "n": [1, 2]}), data)
    assert list(named.columns) == ["country", "countryLabel", "item", "itemLabel", "n"]
    assert list(named["countryLabel"]) == ["Netherlands", "Namibia"]
    assert list(named["itemLabel"]) == ["Museum Amsterdam", "Wikimedia Namibia"]
    # a label column the query gave with empty cells (no country labels in the store): those cells are named
    given = pd.DataFrame({"country": ["Q55", "Q1030", "Q30"], "countryLabel": [None, "Namibië", ""], "n": [1, 2, 3]})
    named = views.with_names(given, data)
    assert list(named.columns) == ["country", "countryLabel", "n"]
    assert list(named["countryLabel"]) == ["Netherlands", "Namibië", "United States"]


def test_a_mistyped_link_value_names_the_valid_values(app_env: Path) -> None:
    at = run_page("gaps", scheme="region", region="Afrika", type="musem")
    text = next(w.value for w in at.warning if "Ignored in the link" in w.value)
    assert "region=Afrika (did you mean Africa? valid: Africa, Americas, Europe)" in text
    assert "type=musem (did you mean museum? valid: " in text


def test_overview_region_chart_has_its_finding(app_env: Path) -> None:
    at = run_page("overview", scheme="region")
    assert "Americas: 0 % of institutions have a partnership, against 100 % in Africa (few institutions: read " \
           "with care)." in bold(at)


def test_a_chart_of_more_rows_than_altairs_guard_is_drawn() -> None:
    """Charts go to Streamlit as Vega-Lite specs (data inline); a saved query's line view of 6,000 rows must not
    stop the page with Altair's MaxRowsError."""
    import altair as alt

    from kg.dashboard import ui

    rows = pd.DataFrame({"year": range(6000), "n": range(6000)})
    ui.chart(alt.Chart(rows).mark_line().encode(x="year:O", y="n:Q"))  # raised MaxRowsError before

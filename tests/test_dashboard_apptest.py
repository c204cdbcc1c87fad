"""Every dashboard page opened with Streamlit's AppTest on a small hand-checked store (tests/dashboard_fixture.py).

The expected figures are worked out here from the fixture's definition (plain Python over its lists),
not with kg.dashboard_data or kg.gaps.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("streamlit")
import dashboard_fixture as fx
from streamlit.testing.v1 import AppTest

APP_DIR = Path(__file__).resolve().parents[1] / "dashboards"
APP = APP_DIR / "app.py"
PAGES = ["overview", "map", "gaps", "trends", "partnerships", "quality", "explorer"]
TIMEOUT = 120


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.build_store(tmp_path_factory.mktemp("dashboard") / "store")


@pytest.fixture()
def app_env(store_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("GLAMKG_STORE", str(store_path))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    return store_path


def run_page(page: str, **query: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    if page != "overview":
        at.switch_page(str(APP_DIR / f"{page}.py"))
    at.run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


# --- what the fixture holds, by hand -----------------------------------------------------------------------
REGION = {fx.NL: "Europe", fx.DE: "Europe", fx.NA: "Africa", fx.BR: "Americas"}
INSTITUTION_COUNTRY = {row[0]: row[3] for row in fx.INSTITUTIONS}
PARTICIPANTS = {row[0]: [p for p in row[3] if p in INSTITUTION_COUNTRY] for row in fx.PARTNERSHIPS}


def expected_headline(region: str | None = None) -> dict[str, str]:
    insts = [q for q, c in INSTITUTION_COUNTRY.items() if region is None or REGION[c] == region]
    ps = [p for p, members in PARTICIPANTS.items() if any(m in insts for m in members)]
    partnered = {m for p in ps for m in PARTICIPANTS[p] if m in insts}
    contributions = [c for c in fx.CONTRIBUTIONS if c[2] in ps]
    countries = {INSTITUTION_COUNTRY[q] for q in insts}
    return {
        "Institutions": f"{len(insts):,}",
        "Partnerships": f"{len(ps):,}",
        "Contributions": f"{len(contributions):,}",
        "Countries": f"{len(countries):,}",
        "Coverage": f"{100 * len(partnered) / len(insts):.1f} %",
    }


# --- tests -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_error(app_env: Path, page: str) -> None:
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title, f"page {page} shows no title"
    # the synthetic-data banner is on every page of a synthetic store
    assert any("Synthetic demo data" in w.value for w in at.warning), page


def test_overview_headline_figures(app_env: Path) -> None:
    at = run_page("overview")
    shown = metrics(at)
    assert {k: shown[k] for k in expected_headline()} == expected_headline()
    # by hand: 6 institutions, 3 partnerships, 4 contributions, 4 countries, 3 of 6 partnered
    assert expected_headline() == {
        "Institutions": "6", "Partnerships": "3", "Contributions": "4", "Countries": "4", "Coverage": "50.0 %",
    }
    facts = at.dataframe[-2].value if len(at.dataframe) >= 2 else None
    assert facts is not None
    text = " ".join(map(str, facts["value"]))
    assert fx.LABEL in text


def test_filters_come_from_the_url_and_apply(app_env: Path) -> None:
    at = run_page("overview", region="Europe")
    assert at.multiselect(key="f_region").value == ["Europe"]
    assert {k: metrics(at)[k] for k in ("Institutions", "Partnerships", "Coverage")} == {
        k: expected_headline("Europe")[k] for k in ("Institutions", "Partnerships", "Coverage")
    }
    assert metrics(at)["Institutions"] == "4"
    # and the query string follows the widgets
    at.multiselect(key="f_region").set_value(["Africa"]).run()
    assert at.query_params["region"] in ("Africa", ["Africa"])
    assert metrics(at)["Institutions"] == "1"
    assert metrics(at)["Coverage"] == "100.0 %"


def test_gap_table_row_matches_hand_computation(app_env: Path) -> None:
    at = run_page("gaps")
    table = next(d.value for d in at.dataframe if "coverage_pct" in d.value.columns)
    europe = table.set_index("group").loc["Europe"]
    # Europe: NL (I1, I2) and DE (I3, I4); partnered I1 (P1, P2) and I3 (P2).
    n, k = 4, 2
    assert europe["institutions"] == n
    assert europe["partnered_institutions"] == k
    assert europe["coverage_pct"] == pytest.approx(100 * k / n)
    low, high = wilson(k, n)
    assert europe["coverage_low_pct"] == pytest.approx(100 * low)
    assert europe["coverage_high_pct"] == pytest.approx(100 * high)
    # partnerships counted per country of a participating institution: NL {P1, P2} + DE {P2} = 3
    assert europe["partnerships"] == 3
    assert bool(europe["small_numbers"]) is True
    # representation index against institutions: (3 / 4 partnerships) / (4 / 6 institutions)
    total_partnerships = 3 + 1  # Europe 3 + Africa (P3) 1; the Americas have none
    assert europe["ri_partnerships"] == pytest.approx((3 / total_partnerships) / (4 / 6))


def test_map_page_draws_points_and_choropleth(app_env: Path) -> None:
    at = run_page("map")
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        text = json.dumps(spec)
        # drawn offline: the outlines are inline data, nothing is fetched (no "url" data, no tiles)
        assert '"url"' not in text
        assert spec["projection"]["type"] == "equalEarth"
        shapes = [layer for layer in spec["layer"] if "values" in layer.get("data", {})]
        assert shapes, "no inline country outlines"
        assert max(len(layer["data"]["values"]) for layer in shapes) >= 170  # Natural Earth 1:110m: 177 areas
    per_country = next(d.value for d in at.dataframe if "iso2" in d.value.columns)
    assert set(per_country["iso2"]) == {"NL", "DE", "NA", "BR"}  # Namibia stays "NA"
    nl = per_country.set_index("iso2").loc["NL"]
    assert (nl["institutions"], nl["partnered_institutions"]) == (2, 1)
    assert nl["coverage_pct"] == pytest.approx(50.0)


def test_quality_page_lists_items_missing_coordinates(app_env: Path) -> None:
    at = run_page("quality")
    at.selectbox(key="quality_prop").set_value("coordinates").run()
    todo = next(d.value for d in at.dataframe if "link" in d.value.columns)
    assert list(todo["item"]) == [row[0] for row in fx.INSTITUTIONS if row[4] is None]  # I4, no coordinates
    assert list(todo["item"]) == [fx.I4]
    assert todo["link"].iloc[0].endswith("/entity/" + fx.I4)  # a local item: its IRI
    comp = next(d.value for d in at.dataframe if "share" in d.value.columns)
    isil_europe = comp[(comp["group"] == "Europe") & (comp["property"] == "ISIL")].iloc[0]
    assert (isil_europe["institutions"], isil_europe["with_value"]) == (4, 1)


def test_partnerships_page_search(app_env: Path) -> None:
    at = run_page("partnerships")
    at.text_input(key="ps_search").set_value("windhoek").run()
    table = at.dataframe[0].value
    assert set(table["partnership"]) == {fx.P3}
    assert not at.exception


def test_trends_counts_per_year(app_env: Path) -> None:
    at = run_page("trends")
    t = next(d.value for d in at.dataframe if "partnerships_active" in d.value.columns)
    europe = t[t["group"] == "Europe"].set_index("year")
    # P1 2019-2021 (NL), P2 2020- (NL and DE: counted once per country): active in 2020 = 1 + 2
    assert europe.loc[2020, "partnerships_active"] == 3
    assert europe.loc[2019, "partnerships_started"] == 1
    assert europe.loc[2021, "contributions"] == 2  # C2 (P2) in NL and in DE


def test_explorer_runs_a_saved_query_locally(app_env: Path) -> None:
    from kg import query

    names = [q.name for q in query.catalog()]
    assert "institutions_per_country" in names
    at = run_page("explorer")
    at.selectbox(key="q_name").set_value("institutions_per_country").run()
    assert not at.dataframe  # nothing runs before the button is pressed
    at.button(key="q_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    result = at.dataframe[0].value
    assert isinstance(result, pd.DataFrame)
    # one row per country with institutions; the counts add up to the fixture's 6 institutions
    count_col = next(c for c in result.columns if pd.api.types.is_numeric_dtype(result[c]))
    assert int(result[count_col].sum()) == len(fx.INSTITUTIONS)
    assert len(result) == len({row[3] for row in fx.INSTITUTIONS})
    assert any(b.proto.url.startswith("https://query.wikidata.org/#") for b in at.get("link_button"))


def test_cache_follows_store_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.entities import Claim, Record, to_json
    from kg.store import Store

    path = fx.build_store(tmp_path / "store")
    monkeypatch.setenv("GLAMKG_STORE", str(path))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    assert metrics(run_page("overview"))["Institutions"] == "6"
    extra = Record(fx.qid(99), "institution", labels={"en": "New Museum"},
                   claims=[Claim("instance_of", fx.MUSEUM), Claim("country", fx.BR)])
    with Store.open(path) as store:
        store.write_entities([to_json(extra)])
    assert metrics(run_page("overview"))["Institutions"] == "7"

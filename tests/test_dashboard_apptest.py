"""Every dashboard page opened with Streamlit's AppTest on a small hand-checked store (tests/dashboard_fixture.py).

The expected figures are worked out here from the fixture's definition (plain Python over its lists),
not with kg.dashboard.data or kg.gaps.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import dashboard_fixture as fx
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP_DIR = Path(__file__).resolve().parents[1] / "dashboards"
APP = APP_DIR / "app.py"
PAGES = ["overview", "map", "gaps", "trends", "partnerships", "partners", "quality", "explorer"]
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
    # a plain table (st.table: no grid scripts to load on the first page), its cells' Markdown escaped
    assert not at.dataframe
    facts = next((t.value for t in at.table if "what" in t.value.columns), None)
    assert facts is not None
    facts["value"] = facts["value"].map(lambda v: re.sub(r"\\(.)", r"\1", str(v)))
    text = " ".join(map(str, facts["value"]))
    assert fx.LABEL in text
    shown_facts = dict(zip(facts["what"], facts["value"], strict=True))
    assert shown_facts["synthetic demo data"] == "yes"
    loaded = pd.Timestamp(shown_facts["last loaded"])  # when the store was written: today, not "(unknown)"
    assert abs(pd.Timestamp.now(tz="UTC") - (loaded if loaded.tzinfo else loaded.tz_localize("UTC"))) < pd.Timedelta(
        days=1)


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
    at = run_page("gaps", scheme="region")  # UN M49 regions (the default is Wikimedia's)
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
    at = run_page("quality", scheme="region")  # UN M49 regions (the default is Wikimedia's)
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
    at = run_page("trends", scheme="region")  # UN M49 regions (the default is Wikimedia's)
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
    # where the result came from: the store, its generation, the time (the downloads carry the same)
    from kg.store import Store

    with Store.open(app_env, read_only=True) as st:
        generation = st.generation()
    assert any(f"on local store (store generation {generation})" in c.value for c in at.caption)
    _, prov = dd_run("institutions_per_country", app_env, generation)
    assert prov.name == "institutions_per_country" and prov.rows == len(result) and prov.store == str(app_env)
    assert "wdt:P17" in prov.query and prov.ran_at.endswith("Z")


def dd_run(name: str, store: Path, generation: str) -> tuple[pd.DataFrame, object]:
    from kg.dashboard import data as dd

    return dd.run_query.__wrapped__(name, (), "local", str(store), generation)  # type: ignore[attr-defined]


def test_cache_follows_store_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.model.entities import Claim, Record, to_json
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


def test_store_is_opened_read_only(app_env: Path) -> None:
    """The pages read the store while a writer holds it: opening it for writing would fail on the lock."""
    from kg.store import Store

    with Store.open(app_env) as writer:
        for page in ("overview", "gaps"):
            at = run_page(page)
            assert not at.exception, [e.value for e in at.exception]
            assert not at.error, [e.value for e in at.error]
        assert metrics(run_page("overview"))["Institutions"] == str(len(fx.INSTITUTIONS))
        assert not writer.read_only


def test_every_filter_comes_from_the_url(app_env: Path) -> None:
    at = run_page("overview", country=["NL", "DE"], type="museum", ptype="edit-a-thon", years="2019-2020")
    assert at.multiselect(key="f_country").value == ["NL", "DE"]
    assert at.multiselect(key="f_type").value == ["museum"]
    assert at.multiselect(key="f_ptype").value == ["edit-a-thon"]
    assert tuple(at.slider(key="f_years").value) == (2019, 2020)
    # by hand: museums in NL or DE are I1 and I4; edit-a-thons active in 2019-2020: P2 (I1, I3), so I1 only
    museums = [row[0] for row in fx.INSTITUTIONS if row[2] == fx.MUSEUM and row[3] in (fx.NL, fx.DE)]
    assert museums == [fx.I1, fx.I4]
    shown = metrics(at)
    assert (shown["Institutions"], shown["Partnerships"], shown["Coverage"]) == ("2", "1", "50.0 %")
    # C2 (P2, 2021) is outside the window
    assert shown["Contributions"] == "0"
    # moving the year slider rewrites the query string; the other filters stay in it
    at.slider(key="f_years").set_value((2020, 2022)).run()
    assert at.query_params["years"] in ("2020-2022", ["2020-2022"])
    assert at.query_params["type"] in ("museum", ["museum"])
    assert metrics(at)["Contributions"] == "1"  # C2 (2021) now inside


# --- tables and charts: every table downloadable, every chart titled, with axis titles and units ----------

POSITION = ("x", "y")
# channels whose legend or axis needs a title; tooltips, text, order and the second end of a rule do not
TITLED = ("x", "y", "color", "size", "strokeWidth", "opacity", "shape")
UNIT = re.compile(r"\(.*\S.*\)|%")


def _units(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every single-view spec of a (possibly layered / concatenated) Vega-Lite spec."""
    out = []
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for child in spec.get(key, []):
            out.extend(_units(child))
    if "mark" in spec:
        out.append(spec)
    return out


def _title_text(title: Any) -> str:
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title or "").strip()


def chart_problems(spec: dict[str, Any]) -> list[str]:
    """What a chart lacks: a title, a title on each axis and legend, a unit on each quantitative one."""
    problems = []
    units = _units(spec)
    titles = [_title_text(spec.get("title"))] + [_title_text(u.get("title")) for u in units]
    if not any(titles):
        problems.append("no chart title")
    for channel in TITLED:
        encodings = [u["encoding"][channel] for u in units if channel in u.get("encoding", {})]
        fields = [e for e in encodings if isinstance(e, dict) and "field" in e]
        if not fields:
            continue
        axis = next((e["axis"] for e in fields if "axis" in e), {})
        if axis is None or (channel in POSITION and axis.get("labels") is False and axis.get("title") is None):
            continue  # a hidden axis (the network layout's coordinates mean nothing)
        title = next((_title_text(e["title"]) for e in fields if _title_text(e.get("title"))), "")
        if not title:
            problems.append(f"{channel} ({fields[0]['field']}) has no title")
        elif any(e.get("type") == "quantitative" for e in fields) and not UNIT.search(title):
            problems.append(f"{channel} title {title!r} names no unit")
    return problems


def _page_charts(page: str) -> AppTest:
    at = run_page(page)
    if page == "explorer":
        at.selectbox(key="q_name").set_value("institutions_per_country").run()
        at.button(key="q_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_chart_checker_finds_missing_titles_and_units() -> None:
    good = {"title": "t", "mark": "bar", "encoding": {
        "x": {"field": "n", "type": "quantitative", "title": "institutions (count)"},
        "y": {"field": "g", "type": "nominal", "title": "region"}}}
    assert chart_problems(good) == []
    assert chart_problems({**good, "title": ""}) == ["no chart title"]
    bad = json.loads(json.dumps(good))
    bad["encoding"]["x"]["title"] = "institutions"
    del bad["encoding"]["y"]["title"]
    assert chart_problems(bad) == ["x title 'institutions' names no unit", "y (g) has no title"]


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_has_title_axis_titles_and_units(app_env: Path, page: str) -> None:
    at = _page_charts(page)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")]
    assert specs, f"{page} draws no chart"
    for spec in specs:
        assert chart_problems(spec) == [], (page, _title_text(spec.get("title")) or spec.get("layer", [{}])[0])


@pytest.mark.parametrize("page", PAGES)
def test_every_table_has_a_download_button(app_env: Path, page: str) -> None:
    at = _page_charts(page)
    tables = len(at.dataframe) + len(at.table)  # grids and plain tables (st.table)
    # the charts' PNG buttons: tests/test_dashboard_png.py
    buttons = [b for b in at.get("download_button") if b.proto.label != "Chart image (PNG)"]
    assert tables, f"{page} shows no table"
    if page == "explorer":  # the result in three formats, and where it came from
        assert sorted(b.proto.label for b in buttons) == ["CSV", "JSON", "Parquet", "Provenance"]
        assert tables == 1
    else:  # each table: its CSV, and where the CSV came from (tests/test_provenance.py reads them)
        labels = [b.proto.label for b in buttons]
        csv = [label for label in labels if label.startswith("Download ") and label.endswith(" (CSV)")]
        provenance = [label for label in labels if label.startswith("Provenance of ") and label.endswith(" (JSON)")]
        assert len(csv) == len(provenance) == tables and len(labels) == 2 * tables, labels
        assert len(set(labels)) == len(labels)


def test_pages_hold_no_sparql() -> None:
    """The page scripts call kg; no query text in them (dashboard_data builds the few it needs from ids)."""
    keywords = re.compile(r"\b(SELECT|CONSTRUCT|PREFIX|WHERE\s*\{|wdt:|http://www\.wikidata\.org/prop)", re.I)
    for script in sorted(APP_DIR.glob("*.py")):
        text = script.read_text(encoding="utf-8")
        hits = [m.group(0) for m in keywords.finditer(text)]
        # "select" also names Streamlit's selectbox: only the word on its own counts, in any case
        hits = [h for h in hits if h.lower() != "select" or re.search(r"\bselect\b\s+[?*(]", text, re.I)]
        assert not hits, (script.name, hits)


def test_maps_at_scale_have_titles_and_units() -> None:
    """The point map counted per grid cell (many institutions) and the choropleth pass the same checks."""
    from kg.dashboard import worldmap
    n = 9000
    pts = pd.DataFrame({"lat": [(i % 170) - 85.0 for i in range(n)], "lon": [(i % 359) - 179.0 for i in range(n)],
                        "status": ["partnered" if i % 4 else "not partnered" for i in range(n)]})
    agg, cell = worldmap.aggregate_points(pts)
    assert cell > 0
    spec = worldmap.point_map(agg, title="institutions", cell=cell)
    assert chart_problems(spec) == []
    size = next(u["encoding"]["size"] for u in _units(spec) if "size" in u.get("encoding", {}))
    assert f"per {cell:g}° cell" in size["title"]
    values = pd.DataFrame({"iso2": ["NL", "NA"], "share": [0.5, 1.0]})
    assert chart_problems(worldmap.choropleth(values, value="share", value_title="share (%)", title="t")) == []
    assert chart_problems(worldmap.choropleth(values, value="share", value_title="share", title="t")) != []


def test_explorer_opens_wdqs_with_the_chosen_parameters(app_env: Path) -> None:
    from urllib.parse import unquote

    from kg import query
    at = run_page("explorer")
    at.selectbox(key="q_name").set_value("institutions_per_type").run()
    at.selectbox(key="qp-institutions_per_type-country").set_value("NA").run()
    link = next(b.proto.url for b in at.get("link_button") if "query.wikidata.org" in b.proto.url)
    text = unquote(link.split("#", 1)[1])
    # Namibia bound as a term the query service understands, in VALUES blocks (at the top, and in the sub-select
    # that counts without projecting ?country); the saved text kept around them
    block = " VALUES ?country { <http://www.wikidata.org/entity/Q1030> } "
    assert text.count(block) == 2
    inserted = re.compile(r'VALUES \?(?:lang \{ "\w+" \}|country \{ <http://www.wikidata.org/entity/Q1030> \})')
    assert inserted.sub("", text).split() == query.get("institutions_per_type").text.split()
    at.button(key="q_run").click().run()
    result = at.dataframe[0].value
    count_col = next(c for c in result.columns if pd.api.types.is_numeric_dtype(result[c]))
    assert int(result[count_col].sum()) == sum(1 for row in fx.INSTITUTIONS if row[3] == fx.NA)


def test_explorer_runs_on_the_configured_endpoint(app_env: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """$GLAMKG_ENDPOINT pre-fills the endpoint; the query goes to a real `oxigraph serve` on loopback holding
    the fixture (and not to the local store: the server holds one institution more)."""
    from query_fixture_data import oxigraph_server

    from kg.model.entities import Claim, Record, to_json
    from kg.store import Store

    copy = fx.build_store(tmp_path / "remote-store")
    with Store.open(copy) as s:
        s.write_entities([to_json(Record(fx.qid(97), "institution", labels={"en": "Remote only"},
                                         claims=[Claim("instance_of", fx.LIBRARY), Claim("country", fx.NA)]))])
        s.export(tmp_path / "remote.nt", format="nt")
    with oxigraph_server((tmp_path / "remote.nt").read_bytes()) as url:
        monkeypatch.setenv("GLAMKG_ENDPOINT", url)
        at = run_page("explorer")
        at.selectbox(key="q_name").set_value("institutions_per_country").run()
        at.radio(key="q_where").set_value("another SPARQL endpoint").run()
        assert at.text_input(key="q_url").value == url
        at.button(key="q_run").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert not at.error, [e.value for e in at.error]
        result = at.dataframe[0].value
    count_col = next(c for c in result.columns if pd.api.types.is_numeric_dtype(result[c]))
    assert int(result[count_col].sum()) == len(fx.INSTITUTIONS) + 1
    by_country = dict(zip(result["country"], result[count_col], strict=True))
    assert by_country[fx.NA] == 2  # I5 and the remote-only library


def test_wdqs_link_applies_the_limit_parameter() -> None:
    from urllib.parse import unquote

    from kg import query
    from kg.dashboard import data as dashboard_data
    saved = query.get("quality_institutions_missing_isil")
    default = unquote(dashboard_data.wdqs_link(saved, {}).split("#", 1)[1])
    five = unquote(dashboard_data.wdqs_link(saved, {"limit": "5"}).split("#", 1)[1])
    assert "LIMIT 1000" in default
    assert "LIMIT 5" in five and "LIMIT 1000" not in five


def test_dashboard_explorer_shows_the_title_and_a_map_of_a_pasted_query(app_env: Path) -> None:
    """A query with #title: and #defaultView:Map, pasted into the explorer, runs with that title and a map."""
    at = run_page("explorer")
    at.radio(key="q_source").set_value("your own query").run()
    text = "#title:Where the museums are\n#defaultView:Map\nSELECT ?item ?coord WHERE { ?item wdt:P625 ?coord }"
    at.text_area(key="q_text").set_value(text).run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["Where the museums are"]
    at.button(key="q_run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    charts = at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")
    assert charts, "no chart: the map view of #defaultView:Map was not drawn"
    spec = json.dumps([c.proto.spec if hasattr(c, "proto") else "" for c in charts])
    assert "Where the museums are" in spec and "geoshape" in spec


@pytest.mark.parametrize("years", ["3000-4000", "1-5", "abc"])
def test_years_in_the_link_outside_the_data_warn_instead_of_failing(app_env: Path, years: str) -> None:
    at = run_page("gaps", years=years)
    assert not at.exception, [e.value for e in at.exception]
    assert any("Ignored in the link" in w.value and f"years={years}" in w.value for w in at.warning)


def test_a_mistyped_region_in_the_link_warns(app_env: Path) -> None:
    at = run_page("gaps", region="Afrika")
    assert not at.exception
    assert any("region=Afrika" in w.value for w in at.warning)


def test_a_remote_error_is_shown_as_plain_text(app_env: Path) -> None:
    """A server's error page may hold Markdown (a link, an image from another host): shown, never rendered."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = b"Bad query. [click here](http://evil.example/) ![x](http://evil.example/x.png)"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(400)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        at = run_page("explorer")
        at.radio(key="q_where").set_value("another SPARQL endpoint").run()
        at.text_input(key="q_url").set_value(f"http://127.0.0.1:{server.server_address[1]}/sparql").run()
        at.button(key="q_run").click().run()
        assert not at.exception
        assert any("evil.example" in c.value for c in at.code)  # the message, as text
        rendered = [m.value for m in at.markdown] + [e.value for e in at.error]
        assert not any("evil.example" in r for r in rendered)
    finally:
        server.shutdown()


def test_a_pasted_runaway_query_is_stopped_and_the_page_stays(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cartesian product pasted into the explorer runs in a process of its own under the watchdog: it is
    stopped with a clear message, and the dashboard's server lives on."""
    monkeypatch.setenv("GLAMKG_QUERY_TIMEOUT", "3")
    at = run_page("explorer")
    at.radio(key="q_source").set_value("your own query").run()
    at.text_area(key="q_text").set_value("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }").run()
    at.button(key="q_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("was stopped" in c.value and "cartesian product" in c.value for c in at.code)


def test_static_table_escapes_markdown_and_writes_numbers() -> None:
    """st.table reads its cells as Markdown: what it would format is escaped, numbers are written for reading."""
    import pandas as pd

    from kg.dashboard import ui

    df = pd.DataFrame({"what": ["/tmp/a_1_b", "**bold** [x](y) $x$ `c` <b>", None], "n": [12345, 7, 0]})
    shown = ui.static_table(df, {"what": "What", "n": None})
    assert list(shown.columns) == ["What", "n"]
    assert list(shown["What"]) == [r"/tmp/a\_1\_b", r"\*\*bold\*\* \[x\](y) \$x\$ \`c\` \<b\>", ""]
    assert list(shown["n"]) == ["12,345", "7", "0"]

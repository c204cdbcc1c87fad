"""The dashboard's "Partners to call" page, its region schemes and the snapshot history on the gap and trend
pages, opened with Streamlit's AppTest on the dashboard fixture plus a few items written here.

Expected rows are worked out by hand from the lists below and tests/dashboard_fixture.py (distances with the
haversine formula written out here), not with kg.dashboard.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import dashboard_fixture as fx
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kg.cli.app import main
from kg.model.entities import Claim, Record, to_json
from kg.model.schema import model
from kg.model.values import Coordinate, Quantity, Time

APP_DIR = Path(__file__).resolve().parents[1] / "dashboards"
TIMEOUT = 120

# Written beside the fixture: an unpartnered museum in the Netherlands (a museum there, I1, has partnerships: case
# studies), a German chapter with coordinates, and a Wikimedian-in-residence programme at the Berlin archive.
I7 = fx.qid(7)
ROTTERDAM = (51.92, 4.48)
O3 = fx.qid(13)
BERLIN = (52.52, 13.40)
P4 = fx.qid(24)
EXTRA = [
    Record(I7, "institution", labels={"en": "Museum Rotterdam"}, claims=[
        Claim("instance_of", fx.MUSEUM), Claim("country", fx.NL), Claim("coordinates", Coordinate(*ROTTERDAM)),
        Claim("employees", Quantity(6)), Claim("commons_category", "Museum Rotterdam")]),
    Record(O3, "partner", labels={"en": "Wikimedia Deutschland"}, claims=[
        Claim("instance_of", fx.CHAPTER), Claim("country", fx.DE), Claim("coordinates", Coordinate(*BERLIN))]),
    Record(P4, "partnership", labels={"en": "Berlin residency"}, claims=[
        Claim("instance_of", model().cls("wikimedian_in_residence_programme").id), Claim("participant", fx.I3),
        Claim("participant", O3), Claim("start_time", Time("2021"))]),
]


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (la1, lo1), (la2, lo2) = (tuple(math.radians(v) for v in p) for p in (a, b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from kg.dashboard import data as dd
    from kg.store import Store

    path = fx.build_store(tmp_path / "store")
    with Store.open(path) as st:
        st.write_entities([to_json(r) for r in EXTRA])
    monkeypatch.setenv("GLAMKG_STORE", str(path))
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GLAMKG_DASHBOARD_ENDPOINT", raising=False)
    dd._cached.clear()
    return path


@pytest.fixture()
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """What the download buttons of an AppTest run hold, by URL (as tests/test_provenance.py keeps them)."""
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
            for kept in reversed(storages):
                try:
                    return bytes(kept.get_file(name).content)
                except Exception:  # not in this run's storage
                    continue
            raise KeyError(url)

    return Files()


def run_page(page: str, **query: str | list[str]) -> AppTest:
    at = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(str(APP_DIR / f"{page}.py"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_partners_to_call_for_a_country(store: Path, downloads: dict[str, bytes]) -> None:
    at = run_page("partners", country="NL")
    table = frame_with(at, "nearest_affiliates")
    # NL: I1 is partnered (P1, P2); I2 (library) and I7 (museum) are not
    assert set(table["item"]) == {fx.I2, I7}
    rows = table.set_index("item")
    rotterdam = rows.loc[I7]
    assert rotterdam["size_band"] == "small" and rotterdam["employees"] == 6
    # affiliates: its country's first, then the others by distance (only those with coordinates)
    assert rotterdam["nearest_affiliates"] == (
        f"Wikimedia Nederland (NL, same country); Wikimedia Deutschland (DE, {km(ROTTERDAM, BERLIN):,.0f} km)")
    assert rotterdam["nearest_residencies"] == (
        f"Berlin residency at Archive Berlin (DE, {km(ROTTERDAM, (52.52, 13.40)):,.0f} km)")
    # case studies: partnerships of museums in the Netherlands (I1's), newest first
    assert rotterdam["case_studies"] == (
        "Amsterdam-Berlin edit-a-thon (2020, Museum Amsterdam); Amsterdam GLAM partnership (2019, Museum Amsterdam)")
    assert rotterdam["similar_partnered"] == 1
    utrecht = rows.loc[fx.I2]  # no library in the Netherlands has a partnership
    assert utrecht["case_studies"] == "" and utrecht["similar_partnered"] == 0
    assert utrecht["size_band"] == "size unknown"
    # the Commons category ranks Rotterdam first
    assert list(table["item"]) == [I7, fx.I2] and list(table["rank"]) == [1, 2]
    # the CSV download holds the table's rows, as shown
    button = next(b for b in at.get("download_button") if b.proto.label == "Download partners to call selection (CSV)")
    csv = pd.read_csv(io.StringIO(downloads[button.proto.url].decode("utf-8")), keep_default_na=False, dtype=str)
    shown = table.astype(object).where(table.notna(), "").astype(str)
    for col in ("rank", "similar_partnered"):
        shown[col] = table[col].astype(str)
    shown["employees"] = [("" if pd.isna(v) else f"{v:.1f}") for v in table["employees"]]
    shown["collection_size"] = ["" if pd.isna(v) else f"{v:.1f}" for v in table["collection_size"]]
    # ... followed by what the data is, where from, which filters and when (kg.dashboard.ui.METADATA_COLUMNS)
    from kg.dashboard.ui import METADATA_COLUMNS

    assert list(csv.columns) == [*shown.columns, *METADATA_COLUMNS]
    pd.testing.assert_frame_equal(csv[list(shown.columns)], shown.reset_index(drop=True), check_dtype=False)


def test_partners_size_bands_filter_and_small_institutions_first(store: Path) -> None:
    at = run_page("partners", scheme="region", region="Europe")
    table = frame_with(at, "nearest_affiliates")
    # Europe: I2 (NL), I4 (Köln, DE) and I7 are unpartnered; I7 is the only one with a known size
    assert set(table["item"]) == {fx.I2, fx.I4, I7}
    at.multiselect(key="partners_bands").set_value(["small"]).run()
    assert list(frame_with(at, "nearest_affiliates")["item"]) == [I7]
    bands = frame_with(at, "unpartnered_pct").set_index("size_band")
    assert bands.loc["small", "unpartnered"] == 1 and bands.loc["size unknown", "unpartnered"] == 2


def test_the_default_region_scheme_is_wikimedias_and_is_kept_in_the_link(store: Path) -> None:
    at = run_page("gaps")
    table = frame_with(at, "coverage_pct").set_index("group")
    # NL (I1, I2, I7) and DE (I3, I4): Northern and Western Europe; partnered I1 and I3
    nwe = table.loc["Northern and Western Europe"]
    assert (nwe["institutions"], nwe["partnered_institutions"]) == (5, 2)
    assert "scheme" not in at.query_params  # the default is not repeated in the link
    at.selectbox(key="f_scheme").set_value("continent").run()
    assert at.query_params["scheme"] in ("continent", ["continent"])
    at2 = run_page("overview", scheme="continent", region="Africa")
    assert {m.label: m.value for m in at2.metric}["Institutions"] == "1"


def test_change_since_a_snapshot_before_a_load(store: Path, tmp_path: Path) -> None:
    assert main(["snapshot", "--store", str(store)]) == 0
    sheet = tmp_path / "partnerships.csv"
    sheet.write_text("id,label_en,instance_of,country,start_time,participant\n"
                     f",Utrecht library partnership,glam_partnership,Q55,2021-05,{fx.I2}\n", encoding="utf-8")
    assert main(["load", str(sheet), "--kind", "partnership", "--store", str(store)]) == 0
    assert main(["snapshot", "--store", str(store)]) == 0
    at = run_page("gaps")
    change = frame_with(at, "partnerships change").set_index("group")
    nwe = change.loc["Northern and Western Europe"]
    # NL {P1, P2} + DE {P2, P4} = 4 partnerships before, the loaded one makes 5; I2 is now partnered
    assert (nwe["partnerships (then)"], nwe["partnerships (now)"], nwe["partnerships change"]) == (4, 5, 1)
    assert nwe["partnered_institutions change"] == 1
    assert nwe["coverage_pct change"] == pytest.approx(100 * (3 / 5 - 2 / 5))
    assert change.loc["Sub-Saharan Africa", "partnerships change"] == 0
    # against the second snapshot instead of the store now: the same change
    at.selectbox(key="history_to").set_value(2).run()
    assert frame_with(at, "partnerships change").set_index("group").loc[
        "Northern and Western Europe", "partnerships change"] == 1
    # the trend page's series: one point per snapshot
    trends = run_page("trends")
    series = frame_with(trends, "snapshot")
    nwe_series = series[series["group"] == "Northern and Western Europe"].sort_values("snapshot")
    assert list(nwe_series["value"]) == [4, 5]


def test_no_snapshot_yet_says_how_to_take_one(store: Path) -> None:
    at = run_page("gaps")
    assert any("glamkg snapshot" in i.value for i in at.info)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_partners_cells_read_in_the_page_language_and_download_as_stored(store: Path, downloads: dict[str, bytes],
                                                                         lang: str) -> None:
    """The nearest affiliates' and residencies' cells ("Wikimedia Nederland (NL, same country)") in French and
    Arabic, distances written the language's way; the CSV keeps the English cells."""
    from babel.messages.pofile import read_po
    from babel.numbers import format_decimal

    with (APP_DIR.parent / "kg" / "i18n" / "gettext-catalogues" / lang / "LC_MESSAGES" / "glamkg.po").open("rb") as f:
        cat = read_po(f)

    def tr(msgid: str, **values: str) -> str:
        return str(cat[msgid].string).format(**values)

    at = run_page("partners", country="NL", lang=lang)
    rotterdam = frame_with(at, "nearest_affiliates").set_index("item").loc[I7]
    isolates = str.maketrans("", "", "\u2066\u2067\u2068\u2069")  # around right-to-left messages
    far = format_decimal(round(km(ROTTERDAM, BERLIN)), format="#,##0", locale=lang)
    assert str(rotterdam["nearest_affiliates"]).translate(isolates) == str(cat["; "].string).join([
        tr("{name} ({code}, same country)", name="Wikimedia Nederland", code="NL"),
        tr("{name} ({code}, {km} km)", name="Wikimedia Deutschland", code="DE", km=far)])
    residency = tr("{programme} at {host}", programme="Berlin residency", host="Archive Berlin")
    assert str(rotterdam["nearest_residencies"]).translate(isolates) == tr(
        "{name} ({code}, {km} km)", name=residency, code="DE", km=far)
    assert "same country" not in str(rotterdam["nearest_affiliates"]) and " at " not in str(
        rotterdam["nearest_residencies"])
    csvs = [pd.read_csv(io.BytesIO(downloads[b.proto.url]), keep_default_na=False, dtype=str)
            for b in at.get("download_button") if "(CSV)" in b.proto.label]
    stored = next(c for c in csvs if "nearest_affiliates" in c.columns).set_index("item").loc[I7]
    assert stored["nearest_affiliates"] == (
        f"Wikimedia Nederland (NL, same country); Wikimedia Deutschland (DE, {km(ROTTERDAM, BERLIN):,.0f} km)")
    assert stored["nearest_residencies"] == (
        f"Berlin residency at Archive Berlin (DE, {km(ROTTERDAM, (52.52, 13.40)):,.0f} km)")

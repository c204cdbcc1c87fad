"""kg.dashboard.data and kg.dashboard.worldmap without Streamlit: the tables agree with kg.gaps' saved queries, filters,
the on-disk cache, and the shipped world geometry."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dashboard_fixture as fx
import pandas as pd
import pytest

from kg import gaps
from kg.dashboard import data as dd
from kg.dashboard import worldmap
from kg.gaps import tables


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.build_store(tmp_path_factory.mktemp("data") / "store")


@pytest.fixture(scope="module")
def data(store_path: Path) -> dd.Dataset:
    from kg.store import Store

    with Store.open(store_path, read_only=True) as s:
        return tables.read(s)


def test_counts_match_the_saved_gap_queries(store_path: Path, data: dd.Dataset) -> None:
    from kg.store import Store

    mine, _ = tables.counts(data)
    with Store.open(store_path, read_only=True) as s:
        theirs, _ = gaps.fetch_counts(s)
    key = ["iso2"]
    pd.testing.assert_frame_equal(
        mine.sort_values(key).reset_index(drop=True), theirs.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    nl = mine.set_index("iso2").loc["NL"]
    assert (nl["institutions"], nl["partnered_institutions"], nl["partnerships"], nl["contributions"]) == (2, 1, 2, 2)


def test_tables_hold_the_fixture(data: dd.Dataset) -> None:
    inst = data.institutions.set_index("item")
    assert len(inst) == len(fx.INSTITUTIONS)
    assert inst.loc[fx.I5, "iso2"] == "NA" and inst.loc[fx.I5, "region"] == "Africa"  # Namibia, not missing
    assert inst.loc[fx.I1, "inception_year"] == 1800
    assert pd.isna(inst.loc[fx.I4, "lat"])
    assert set(data.links["partnership"]) == {fx.P1, fx.P2, fx.P3}
    assert set(data.partner_links["partner"]) == {fx.O1, fx.O2}
    c = data.contributions.set_index("item")
    assert (c.loc[fx.C3, "quantity"], c.loc[fx.C3, "year"], c.loc[fx.C3, "partnership"]) == (300, 2022, fx.P3)


def test_filters(data: dd.Dataset) -> None:
    by_type = dd.apply(data, dd.as_filters(types=["museum"]))
    assert set(by_type.institutions["item"]) == {fx.I1, fx.I4, fx.I5}
    # years 2022-2023: only P3 is active; P2 (2020-, open) is active too
    window = dd.apply(data, dd.as_filters(years=[2022, 2023]))
    assert set(window.partnerships["item"]) == {fx.P2, fx.P3}
    assert set(window.contributions["item"]) == {fx.C3, fx.C4}
    h = dd.headline(dd.apply(data, dd.as_filters(partnership_types=["edit-a-thon"])))
    assert (h.institutions, h.partnered_institutions, h.partnerships, h.contributions) == (6, 2, 1, 1)


def test_disk_cache_follows_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.model.entities import Claim, Record, to_json
    from kg.store import Store

    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    path = fx.build_store(tmp_path / "store")
    first, hit1 = dd.prepare(path)
    again, hit2 = dd.prepare(path)
    assert (hit1, hit2) == (False, True)
    pd.testing.assert_frame_equal(first.institutions, again.institutions, check_dtype=False)
    with Store.open(path) as s:
        s.write_entities([to_json(Record(fx.qid(98), "institution", labels={"en": "x"},
                                         claims=[Claim("instance_of", fx.LIBRARY), Claim("country", fx.NA)]))])
    after, hit3 = dd.prepare(path)
    assert not hit3
    assert len(after.institutions) == len(fx.INSTITUTIONS) + 1


def test_world_geometry_is_natural_earth_as_shipped() -> None:
    raw = worldmap.WORLD_ATLAS_FILE.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == worldmap.WORLD_ATLAS_SHA256
    features = worldmap.countries_geojson()
    assert len(features) == 177
    codes = {f["properties"]["iso2"] for f in features}
    assert {"NA", "NL", "BR", "XK", "AQ"} <= codes and "" not in codes
    namibia = next(f for f in features if f["properties"]["iso2"] == "NA")
    ring = namibia["geometry"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert 11 < min(lons) < max(lons) < 26 and -29.5 < min(lats) < max(lats) < -16.5
    assert ring[0] == ring[-1]  # closed rings


def test_points_are_aggregated_at_scale() -> None:
    n = 50_000
    pts = pd.DataFrame({
        "lat": [10.0 + (i % 100) * 0.5 for i in range(n)],
        "lon": [(i % 700) * 0.5 - 170 for i in range(n)],
        "status": ["partnered" if i % 3 == 0 else "not partnered" for i in range(n)],
    })
    agg, cell = worldmap.aggregate_points(pts)
    assert cell > 0 and len(agg) <= worldmap.MAX_POINTS
    assert agg["count"].sum() == n
    assert agg.groupby("status")["count"].sum()["partnered"] == len(range(0, n, 3))
    few, cell0 = worldmap.aggregate_points(pts.head(100))
    assert cell0 == 0 and len(few) == 100


def test_options_are_remembered_per_dataset_object(data: dd.Dataset) -> None:
    """A page run asks for the sidebar's options several times: the same dataset object answers from memory, a
    copy to change freely; another dataset (another store state) gets its own, and is not kept alive by it."""
    import copy
    import gc
    import weakref

    first = dd.options(data)
    first["regions"].append("Atlantis")  # the caller's copy
    again = dd.options(data)
    assert "Atlantis" not in again["regions"] and again == dd._options(data, dd.DEFAULT_SCHEME)
    other = copy.deepcopy(data)
    other.institutions = other.institutions[other.institutions["iso2"] == "NL"]
    assert dd.options(other)["countries"] == ["NL"]
    assert dd.options(data)["countries"] != ["NL"]
    gone = weakref.ref(other)
    del other
    gc.collect()
    assert gone() is None

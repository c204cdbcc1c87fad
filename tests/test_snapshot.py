"""`glamkg snapshot`: dated, append-only history of every gap metric, recomputed point-in-time correct.

The store is the dashboard fixture (tests/dashboard_fixture.py); expected figures come from its lists by hand.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import dashboard_fixture as fx
import pandas as pd
import pytest

import kg
from kg.cli.app import main
from kg.gaps import history
from kg.model.entities import Claim, Record, to_json
from kg.model.values import Time

# Wikimedia movement regions of the fixture's countries (schemas/regions-wikimedia.yaml)
NWE, SSA, LAC = "Northern and Western Europe", "Sub-Saharan Africa", "Latin America and the Caribbean"


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    return fx.build_store(tmp_path / "store")


def value(
    path: Path, snap: int, group: str, measure: str, grouping: str = "wikimedia", baseline: str = "institutions"
) -> float:
    rows = history.values(history.path_for(path), [snap], grouping=grouping, baseline=baseline, measures=[measure])
    hit = rows[rows["group"] == group]
    assert len(hit) == 1, rows
    return float(hit["value"].iloc[0])


def snapshot(store: Path, *args: str) -> int:
    assert main(["snapshot", "--store", str(store), *args]) == 0
    return int(history.snapshots(history.path_for(store))["id"].max())


def test_a_snapshot_dated_before_a_partnership_start_does_not_count_it(store: Path) -> None:
    # P3 (Windhoek, Namibia: Sub-Saharan Africa) starts in 2022 with two contributions (2022, 2023)
    start = next(int(row[4]) for row in fx.PARTNERSHIPS if row[0] == fx.P3)
    before = snapshot(store, "--as-of", f"{start - 1}-12-31")
    on = snapshot(store, "--as-of", f"{start}-06-30")
    assert value(store, before, SSA, "partnerships") == 0
    assert value(store, before, SSA, "partnered_institutions") == 0
    assert value(store, before, SSA, "contributions") == 0
    assert value(store, before, SSA, "institutions") == 1  # the museum (inception 1958) was there
    assert value(store, on, SSA, "partnerships") == 1
    assert value(store, on, SSA, "contributions") == 1  # C3 (2022); C4 is dated 2023
    # P1 (2019) and P2 (2020) in Europe: NL {P1, P2} + DE {P2}, counted per country as the gap table does
    assert value(store, before, NWE, "partnerships") == 3
    # the same on the UN M49 level, whose group is Africa
    assert value(store, before, "Africa", "partnerships", grouping="region") == 0
    assert value(store, on, "Africa", "partnerships", grouping="region") == 1


def test_items_recorded_after_the_date_are_not_counted(store: Path) -> None:
    """A partnership of 2019 entered in 2024 (its reference's `retrieved` date) is back-filled: not in 2021."""
    late = fx.qid(41)
    ref = [[("retrieved", Time("2024-03-01"))]]
    rec = Record(
        late,
        "partnership",
        labels={"en": "Utrecht back-filled partnership"},
        claims=[
            Claim("instance_of", fx.GLAM_PARTNERSHIP, references=ref),
            Claim("participant", fx.I2),
            Claim("start_time", Time("2019")),
        ],
    )
    from kg.store import Store

    with Store.open(store) as st:
        st.write_entities([to_json(rec)])
    in_2021 = snapshot(store, "--as-of", "2021-06-30")
    in_2024 = snapshot(store, "--as-of", "2024-06-30")
    assert value(store, in_2021, NWE, "partnered_institutions") == 2  # I1, I3
    assert value(store, in_2024, NWE, "partnered_institutions") == 3  # and I2


def test_snapshots_before_and_after_a_load(store: Path, tmp_path: Path) -> None:
    first = snapshot(store)
    sheet = tmp_path / "partnerships.csv"
    sheet.write_text(
        "id,label_en,instance_of,country,start_time,participant\n"
        f",Utrecht library partnership,glam_partnership,Q55,2021-05,{fx.I2}\n",
        encoding="utf-8",
    )
    assert main(["load", str(sheet), "--kind", "partnership", "--store", str(store)]) == 0
    second = snapshot(store)
    assert value(store, first, NWE, "partnerships") == 3
    assert value(store, second, NWE, "partnerships") == 4
    assert value(store, first, NWE, "coverage") == pytest.approx(2 / 4)
    assert value(store, second, NWE, "coverage") == pytest.approx(3 / 4)
    change = history.change(
        history.values(history.path_for(store), [first]), history.values(history.path_for(store), [second])
    )
    counts = change[change["measure"].isin(["institutions", "partnered_institutions", "partnerships", "contributions"])]
    moved = counts[(counts["change"].fillna(0) != 0) & (counts["grouping"] == "country")]
    assert set(moved["group"]) == {"NL"}  # the load touched the Netherlands' counts only
    assert set(moved["measure"]) == {"partnered_institutions", "partnerships"}
    # recomputed for a date before the load, the loaded partnership (recorded today) does not count
    today = dt.datetime.now(dt.UTC).date()
    earlier = snapshot(store, "--as-of", (today - dt.timedelta(days=400)).isoformat())
    assert value(store, earlier, NWE, "partnerships") == 3


def test_snapshot_records_date_generation_label_schemes_and_version(store: Path) -> None:
    sid = snapshot(store, "--as-of", "2023-01-15")
    row = history.snapshots(history.path_for(store)).set_index("id").loc[sid]
    from kg.store import Store

    with Store.open(store, read_only=True) as st:
        generation = st.generation()
    assert row["as_of"] == "2023-01-15"
    assert row["generation"] == str(generation)
    assert row["dataset"] == fx.LABEL and bool(row["synthetic"]) is True
    assert row["glamkg_version"] == kg.__version__
    assert {"wikimedia", "region", "continent", "country"} <= set(
        pd.read_json(__import__("io").StringIO(row["schemes"]), typ="series").index
    )
    rows = history.values(history.path_for(store), [sid])
    assert set(rows["baseline"]) == {"institutions", "population"}
    assert {"coverage", "ri_partnerships", "gini_partnerships", "theil_total_contributions"} <= set(rows["measure"])
    assert set(rows["evidence"]) == {"any"}


def test_the_history_is_append_only(store: Path) -> None:
    a = snapshot(store)
    path = history.path_for(store)
    size = os.path.getsize(path)
    b = snapshot(store)
    assert (a, b) == (1, 2) and os.path.getsize(path) > size
    con = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE metrics SET value = 0")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM snapshots")
    finally:
        con.close()
    first, second = (history.values(path, [i]).drop(columns="snapshot") for i in (a, b))
    pd.testing.assert_frame_equal(first.reset_index(drop=True), second.reset_index(drop=True))


def test_a_bad_date_is_refused_with_the_expected_form(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "--store", str(store), "--as-of", "May 2021"]) == 2
    err = capsys.readouterr().err
    assert "expected a date like 2024-06-30" in err and "May 2021" in err
    assert not history.path_for(store).exists()


def test_snapshot_list(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "--list", "--store", str(store)]) == 0
    assert "no snapshots yet" in capsys.readouterr().err
    snapshot(store, "--as-of", "2020-02-02")
    capsys.readouterr()
    assert main(["snapshot", "--list", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "as of 2020-02-02" in out and "SYNTHETIC" in out


def test_no_store_is_a_store_error(tmp_path: Path) -> None:
    assert main(["snapshot", "--store", str(tmp_path / "nothing")]) == 3


def test_a_snapshot_of_today_counts_what_gaps_counts_undated_partnerships_too(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An undated partnership (start loaded as "unknown", Commons evidence, an impact report's) counts from its
    recorded date, and always in a snapshot of today: the same numbers as `glamkg gaps`."""
    from kg.model.values import SOMEVALUE
    from kg.store import Store

    undated = Record(
        fx.qid(42),
        "partnership",
        labels={"en": "Utrecht partnership of unknown start"},
        claims=[
            Claim("instance_of", fx.GLAM_PARTNERSHIP, references=[[("retrieved", Time("2024-03-01"))]]),
            Claim("participant", fx.I2),
            Claim("start_time", SOMEVALUE),
        ],
    )
    with Store.open(store) as st:
        st.write_entities([to_json(undated)])
    today = snapshot(store)
    capsys.readouterr()
    assert main(["gaps", "--by", "country", "--format", "csv", "--store", str(store)]) == 0
    import io

    gaps = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False).set_index("group")
    for group, row in gaps.iterrows():
        assert value(store, today, str(group), "partnerships", grouping="country") == row["partnerships"]
    assert value(store, today, "NL", "partnerships", grouping="country") == 3  # P1, P2 and the undated one
    before_recorded = snapshot(store, "--as-of", "2024-02-01")
    after_recorded = snapshot(store, "--as-of", "2024-06-30")
    assert value(store, before_recorded, "NL", "partnerships", grouping="country") == 2
    assert value(store, after_recorded, "NL", "partnerships", grouping="country") == 3


def test_a_relative_store_path_and_a_damaged_history_are_clear(
    store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(store)
    assert main(["snapshot", "--store", "."]) == 0
    assert history.path_for(".") == store.with_name(store.name + history.SUFFIX)
    assert history.path_for(".").is_file()
    history.path_for(".").write_bytes(b"garbage, not SQLite")
    capsys.readouterr()
    assert main(["snapshot", "--list", "--store", "."]) != 0
    err = capsys.readouterr().err
    assert "metrics history" in err and "Traceback" not in err

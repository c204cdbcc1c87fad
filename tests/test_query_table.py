"""`glamkg query run` writes CSV and the terminal's table without pandas (kg.query.table): the same bytes as the
DataFrame path, on every saved query and on answers with every kind of value; what it cannot write the same way
goes through the DataFrame path; and the command does not import pandas for them (a third of its start-up)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyoxigraph as ox
import pytest
import query_fixture_data as fx

from kg import query
from kg.query import results, table
from kg.query.table import Table
from kg.query.terms import Col

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return fx.store()


def dataframe_csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S")  # what kg.cli.query._render writes


def dataframe_cells(df: pd.DataFrame) -> list[list[str]]:
    rows = df.itertuples(index=False)
    return [["" if not isinstance(v, list) and pd.isna(v) else str(v) for v in row] for row in rows]


CASES = [(q.name, {}) for q in query.catalog()] + [
    ("institutions_per_type", {"country": "NL", "lang": "nl"}),
    ("institutions_locations", {"country": "NL"}),
    ("quality_institutions_missing_isil", {"limit": "2"}),
    ("partnerships_per_year", {"region": "Europe", "from_year": "2015"}),
    ("partnerships_active_in_year", {"year": "2021", "lang": "nl"}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]}")
def test_every_saved_query_writes_the_same_bytes_without_pandas(store: ox.Store, case: tuple[str, dict]) -> None:
    name, params = case
    plain = query.run(name, params=params, store=store, plain=True)
    frame = query.run(name, params=params, store=store)
    assert isinstance(plain, Table), f"{name}: the plain path fell back to a DataFrame"
    assert list(plain.names) == list(frame.columns)
    assert plain.csv() == dataframe_csv(frame)
    assert list(plain.rows(terminal=True)) == dataframe_cells(frame)


def answer(**columns: Col) -> tuple[list[str], list[Col], int]:
    n = len(next(iter(columns.values())).values)
    return list(columns), list(columns.values()), n


TRICKY = {
    "ints": Col(["int", None, "int", "int"], ["3", None, "-12", "+7"]),
    "big_ints": Col(["int", "int", None, "int"], ["1", str(2**63), None, "5"]),  # past Int64: floats
    "floats": Col(["float", "float", "int", "float"], ["1e-05", "INF", "2", "NaN"]),
    "more_floats": Col(
        ["float", None, "float", "float"], ["-0.0", None, "52.37123456789012", "1.2345678901234568e+17"]
    ),
    "bools": Col(["bool", "bool", None, "bool"], ["true", "0", None, "1"]),
    "dates": Col(
        ["date", None, "date", "date"], ["2020-01-02T03:04:05Z", None, "1999-12-31T00:00:00Z", "1000-01-01T00:00:00Z"]
    ),
    "points": Col(
        ["wkt"] * 4,
        ["Point(4.9 52.37)", "POINT(-70.5 -33)", "<http://www.wikidata.org/entity/Q2> Point(1 2)",
         "LINESTRING(1 2, 3 4)"],
    ),
    "labels": Col(["lang", "lang", "string", None], ["Rijksmuseum", "musée", "plain", None], ["en", "fr", None, None]),
    "iris": Col(
        ["uri", "uri", "uri", None],
        ["http://www.wikidata.org/entity/Q190804", "https://glamkg.invalid/entity/Q1000000000001",
         "http://example.org/x", None],
    ),
    "mixed": Col(
        ["uri", "string", "uri", "bnode"],
        ["http://www.wikidata.org/entity/Q5", "http://www.wikidata.org/entity/Q6", "http://example.org/a,b", "b0"],
    ),
    "strings": Col(["string"] * 4, ['a,b', 'x"y', "l\nm", ""]),
    # the column-at-a-time paths (kg.query.table: points in one pass, repeated IRIs once, cells quoted by need)
    "plain_points": Col(["wkt", None, "wkt", "wkt"], ["Point(4.9 52.37)", None, "Point(1-2 3)", "Point(-0.5 1e3)"]),
    "points_newline": Col(["wkt", "wkt", None, "wkt"], ["Point(1 2)\nPoint(3 4)", "Point(5 6)", None, "Point(7 8)"]),
    "repeated_iris": Col(
        ["uri", "uri", None, "uri"],
        ["http://www.wikidata.org/entity/Q5", "http://www.wikidata.org/entity/Q5", None, "http://example.org/Q5"],
    ),
    "more_strings": Col(["string", "string", None, "string"], ["a\rb", " lead", None, "tab\there"]),
}


@pytest.mark.parametrize("shorten", [True, False])
def test_answers_with_every_kind_of_value_write_the_same_bytes(shorten: bool) -> None:
    names, cols, n = answer(**TRICKY)
    plain = table.from_columns(names, cols, n, shorten_ids=shorten)
    frame = results.frame(names, cols, n, shorten_ids=shorten)
    assert plain is not None
    assert plain.names == list(frame.columns)
    assert plain.csv() == dataframe_csv(frame)
    assert list(plain.rows(terminal=True)) == dataframe_cells(frame)
    # and the values themselves: the points' coordinates, the shortened ids, the big integer as a float
    lon = plain.columns[plain.names.index("points_lon")]
    assert lon[:3] == [4.9, -70.5, 1.0] and math.isnan(lon[3])
    ids = plain.columns[plain.names.index("iris")]
    assert ids[0] == ("Q190804" if shorten else "http://www.wikidata.org/entity/Q190804")
    assert plain.kinds[plain.names.index("big_ints")] == "float"


@pytest.mark.parametrize(
    "dates",
    [
        ["-0500-01-01T00:00:00Z"],  # BCE
        ["2020-01-02T03:04:05+02:00"],  # a time zone
        ["2020-01-02T03:04:05.5Z"],  # a fraction of a second
        ["2020-01-02"],  # a date
        ["0999-01-01T00:00:00Z"],  # before the year 1000
        ["2020-01-02T03:04:05Z", "2020-02-30T00:00:00Z"],  # a day that does not exist
    ],
)
def test_dates_the_plain_path_cannot_write_the_same_way_go_through_pandas(dates: list[str]) -> None:
    names, cols, n = answer(d=Col(["date"] * len(dates), dates))
    assert table.from_columns(names, cols, n) is None


def test_an_answer_without_variables_goes_through_pandas() -> None:
    assert table.from_columns([], [], 3) is None


def run_cli(*args: str, check_pandas: bool = True) -> tuple[str, bool]:
    """Run glamkg in a fresh interpreter; the output and whether pandas was imported."""
    code = (
        "import sys\nfrom kg.cli import main\nsys.argv = ['glamkg', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print('PANDAS' if 'pandas' in sys.modules else 'NO-PANDAS', file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True)
    return done.stdout, "NO-PANDAS" not in done.stderr.splitlines()[-1]


def test_the_command_writes_csv_and_tables_without_importing_pandas(tmp_path: Path) -> None:
    db = tmp_path / "glamkg-data"
    disk = ox.Store(str(db))
    disk.load(fx.TURTLE.encode(), format=ox.RdfFormat.TURTLE)
    disk.flush()
    del disk
    target = tmp_path / "out.csv"
    args = ["query", "run", "institutions_locations", "--store", str(db), "--format", "csv", "-o", str(target)]
    _, imported = run_cli(*args)
    assert not imported
    expected = dataframe_csv(query.run("institutions_locations", store=fx.store()))  # the map is unordered
    assert sorted(target.read_text(encoding="utf-8").splitlines()) == sorted(expected.splitlines())
    shown, imported = run_cli("query", "run", "institutions_per_type", "--store", str(db))
    assert not imported and "institutions" in shown and "rows" in shown
    # JSON still goes through the DataFrame (pandas' number formatting)
    _, imported = run_cli("query", "run", "institutions_per_type", "--store", str(db), "--format", "json")
    assert imported

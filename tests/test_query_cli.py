"""``glamkg query list | show | run`` end to end, through kg.cli.main (exit codes, formats, errors)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pyoxigraph as ox
import pytest
import query_fixture_data as fx

from kg.cli import main


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "glamkg-data"
    s = ox.Store(str(path))
    s.load(fx.TURTLE.encode(), format=ox.RdfFormat.TURTLE)
    s.flush()
    del s
    return path


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "list"]) == 0
    text = capsys.readouterr().out
    assert "institutions_per_country" in text and "residencies_wikimedians_in_residence" in text


def test_show_has_wdqs_link(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "show", "partnerships_per_year"]) == 0
    text = capsys.readouterr().out
    link = next(line for line in text.splitlines() if line.startswith("https://query.wikidata.org/#"))
    assert "SELECT ?year ?country" in unquote(link)
    assert "--param from_year=<year> = 1990" in text


def test_run_csv_with_param(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["query", "run", "institutions_per_type", "--store", str(store_dir), "-p", "country=NL", "-f", "csv"])
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "type,typeLabel,typeLabel_lang,institutions"
    assert lines[1:] == ["Q166118,archives,en,1", "Q207694,art museum,en,1", "Q22806,national library,en,1"]


def test_run_json_and_parquet(store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "run", "institutions_locations", "--store", str(store_dir), "-f", "json"]) == 0
    records = {r["item"]: r for r in json.loads(capsys.readouterr().out)}  # the map query is unordered
    assert len(records) == 5 and records["Q100001"]["coordinates_lon"] == 4.404
    out = tmp_path / "oldest.parquet"
    args = ["query", "run", "institutions_oldest_per_country", "--store", str(store_dir), "-f", "parquet"]
    args += ["-o", str(out)]
    assert main(args) == 0
    df = pd.read_parquet(out)
    assert df["item"].tolist()[0] == "Q100002" and df["inception"].dtype.kind == "M"


def test_run_adhoc_wdqs_file(store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "mine.rq"
    f.write_text(
        "SELECT ?item ?itemLabel WHERE { ?item wdt:P31 wd:Q22806 .\n"
        ' SERVICE wikibase:label { bd:serviceParam wikibase:language "nl,en". } }\n',
        encoding="utf-8",
    )
    assert main(["query", "run", str(f), "--store", str(store_dir), "-f", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "Q1526131,Koninklijke Bibliotheek,nl"


@pytest.mark.parametrize(("name", "data"), [
    ("old-mac.rq", b"#title: Old Mac line ends\rSELECT ?item ?itemLabel WHERE { ?item wdt:P31 wd:Q22806 . # nl\r"
                   b' SERVICE wikibase:label { bd:serviceParam wikibase:language "nl,en". } }\r'),
    ("notepad.rq", b"\xef\xbb\xbf#title: Saved by Notepad with a byte order mark\r\n"
                   b"SELECT ?item ?itemLabel WHERE { ?item wdt:P31 wd:Q22806 .\r\n"
                   b' SERVICE wikibase:label { bd:serviceParam wikibase:language "nl". } }'),
])
def test_a_wdqs_file_with_other_line_ends_or_a_bom_runs(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes
) -> None:
    """A comment ends at a lone CR as SPARQL says (it hid the label SERVICE after it), and a UTF-8 byte order
    mark is not the query's first character (it was refused: "found '\\ufeff'")."""
    f = tmp_path / name
    f.write_bytes(data)
    assert main(["query", "run", str(f), "--store", str(store_dir), "-f", "csv"]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.splitlines()[1] == "Q1526131,Koninklijke Bibliotheek,nl"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["query", "run", "institutions_per_type", "-p", "country=Netherlands"], 2, "expected an ISO 3166-1"),
        (["query", "run", "institutions_per_type", "-p", "country"], 2, "expected NAME=VALUE"),
        (["query", "run", "no_such_query"], 2, "no saved query named 'no_such_query'"),
        (["query", "run", "institutions_per_type", "-f", "parquet"], 2, "needs --output"),
        (["query", "run", "institutions_per_type", "-e", "ftp://x"], 2, "expected --endpoint local, wikidata"),
    ],
)
def test_errors_are_one_line(
    store_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    assert main([*args, "--store", str(store_dir)]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT ?x WHERE { ?x ", "bad.rq, line 1, column 17: SPARQL syntax error: this { is never closed"),
        ("SELECT ?o WHERE { ?s ?p ?o FILTER(<http://example.org/f>(?o)) }", "function <http://example.org/f> at line"),
    ],
)
def test_bad_query_file_is_one_line_and_exit_2(
    store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    f = tmp_path / "bad.rq"
    f.write_text(text, encoding="utf-8")
    assert main(["query", "run", str(f), "--store", str(store_dir)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_update_refused(store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "drop.rq"
    f.write_text("DELETE WHERE { ?s ?p ?o }", encoding="utf-8")
    assert main(["query", "run", str(f), "--store", str(store_dir)]) == 2
    assert "read queries only" in capsys.readouterr().err


def test_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "run", "institutions_per_country", "--store", str(tmp_path / "nothing")]) == 3
    assert "no store at" in capsys.readouterr().err


def test_run_with_limit_and_output_file(store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "isil.csv"
    args = ["query", "run", "quality_institutions_missing_isil", "--store", str(store_dir), "-p", "limit=2"]
    assert main([*args, "-f", "csv", "-o", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "item,itemLabel,itemLabel_lang,type,country"
    assert [line.split(",")[0] for line in lines[1:]] == ["Q100001", "Q100003"]
    assert main([*args[:-1], "limit=lots"]) == 2
    assert "expected a row count from 1 to 10,000,000 or 'all'" in capsys.readouterr().err


def test_the_output_file_s_extension_picks_the_format(store_dir: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`-o out.csv` writes CSV (it once wrote the terminal table's text there: an empty answer read "Empty
    DataFrame"); .json and .parquet likewise; a --format that contradicts the extension is refused."""
    base = ["query", "run", "institutions_per_type", "--store", str(store_dir)]
    assert main([*base, "-o", str(tmp_path / "out.csv")]) == 0
    header = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "type,typeLabel,typeLabel_lang,institutions"
    assert main([*base, "-o", str(tmp_path / "out.json")]) == 0
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))[0]["institutions"] > 0
    assert main([*base, "-o", str(tmp_path / "out.parquet")]) == 0
    assert (tmp_path / "out.parquet").read_bytes()[:4] == b"PAR1"
    empty = ["query", "run", "residencies_wikimedians_in_residence", "--store", str(store_dir)]
    assert main([*empty, "-o", str(tmp_path / "empty.csv")]) == 0
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8").startswith("person,personLabel,")
    assert main([*base, "-o", str(tmp_path / "table.txt")]) == 0  # no format named: the table
    assert "institutions" in (tmp_path / "table.txt").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main([*base, "-f", "json", "-o", str(tmp_path / "wrong.csv")]) == 2
    err = capsys.readouterr().err
    assert "--format json but --output" in err and "csv file" in err
    assert not (tmp_path / "wrong.csv").exists()

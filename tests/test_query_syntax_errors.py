"""``glamkg query run FILE.rq`` with a SPARQL syntax error: the file, the line and column in the user's own text
(not in the text rewritten for the local store), what was expected and a hint (kg.query.sparql_errors)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli import main


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "glamkg-data"
    s = ox.Store(str(path))
    s.flush()
    del s
    return path


def run_file(store_dir: Path, path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    path.write_text(text, encoding="utf-8")
    assert main(["query", "run", str(path), "--store", str(store_dir)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_an_unclosed_brace_is_reported_where_it_opened_not_at_the_end(
        store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # wd:/wdt: are declared by glamkg in front of line 1, and the label service is rewritten: neither moves it
    text = ("SELECT ?item ?itemLabel WHERE {\n"
            "  ?item wdt:P31 wd:Q33506 .\n"
            "  OPTIONAL { ?item wdt:P17 ?country .\n"
            "  SERVICE wikibase:label { bd:serviceParam wikibase:language \"en\" . }\n"
            "}\n")
    err = run_file(store_dir, tmp_path / "unclosed.rq", text, capsys)
    assert f"{tmp_path / 'unclosed.rq'}, line 3, column 12: SPARQL syntax error: this {{ is never closed" in err
    assert "expected a } to close it, found the end of the query (line 5)" in err
    assert "hint: add the missing }" in err


def test_an_unclosed_brace_of_a_query_without_service(
        store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = run_file(store_dir, tmp_path / "cut.rq", "SELECT ?item WHERE {\n  ?item wdt:P31 wd:Q33506 .\n", capsys)
    assert f"{tmp_path / 'cut.rq'}, line 1, column 20: SPARQL syntax error: this {{ is never closed" in err


@pytest.mark.parametrize(("word", "keyword"), [("OPTIONNAL", "OPTIONAL"), ("FILTR", "FILTER")])
def test_a_misspelt_keyword_in_line_3_is_named_with_its_line_and_column(
        store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], word: str, keyword: str) -> None:
    text = ("# a query copied from a colleague\n"
            "SELECT ?item WHERE { ?item wdt:P31 wd:Q33506 .\n"
            f"    {word} {{ ?item rdfs:label ?label }}\n"
            "}\n")
    err = run_file(store_dir, tmp_path / "typo.rq", text, capsys)
    assert f"{tmp_path / 'typo.rq'}, line 3, column 5: SPARQL syntax error: expected " in err
    assert f"found '{word}'" in err and f"did you mean {keyword}?" in err
    assert f"(in: {word} {{ ?item rdfs:label ?label }})" in err


def test_an_error_on_line_1_is_at_its_column_in_the_user_s_text(
        store_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # glamkg puts PREFIX wd: ... on line 1 before Oxigraph reads it: the column is the user's
    err = run_file(store_dir, tmp_path / "one.rq", "SELECT ?x WHERE { ?x wdt:P31 wd:Q5 . ?x }", capsys)
    assert f"{tmp_path / 'one.rq'}, line 1, column 41: SPARQL syntax error: expected " in err
    assert "found '}'" in err

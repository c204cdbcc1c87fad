"""``glamkg load``: a country cell naming an item known not to be a country (a class of schemas/model.yaml, an
institution of the store) is a located problem, while an item glamkg does not know at all is accepted as before
(kg.load.countries); the hints that say to change the mapping name the user's ``--mapping`` file."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli import main

HEADER = "label_en,instance_of,country,inception\n"


def load(tmp_path: Path, name: str, body: str, store: Path, *args: str) -> int:
    sheet = tmp_path / name
    sheet.write_text(HEADER + body, encoding="utf-8")
    return main(["load", str(sheet), "--kind", "institution", "--store", str(store), *args])


def test_a_class_in_the_country_column_is_refused_where_it_is(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    body = "Museum A,museum,Q55,1900\nMuseum B,museum,Q33506,1901\nMuseum C,museum,museum,1902\n"
    assert load(tmp_path, "musea.csv", body, tmp_path / "store") == 2
    err = capsys.readouterr().err
    for row in (3, 4):  # Q33506, and "museum" (its key) read as Q33506
        assert (f"musea.csv: row {row}, column 'country': expected a country item (one of schemas/countries.csv, "
                "like Q55 for the Netherlands), found Q33506 (the class museum of schemas/model.yaml); hint: write "
                "the country's Q-id") in err
    assert "row 2," not in err and "2 problems in 2 of 3 rows; nothing was written" in err


def test_an_item_of_the_store_that_is_not_a_country_is_refused_and_an_unknown_one_is_not(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store"
    assert load(tmp_path, "first.csv", "Museum A,museum,Q55,1900\n", store) == 0
    query = tmp_path / "which.rq"
    query.write_text('SELECT ?item WHERE { ?item rdfs:label "Museum A"@en }', encoding="utf-8")
    assert main(["query", "run", str(query), "--store", str(store), "-o", str(tmp_path / "which.csv")]) == 0
    [museum] = (tmp_path / "which.csv").read_text(encoding="utf-8").split()[1:]
    capsys.readouterr()
    body = f"Museum B,museum,{museum},1901\nMuseum C,library,Q999999999,1902\n"
    assert load(tmp_path, "second.csv", body, store) == 2
    err = capsys.readouterr().err
    assert (f"second.csv: row 2, column 'country': expected a country item (one of schemas/countries.csv, like Q55 "
            f"for the Netherlands), found {museum} (an item of the store, an instance of museum)") in err
    assert "row 3" not in err  # Q999999999: neither the schemas nor the store know it (gaps says it is not counted)
    assert load(tmp_path, "third.csv", "Museum C,library,Q999999999,1902\n", store) == 0


def test_the_hints_name_the_user_s_own_mapping_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "mine.yaml"
    mapping.write_text("kind: institution\ncolumns:\n  Naam: label_nl\n  Soort: instance_of\n  Land: country\n"
                       "  Opgericht: inception\n  Bezoekers: P1174\n", encoding="utf-8")
    sheet = tmp_path / "musea.csv"
    sheet.write_text("Naam,Soort,Land,Opgericht,Bezoekers\nMuseum A,ruimteschip,Q55,1900,1200\n"
                     "Museum B,museum,Q55,mei 1901,1.500\nMuseum C,museum,Q55,1902,2.000\n", encoding="utf-8")
    assert main(["load", str(sheet), "--mapping", str(mapping), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert f"add a `values:` table for this column in {mapping}" in err  # ruimteschip: not a class
    assert f'set date_formats in {mapping} (e.g. "%d-%m-%Y")' in err  # mei 1901
    assert f"`locale: nl` (or de, fr, ...) in {mapping}, or `decimal:`" in err  # 1.500: thousands or decimals
    assert "a mapping file" not in err
    # without --mapping (the template's columns) the hints say "a mapping file", as before
    sheet.write_text("label_en,instance_of,country,inception\nMuseum A,ruimteschip,Q55,mei 1900\n", encoding="utf-8")
    assert main(["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "add a `values:` table for this column in a mapping file" in err
    assert 'set date_formats in a mapping file (e.g. "%d-%m-%Y")' in err


def test_the_reference_hint_of_a_target_names_the_mapping_file(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "mine.yaml"
    mapping.write_text("kind: institution\ncolumns:\n  Naam: label_nl\n  Soort: instance_of\n  Land: country\n",
                       encoding="utf-8")
    sheet = tmp_path / "musea.csv"
    sheet.write_text("Naam,Soort,Land\nMuseum A,museum,Q55\n", encoding="utf-8")
    out = tmp_path / "out.qs"
    assert main(["load", str(sheet), "--mapping", str(mapping), "--target", "quickstatements", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"found 'file' in 'file:musea.csv'; hint: give the source's address: --reference-url https://... or " \
           f"`reference: {{url: https://...}}` in {mapping} (the store keeps file: references" in err
    assert not out.exists()

"""Issue 13, "No silent misreadings": each case once wrote wrong data with exit 0 or gave an unclear message; each
now stops (or reports) with a located problem, tested the way a volunteer meets it, through `glamkg load`.
(A formula read as an empty cell: tests/test_xlsx.py; "425.007" without a locale: tests/test_mapping.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli import main
from kg.store import Store


def run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *args: str, name: str = "in.csv"
) -> tuple[int, str]:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    code = main(["load", str(src), "--store", str(tmp_path / "store"), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_negative_count_on_a_property_outside_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(
        tmp_path, capsys, "label_en,country,instance_of,P1174\nRijksmuseum,Q55,museum,-25\n", "--kind", "institution"
    )
    assert code == 2
    assert "row 2, column 'P1174': expected a number >= 0, found '-25'" in text
    assert "counts and sizes cannot be negative" in text
    assert not (tmp_path / "store").exists()


def test_an_invented_property_id_is_refused_before_any_quickstatements_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "qs.txt"
    code, text = run(
        tmp_path,
        capsys,
        "id,label_en,country,instance_of,P99999999\nQ190804,Rijksmuseum,Q55,museum,x\n",
        "--kind",
        "institution",
        "--target",
        "quickstatements",
        "--reference-url",
        "https://example.org/musea.csv",
        "-o",
        str(out),
    )
    assert code == 2
    assert (
        "column 'P99999999': expected a property glamkg knows, found P99999999 is not a property glamkg knows" in text
    )
    assert "like P17" not in text
    assert not out.exists()


def test_a_datatype_in_the_mapping_does_not_make_an_invented_id_known(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: institution\ncolumns:\n  Bezoekers: {property: P99999999, datatype: quantity}\n")
    code, text = run(tmp_path, capsys, "label_en,country,instance_of,Bezoekers\nA,Q55,museum,5\n", "-m", str(mapping))
    assert code == 2
    assert "columns.Bezoekers: P99999999 is not a property glamkg knows" in text


def test_nothing_to_write_writes_no_quickstatements_file_and_lists_every_skip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"Museum {i},Q55,museum\n" for i in range(25))
    out = tmp_path / "qs.txt"
    code, text = run(
        tmp_path,
        capsys,
        "label_en,country,instance_of\n" + rows,
        "--kind",
        "institution",
        "--target",
        "quickstatements",
        "--reference-url",
        "https://example.org/musea.csv",
        "-o",
        str(out),
    )
    assert code == 5  # incomplete: nothing was written for these items
    assert not out.exists()  # an empty file would look like a finished batch
    assert "nothing to write: no QuickStatements file was written" in text
    assert "skipped 25" in text
    assert text.count("skipped Q") == 20
    assert "... and 5 more items skipped" in text


def test_an_unknown_start_date_is_unknown_value_not_an_invented_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = (
        "label_en,instance_of,participant,start_time,end_time\n"
        "Old agreement,glam_partnership,Q190804,unknown,2020\n"
        "New agreement,glam_partnership,Q190804,2021,\n"
    )
    code, text = run(tmp_path, capsys, sheet, "--kind", "partnership")
    assert code == 0, text
    with Store.open(tmp_path / "store", read_only=True) as st:
        ask = (
            "ASK { ?p <http://www.wikidata.org/prop/direct/P582> ?end ; <http://www.wikidata.org/prop/direct/P580> ?s ."
            " FILTER(isBlank(?s) || STRSTARTS(STR(?s), 'http://www.wikidata.org/.well-known/genid/')) }"
        )
        assert st.query(ask)
    assert run(tmp_path, capsys, sheet, "--kind", "partnership")[1].count("unchanged 2") == 1  # re-run: no change
    code, text = run(tmp_path, capsys, sheet.replace("unknown", ""), "--kind", "partnership", name="empty.csv")
    assert code == 2
    assert "row 2, column 'start_time': expected a start_time, or unknown when it cannot be known" in text


def test_unknown_is_only_for_dates_the_model_marks_unknowable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run(
        tmp_path, capsys, "label_en,country,instance_of,inception\nA,Q55,museum,unknown\n", "--kind", "institution"
    )
    assert code == 2
    assert "row 2, column 'inception'" in text


def test_a_row_in_another_delimiter_is_one_problem_not_an_empty_country(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = (
        "label_nl;country;instance_of;website\n"
        "Rijksmuseum;Q55;museum;https://www.rijksmuseum.nl/\n"
        "Mauritshuis,Q55,museum,https://www.mauritshuis.nl/\n"
    )
    code, text = run(tmp_path, capsys, sheet, "--kind", "institution")
    assert code == 2
    assert "row 3: expected 4 cells separated by semicolons, as in the header, found 1 cell holding 3 commas" in text
    assert "empty cell" not in text
    assert "1 problem in 1 of 2 rows" in text


def test_one_misspelt_column_is_one_problem_not_one_per_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = "".join(f"Museum {i},Q55,museum\n" for i in range(92))
    code, text = run(tmp_path, capsys, "label_en,contry,instance_of\n" + rows, "--kind", "institution")
    assert code == 2
    assert "column 'contry': expected a column name among" in text
    assert "did you mean 'country'?" in text
    assert (
        "column 'country': expected a column for country (required for every institution), found no value in "
        "any of the 92 rows" in text
    )
    assert "2 problems in 0 of 92 rows and the header" in text
    assert "rejected rows 92 of 92" in text
    assert "rejected rows 93" not in text


def test_a_misspelt_column_in_the_mapping_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("kind: institution\ncolumns:\n  Naam: label_nl\n  Lnad: country\n  Soort: instance_of\n")
    rows = "".join(f"Museum {i};Q55;museum\n" for i in range(10))
    code, text = run(tmp_path, capsys, "Naam;Land;Soort\n" + rows, "-m", str(mapping))
    assert code == 2
    assert "column 'Lnad': expected the column 'Lnad' named in" in text
    assert "did you mean 'Land'?" in text
    assert "2 problems in 0 of 10 rows and the header" in text  # not one problem per row
    assert "rejected rows 10 of 10" in text

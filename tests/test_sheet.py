"""kg.load.sheet: CSV/TSV/XLSX as volunteers save them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from kg.errors import InputError
from kg.load.sheet import read_sheet, sniff_delimiter, split_values


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ('"x,y";b;c\n1;2;3\n', ";"),  # the comma is inside quotes
    ],
)
def test_delimiter_is_sniffed(tmp_path: Path, text: str, delimiter: str) -> None:
    s = read_sheet(write(tmp_path, "f.csv", text))
    assert s.delimiter == delimiter
    assert len(s.columns) == 3
    assert len(s.rows[0].values) == 3


def test_sniff_single_column_defaults_to_comma() -> None:
    assert sniff_delimiter("label_en") == ","


def test_tsv_suffix_means_tab(tmp_path: Path) -> None:
    s = read_sheet(write(tmp_path, "f.tsv", "a,b\tc\n1,2\t3\n"))
    assert s.columns == ["a,b", "c"]


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    s = read_sheet(write(tmp_path, "f.csv", "\ufeffnaam;land\nMusée;Q55\n"))
    assert s.columns == ["naam", "land"]
    assert s.rows[0]["naam"] == "Musée"


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    p.write_bytes("a\tb\nMusée\t2\n".encode("utf-16"))
    s = read_sheet(p)
    assert s.encoding == "utf-16"
    assert s.rows[0]["a"] == "Musée"


def test_other_encoding_gives_a_clear_error(tmp_path: Path) -> None:
    p = write(tmp_path, "f.csv", "label_en,country\nRijksmuseum,Q55\nMusée d'Orsay,Q142\n".encode("cp1252"))
    with pytest.raises(InputError) as e:
        read_sheet(p)
    msg = str(e.value)
    offset = p.read_bytes().index(b"\xe9")
    assert "utf-8" in msg
    assert f"byte offset {offset}" in msg
    assert "line 3" in msg
    assert "--encoding" in msg and "UTF-8" in msg
    s = read_sheet(p, encoding="cp1252")
    assert s.rows[1]["label_en"] == "Musée d'Orsay"


def test_unknown_encoding_name(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown encoding"):
        read_sheet(write(tmp_path, "f.csv", "a\n1\n"), encoding="klingon-8")


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    text = 'label_en,country\n\nA,Q55\n,\n\nB,Q55\n"C\nsecond line",Q55\nD,Q55\n'
    s = read_sheet(write(tmp_path, "f.csv", text))
    assert [(r.number, r["label_en"]) for r in s.rows] == [
        (3, "A"),
        (6, "B"),
        (7, "C\nsecond line"),  # one record, the row number a spreadsheet shows
        (8, "D"),
    ]


def test_header_after_blank_lines_keeps_numbers(tmp_path: Path) -> None:
    s = read_sheet(write(tmp_path, "f.csv", "\n\nlabel_en\nA\n"))
    assert s.rows[0].number == 4


def test_too_many_cells_names_the_row(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"row 3: expected at most 2 cells"):
        read_sheet(write(tmp_path, "f.csv", "a,b\n1,2\n1,2,3\n"))


def test_trailing_empty_cells_are_fine(tmp_path: Path) -> None:
    s = read_sheet(write(tmp_path, "f.csv", "a,b,,\n1,2,,\n"))
    assert s.columns == ["a", "b"]
    assert s.rows[0].values == {"a": "1", "b": "2"}


def test_duplicate_columns_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"row 1: expected unique column names, found 'a' in columns 1 and 3"):
        read_sheet(write(tmp_path, "f.csv", "a,b,a\n1,2,3\n"))


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="header row"):
        read_sheet(write(tmp_path, "f.csv", "\n\n"))


def test_missing_and_old_formats(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_sheet(tmp_path / "nope.csv")
    with pytest.raises(InputError, match=r"\.xlsx"):
        read_sheet(write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0"))


def test_xlsx_keeps_types_and_row_numbers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["label_en", "quantity", "inception", "ratio"])
    ws.append(["A", 425007, dt.datetime(2021, 5, 17), 6.09])
    ws.append([None, None, None, None])  # blank row 3
    ws.append(["  B  ", 12, 1998, None])
    p = tmp_path / "f.xlsx"
    wb.save(p)
    s = read_sheet(p)
    assert s.format == "xlsx"
    assert [r.number for r in s.rows] == [2, 4]
    a, b = s.rows
    assert a["quantity"] == 425007 and a["ratio"] == 6.09
    assert a["inception"] == dt.datetime(2021, 5, 17)
    assert b["label_en"] == "B" and b["inception"] == 1998 and b["ratio"] == ""


def test_xlsx_named_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "notes"
    wb.active.append(["nothing"])
    ws = wb.create_sheet("data")
    ws.append(["label_en"])
    ws.append(["X"])
    p = tmp_path / "f.xlsx"
    wb.save(p)
    assert read_sheet(p, sheet_name="data").rows[0]["label_en"] == "X"
    with pytest.raises(InputError, match="worksheet named 'other'"):
        read_sheet(p, sheet_name="other")


def test_broken_xlsx(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read as an XLSX workbook"):
        read_sheet(write(tmp_path, "f.xlsx", b"not a zip"))


def test_split_values() -> None:
    assert split_values("a | b|| c") == ["a", "b", "c"]
    assert split_values("a;b", ";") == ["a", "b"]
    assert split_values("  ") == []
    assert split_values(12) == [12]
    assert split_values("a|b", "") == ["a|b"]

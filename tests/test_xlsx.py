"""Real Excel files (issue 13): formulas with stored values, hyperlinks, unnamed columns, merged headers, date
serials, hidden and explanatory sheets, totals rows; workbooks written by openpyxl, with the computed values a
spreadsheet program stores added to the XML (tests/xlsx_fixture.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from xlsx_fixture import Error, store_values

from kg.cli import main
from kg.load.mapping import Mapping
from kg.load.sheet import read_sheet
from kg.model.values import Time
from kg.store import Store

MAPPING = """\
kind: institution
language: nl
locale: nl
date_formats: ["%d-%m-%Y", "%Y"]
reference: {url: "https://example.org/musea", retrieved: "2024-05-01"}
columns:
  Naam: label
  Land: {property: country, values: {nederland: netherlands}}
  Type: {property: instance_of, values: {kunstmuseum: art_museum}}
  ISIL: isil
  Website: website
  Bezoekers: {property: P1174, datatype: quantity}
  Opgericht: inception
"""

CSV = """\
Naam;Land;Type;ISIL;Website;Bezoekers;Opgericht;Aandeel
Rijksmuseum;Nederland;kunstmuseum;NL-AmRM;https://www.rijksmuseum.nl/;2.700.000;1885;51,7
Van Gogh Museum;Nederland;kunstmuseum;NL-AmVGM;https://www.vangoghmuseum.nl/;2.100.000;1973;40,2
Mauritshuis;Nederland;kunstmuseum;;https://www.mauritshuis.nl/;425.007;01-01-2023;8,1
"""


def real_workbook(path: Path) -> Path:
    """The CSV's data as a publisher ships it: a hidden helper sheet first, a title row merged over the header,
    websites as =HYPERLINK(F3,"Klik") on an unnamed helper column and as a hyperlink cell, a computed share,
    a date whose cell lost its date format (a serial), a totals row, trailing empty rows, an explanation sheet."""
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "Hulp"
    hidden.sheet_state = "hidden"
    hidden.append(["intern", "niet laden"])
    ws = wb.create_sheet("Musea")
    ws.append(["Musea in Nederland, 2023"])
    ws.merge_cells("A1:H1")
    ws.append(["Naam", "Land", "Type", "ISIL", "Website", None, "Bezoekers", "Opgericht", "Aandeel"])
    ws.append(
        [
            "Rijksmuseum",
            "Nederland",
            "kunstmuseum",
            "NL-AmRM",
            '=HYPERLINK(F3,"Klik")',
            "https://www.rijksmuseum.nl/",
            2700000,
            1885,
            "=100*G3/G$6",
        ]
    )
    ws.append(
        [
            "Van Gogh Museum",
            "Nederland",
            "kunstmuseum",
            "NL-AmVGM",
            '=HYPERLINK(F4,"Klik")',
            "https://www.vangoghmuseum.nl/",
            2100000,
            1973,
            "=100*G4/G$6",
        ]
    )
    ws.append(["Mauritshuis", "Nederland", "kunstmuseum", None, "mauritshuis.nl", None, 425007, 44927, "=100*G5/G$6"])
    ws["E5"].hyperlink = "https://www.mauritshuis.nl/"
    ws.append([None, None, None, None, None, None, "=SUM(G3:G5)", None, "=SUM(I3:I5)"])
    for _ in range(3):
        ws.append([None] * 9)
    ws["K9"].number_format = "0.00"  # a formatted but empty cell far to the right and below
    wb.create_sheet("Toelichting").append(["Kolom", "Betekenis"])
    wb.save(path)
    store_values(
        path,
        {"E3": "Klik", "E4": "Klik", "I3": 51.7, "I4": 40.2, "I5": 8.1, "G6": 5225007, "I6": 100},
        sheet=2,
    )
    return path


def _load(tmp_path: Path, src: Path, store: str, *extra: str) -> int:
    mapping = tmp_path / "musea.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return main(["load", str(src), "--mapping", str(mapping), "--store", str(tmp_path / store), *extra])


def _triples(tmp_path: Path, store: str) -> list[str]:
    out = tmp_path / f"{store}.nt"
    with Store.open(tmp_path / store, read_only=True) as st:
        st.export(out, format="nt")
    return sorted(out.read_text(encoding="utf-8").splitlines())


def test_the_real_workbook_loads_the_same_items_as_the_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "musea.csv"
    csv_path.write_text(CSV, encoding="utf-8")
    xlsx_path = real_workbook(tmp_path / "musea.xlsx")
    assert _load(tmp_path, csv_path, "from-csv") == 0
    capsys.readouterr()
    assert _load(tmp_path, xlsx_path, "from-xlsx") == 0
    err = capsys.readouterr().err
    from_csv, from_xlsx = _triples(tmp_path, "from-csv"), _triples(tmp_path, "from-xlsx")
    assert from_xlsx == from_csv
    assert any("https://www.mauritshuis.nl/" in t and "P856" in t for t in from_xlsx)  # the hyperlink's target
    assert any('"2023-01-01T00:00:00Z"' in t and "P571" in t for t in from_xlsx)  # the date serial 44927
    assert "row 1 is a title above the header" in err
    assert "row 6 at the bottom holds only totals" in err
    assert "column F has no header: its 2 values were ignored" in err
    assert "not read: 'Hulp' (hidden), 'Toelichting'" in err


def test_a_formula_saved_without_its_value_is_a_located_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "script.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Musea"
    ws.append(["label_en", "country", "instance_of", "website", "site"])
    ws.append(["Rijksmuseum", "Q55", "art_museum", "=E2", "https://www.rijksmuseum.nl/"])
    wb.save(path)  # as a script saves it: no computed values
    code = main(["load", str(path), "--kind", "institution", "--store", str(tmp_path / "s")])
    out = capsys.readouterr()
    assert code == 2
    text = out.out + out.err
    assert "script.xlsx, sheet 'Musea': row 2, column 'website'" in text
    assert "the formula =E2 in cell D2 with no computed value" in text
    assert "save it again" in text
    assert not (tmp_path / "s").exists()  # nothing was written (the item is not created without its website)


def test_an_uncomputed_hyperlink_formula_still_gives_its_target_in_a_url_column(tmp_path: Path) -> None:
    path = tmp_path / "links.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["label_en", "website", "note"])
    ws.append(["Rijksmuseum", '=HYPERLINK("https://www.rijksmuseum.nl/","Klik")', "x"])
    wb.save(path)
    rows, problems, _ = Mapping.default("institution", unmapped="ignore").map_sheet(read_sheet(path))
    assert problems == []
    assert rows[0].values("P856") == ["https://www.rijksmuseum.nl/"]


def test_link_text_in_other_columns_and_error_values(tmp_path: Path) -> None:
    path = tmp_path / "e.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["label_en", "isil", "P1174"])
    ws.append(['=HYPERLINK("https://www.rijksmuseum.nl/","Rijksmuseum")', "NL-AmRM", "=1/0"])
    wb.save(path)
    store_values(path, {"A2": "Rijksmuseum", "C2": Error("#DIV/0!")})
    sheet = read_sheet(path)
    rows, problems, _ = Mapping.from_dict(
        {"kind": "institution", "columns": {"P1174": {"property": "P1174", "datatype": "quantity"}}}
    ).map_sheet(sheet)
    assert rows[0].labels == {"en": "Rijksmuseum"}  # the text shown, not the target, outside URL columns
    (p,) = problems
    assert (p.row, p.column) == (2, "P1174")
    assert "=1/0 in cell C2, which gives the error #DIV/0!" in p.found


def test_unnamed_columns_are_ignored_with_a_warning_and_an_error_only_when_mapped(tmp_path: Path) -> None:
    path = tmp_path / "u.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["label_en", None, "country"])
    ws.append(["Rijksmuseum", "hulp", "Q55", None, "rechts"])
    ws.append(["Mauritshuis", "hulp", "Q55"])
    wb.save(path)
    sheet = read_sheet(path)
    assert sheet.columns == ["label_en", "country"]
    assert sheet.unnamed == {"B": 2, "E": 1}
    assert "column B has no header: its 2 values were ignored" in "\n".join(sheet.warnings)
    assert "column E has no header: its 1 value was ignored" in "\n".join(sheet.warnings)
    _, problems, _ = Mapping.from_dict({"kind": "institution", "columns": {"B": "isil"}}).map_sheet(sheet)
    (p,) = [p for p in problems if p.column == "B"]
    assert p.found == "column B has values but no header"


def test_a_merged_header_over_a_row_of_sub_headers(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Naam", "Bezoekers", None, "Land"])
    ws.append([None, 2022, 2023, None])
    ws.append(["Rijksmuseum", 2500000, 2700000, "Q55"])
    ws.merge_cells("B1:C1")
    ws.merge_cells("A1:A2")
    ws.merge_cells("D1:D2")
    wb.save(path)
    sheet = read_sheet(path)
    assert sheet.columns == ["Naam", "Bezoekers 2022", "Bezoekers 2023", "Land"]
    assert [(r.number, r["Bezoekers 2023"]) for r in sheet.rows] == [(3, 2700000)]


def test_a_merged_header_above_data_names_only_its_first_column(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Naam", "Adres", None])
    ws.append(["Rijksmuseum", "Museumstraat 1", "Amsterdam"])
    ws.merge_cells("B1:C1")
    wb.save(path)
    sheet = read_sheet(path)
    assert sheet.columns == ["Naam", "Adres"]
    assert [r.values for r in sheet.rows] == [{"Naam": "Rijksmuseum", "Adres": "Museumstraat 1"}]
    assert sheet.unnamed == {"C": 1}


def test_totals_only_at_the_bottom_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["label_en", "P1174"])
    ws.append(["A", 10])
    ws.append([None, "=SUM(B2:B2)"])  # a subtotal between items is kept: it is reported, not dropped
    ws.append(["B", 20])
    ws.append(["Totaal", "=SUM(B2:B4)"])
    wb.save(path)
    store_values(path, {"B3": 10, "B5": 40})
    sheet = read_sheet(path)
    assert [r.number for r in sheet.rows] == [2, 3, 4]
    assert any("row 5 at the bottom holds only totals" in w for w in sheet.warnings)


def test_hidden_sheets_and_sheet_choice(tmp_path: Path) -> None:
    path = tmp_path / "h.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Oud"
    wb.active.sheet_state = "hidden"
    wb.active.append(["label_en"])
    wb.active.append(["verborgen"])
    data = wb.create_sheet("Data")
    data.append(["label_en"])
    data.append(["zichtbaar"])
    wb.save(path)
    assert read_sheet(path).rows[0]["label_en"] == "zichtbaar"
    assert read_sheet(path, sheet_name="Oud").rows[0]["label_en"] == "verborgen"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(1885, Time("1885")), (44927, Time("2023-01-01")), (dt.datetime(2021, 5, 17), Time("2021-05-17")), (12.5, None)],
)
def test_numbers_in_a_date_column(tmp_path: Path, cell: object, expected: Time | None) -> None:
    path = tmp_path / "d.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["label_en", "inception"])
    ws.append(["Rijksmuseum", cell])
    wb.save(path)
    rows, problems, _ = Mapping.default("institution").map_sheet(read_sheet(path))
    if expected is None:
        (p,) = problems
        assert "neither a year" in p.hint or "neither a year" in p.found
    else:
        assert problems == []
        assert rows[0].values("P571") == [expected]


def test_formulas_filled_down_below_the_data_and_helper_values_make_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["label_en", "code"])
    ws.append(["Rijksmuseum", '=IF(A2="","",UPPER(A2))'])
    ws.append([None, '=IF(A3="","",UPPER(A3))'])  # filled down: computed an empty text
    ws.append([None, None, None, "hulp"])  # a helper value right of the table
    wb.save(path)
    store_values(path, {"B2": "RIJKSMUSEUM", "B3": ""})
    sheet = read_sheet(path)
    assert [(r.number, r["code"]) for r in sheet.rows] == [(2, "RIJKSMUSEUM")]
    assert sheet.unnamed == {"D": 1}

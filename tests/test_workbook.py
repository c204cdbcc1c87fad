"""One workbook, several kinds (issue 13): sheets of institutions, partners, partnerships and contributions
load as one plan and one write; rows refer to each other by a local key column."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kg.cli import main
from kg.load.workbook import Workbook
from kg.store import Store

WORKBOOK_MAPPING = """\
reference: {url: "https://example.org/glam.xlsx", retrieved: "2024-05-01"}
sheets:
  - sheet: Musea
    key: Code
    mapping: {kind: institution, language: nl, columns: {Naam: label, Land: country, Soort: instance_of}}
  - sheet: Partners
    key: Code
    mapping: partners.yaml
  - sheet: Partnerschappen
    key: Code
    mapping:
      kind: partnership
      language: nl
      columns: {Naam: label, Soort: instance_of, Deelnemers: participant, Start: start_time}
  - sheet: Bijdragen
    mapping:
      kind: contribution
      language: nl
      columns: {Naam: label, Soort: instance_of, Partnerschap: part_of, Aantal: quantity, Datum: point_in_time}
"""
PARTNERS = "kind: partner\nlanguage: nl\ncolumns: {Naam: label, Land: country, Soort: instance_of}\n"


def workbook(path: Path, *, participants: str = "RM | WMNL", partner_class: str = "wikimedia_chapter") -> Path:
    wb = openpyxl.Workbook()
    musea = wb.active
    musea.title = "Musea"
    musea.append(["Code", "Naam", "Land", "Soort"])
    musea.append(["RM", "Rijksmuseum", "Q55", "art_museum"])
    musea.append(["MH", "Mauritshuis", "Q55", "art_museum"])
    partners = wb.create_sheet("Partners")
    partners.append(["Code", "Naam", "Land", "Soort"])
    partners.append(["WMNL", "Wikimedia Nederland", "Q55", partner_class])
    ps = wb.create_sheet("Partnerschappen")
    ps.append(["Code", "Naam", "Soort", "Deelnemers", "Start"])
    ps.append(["P1", "Rijksmuseum en WMNL", "glam_partnership", participants, 2021])
    ps.append(["P2", "Mauritshuis edit-a-thon", "edit_a_thon", "MH", 2022])
    bijdragen = wb.create_sheet("Bijdragen")
    bijdragen.append(["Naam", "Soort", "Partnerschap", "Aantal", "Datum"])
    bijdragen.append(["Uploads 2021", "media_upload", "P1", 1250, 2021])
    wb.create_sheet("Toelichting").append(["Kolom", "Betekenis"])
    wb.save(path)
    return path


def _mapping(tmp_path: Path) -> Path:
    (tmp_path / "partners.yaml").write_text(PARTNERS, encoding="utf-8")
    m = tmp_path / "glam.yaml"
    m.write_text(WORKBOOK_MAPPING, encoding="utf-8")
    return m


def _ids_by_label(store: Path) -> dict[str, str]:
    with Store.open(store, read_only=True) as st:
        rows = st.query("SELECT ?i ?l WHERE { ?i <http://www.w3.org/2000/01/rdf-schema#label> ?l }")
        return {str(r["l"].value): str(r["i"].value).rsplit("/", 1)[-1] for r in rows}


def _values(store: Path, item: str, pid: str) -> set[str]:
    with Store.open(store, read_only=True) as st:
        rows = st.query(
            f"SELECT ?v WHERE {{ ?i <http://www.wikidata.org/prop/direct/{pid}> ?v . "
            f"FILTER(STRENDS(STR(?i), '/{item}')) }}"
        )
        return {str(r["v"].value).rsplit("/", 1)[-1] for r in rows}


def test_a_workbook_of_four_kinds_loads_as_one_plan_with_rows_linked_by_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, m, store = workbook(tmp_path / "glam.xlsx"), _mapping(tmp_path), tmp_path / "store"
    assert main(["load", str(src), "-m", str(m), "--store", str(store), "-q"]) == 0
    assert "created 6, updated 0, unchanged 0" in capsys.readouterr().out
    ids = _ids_by_label(store)
    assert _values(store, ids["Rijksmuseum en WMNL"], "P710") == {ids["Rijksmuseum"], ids["Wikimedia Nederland"]}
    assert _values(store, ids["Mauritshuis edit-a-thon"], "P710") == {ids["Mauritshuis"]}
    assert _values(store, ids["Uploads 2021"], "P361") == {ids["Rijksmuseum en WMNL"]}
    assert main(["load", str(src), "-m", str(m), "--store", str(store), "-q"]) == 0
    assert "created 0, updated 0, unchanged 6" in capsys.readouterr().out


def test_problems_in_several_sheets_are_all_reported_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = workbook(tmp_path / "glam.xlsx", participants="RM | WMBE", partner_class="museum")
    m, store = _mapping(tmp_path), tmp_path / "store"
    assert main(["load", str(src), "-m", str(m), "--store", str(store), "-q"]) == 2
    err = capsys.readouterr().err
    assert "glam.xlsx, sheet 'Partners': row 2, column 'Soort'" in err  # a museum is not a partner
    assert "glam.xlsx, sheet 'Partnerschappen': row 2, column 'Deelnemers'" in err  # WMBE is no key
    assert "sheet 'Bijdragen'" not in err  # P1's key still stands for its row: no follow-on problem
    assert not store.exists()


def test_a_workbook_mapping_is_checked(tmp_path: Path) -> None:
    from kg.errors import InputError

    with pytest.raises(InputError, match=r"sheets\[1\]: expected `sheet: NAME` and `mapping:"):
        Workbook.from_dict({"sheets": [{"sheet": "Musea"}]})
    with pytest.raises(InputError, match="listed twice"):
        Workbook.from_dict({"sheets": [{"sheet": "A", "mapping": {"kind": "institution"}}] * 2})


def test_duplicate_keys_are_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "glam.xlsx"
    workbook(src)
    wb = openpyxl.load_workbook(src)
    wb["Partners"]["A2"] = "RM"  # the key of a museum
    wb.save(src)
    assert main(["load", str(src), "-m", str(_mapping(tmp_path)), "--store", str(tmp_path / "s"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "sheet 'Partners': row 2, column 'Code': expected a key used by one row of the workbook only" in err


def test_numeric_keys_a_label_as_key_and_a_broken_mapping_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Keys Excel stores as numbers (101) link like text keys; a key column that is also mapped (the name as
    key) keeps its mapping; a mapping file with a YAML error is named, not a traceback."""
    src = tmp_path / "glam.xlsx"
    workbook(src, participants="101")
    wb = openpyxl.load_workbook(src)
    wb["Musea"]["A2"] = 101  # the Rijksmuseum's key, a number
    wb["Musea"]["A3"] = 102
    wb["Partnerschappen"]["D3"] = 102  # the Mauritshuis, a number cell
    wb.save(src)
    m = _mapping(tmp_path)
    store = tmp_path / "store"
    assert main(["load", str(src), "-m", str(m), "--store", str(store), "-q"]) == 0, capsys.readouterr().err
    ids = _ids_by_label(store)
    assert _values(store, ids["Rijksmuseum en WMNL"], "P710") == {ids["Rijksmuseum"]}
    assert _values(store, ids["Mauritshuis edit-a-thon"], "P710") == {ids["Mauritshuis"]}

    # the partners' name is their key: still their label
    (tmp_path / "partners.yaml").write_text(PARTNERS, encoding="utf-8")
    named = WORKBOOK_MAPPING.replace("  - sheet: Partners\n    key: Code", "  - sheet: Partners\n    key: Naam")
    m.write_text(named, encoding="utf-8")
    src2 = workbook(tmp_path / "named.xlsx", participants="RM | Wikimedia Nederland")
    store2 = tmp_path / "store2"
    assert main(["load", str(src2), "-m", str(m), "--store", str(store2), "-q"]) == 0, capsys.readouterr().err
    ids2 = _ids_by_label(store2)
    assert "Wikimedia Nederland" in ids2
    assert _values(store2, ids2["Rijksmuseum en WMNL"], "P710") == {ids2["Rijksmuseum"], ids2["Wikimedia Nederland"]}

    (tmp_path / "partners.yaml").write_text("kind: partner\ncolumns: {Naam: label\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["load", str(src2), "-m", str(m), "--store", str(tmp_path / "s3"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "partners.yaml: expected a mapping file in YAML" in err and "Traceback" not in err


def test_a_workbook_mapping_warns_only_about_the_sheets_it_does_not_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each listed sheet is read by name: no "read the worksheet ...; not read: ... (choose one with --sheet)" per
    sheet; one warning names the sheets the mapping leaves out (the explanation sheet)."""
    src, m, store = workbook(tmp_path / "glam.xlsx"), _mapping(tmp_path), tmp_path / "store"
    assert main(["load", str(src), "-m", str(m), "--store", str(store), "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert "choose one with --sheet" not in err
    assert err.count("not read") == 1
    assert f"not read: 'Toelichting' (sheets the workbook mapping {m} does not list)" in " ".join(err.split())


def test_sheet_with_a_workbook_mapping_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A workbook mapping names the sheets it reads: `--sheet` beside it (silently ignored before) is an input
    error, before anything is read or written."""
    src, m, store = workbook(tmp_path / "glam.xlsx"), _mapping(tmp_path), tmp_path / "store"
    assert main(["load", str(src), "-m", str(m), "--store", str(store), "--sheet", "Musea"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"--sheet Musea: the workbook mapping {m} names the sheets it reads; leave --sheet out" in err, err
    assert not store.exists()

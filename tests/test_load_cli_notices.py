"""`glamkg load` through the command line: what it says on stderr, and when it says nothing (a dry run or
QuickStatements on a store that does not exist, --quiet), and the --plan-out file names it takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli import main
from kg.store import Store

SHEET = (
    "id,label_en,instance_of,country,website\n"
    "Q190804,Rijksmuseum,art_museum,Q55,https://www.rijksmuseum.nl/\n"
)
REF = ["--reference-url", "https://example.org/musea.csv"]


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "musea.csv"
    path.write_text(SHEET, encoding="utf-8")
    return path


@pytest.mark.parametrize("how", [["--dry-run"], ["--target", "quickstatements", "-o", "{qs}", *REF]])
def test_a_load_that_writes_no_store_says_nothing_about_its_derived_tables(
    how: list[str], sheet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dry run or a QuickStatements file with --store NEW (no store there): no "derived tables were not built
    ... create one with glamkg init" (the store target wrote nothing), and no store made."""
    new = tmp_path / "new-store"
    args = [a.format(qs=tmp_path / "musea.qs.txt") for a in how]
    assert main(["load", str(sheet), "--kind", "institution", "--store", str(new), *args]) == 0
    err = capsys.readouterr().err
    assert "derived tables" not in err and "glamkg init" not in err, err
    assert not new.exists()


@pytest.mark.parametrize("name", ["plan.txt", "plan.csv", "plan"])
def test_a_plan_file_that_is_neither_yaml_nor_json_is_refused_before_the_sheet_is_read(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--plan-out plan.txt wrote JSON without a word: now an input error naming the file, what it found and the
    extensions it takes, before anything is read (the sheet need not even exist) or written."""
    plan, store = tmp_path / name, tmp_path / "store"
    code = main(["load", str(tmp_path / "missing.csv"), "--kind", "institution", "--store", str(store),
                 "--plan-out", str(plan)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2, err
    assert f"plan file {plan}: expected a name ending in .yaml, .yml or .json" in err and f"found '{name}'" in err
    assert "no such file" not in err  # refused before the sheet was looked at
    assert not plan.exists() and not store.exists()


@pytest.mark.parametrize("name", ["plan.yaml", "plan.YML", "plan.json"])
def test_yaml_and_json_plan_files_are_written(name: str, sheet: Path, tmp_path: Path) -> None:
    from kg.load.plan import Plan

    plan = tmp_path / name
    assert main(["load", str(sheet), "--kind", "institution", "--store", str(tmp_path / "s"), "--dry-run", "-q",
                 "--plan-out", str(plan)]) == 0
    assert Plan.read(plan).counts()["create"] == 1
    assert plan.read_text(encoding="utf-8").startswith("{") == name.endswith(".json")


def _workbook(path: Path, country: str = "Q55") -> Path:
    """One sheet to load and an explanation sheet beside it (a warning: not read)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Musea"
    ws.append(["id", "label_en", "instance_of", "country"])
    ws.append(["Q190804", "Rijksmuseum", "art_museum", country])
    wb.create_sheet("Toelichting").append(["Kolom", "Betekenis"])
    wb.save(path)
    return path


@pytest.mark.parametrize("quiet", [["-q", "load"], ["--quiet", "load"], ["load", "-q"], ["load", "--quiet"]])
def test_quiet_shows_errors_only_before_or_after_the_command(
    quiet: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`glamkg -q load` ("Show only errors") and `glamkg load -q` ("no notices (errors only)"): no warnings (a
    sheet not read), no progress, no preview; the result line stays on stdout, and errors still show."""
    src = _workbook(tmp_path / "musea.xlsx")
    args = [str(src), "--kind", "institution", "--store", str(tmp_path / "s"), "--dry-run"]
    assert main(["load", *args]) == 0
    loud = capsys.readouterr()
    assert "not read: 'Toelichting'" in loud.err and "glamkg load: reading" in loud.err and "plan:" in loud.out

    cmd = quiet.index("load")
    assert main([*quiet[:cmd], "load", *args, *quiet[cmd + 1:]]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "plan:" not in captured.out
    assert "dry run: created 1, updated 0, unchanged 0" in captured.out

    bad = _workbook(tmp_path / "bad.xlsx", country="not a country")
    assert main([*quiet[:cmd], "load", str(bad), *args[1:], *quiet[cmd + 1:]]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "not a country" in err and "warning" not in err


def test_sheet_names_a_missing_sheet_and_lists_the_workbooks_sheets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--sheet NAME` for a sheet the workbook lacks: the error says NAME is not in the workbook and lists its
    sheets (a hidden one marked), with the one meant when only capitals differ; it never says "choose one with
    --sheet" (it was given). `--sheet` of a sheet it has: loaded, and no warning about the others."""
    import openpyxl

    src = _workbook(tmp_path / "musea.xlsx")
    wb = openpyxl.load_workbook(src)
    wb.create_sheet("Hulp").sheet_state = "hidden"
    wb.save(src)
    args = [str(src), "--kind", "institution", "--store", str(tmp_path / "s"), "--dry-run"]
    assert main(["load", *args, "--sheet", "Nope"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert (f"error: {src}: the workbook has no worksheet named 'Nope'; its worksheets: 'Musea', 'Toelichting', "
            "'Hulp' (hidden)") in err, err
    assert "choose one with --sheet" not in err and "did you mean" not in err
    assert main(["load", *args, "--sheet", "musea "]) == 2
    assert "hint: did you mean 'Musea'?" in " ".join(capsys.readouterr().err.split())

    assert main(["load", *args, "--sheet", "Musea"]) == 0
    captured = capsys.readouterr()
    assert "dry run: created 1" in captured.out
    assert "not read" not in captured.err and "warning" not in captured.err, captured.err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "streamed"])
def test_sheet_on_a_csv_file_is_refused_not_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    dry_run: bool) -> None:
    """A CSV has no worksheets: `--sheet` with one is an error saying so (before, it was ignored without a word),
    on the whole-sheet path and on the streamed one (a sheet large enough, an empty store); nothing is written."""
    from kg.load import stream

    src = tmp_path / "musea.csv"
    src.write_text("label_en,instance_of,country\n" + "".join(f"Museum {i},museum,Q55\n" for i in range(30)),
                   encoding="utf-8")
    store = tmp_path / "s"
    mp = pytest.MonkeyPatch()
    mp.setattr(stream, "MIN_ROWS", 10)
    try:
        args = ["load", str(src), "--kind", "institution", "--store", str(store), "--shacl-limit", "0",
                "--sheet", "Musea", *(["--dry-run"] if dry_run else [])]
        assert main(args) == 2
    finally:
        mp.undo()
    err = " ".join(capsys.readouterr().err.split())
    assert "--sheet 'Musea' names a worksheet, but this is a text file (CSV/TSV)" in err, err
    assert "hint: leave out --sheet" in err
    if store.exists():  # a new store is removed after a failed load; none is left with data
        with Store.open(store, read_only=True) as st:
            assert st.is_empty()

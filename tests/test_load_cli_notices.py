"""`glamkg load` through the command line: what it says on stderr, and when it says nothing (a dry run or
QuickStatements on a store that does not exist, --quiet), and the --plan-out file names it takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli import main

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

"""The command line's output when it is not a terminal (a pipe, a file, CI; here pytest's capture): wide, so the
plan table's ids and the paths of "wrote <path>" are never split at rich's 80 columns; ``COLUMNS`` wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli import console, main

SHEET = (
    "id,label_en,instance_of,country,website\n"
    "Q190804,Rijksmuseum Amsterdam met een lange naam voor de tabel,art_museum,Q55,https://www.rijksmuseum.nl/\n"
)
REF = ["--reference-url", "https://example.org/musea.csv"]


@pytest.fixture
def deep(tmp_path: Path) -> Path:
    """A folder whose path is longer than 120 characters (a long TMPDIR, a project deep in a home folder)."""
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 2) / ("and-another-one-below-it-" * 2)
    folder.mkdir(parents=True)
    assert len(str(folder / "musea.quickstatements.txt")) > 120
    return folder


def _load(deep: Path) -> tuple[Path, Path]:
    src, out = deep / "musea.csv", deep / "musea.quickstatements.txt"
    src.write_text(SHEET, encoding="utf-8")
    code = main(["load", str(src), "--kind", "institution", "--target", "quickstatements", "-o", str(out), *REF,
                 "--store", str(deep / "store")])
    assert code == 0
    return src, out


def test_plan_table_and_wrote_line_whole_off_a_terminal(
    deep: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    src, out = _load(deep)
    lines = capsys.readouterr().out.splitlines()
    assert f"wrote {out}" in lines, lines  # the whole path on its own line, not folded at 80 columns
    assert any(line.startswith("plan: ") and str(src) in line for line in lines), lines  # the title too
    row = next(line for line in lines if "Q190804" in line)
    assert "Rijksmuseum Amsterdam met een lange naam voor de tabel" in row  # the label not folded either
    assert any(len(line) > 80 for line in lines if line.startswith(("┃", "│"))), lines  # wider than rich's 80
    assert out.is_file()


def test_columns_in_the_environment_wins_and_ids_and_paths_stay_whole(
    deep: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """COLUMNS=60: the table is 60 columns wide (its label folded), yet the id and the path are whole."""
    monkeypatch.setenv("COLUMNS", "60")
    src, out = _load(deep)
    lines = capsys.readouterr().out.splitlines()
    table = [line for line in lines if line.startswith(("┃", "│", "┏", "└"))]
    assert table and all(len(line) <= 60 for line in table), table
    assert any("Q190804" in line for line in table), table
    assert f"wrote {out}" in lines, lines
    assert any(line.startswith("plan: ") and str(src) in line for line in lines), lines


def test_the_factory_is_wide_off_a_terminal_and_follows_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command's console comes from console.make: WIDE when its file is no terminal, COLUMNS read when it
    prints (not when it was made), an explicit width above both."""
    monkeypatch.delenv("COLUMNS", raising=False)
    made = console.make()
    assert made.width == console.WIDE and console.out.width == console.WIDE and console.err.width == console.WIDE
    monkeypatch.setenv("COLUMNS", "132")
    assert made.width == 132 and console.err.width == 132
    assert console.make(width=90).width == 90

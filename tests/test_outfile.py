"""Output files: a bad path is a clear error naming the file, and a failed write leaves no half file."""

from pathlib import Path

import pytest

from kg import outfile
from kg.cli import main
from kg.errors import InputError


def test_writes_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    outfile.write_text(target, "a,b\n1,2\n")
    assert target.read_text() == "a,b\n1,2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_missing_directory_and_directory_target(tmp_path: Path) -> None:
    missing = r"cannot write plan file .*nowhere/plan.json: the directory .*nowhere does not exist"
    with pytest.raises(InputError, match=missing):
        outfile.write_text(tmp_path / "nowhere" / "plan.json", "{}", what="plan file")
    with pytest.raises(InputError, match="is a directory"):
        outfile.write_text(tmp_path, "x")


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def half(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(InputError, match="No space left on device"):
        outfile.write_with(target, half)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_cli_output_to_a_missing_directory_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["template", "institution", "-o", str(tmp_path / "no" / "t.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot write output file" in err and "Traceback" not in err

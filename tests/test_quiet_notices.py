"""`glamkg -q` leaves errors only: the notices of the other commands (what was written where, a snapshot taken,
the demo's closing line) are not shown, and are shown without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli import main


def _run(capsys: pytest.CaptureFixture[str], quiet: bool, *args: str) -> str:
    capsys.readouterr()
    assert main([*(["-q"] if quiet else []), *args]) == 0
    return " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize("quiet", [False, True], ids=["notices", "quiet"])
def test_quiet_leaves_no_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str], quiet: bool) -> None:
    store = tmp_path / "store"
    said = _run(capsys, quiet, "demo", "--institutions", "30", "--store", str(store))
    assert ("wrote SYNTHETIC demo data" in said) is not quiet, said
    out = tmp_path / "graph.nt"
    said = _run(capsys, quiet, "export", "--store", str(store), "-o", str(out))
    assert out.stat().st_size > 0 and (f"wrote {out}" in said) is not quiet, said
    said = _run(capsys, quiet, "snapshot", "--store", str(store), "--list")
    assert ("no snapshots yet" in said) is not quiet, said
    said = _run(capsys, quiet, "snapshot", "--store", str(store))
    assert ("appended to" in said) is not quiet, said
    if quiet:
        assert said == ""

"""`glamkg dashboard` and `glamkg up` without a browser: the command line, errors, demo data on first start."""

from __future__ import annotations

import socket
from pathlib import Path

import dashboard_fixture as fx
import pytest

from kg.cli import main
from kg.commands import dashboard as cmd


def test_streamlit_runs_headless_without_usage_statistics(tmp_path: Path) -> None:
    args = cmd.streamlit_command(tmp_path, host="127.0.0.1", port=8765)
    assert args[1:4] == ["-m", "streamlit", "run"] and args[4].endswith("dashboards/app.py")
    assert "--server.headless=true" in args and "--browser.gatherUsageStats=false" in args
    assert "--server.port=8765" in args and "--server.address=127.0.0.1" in args
    assert args[-2:] == ["--store", str(tmp_path)]


def test_busy_port_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = fx.build_store(tmp_path / "store")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["dashboard", "--store", str(store), "--port", str(port)])
    assert code == 2
    assert f"127.0.0.1:{port}" in capsys.readouterr().err


def test_missing_store_is_a_store_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", "--store", str(tmp_path / "nothing-here")]) == 3
    assert "no store" in capsys.readouterr().err


def test_up_writes_demo_data_once_then_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from kg.store import Store

    served: list[Path] = []
    monkeypatch.setattr(cmd, "serve", lambda store, **kw: served.append(store) or 0)
    store = tmp_path / "store"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    assert main(["up", "--institutions", "40", "--store", str(store), "--port", port]) == 0
    assert served == [store]
    with Store.open(store, read_only=True) as s:
        meta = s.meta()
        generation = s.generation()
        assert cmd._has_institutions(s)
    assert str(meta.get("synthetic")).lower() == "true"
    assert main(["up", "--institutions", "40", "--store", str(store), "--port", port]) == 0
    assert "already holds institutions" in capsys.readouterr().err
    with Store.open(store, read_only=True) as s:
        assert s.generation() == generation  # nothing written the second time

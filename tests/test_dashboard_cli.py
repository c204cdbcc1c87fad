"""`glamkg dashboard` and `glamkg up` without a browser: the command line, errors, demo data on first start."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import dashboard_fixture as fx
import pytest

from kg.cli import dashboard as cmd
from kg.cli import main
from kg.dashboard import server


def test_streamlit_runs_headless_without_usage_statistics(tmp_path: Path) -> None:
    args = server.streamlit_command(tmp_path, host="127.0.0.1", port=8765)
    assert args[1:3] == ["-m", "kg.dashboard.launch"] and args[3].endswith("dashboards/app.py")
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


# --- the health check: through kg.http, polling until healthy, the process exits or time runs out ----------


class _Health(http.server.BaseHTTPRequestHandler):
    statuses: ClassVar[list[int]] = []  # served in order; the last one repeats
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        _Health.seen.append({**dict(self.headers), "_path": self.path})
        status = _Health.statuses[min(len(_Health.seen), len(_Health.statuses)) - 1]
        body = b"ok" if status == 200 else b"not ready"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[str]:
    _Health.statuses, _Health.seen = [200], []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


class _Proc:
    """A stand-in for the streamlit process: running until ``exit_after`` polls (None: forever)."""

    def __init__(self, exit_after: int | None = None) -> None:
        self.polls = 0
        self.exit_after = exit_after

    def poll(self) -> int | None:
        self.polls += 1
        return 1 if self.exit_after is not None and self.polls > self.exit_after else None


def test_health_check_polls_through_kg_http_until_healthy(health_server: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "HEALTH_POLL", 0.01)
    _Health.statuses = [503, 503, 200]
    assert server.wait_healthy(_Proc(), health_server, timeout=10)  # type: ignore[arg-type]
    assert len(_Health.seen) == 3
    assert {s["_path"] for s in _Health.seen} == {"/_stcore/health"}
    assert all(s["User-Agent"].startswith("glamkg/") for s in _Health.seen)  # the project's client


def test_health_check_ignores_a_proxy_from_the_environment(health_server: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as closed:  # a port nothing listens on: a request sent to the proxy fails
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert server.wait_healthy(_Proc(), health_server, timeout=5)  # type: ignore[arg-type]
    assert len(_Health.seen) == 1


def test_health_check_stops_when_the_process_exits(health_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "HEALTH_POLL", 0.01)
    _Health.statuses = [503]
    proc = _Proc(exit_after=2)
    started = time.monotonic()
    assert not server.wait_healthy(proc, health_server, timeout=30)  # type: ignore[arg-type]
    assert time.monotonic() - started < 5
    assert proc.polls == 3 and len(_Health.seen) == 2


def test_health_check_gives_up_when_time_runs_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "HEALTH_POLL", 0.01)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"  # nothing answers
    started = time.monotonic()
    assert not server.wait_healthy(_Proc(), url, timeout=0.5)  # type: ignore[arg-type]
    assert 0.5 <= time.monotonic() - started < 5


def test_a_store_query_error_in_a_command_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Store.query's InputError reaches the CLI's edge: one line, exit 2 (before: a RuntimeError traceback)."""
    monkeypatch.setattr(cmd, "_has_institutions", lambda st: st.query(
        "ASK { ?s ?p ?o FILTER(<http://example.org/f>(?o)) }", name="has-institutions (glamkg up)"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    assert main(["up", "--store", str(tmp_path / "store"), "--port", port]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: SPARQL evaluation failed for query has-institutions (glamkg up): The custom")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_server_process_reads_the_tables_before_streamlit_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kg.dashboard.launch: the dataset read into memory before the server answers is the one the first page
    run gets (not read again), and only once."""
    from kg.dashboard import data as dd
    from kg.dashboard import launch

    store = fx.build_store(tmp_path / "store")
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    args = server.streamlit_command(store, host="127.0.0.1", port=8765)[3:]
    assert launch.store_argument(args) == str(store)
    assert launch.store_argument(["app.py", "--server.port=1"]) is None
    dd.preload(launch.store_argument(args))
    key = (str(store.resolve()), dd.version(str(store.resolve())))
    preloaded = dd._PRELOADED[key]
    assert len(preloaded.institutions) > 0
    reads: list[str] = []
    monkeypatch.setattr(dd, "prepare", lambda path=None: reads.append(str(path)) or (None, False))
    dd._cached.clear()
    assert dd.load(store) is preloaded and reads == [] and key not in dd._PRELOADED
    dd._cached.clear()

"""The dashboard on a SPARQL endpoint (`glamkg dashboard --endpoint URL`) against the same dashboard on the store:
every page opened with AppTest, its figures and tables taken, compared. Used with `oxigraph serve`
(tests/test_dashboard_endpoint.py) and with Virtuoso (tests/test_virtuoso.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP_DIR = Path(__file__).resolve().parents[1] / "dashboards"
PAGES = ["overview", "map", "gaps", "trends", "partnerships", "quality"]
# tables that say where the data came from (the store's path or the endpoint, its generation, read time)
ABOUT_THE_SOURCE = {"store facts"}


@dataclass
class PageNumbers:
    metrics: dict[str, str]
    tables: dict[str, pd.DataFrame]  # by the name on the table's download button
    synthetic: bool


def run_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=120)
    if page != "overview":
        at.switch_page(str(APP_DIR / f"{page}.py"))
    at.run()
    assert not at.exception, (page, [e.value for e in at.exception])
    assert not at.error, (page, [e.value for e in at.error])
    return at


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in a fixed order (an endpoint returns them in its own order), index dropped."""
    out = df.reset_index(drop=True)
    return out.iloc[out.astype(str).apply(tuple, axis=1).argsort(kind="stable")].reset_index(drop=True)


def page_numbers(store: Path, endpoint: str | None, cache: Path,
                 monkeypatch: pytest.MonkeyPatch) -> dict[str, PageNumbers]:
    """Every page's metrics and tables, on the store (``endpoint`` None) or on the endpoint (as
    `glamkg dashboard --endpoint` sets it for Streamlit)."""
    from kg.dashboard import data as dd

    monkeypatch.setenv("GLAMKG_STORE", str(store))
    monkeypatch.setenv("GLAMKG_CACHE", str(cache))
    if endpoint:
        monkeypatch.setenv("GLAMKG_DASHBOARD_ENDPOINT", endpoint)
    else:
        monkeypatch.delenv("GLAMKG_DASHBOARD_ENDPOINT", raising=False)
    dd._cached.clear()
    out = {}
    try:
        for page in PAGES:
            at = run_page(page)
            names = [b.proto.label.removeprefix("Download ").removesuffix(" (CSV)")
                     for b in at.get("download_button") if b.proto.label.startswith("Download ")]
            # grids (st.dataframe) and plain tables (st.table), in the page's order
            frames = [e for e in at.main if e.type in ("dataframe", "table")]
            assert len(names) == len(frames), (page, names)
            tables = {n: _tidy(d.value) for n, d in zip(names, frames, strict=True) if n not in ABOUT_THE_SOURCE}
            out[page] = PageNumbers({m.label: m.value for m in at.metric}, tables,
                                    any("Synthetic demo data" in w.value for w in at.warning))
    finally:
        dd._cached.clear()
    return out


def assert_same_pages(local: dict[str, PageNumbers], remote: dict[str, PageNumbers]) -> None:
    shown = 0
    for page in PAGES:
        a, b = local[page], remote[page]
        assert a.metrics == b.metrics, page
        assert a.tables.keys() == b.tables.keys(), page
        for name, df in a.tables.items():
            pd.testing.assert_frame_equal(df, b.tables[name], check_dtype=False, obj=f"{page}: {name}")
            shown += len(df)
        assert a.synthetic == b.synthetic, page
    assert shown > 50  # the pages showed something to compare


def serve_dashboard(args: list[str], tmp_path: Path) -> list[str]:
    """``glamkg <args> --port <free> --store <none>`` in a subprocess (no store at all), until it prints its URL;
    checks the server's health, stops it; returns what it printed."""
    import requests
    from query_fixture_data import free_port

    port = free_port()
    env = {**os.environ, "GLAMKG_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(Path(__file__).parents[1])}
    env.pop("GLAMKG_DASHBOARD_ENDPOINT", None)
    code = "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args, "--store", str(tmp_path / "none"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    lines = []
    watchdog = threading.Timer(180, proc.kill)  # a server that never prints its URL does not hang the tests
    watchdog.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "dashboard running at" in line or "dashboard starting at" in line:
                break
        assert any("dashboard running at" in line for line in lines), lines
        assert requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=30).text == "ok"
    finally:
        watchdog.cancel()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert not (tmp_path / "none").exists()  # no store was made
    return lines

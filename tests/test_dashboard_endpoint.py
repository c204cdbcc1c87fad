"""`glamkg dashboard --endpoint URL`: the dashboard reads its tables from any SPARQL endpoint instead of the store,
paged, through glamkg's HTTP client, cached on disk per endpoint and day. Here the endpoint is a real
`oxigraph serve` on loopback holding `glamkg export` of a demo store (tests/test_virtuoso.py does the same on
Virtuoso): every page shows the numbers it shows on the store."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from dashboard_endpoint import PAGES, assert_same_pages, page_numbers, run_page, serve_dashboard
from query_fixture_data import oxigraph_exe, oxigraph_server

from kg.cli import main

if oxigraph_exe() is None:
    pytest.skip("the oxigraph server (pyoxigraph's `oxigraph` command) is not installed", allow_module_level=True)

pytestmark = pytest.mark.slow


def cli(*args: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(args))


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A demo store and its `glamkg export`, both through the CLI."""
    tmp = tmp_path_factory.mktemp("endpoint")
    store, nt = tmp / "store", tmp / "export.nt"
    assert cli("demo", "--institutions", "150", "--store", str(store)) == 0
    assert cli("export", "--store", str(store), "--output", str(nt)) == 0
    return store, nt.read_bytes()


@pytest.fixture(scope="module")
def endpoint(export: tuple[Path, bytes]) -> Iterator[str]:
    with oxigraph_server(export[1]) as url:
        yield url


def test_every_page_shows_the_same_numbers_from_an_endpoint(
    export: tuple[Path, bytes], endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = export
    local = page_numbers(store, None, tmp_path / "cache-local", monkeypatch)
    remote = page_numbers(tmp_path / "no-store-here", endpoint, tmp_path / "cache", monkeypatch)
    assert_same_pages(local, remote)
    assert all(remote[p].synthetic for p in PAGES)  # the demo's references to the synthetic dataset item
    assert remote["overview"].metrics["Institutions"] == "150"
    assert not (tmp_path / "no-store-here").exists()


def test_the_tables_come_in_pages(endpoint: str) -> None:
    """Every table is read with ORDER BY/LIMIT/OFFSET pages: a page size far below the table sizes gives the
    same tables as one page that holds them all."""
    from kg.dashboard.data import FRAMES
    from kg.gaps.tables import read
    from kg.query import RemoteGraph

    small, large = RemoteGraph(endpoint, page_size=13), RemoteGraph(endpoint, page_size=100_000)
    paged, whole = read(small), read(large)
    assert small.requests > 3 * large.requests
    for name in FRAMES:
        a, b = getattr(paged, name), getattr(whole, name)
        key = list(a.columns)
        pd.testing.assert_frame_equal(
            a.sort_values(key, key=lambda c: c.astype(str), ignore_index=True),
            b.sort_values(key, key=lambda c: c.astype(str), ignore_index=True), obj=name,
        )
    assert len(whole.institutions) == 150


def test_the_endpoint_is_read_once_a_day_and_kept_on_disk(
    export: tuple[Path, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first read fills the cache under $GLAMKG_CACHE; while the day lasts the dashboard asks the endpoint
    nothing (it answers with the server gone); the next day it asks again."""
    from kg.dashboard import data as dd
    from kg.errors import RemoteError
    from kg.query import RemoteGraph

    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    with oxigraph_server(export[1]) as url:
        first, cached = dd.prepare_endpoint(url)
        assert not cached and len(first.institutions) == 150
    assert list((tmp_path / "cache").glob("*/dataset.json"))
    again, cached = dd.prepare_endpoint(url)  # the server is gone: only the cache can answer
    assert cached and again.path == url
    pd.testing.assert_frame_equal(again.institutions, first.institutions, check_dtype=False)
    assert again.meta["synthetic"] is True and again.generation == first.generation
    monkeypatch.setattr(RemoteGraph, "generation", lambda self: "2999-01-01")
    with pytest.raises(RemoteError, match=url.removesuffix("/query")):
        dd.prepare_endpoint(url)


def test_the_explorer_runs_on_the_dashboard_s_endpoint(
    export: tuple[Path, bytes], endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --endpoint, the explorer's saved queries go to that endpoint, and say so."""
    from kg.dashboard import data as dd

    store, _ = export
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GLAMKG_STORE", str(tmp_path / "no-store-here"))
    monkeypatch.setenv("GLAMKG_DASHBOARD_ENDPOINT", endpoint)
    dd._cached.clear()
    try:
        at = run_page("explorer")
        assert at.radio(key="q_where").value == "the dashboard's endpoint"
        at.selectbox(key="q_name").set_value("institutions_per_country").run()
        at.button(key="q_run").click().run()
        assert not at.exception and not at.error, [e.value for e in at.exception or at.error]
        result = at.dataframe[0].value
        assert any(f"on {endpoint}" in c.value for c in at.caption)
    finally:
        dd._cached.clear()
    from kg import query
    from kg.store import Store

    with Store.open(store, read_only=True) as st:
        local = query.run("institutions_per_country", store=st)
    # the same rows as the local store's; the explorer names the countries the store has no label for
    given = local["countryLabel"].notna()
    pd.testing.assert_frame_equal(result.reset_index(drop=True).drop(columns="countryLabel"),
                                  local.drop(columns="countryLabel"), check_dtype=False)
    shown = result.reset_index(drop=True)["countryLabel"]
    assert shown.notna().all() and list(shown[given]) == list(local["countryLabel"][given])


def test_glamkg_dashboard_endpoint_serves_without_a_store(export: tuple[Path, bytes], endpoint: str,
                                                          tmp_path: Path) -> None:
    """The command as an analyst runs it: no store, the tables read from the endpoint, the URL printed."""
    lines = serve_dashboard(["dashboard", "--endpoint", endpoint], tmp_path)
    assert any(f"on the SPARQL endpoint {endpoint}" in line for line in lines), lines
    assert any("read 150 institutions" in line for line in lines), lines

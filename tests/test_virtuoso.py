"""Past one machine: `glamkg export` bulk-loads into Virtuoso open source, and every saved query returns the same
rows there as on the embedded store, through `glamkg query run --endpoint` exactly as a researcher runs it.

Virtuoso comes from the Debian package (`./run.sh test` installs it; CI runs this); it listens on loopback
only, with its database in a temporary folder. Without it the tests skip, except under CI, where a missing
Virtuoso is a failure.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from virtuoso_server import ISQL, MISSING, VIRTUOSO, Virtuoso

from kg.cli import main
from kg.query import catalog

if not (VIRTUOSO and ISQL):
    if os.environ.get("CI"):
        raise RuntimeError(MISSING)  # CI installs it: its absence is a broken CI, not a skip
    pytest.skip(MISSING, allow_module_level=True)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Virtuoso]]:
    """A demo store, its `glamkg export`, and Virtuoso bulk-loaded from that file (docs/virtuoso.md)."""
    tmp = tmp_path_factory.mktemp("virtuoso")
    store, nt = tmp / "store", tmp / "export.nt"
    assert cli("demo", "--institutions", "300", "--store", str(store))[0] == 0
    assert cli("export", "--store", str(store), "--output", str(nt))[0] == 0
    with Virtuoso.start(tmp / "virtuoso") as v:
        v.bulk_load(nt)
        yield store, v


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def rows(*args: str) -> list[dict[str, Any]]:
    code, out, err = cli("query", "run", *args, "--format", "json")
    assert code == 0, err
    result: list[dict[str, Any]] = json.loads(out)
    return result


def canonical(row: dict[str, Any]) -> str:
    return json.dumps({k: round(v, 9) if isinstance(v, float) else v for k, v in row.items()}, sort_keys=True)


@pytest.mark.parametrize("name", [q.name for q in catalog()])
def test_every_saved_query_returns_the_same_rows_on_virtuoso(loaded: tuple[Path, Virtuoso], name: str) -> None:
    store, v = loaded
    local = rows(name, "--store", str(store))
    remote = rows(name, "--endpoint", v.sparql_url)
    assert sorted(map(canonical, remote)) == sorted(map(canonical, local))


def test_the_export_holds_every_triple_of_the_store(loaded: tuple[Path, Virtuoso], tmp_path: Path) -> None:
    store, v = loaded
    q = tmp_path / "count.rq"
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:glamkg:export> { ?s ?p ?o } }", encoding="utf-8")
    (remote,) = rows(str(q), "--endpoint", v.sparql_url)
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", encoding="utf-8")
    (local,) = rows(str(q), "--store", str(store))
    assert remote["n"] == local["n"] > 10_000


def test_a_query_error_from_virtuoso_is_one_clear_line_and_not_retried(
    loaded: tuple[Path, Virtuoso], tmp_path: Path
) -> None:
    """YEAR() of an unbound value: Virtuoso answers HTTP 500 with its error; the same query would fail the same
    way, so it is not sent again (no wait line), and the user sees Virtuoso's message."""
    _, v = loaded
    q = tmp_path / "bad.rq"
    q.write_text(
        "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
        "SELECT ?p (YEAR(?end) AS ?y) WHERE { ?p wdt:P580 ?s OPTIONAL { ?p wdt:P582 ?end } }",
        encoding="utf-8",
    )
    code, _, err = cli("query", "run", str(q), "--endpoint", v.sparql_url)
    assert code == 4
    assert "Function year needs a datetime" in err
    assert "waiting" not in err and err.count("error:") == 1


def test_the_dashboard_reads_its_tables_from_virtuoso(
    loaded: tuple[Path, Virtuoso], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`glamkg dashboard --endpoint URL` (the setting it passes to Streamlit): the pages show the same figures
    from Virtuoso as from the store, with the synthetic banner, reading the tables in pages of rows."""
    from test_dashboard_apptest import metrics, run_page

    from kg.dashboard import data as dd
    from kg.query import RemoteGraph

    store, v = loaded
    monkeypatch.setenv("GLAMKG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GLAMKG_STORE", str(store))
    monkeypatch.delenv("GLAMKG_DASHBOARD_ENDPOINT", raising=False)
    dd._cached.clear()
    local = {page: metrics(run_page(page)) for page in ("overview", "gaps")}
    monkeypatch.setenv("GLAMKG_DASHBOARD_ENDPOINT", v.sparql_url)
    monkeypatch.setenv("GLAMKG_STORE", str(tmp_path / "no-store-here"))
    dd._cached.clear()
    for page in ("overview", "gaps"):
        at = run_page(page)
        assert not at.exception, at.exception
        assert metrics(at) == local[page] and metrics(at), page
        assert any("Synthetic demo data" in w.value for w in at.warning), page
    # the tables came in pages: a page size below the table sizes gives the same dataset
    small = RemoteGraph(v.sparql_url, page_size=97)
    from kg.gaps.tables import read

    paged, whole = read(small), read(RemoteGraph(v.sparql_url))
    assert small.requests > 20
    assert paged.institutions.sort_values("item").reset_index(drop=True).equals(
        whole.institutions.sort_values("item").reset_index(drop=True)
    )
    assert len(whole.institutions) == 300 and whole.meta["synthetic"] is True


def test_glamkg_dashboard_endpoint_serves_without_a_store(loaded: tuple[Path, Virtuoso], tmp_path: Path) -> None:
    """The command as an analyst runs it: no store at all, the tables read from Virtuoso, the URL printed."""
    import signal
    import subprocess
    import sys

    import requests
    from virtuoso_server import free_port

    _, v = loaded
    port = free_port()
    env = {**os.environ, "GLAMKG_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(Path(__file__).parents[1])}
    code = "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "dashboard", "--endpoint", v.sparql_url, "--store", str(tmp_path / "none"),
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "dashboard running at" in line or "dashboard starting at" in line:
                break
        assert any(f"on the SPARQL endpoint {v.sparql_url}" in line for line in lines), lines
        assert any("read 300 institutions" in line for line in lines), lines
        assert requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=30).text == "ok"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_an_ask_query_on_virtuoso_is_a_boolean(loaded: tuple[Path, Virtuoso], tmp_path: Path) -> None:
    """Virtuoso answers ASK as a one-row table (__ASK_RETVAL); glamkg reads it as the boolean it is."""
    store, v = loaded
    q = tmp_path / "ask.rq"
    q.write_text("ASK { ?s <http://www.wikidata.org/prop/direct/P31> ?o }", encoding="utf-8")
    assert rows(str(q), "--endpoint", v.sparql_url) == rows(str(q), "--store", str(store)) == [{"boolean": True}]

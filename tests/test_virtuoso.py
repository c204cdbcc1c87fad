"""Past one machine: `glamkg export` bulk-loads into Virtuoso open source, and every saved query returns the same
rows there as on the embedded store, through `glamkg query run --endpoint` exactly as a researcher runs it.

The commands are docs/virtuoso.md's own, read from the page: its code blocks, with this test's folders, ports
and password in place of the page's `./glamkg-data`, `/srv/glamkg`, `1111`, `<password>` and
`http://localhost:8890/sparql`. A command the test does not know how to run fails the test, so the page cannot
show a command the test does not run.

Virtuoso comes from the Debian package (`./run.sh test` installs it; CI runs this); it listens on loopback
only, with its database in a temporary folder. Without it the tests skip, except under CI, where a missing
Virtuoso is a failure.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import query_fixture_data
from same_rows import differences, order_keys
from virtuoso_server import ISQL, MISSING, VIRTUOSO, Virtuoso

from kg.cli import main
from kg.query import catalog

if not (VIRTUOSO and ISQL):
    if os.environ.get("CI"):
        raise RuntimeError(MISSING)  # CI installs it: its absence is a broken CI, not a skip
    pytest.skip(MISSING, allow_module_level=True)

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[1] / "docs" / "virtuoso.md"
# saved queries with parameters given: the values reach Virtuoso as VALUES blocks (and a LIMIT)
WITH_PARAMETERS = [
    ("institutions_per_type", "country=NL"),
    ("institutions_locations", "country=NL"),
    ("quality_institutions_missing_isil", "country=NL", "limit=3"),
    ("contributions_per_country", "region=Europe"),
    ("partnerships_per_year", "region=Europe", "from_year=2015"),
    ("institutions_per_country", "lang=nl"),
    ("partnerships_active_in_year", "year=2021"),
]


def doc_steps() -> dict[int, list[str]]:
    """docs/virtuoso.md's commands, by step (``## 3. Bulk-load the export`` -> 3): every line of its code blocks."""
    steps: dict[int, list[str]] = {}
    step = 0
    in_block = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## (\d+)\.", line)
        if heading and not in_block:
            step = int(heading.group(1))
        elif line.startswith("```"):
            in_block = not in_block
        elif in_block and line.strip():
            steps.setdefault(step, []).append(line.strip())
    return steps


@dataclass
class Setup:
    store: Path
    v: Virtuoso
    tmp: Path

    def argv(self, line: str) -> list[str]:
        """A command of the page, with this test's store, folder, ports and password."""
        places = {"./glamkg-data": str(self.store), "/srv/glamkg": str(self.v.folder),
                  "http://localhost:8890/sparql": self.v.sparql_url, "my-query.rq": str(self.tmp / "my-query.rq"),
                  "answer.parquet": str(self.tmp / "answer.parquet")}
        words = shlex.split(line, comments=True)
        out = []
        for w in words:
            for page, here in places.items():
                w = w.replace(page, here)
            out.append(w)
        if out[0] == "isql-vt":
            assert out[1:4] == ["1111", "dba", "<password>"], line
            out[1], out[3] = str(self.v.sql_port), "dba"
        return out

    def institutions(self) -> int:
        """How many institutions the dashboard's tables hold, read from the store."""
        from kg.gaps.tables import read
        from kg.store import Store

        with Store.open(self.store, read_only=True) as st:
            return len(read(st).institutions)

    def run(self, line: str) -> tuple[int, str, str]:
        """Run one command of the page: glamkg through its CLI entry point, isql-vt as a program."""
        argv = self.argv(line)
        if argv[0] == "glamkg":
            return cli(*argv[1:])
        if argv[0] == "isql-vt":
            assert ISQL is not None
            done = subprocess.run([ISQL, *argv[1:]], capture_output=True, text=True, timeout=600, check=False,
                                  env={**os.environ, "LANG": "C"})
            code = done.returncode or int("*** Error" in done.stdout + done.stderr)
            return code, done.stdout, done.stderr
        raise AssertionError(f"docs/virtuoso.md shows a command this test does not run: {line}")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """Steps 1 and 3 of docs/virtuoso.md (step 2, installing and starting the service, is the test's own
    Virtuoso on loopback): a demo store, its `glamkg export`, Virtuoso's bulk loader, its error list."""
    tmp = tmp_path_factory.mktemp("virtuoso")
    steps = doc_steps()
    assert steps[2] == ["sudo apt-get install virtuoso-opensource"]  # what run.sh's virtuoso() installs
    with Virtuoso.start(tmp / "virtuoso") as v:
        s = Setup(tmp / "glamkg-data", v, tmp)
        demo, export = steps[1]
        code, _, err = s.run(demo)
        assert code == 0, (demo, err)
        # and the saved-query tests' hand-checked graph (Wikimedians in residence, an institution without a
        # country, the Rijksmuseum ...), so that no saved query compares an empty answer
        (tmp / "fixture.nt").write_bytes(query_fixture_data.ntriples())
        assert cli("import", "dump", str(tmp / "fixture.nt"), "--store", str(s.store))[0] == 0
        code, _, err = s.run(export)
        assert code == 0, (export, err)
        assert (v.folder / "export.nt").stat().st_size > 100_000
        *load, check = steps[3]
        for line in load:
            code, out, err = s.run(line)
            assert code == 0, (line, out, err)
        code, out, err = s.run(check)
        assert code == 0 and "export.nt" not in out, (out, err)  # the loader's error list names no file
        yield s


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


@pytest.mark.parametrize("query", catalog(), ids=lambda q: q.name)
def test_every_saved_query_returns_the_same_rows_on_virtuoso(setup: Setup, query: Any) -> None:
    """Same columns, same rows (numbers as numbers), and where the query orders them, the same order."""
    local = rows(query.name, "--store", str(setup.store))
    remote = rows(query.name, "--endpoint", setup.v.sparql_url)
    assert local, "an empty answer compares nothing"
    assert differences(local, remote, order=order_keys(query.text)) == []


@pytest.mark.parametrize("case", WITH_PARAMETERS, ids=lambda c: " ".join(c))
def test_saved_queries_with_parameters_return_the_same_rows_on_virtuoso(setup: Setup, case: tuple[str, ...]) -> None:
    name, *params = case
    args = [a for p in params for a in ("--param", p)]
    local = rows(name, *args, "--store", str(setup.store))
    remote = rows(name, *args, "--endpoint", setup.v.sparql_url)
    assert local, "an empty answer compares nothing"
    assert local != rows(name, "--store", str(setup.store))  # the parameters changed the answer
    query = next(q for q in catalog() if q.name == name)
    assert differences(local, remote, order=order_keys(query.text)) == []


def test_the_points_keep_their_longitude_and_latitude(setup: Setup) -> None:
    """Virtuoso answers WKT points as POINT(x y)^^virtrdf:Geometry: read as the store's Point(x y), with the
    _lon/_lat columns."""
    remote = rows("institutions_locations", "--endpoint", setup.v.sparql_url)
    assert remote and all(r["coordinates"].startswith("Point(") for r in remote)
    assert all(-180 <= r["coordinates_lon"] <= 180 and -90 <= r["coordinates_lat"] <= 90 for r in remote)


def test_the_page_s_query_commands(setup: Setup) -> None:
    """Step 4 as written: a saved query by name, and a .rq file of one's own saved as Parquet, with its
    provenance (the endpoint, the query text, the time) inside and beside it."""
    from kg.query.provenance import read_parquet_provenance, sidecar

    by_name, own = doc_steps()[4]
    code, out, err = setup.run(by_name)
    assert code == 0, err
    assert "institutions" in out and "rows" in out
    saved = next(q for q in catalog() if q.name == "institutions_locations")
    (setup.tmp / "my-query.rq").write_text(saved.text, encoding="utf-8")
    code, _, err = setup.run(own)
    assert code == 0, err
    import pandas as pd

    answer = setup.tmp / "answer.parquet"
    df = pd.read_parquet(answer)
    assert {"coordinates_lon", "coordinates_lat"} <= set(df.columns) and len(df) > 100
    prov = read_parquet_provenance(answer)
    assert prov is not None and prov["endpoint"] == setup.v.sparql_url and prov["rows"] == len(df)
    assert "wdt:P625" in prov["query"] and prov["store"] is None and prov["ran_at"].endswith("Z")
    assert json.loads(sidecar(answer).read_text(encoding="utf-8")) == prov


def test_the_export_holds_every_triple_of_the_store(setup: Setup, tmp_path: Path) -> None:
    q = tmp_path / "count.rq"
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:glamkg:export> { ?s ?p ?o } }", encoding="utf-8")
    (remote,) = rows(str(q), "--endpoint", setup.v.sparql_url)
    q.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", encoding="utf-8")
    (local,) = rows(str(q), "--store", str(setup.store))
    assert remote["n"] == local["n"] > 10_000


def test_a_query_error_from_virtuoso_is_one_clear_line_and_not_retried(setup: Setup, tmp_path: Path) -> None:
    """YEAR() of an unbound value: Virtuoso answers HTTP 500 with its error; the same query would fail the same
    way, so it is not sent again (no wait line), and the user sees Virtuoso's message."""
    q = tmp_path / "bad.rq"
    q.write_text(
        "PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
        "SELECT ?p (YEAR(?end) AS ?y) WHERE { ?p wdt:P580 ?s OPTIONAL { ?p wdt:P582 ?end } }",
        encoding="utf-8",
    )
    code, _, err = cli("query", "run", str(q), "--endpoint", setup.v.sparql_url)
    assert code == 4
    assert "Function year needs a datetime" in err
    assert "waiting" not in err and err.count("error:") == 1


def test_the_dashboard_reads_its_tables_from_virtuoso(
    setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`glamkg dashboard --endpoint URL` (the setting it passes to Streamlit): every page shows the same figures
    and tables from Virtuoso as from the store, with the synthetic banner, reading the tables in pages of rows."""
    from dashboard_endpoint import PAGES, assert_same_pages, page_numbers

    from kg.gaps.tables import read
    from kg.query import RemoteGraph

    local = page_numbers(setup.store, None, tmp_path / "cache-local", monkeypatch)
    remote = page_numbers(tmp_path / "no-store-here", setup.v.sparql_url, tmp_path / "cache", monkeypatch)
    assert_same_pages(local, remote)
    assert all(remote[p].synthetic for p in PAGES)
    # the tables came in pages: a page size below the table sizes gives the same dataset
    small = RemoteGraph(setup.v.sparql_url, page_size=97)
    paged, whole = read(small), read(RemoteGraph(setup.v.sparql_url))
    assert small.requests > 20
    assert paged.institutions.sort_values("item").reset_index(drop=True).equals(
        whole.institutions.sort_values("item").reset_index(drop=True)
    )
    assert len(whole.institutions) == setup.institutions() > 300
    assert whole.meta["synthetic"] is True


def test_the_page_s_dashboard_command_serves_without_a_store(setup: Setup, tmp_path: Path) -> None:
    """Step 5 as written (plus a free port and a store path where there is none): the tables read from
    Virtuoso, the URL printed, the server healthy."""
    from dashboard_endpoint import serve_dashboard

    (line,) = doc_steps()[5]
    argv = setup.argv(line)
    assert argv[:2] == ["glamkg", "dashboard"]
    lines = serve_dashboard(argv[1:], tmp_path)
    assert any(f"on the SPARQL endpoint {setup.v.sparql_url}" in line for line in lines), lines
    n = setup.institutions()
    assert any(f"read {n:,} institutions" in line for line in lines), lines


def test_an_ask_query_on_virtuoso_is_a_boolean(setup: Setup, tmp_path: Path) -> None:
    """Virtuoso answers ASK as a one-row table (__ASK_RETVAL); glamkg reads it as the boolean it is."""
    q = tmp_path / "ask.rq"
    q.write_text("ASK { ?s <http://www.wikidata.org/prop/direct/P31> ?o }", encoding="utf-8")
    assert rows(str(q), "--endpoint", setup.v.sparql_url) == rows(str(q), "--store", str(setup.store)) == [
        {"boolean": True}
    ]

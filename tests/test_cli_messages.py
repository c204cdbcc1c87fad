"""One channel for telling the user something: library code logs, the CLI shows it on stderr, --quiet hides it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from loopback import Quiet, serving

from kg.cli import main

ANSWER = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [
    {"n": {"type": "literal", "value": "7", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}).encode()


class Sparql(Quiet):
    """A SPARQL endpoint on loopback that first answers with ``script`` (status, headers, body), then 200."""

    script: ClassVar[list[tuple[int, dict[str, str], bytes]]] = []
    requests: ClassVar[int] = 0

    def _answer(self) -> None:
        Sparql.requests += 1
        if Sparql.script:
            status, headers, body = Sparql.script.pop(0)
        else:
            status, headers, body = 200, {"Content-Type": "application/sparql-results+json"}, ANSWER
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()


@pytest.fixture
def endpoint() -> Iterator[str]:
    Sparql.script, Sparql.requests = [], 0
    with serving(Sparql) as url:
        yield url


@pytest.fixture
def query_file(tmp_path: Path) -> Path:
    p = tmp_path / "count.rq"
    p.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n", encoding="utf-8")
    return p


def test_a_wait_on_the_server_is_a_visible_line(endpoint, query_file, capsys):
    Sparql.script = [(429, {"Retry-After": "1"}, b"slow down")]
    assert main(["query", "run", str(query_file), "--endpoint", endpoint, "-f", "csv"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["n", "7"]
    assert "HTTP 429" in err and "waiting 1 s (Retry-After)" in err
    assert Sparql.requests == 2


def test_quiet_hides_the_wait_but_not_the_result(endpoint, query_file, capsys):
    Sparql.script = [(429, {"Retry-After": "1"}, b"slow down")]
    assert main(["--quiet", "query", "run", str(query_file), "--endpoint", endpoint, "-f", "csv"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["n", "7"] and err == ""
    assert Sparql.requests == 2


def test_a_query_error_from_the_server_is_not_retried(endpoint, query_file, capsys):
    """Virtuoso answers a mistake in the query with HTTP 500: the same query fails the same way, so one try."""
    body = b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error at 'SELEC'"
    Sparql.script = [(500, {"Content-Type": "text/plain"}, body)] * 3
    assert main(["query", "run", str(query_file), "--endpoint", endpoint]) == 4
    err = capsys.readouterr().err
    assert "HTTP 500" in err and "SP030" in err and "waiting" not in err
    assert Sparql.requests == 1

"""kg.http against a loopback http.server: retries, Retry-After, caps, errors, User-Agent, cache."""

from __future__ import annotations

import email.utils
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from kg import http as khttp
from kg.errors import RemoteError


class Handler(http.server.BaseHTTPRequestHandler):
    # script: list of (status, headers, body, delay) served in order; the last one repeats
    script: ClassVar[list[tuple[int, dict[str, str], bytes, float]]] = []
    seen: ClassVar[list[dict[str, str]]] = []

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body_in = self.rfile.read(length) if length else b""
        Handler.seen.append({**dict(self.headers), "_path": self.path, "_body": body_in.decode()})
        i = min(len(Handler.seen) - 1, len(Handler.script) - 1)
        status, headers, body, delay = Handler.script[i]
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = _serve
    do_POST = _serve

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Handler.script = []
    Handler.seen = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/sparql"
    srv.shutdown()
    srv.server_close()


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, s: float) -> None:
        self.calls.append(s)


JSON = {"Content-Type": "application/json"}


def test_user_agent_sent_and_follows_policy(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLAMKG_CONTACT", "someone@example.org")
    Handler.script = [(200, JSON, b'{"ok": true}', 0)]
    client = khttp.HttpClient()
    assert client.get_json(server) == {"ok": True}
    ua = Handler.seen[0]["User-Agent"]
    assert ua.startswith("glamkg/")
    assert "someone@example.org" in ua and khttp.PROJECT_URL in ua and "python-requests/" in ua


def test_user_agent_strips_control_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLAMKG_CONTACT", "a@b.org\r\nX-Evil: 1")
    ua = khttp.default_user_agent()
    assert "\n" not in ua and "\r" not in ua


def test_429_retry_after_seconds_is_honoured(server: str) -> None:
    Handler.script = [(429, {"Retry-After": "7"}, b"slow down", 0), (200, JSON, b"{}", 0)]
    sleeps = Sleeps()
    client = khttp.HttpClient(sleep=sleeps, max_retries=2)
    assert client.get(server).status_code == 200
    assert sleeps.calls == [7.0]
    assert len(Handler.seen) == 2


def test_503_retry_after_http_date(server: str) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    Handler.script = [(503, {"Retry-After": when}, b"", 0), (200, JSON, b"{}", 0)]
    sleeps = Sleeps()
    client = khttp.HttpClient(sleep=sleeps)
    assert client.get(server).status_code == 200
    assert len(sleeps.calls) == 1 and 25 <= sleeps.calls[0] <= 31


def test_retry_after_over_cap_raises_without_sleeping(server: str) -> None:
    Handler.script = [(429, {"Retry-After": "3600"}, b"too many", 0)]
    sleeps = Sleeps()
    client = khttp.HttpClient(sleep=sleeps, max_sleep=60)
    with pytest.raises(RemoteError, match=r"HTTP 429.*3600 s.*60 s cap") as ei:
        client.get(server)
    assert sleeps.calls == []
    # callers that page or resume branch on the attributes, not on the message
    assert ei.value.status == 429 and ei.value.retry_after == 3600.0
    assert ei.value.url == server


def test_500_backoff_then_give_up(server: str) -> None:
    Handler.script = [(500, {}, b"boom", 0)]
    sleeps = Sleeps()
    client = khttp.HttpClient(sleep=sleeps, max_retries=3, backoff=0.5)
    with pytest.raises(RemoteError, match=r"HTTP 500.*boom.*gave up after 4 attempts") as ei:
        client.get(server)
    assert server.split("//")[1] in str(ei.value)
    assert ei.value.status == 500 and ei.value.retry_after is None and ei.value.url == server
    assert sleeps.calls == [0.5, 1.0, 2.0]
    assert ei.value.exit_code == 4


def test_400_is_not_retried_and_shows_server_message(server: str) -> None:
    Handler.script = [(400, {}, b"MalformedQueryException: Encountered ' at line 3", 0)]
    sleeps = Sleeps()
    with pytest.raises(RemoteError, match=r"HTTP 400.*MalformedQueryException.*syntax error"):
        khttp.HttpClient(sleep=sleeps).post(server, data={"query": "SELEC"})
    assert sleeps.calls == [] and len(Handler.seen) == 1
    with pytest.raises(RemoteError) as ei:
        khttp.HttpClient(sleep=sleeps).get(server)
    assert ei.value.status == 400 and ei.value.exit_code == 4


def test_timeout_is_retried_then_reported(server: str) -> None:
    Handler.script = [(200, JSON, b"{}", 1.0)]
    sleeps = Sleeps()
    client = khttp.HttpClient(timeout=0.2, max_retries=1, backoff=0.01, sleep=sleeps)
    with pytest.raises(RemoteError, match=r"no answer within 0.2 s"):
        client.get(server)
    assert sleeps.calls == [0.01]


def test_connection_refused() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    client = khttp.HttpClient(max_retries=1, backoff=0.0, sleep=Sleeps())
    with pytest.raises(RemoteError, match=r"cannot connect") as ei:
        client.get(f"http://127.0.0.1:{port}/sparql")
    assert ei.value.status is None and ei.value.url == f"http://127.0.0.1:{port}/sparql"


def test_malformed_json_body(server: str) -> None:
    Handler.script = [(200, JSON, b"<html>not json", 0)]
    with pytest.raises(RemoteError, match=r"expected a JSON body.*<html>not json"):
        khttp.HttpClient().get_json(server)


def test_total_sleep_cap_across_retries(server: str) -> None:
    Handler.script = [(503, {"Retry-After": "4"}, b"", 0)]
    sleeps = Sleeps()
    client = khttp.HttpClient(sleep=sleeps, max_retries=10, max_sleep=10)
    with pytest.raises(RemoteError, match="cap"):
        client.get(server)
    assert sleeps.calls == [4.0, 4.0] and client.slept == 8.0


def test_notify_says_why_the_client_waits(server: str) -> None:
    Handler.script = [(429, {"Retry-After": "2"}, b"slow down", 0), (503, {}, b"", 0), (200, JSON, b"{}", 0)]
    lines: list[str] = []
    client = khttp.HttpClient(sleep=Sleeps(), backoff=0.5, notify=lines.append)
    client.get(server)
    assert len(lines) == 2
    assert "HTTP 429" in lines[0] and "slow down" in lines[0]
    assert "waiting 2 s (Retry-After), then retry 1 of 3" in lines[0]
    assert "HTTP 503" in lines[1] and "waiting 1 s (backoff), then retry 2 of 3" in lines[1]


def test_retries_per_request_override(server: str) -> None:
    Handler.script = [(503, {"Retry-After": "1"}, b"", 0), (200, JSON, b"{}", 0)]
    sleeps = Sleeps()
    client = khttp.HttpClient(sleep=sleeps)
    with pytest.raises(RemoteError, match=r"gave up after 1 attempt\b") as ei:
        client.post(server, data={"x": "1"}, retries=0)  # a POST that must not be repeated blindly
    assert ei.value.status == 503 and ei.value.retry_after == 1.0 and sleeps.calls == []
    assert client.get(server).status_code == 200 and client.max_retries == 3  # the default is untouched
    with pytest.raises(ValueError, match="retries"):
        client.get(server, retries=-1)


def test_cache_hits_skip_the_network(server: str, tmp_path: Path) -> None:
    Handler.script = [(200, JSON, b'{"n": 1}', 0), (200, JSON, b'{"n": 2}', 0)]
    client = khttp.HttpClient(cache_dir=tmp_path)
    assert client.post(server, data={"query": "A"}).json() == {"n": 1}
    assert client.post(server, data={"query": "A"}).json() == {"n": 1}  # cached
    assert client.post(server, data={"query": "B"}).json() == {"n": 2}  # other body -> other key
    assert len(Handler.seen) == 2
    assert client.get(server, params={"query": "A"}, cache=False).json() == {"n": 2}


def test_credentials_never_shown(server: str) -> None:
    Handler.script = [(404, {}, b"no such endpoint", 0)]
    secret = server.replace("http://", "http://alice:s3cret@")
    with pytest.raises(RemoteError) as ei:
        khttp.HttpClient(max_retries=0).get(secret)
    assert "s3cret" not in str(ei.value) and "s3cret" not in (ei.value.url or "")
    assert ei.value.status == 404 and "check the endpoint URL" in str(ei.value)


def test_retry_after_parsing() -> None:
    assert khttp.parse_retry_after("12") == 12.0
    assert khttp.parse_retry_after(None) is None
    assert khttp.parse_retry_after("soon") is None
    past = email.utils.formatdate(0, usegmt=True)
    assert khttp.parse_retry_after(past) == 0.0


def test_sparql_endpoint_retries_and_converts(server: str) -> None:
    from kg.query.endpoint import SparqlEndpoint

    body = (
        b'{"head": {"vars": ["item", "n"]}, "results": {"bindings": [{"item": {"type": "uri", "value": '
        b'"http://www.wikidata.org/entity/Q42"}, "n": {"type": "literal", "datatype": '
        b'"http://www.w3.org/2001/XMLSchema#integer", "value": "7"}}]}}'
    )
    Handler.script = [
        (429, {"Retry-After": "2"}, b"Too Many Requests", 0),
        (200, {"Content-Type": "application/sparql-results+json"}, body, 0),
    ]
    sleeps = Sleeps()
    ep = SparqlEndpoint(server, client=khttp.HttpClient(sleep=sleeps, user_agent="glamkg-test/1 (t@example.org)"))
    df = ep.dataframe("SELECT ?item ?n WHERE { ?item ?p ?n }")
    assert df.to_dict("records") == [{"item": "Q42", "n": 7}]
    assert sleeps.calls == [2.0]
    assert all(h["User-Agent"] == "glamkg-test/1 (t@example.org)" for h in Handler.seen)
    assert Handler.seen[-1]["Accept"] == "application/sparql-results+json"
    assert "query=SELECT" in Handler.seen[-1]["_path"]  # short queries go by GET (cacheable on WDQS)


def test_sparql_endpoint_bad_body_and_long_query_post(server: str) -> None:
    from kg.query.endpoint import SparqlEndpoint

    Handler.script = [(200, {"Content-Type": "application/sparql-results+json"}, b"<html>oops</html>", 0)]
    ep = SparqlEndpoint(server, client=khttp.HttpClient(max_retries=0))
    long_query = "SELECT ?x WHERE { ?x ?p ?o } # " + "x" * 3000
    with pytest.raises(RemoteError, match=r"expected SPARQL JSON results"):
        ep.select(long_query)
    assert Handler.seen[-1]["_body"].startswith("query=SELECT")  # long queries go by POST


def test_local_client_does_not_retry_or_use_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    with khttp.local_client(timeout=1) as client:
        assert client.session.trust_env is False and client.max_retries == 0 and client.timeout == 1
        with pytest.raises(RemoteError, match=rf"127\.0\.0\.1:{port}.*cannot connect.*after 1 attempt\b"):
            client.get(f"http://127.0.0.1:{port}/_stcore/health")
        assert client.slept == 0


def test_500_with_a_query_error_is_not_retried(server: str) -> None:
    Handler.script = [(500, {}, b"Virtuoso 37000 Error SP030: SPARQL compiler, line 3: syntax error", 0)]
    sleeps = Sleeps()
    with pytest.raises(RemoteError, match=r"HTTP 500.*SP030") as ei:
        khttp.HttpClient(sleep=sleeps, max_retries=3).get(server)
    assert sleeps.calls == [] and ei.value.status == 500 and len(Handler.seen) == 1


# Bodies as Virtuoso 7.2 (Debian's virtuoso-opensource) sends them with HTTP 500
VIRTUOSO_YEAR_OF_UNBOUND = (
    b"Virtuoso 22007 Error DT001: Function year needs a datetime, date or time as argument 1, not an arg of type "
    b"DB_NULL (204)\n\nSPARQL query:\nSELECT ?x WHERE { BIND(YEAR(?u) AS ?x) }"
)
VIRTUOSO_DEADLOCK = b"Virtuoso 40001 Error SR172: Transaction deadlocked\n\nSPARQL query:\nSELECT * WHERE { ?s ?p ?o }"


def test_virtuoso_query_errors_are_not_retried(server: str) -> None:
    """Virtuoso's answer to YEAR() of an unbound value: the same query fails the same way, one request."""
    Handler.script = [(500, {}, VIRTUOSO_YEAR_OF_UNBOUND, 0), (200, {}, b"ok", 0)]
    sleeps = Sleeps()
    with pytest.raises(RemoteError, match=r"HTTP 500.*Function year needs a datetime"):
        khttp.HttpClient(sleep=sleeps, max_retries=3).get(server)
    assert sleeps.calls == [] and len(Handler.seen) == 1


def test_a_virtuoso_deadlock_is_retried(server: str) -> None:
    """SQLSTATE 40001 (deadlock) is about the moment, not the query: tried again after the backoff."""
    Handler.script = [(500, {}, VIRTUOSO_DEADLOCK, 0), (200, {}, b"ok", 0)]
    sleeps = Sleeps()
    assert khttp.HttpClient(sleep=sleeps, max_retries=3).get(server).text == "ok"
    assert len(sleeps.calls) == 1 and len(Handler.seen) == 2


def test_waits_are_logged_when_no_one_listens(server: str, caplog: pytest.LogCaptureFixture) -> None:
    Handler.script = [(503, {"Retry-After": "2"}, b"busy", 0), (200, {}, b"ok", 0)]
    with caplog.at_level("WARNING", logger="kg.http"):
        assert khttp.HttpClient(sleep=Sleeps()).get(server).text == "ok"
    assert [r.getMessage() for r in caplog.records if r.name == "kg.http"] == [
        f"GET {server}: HTTP 503 Service Unavailable: busy; waiting 2 s (Retry-After), then retry 1 of 3"
    ]

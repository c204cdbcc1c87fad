"""Remote SPARQL 1.1 endpoints (query.wikidata.org, a Wikibase Cloud query service, QLever, Virtuoso,
``oxigraph serve`` ...) behind glamkg's one HTTP client.

SPARQLWrapper's own transport is ``urllib``: it cannot honour ``Retry-After``, has no bounded retries and
no cache. So the HTTP exchange goes through :class:`kg.http.HttpClient` (Wikimedia User-Agent, timeout,
bounded retries honouring ``Retry-After`` on 429/503, status checks, optional on-disk cache keyed by method,
URL and body, i.e. by endpoint, query and bound parameters), and SPARQLWrapper converts the response
body (``QueryResult.convert``: SPARQL JSON -> dict, RDF -> text) and carries the same User-Agent. Query-type
detection (and the refusal of updates) uses glamkg's SPARQL tokenizer (:func:`kg.query.query_form`):
SPARQLWrapper's regular expressions also match keywords inside comments and strings.

    >>> ep = SparqlEndpoint("https://query.wikidata.org/sparql")          # doctest: +SKIP
    >>> ep.select("SELECT ?x WHERE { wd:Q42 wdt:P31 ?x }")["results"]      # doctest: +SKIP
"""

from __future__ import annotations

import json
import warnings
from typing import Any
from urllib.parse import quote

import pandas as pd
import pyoxigraph as ox
import requests
from SPARQLWrapper import JSON, N3, SPARQLWrapper
from SPARQLWrapper.Wrapper import QueryResult

from kg.errors import InputError, RemoteError
from kg.http import HttpClient, default_client
from kg.i18n import _
from kg.query import results

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
MAX_GET_URL = 2000  # longer queries go by POST (WDQS caches GET requests, so short ones use GET)


class _Response:
    """A ``requests.Response`` shaped like the urllib response SPARQLWrapper's QueryResult reads."""

    def __init__(self, resp: requests.Response) -> None:
        self._resp = resp

    def info(self) -> dict[str, str]:
        return dict(self._resp.headers)

    def read(self) -> bytes:
        return self._resp.content

    def geturl(self) -> str:
        return self._resp.url

    def __iter__(self) -> Any:
        return iter([self._resp.content])


def _ask_row(doc: dict[str, Any]) -> bool:
    """Virtuoso answers ASK, asked for as SPARQL JSON, with one row of one variable (``__ASK_RETVAL``: 1 or 0)
    instead of ``{"boolean": ...}``."""
    rows = (doc.get("results") or {}).get("bindings") or []
    if len(rows) == 1 and len(rows[0]) == 1:
        return str(next(iter(rows[0].values())).get("value", "")).lower() in ("1", "true")
    return bool(rows)


class SparqlEndpoint:
    """One SPARQL endpoint. ``client`` defaults to the process-wide :func:`kg.http.default_client`."""

    def __init__(self, url: str, client: HttpClient | None = None, *, method: str = "auto") -> None:
        if method not in ("auto", "GET", "POST"):
            raise ValueError(f"method must be auto, GET or POST, found {method!r}")
        self.url = url
        self.client = client or default_client()
        self.method = method
        self.wrapper = SPARQLWrapper(url, agent=self.client.user_agent)

    def query_type(self, query: str) -> str:
        """SELECT / ASK / CONSTRUCT / DESCRIBE; updates raise :class:`InputError` (nothing is sent)."""
        from kg.query.sparql_text import query_form

        # glamkg's tokenizer, not SPARQLWrapper's regular expressions: those read keywords inside comments
        # and strings (a "# ... adds the region" comment makes SPARQLWrapper call a SELECT an update).
        return query_form(query)

    def _exchange(self, query: str, accept: str) -> requests.Response:
        headers = {"Accept": accept}
        use_get = self.method == "GET" or (
            self.method == "auto" and len(self.url) + len(quote(query, safe="")) < MAX_GET_URL
        )
        if use_get:
            return self.client.get(self.url, params={"query": query}, headers=headers)
        return self.client.post(self.url, data={"query": query}, headers=headers)

    def _convert(self, resp: requests.Response, fmt: str) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SPARQLWrapper warns on unexpected content types; we check below
            try:
                return QueryResult((_Response(resp), fmt)).convert()  # type: ignore[arg-type]
            except (ValueError, UnicodeDecodeError) as e:
                ctype = resp.headers.get("Content-Type", "?")
                start = resp.text[:120].replace("\n", " ")
                raise RemoteError(
                    _("{url}: expected {expected}, found {ctype} that does not parse ({error}); body starts with "
                      "{start}").format(url=self.url, expected=_("SPARQL JSON results") if fmt == JSON else "RDF",
                                        ctype=repr(ctype), error=e, start=repr(start)),
                    status=resp.status_code,
                    url=self.url,
                ) from e

    def select(self, query: str) -> dict[str, Any]:
        """SPARQL JSON results of a SELECT (or ASK) query, as a dict."""
        form = self.query_type(query)
        if form not in ("SELECT", "ASK"):
            raise InputError(_("expected a SELECT or ASK query, found {form}").format(form=form))
        resp = self._exchange(query, SPARQL_JSON)
        doc = self._convert(resp, JSON)
        if isinstance(doc, (bytes, str)):
            try:
                doc = json.loads(doc)
            except ValueError as e:
                raise RemoteError(
                    _("{url}: expected SPARQL JSON results, the body does not parse ({error})").format(
                        url=self.url, error=e), url=self.url
                ) from e
        if not isinstance(doc, dict) or not ("results" in doc or "boolean" in doc):
            raise RemoteError(
                _("{url}: expected SPARQL JSON results (head/results or boolean), found {found}").format(
                    url=self.url, found=repr(str(doc)[:120])),
                url=self.url,
            )
        if form == "ASK" and "boolean" not in doc:
            doc = {"head": {}, "boolean": _ask_row(doc)}
        return doc

    def ask(self, query: str) -> bool:
        return bool(self.select(query).get("boolean"))

    def graph(self, query: str) -> list[ox.Triple]:
        """Triples of a CONSTRUCT or DESCRIBE query (asked for as N-Triples, parsed by pyoxigraph)."""
        form = self.query_type(query)
        if form not in ("CONSTRUCT", "DESCRIBE"):
            raise InputError(_("expected a CONSTRUCT or DESCRIBE query, found {form}").format(form=form))
        resp = self._exchange(query, f"{N_TRIPLES}, text/turtle;q=0.9")
        body = self._convert(resp, N3)
        data = body.encode() if isinstance(body, str) else bytes(body)
        ctype = resp.headers.get("Content-Type", N_TRIPLES).split(";")[0].strip()
        fmt = ox.RdfFormat.TURTLE if "turtle" in ctype else ox.RdfFormat.N_TRIPLES
        try:
            return [q.triple for q in ox.parse(data, format=fmt)]
        except SyntaxError as e:
            raise RemoteError(_("{url}: the RDF returned does not parse as {ctype}: {error}").format(
                url=self.url, ctype=ctype, error=e), url=self.url) from e

    def dataframe(self, query: str, *, shorten_ids: bool = True, form: str | None = None) -> pd.DataFrame:
        """Any read query -> typed DataFrame (the same typing as the local store gives)."""
        form = form or self.query_type(query)
        if form in ("SELECT", "ASK"):
            return results.to_dataframe(self.select(query), shorten_ids=shorten_ids)
        triples = self.graph(query)
        rows = [
            {"subject": results.term_json(t.subject), "predicate": results.term_json(t.predicate),
             "object": results.term_json(t.object)}
            for t in triples
        ]
        return results.build_frame(["subject", "predicate", "object"], rows, shorten_ids=shorten_ids)

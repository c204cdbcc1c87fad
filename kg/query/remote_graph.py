"""A SPARQL endpoint read the way the dashboard and ``glamkg gaps`` read the store (:func:`kg.gaps.tables.read`).

When a graph outgrows the embedded store, analysts point the dashboard at a big engine
(``glamkg dashboard --endpoint URL``: Virtuoso, QLever, a Wikibase's query service). The table reader only
asks single-pattern ``SELECT`` queries (``?item wdt:P31 ?value``) plus ``meta()`` and ``generation()``;
:class:`RemoteGraph` answers them from the endpoint:

- **paged**: each SELECT is sent as ``... ORDER BY <its variables> LIMIT n OFFSET k`` until a page comes back
  short, so a server's cap on result rows (Virtuoso's ``ResultSetMaxRows``, 10,000 by default on Debian) never
  cuts a table silently; the page size stays at or below that cap;
- **polite**: through glamkg's one HTTP client (User-Agent, timeout, ``Retry-After``, no retry of a query
  error);
- **one spelling**: values come back as the store writes them (Virtuoso's ``POINT(x y)`` geometry is
  Wikidata's ``Point(x y)``);
- **dated**: ``generation()`` is the day (UTC): the dashboard caches what it read per endpoint and day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kg.http import HttpClient
from kg.model import ids
from kg.model.schema import model
from kg.query import results
from kg.query.endpoint import SparqlEndpoint
from kg.query.sparql_text import query_form, tokenize
from kg.query.wdqs import projected_variables

DEFAULT_PAGE = 10_000
REFERENCE_PREFIX = "http://www.wikidata.org/prop/reference/"


@dataclass(frozen=True)
class Term:
    """A value as the table reader wants it: its lexical form (``.value``), like a pyoxigraph term."""

    value: str


def _lexical(term: dict[str, Any]) -> str:
    value = str(term.get("value", ""))
    if term.get("datatype") in (results.WKT, results.VIRTUOSO_GEOMETRY):
        return results.canonical_point(value) or value
    return value


class RemoteGraph:
    """A SPARQL endpoint with the small part of :class:`kg.store.Store`'s interface the table reader uses."""

    def __init__(self, url: str, *, client: HttpClient | None = None, page_size: int = DEFAULT_PAGE) -> None:
        if page_size < 1:
            raise ValueError("page_size must be positive")
        self.url = url
        self.endpoint = SparqlEndpoint(url, client)
        self.page_size = page_size
        self.requests = 0

    def query(self, sparql: str) -> Any:
        """ASK -> bool; SELECT -> every solution (paged), as tuples of :class:`Term` or None."""
        form = query_form(sparql)
        if form == "ASK":
            self.requests += 1
            return self.endpoint.ask(sparql)
        variables = projected_variables(sparql)
        words = {t.upper for t in tokenize(sparql) if t.kind == "name"}
        if form != "SELECT" or not variables or words & {"LIMIT", "OFFSET", "ORDER"}:
            self.requests += 1
            doc = self.endpoint.select(sparql)
            return [self._row(b, doc["head"]["vars"]) for b in doc["results"]["bindings"]]
        order = " ".join(f"?{v}" for v in variables)  # the plain variables order the solutions completely
        rows: list[tuple[Term | None, ...]] = []
        offset = 0
        while True:
            page = f"{sparql}\nORDER BY {order}\nLIMIT {self.page_size} OFFSET {offset}"
            self.requests += 1
            doc = self.endpoint.select(page)
            bindings = doc["results"]["bindings"]
            rows.extend(self._row(b, doc["head"]["vars"]) for b in bindings)
            if len(bindings) < self.page_size:
                return rows
            offset += self.page_size

    @staticmethod
    def _row(binding: dict[str, Any], variables: list[str]) -> tuple[Term | None, ...]:
        return tuple(Term(_lexical(binding[v])) if v in binding else None for v in variables)

    def generation(self) -> str:
        """The day (UTC): what was read from an endpoint is kept for a day."""
        return dt.datetime.now(dt.UTC).date().isoformat()

    def meta(self) -> dict[str, Any]:
        """Label, synthetic flag (demo data carries references `stated in` the synthetic dataset item) and date."""
        synthetic_item = ids.entity_iri(model().cls("synthetic_dataset").id)
        stated_in = model().prop("stated_in").id
        synthetic = bool(self.query(f"ASK {{ ?ref <{REFERENCE_PREFIX}{stated_in}> <{synthetic_item}> }}"))
        return {
            "label": f"SPARQL endpoint {self.url}" + (" (synthetic demo data)" if synthetic else ""),
            "synthetic": synthetic,
            "loaded_at": self.generation(),
            "endpoint": self.url,
        }

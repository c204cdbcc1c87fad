"""Queries: saved SPARQL files, WDQS compatibility, remote endpoints and typed results.

Owns: saved queries ``queries/*.rq`` with typed parameters bound by the engine (:mod:`~kg.query.saved`);
running WDQS queries unchanged on the local store (:mod:`~kg.query.wdqs`, :mod:`~kg.query.wdqs_syntax`,
:mod:`~kg.query.wdqs_services`, :mod:`~kg.query.sparql_text`); any SPARQL 1.1 endpoint over HTTP
(:mod:`~kg.query.endpoint`), and read like the store by the dashboard's tables (:mod:`~kg.query.remote_graph`);
results as typed DataFrames and files (:mod:`~kg.query.results`), the answer's columns (:mod:`~kg.query.terms`)
and the plain tables written without pandas (:mod:`~kg.query.table`); derived tables of big answers kept per
store content (:mod:`~kg.query.derived`, built by :mod:`~kg.query.derivation` when a store is written); WDQS
magic comments (:mod:`~kg.query.header`) and Blazegraph-only syntax (:mod:`~kg.query.wdqs_blazegraph`).

May import: :mod:`kg.model`, :mod:`kg.rdf`, :mod:`kg.store`, pandas, pyoxigraph, SPARQLWrapper and the
top-level infrastructure (remote calls only through :mod:`kg.http`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg import lazy_face

if TYPE_CHECKING:
    from kg.query.remote_graph import RemoteGraph
    from kg.query.saved import (
        PARAM_TYPES,
        VIEWS,
        SavedQuery,
        bind_values,
        bound_text,
        catalog,
        endpoint_url,
        get,
        is_ordered,
        load,
        parse,
        resolve_query,
        run,
        wdqs_link,
        with_limit,
        with_local_base,
        with_values_block,
    )
    from kg.query.sparql_text import query_form

_HOMES = {
    "kg.query.saved": [
        "PARAM_TYPES",
        "SavedQuery",
        "VIEWS",
        "bind_values",
        "bound_text",
        "catalog",
        "endpoint_url",
        "get",
        "is_ordered",
        "load",
        "parse",
        "resolve_query",
        "run",
        "wdqs_link",
        "with_limit",
        "with_local_base",
        "with_values_block",
    ],
    "kg.query.sparql_text": ["query_form"],
    "kg.query.remote_graph": ["RemoteGraph"],
}
__all__ = [
    "PARAM_TYPES",
    "VIEWS",
    "RemoteGraph",
    "SavedQuery",
    "bind_values",
    "bound_text",
    "catalog",
    "endpoint_url",
    "get",
    "is_ordered",
    "load",
    "parse",
    "query_form",
    "resolve_query",
    "run",
    "wdqs_link",
    "with_limit",
    "with_local_base",
    "with_values_block",
]
__getattr__, __dir__ = lazy_face(__name__, _HOMES)

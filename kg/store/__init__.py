"""The embedded store: a real Oxigraph store on disk holding entities as WDQS holds them.

Owns: :class:`Store` (:mod:`~kg.store.store`): open, all-or-nothing writes, export, stats, metadata and
generations; large writes through a copy and a swap (:mod:`~kg.store.swap`), compacted when the writer
closes (:mod:`~kg.store.compaction`); dump files
(:mod:`~kg.store.files`); entity JSON read back from the store's RDF (:mod:`~kg.store.read`); what it says when
it cannot open a store or run a query, in the user's language (:mod:`~kg.store.messages`).

May import: :mod:`kg.model`, :mod:`kg.rdf`, pyoxigraph, the top-level infrastructure. Never the terminal
(progress goes through callbacks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg import lazy_face

if TYPE_CHECKING:
    from kg.store.report import WriteReport
    from kg.store.store import META_GRAPH, PREFIXES, Converter, Store, open_store, raw, read_with_retry

_HOMES = {
    "kg.store.store": ["META_GRAPH", "PREFIXES", "Converter", "Store", "open_store", "raw", "read_with_retry"],
    "kg.store.report": ["WriteReport"],
}
__all__ = ["META_GRAPH", "PREFIXES", "Converter", "Store", "WriteReport", "open_store", "raw", "read_with_retry"]
__getattr__, __dir__ = lazy_face(__name__, _HOMES)

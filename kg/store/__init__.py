"""The embedded store: a real Oxigraph store on disk holding entities as WDQS holds them.

Owns: :class:`Store` (:mod:`~kg.store.store`): open, all-or-nothing writes, export, stats, metadata and
generations; large writes through a copy and a swap (:mod:`~kg.store.swap`); dump files
(:mod:`~kg.store.files`); entity JSON read back from the store's RDF (:mod:`~kg.store.read`).

May import: :mod:`kg.model`, :mod:`kg.rdf`, pyoxigraph, the top-level infrastructure. Never the terminal
(progress goes through callbacks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg import lazy_face

if TYPE_CHECKING:
    from kg.store.store import META_GRAPH, PREFIXES, Converter, Store, WriteReport, open_store, read_with_retry

__all__ = ["META_GRAPH", "PREFIXES", "Converter", "Store", "WriteReport", "open_store", "read_with_retry"]
__getattr__, __dir__ = lazy_face(
    __name__,
    {
        "Converter": "kg.store.store",
        "META_GRAPH": "kg.store.store",
        "PREFIXES": "kg.store.store",
        "Store": "kg.store.store",
        "WriteReport": "kg.store.store",
        "open_store": "kg.store.store",
        "read_with_retry": "kg.store.store",
    },
)

"""How the store applies a write: one table of cases, each with its mechanism and the guarantee it gives.

Every write of the store (:meth:`kg.store.Store.write_entities`, :meth:`~kg.store.Store.add_new_entities`)
ends here as triples to remove, triples to add (N-Triples) and write-log quads, and :func:`choose` picks the
row of :data:`WRITES` by the write's size, whether it removes anything, whether it has blank nodes (Wikibase's
somevalue snaks, whose labels Oxigraph's loader and SPARQL updates would change) and whether the store is on
disk. docs/store.md shows the same table (:func:`markdown`; a test keeps it current).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import StoreError

#: New triples written with the bulk loader in one step (its batch is 1,000,000 quads).
BULK_LIMIT = 900_000


@dataclass(frozen=True)
class Write:
    """One way of writing: when it is used, what it does, what it guarantees."""

    key: str
    case: str
    mechanism: str
    guarantee: str


WRITES: tuple[Write, ...] = (
    Write("swap", f"more than {BULK_LIMIT:,} triples to add, store on disk",
          "build the new state in a copy of the store (bulk loader), then swap the directories (kg.store.swap)",
          "all or nothing, also across a crash (an interrupted swap is finished or undone at the next open)"),
    Write("bulk", f"only additions, no blank nodes, at most {BULK_LIMIT:,} triples",
          "Oxigraph's bulk loader: one set of SST files ingested in one RocksDB call",
          "all or nothing, also across a crash"),
    Write("bulk-blank", f"only additions with blank nodes, at most {BULK_LIMIT:,} triples",
          "Oxigraph's bulk loader fed parsed quads (blank node labels kept)",
          "all or nothing, also across a crash"),
    Write("transaction", f"only additions, more than {BULK_LIMIT:,} triples, store in memory",
          "one transaction (load, or extend with blank nodes)",
          "all or nothing"),
    Write("update", "removals, no blank nodes",
          "one SPARQL update (DELETE DATA; INSERT DATA, the write log included)",
          "all or nothing, also across a crash"),
    Write("remove-then-add", "removals with blank nodes (rewrites of somevalue statements)",
          "remove the old triples one by one, then add in one transaction; on an error or Ctrl-C the removed "
          "triples are put back",
          "all or nothing on errors and interruptions; a crash between the two steps loses the removed triples "
          "(docs/notes.md: why this is not a swap)"),
)
_BY_KEY = {w.key: w for w in WRITES}


def markdown() -> str:
    """The table of :data:`WRITES` as docs/store.md shows it."""
    rows = [f"| `{w.key}` | {w.case} | {w.mechanism} | {w.guarantee} |" for w in WRITES]
    return "\n".join(["| write | when | how | guarantee |", "|---|---|---|---|", *rows]) + "\n"


def choose(*, additions: int, removals: bool, blank: bool, on_disk: bool) -> Write:
    """The row of :data:`WRITES` for a write of ``additions`` triples."""
    if additions > BULK_LIMIT and on_disk:
        return _BY_KEY["swap"]
    if removals:
        return _BY_KEY["remove-then-add" if blank else "update"]
    if additions > BULK_LIMIT:
        return _BY_KEY["transaction"]
    return _BY_KEY["bulk-blank" if blank else "bulk"]


#: Swaps in a new state built by the given function on a copy; returns the new store (kg.store.swap).
Swapper = Callable[[Callable[[ox.Store], None]], None]


def apply(st: ox.Store, removals: set[ox.Triple], added: bytes, meta: list[ox.Quad], *, additions: int,
          swap: Swapper | None) -> Write:
    """Apply a write to ``st`` with the mechanism :func:`choose` picks; ``added`` is N-Triples (or N-Quads)
    of ``additions`` triples; ``swap`` does the copy-and-swap of an on-disk store (None in memory)."""
    nt = ox.RdfFormat.N_TRIPLES
    meta_nq = ox.serialize(meta, format=ox.RdfFormat.N_QUADS) or b""
    removed = (ox.serialize(list(removals), format=nt) or b"") if removals else b""
    blank = b"_:" in added or b"_:" in removed  # conservative: "_:" inside a literal only costs speed
    write = choose(additions=additions, removals=bool(removals), blank=blank, on_disk=swap is not None)
    data = added + meta_nq
    try:
        if write.key == "swap":
            assert swap is not None
            del st  # the copy is swapped in only once nothing holds the old store open
            swap(lambda copy: apply_to_copy(copy, removals, data, blank))
        elif write.key == "bulk":
            st.bulk_load(data, ox.RdfFormat.N_QUADS)
        elif write.key == "bulk-blank":
            st.bulk_extend(ox.parse(data, ox.RdfFormat.N_QUADS))
        elif write.key == "transaction":
            if blank:
                st.extend(ox.parse(data, ox.RdfFormat.N_QUADS))
            else:
                st.load(data, ox.RdfFormat.N_QUADS)
        elif write.key == "update":
            st.update(_update_text(removed, added, meta))
        else:
            _remove_then_add(st, removals, data)
    except StoreError:
        raise
    except (OSError, SyntaxError) as e:
        raise StoreError(f"writing to the store failed, nothing was written: {e}") from None
    return write


def _update_text(removed: bytes, added: bytes, meta: list[ox.Quad]) -> str:
    """DELETE DATA of ``removed``; INSERT DATA of ``added`` and of the write-log quads in their graph."""
    text = "DELETE DATA {\n" + removed.decode("utf-8") + "} ;\nINSERT DATA {\n" + added.decode("utf-8")
    for graph in dict.fromkeys(q.graph_name for q in meta):
        lines = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in meta if q.graph_name == graph)
        text += f"GRAPH {graph} {{\n{lines}}}\n"
    return text + "}"


def _remove_then_add(st: ox.Store, removals: set[ox.Triple], data: bytes) -> None:
    done = []
    try:
        for t in removals:
            q = ox.Quad(*t)
            st.remove(q)
            done.append(q)
        st.extend(ox.parse(data, ox.RdfFormat.N_QUADS))
    except BaseException:
        st.extend(done)
        raise


def apply_to_copy(copy: ox.Store, removals: set[ox.Triple], data: bytes, blank: bool) -> None:
    """The body of a large write, applied to the copy :mod:`kg.store.swap` builds (atomicity not needed)."""
    for t in removals:
        copy.remove(ox.Quad(*t))
    if blank:
        copy.bulk_extend(ox.parse(data, ox.RdfFormat.N_QUADS))
    else:
        copy.bulk_load(data, ox.RdfFormat.N_QUADS)

"""How the store applies a write: one table of cases, each with its mechanism and the guarantee it gives.

Every write of the store (:meth:`kg.store.Store.write_entities`, :meth:`~kg.store.Store.add_new_entities`)
ends here as triples to remove, triples to add (N-Triples) and write-log quads, and :func:`choose` picks the
row of :data:`WRITES` by the write's size, whether it removes anything, whether it has blank nodes (Wikibase's
somevalue snaks, whose labels Oxigraph's loader and SPARQL updates would change) and whether the store is on
disk. docs/store.md shows the same table (:func:`markdown`; a test keeps it current).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import StoreError
from kg.i18n import _
from kg.store import compaction

#: New triples written with the bulk loader in one step (its batch is 1,000,000 quads).
BULK_LIMIT = 900_000
#: A large write streamed into the copy (:func:`load_parts`) is bulk-loaded in pieces of about this many bytes of
#: N-Triples (about 150,000 triples), four at a time: Oxigraph's loader holds its whole input batch in memory
#: (about 0.5 GB per million quads, up to three batches at once), so one call with millions of triples peaks
#: at 1.6 GB whatever streams into it. Measured on 2 cores, `glamkg load` of bench_load.py's 100,000 rows
#: streamed (kg.load.stream, 4.8 million triples; 2026-12-05, the load's own seconds after its imports, two runs
#: each): pieces of 8 MiB 25.7-26.7 s, 16 MiB 25.0-25.1, 24 MiB 22.7-23.6, 32 MiB 22.6-23.0, 48 MiB 23.9-24.1
#: (the closing compaction longer); peaks 0.66, 0.80, 0.91-0.94, 0.95-0.99, 1.08-1.09 GB. The loader alone on the
#: same triples (no conversion beside it) is fastest with smaller pieces (8 MiB x 4: 15.5 s with ``optimize``,
#: 24 MiB x 4: 17.2 s), but in a load the conversion competes with every call's threads.
LOAD_PIECE = 24 * 1024 * 1024
#: Pieces bulk-loaded at the same time (each call is one thread of Oxigraph's loader).
LOAD_THREADS = 4


@dataclass(frozen=True)
class Write:
    """One way of writing: when it is used, what it does, what it guarantees."""

    key: str
    case: str
    mechanism: str
    guarantee: str


WRITES: tuple[Write, ...] = (
    Write("swap", f"more than {BULK_LIMIT:,} triples to add (or new items streamed from the conversion), store on "
          "disk",
          "build the new state in a copy of the store (bulk loader, in pieces of at most "
          f"{LOAD_PIECE // 2**20} MiB, {LOAD_THREADS} at a time), then swap the directories (kg.store.swap)",
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
        raise StoreError(_("writing to the store failed, nothing was written: {error}").format(error=e)) from None
    return write


def apply_stream(parts: Iterable[bytes], meta: Callable[[], list[ox.Quad]], *, swap: Swapper,
                 lenient: bool = False, settled: Callable[[ox.Store], None] | None = None) -> int:
    """Write NEW triples that arrive as N-Triples ``parts`` (for example from conversion workers, as they finish)
    with the ``swap`` mechanism: they are bulk-loaded into the copy as they come (:func:`load_parts`), so the
    whole write is never in memory at once; all or nothing like every swap (an error raised by ``parts``, such
    as a bad entity, throws the copy away). Returns the number of triples added (the write-log quads apart).
    ``parts`` must hold no blank nodes (the caller checked the terms); ``lenient``: see :func:`load_parts`.
    ``meta()`` gives the write-log quads once the last part is made (a streamed load counts its items then).
    ``settled(copy)`` (reads only) runs on the copy once every part is loaded, in a thread while the copy's flush
    waits for RocksDB's compaction behind the load (:func:`kg.store.compaction.flush_beside`)."""
    added, logged = [0], [0]

    def log() -> Iterable[bytes]:
        meta_nq = ox.serialize(meta(), format=ox.RdfFormat.N_QUADS) or b""
        logged[0] = meta_nq.count(b"\n")
        yield meta_nq

    def build(copy: ox.Store) -> None:
        added[0] = load_parts(copy, itertools.chain(parts, log()), lenient=lenient) - logged[0]
        if settled is not None:
            compaction.flush_beside(copy, settled)

    try:
        swap(build)
    except StoreError:
        raise
    except (OSError, SyntaxError) as e:
        raise StoreError(_("writing to the store failed, nothing was written: {error}").format(error=e)) from None
    return added[0]


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
        load_parts(copy, [data])


def load_parts(st: ox.Store, parts: Iterable[bytes], *, lenient: bool = False) -> int:
    """Bulk-load N-Quads (or N-Triples) ``parts``, each a whole number of lines, into ``st``; returns the number
    of lines loaded. Parts are joined into pieces of about :data:`LOAD_PIECE` bytes (a larger part is split at a
    line end) and :data:`LOAD_THREADS` pieces are loaded at a time; a part is dropped once its piece is loaded,
    so memory stays bounded however much streams through. Not atomic by itself: used on the copy a swap
    builds (an error leaves a copy that is thrown away). Waits for every load started before it returns or
    raises.

    ``lenient``: the parts come from glamkg's own conversion (the demo's workers, a load's column-wise write),
    whose IRIs and language tags are valid by construction or checked as they were made: Oxigraph's parser skips
    validating them (the same triples; about a tenth less CPU for the load, measured on the demo's 30k triples).
    Never for text from outside."""
    running: set[Future[None]] = set()
    lines = 0
    with ThreadPoolExecutor(LOAD_THREADS, thread_name_prefix="glamkg-load") as pool:
        try:
            for piece in _pieces(parts):
                lines += piece.count(b"\n")
                if len(running) >= LOAD_THREADS:  # the first load to finish frees a place (their order is no matter)
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    for f in done:
                        f.result()
                running.add(pool.submit(st.bulk_load, piece, ox.RdfFormat.N_QUADS, lenient=lenient))
                compaction.yield_to_load()
                del piece
            for f in wait(running).done:
                f.result()
        finally:
            for f in running:  # an error: wait for the loads still running before the copy is thrown away
                if not f.cancel():
                    f.exception()
    return lines


def _pieces(parts: Iterable[bytes]) -> Iterable[bytes]:
    """``parts`` regrouped into pieces of about :data:`LOAD_PIECE` bytes, each ending at a line end."""
    buf: list[bytes] = []
    size = 0
    for part in parts:
        if buf and size + len(part) > LOAD_PIECE:  # what is held first, as a piece of its own (a copy only to join)
            yield buf[0] if len(buf) == 1 else b"".join(buf)
            buf, size = [], 0
        while len(part) > LOAD_PIECE:  # then the part, split at the last line end before the limit
            cut = part.rfind(b"\n", 0, LOAD_PIECE) + 1 or len(part)
            yield part[:cut]
            part = part[cut:]
        buf.append(part)
        size += len(part)
        if size >= LOAD_PIECE:
            yield buf[0] if len(buf) == 1 else b"".join(buf)
            buf, size = [], 0
    if size:
        yield buf[0] if len(buf) == 1 else b"".join(buf)

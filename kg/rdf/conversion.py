"""Entity JSON -> the store's triples: the ONE conversion every writer uses, in this process or in workers.

- :func:`store_triples` / :func:`store_converter`: one entity -> the WDQS triples the store keeps
  (``kg.rdf.wdqs_triples`` in the store's vocabulary). :meth:`kg.store.Store.write_entities`, the store
  target and the demo use nothing else.
- :func:`worker_pool` and :func:`default_workers`: the one process pool (workers end with the process that
  started them) and the one threshold from which workers pay off.
- :func:`new_entities_ntriples`: large writes of NEW items converted in workers, as N-Triples.

:meth:`kg.store.Store.write_entities` converts every entity in the calling process and builds Python sets
of triples to diff them against the store. For items the store does not have yet there is nothing to diff:
:func:`new_entities_ntriples` converts them in ``workers`` processes (``kg.rdf.wdqs_ntriples`` in the store's
vocabulary: the builder of ``kg.rdf.wdqs_triples`` with its N-Triples sink, so the same triples ``write_entities``
would store, written as text without a pyoxigraph object per term) and returns N-Triples that
:meth:`kg.store.Store.add_new_entities` bulk-loads as they are.

Each entity's own triples (about the entity and its statement nodes) are written once; the nodes entities
share (the load's reference, equal time or quantity values) are written once for the whole batch, not once
per entity.

On Linux, workers are forked and read the batch from the parent's memory (pickling entity JSON to them costs
more than a third of the conversion itself); they only convert, never touch the store the parent holds open,
end with ``os._exit`` as multiprocessing's workers do, and are killed by the kernel if the parent dies.
Elsewhere they are spawned and get their chunk pickled.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import functools
import gc
import itertools
import os
import signal
import sys
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import pyoxigraph as ox

from kg import i18n
from kg.errors import EntityError, GlamkgError, StoreError
from kg.i18n import _
from kg.model import ids
from kg.progress import Advance
from kg.rdf.convert import Vocabulary, wdqs_ntriples, wdqs_triples
from kg.rdf.vocabulary import nt_terms

#: Entities per worker task: big enough that pickling and start-up are small against the conversion.
CHUNK = 2_000
#: Entities to convert from which worker processes pay off (starting them costs more below; docs/benchmarks.md).
PARALLEL_MIN = 2_000

Json = Mapping[str, Any]
#: (own triples as N-Triples, shared-node lines) or (None, (entity id, message naming it)) for a failed entity;
#: (None, None) when the chunk has blank nodes.
ChunkResult = tuple[bytes | None, Any]


def default_workers(entities: int) -> int:
    """Worker processes for converting ``entities`` entities: none below :data:`PARALLEL_MIN`, else two as the
    machine has cores."""
    if entities < PARALLEL_MIN:
        return 0
    return max(1, min(2, os.cpu_count() or 1))


@functools.lru_cache(maxsize=4)
def _vocabulary(local_concept_base: str) -> Vocabulary:
    return Vocabulary.glamkg()


def store_triples(entity: Json, *, datatypes: Mapping[str, str] | None = None) -> list[ox.Triple]:
    """One entity's triples as the store keeps them: WDQS RDF in glamkg's vocabulary."""
    return wdqs_triples(entity, datatypes=datatypes, vocab=_vocabulary(ids.local_concept_base()))


def store_converter() -> Callable[..., list[ox.Triple]]:
    """:func:`store_triples` as the ``converter`` hook of :meth:`kg.store.Store.write_entities`."""
    return store_triples


def worker_pool(workers: int, *, fork: bool = False) -> ProcessPoolExecutor:
    """The process pool of every conversion: ``workers`` processes (forked on request, else spawned, which
    never copies an open store) that end when the process that started them dies and speak its language (the
    messages of the entities they refuse).

    A ProcessPoolExecutor, not multiprocessing.Pool: a worker that dies on start-up raises
    ``BrokenProcessPool`` instead of being restarted forever.
    """
    import multiprocessing as mp

    return ProcessPoolExecutor(
        max(1, workers),
        mp_context=mp.get_context("fork" if fork else "spawn"),
        initializer=_die_with_parent,
        initargs=(os.getpid(), i18n.current()),
    )


def store_ntriples(entity: Json, *, datatypes: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """:func:`store_triples` as N-Triples term strings (``kg.rdf.wdqs_ntriples``: the same builder, the same
    triples, no pyoxigraph objects)."""
    return wdqs_ntriples(entity, datatypes=datatypes, vocab=_vocabulary(ids.local_concept_base()))


def entities_ntriples(
    entities: Sequence[Json], *, datatypes: Mapping[str, str] | None = None
) -> tuple[bytes, list[int]]:
    """The N-Triples of ``entities`` one after the other (every triple of each, shared nodes included) and the
    number of triples of each: :func:`store_triples` of each entity, serialized, without pyoxigraph objects
    (for callers that keep the entities' triples apart, like the demo's workers)."""
    vocab = _vocabulary(ids.local_concept_base())
    lines: list[str] = []
    counts: list[int] = []
    for e in entities:
        triples = wdqs_ntriples(e, datatypes=datatypes, vocab=vocab)
        counts.append(len(triples))
        lines += [f"{s} {p} {o} .\n" for s, p, o in triples]
    return "".join(lines).encode(), counts


def convert_chunk(entities: Sequence[Json], datatypes: Mapping[str, str] | None = None) -> ChunkResult:
    """Convert one chunk (runs in a worker; see the module docstring for what it returns).

    Built as N-Triples text directly (``kg.rdf.wdqs_ntriples``, what :func:`store_ntriples` gives): the
    triples :func:`store_triples` gives, without making a pyoxigraph object per term.
    """
    vocab = _vocabulary(ids.local_concept_base())
    entity_term = nt_terms(vocab).entity
    own: list[str] = []
    shared: set[str] = set()
    for e in entities:
        eid = str(e.get("id"))
        try:
            triples = wdqs_ntriples(e, datatypes=datatypes, vocab=vocab)
            iri = entity_term(eid)
        except GlamkgError as err:
            named = isinstance(err, EntityError) and err.entity is not None
            return None, (eid, str(err) if named else str(EntityError(str(err), entity=eid)))
        except (KeyError, TypeError, ValueError) as err:
            reason = _("cannot convert to RDF: {error}: {reason}").format(error=type(err).__name__, reason=err)
            return None, (eid, str(EntityError(reason, entity=eid)))
        # The entity's own nodes: the entity and what it points to (statement nodes), each written before the
        # triples about it; anything else (reference and value nodes) may be shared with other entities.
        mine = {iri}
        for s, p, o in triples:
            if s[0] == "_" or o[0] == "_":
                return None, None  # the bulk loader would relabel them (somevalue snaks)
            if s in mine:
                own.append(f"{s} {p} {o} .\n")
                if s == iri and o[0] == "<":
                    mine.add(o)
            else:
                shared.add(f"{s} {p} {o} .\n")
    # dict.fromkeys: an entity that says the same thing twice (a value repeated) still gives each triple once
    return "".join(dict.fromkeys(own)).encode(), [line.encode() for line in shared]


#: The batch forked workers read: (entities, datatypes); set only while a pool is running.
_BATCH: tuple[Sequence[Json], Mapping[str, str] | None] | None = None


def _convert_slice(start: int, stop: int) -> ChunkResult:
    """:func:`convert_chunk` of ``_BATCH[start:stop]`` (runs in a forked worker)."""
    assert _BATCH is not None, "a forked worker without the batch"
    # The cyclic collector would walk every object inherited from the parent (the whole plan) again and
    # again; the conversion makes no cycles, and the worker ends with the pool.
    gc.disable()
    entities, datatypes = _BATCH
    return convert_chunk(entities[start:stop], datatypes)


def _die_with_parent(parent: int, lang: str = "") -> None:
    """Worker initializer: end this worker when the loading process dies (SIGKILL, SIGTERM), instead of
    converting on as an orphan holding a copy of the plan. Linux has a kernel hook for it; elsewhere the
    pool's own checks end the workers when the parent exits normally. The worker speaks ``lang``, the language
    of the process that started it (a spawned worker would otherwise read only the locale environment)."""
    i18n.use(lang or None)
    # Ctrl-C on a terminal reaches the whole process group: the parent cancels the pool and reports it; a
    # worker ends without a traceback of its own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the hook was set
        os._exit(1)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def start_method() -> str:
    """``fork`` on Linux (workers read the batch from the parent's memory), ``spawn`` elsewhere (CPython's
    own default on macOS and Windows, where forking a process with threads is not safe)."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


class BlankNodes(Exception):
    """An entity's triples have blank nodes (somevalue snaks), which the bulk loader would relabel: the caller
    writes these entities with :meth:`kg.store.Store.write_entities` instead."""


def new_entities_ntriples(
    entities: Sequence[Json],
    *,
    workers: int,
    datatypes: Mapping[str, str] | None = None,
    chunk: int = CHUNK,
    progress: Advance | None = None,
    method: str | None = None,
) -> bytes | None:
    """All ``entities`` as the store's N-Triples in one piece (:func:`ntriples_parts` joined); None when an
    entity has blank nodes (the caller then uses ``Store.write_entities``)."""
    try:
        return b"".join(
            ntriples_parts(entities, workers=workers, datatypes=datatypes, chunk=chunk, progress=progress,
                           method=method)
        )
    except BlankNodes:
        return None


def ntriples_parts(
    entities: Sequence[Json],
    *,
    workers: int,
    datatypes: Mapping[str, str] | None = None,
    chunk: int = CHUNK,
    progress: Advance | None = None,
    method: str | None = None,
) -> Generator[bytes, None, None]:
    """All ``entities`` as the store's N-Triples, converted in ``workers`` processes and yielded a chunk at a
    time, in order, as the workers finish them (the nodes entities share come last, once): a consumer that
    writes each part as it comes holds only a few chunks in memory, never the whole batch's N-Triples.

    Raises :class:`BlankNodes` when an entity has blank nodes (nothing useful was yielded: the caller drops
    what it took and uses ``Store.write_entities``); a bad entity raises :class:`kg.errors.EntityError` naming
    it; ``progress(n)`` is called as chunks of ``n`` entities are done. ``method``: the multiprocessing start
    method (default :func:`start_method`). At most ``2 * workers + 1`` chunks are converted ahead of the
    consumer. An interruption (Ctrl-C), or a consumer that stops early, cancels the chunks not started and
    does not wait for them.
    """
    import warnings
    from concurrent.futures.process import BrokenProcessPool

    global _BATCH
    shared: set[bytes] = set()
    bounds = [(i, min(i + chunk, len(entities))) for i in range(0, len(entities), chunk)]
    fork = (method or start_method()) == "fork"
    if fork:
        _BATCH = (entities, datatypes)
    pool = worker_pool(workers, fork=fork)
    ahead = 2 * max(1, workers) + 1
    pending: collections.deque[tuple[Future[ChunkResult], int]] = collections.deque()
    todo = iter(bounds)

    def submit() -> None:
        with warnings.catch_warnings():
            # Python 3.12+ warns when a process with threads forks (RocksDB and progress-bar threads here):
            # the workers only convert JSON to RDF and never take a lock those threads may hold.
            warnings.filterwarnings(
                "ignore", message=r".*use of fork\(\) may lead to deadlocks", category=DeprecationWarning
            )
            for a, b in itertools.islice(todo, ahead - len(pending)):
                if fork:
                    pending.append((pool.submit(_convert_slice, a, b), b - a))
                else:
                    pending.append((pool.submit(convert_chunk, list(entities[a:b]), datatypes), b - a))

    finished = False
    try:
        submit()
        while pending:
            fut, n = pending.popleft()
            own, extra = fut.result()
            if own is None:
                if extra is None:
                    raise BlankNodes()
                eid, message = extra
                err = EntityError(message)  # the worker's message names the entity already
                err.entity = eid
                raise err
            submit()
            shared.update(extra)
            if progress:
                progress(n)
            yield own
        finished = True
    except BrokenProcessPool as exc:
        raise StoreError(
            _("a worker process converting entities to RDF stopped unexpectedly ({reason}); nothing was written. "
              "Run again with --workers 0 to convert in this process").format(reason=exc)
        ) from exc
    finally:
        _BATCH = None
        pool.shutdown(wait=finished, cancel_futures=not finished)
    yield b"".join(sorted(shared))

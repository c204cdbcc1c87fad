"""``--target store`` (the default): the embedded Oxigraph store, written in one transaction.

``existing`` reads entity JSON back from the store's RDF (:mod:`kg.store.read`); ``apply`` hands
every item to write to :meth:`kg.store.Store.write_entities` at once, which converts them all first and
then applies them in one atomic step: a failure (or the process being killed) leaves the store exactly as
it was. Unchanged items are not written at all, so a re-run of the same load leaves the graph identical.

A plan that only creates items (2,000 or more by default) takes a faster path with the same result: the items
are converted in worker processes (:mod:`kg.rdf.conversion`) and bulk-loaded as N-Triples with
:meth:`kg.store.Store.add_new_entities`, still all or nothing. On disk, the N-Triples stream into the store as
the workers finish them, so memory stays bounded whatever the number of rows (docs/benchmarks.md).

Fastest of all, a sheet's new rows (:mod:`kg.load.newrows`: deferred plan items, the rows kept as columns): their
N-Triples are written column by column in this process (:mod:`kg.rdf.columns`, no entity JSON, no workers) and
stream into the store's copy as the bulk load takes them; the same triples as the per-entity path
(tests/test_load_columns.py). Into an empty store, the map's derived table is made from those same parts as they
go by (:func:`kg.query.derivation.map_part_of`, kept in :attr:`StoreTarget.map_parts`; most of them made after the
write, from the triples kept, as a streamed load's copy settles: :meth:`StoreTarget.make_map_parts`): the
command then builds the derived tables from them (:func:`kg.query.derivation.build_from_parts`) instead of
asking the engine again.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, overload

import pyoxigraph as ox

from kg.load.plan import Plan
from kg.load.reconcile import Index
from kg.load.targets.base import ProgressFn, WriteReport, report_unchanged
from kg.model import ids
from kg.rdf import columns, conversion
from kg.store import Converter, Store, raw
from kg.store.read import read_entities

log = logging.getLogger(__name__)

#: Parts of a column-wise write waiting for their map table (:func:`_mapped`), about 8 MB each
MAP_AHEAD = 2
#: The map's triples kept to make its table after the write (:meth:`StoreTarget.make_map_parts`: when the bulk
#: load has finished and a core is free) rather than while the loader and the conversion fill both cores; five a
#: row and ~0.6 KB a row of memory (about 60 MB at 100,000 rows). Beyond it the tables are made as the parts go by.
MAP_LATER = 2_000_000


class StoreTarget:
    """The embedded store as a load target."""

    name = "store"

    def __init__(
        self,
        store: Store,
        *,
        datatypes: dict[str, str] | None = None,
        converter: Converter | None = None,
        workers: int | None = None,
    ) -> None:
        self.store = store
        self.datatypes = datatypes
        #: entity JSON -> triples (default: :func:`kg.rdf.wdqs_triples` in the store's vocabulary)
        self.converter = converter
        #: worker processes converting new items (None: :func:`kg.rdf.conversion.default_workers`; 0: none)
        self.workers = workers
        # the map's table of each part of a column-wise write into an empty store, or its triples (a list) when it
        # is made later (:meth:`make_map_parts`); None: no such write
        self._map_slots: list[Any] | None = None
        self._wrote = False
        self._empty: bool | None = None  # the store had no triple when first asked (None: not asked yet)
        #: the derived tables' rows read from the copy of a streamed write as it settled (:meth:`write_stream`)
        self.beside: Any = None

    @property
    def map_parts(self) -> list[Any] | None:
        """The map's derived table over every triple written, when this target's only write was the column-wise
        write of new rows into an empty store (:func:`kg.query.derivation.build_from_parts`); else None."""
        slots = self.make_map_parts()
        return slots if slots is not None and None not in slots else None

    @property
    def maps_from_parts(self) -> bool:
        """True when :attr:`map_parts` may be had (its tables made or their triples kept), without making them."""
        return self._map_slots is not None and None not in self._map_slots

    def make_map_parts(self) -> list[Any] | None:
        """Make the map tables of the parts whose triples were kept for later (a thread beside the reads of the
        other derived tables calls it, ``kg.query.derivation.Beside.also``: as the copy of a streamed write settles,
        or as the store closes)."""
        slots = self._map_slots
        if slots is not None and any(type(s) is list for s in slots):
            from kg.query import derivation

            for i, s in enumerate(slots):
                if type(s) is list:
                    slots[i] = _map_part(derivation.map_part_of, s)
        return slots

    def existing(self, ids_: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        return read_entities(raw(self.store), ids_)

    def index(self) -> Index:
        """The reconciliation index of everything in the store."""
        return Index.from_store(raw(self.store))

    def exists(self, eid: str) -> bool:
        """True if the store has any triple about ``eid`` (used to avoid minting a taken id). A store found empty
        before this target wrote anything has no id at all (a load of new rows asks once per row)."""
        if not self._wrote:
            if self._empty is None:
                self._empty = self.store.is_empty()
            if self._empty:
                return False
        iri = ox.NamedNode(ids.entity_iri(eid))
        return next(iter(raw(self.store).quads_for_pattern(iri, None, None, ox.DefaultGraph())), None) is not None

    def apply(self, plan: Plan, *, progress: ProgressFn | None = None) -> WriteReport:
        """Write the plan's created and updated items in one atomic store write.

        Progress: unchanged items count at once; of the items to write, the first half of the count advances
        while they are converted to RDF, the second half when the atomic write has finished.
        """
        report = WriteReport(target=self.name)
        report_unchanged(plan, report, progress)
        todo = plan.to_write()
        if not todo:
            return report
        first, self._wrote, self._map_slots, self.beside = not self._wrote, True, None, None  # no table from parts
        source = plan.meta.get("reference_url")  # recorded: an import keeps what this load wrote
        if self._write_columns(plan, todo, report, progress, source, first=first):
            return report
        done, reported = self._write_new(todo, report, progress, source)
        if done:
            return report
        if progress is not None and reported:
            progress = _less(progress, reported)  # the fast path gave up after counting some conversion
        convert = self.converter  # None: the store's own default conversion
        if progress is not None:
            convert = _counting(convert or conversion.store_converter(), progress)
        report.add(self.store.write_entities([it.entity for it in todo], datatypes=self.datatypes, converter=convert,
                                             source=source))
        if progress:
            progress(len(todo) - len(todo) // 2)
        return report

    @property
    def writes_columns(self) -> bool:
        """True when a sheet's new rows may be planned as columns (kg.load.newrows): this target writes them
        column by column (kg.rdf.columns) unless a converter or datatypes of its own are given."""
        return self.converter is None and not self.datatypes

    def streams(self) -> bool:
        """True when a load may stream its new rows into this target (:mod:`kg.load.stream`): it writes them
        column by column, has written nothing yet, and its store is on disk and empty."""
        return self.writes_columns and not self._wrote and self.store.path is not None and self.store.is_empty()

    def write_stream(self, parts: Iterator[tuple[bytes, list[Any]]], created: list[str], source: str | None
                     ) -> WriteReport | None:
        """Bulk-load the (part, its map triples) pairs of a streamed load (:mod:`kg.load.stream`) into the store's
        copy as they are made; ``created`` (the new items' ids) fills as they are made. An exception raised by
        ``parts`` throws the copy away: the store, and this target, stay as they were. None when the store cannot
        take a stream (nothing read from ``parts``). The derived tables' rows are read from the copy once every
        part is loaded and the map's tables made meanwhile (:attr:`beside`, ``Store.add_new_entities(settled=)``),
        while the copy's last flush waits for RocksDB's compaction."""
        from kg.query import derivation

        map_parts: list[Any] = []
        self._map_slots = map_parts
        beside = derivation.Beside.make()  # the derived tables' rows read as the copy settles, the map's table made
        if beside is not None:
            beside.also = self.make_map_parts
        # the ids minted meanwhile are checked against the store as it was (empty: :meth:`exists` asks nothing)
        try:
            written = self.store.add_new_entities(_mapped(parts, map_parts), created, no_blank_nodes=True,
                                                  source=source, lenient=True, growing=True, settled=beside)
        except BaseException:
            self._map_slots = None
            raise
        if written is None:
            self._map_slots = None
            return None
        self._wrote, self.beside = True, beside
        report = WriteReport(target=self.name)
        report.add(written)
        return report

    def _write_columns(
        self, plan: Plan, todo: list[Any], report: WriteReport, progress: ProgressFn | None, source: str | None,
        *, first: bool = False,
    ) -> bool:
        """The fastest path: a plan that only creates the new rows of a sheet, kept as columns
        (``plan.columns``), of :data:`kg.rdf.conversion.PARALLEL_MIN` items or more: their N-Triples are written
        column by column in this process (kg.rdf.columns) and stream into the store's copy as they are made
        (:meth:`kg.store.Store.add_new_entities`), all or nothing. False when it does not apply (nothing
        written)."""
        new = plan.columns
        if new is None or not self.writes_columns or len(todo) < conversion.PARALLEL_MIN:
            return False
        if len(todo) != len(new.ids) or any(it.action != "create" for it in todo):
            return False
        if {it.id for it in todo} != set(new.ids):
            return False
        map_parts: list[Any] | None = None
        parts: Iterator[bytes]
        if first and self.store.path is not None and self.store.is_empty():
            from kg.query import derivation

            map_parts = []
            pairs = columns.ntriples_parts_with(new, derivation.MAP_PREDICATES, progress=progress)
            parts = _mapped(pairs, map_parts)
        else:
            parts = columns.ntriples_parts(new, progress=progress)
        # lenient: the lines are glamkg's own conversion, every term of the data checked as it was made (IRIs by
        # Oxigraph's own parser, language tags, escaped literals): the loader need not check them again
        written = self.store.add_new_entities(parts, list(new.ids), no_blank_nodes=True, source=source,
                                              lenient=True)
        if written is None:  # an item is in the store already: the per-entity path says which
            return False
        report.add(written)
        self._map_slots = map_parts
        return True

    def _write_new(
        self, todo: list[Any], report: WriteReport, progress: ProgressFn | None, source: str | None = None
    ) -> tuple[bool, int]:
        """The fast path for a plan that only creates items: convert them in worker processes and bulk-load
        the N-Triples (:mod:`kg.rdf.conversion`, :meth:`kg.store.Store.add_new_entities`), still all or nothing.
        Returns (written, progress already reported); (False, n) when it does not apply (nothing written)."""
        workers = conversion.default_workers(len(todo)) if self.workers is None else self.workers
        if workers <= 0 or self.converter is not None or any(it.action != "create" for it in todo):
            return False, 0
        if len({it.id for it in todo}) != len(todo):
            return False, 0  # write_entities refuses it with the duplicate named
        half = len(todo) // 2
        counted = [0]

        def converted(n: int) -> None:  # the first half of the progress while converting
            step = (counted[0] + n) // 2 - counted[0] // 2
            counted[0] += n
            if progress and step:
                progress(step)

        parts = conversion.ntriples_parts(
            _Entities(todo), workers=workers, datatypes=self.datatypes, progress=converted
        )
        try:
            # on disk, the parts stream into the store as the workers finish them (kg.store.writes.apply_stream)
            written = self.store.add_new_entities(parts, [it.id for it in todo], no_blank_nodes=True, source=source)
        except conversion.BlankNodes:
            return False, counted[0] // 2
        finally:
            parts.close()
        if written is None:
            return False, counted[0] // 2
        report.add(written)
        if progress:
            progress(len(todo) - half)
        return True, len(todo)


def _mapped(parts: Iterator[tuple[bytes, list[Any]]], into: list[Any]) -> Iterator[bytes]:
    """The parts of (part, its map triples) pairs (:func:`kg.rdf.columns.ntriples_parts_with`); appended to
    ``into`` in order, each part's triples (a list, up to :data:`MAP_LATER` in all: their table is made after the
    write), then the map's table of each part's triples (:func:`kg.query.derivation.map_part_of`; None when it
    cannot be made from triples), made in a thread of their own while this one waits for the bulk load (which runs
    without Python's lock); at most :data:`MAP_AHEAD` parts wait for it (memory)."""
    from kg.query import derivation

    pending: collections.deque[Future[Any]] = collections.deque()
    kept = 0
    with ThreadPoolExecutor(1, thread_name_prefix="glamkg-map") as pool:
        for part, triples in parts:
            if not pending and kept + len(triples) <= MAP_LATER:
                kept += len(triples)
                into.append(triples)
                yield part
                continue
            while len(pending) >= MAP_AHEAD:
                into.append(pending.popleft().result())
            if not into or into[-1] is not None:  # once one cannot be made, none is needed
                pending.append(pool.submit(_map_part, derivation.map_part_of, triples))
            yield part
        while pending:
            into.append(pending.popleft().result())


def _map_part(make: Any, part: Any) -> Any:
    """The map's table of a part, or None when making it failed: the shortcut is skipped (the engine builds the
    table after the write), the load goes on."""
    try:
        return make(part)
    except Exception as e:  # the write must not fail for a table the engine can build
        log.debug("the map's table of a part was not made from its triples: %s", e, exc_info=True)
        return None


class _Entities(Sequence[Mapping[str, Any]]):
    """The entities of plan items, unpacked only when a worker reads them (a plan keeps them packed)."""

    def __init__(self, items: Sequence[Any]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, i: int) -> Mapping[str, Any]: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Mapping[str, Any]]: ...

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [it.entity for it in self.items[i]]
        return self.items[i].entity


def _less(progress: ProgressFn, skip: int) -> ProgressFn:
    """``progress`` that swallows the first ``skip`` units (already reported)."""
    left = skip

    def counted(n: int) -> None:
        nonlocal left
        take = min(left, n)
        left -= take
        if n - take:
            progress(n - take)

    return counted


def _counting(convert: Converter, progress: ProgressFn) -> Converter:
    """``convert`` that calls ``progress(1)`` after every second entity."""
    n = 0

    def counted(e: Mapping[str, Any], **kw: Any) -> list[ox.Triple]:
        nonlocal n
        out = convert(e, **kw)
        n += 1
        if n % 2 == 0:
            progress(1)
        return out

    return counted

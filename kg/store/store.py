"""The embedded store: Oxigraph on disk, holding entities as the RDF Wikidata's query service holds.

- :meth:`Store.open` opens (and creates) a store directory; ``read_only=True`` for readers (dashboards,
  queries); :meth:`Store.memory` for tests. A store is a context manager.
- :meth:`Store.write_entities` converts entity JSON with :func:`kg.rdf.wdqs_triples` and applies the whole
  batch in ONE atomic step after every entity converted: a bad entity leaves the store as it was. An entity
  written again replaces its own triples (the entity IRI as subject, its statement nodes reached through
  ``p:``, its sitelink nodes, which are ``schema:about`` it). Reference and value nodes are content-addressed
  and shared between entities: they are removed only when nothing refers to them any more. Writing identical
  content reports ``unchanged`` and writes nothing.
- Data lives in the default graph only. Store metadata (dataset label, synthetic flag, the write log that
  gives :meth:`Store.generation` and the last load time) lives in the named graph ``urn:glamkg:meta``, which
  default-graph queries do not see (glamkg never queries with the default graph as union).
- :meth:`Store.load_dump` bulk-loads N-Triples/Turtle (plain or ``.gz``); :meth:`Store.export` writes the
  default graph as N-Triples or Turtle that QLever, Blazegraph/WDQS or Virtuoso load.
"""

from __future__ import annotations

import datetime as _dt
import errno
import itertools
import logging
import math
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar

import pyoxigraph as ox

from kg import config
from kg.errors import EntityError, GlamkgError, InputError, StoreError
from kg.i18n import _
from kg.model import ids
from kg.model.schema import prefixes
from kg.progress import Advance
from kg.store import compaction, messages, ownership, snapshots, writes
from kg.store import swap as store_swap
from kg.store.files import FORMATS, CountingReader, dump_format, open_dump
from kg.store.metavalues import to_literal, to_python
from kg.store.report import WriteReport

META_GRAPH = ox.NamedNode("urn:glamkg:meta")
_META_NS = "urn:glamkg:meta#"
_META_SUBJECT = ox.NamedNode("urn:glamkg:store")
_WRITE_NS = "urn:glamkg:write:"
_AT = ox.NamedNode(_META_NS + "at")
_KIND = ox.NamedNode(_META_NS + "kind")
_TOKEN = ox.NamedNode(_META_NS + "token")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_WIKIBASE_RANK = ox.NamedNode("http://wikiba.se/ontology#rank")
_DG = ox.DefaultGraph()
_STATEMENTS = ox.NamedNode("http://wikiba.se/ontology#statements")
_VERSION = ox.NamedNode("http://schema.org/version")
# An entity described in the store: a subject of wikibase:statements (every entity in WDQS form and in
# Wikibase's dumps has it) or schema:version. A subject with only a label (say a country's label loaded for
# display) is labelled, not described.
_ENTITY_MARKERS = (_STATEMENTS, _VERSION)
_RESERVED_META = frozenset({"at", "kind", "generation", "loaded_at"})
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

log = logging.getLogger(__name__)

PREFIXES = prefixes("store_export")  # schemas/prefixes.yaml: the @prefix lines of Turtle exports


Converter = Callable[..., list[ox.Triple]]


def _ignore(n: int) -> None:
    """The progress callback of a caller who does not follow progress."""


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Store:
    """A glamkg store. Use :meth:`open` or :meth:`memory`, not the constructor."""

    def __init__(self, inner: ox.Store, *, path: Path | None, read_only: bool) -> None:
        self._ox: ox.Store | None = inner
        self.path = path
        self.read_only = read_only
        self._reader_lock: store_swap.ReaderLock | None = None
        self._hold: snapshots.Hold | None = None  # a reader's lock on the snapshot it reads
        self._unpublished = False  # a writer: committed writes readers do not see yet
        self._published_at = 0.0
        self._triples_written = 0  # since opened: a large total is compacted on close (kg.store.compaction)
        self.reads_at_close: Callable[[ox.Store], None] | None = None  # compaction.on_close runs them
        self._grown = False  # a streamed load filled it from empty: compacted on close only if not merged

    # --- opening ------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, *, read_only: bool = False, create: bool = True) -> Store:
        """Open the store at ``path`` (default: ``kg.config.store_path()``), creating it unless ``read_only``
        or ``create=False``. Raises :class:`StoreError` when it is not a store, is locked, or is missing."""
        p = config.store_path(path)
        if not read_only and store_swap.pending(p):
            store_swap.recover(p)
        if read_only:
            # Readers read the snapshot the last write published (kg.store.snapshots): files no writer touches.
            if p.is_dir():
                try:
                    latest = snapshots.open_latest(p)
                except (OSError, RuntimeError) as e:
                    raise StoreError(_("cannot open the published snapshot of the store at {path}: {error}").format(
                        path=p, error=e)) from None
                if latest is not None:
                    st = cls(latest[0], path=p, read_only=True)
                    st._hold = latest[1]
                    return st
            if not p.exists():  # no store: say so, without leaving lock files beside the missing folder
                return cls._open(p, read_only=True, create=False)
            # A store never published (older glamkg): read it directly. While open, the reader holds a shared
            # lock that keeps large writes from swapping the directory under it (kg.store.swap).
            lock = store_swap.ReaderLock(p)
            try:
                st = cls._open(p, read_only=True, create=False)
            except BaseException:
                lock.release()
                raise
            st._reader_lock = lock
            return st
        return cls._open(p, read_only=False, create=create)

    @classmethod
    def _open(cls, p: Path, *, read_only: bool, create: bool) -> Store:
        if p.exists() and not p.is_dir():
            raise StoreError(_("{path} is a file, not a store directory; use --store with a directory").format(path=p))
        looks_like_store = (p / "CURRENT").is_file()
        if p.is_dir() and not looks_like_store and any(p.iterdir()):
            raise StoreError(
                _("{path} is not a glamkg store (no Oxigraph database in it) and not empty; use --store with a new or "
                  "empty directory").format(path=p)
            )
        if not looks_like_store and (read_only or not create):
            raise StoreError(_("no store at {path}; create one with `glamkg init --store {path}`").format(path=p))
        try:
            inner = ox.Store.read_only(str(p)) if read_only else ox.Store(str(p))
        except (OSError, RuntimeError) as e:  # RuntimeError: RocksDB "Corruption" (files replaced under it)
            raise messages.cannot_open(p, e) from None
        return cls(inner, path=p, read_only=read_only)

    @classmethod
    def memory(cls) -> Store:
        """A store in memory (tests, previews)."""
        return cls(ox.Store(), path=None, read_only=False)

    def close(self) -> None:
        """Flush and release the store (and its lock). Further use raises StoreError.

        A failed final flush is logged (a warning on the ``kg.store`` logger naming the store) and raised as
        :class:`StoreError`, except while another exception is on its way (``close()`` in a ``finally`` or an
        ``except`` block): that exception is the one the caller sees, and the failed flush is only logged."""
        self._close(raise_errors=sys.exc_info()[1] is None)

    def _close(self, *, raise_errors: bool) -> None:
        writer = self._ox is not None and not self.read_only and self.path is not None
        if writer and not compaction.on_close(self.inner, self.path, self._current_generation(), self._triples_written,
                                              alongside=self.reads_at_close, grown=self._grown):
            self._publish(force=True)
        inner, self._ox = self._ox, None
        if self._hold is not None:
            del inner
            self._hold.release()
            self._hold = None
            return
        if self._reader_lock is not None:
            del inner  # close the database before letting a large write swap it
            self._reader_lock.release()
            self._reader_lock = None
            return
        if inner is None or self.read_only or self.path is None:
            return
        try:
            inner.flush()
            return
        except OSError as e:
            problem = str(e) or type(e).__name__
        finally:
            del inner  # released (with its lock) here, not kept alive by a traceback
        log.warning("%s", _("the store at {path} could not be flushed on close: {error}").format(
            path=self.path, error=problem))
        if raise_errors:
            raise StoreError(
                _("the store at {path} could not be flushed to disk on close: {error}; the last writes may not be on "
                  "disk: check the disk (free space, permissions), then `glamkg stats --store {path}` to see what "
                  "the store holds").format(path=self.path, error=problem)
            )

    def _release(self) -> None:
        self._ox = None

    # --- publishing for readers (kg.store.snapshots) -------------------------------------------------

    def _written(self) -> None:
        """After a committed write: readers see it at the latest :data:`snapshots.INTERVAL` seconds later,
        and in any case when this store is closed."""
        self._unpublished = True
        if time.monotonic() - self._published_at >= snapshots.INTERVAL:
            self._publish(force=False)

    def publish_on_close(self) -> None:
        """Publish this writer's writes for readers only when it closes: one snapshot instead of one per write
        (``glamkg demo``: its data and then its four labels, each a write; a snapshot costs a flush and a copy)."""
        self._published_at = math.inf

    def _publish(self, *, force: bool) -> None:
        if self.path is None or self._ox is None or self.read_only:
            return
        if not self._unpublished and (not force or snapshots.current(self.path) is not None):
            return
        try:
            snapshots.publish(self._ox, self.path, self._current_generation())
        except OSError as e:  # readers keep the previous snapshot; the data itself is written
            log.warning("%s", _("the store at {path} could not publish a snapshot for readers: {error}").format(
                path=self.path, error=e))
            return
        self._unpublished = False
        self._published_at = time.monotonic()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        """Close; a failed flush raises only when the ``with`` block itself did not (see :meth:`close`)."""
        self._close(raise_errors=exc_type is None)

    def __repr__(self) -> str:
        where = self.path or "memory"
        return f"<Store {where}{' read-only' if self.read_only else ''}>"

    @property
    def inner(self) -> ox.Store:
        """The underlying pyoxigraph store (read it; write through this class)."""
        if self._ox is None:
            raise StoreError(_("the store is closed"))
        return self._ox

    def _writable(self) -> ox.Store:
        if self.read_only:
            raise StoreError(_("the store at {path} is open read-only; open it without read_only to write").format(
                path=self.path))
        return self.inner

    # --- reading ------------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[ox.Variable, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run a SPARQL query (read-only) on the default graph; raw pyoxigraph results.

        What pyoxigraph refuses when it reads and plans the query, a ``SyntaxError`` (bad SPARQL) or a
        ``RuntimeError`` (it cannot be evaluated, e.g. an unknown function), becomes :class:`InputError`
        naming the query (``name``, a saved query's name or file, else the start of its text) and keeping
        pyoxigraph's message on one line. The results are lazy: errors while iterating them are pyoxigraph's."""
        try:
            return self.inner.query(sparql, substitutions=dict(substitutions) if substitutions else None, **kwargs)
        except (SyntaxError, RuntimeError) as e:
            raise messages.refused_query(e, name, sparql) from e

    def is_empty(self) -> bool:
        """No triple in the default graph (the metadata graph apart)."""
        return next(iter(self.inner.quads_for_pattern(None, None, None, _DG)), None) is None

    def __len__(self) -> int:
        """Triples in the default graph: Oxigraph's count of all quads (twice as fast as a SPARQL COUNT) less
        the quads of the named graphs (the small metadata graph)."""
        st = self.inner
        named = sum(1 for g in st.named_graphs() for _ in st.quads_for_pattern(None, None, None, g))
        return len(st) - named

    def _select(self, sparql: str) -> ox.QuerySolutions:
        res = self.inner.query(sparql)
        assert isinstance(res, ox.QuerySolutions)
        return res

    def _count(self, sparql: str) -> int:
        for row in self._select(sparql):
            return int(row[0].value)
        return 0

    def has_entity(self, entity_id: str) -> bool:
        """True when the default graph has triples about the entity (its IRI as subject)."""
        iri = ox.NamedNode(ids.entity_iri(entity_id))
        return next(self.inner.quads_for_pattern(iri, None, None, _DG), None) is not None

    def entity_ids(self, prefix_iri: str | None = None) -> list[str]:
        """Ids of the entities described in the store, sorted; only those whose IRI starts with
        ``prefix_iri`` when given. An entity is a subject of ``wikibase:statements`` (every entity in WDQS
        form has it) or ``schema:version`` whose IRI is an entity IRI; a label alone does not make one."""
        found: set[str] = set()
        for pred in _ENTITY_MARKERS:
            for q in self.inner.quads_for_pattern(None, pred, None, _DG):
                iri = q.subject.value  # type: ignore[union-attr]
                if prefix_iri and not iri.startswith(prefix_iri):
                    continue
                eid = ids.try_id_from_iri(iri)
                if eid:
                    found.add(eid)
        return sorted(found, key=lambda e: (e[0], int(e[1:])))

    def entity_triples(self, entity_id: str) -> set[ox.Triple]:
        """The triples an entity owns in the store (what a rewrite replaces)."""
        return ownership.owned(self.inner, ox.NamedNode(ids.entity_iri(entity_id)))

    # --- writing entities ---------------------------------------------------------------------------

    def write_entities(
        self,
        entities: Iterable[Mapping[str, Any]],
        *,
        datatypes: Mapping[str, str] | None = None,
        progress: Advance | None = None,
        converter: Converter | None = None,
        source: str | None = None,
    ) -> WriteReport:
        """Write entity JSON (API or storage shape) as WDQS RDF, all or nothing.

        ``source``: the reference URL of the load that writes (a sheet's ``file:<name>`` or its address),
        recorded in the write log: :meth:`sources` lists them, and an import keeps the statements they wrote
        (:mod:`kg.store.sources`).

        Every entity is converted first (``kg.rdf.wdqs_triples``; a bad one raises EntityError naming it and
        nothing is written); then the batch is applied in one atomic step. Returns which ids were created,
        updated or unchanged. ``progress(n)`` is told of every entity converted."""
        st = self._writable()
        if converter is None:
            from kg.rdf import conversion  # here: a reader's start-up does without it (16 ms)

            converter = conversion.store_triples
        items = entities if isinstance(entities, list | tuple) else list(entities)
        converted: list[tuple[str, ox.NamedNode, list[ox.Triple]]] = []
        seen: dict[str, int] = {}
        advance = progress or _ignore
        for n, e in enumerate(items, 1):
            if not isinstance(e, Mapping):
                raise InputError(_("entity #{n}: expected entity JSON (an object), found {found}").format(
                    n=n, found=type(e).__name__))
            eid = e.get("id")
            if not isinstance(eid, str) or not ids.is_id(eid):
                raise EntityError(_("bad or missing entity id {found} (expected Q<number>)").format(found=repr(eid)),
                                  entity=f"#{n}")
            if eid in seen:
                raise EntityError(_("written twice in one batch (entities #{first} and #{second})").format(
                    first=seen[eid], second=n), entity=eid)
            seen[eid] = n
            try:
                triples = converter(e, datatypes=datatypes)
            except GlamkgError:
                raise
            except (KeyError, TypeError, ValueError) as err:
                raise EntityError(_("cannot convert to RDF: {error}").format(error=f"{type(err).__name__}: {err}"),
                                  entity=eid) from None
            converted.append((eid, ox.NamedNode(ids.entity_iri(eid)), triples))
            advance(1)

        report = WriteReport()
        removals: set[ox.Triple] = set()
        additions: list[ox.Triple] = []
        asserted: set[ox.Triple] = set()  # every triple of the batch: nothing the batch says is removed
        for eid, iri, triples in converted:
            new = set(triples)
            old = ownership.owned(self.inner, iri)
            if not old:
                asserted |= new
                report.created.append(eid)
                additions.extend(new)
                continue
            extra = new - old
            if extra:
                # Oxigraph keeps literals in canonical form ("+12"^^xsd:decimal is stored as "12", "1.0E-5"
                # as "0.00001", language tags in lower case): compare in that form.
                canon = ownership.canonical(extra)
                new = (new - extra) | canon
                extra = canon - old
            asserted |= new
            # Unchanged: everything the entity owned is still said, and the rest (shared reference and value
            # nodes) is in the store already. An owned triple missing from the store would not be in ``old``.
            if old <= new and all(ox.Quad(*t) in st for t in extra):
                report.unchanged.append(eid)
                continue
            report.updated.append(eid)
            removals |= old - new
            additions.extend(extra)
        if removals:
            removals |= ownership.orphans(self.inner, removals, asserted)
            removals -= asserted
        report.generation = self._current_generation()
        if not report.changed:
            return report
        gen = int(report.generation) + 1
        log = self._log_entry(gen, "entities", created=len(report.created), updated=len(report.updated),
                              unchanged=len(report.unchanged))
        log += self._source_quads(gen, source)
        del st  # a large write swaps the store's directory: hold no reference to the old store across it
        self._apply(removals, additions, log)
        report.triples_written, report.triples_removed = len(additions), len(removals)
        report.generation = str(gen)
        self._written()
        return report

    def add_new_entities(
        self,
        ntriples: bytes | Iterable[bytes],
        entity_ids: list[str],
        *,
        no_blank_nodes: bool = False,
        source: str | None = None,
        lenient: bool = False,
        growing: bool = False,
        settled: Callable[[ox.Store], None] | None = None,
    ) -> WriteReport | None:
        """Write entities that are all NEW, given as their WDQS N-Triples (made elsewhere, e.g. by the demo's
        worker processes with :func:`kg.rdf.wdqs_triples`), without parsing them into Python objects.

        ``ntriples`` is one ``bytes`` or an iterable of parts, each a whole number of lines (for example
        :func:`kg.rdf.conversion.ntriples_parts`, as the workers finish them). Parts given to a store on disk
        with ``no_blank_nodes=True`` stream into the copy a swap builds (:func:`kg.store.writes.apply_stream`):
        the whole write is never in memory at once; ``lenient=True`` (parts made by glamkg's own conversion) skips
        the parser's checks of IRIs and language tags there (:func:`kg.store.writes.load_parts`).

        All or nothing, like :meth:`write_entities`. Returns None and writes nothing when the fast path does
        not apply (an entity is already in the store or listed twice, or the data may have blank nodes, which
        the bulk loader relabels; ``no_blank_nodes=True``: the caller checked the terms, so ``_:`` inside a
        literal does not count): the caller then uses :meth:`write_entities`. ``growing``: ``entity_ids`` (unique)
        is filled while the parts are made (:mod:`kg.load.stream`), for an EMPTY store on disk only. ``settled``:
        reads of the written content while a streamed write's copy settles (:func:`kg.store.writes.apply_stream`)."""
        st = self._writable()
        empty = next(iter(st.quads_for_pattern(None, None, None, _DG)), None) is None
        if growing and (not empty or self.path is None or not no_blank_nodes or isinstance(ntriples, bytes)):
            return None
        if len(set(entity_ids)) != len(entity_ids):
            return None  # write_entities names the duplicate
        if not empty and any(next(iter(st.quads_for_pattern(ox.NamedNode(ids.entity_iri(eid)), None, None, _DG)),
                                  None) is not None for eid in entity_ids):
            return None
        stream = not isinstance(ntriples, bytes) and no_blank_nodes and self.path is not None
        if not isinstance(ntriples, bytes) and not stream:
            ntriples = b"".join(ntriples)
        if isinstance(ntriples, bytes) and not no_blank_nodes and b"_:" in ntriples:
            return None  # conservative: "_:" in a literal costs the fast path
        gen = int(self._current_generation()) + 1

        def log() -> list[ox.Quad]:  # after the last part: a growing write's ids are known then
            counts = {"created": len(entity_ids), "updated": 0, "unchanged": 0}
            return self._log_entry(gen, "entities", **counts) + self._source_quads(gen, source)

        del st  # a large write swaps the store's directory: hold no reference to the old store across it
        if isinstance(ntriples, bytes):
            n = ntriples.count(b"\n")
            writes.apply(self._writable(), set(), ntriples, log(), additions=n, swap=self._swapper())
        else:
            swapper = self._swapper()
            assert swapper is not None  # on disk
            n = writes.apply_stream(ntriples, log, swap=swapper, lenient=lenient, settled=settled)
        report = WriteReport(created=list(entity_ids), triples_written=n, generation=str(gen))
        self._triples_written += n
        self._grown = self._grown or growing
        self._written()
        return report

    def _apply(self, removals: set[ox.Triple], additions: list[ox.Triple], meta: list[ox.Quad]) -> None:
        """Apply removals and additions as one write: the mechanism and its guarantee come from the table of
        :mod:`kg.store.writes`."""
        added = ox.serialize(additions, format=ox.RdfFormat.N_TRIPLES) or b""
        writes.apply(self._writable(), removals, added, meta, additions=len(additions), swap=self._swapper())
        self._triples_written += len(additions)  # committed: a failed write is rolled back and not counted

    def _swapper(self) -> writes.Swapper | None:
        """Copy-and-swap for this store (on disk only): builds the new state in a copy, then takes it."""
        if self.path is None:
            return None
        path = self.path

        def swap(build: Callable[[ox.Store], None]) -> None:
            self._ox = store_swap.write_through_copy(self.inner, path, build, release=self._release)

        return swap

    # --- metadata -----------------------------------------------------------------------------------

    def _current_generation(self) -> str:
        n = sum(1 for _ in self.inner.quads_for_pattern(None, _AT, None, META_GRAPH))
        return str(n)

    def generation(self) -> str:
        """A token that changes whenever a write changes the store (the number of changing writes)."""
        return self._current_generation()

    def _log_entry(self, gen: int, kind: str, **counts: int) -> list[ox.Quad]:
        node = ox.NamedNode(f"{_WRITE_NS}{gen}")
        quads = [
            ox.Quad(node, _AT, to_literal(_dt.datetime.now(_dt.UTC).replace(microsecond=0)), META_GRAPH),
            ox.Quad(node, _KIND, ox.Literal(kind), META_GRAPH),
            # unique to this write: two copies of a store written in the same second (at the same generation)
            # still differ, for whoever keeps something per content (kg.query.derived's tables)
            ox.Quad(node, _TOKEN, ox.Literal(uuid.uuid4().hex), META_GRAPH),
        ]
        quads += [ox.Quad(node, ox.NamedNode(_META_NS + k), to_literal(v), META_GRAPH) for k, v in counts.items()]
        return quads

    def _source_quads(self, gen: int, source: str | None) -> list[ox.Quad]:
        node, pred = ox.NamedNode(f"{_WRITE_NS}{gen}"), ox.NamedNode(_META_NS + "source")
        return [ox.Quad(node, pred, ox.Literal(source), META_GRAPH)] if source else []

    def sources(self) -> set[str]:
        """The reference URLs of the loads that wrote into this store (from the write log)."""
        pred = ox.NamedNode(_META_NS + "source")
        quads = self.inner.quads_for_pattern(None, pred, None, META_GRAPH)
        return {q.object.value for q in quads if isinstance(q.object, ox.Literal)}

    def set_meta(self, key: str, value: Any) -> None:
        """Set a metadata value (``label``, ``synthetic``, ...), kept out of the default graph.

        A changed value is a write: it adds a write-log entry (kind ``meta``) in the same step, so
        :meth:`generation` moves and caches keyed on it see the new value. Setting the value a key already
        has writes nothing and leaves :meth:`generation` as it was."""
        st = self._writable()
        if not isinstance(key, str) or not _KEY.match(key):
            raise InputError(_("metadata keys are lower-case words like 'label' or 'synthetic', found {found}").format(
                found=repr(key)))
        if key in _RESERVED_META:
            raise InputError(
                _("metadata key {key} is reserved (the store keeps {reserved} itself); choose another key").format(
                    key=repr(key), reserved=", ".join(sorted(_RESERVED_META)))
            )
        pred = ox.NamedNode(_META_NS + key)
        lit = to_literal(value)
        [stored] = ownership.canonical({ox.Triple(_META_SUBJECT, pred, lit)})
        current = {q.object for q in st.quads_for_pattern(_META_SUBJECT, pred, None, META_GRAPH)}
        if current == {stored.object}:
            return
        log = self._log_entry(int(self._current_generation()) + 1, "meta")
        terms = ox.serialize([q.triple for q in log], format=ox.RdfFormat.N_TRIPLES) or b""
        try:
            st.update(
                f"DELETE WHERE {{ GRAPH {META_GRAPH} {{ {_META_SUBJECT} {pred} ?o }} }} ;\n"
                f"INSERT DATA {{ GRAPH {META_GRAPH} {{ {_META_SUBJECT} {pred} {lit} .\n"
                + terms.decode("utf-8") + "} }"
            )
        except OSError as e:
            raise StoreError(_("cannot write metadata: {error}").format(error=e)) from None
        self._written()

    def meta(self) -> dict[str, Any]:
        """Metadata: what :meth:`set_meta` set, plus ``generation`` and ``loaded_at`` (the time of the last
        write of data: entities or a dump; metadata changes move ``generation`` but not ``loaded_at``)."""
        out: dict[str, Any] = {}
        for q in self.inner.quads_for_pattern(_META_SUBJECT, None, None, META_GRAPH):
            out[q.predicate.value[len(_META_NS) :]] = to_python(q.object)
        kinds = {q.subject: to_python(q.object) for q in self.inner.quads_for_pattern(None, _KIND, None, META_GRAPH)}
        latest, last_load, last, newest = -1, -1, None, None
        for q in self.inner.quads_for_pattern(None, _AT, None, META_GRAPH):
            n = int(str(q.subject.value)[len(_WRITE_NS) :])  # type: ignore[union-attr]
            if n > latest:
                latest, newest = n, q.subject
            if kinds.get(q.subject) != "meta" and n > last_load:
                last_load, last = n, q.object.value  # type: ignore[union-attr]
        out["generation"] = str(max(latest, 0))
        out["loaded_at"] = last
        token = next(iter(self.inner.quads_for_pattern(newest, _TOKEN, None, META_GRAPH)), None) if newest else None
        # none in stores written before tokens were
        out["write_token"] = str(token.object.value) if token is not None else ""  # type: ignore[union-attr]
        return out

    # --- dumps --------------------------------------------------------------------------------------

    def load_dump(self, path: str | Path, *, format: str | None = None, base_iri: str | None = None,
                  progress: Advance | None = None) -> int:
        """Add the triples of an N-Triples or Turtle file (``.gz`` too) to the default graph; returns how many
        were read. The file is parsed completely before anything is written, so a syntax error writes
        nothing. Oxigraph's bulk loader then writes it in batches of 1,000,000 triples, each applied in one
        step (a dump up to that size is all or nothing; a crash in the middle of a larger one can leave part
        of it). Blank nodes keep their labels. The dump adds to the graph; it does not replace entities.
        ``progress(n)`` is told of every ``n`` bytes of the file checked."""
        st = self._writable()
        p = Path(path)
        if not p.is_file():
            raise InputError(_("{path}: no such file").format(path=p))
        fmt = dump_format(p, format)
        count = 0
        try:
            with open_dump(p) as fh:
                reader = CountingReader(fh, progress or _ignore)
                for _triple in ox.parse(reader, fmt, base_iri=base_iri):  # type: ignore[arg-type]
                    count += 1
        except SyntaxError as e:
            raise InputError(_("{path}: {error}; nothing was loaded").format(path=p, error=e)) from None
        except (OSError, EOFError) as e:
            raise InputError(_("{path}: cannot read: {error}").format(path=p, error=e)) from None
        gen = int(self._current_generation()) + 1
        log = self._log_entry(gen, "dump", triples=count)
        try:
            # Parsed here (not by Store.load) so blank nodes keep their labels, as an export wrote them.
            with open_dump(p) as fh:
                st.bulk_extend(itertools.chain(ox.parse(fh, fmt, base_iri=base_iri), log))
        except (OSError, SyntaxError) as e:
            raise StoreError(_("loading {path} failed: {error}").format(path=p, error=e)) from None
        self._written()
        return count

    def export(self, output: str | Path | IO[bytes], *, format: str = "nt") -> None:
        """Write the whole default graph (no metadata) as N-Triples (``nt``) or Turtle (``ttl``) to a file
        path or a binary stream; streamed, not built in memory."""
        fmt = FORMATS.get(format)
        if fmt is None:
            raise InputError(_("export format must be one of {formats}, found {found}").format(
                formats=", ".join(FORMATS), found=repr(format)))
        prefixes = {**PREFIXES, "gk": ids.local_concept_base()} if fmt == ox.RdfFormat.TURTLE else None
        if isinstance(output, str | Path):
            target = Path(output)
            if not target.parent.is_dir():
                raise InputError(_("cannot export to {path}: the directory {parent} does not exist; create it or "
                                   "choose another --output").format(path=target, parent=target.parent))
            if target.is_dir():
                raise InputError(_("cannot export to {path}: it is a directory; give a file name").format(path=target))
        try:
            if isinstance(output, str | Path):
                self.inner.dump(str(output), fmt, from_graph=_DG, prefixes=prefixes)
            else:
                self.inner.dump(output, fmt, from_graph=_DG, prefixes=prefixes)
        except BrokenPipeError:
            raise  # the reader stopped reading (`glamkg export | head`): not a store problem
        except OSError as e:
            if e.errno == errno.EPIPE:
                raise BrokenPipeError(*e.args) from None
            if isinstance(output, str | Path):
                raise StoreError(_("export to {path} failed: {error}").format(path=output, error=e)) from None
            raise StoreError(_("export failed: {error}").format(error=e)) from None

    # --- statistics ---------------------------------------------------------------------------------

    def entity_counts(self) -> dict[str, int]:
        """How many entities of each kind (``Q``, ``P``, ``L``) the store describes (:mod:`kg.store.stats`)."""
        from kg.store import stats

        return stats.entity_counts(self)

    def stats(self) -> dict[str, Any]:
        """Counts, items per class and the metadata (:func:`kg.store.stats.stats`)."""
        from kg.store import stats

        return stats.stats(self)


# --- helpers --------------------------------------------------------------------------------------------


_T = TypeVar("_T")
#: What a read-only store says when a file it had not opened yet was compacted away by the writer.
_RACED = ("No such file or directory", "Corruption")


def raw(store: Store | ox.Store) -> ox.Store:
    """The pyoxigraph store under a glamkg :class:`Store` (or a pyoxigraph store itself): the one way to reach
    the engine, for code that hands it to pyoxigraph directly (queries, bulk reads)."""
    if isinstance(store, Store):
        return store.inner
    if isinstance(store, ox.Store):
        return store
    found = type(store).__name__
    raise StoreError(_("expected a glamkg store or a pyoxigraph.Store, found {found}").format(found=found))


def read_with_retry(path: str | Path | None, read: Callable[[Store], _T], *, attempts: int = 5) -> _T:
    """``read(store)`` on the store at ``path`` opened read-only, opened again and repeated (up to
    ``attempts`` times) when it fails because a writer changed the store's files meanwhile.

    RocksDB's read-only mode opens the database's files lazily, and a writer in another process (a load, an
    import) compacts and deletes files at any time; a reader then fails with "No such file or directory" or
    "Corruption". A fresh open sees the new files. Large writes (``kg.store.swap``) wait for open readers.
    """
    for attempt in range(1, attempts + 1):
        try:
            with Store.open(path, read_only=True) as st:
                return read(st)
        except (OSError, RuntimeError, GlamkgError) as e:
            if attempt == attempts or not any(mark in str(e) for mark in _RACED):
                raise
            log.info("the store changed while being read (%s); reading again", messages.one_line(e))
            time.sleep(0.1 * attempt)
    raise AssertionError("unreachable")


def open_store(path: str | Path | None = None, *, read_only: bool = False) -> Store:
    """Shorthand for :meth:`Store.open`."""
    return Store.open(path, read_only=read_only)

"""A sheet of new rows streamed into an empty store: the rows are mapped, reconciled, checked, planned and turned
into N-Triples a chunk at a time while Oxigraph's bulk loader takes the chunks before them (issue 14: the whole
load near the engine's own speed, instead of one stage after another over the whole sheet with a core idle).

:func:`load` is :func:`kg.load.pipeline.load` with this path tried first. It applies when the load can only
create items in an empty store on disk: the store target writing columns (:meth:`StoreTarget.streams
<kg.load.targets.store.StoreTarget.streams>`), ids minted against that target, no review answers and no
reconciliation service to ask, no plan file, not a dry run, a sheet read without problems of at least
:data:`MIN_ROWS` rows and more than ``--shacl-limit`` (so the pyshacl graph check is skipped either way).

It is speculative. The chunks stream into the copy of the store that every large write builds
(:func:`kg.store.writes.apply_stream`); the first problem of any kind (a cell, a duplicate row, a required value
missing, a row that matches an item or names one, a value the column path does not write) stops it: the copy is
thrown away and the load runs again the whole-sheet way (:func:`kg.load.pipeline.prepare`, the sheet already
read), which finds and reports every problem exactly as before. So a load that succeeds here is one the whole-sheet
path accepts, and it writes the same triples (tests/test_load_stream.py). The whole sheet's own checks stay whole:
numbers that read two ways in a column are looked for before the first chunk; the reconciler keeps its state
across chunks (a row that repeats one of another chunk is a problem); a required column that no row fills makes
a problem of every row, so it stops the stream too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.load import pipeline
from kg.load.countries import country_problems
from kg.load.mapping import Mapping as ColumnMapping
from kg.load.newrows import NewRows
from kg.load.plan import Plan
from kg.load.reconcile import Index, Reconciler
from kg.load.sheet import XLSX_SUFFIXES, Sheet, open_rows, read_sheet
from kg.load.targets.base import Target
from kg.load.validate import check_rows
from kg.progress import SILENT, Progress
from kg.rdf import columns, conversion

#: Fewer rows load the whole-sheet way (the column-wise write's own threshold)
MIN_ROWS = conversion.PARALLEL_MIN
#: Rows a chunk: mapped, checked, planned and written while the loader takes the chunks before (~1 MB of cells,
#: ~40 MB of N-Triples at the benchmark's 48 triples a row)
CHUNK_ROWS = 5_000


class _Stop(Exception):
    """A chunk found a problem: the stream stops, its copy of the store is thrown away."""


def load(
    path: str | Path,
    mapping: ColumnMapping,
    target: Target,
    *,
    dry_run: bool = False,
    plan_out: str | Path | None = None,
    progress: Progress = SILENT,
    **options: Any,
) -> pipeline.LoadResult:
    """:func:`kg.load.pipeline.load`, streamed when it can be (the module docstring): the same result, the same
    store, the same problems."""
    if dry_run or plan_out is not None or not _eligible(target, options):
        return pipeline.load(path, mapping, target, dry_run=dry_run, plan_out=plan_out, progress=progress, **options)
    with pipeline.no_cyclic_gc():
        progress.phase("reading", 0)
        opened = open_rows(path, encoding=options.get("encoding"), delimiter=options.get("delimiter"),
                           sheet_name=options.get("sheet_name"))
        if opened is None:  # a workbook: read whole
            sheet: Sheet = read_sheet(Path(path), sheet_name=options.get("sheet_name"))
            rows: Iterator[Any] = iter(())
        else:
            sheet, rows = opened
        result = _stream(Path(path), sheet, rows, mapping, target, progress, options)
        if result is not None:
            return result
        for _row in rows:  # the rest of the file, for the whole-sheet path
            pass
    return pipeline.load(path, mapping, target, progress=progress, sheet=sheet, **options)


def _eligible(target: Target, options: dict[str, Any]) -> bool:
    streams = getattr(target, "streams", None)
    if streams is None or "sheet" in options or options.get("exists") != getattr(target, "exists", None):
        return False
    linker = options.get("linker")
    if linker is not None and (linker.service is not None or linker.review.answers):
        return False
    return bool(streams())


def _stream(p: Path, sheet: Sheet, rows: Iterator[Any], mapping: ColumnMapping, target: Any, progress: Progress,
            options: dict[str, Any]) -> pipeline.LoadResult | None:
    """The load streamed, or None when it stopped (nothing written) or does not apply. ``rows``: the rest of the
    sheet's rows, appended to it as they are read."""
    shacl_limit = options.get("shacl_limit", pipeline.DEFAULT_SHACL_LIMIT)
    enough = max(MIN_ROWS, shacl_limit + 1)  # rows read before the stream starts: it applies from this many on
    for _row in itertools.islice(rows, max(enough - len(sheet.rows), 0)):
        pass
    if sheet.problems or len(sheet.rows) < enough:
        return None
    specs, problems = mapping.resolve(sheet)
    if problems:
        return None
    mapping.start(sheet)
    kind, name = mapping.kind, sheet.name
    try:
        url, retrieved, stated_in = pipeline.source_reference(p, mapping)
    except InputError:
        return None  # said by the whole-sheet way, after the rows' own problems
    refs = pipeline.reference_json(pipeline.source_snaks(url, retrieved, stated_in), kind)
    index: Index | None = options.get("index")
    reconciler = Reconciler(index or Index(), kind, file=name, exists=options.get("exists"))
    stored = index.classes if index is not None else None
    items: list[Any] = []
    created: list[str] = []
    written: set[str] = set()  # value and reference nodes written by earlier chunks

    def parts() -> Iterator[tuple[bytes, list[tuple[str, str, str]]]]:
        from kg.query import derivation

        start = 0
        while True:
            for _row in itertools.islice(rows, max(start + CHUNK_ROWS - len(sheet.rows), 0)):
                pass  # read on: the reader's own checks of these rows run now
            chunk = sheet.rows[start:start + CHUNK_ROWS]
            if not chunk:
                break
            start += len(chunk)
            found: list[Any] = []
            mapped = mapping.map_rows(sheet, specs, chunk, found)
            if found or sheet.problems or any(r.names for r in mapped):
                raise _Stop
            matches = reconciler.reconcile(mapped)
            if reconciler.problems or len(matches) != len(mapped) or any(m.how != "new" for m in matches):
                raise _Stop
            if check_rows(mapped, kind, file=name, mapping=mapping.named) or country_problems(
                    mapped, file=name, classes=stored):
                raise _Stop
            deferred = NewRows(kind, refs, name, pipeline.entity_for, keep_all=True)
            for row, match in zip(mapped, matches, strict=True):
                items.append(deferred.add(len(items), row, match))
            del mapped
            new = deferred.finish(items, found)
            if new is None or found:
                raise _Stop
            created.extend(new.ids)
            yield from columns.ntriples_parts_with(new, derivation.MAP_PREDICATES, written=written)
            new.converted, new.held = {}, {}  # its deferred items rebuild entities from its rows
            progress.advance(len(new.ids))
        if mapping.sheet_problems(sheet, specs):  # the whole sheet read: its columns' number format
            raise _Stop

    progress.phase("loading", max(_lines(p) - 1, len(sheet.rows)))
    try:
        report = target.write_stream(parts(), created, url)
    except _Stop:
        return None
    if report is None:
        return None
    n_rows = len(sheet.rows)
    plan = Plan(items=items, source=str(p), kind=kind, target=target.name, retrieved=retrieved,
                meta={"reference_url": url, "rows": n_rows, "mapping": mapping.source or "template"})
    warnings = [*pipeline.sheet_warnings(sheet, specs, mapping)]
    if shacl_limit >= 0:
        warnings.append(pipeline.shacl_skipped(n_rows, shacl_limit))
    return pipeline.LoadResult(pipeline.Prepared(plan, n_rows, list(sheet.columns), warnings), report)


def _lines(p: Path) -> int:
    """The lines of a text file, read a block at a time (the rows to come, for the progress bar: about one a line,
    a cell may span lines); 0 for a workbook or a file that cannot be read again."""
    if p.suffix.lower() in XLSX_SUFFIXES:  # read whole already: its rows are known
        return 0
    n = 0
    try:
        with p.open("rb") as fh:
            while block := fh.read(1 << 20):
                n += block.count(b"\n")
    except OSError:
        return 0
    return n

"""Loading a spreadsheet: read -> map -> validate -> reconcile -> entity JSON -> plan -> write.

:func:`prepare` does everything up to the plan and never writes; it raises
:class:`kg.load.problems.ValidationFailed` listing EVERY problem (cell values, shapes, reconciliation) with file,
row and column. :func:`load` then hands the plan to a :class:`kg.load.targets.base.Target` unless ``dry_run``.

What a load writes to an item (see docs/loading.md, "Merging into existing items"):

* a new item (no match): everything the row says;
* an existing item: the row's labels/descriptions (per language) and aliases are set/added; for every
  property the mapping states (a column or a constant), the statements that carry THIS source's reference
  (same reference URL) are replaced by the row's values; a row value equal to a statement from another
  source gets this source's reference added instead of a duplicate statement; statements of other
  properties and other sources are never touched. So a re-run of the same file changes nothing, and a
  corrected cell becomes a ``change``.

Every statement carries one reference: ``reference URL`` (the mapping's ``reference.url``; for a local file
``file:<file name>``: the name only, so the reference does not depend on the directory the load ran from),
``retrieved`` (the mapping's ``reference.retrieved``, else the file's modification date, UTC: a re-run of an
unchanged file gives the same reference) and ``stated in`` when the mapping names the source item.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import gc
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import EntityError, InputError
from kg.i18n import _, ngettext
from kg.load.countries import country_problems
from kg.load.linking import Linker
from kg.load.mapping import MappedRow
from kg.load.mapping import Mapping as ColumnMapping
from kg.load.newrows import NewRows
from kg.load.plan import Plan, PlanItem, plan_item, statement_key
from kg.load.problems import Problem, ValidationFailed
from kg.load.reconcile import Index, Match, Reconciler
from kg.load.sheet import Sheet, read_sheet
from kg.load.targets.base import Target, WriteReport
from kg.load.validate import check_rows, shacl_check
from kg.model.entities import Claim, Record, to_json
from kg.model.schema import model
from kg.model.values import ItemRef, Time
from kg.progress import SILENT, Progress
from kg.store.read import LOSSY

Json = dict[str, Any]
DEFAULT_SHACL_LIMIT = 2_000
EXISTING_BATCH = 500



@dataclass
class Prepared:
    """Everything known before writing: the plan, the rows read and notes for the user."""

    plan: Plan
    rows: int
    columns: list[str]
    warnings: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    prepared: Prepared
    report: WriteReport | None  # None for a dry run

    @property
    def plan(self) -> Plan:
        return self.prepared.plan


def source_reference(path: Path, mapping: ColumnMapping) -> tuple[str, str, str | None]:
    """(reference URL, retrieved date YYYY-MM-DD, stated-in id or None) for a load of ``path``."""
    url = mapping.reference.url or "file:" + urllib.parse.quote(path.name)
    retrieved = mapping.reference.retrieved
    if retrieved is None:
        mtime = path.stat().st_mtime
        retrieved = dt.datetime.fromtimestamp(mtime, dt.UTC).date().isoformat()
    try:
        Time(retrieved)
    except InputError as e:
        raise InputError(_("reference retrieved date: {error}").format(error=e)) from None
    return url, retrieved, mapping.reference.stated_in


def source_snaks(url: str, retrieved: str, stated_in: str | None) -> list[list[tuple[str, Any]]]:
    ref: list[tuple[str, Any]] = []
    if stated_in:
        ref.append(("stated_in", ItemRef(stated_in)))
    ref.append(("reference_url", url))
    ref.append(("retrieved", Time(retrieved)))
    return [ref]


def record_for(row: MappedRow, match: Match, kind: str, refs: list[list[tuple[str, Any]]]) -> Record:
    return Record(
        id=match.id,
        kind=kind,
        labels=dict(row.labels),
        descriptions=dict(row.descriptions),
        aliases={k: list(v) for k, v in row.aliases.items()},
        claims=[Claim(c.pid, c.value, references=refs) for c in row.claims],
    )


def reference_json(refs: list[list[tuple[str, Any]]], kind: str) -> list[Json]:
    """The references JSON :func:`kg.model.entities.to_json` gives a statement carrying ``refs``."""
    probe = Record(id=None, kind=kind, claims=[Claim("reference_url", "https://glamkg.invalid/", references=refs)])
    return list(to_json(probe)["claims"][model().prop("reference_url").id][0]["references"])


def entity_for(row: MappedRow, match: Match, kind: str, refs: list[Json]) -> Json:
    """``to_json(record_for(row, match, kind, refs))``, faster: the statements are built without references and
    every statement then gets the load's one reference (the same JSON objects, never mutated: every consumer
    builds new containers). Statement ids do not depend on references, so the JSON is identical."""
    entity = to_json(record_for(row, match, kind, []))
    for sts in entity["claims"].values():
        for st in sts:
            st["references"] = list(refs)
    return entity


# -- merging into an existing entity -----------------------------------------------------------------------


def _is_source_ref(ref: Mapping[str, Any], ref_pid: str, url: str) -> bool:
    for s in ref.get("snaks", {}).get(ref_pid, []):
        if s.get("snaktype") == "value" and s["datavalue"]["value"] == url:
            return True
    return False


def merge(old: Mapping[str, Any] | None, new: Json, *, pids: set[str], source_url: str) -> Json:
    """The entity after the load: ``new`` merged into ``old`` (see the module docstring)."""
    if old is None:
        return new
    ref_pid = model().prop("reference_url").id
    out: Json = copy.deepcopy({k: v for k, v in old.items() if k != LOSSY})
    for f in ("labels", "descriptions"):
        out.setdefault(f, {}).update(new.get(f) or {})
    aliases = out.setdefault("aliases", {})
    for lang, vals in (new.get("aliases") or {}).items():
        have = [a["value"] for a in aliases.get(lang, [])]
        aliases.setdefault(lang, []).extend(a for a in vals if a["value"] not in have)
    claims = out.setdefault("claims", {})
    new_claims = new.get("claims") or {}
    for pid in sorted(pids | set(new_claims)):
        olds = claims.get(pid, [])
        news = list(new_claims.get(pid, []))
        result = []
        for o in olds:
            k = statement_key(o)
            hit = next((n for n in news if statement_key(n) == k), None)
            if hit is not None:
                news.remove(hit)
                merged = dict(o)
                refs = [r for r in o.get("references", []) if not _is_source_ref(r, ref_pid, source_url)]
                merged["references"] = refs + list(hit.get("references", []))
                result.append(merged)
            elif not any(_is_source_ref(r, ref_pid, source_url) for r in o.get("references", [])):
                result.append(o)
        result.extend(news)
        if result:
            claims[pid] = result
        else:
            claims.pop(pid, None)
    return out


# -- the pipeline ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def no_cyclic_gc() -> Any:
    """Pause Python's cyclic garbage collector while a load builds millions of small acyclic objects (rows,
    entity JSON, triples): full collections would walk all of them again and again. Reference counting
    still frees everything; the collector is switched back on afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def prepare(
    path: str | Path,
    mapping: ColumnMapping,
    target: Target,
    *,
    index: Index | None = None,
    exists: Callable[[str], bool] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | None = None,
    shacl_limit: int = DEFAULT_SHACL_LIMIT,
    linker: Linker | None = None,
    progress: Progress = SILENT,
    sheet: Sheet | None = None,
) -> Prepared:
    """Read, check and plan a load; never writes. Raises ValidationFailed with all problems. ``sheet``: the
    sheet of ``path`` already read (one worksheet of a workbook, :mod:`kg.load.workbook`)."""
    p = Path(path)
    progress.phase("reading", 0)
    if sheet is None:
        sheet = read_sheet(p, encoding=encoding, delimiter=delimiter, sheet_name=sheet_name)
    if not sheet.rows:
        raise InputError(
            ngettext("{name}: expected rows below the header, found only the header ({n} column); nothing to load",
                     "{name}: expected rows below the header, found only the header ({n} columns); nothing to load",
                     len(sheet.columns)).format(name=sheet.name, n=len(sheet.columns))
        )
    kind = mapping.kind
    progress.phase("mapping", len(sheet.rows))
    rows, problems, specs = mapping.map_sheet(sheet)
    progress.advance(len(rows))
    # the reader's problems (a row in another delimiter): the other problems of their rows follow from them
    broken = {pr.row for pr in sheet.problems}
    problems = [*sheet.problems, *(pr for pr in problems if pr.row not in broken)]
    warnings = sheet_warnings(sheet, specs, mapping)
    name, n_rows, columns = sheet.name, len(sheet.rows), list(sheet.columns)
    del sheet  # the raw cells are not needed any more
    cell_bad = {(pr.row, pr.column) for pr in problems}

    # Reconciliation comes before the row checks: named item cells (a required participant ...) get their ids
    # from it, and they may name the rows of this very load.
    progress.phase("reconciling", len(rows))
    rec = Reconciler(index or Index(), kind, file=name, exists=exists)
    unmapped = {pr.row for pr in problems}
    mapped = [r for r in rows if r.number not in unmapped]
    matches = rec.reconcile(mapped)
    problems.extend(rec.problems)
    progress.advance(len(rows))
    if linker is not None or any(r.names for r in rows):
        linker = linker or Linker(index or Index())
        linker.file = name
        linker.progress = progress  # a remote service's look-ups: a phase of their own, advanced per request
        matches = linker.rows(kind, mapped, matches)
        linker.cells(kind, rows, matches)
        problems.extend(linker.problems)
        cell_bad |= {(pr.row, pr.column) for pr in linker.problems}
    del mapped
    progress.phase("checking", len(rows))
    stored = index.classes if index is not None else None  # the store's items' classes: a country cell's check
    checked = check_rows(rows, kind, file=name, mapping=mapping.named)
    for pr in [*checked, *country_problems(rows, file=name, classes=stored)]:
        if (pr.row, pr.column) not in cell_bad and pr.row not in broken:
            problems.append(pr)
    bad_rows = {pr.row for pr in problems}
    if len(rows) <= shacl_limit:
        seen = {(pr.row, pr.column, pr.found) for pr in problems}
        whole = {pr.column for pr in problems if pr.row == 1}  # a column missing from the file: said once
        for pr in shacl_check([r for r in rows if r.number not in bad_rows], kind, file=name):
            if (pr.row, pr.column, pr.found) not in seen and pr.column not in whole:
                problems.append(pr)
    elif shacl_limit >= 0:
        warnings.append(shacl_skipped(len(rows), shacl_limit))
    progress.advance(len(rows))

    rejected = {pr.row for pr in problems}
    good = [r for r in rows if r.number not in rejected]
    matches = [m for m in matches if m.row not in rejected]
    del rows
    resolve = getattr(target, "resolve_ids", None)
    if resolve is not None:  # a target with ids of its own (a Wikibase) says what each cell's id means there
        in_load = {m.id for m in matches}
        problems.extend(
            resolve_cells(resolve, good, lambda q: q in in_load or bool(exists and exists(q)), name, warnings)
        )
    url, retrieved, stated_in = source_reference(p, mapping)
    refs = reference_json(source_snaks(url, retrieved, stated_in), kind)
    by_row = {r.number: r for r in good}
    del good

    # Entity JSON and plan, a chunk at a time (rows are dropped as soon as their entity is built).
    progress.phase("planning", len(matches))
    pids = mapping.mapped_pids(specs)
    items: list[PlanItem] = []
    # An id the reconciler minted was checked against ``exists``; when that asks the target itself (the store
    # target), the target does not have it: nothing to read back (a large load of new rows reads nothing).
    minted_absent = exists is not None and getattr(target, "exists", None) == exists
    # New rows for a target that writes them column by column: deferred items, no entity JSON (kg.load.newrows)
    columnar = minted_absent and getattr(target, "writes_columns", False)
    deferred = NewRows(kind, refs, name, entity_for) if columnar else None
    # a target may plan an item itself (QuickStatements: a Wikidata item whose content it did not read)
    make_item = getattr(target, "plan_item", None) or plan_item
    for start in range(0, len(matches), EXISTING_BATCH):
        chunk: list[tuple[Match, Json | None]] = []
        for m in matches[start : start + EXISTING_BATCH]:
            if deferred is not None and m.how == "new":
                chunk.append((m, None))
                continue
            try:
                chunk.append((m, entity_for(by_row.pop(m.row), m, kind, refs)))
            except (EntityError, InputError) as e:
                problems.append(Problem(name, m.row, None, _("a row that converts to an "
                                                             "entity"), _("an error"), str(e)))
        if problems:
            if deferred is not None:  # their problems are found too
                for m, entity in chunk:
                    if entity is None:
                        deferred.add(len(items), by_row.pop(m.row), m)
            continue  # keep collecting conversion problems; nothing will be planned
        asked = [e["id"] for m, e in chunk if e is not None and not (minted_absent and m.how == "new")]
        current = target.existing(asked) if asked else {}
        for m, new in chunk:
            if new is None:
                assert deferred is not None
                items.append(deferred.add(len(items), by_row.pop(m.row), m))
                continue
            old = current.get(new["id"])
            merged = merge(old, new, pids=pids, source_url=url)
            item = make_item(merged, old, kind=kind, rows=[m.row], match=m.how)
            if old is not None and old.get(LOSSY) and item.action != "unchanged":
                problems.append(
                    Problem(
                        name,
                        m.row,
                        None,
                        _("an item the store can read back exactly ({id})").format(id=item.id),
                        _("values that cannot be restored exactly: {values}").format(values="; ".join(old[LOSSY][:3])),
                        _("update this item from its original source (e.g. glamkg import), not from a spreadsheet"),
                    )
                )
            items.append(item)
        progress.advance(len(chunk))
    new_columns = deferred.finish(items, problems) if deferred is not None else None
    if problems:
        raise ValidationFailed(problems, n_rows)
    plan = Plan(
        items=items,
        source=str(p),
        kind=kind,
        target=target.name,
        retrieved=retrieved,
        meta={"reference_url": url, "rows": n_rows, "mapping": mapping.source or "template"},
        columns=new_columns,
    )
    check = getattr(target, "check", None)
    if check is not None:  # what a remote target would refuse: found now, before anything is written
        progress.phase("checking target", 0)
        found = check(plan, file=name, columns=spec_columns(specs))
        if found:
            raise ValidationFailed(found, n_rows)
    return Prepared(plan, n_rows, columns, warnings)


def sheet_warnings(sheet: Sheet, specs: Mapping[str, Any], mapping: ColumnMapping) -> list[str]:
    """The reader's warnings and one for each column the mapping ignores."""
    return list(sheet.warnings) + [
        _("column {column!r} is not mapped and was ignored").format(column=c)
        for c in sheet.columns
        if c not in specs and mapping.unmapped == "ignore" and c not in mapping.columns
    ]


def shacl_skipped(n: int, shacl_limit: int) -> str:
    """The warning of a load whose ``n`` rows are more than ``--shacl-limit``."""
    return ngettext("{n} row: more than --shacl-limit {shacl_limit}, so the pyshacl graph check was skipped (every "
                    "row was still checked against schemas/shapes.ttl by the row checker)",
                    "{n} rows: more than --shacl-limit {shacl_limit}, so the pyshacl graph check was skipped (every "
                    "row was still checked against schemas/shapes.ttl by the row checker)", n).format(
        n=n, shacl_limit=shacl_limit)


def spec_columns(specs: Mapping[str, Any]) -> dict[str, str]:
    """Property id, ``label@<lang>`` and ``description@<lang>`` -> the sheet column they come from."""
    out: dict[str, str] = {}
    for spec in specs.values():
        if spec.pid:
            out.setdefault(spec.pid, spec.column)
        elif spec.field in ("label", "description"):
            out.setdefault(f"{spec.field}@{spec.language}", spec.column)
    return out


def resolve_cells(
    resolve: Callable[..., tuple[dict[tuple[str, str], str], dict[str, str], list[str]]],
    rows: Sequence[MappedRow],
    known: Callable[[str], bool],
    file: str,
    warnings: list[str],
) -> list[Problem]:
    """Ask the target what the item ids in ``rows`` mean there; rename them in place; refused ids are
    problems located at their cell."""
    wanted = {
        (c.pid, c.value.id) for r in rows for c in r.claims if isinstance(c.value, ItemRef) and c.value.id[0] == "Q"
    }
    if not wanted:
        return []
    renames, refused, notes = resolve(wanted, known)
    warnings.extend(notes)
    problems: list[Problem] = []
    for r in rows:
        for c in r.claims:
            if not isinstance(c.value, ItemRef):
                continue
            if c.value.id in refused:
                problems.append(
                    Problem(
                        file,
                        r.number,
                        c.column,
                        _("an item id of the store, the model, the id map or the target wiki"),
                        refused[c.value.id],
                        _("check the id; for a Wikidata item, import it into the store first (glamkg import "
                          "wikidata)"),
                    )
                )
            elif (c.pid, c.value.id) in renames:
                c.value = ItemRef(renames[(c.pid, c.value.id)])
    return problems


def load(
    path: str | Path,
    mapping: ColumnMapping,
    target: Target,
    *,
    dry_run: bool = False,
    plan_out: str | Path | None = None,
    progress: Progress = SILENT,
    **options: Any,
) -> LoadResult:
    """:func:`prepare`, write the plan to ``plan_out`` if given, then apply it unless ``dry_run``."""
    with no_cyclic_gc():
        prepared = prepare(path, mapping, target, progress=progress, **options)
        if plan_out is not None:
            prepared.plan.write(plan_out)
        if dry_run:
            return LoadResult(prepared, None)
        progress.phase("writing", len(prepared.plan.items))
        report = target.apply(prepared.plan, progress=progress.advance)
        return LoadResult(prepared, report)


def rows_of(plan: Plan) -> Sequence[int]:
    return sorted(n for it in plan.items for n in it.rows)

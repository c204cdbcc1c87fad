"""One workbook, several kinds: sheets of institutions, partners, partnerships and contributions loaded as one
plan and one all-or-nothing write (docs/loading.md, "One workbook, several kinds").

A workbook mapping file lists the worksheets in the order they are loaded, each with its own mapping (inline,
or a mapping file named relative to this one) and, optionally, a key column::

    sheets:
      - sheet: Musea
        key: Code                          # a local key per row, unique in the workbook
        mapping: {kind: institution, language: nl, columns: {Naam: label, Land: country}}
      - sheet: Partnerschappen
        mapping: partnerschappen.yaml
    reference: {url: https://example.org/musea.xlsx, retrieved: 2024-05-01}   # for sheets without their own

An item-valued cell (participant, part of, ...) of a sheet may hold the key of a row of a sheet listed before
it: the cell stands for the item that row becomes (matched or new). The class column (instance_of) never
takes keys. Every sheet is checked, all problems of all sheets are reported together, and nothing is written
unless every sheet is good; then the items of all sheets are written in one step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kg.errors import InputError, read_text
from kg.i18n import _
from kg.load.mapping import ColumnSpec
from kg.load.mapping import Mapping as ColumnMapping
from kg.load.pipeline import LoadResult, Prepared, prepare
from kg.load.plan import Plan, PlanItem
from kg.load.problems import Problem, ValidationFailed
from kg.load.reconcile import Index
from kg.load.sheet import Sheet, read_sheet
from kg.load.targets.base import Target
from kg.model import ids
from kg.model.schema import model
from kg.progress import SILENT, Progress

_SHEET_KEYS = {"sheet", "key", "mapping"}


@dataclass
class SheetSpec:
    """One worksheet of the workbook: its name, its mapping and its key column (or None)."""

    sheet: str
    mapping: ColumnMapping
    key: str | None = None


@dataclass
class Workbook:
    """A workbook mapping: the sheets in load order. Build with :meth:`from_file` or :meth:`from_dict`."""

    sheets: list[SheetSpec] = field(default_factory=list)
    source: str = ""

    @classmethod
    def from_file(cls, path: str | Path) -> Workbook:
        p = Path(path)
        try:
            raw = yaml.safe_load(read_text(p, _("a workbook mapping file (YAML)")))
        except yaml.YAMLError as e:
            raise InputError(_("{p}: expected a YAML mapping file, found a YAML error: {error}").format(
                                 p=p, error=e)) from e
        return cls.from_dict(raw or {}, source=str(p), base=p.parent)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str = "workbook", base: Path = Path()) -> Workbook:
        if not isinstance(raw, Mapping) or set(raw) - {"sheets", "reference"}:
            raise InputError(_("{source}: expected `sheets:` (and `reference:`), found {keys}").format(
                source=source, keys=", ".join(map(str, raw))))
        entries = raw.get("sheets")
        if not isinstance(entries, list) or not entries:
            raise InputError(_("{source}: sheets: expected a list of `- sheet: NAME` entries with a `mapping:`").format(
                                 source=source))
        out = cls([], source)
        seen: set[str] = set()
        for i, entry in enumerate(entries, 1):
            where = f"{source}: sheets[{i}]"
            if not isinstance(entry, Mapping) or "sheet" not in entry or "mapping" not in entry:
                raise InputError(
                    _("{where}: expected `sheet: NAME` and `mapping: FILE or {{kind: ...}}`, found {entry!r}").format(
                        where=where, entry=entry)
                )
            if set(entry) - _SHEET_KEYS:
                raise InputError(_("{where}: expected keys among {SHEET_KEYS}, found {dict}").format(
                                     where=where, SHEET_KEYS=', '.join(sorted(_SHEET_KEYS)), dict=dict(entry)))
            name = str(entry["sheet"])
            if name in seen:
                raise InputError(_("{where}: the sheet {name!r} is listed twice").format(where=where, name=name))
            seen.add(name)
            spec = entry["mapping"]
            if isinstance(spec, str):
                mp = base / spec
                try:
                    spec = yaml.safe_load(read_text(mp, _("a mapping file (YAML)"))) or {}
                except yaml.YAMLError as e:
                    raise InputError(_("{mp}: expected a mapping file in YAML, found a parse error: {error}").format(
                                         mp=mp, error=e)) from None
                msource = str(mp)
            else:
                msource = f"{where}.mapping"
            if not isinstance(spec, Mapping):
                raise InputError(_("{where}.mapping: expected a mapping file name or a mapping, found {spec!r}").format(
                                     where=where, spec=spec))
            spec = dict(spec)
            if "reference" in raw and "reference" not in spec:
                spec["reference"] = raw["reference"]
            key = None if entry.get("key") is None else str(entry["key"])
            columns = spec.get("columns") or {}
            if key is not None and key not in columns:  # a key column of its own is the workbook's, not a value
                spec["columns"] = {**columns, key: "ignore"}  # a mapped column stays mapped (a label as key)
            out.sheets.append(SheetSpec(name, ColumnMapping.from_dict(spec, source=msource), key))
        return out


def is_workbook_file(path: str | Path) -> bool:
    """Whether a mapping file is a workbook mapping (has `sheets:`); a file that cannot be read is not."""
    with contextlib.suppress(InputError, yaml.YAMLError):
        raw = yaml.safe_load(read_text(Path(path), _("a mapping file (YAML)")))
        return isinstance(raw, Mapping) and "sheets" in raw
    return False


def _placeholder() -> str:
    """The id that keys of a sheet with problems stand for, so that later sheets do not report follow-on
    problems (nothing is written when any sheet has a problem)."""
    return ids.from_numeric("item", model().local_id_min)


def _row_keys(sheet: Sheet, spec: SheetSpec, taken: Mapping[str, str], problems: list[Problem]) -> dict[int, str]:
    """Row number -> key of the sheet's key column; problems for a missing column and duplicate keys."""
    if spec.key is None:
        return {}
    if spec.key not in sheet.columns:
        problems.append(
            Problem(
                sheet.name,
                1,
                spec.key,
                _("the key column {key!r}").format(key=spec.key),
                _("no such column"),
                _("columns are: {columns}").format(columns=', '.join(sheet.columns)),
            )
        )
        return {}
    out: dict[int, str] = {}
    where: dict[str, str] = dict(taken)
    for row in sheet.rows:
        key = _key_text(row[spec.key])
        if not key:
            continue
        if key in where:
            problems.append(
                Problem(
                    sheet.name,
                    row.number,
                    spec.key,
                    _("a key used by one row of the workbook only"),
                    _("{key!r}, also the key of {where}").format(key=key, where=where[key]),
                    _("give every row its own key"),
                )
            )
            continue
        where[key] = f"{sheet.name}, row {row.number}"
        out[row.number] = key
    return out


def _key_text(value: object) -> str:
    """A cell as a key: a whole number written without its ``.0`` (Excel gives numbers as floats)."""
    return str(int(value) if isinstance(value, float) and value.is_integer() else value).strip()


def _substitute(sheet: Sheet, mapping: ColumnMapping, keys: Mapping[str, str]) -> None:
    """Replace keys by item ids in the item-valued cells of ``sheet`` (not in the class column)."""
    if not keys:
        return
    specs, _unused = mapping.resolve(sheet)
    columns: list[tuple[str, ColumnSpec]] = [
        (col, s) for col, s in specs.items() if s.datatype == "wikibase-item" and s.pid != mapping.class_pid
    ]
    for row in sheet.rows:
        for col, s in columns:
            cell = row.values.get(col)
            if isinstance(cell, int | float) and not isinstance(cell, bool) and _key_text(cell) in keys:
                row.values[col] = keys[_key_text(cell)]  # a numeric key (101 in a number cell)
                continue
            if not isinstance(cell, str) or not cell:
                continue
            sep = s.separator if s.separator is not None else mapping.separator
            parts = [p.strip() for p in cell.split(sep)] if sep else [cell.strip()]
            if any(p in keys for p in parts):
                row.values[col] = f" {sep} ".join(keys.get(p, p) for p in parts if p)


def prepare_workbook(
    path: str | Path,
    workbook: Workbook,
    target: Target,
    *,
    index: Index | None = None,
    exists: Callable[[str], bool] | None = None,
    progress: Progress = SILENT,
    **options: Any,
) -> Prepared:
    """Check and plan every sheet (all problems of all sheets, then :class:`ValidationFailed`); one plan."""
    for unused in ("encoding", "delimiter", "sheet_name"):
        options.pop(unused, None)
    problems: list[Problem] = []
    items: list[PlanItem] = []
    warnings: list[str] = []
    keys: dict[str, str] = {}  # key -> item id
    key_where: dict[str, str] = {}  # key -> where it is defined
    rows = 0
    first: Prepared | None = None
    made_by: dict[str, str] = {}  # item id -> the sheet and rows it comes from
    listed = {spec.sheet for spec in workbook.sheets}
    unlisted: list[str] = []  # the worksheets the mapping does not list: not read (one warning)
    for spec in workbook.sheets:
        sheet = read_sheet(path, sheet_name=spec.sheet, note_not_read=False)
        unlisted = unlisted or [label for title, label in sheet.not_read.items() if title not in listed]
        row_keys = _row_keys(sheet, spec, key_where, problems)
        _substitute(sheet, spec.mapping, keys)
        try:
            prepared = prepare(
                path, spec.mapping, target, sheet=sheet, index=index, exists=exists, progress=progress, **options
            )
        except ValidationFailed as e:
            problems += e.problems
            rows += e.rows
            keys.update(dict.fromkeys(row_keys.values(), _placeholder()))
            key_where.update({k: f"{sheet.name}, row {n}" for n, k in row_keys.items()})
            continue
        except InputError as e:  # a sheet that cannot be loaded at all (only a header, ...)
            problems.append(Problem(sheet.name, None, None, _("a sheet with rows to load"), _("none"), str(e)))
            continue
        first = first or prepared
        rows += prepared.rows
        warnings += [f"sheet {spec.sheet!r}: {w}" for w in prepared.warnings]
        by_row = {n: it.id for it in prepared.plan.items for n in it.rows}
        for n, k in row_keys.items():
            keys[k] = by_row[n]
            key_where[k] = f"{sheet.name}, row {n}"
        for it in prepared.plan.items:
            here = f"{sheet.name}, rows {', '.join(map(str, it.rows))}"
            if it.id in made_by:
                problems.append(
                    Problem(
                        sheet.name,
                        it.rows[0],
                        None,
                        _("each item in one sheet of the workbook only"),
                        _("{id}, also made by {made_by}").format(id=it.id, made_by=made_by[it.id]),
                        _("keep one row for the item"),
                    )
                )
            made_by[it.id] = here
        items += prepared.plan.items
    if problems:
        raise ValidationFailed(problems, rows)
    assert first is not None
    if unlisted:
        warnings.insert(0, _("not read: {others} (sheets the workbook mapping {mapping} does not list)").format(
            others=", ".join(unlisted), mapping=workbook.source))
    plan = Plan(
        items=items,
        source=str(path),
        kind="+".join(dict.fromkeys(s.mapping.kind for s in workbook.sheets)),
        target=target.name,
        retrieved=first.plan.retrieved,
        meta={
            **first.plan.meta,
            "rows": rows,
            "mapping": workbook.source,
            "sheets": [s.sheet for s in workbook.sheets],
        },
    )
    return Prepared(plan, rows, list(first.columns), warnings)


def load_workbook(
    path: str | Path,
    workbook: Workbook,
    target: Target,
    *,
    dry_run: bool = False,
    plan_out: str | Path | None = None,
    progress: Progress = SILENT,
    **options: Any,
) -> LoadResult:
    """:func:`prepare_workbook`, the plan to ``plan_out`` if given, then ONE write unless ``dry_run``."""
    prepared = prepare_workbook(path, workbook, target, progress=progress, **options)
    if plan_out is not None:
        prepared.plan.write(plan_out)
    if dry_run:
        return LoadResult(prepared, None)
    progress.phase("writing", len(prepared.plan.items))
    return LoadResult(prepared, target.apply(prepared.plan, progress=progress.advance))

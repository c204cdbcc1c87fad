"""Mapping spreadsheet columns to the model: which column holds which property, in which language,
number format and date format, plus constant values and the reference every statement carries.

Without a mapping file the column names are the template's (``glamkg template KIND``): ``id``,
``label_<lang>``, ``description_<lang>``, ``aliases_<lang>`` and property keys from ``schemas/model.yaml``
(``country``, ``isil`` ...) or property ids (``P17``). A mapping file (YAML) aligns any other spreadsheet,
the way OpenRefine's schema alignment does (see docs/loading.md for the full format)::

    kind: institution
    language: nl              # language of `label` / `description` columns without a suffix
    locale: nl                # numbers: 425.007 -> 425007, 6,09 -> 6.09 (or decimal: "," thousands: ".")
    separator: "|"            # several values in one cell
    date_formats: ["%d-%m-%Y", "%m-%Y", "%Y"]
    reference: {url: "https://example.org/musea.csv", retrieved: "2024-05-01"}
    columns:
      Naam: label
      Land: country
      Type: {property: instance_of, values: {museum: museum, archief: archives}}
      Lat: {property: coordinates, part: latitude}
      Lon: {property: coordinates, part: longitude}
      Bezoekers: {property: P1174, datatype: quantity}
      Opmerkingen: ignore
    constants:
      country: Q55

:meth:`Mapping.map_sheet` turns a :class:`kg.load.sheet.Sheet` into :class:`MappedRow`\\ s (typed
:mod:`kg.model.values`) and :class:`kg.load.problems.Problem`\\ s for every cell that does not fit.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

import yaml

from kg.errors import InputError, read_text
from kg.i18n import _
from kg.load.cells import cell_problem, formula_problem
from kg.load.numbers import LOCALES, BelowMinimum, NumberFormatError, parse_coordinate, parse_number
from kg.load.problems import Problem, did_you_mean, unknown_property
from kg.load.reconcile_settings import settings as reconcile_settings
from kg.load.sheet import Cell, Sheet, split_values
from kg.model import ids
from kg.model.languages import is_language_code
from kg.model.schema import Model, model
from kg.model.values import SOMEVALUE, Coordinate, Monolingual, Quantity, Time, Value, coerce

FIELDS = ("id", "label", "description", "aliases")
CACHE_SIZE = 200_000  # converted cell values kept per sheet (repeated countries, classes, years ...)
ID_COLUMNS = ("id", "qid", "item", "wikidata")
PARTS = ("latitude", "longitude")
#: Cell texts that mean "unknown value" (somevalue) in a column whose property the model marks `unknowable`.
UNKNOWN_WORDS = frozenset(
    {"unknown", "unknown value", "somevalue", "?", "onbekend", "unbekannt", "inconnu", "desconocido"}
)
SERIAL_MAX = 2_958_465  # Excel's date serial of 9999-12-31


@dataclass(frozen=True)
class ColumnSpec:
    """How one column maps. ``field`` is ``id``/``label``/``description``/``aliases``/``property``/``ignore``."""

    column: str
    field: str
    pid: str | None = None
    datatype: str | None = None
    language: str | None = None
    unit: str | None = None
    part: str | None = None
    values: dict[str, str] = dc_field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    separator: str | None = None
    minimum: Decimal | None = None  # a property outside the model with a smallest amount (schemas/properties.yaml)
    unknowable: bool = False  # "unknown" is "unknown value" (somevalue): schemas/model.yaml `unknowable`


@dataclass
class Reference:
    """What every statement's reference says. ``url``: None = ``file:<file name>``; ``retrieved``: None =
    the file's modification date (so a re-run of the same file gives the same reference)."""

    url: str | None = None
    retrieved: str | None = None
    stated_in: str | None = None


@dataclass(slots=True)
class MappedValue:
    pid: str
    value: Value
    column: str | None  # None: a constant from the mapping file


@dataclass(slots=True)
class MappedRow:
    """One spreadsheet row in model terms; ``columns`` maps each field/pid to the column it came from (rows that
    came from the same columns share one dict: read it, do not change it)."""

    number: int
    id: str | None = None
    labels: dict[str, str] = dc_field(default_factory=dict)
    descriptions: dict[str, str] = dc_field(default_factory=dict)
    aliases: dict[str, list[str]] = dc_field(default_factory=dict)
    claims: list[MappedValue] = dc_field(default_factory=list)
    columns: dict[str, str] = dc_field(default_factory=dict)
    names: list[tuple[str, str, str]] = dc_field(default_factory=list)  # named item cells: (pid, text, column)

    def values(self, pid: str) -> list[Value]:
        return [c.value for c in self.claims if c.pid == pid]


class Mapping:
    """A column mapping for one item kind. Build with :meth:`from_file`, :meth:`from_dict` or :meth:`default`."""

    def __init__(
        self,
        kind: str,
        columns: dict[str, ColumnSpec] | None = None,
        *,
        constants: dict[str, Any] | None = None,
        language: str = "en",
        decimal: str = ".",
        thousands: str = "",
        separator: str = "|",
        date_formats: tuple[str, ...] = (),
        reference: Reference | None = None,
        unmapped: str = "error",
        source: str = "",
        number_format_given: bool = False,
    ) -> None:
        m = model()
        if kind not in m.kinds:
            raise InputError(_("{source}: expected a kind in {kinds}, found {kind!r}").format(
                                 source=source or _('mapping'), kinds=', '.join(m.kinds), kind=kind))
        self.kind = kind
        self.columns = dict(columns or {})
        self.language = language
        self.decimal, self.thousands = decimal, thousands
        self.separator = separator
        self.date_formats = tuple(date_formats)
        self.reference = reference or Reference()
        self.unmapped = unmapped
        self.source = source
        self.named = "" if source in ("", "mapping") else source  # the user's mapping, which hints name; "": none
        self.number_format_given = number_format_given  # locale/decimal/thousands stated: no ambiguity check
        self.model: Model = m
        self.class_pid = m.prop(m.kind(kind).class_property).id
        self.allowed_classes = {m.cls(c).id for c in m.kind(kind).allowed_classes}
        self._item_names = _item_names(m)
        self._by_name = set(reconcile_settings().by_name)  # item columns that may name their item
        self._cache: dict[tuple[str, Cell, type], Value] = {}
        self._epoch: dt.datetime | None = None  # the workbook's date system while a sheet is mapped
        self.constants: list[MappedValue] = []
        for key, raw in (constants or {}).items():
            spec = self._property_spec(f"constants.{key}", key, {})
            for v in raw if isinstance(raw, list) else [raw]:
                try:
                    self.constants.append(MappedValue(str(spec.pid), self.convert(v, spec), None))
                except ValueError as e:
                    raise InputError(f"{self.source or 'mapping'}: constants.{key}: {e}") from None

    # -- construction ----------------------------------------------------------------------------------

    @classmethod
    def default(cls, kind: str, **options: Any) -> Mapping:
        """The template mapping: column names are field names, property keys or property ids."""
        return cls(kind, {}, **options)

    @classmethod
    def from_file(cls, path: str | Path, *, kind: str | None = None) -> Mapping:
        p = Path(path)
        text = read_text(p, _("a mapping file (YAML)"))
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise InputError(_("{p}: expected a YAML mapping file, found a YAML error: {error}").format(
                p=p, error=e)) from e
        return cls.from_dict(raw or {}, kind=kind, source=str(p))

    @classmethod
    def from_dict(cls, raw: MappingABC[str, Any], *, kind: str | None = None, source: str = "mapping") -> Mapping:
        if not isinstance(raw, MappingABC):
            raise InputError(_("{source}: expected a YAML mapping (key: value lines), found {name}").format(
                                 source=source, name=type(raw).__name__))
        known = {
            "kind",
            "language",
            "locale",
            "decimal",
            "thousands",
            "separator",
            "date_formats",
            "reference",
            "columns",
            "constants",
            "unmapped",
        }
        unknown = set(raw) - known
        if unknown:
            raise InputError(
                _("{source}: expected keys among {known}, found {unknown}").format(
                    source=source, known=', '.join(sorted(known)), unknown=', '.join(sorted(unknown)))
            )
        kind = kind or raw.get("kind")
        if not kind:
            raise InputError(_("{source}: expected `kind: institution|partner|partnership|contribution` (or "
                               "--kind)").format(source=source))
        decimal, thousands = ".", ""
        if raw.get("locale"):
            loc = str(raw["locale"]).lower().replace("_", "-")
            fmt = LOCALES.get(loc) or LOCALES.get(loc.split("-")[0])
            if fmt is None:
                raise InputError(
                    _("{source}: locale: expected one of {LOCALES}, found {raw!r}; hint: give decimal: and "
                      "thousands: instead").format(source=source, LOCALES=", ".join(sorted(LOCALES)), raw=raw["locale"])
                )
            decimal, thousands = fmt
        decimal = str(raw.get("decimal", decimal))
        thousands = str(raw.get("thousands", thousands)) if raw.get("thousands") is not None else thousands
        if decimal not in (".", ",") or thousands not in ("", ".", ",", " ", "'", "\u00a0") or decimal == thousands:
            raise InputError(
                _("{source}: expected decimal '.' or ',' and a different thousands separator ('', '.', ',', ' ', "
                  '"\'"), found decimal {decimal!r} thousands {thousands!r}').format(
                    source=source, decimal=decimal, thousands=thousands)
            )
        ref_raw = raw.get("reference") or {}
        if not isinstance(ref_raw, MappingABC) or set(ref_raw) - {"url", "retrieved", "stated_in"}:
            raise InputError(_("{source}: reference: expected url, retrieved and/or stated_in, found "
                               "{ref_raw!r}").format(source=source, ref_raw=ref_raw))
        reference = Reference(
            url=_opt_str(ref_raw.get("url")),
            retrieved=_opt_str(ref_raw.get("retrieved")),
            stated_in=_opt_str(ref_raw.get("stated_in")),
        )
        language = str(raw.get("language", "en"))
        if not is_language_code(language):
            raise InputError(_("{source}: language: expected a code like en or nl, found {language!r}").format(
                                 source=source, language=language))
        probe = cls(str(kind), {}, language=language, decimal=decimal, thousands=thousands, source=source)
        columns: dict[str, ColumnSpec] = {}
        for col, spec in (raw.get("columns") or {}).items():
            columns[str(col)] = probe._column_spec(str(col), spec, where=f"{source}: columns.{col}")
        unmapped = str(raw.get("unmapped", "ignore"))
        if unmapped not in ("ignore", "error"):
            raise InputError(_("{source}: unmapped: expected ignore or error, found {unmapped!r}").format(
                                 source=source, unmapped=unmapped))
        return cls(
            str(kind),
            columns,
            constants=dict(raw.get("constants") or {}),
            language=language,
            decimal=decimal,
            thousands=thousands,
            separator=str(raw.get("separator", "|")),
            date_formats=tuple(raw.get("date_formats") or ()),
            reference=reference,
            number_format_given=any(k in raw for k in ("locale", "decimal", "thousands")),
            unmapped=unmapped,
            source=source,
        )

    def _property_spec(self, where: str, key: str, spec: MappingABC[str, Any]) -> ColumnSpec:
        m = self.model
        datatype = spec.get("datatype")
        if ids.is_id(key, kinds="P"):
            p = m.known_prop(key)
            if p is None:
                raise InputError(f"{where}: {unknown_property(key)}")
        elif key in m.properties:
            p = m.prop(key)
        else:
            raise InputError(
                _("{where}: expected a property key from schemas/model.yaml or an id like P17, found {key!r}").format(
                    where=where, key=key)
            )
        if datatype and datatype != p.datatype:
            raise InputError(
                _("{where}: datatype: {id} ({label}) is a {datatype} property on Wikidata, found {given!r}; "
                  "hint: leave out `datatype:`").format(where=where, id=p.id, label=p.label, datatype=p.datatype,
                                                        given=datatype)
            )
        pid, datatype = p.id, p.datatype
        unit = spec.get("unit")
        if unit is not None:
            unit = self._item_or_fail(str(unit), where + ".unit")
        part = spec.get("part")
        if part is not None and (part not in PARTS or datatype != "globe-coordinate"):
            raise InputError(_("{where}: part: expected latitude or longitude on a coordinate property, found "
                               "{part!r}").format(where=where, part=part))
        values = {str(k).casefold(): str(v) for k, v in (spec.get("values") or {}).items()}
        fmts = spec.get("date_format") or spec.get("date_formats") or ()
        return ColumnSpec(
            column=where,
            field="property",
            pid=pid,
            datatype=datatype,
            language=spec.get("language"),
            unit=unit,
            part=part,
            values=values,
            date_formats=tuple([fmts] if isinstance(fmts, str) else fmts),
            separator=spec.get("separator"),
            minimum=None if p.minimum is None else Decimal(p.minimum),
            unknowable=self.kind in p.unknowable,
        )

    def _column_spec(self, col: str, spec: Any, *, where: str) -> ColumnSpec:
        if isinstance(spec, str):
            spec = {"field": spec}
        if not isinstance(spec, MappingABC):
            raise InputError(_("{where}: expected a name (label_nl, country, P17, ignore) or a mapping, found "
                               "{spec!r}").format(where=where, spec=spec))
        if "property" in spec:
            s = self._property_spec(where, str(spec["property"]), spec)
            return ColumnSpec(**{**s.__dict__, "column": col})
        name = str(spec.get("field", ""))
        resolved = self._resolve_name(name, spec.get("language"))
        if resolved is None and ids.is_id(name.strip(), kinds="P"):
            raise InputError(f"{where}: {unknown_property(name.strip())}")
        if resolved is None:
            raise InputError(
                _("{where}: expected id, label[_lang], description[_lang], aliases[_lang], ignore, a property key "
                  "or an id like P17, found {name!r}").format(where=where, name=name)
            )
        if resolved.field == "property":
            s = self._property_spec(where, str(resolved.pid), spec)
            return ColumnSpec(**{**s.__dict__, "column": col})
        return ColumnSpec(col, resolved.field, language=resolved.language, separator=spec.get("separator"))

    def _resolve_name(self, name: str, language: str | None = None) -> ColumnSpec | None:
        """A column name in template terms -> spec, or None if it means nothing."""
        low = name.strip()
        if low.lower() in ("ignore", "-"):
            return ColumnSpec(name, "ignore")
        if low.lower() in ID_COLUMNS:
            return ColumnSpec(name, "id")
        for f in ("label", "description", "aliases", "alias"):
            if low == f:
                return ColumnSpec(name, "aliases" if f == "alias" else f, language=language or self.language)
            if low.startswith(f + "_") and is_language_code(low[len(f) + 1 :]):
                return ColumnSpec(name, "aliases" if f == "alias" else f, language=low[len(f) + 1 :])
        if low in self.model.properties:
            p = self.model.prop(low)
            return ColumnSpec(name, "property", pid=p.id, datatype=p.datatype, unknowable=self.kind in p.unknowable)
        known = self.model.known_prop(low) if ids.is_id(low, kinds="P") else None
        if known is not None:
            return ColumnSpec(
                name,
                "property",
                pid=low,
                datatype=known.datatype,
                minimum=None if known.minimum is None else Decimal(known.minimum),
                unknowable=self.kind in known.unknowable,
            )
        return None

    def _item_or_fail(self, text: str, where: str) -> str:
        qid = self.item_id(text, ColumnSpec(where, "property"))
        if qid is None:
            raise InputError(_("{where}: expected an item id like Q55 or a class key from the model, found "
                               "{text!r}").format(where=where, text=text))
        return qid

    # -- per sheet -------------------------------------------------------------------------------------

    def resolve(self, sheet: Sheet) -> tuple[dict[str, ColumnSpec], list[Problem]]:
        """Spec per column of ``sheet``; problems for unknown columns (when ``unmapped: error``)."""
        specs: dict[str, ColumnSpec] = {}
        problems: list[Problem] = []
        for col in sheet.columns:
            spec = self.columns.get(col) or self._resolve_name(col)
            if spec is None:
                if ids.is_id(col.strip(), kinds="P"):
                    problems.append(
                        Problem(sheet.name, 1, col, _("a property glamkg knows"), unknown_property(col.strip()), "")
                    )
                    continue
                if self.unmapped == "error":
                    known = ["id", "label_<lang>", "description_<lang>", "aliases_<lang>"] + [
                        p.key for p in self.model.props_for_kind(self.kind)
                    ]
                    problems.append(
                        Problem(
                            sheet.name,
                            1,
                            col,
                            _("a column name among {known} or a property id").format(known=', '.join(known)),
                            repr(col),
                            did_you_mean(col, known)
                            + _("rename the column, or map it (or `ignore` it) in {mapping}").format(
                                mapping=self.named or _("a mapping file")),
                        )
                    )
                continue
            if spec.field != "ignore":
                specs[col] = spec
        for col in self.columns:
            if col not in sheet.columns and self.columns[col].field != "ignore":
                found = _("no such column")
                hint = did_you_mean(col, sheet.columns) + _("columns are: {columns}").format(
                    columns=", ".join(sheet.columns))
                if col.upper() in sheet.unnamed:
                    found = _("column {letter} has values but no header").format(letter=col.upper())
                    hint = _("give column {letter} a name in the header row and map that name").format(
                        letter=col.upper())
                problems.append(
                    Problem(
                        sheet.name, 1, col, _("the column {col!r} named in {source}").format(
                                                col=col, source=self.source or _("the mapping")), found, hint
                    )
                )
        parts = {(s.pid, s.part) for s in specs.values() if s.part}
        for pid, part in parts:
            other = "longitude" if part == "latitude" else "latitude"
            if (pid, other) not in parts:
                problems.append(
                    Problem(
                        sheet.name,
                        1,
                        None,
                        (_("a longitude column for {pid} too") if other == "longitude"
                         else _("a latitude column for {pid} too")).format(pid=pid),
                        _("only the latitude") if part == "latitude" else _("only the longitude"),
                        _("map both coordinate parts, or use one column with lat,lon"),
                    )
                )
        return specs, problems

    def mapped_pids(self, specs: dict[str, ColumnSpec]) -> set[str]:
        """Properties this mapping states (columns and constants): a load owns these on its items."""
        return {s.pid for s in specs.values() if s.pid} | {c.pid for c in self.constants}

    def map_sheet(self, sheet: Sheet) -> tuple[list[MappedRow], list[Problem], dict[str, ColumnSpec]]:
        specs, problems = self.resolve(sheet)
        self.start(sheet)
        rows = self.map_rows(sheet, specs, sheet.rows, problems)
        problems += self.sheet_problems(sheet, specs)
        return rows, problems, specs

    def start(self, sheet: Sheet) -> None:
        """Begin mapping the rows of ``sheet`` (:meth:`map_rows`, in one call or a chunk at a time)."""
        self._epoch = sheet.epoch
        self._cache = {}  # converted values are immutable: equal cells share one object
        self._shared_columns: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}

    def sheet_problems(self, sheet: Sheet, specs: dict[str, ColumnSpec]) -> list[Problem]:
        """The problems of the sheet as a whole (numbers that read two ways in a column, :mod:`kg.load.numbers`)."""
        if self.number_format_given:
            return []
        from kg.load.numbers import ambiguous

        return ambiguous(sheet.name, sheet.rows, specs, self.named)

    def map_rows(
        self, sheet: Sheet, specs: dict[str, ColumnSpec], sheet_rows: Sequence[Any], problems: list[Problem]
    ) -> list[MappedRow]:
        """``sheet_rows`` (rows of ``sheet``, after :meth:`start`) mapped; their problems appended to ``problems``.
        A sheet mapped a chunk at a time gives the rows and problems one call gives (the sheet's own problems
        apart: :meth:`sheet_problems`)."""
        rows = []
        shared_columns = self._shared_columns
        for row in sheet_rows:
            mr = MappedRow(row.number)
            coord_parts: dict[str, dict[str, tuple[Cell, str]]] = {}
            for col, spec in specs.items():
                cell = row.values.get(col, "")
                if spec.datatype == "url" and row.links and col in row.links:
                    cell = row.links[col]  # a link's target, not its text, in a URL-valued column
                elif row.uncomputed and col in row.uncomputed:
                    problems.append(formula_problem(sheet.name, row.number, col, row.uncomputed[col]))
                    continue
                if cell == "" or cell is None:
                    continue
                try:
                    self._map_cell(mr, spec, cell, coord_parts)
                except ValueError as e:
                    problems.append(cell_problem(sheet.name, row.number, col, spec.field, spec.datatype, cell, e,
                                                 mapping=self.named))
            for pid, parts in coord_parts.items():
                if len(parts) != 2:
                    ((cell, col),) = parts.values()
                    problems.append(Problem(
                        sheet.name, row.number, col, _("a longitude next to the latitude") if "latitude" in parts
                        else _("a latitude next to the longitude"), _("an empty cell"),
                        _("fill in both coordinate parts or neither")))
                    continue
                (lat, lcol), (lon, _lon_col) = parts["latitude"], parts["longitude"]
                try:
                    num = self._number_for_coord
                    mr.claims.append(MappedValue(pid, Coordinate(cast(float, num(lat)), cast(float, num(lon))), lcol))
                except ValueError as e:
                    where = _("a latitude -90..90 and longitude -180..180")
                    problems.append(Problem(sheet.name, row.number, lcol, where, f"{lat!r}, {lon!r}", str(e)))
            existing = {c.pid for c in mr.claims}
            for c in self.constants:
                if c.pid not in existing:
                    mr.claims.append(c)
            # rows of the same columns share their dict of columns (memory: a million rows held at once)
            key = tuple(mr.columns.items())
            held = shared_columns.get(key)
            if held is not None:
                mr.columns = held
            elif len(shared_columns) < CACHE_SIZE:
                shared_columns[key] = mr.columns
            rows.append(mr)
        return rows

    def _map_cell(
        self, mr: MappedRow, spec: ColumnSpec, cell: Cell, coord_parts: dict[str, dict[str, tuple[Cell, str]]]
    ) -> None:
        f = spec.field
        sep = spec.separator if spec.separator is not None else self.separator
        if f == "id":
            text = _text(cell)
            try:
                mr.id = ids.item_id(text)
            except ids.InvalidId as e:
                raise ValueError(str(e)) from None
            mr.columns["id"] = spec.column
            return
        if f in ("label", "description"):
            text = _text(cell)
            if spec.language is None:
                raise ValueError(_("no language for this column"))
            (mr.labels if f == "label" else mr.descriptions)[spec.language] = text
            mr.columns[sys.intern(f"{f}:{spec.language}")] = spec.column
            return
        if f == "aliases":
            assert spec.language is not None
            mr.aliases.setdefault(spec.language, []).extend(str(v) for v in split_values(_text(cell), sep))
            mr.columns[sys.intern(f"aliases:{spec.language}")] = spec.column
            return
        assert spec.pid is not None
        if spec.part:
            coord_parts.setdefault(spec.pid, {})[spec.part] = (cell, spec.column)
            return
        mr.columns[spec.pid] = spec.column
        for v in split_values(cell, sep) if spec.datatype != "monolingualtext" else [cell]:
            if spec.pid in self._by_name and self.item_id(_text(v), spec) is None:
                mr.names.append((spec.pid, _text(v), spec.column))
                continue
            key = (spec.column, v, type(v))
            value = self._cache.get(key)
            if value is None:
                value = self.convert(v, spec)
                if len(self._cache) < CACHE_SIZE:
                    self._cache[key] = value
            mr.claims.append(MappedValue(spec.pid, value, spec.column))

    # -- values ----------------------------------------------------------------------------------------

    def item_id(self, text: str, spec: ColumnSpec) -> str | None:
        t = text.strip()
        mapped = spec.values.get(t.casefold())
        if mapped is not None:
            t = mapped
        if ids.is_id(t, kinds="Q"):
            return t
        if t.startswith(("http://", "https://")):
            try:
                return ids.id_from_iri(t)
            except ids.InvalidId:
                return None
        return self._item_names.get(t.casefold())

    def number(self, cell: Cell) -> Decimal:
        if isinstance(cell, bool):
            raise ValueError(_("expected a number, found {cell!r}").format(cell=cell))
        if isinstance(cell, int | float):
            return Decimal(repr(cell)) if isinstance(cell, float) else Decimal(cell)
        try:
            return parse_number(str(cell), self.decimal, self.thousands)
        except (ValueError, InvalidOperation):
            raise NumberFormatError(self._number_format()) from None

    def _number_for_coord(self, cell: Cell) -> Decimal | float:
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            return cell
        try:
            return parse_number(str(cell), self.decimal, "")
        except (ValueError, InvalidOperation):
            raise NumberFormatError(self._number_format()) from None

    def _number_format(self) -> str:
        ex = {".": "1234.5", ",": "1234,5"}[self.decimal]
        if self.thousands:
            ex = _("{example} or {other}").format(example=ex, other=f"1{self.thousands}234{self.decimal}5")
        return _("decimal {decimal!r} (like {example})").format(decimal=self.decimal, example=ex)

    def convert(self, cell: Cell, spec: ColumnSpec) -> Value:
        """A cell (or a constant) -> a typed value for ``spec``'s datatype; ValueError if it does not fit."""
        dtype = spec.datatype or "string"
        if dtype == "wikibase-item":
            qid = self.item_id(_text(cell), spec)
            if qid is None:
                raise ValueError(_("unknown item"))
            return coerce(qid, dtype)
        if dtype == "time":
            if spec.unknowable and isinstance(cell, str) and cell.strip().casefold() in UNKNOWN_WORDS:
                return SOMEVALUE
            return self.time(cell, spec)
        if dtype == "quantity":
            amount = self.number(cell)
            if spec.minimum is not None and amount < spec.minimum:
                raise BelowMinimum(spec.minimum)
            return Quantity(amount, unit=spec.unit)
        if dtype == "globe-coordinate":
            return self.coordinate(cell)
        if dtype == "monolingualtext":
            lang = spec.language or self.language
            return Monolingual(_text(cell), lang)
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        return coerce(_text(cell), dtype)

    def time(self, cell: Cell, spec: ColumnSpec) -> Time:
        if isinstance(cell, dt.datetime | dt.date):
            return Time(cast(str, cell if not isinstance(cell, dt.datetime) else cell.date()))
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            return self._serial_or_year(cell)
        text = _text(cell)
        for fmt in spec.date_formats or self.date_formats:
            try:
                parsed = dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            if "%d" in fmt or "%j" in fmt:
                return Time(cast(str, parsed.date()))
            if "%m" in fmt or "%b" in fmt or "%B" in fmt:
                return Time(f"{parsed.year:04d}-{parsed.month:02d}")
            return Time(f"{parsed.year:04d}")
        return Time(text)

    def _serial_or_year(self, number: float) -> Time:
        """A number in a date column of a workbook: 1..9999 a year, 10000 and more an Excel date serial
        (10000 is 1927-05-18; dates typed in Excel are date cells already, serials come from cells whose
        date format was lost)."""
        if float(number).is_integer() and 1 <= number <= 9999:
            return Time(cast(str, int(number)))
        if self._epoch is None or not 10_000 <= number <= SERIAL_MAX:
            raise ValueError(_("found the number {number!r}: neither a year (1..9999) nor an Excel date serial").format(
                                 number=number))
        from openpyxl.utils.datetime import from_excel

        return Time(cast(str, from_excel(number, self._epoch).date()))

    def coordinate(self, cell: Cell) -> Coordinate:
        return parse_coordinate(_text(cell), self.decimal)


def _text(cell: Cell) -> str:
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _opt_str(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _item_names(m: Model) -> dict[str, str]:
    """Class and value keys and labels -> item id (``museum`` / ``art museum`` -> Q...)."""
    out: dict[str, str] = {}
    for table in (m.values, m.classes):
        for key, c in table.items():
            out[c.label.casefold()] = c.id
            out[key.casefold()] = c.id
            out[key.replace("_", " ").casefold()] = c.id
    return out

"""Reading the impact tools' exports into report rows (formats in ``schemas/impact.yaml``, docs/import.md).

- GLAMorous key figures as KBNL's GLAMorousToHTML writes them: ``;``-separated UTF-8 with a byte order mark,
  Dutch numbers (``1.325.265``, ``6,09``), dates ``04-09-2024``; and the XLSX twin, whose cells may be
  formulas (the cached value is read; a formula without one is computed from the measure's definition when the
  measure is a ratio, else refused) and hyperlinks (the link's target is the URL).
- Commons Impact Metrics' category metrics snapshot (TSV dumps; with or without the header line).

Every value that cannot be read is a :class:`~kg.load.problems.Problem` with file, row and column; nothing is
guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.i18n import N_, _
from kg.load.problems import Problem, ValidationFailed
from kg.load.sheet import XLSX_SUFFIXES, read_sheet
from kg.model.measures import ExportFormat, measures
from kg.model.values import Time

_NL = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_PLAIN = re.compile(r"^[+-]?\d+(\.\d+)?$")
_HYPERLINK = re.compile(r'^=\s*HYPERLINK\(\s*"([^"]+)"', re.IGNORECASE)
NUMBER_HINT = {
    "nl": N_("write numbers as the tool does: 1.325.265 (dots group thousands) and 6,09 (decimal comma)"),
    "plain": N_("write numbers with digits only and a decimal point: 1325265 and 6.09"),
}


@dataclass
class ReportRow:
    """One row of a report: an institution's (category's) measures at one date."""

    number: int
    category: str
    date: Time
    measures: dict[str, Decimal]
    institution: str = ""
    country: str = ""
    category_url: str = ""
    source_url: str = ""
    computed: list[str] = field(default_factory=list)  # measures computed from a formula without a cached value


@dataclass
class Report:
    name: str
    format: ExportFormat
    rows: list[ReportRow]


def parse_number(text: str, style: str) -> Decimal:
    """``"1.325.265"`` -> 1325265 and ``"12,5"`` -> 12.5 (``nl``); ``"12.5"`` -> 12.5 (``plain``)."""
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    pattern = _NL if style == "nl" else _PLAIN
    if not pattern.match(t):
        raise ValueError(t)
    if style == "nl":
        t = t.replace(".", "").replace(",", ".")
    return Decimal(t)


def category_name(text: str) -> str:
    """A Commons category as its page title: ``Category:Images_from_X`` / a category URL -> ``Images from X``."""
    t = text.strip()
    if "/wiki/" in t:
        t = t.split("/wiki/", 1)[1]
    t = t.replace("_", " ")
    if t.casefold().startswith("category:"):
        t = t[len("category:") :]
    t = " ".join(t.split())
    return t[:1].upper() + t[1:]


def _detect(columns: Sequence[str], forced: str | None) -> ExportFormat:
    m = measures()
    folded = {c.casefold() for c in columns}
    if forced:
        if forced not in m.formats:
            raise InputError(_("--format: expected one of {formats}, found {forced!r}").format(
                                 formats=', '.join(m.formats), forced=forced))
        return m.formats[forced]
    for f in m.formats.values():
        if set(f.required) <= folded:
            return f
    known = "; ".join(f"{f.key}: {', '.join(f.required)}" for f in m.formats.values())
    raise InputError(
        _("expected the columns of an impact export ({known}), found {columns}; give --format if the file has "
          "another layout").format(known=known, columns=', '.join(columns) or _('no columns'))
    )


def _xlsx_cells(path: Path) -> tuple[list[str], list[RawRow]]:
    """Header, and per data row: (row number, cached values, hyperlink targets, columns whose formula has no
    usable value). Read by the volunteers' XLSX reader (:func:`kg.load.xlsx.read_xlsx`): the first visible
    sheet, size limits, title and totals rows, unnamed columns, as for ``glamkg load``."""
    from kg.load.xlsx import read_xlsx

    sheet = read_xlsx(path, str(path), None)
    out: list[RawRow] = []
    for row in sheet.rows:
        vals = {c: row.values.get(c, "") for c in sheet.columns}
        out.append((row.number, vals, dict(row.links or {}), set(row.uncomputed or {})))
    return list(sheet.columns), out


RawRow = tuple[int, dict[str, Any], dict[str, str], set[str]]  # number, values, hyperlink targets, formula columns


def _text_rows(path: Path, fmt_key: str | None) -> tuple[list[str], list[RawRow]]:
    import csv

    from kg.errors import read_text

    m = measures()
    try:
        text = read_text(path, what=_("impact report")).lstrip("\ufeff")
    except InputError:  # not UTF-8 (Excel's UTF-16 text, ...): the sheet reader knows those, with a header
        text = ""
    first = text.split("\n", 1)[0].rstrip("\r")
    for f in m.formats.values():
        if not f.header or fmt_key not in (None, f.key):
            continue
        cells = first.split(f.delimiter)
        if len(cells) == len(f.header) and not set(f.required) <= {c.strip().casefold() for c in cells}:
            # a dump without its header line: the documented column order
            rows: list[RawRow] = []
            for n, rec in enumerate(csv.reader(text.splitlines(), delimiter=f.delimiter), start=1):
                if any(c.strip() for c in rec):
                    if len(rec) != len(f.header):
                        raise InputError(
                            _("{path}: row {n}: expected {expected} tab-separated fields ({header}), found "
                              "{found}").format(
                                path=path, n=n, expected=len(f.header), header=', '.join(f.header), found=len(rec))
                        )
                    rows.append((n, dict(zip(f.header, rec, strict=True)), {}, set()))
            return list(f.header), rows
    sheet = read_sheet(path)
    return list(sheet.columns), [(r.number, dict(r.values), {}, set()) for r in sheet.rows]


def read_report(path: str | Path, *, format: str | None = None, country: str = "") -> Report:
    """Read an impact export; raises ValidationFailed listing every cell that cannot be read."""
    p = Path(path)
    name = str(path)
    if p.suffix.lower() in XLSX_SUFFIXES:
        header, raw = _xlsx_cells(p)
    else:
        header, raw = _text_rows(p, format)
    fmt = _detect(header, format)
    if not raw:
        raise InputError(_("{name}: expected rows below the header, found only the header; nothing to import").format(
                             name=name))
    by_fold = {c.casefold(): c for c in header}
    missing = [c for c in fmt.required if c not in by_fold]
    if missing:
        raise InputError(
            _("{name}: the {title} format needs the columns {missing}; found {header}").format(
                name=name, title=fmt.title, missing=', '.join(missing), header=', '.join(header))
        )
    spec = measures()
    problems: list[Problem] = []
    rows: list[ReportRow] = []
    # the file's own name of the category column (GLAMorous: "Commons category"), for located problems
    category_col = next((by_fold[c] for c, t in fmt.columns.items() if t == "category" and c in by_fold), "category")
    for number, vals, links, formula in raw:
        cells = {c.casefold(): v for c, v in vals.items()}
        fields: dict[str, str] = {}
        found: dict[str, Decimal] = {}
        pending: list[tuple[str, str]] = []
        for col, target in fmt.columns.items():
            if col not in by_fold:
                continue
            column = by_fold[col]
            value = cells.get(col, "")
            if (value == "" or value is None) and fmt.fallback and col in fmt.fallback:
                value = cells.get(fmt.fallback[col], "")
            if target in spec.measures:
                if value == "" or value is None:
                    if column in formula:
                        pending.append((target, column))
                    continue
                try:
                    found[target] = _number(value, fmt.numbers)
                except ValueError:
                    problems.append(
                        Problem(
                            name,
                            number,
                            column,
                            f"a number ({fmt.numbers} style)",
                            repr(value),
                            _(NUMBER_HINT[fmt.numbers]) if fmt.numbers in NUMBER_HINT else "",
                        )
                    )
            elif target in ("source_url", "category_url") and column in links:
                fields[target] = links[column]
            else:
                fields[target] = _text(value)
        computed = []
        for key, column in pending:
            ratio = spec.measure(key).ratio
            if ratio and ratio[0] in found and ratio[1] in found and found[ratio[1]] != 0:
                scaled = Decimal(str(ratio[2])) * found[ratio[0]] / found[ratio[1]]
                found[key] = scaled.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                computed.append(key)
            else:
                problems.append(
                    Problem(
                        name,
                        number,
                        column,
                        _("a value (or a formula with a cached value)"),
                        _("a formula the workbook holds no value for"),
                        _("open the workbook in a spreadsheet program and save it again"),
                    )
                )
        category = category_name(fields.get("category", ""))
        if not category:
            problems.append(
                Problem(
                    name,
                    number,
                    category_col,
                    _("a Commons category"),
                    _("an empty cell"),
                    _("every row names the category its figures are about"),
                )
            )
            continue
        date_col = next((by_fold[c] for c, t in fmt.columns.items() if t == "date" and c in by_fold), "date")
        try:
            date = _date(vals.get(date_col, ""), fmt)
        except ValueError as e:
            like = dt.date(2024, 9, 4).strftime(fmt.date_format)
            problems.append(
                Problem(name, number, date_col, _("a date like {like}").format(
                                                    like=like), repr(vals.get(date_col, "")), str(e))
            )
            continue
        rows.append(
            ReportRow(
                number,
                category,
                date,
                found,
                institution=fields.get("institution", ""),
                country=fields.get("country", "") or country,
                category_url=fields.get("category_url", ""),
                source_url=fields.get("source_url", ""),
                computed=computed,
            )
        )
    seen: dict[tuple[str, str], int] = {}
    for r in rows:
        when = (r.category.casefold(), str(r.date.datavalue()["value"]["time"]))
        if when in seen:
            problems.append(
                Problem(
                    name,
                    r.number,
                    category_col,
                    _("one row per category and date"),
                    _("the same as row {seen}").format(seen=seen[when]),
                    _("remove the duplicate row"),
                )
            )
        seen.setdefault(when, r.number)
    if problems:
        raise ValidationFailed(problems, len(raw))
    return Report(name, fmt, rows)


def _number(value: Any, style: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value.is_integer():  # a count cached as 425007.0 is the CSV's 425007 (the same statement)
            return Decimal(int(value))
        try:
            return Decimal(repr(value))
        except InvalidOperation:
            raise ValueError(value) from None
    return parse_number(str(value), style)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: Any, fmt: ExportFormat) -> Time:
    precision = "month" if fmt.date_precision == "month" else "day"
    if isinstance(value, dt.datetime):
        value = value.date()
    d = value if isinstance(value, dt.date) else dt.datetime.strptime(str(value).strip(), fmt.date_format).date()
    return Time(d.isoformat()[:7]) if precision == "month" else Time(d.isoformat())

"""Reading XLSX workbooks as Excel and LibreOffice save them (docs/loading.md, "Real Excel files").

openpyxl reads the cell values (read-only mode, ``data_only=True``): a formula cell gives the value the
spreadsheet program computed and stored when it saved the file. What read-only mode does not give is read
from the worksheet's XML in one streaming pass (:func:`scan_sheet`): which cells hold formulas and whether a
value was stored for them, hyperlinks, and merged cells. With those:

- a formula saved without its computed value (a file written by a script and never opened in a spreadsheet
  program) or with an error value (``#DIV/0!``) is kept per cell in ``Row.uncomputed``: a mapped column with
  one is a located problem (:mod:`kg.load.mapping`), never an empty cell;
- a hyperlink cell and ``=HYPERLINK(url, "text")`` give their text as the value and their target in
  ``Row.links``; the mapping takes the target in columns of URL-valued properties (website), the text elsewhere;
- a title row above the header (one value in cells merged across columns) is skipped; a header cell merged
  across columns names the columns it spans, completed by the row below when that row names them
  (``Bezoekers`` over ``2022`` and ``2023`` gives ``Bezoekers 2022`` and ``Bezoekers 2023``);
- cells in columns without a header are ignored, with a warning naming the column letters (``Sheet.unnamed``);
- rows at the bottom that hold only totals (``=SUM(...)``-like formulas, at most a word like ``Totaal``) are
  skipped with a warning;
- the first visible worksheet is read unless ``--sheet`` names one; the other sheets are named in a warning.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from kg.errors import InputError
from kg.i18n import _, ngettext
from kg.load.rows import (
    Cell,
    FormulaCell,
    Row,
    Sheet,
    check_rows,
    check_size,
    check_width,
    column_letter,
    row_limit,
    unique_columns,
)

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
#: Functions a totals row is made of.
AGGREGATES = ("SUM", "SUBTOTAL", "AVERAGE", "COUNT", "COUNTA", "MIN", "MAX", "AGGREGATE", "SUMIF", "SUMPRODUCT")
#: The one word a totals row may carry besides its formulas.
TOTAL_WORDS = frozenset({"total", "totals", "totaal", "totalen", "som", "sum", "summe", "gesamt", "totale", "totaux"})
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9][0-9]*)$")
_HYPERLINK = re.compile(r"^\s*(?:_xlfn\.)?HYPERLINK\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Formula:
    text: str  # without the leading "="
    cached: bool  # a value was stored with it
    error: str | None = None  # the stored value is an error (#DIV/0!, #REF!, ...)


@dataclass
class Scan:
    """What the worksheet XML says beyond the values: formulas and hyperlinks by row and column (1-based),
    merged ranges as (min_col, min_row, max_col, max_row)."""

    formulas: dict[int, dict[int, Formula]] = field(default_factory=dict)
    links: dict[int, dict[int, str]] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def _split_ref(ref: str) -> tuple[int, int]:
    from openpyxl.utils.cell import column_index_from_string

    m = _REF.match(ref)
    if m is None:
        raise ValueError(ref)
    return column_index_from_string(m.group(1).upper()), int(m.group(2))


def scan_sheet(path: Path, sheet_path: str) -> Scan:
    """One streaming pass over the worksheet's XML (and its relationships, for hyperlink targets)."""
    from openpyxl.formula.translate import Translator, TranslatorError
    from openpyxl.utils.cell import range_boundaries

    out = Scan()
    if not _has_markup(path, sheet_path):
        return out  # values only: nothing to parse twice
    shared: dict[str, tuple[str, str]] = {}  # shared formula index -> (formula, the cell it is written in)
    link_refs: list[tuple[str, str]] = []  # (range, relationship id)
    row = col = 0
    with zipfile.ZipFile(path) as zf:
        with zf.open(sheet_path) as fh:
            for event, el in ElementTree.iterparse(fh, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == _MAIN + "row":
                        row = int(el.get("r") or row + 1)
                        col = 0
                    continue
                if tag == _MAIN + "c":
                    ref = el.get("r")
                    col = _split_ref(ref)[0] if ref else col + 1
                    f = el.find(_MAIN + "f")
                    if f is not None:
                        text = f.text or ""
                        here = ref or _ref(col, row)
                        if f.get("t") == "shared" and f.get("si") is not None:
                            if text:
                                shared[str(f.get("si"))] = (text, here)
                            elif str(f.get("si")) in shared:
                                master, origin = shared[str(f.get("si"))]
                                try:
                                    text = Translator("=" + master, origin=origin).translate_formula(here)[1:]
                                except TranslatorError:
                                    text = ""
                        v = el.find(_MAIN + "v")
                        kind = el.get("t")
                        cached = v is not None and (bool(v.text) or kind in ("str", "inlineStr"))
                        error = (v.text or "#ERROR") if kind == "e" and v is not None else None
                        out.formulas.setdefault(row, {})[col] = Formula(text, cached, error)
                    el.clear()
                elif tag == _MAIN + "row":
                    el.clear()
                elif tag == _MAIN + "mergeCell" and el.get("ref"):
                    try:
                        c1, r1, c2, r2 = range_boundaries(str(el.get("ref")))
                    except (ValueError, TypeError):
                        continue
                    if None not in (c1, r1, c2, r2):
                        out.merged.append((int(c1), int(r1), int(c2), int(r2)))
                elif tag == _MAIN + "hyperlink" and el.get("ref") and el.get(_DOC_REL + "id"):
                    link_refs.append((str(el.get("ref")), str(el.get(_DOC_REL + "id"))))
        if link_refs:
            targets = _relationships(zf, sheet_path)
            for rng, rid in link_refs:
                target = targets.get(rid)
                if not target:
                    continue
                try:
                    c1, r1, c2, r2 = range_boundaries(rng)
                except (ValueError, TypeError):
                    continue
                for r in range(int(r1 or 1), int(r2 or r1 or 1) + 1):
                    for c in range(int(c1 or 1), int(c2 or c1 or 1) + 1):
                        out.links.setdefault(r, {})[c] = target
    return out


_MARKUP = re.compile(rb"<(?:\w+:)?(?:f[ >/]|hyperlink[ >/]|mergeCell[ >/])")


def _has_markup(path: Path, sheet_path: str) -> bool:
    """Whether the worksheet has a formula, a hyperlink or a merged cell: a byte search, much faster than the
    XML parse it saves for sheets of plain values."""
    tail = b""
    with zipfile.ZipFile(path) as zf, zf.open(sheet_path) as fh:
        while chunk := fh.read(1 << 20):
            if _MARKUP.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _relationships(zf: zipfile.ZipFile, sheet_path: str) -> dict[str, str]:
    """Relationship id -> external target (the URL of a hyperlink) of a worksheet."""
    folder, base = posixpath.split(sheet_path)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    try:
        data = zf.read(rels)
    except KeyError:
        return {}
    root = ElementTree.fromstring(data)
    return {
        str(r.get("Id")): str(r.get("Target"))
        for r in root.iter(_PKG_REL + "Relationship")
        if r.get("TargetMode") == "External" and r.get("Target")
    }


def _ref(col: int, row: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _letter(col: int) -> str:
    return column_letter(col)


# -- formulas -----------------------------------------------------------------------------------------------


def _arguments(text: str) -> list[str]:
    """The top-level arguments of a formula's argument list (quotes and parentheses respected)."""
    args, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch in ",;" and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
    args.append(text[start:].strip())
    return args


def hyperlink_target(formula: str, row: int, cells: Sequence[Cell]) -> str | None:
    """The address of ``HYPERLINK(address, text)``: a text in quotes, or a cell of the same row; else None."""
    m = _HYPERLINK.match(formula)
    if m is None:
        return None
    first = _arguments(m.group(1))[0]
    if len(first) >= 2 and first[0] == first[-1] == '"':
        return first[1:-1].replace('""', '"').strip() or None
    try:
        col, ref_row = _split_ref(first)
    except ValueError:
        return None
    if ref_row != row or col > len(cells):
        return None
    value = cells[col - 1]
    return value.strip() or None if isinstance(value, str) else None


def _is_aggregate(f: Formula | None) -> bool:
    if f is None:
        return False
    name = f.text.lstrip("+@ ").split("(", 1)[0].strip().upper().removeprefix("_XLFN.")
    return name in AGGREGATES and "(" in f.text


def _is_totals(cells: Sequence[Cell], formulas: dict[int, Formula]) -> bool:
    """Only aggregate formulas, and at most one word like "Totaal": a totals row, not an item."""
    aggregates = words = 0
    for i, c in enumerate(cells, 1):
        f = formulas.get(i)
        if _is_aggregate(f):
            aggregates += 1
        elif f is None and c == "":
            continue
        elif f is None and isinstance(c, str) and c.rstrip(":").casefold() in TOTAL_WORDS:
            words += 1
        else:
            return False
    return aggregates > 0 and words <= 1


# -- reading ------------------------------------------------------------------------------------------------


def _clean(v: Any) -> Cell:
    if v is None:
        return ""
    return v.strip() if isinstance(v, str) else v


def _header_text(v: Cell) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return str(v).strip()


def _shown(ws: Any) -> str:
    """How a message names a worksheet: ``'Musea'``, ``'Hulp' (hidden)``."""
    return f"{ws.title!r}" + ("" if getattr(ws, "sheet_state", "visible") == "visible" else _(" (hidden)"))


def _pick(wb: Any, name: str, sheet_name: str | None) -> tuple[Any, dict[str, str]]:
    """The worksheet to read and the others (title -> how a message names it)."""
    if sheet_name is not None:
        if sheet_name not in wb.sheetnames:
            near = [t for t in wb.sheetnames if t.strip().casefold() == sheet_name.strip().casefold()]
            raise InputError(
                _("{name}: the workbook has no worksheet named {sheet_name!r}; its worksheets: {sheets}").format(
                    name=name, sheet_name=sheet_name, sheets=", ".join(_shown(w) for w in wb.worksheets))
                + (_("; hint: did you mean {title!r}? (a name is matched exactly, with its capitals and "
                     "spaces)").format(title=near[0]) if near else ""))
        ws = wb[sheet_name]
    else:
        visible = [w for w in wb.worksheets if getattr(w, "sheet_state", "visible") == "visible"]
        if not visible:
            raise InputError(_("{name}: expected a visible worksheet, found only hidden ones; name one with "
                               "--sheet").format(
                                 name=name))
        ws = visible[0]
    others = {w.title: _shown(w) for w in wb.worksheets if w is not ws}
    return ws, others


def _data_rows(ws: Any, scan: Scan, name: str) -> Iterator[tuple[int, list[Cell]]]:
    """(row number, cells) of the rows with a value or a formula without one (formulas that computed an empty
    text, such as ``=IF(A9="","",...)`` filled down below the data, leave a row empty)."""
    limit = row_limit()  # asked once, not for every row
    for n, values in enumerate(ws.iter_rows(values_only=True), 1):
        check_rows(name, n - 1, limit)
        cells = [_clean(v) for v in values]
        formulas = scan.formulas.get(n)
        if any(c != "" for c in cells) or (formulas and any(not f.cached or f.error for f in formulas.values())):
            yield n, cells


def _title(n: int, cells: Sequence[Cell], merged: Sequence[tuple[int, int, int, int]]) -> str | None:
    """The text of a title row: one value, in cells merged across columns."""
    filled = [i for i, c in enumerate(cells, 1) if c != ""]
    if len(filled) != 1:
        return None
    for c1, r1, c2, r2 in merged:
        if r1 <= n <= r2 and c1 == filled[0] and c2 > c1:
            return f"{cells[filled[0] - 1]!r} in {_ref(c1, r1)}:{_ref(c2, r2)}"
    return None


def _header(
    rows: Iterator[tuple[int, list[Cell]]], scan: Scan, name: str, warnings: list[str]
) -> tuple[int, list[str], tuple[int, list[Cell]] | None]:
    """(header row number, column names or "" per column, the first data row if it had to be read)."""
    first = next(rows, None)
    if first is not None and (title := _title(*first, scan.merged)) is not None:
        warnings.append(_("row {first} is a title above the header ({title}): skipped").format(
                            first=first[0], title=title))
        first = next(rows, None)
    if first is None:
        raise InputError(_("{name}: expected a header row with column names, found an empty worksheet").format(
                             name=name))
    n, cells = first
    names = [_header_text(c) for c in cells]
    spans = [(c1, c2) for c1, r1, c2, _ in scan.merged if r1 == n and c2 > c1 and c1 <= len(names)]
    if not spans:
        return n, names, None
    nxt = next(rows, None)
    under = {c for c1, c2 in spans for c in range(c1, c2 + 1)}
    sub = nxt[1] if nxt is not None and nxt[0] == n + 1 else None
    # the row below names the merged columns when it has values there and nowhere else (a data row has its name)
    is_sub = (
        sub is not None
        and any(sub[c - 1] != "" for c in under if c <= len(sub))
        and all(c == "" or i in under for i, c in enumerate(sub, 1))
    )
    names += [""] * (max(c2 for _, c2 in spans) - len(names))
    for c1, c2 in spans:
        top = names[c1 - 1]
        for c in range(c1, c2 + 1):
            below = _header_text(sub[c - 1]) if is_sub and sub is not None and c <= len(sub) else ""
            names[c - 1] = f"{top} {below}".strip() if below else (top if c == c1 else "")
    if is_sub and nxt is not None:
        warnings.append(_("rows {n} and {nxt} are the header (merged cells over columns named in row {nxt})").format(
                            n=n, nxt=nxt[0]))
        return nxt[0], names, None
    return n, names, nxt


def read_xlsx(path: Path, name: str, sheet_name: str | None, *, note_not_read: bool = True) -> Sheet:
    """One worksheet (``sheet_name``, else the first visible one); without ``sheet_name``, a warning names the
    others unless ``note_not_read`` is False (a workbook mapping, which says which sheets it reads)."""
    import openpyxl  # imported here: only XLSX loads pay for it

    check_size(path, name)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile/KeyError/InvalidFileException for broken files
        raise InputError(_("{name}: cannot read as an XLSX workbook ({error_type}: {error})").format(
                             name=name, error_type=type(e).__name__, error=e)) from e
    try:
        ws, others = _pick(wb, name, sheet_name)
        label = f"{name}, sheet {ws.title!r}"
        warnings: list[str] = []
        if others and note_not_read and sheet_name is None:  # --sheet NAME chose it: the others are not news
            warnings.append(
                _("read the worksheet {title!r}; not read: {others} (choose one with --sheet NAME)").format(
                    title=ws.title, others=', '.join(others.values()))
            )
        _check_dimension(label, ws)  # what the sheet says it spans: a 3-million-row sheet is refused at once
        sheet_path = getattr(ws, "_worksheet_path", None)
        scan = scan_sheet(path, sheet_path) if sheet_path else Scan()
        source = _data_rows(ws, scan, label)
        header_n, names, pending = _header(source, scan, label, warnings)
        columns = unique_columns(label, names, header_n)
        width = len(names)
        sheet = Sheet(label, [c for c in columns if c], [], None, "xlsx", "xlsx", warnings, epoch=wb.epoch,
                      not_read=others)

        held: list[tuple[int, list[Cell]]] = []  # rows that look like totals: skipped if nothing follows

        def rows() -> Iterator[tuple[int, list[Cell]]]:
            if pending is not None:
                yield pending
            yield from source

        for n, cells in rows():
            formulas = scan.formulas.get(n, {})
            if _is_totals(cells, formulas):
                held.append((n, cells))
                continue
            row = _row(n, cells, names, width, scan, sheet)
            if not row.uncomputed and all(v == "" for v in row.values.values()):
                continue  # values in unnamed columns only (counted there): not an item
            for hn, hcells in held:
                sheet.rows.append(_row(hn, hcells, names, width, scan, sheet))
            held = []
            sheet.rows.append(row)
        if held:
            nums = ", ".join(str(n) for n, _ in held)
            sheet.warnings.append(
                ngettext("row {nums} at the bottom holds only totals (=SUM(...) and the like, no name): skipped",
                         "rows {nums} at the bottom hold only totals (=SUM(...) and the like, no name): skipped",
                         len(held)).format(nums=nums)
            )
        if sheet.unnamed:
            for letter, count in sheet.unnamed.items():
                sheet.warnings.append(
                    ngettext("column {letter} has no header: its {count} value was ignored (give it a name in row "
                             "{header_row} to load it)", "column {letter} has no header: its {count} values were "
                             "ignored (give it a name in row {header_row} to load it)", count).format(
                        letter=letter, count=count, header_row=header_n)
                )
        return sheet
    finally:
        wb.close()


def _row(n: int, cells: list[Cell], names: list[str], width: int, scan: Scan, sheet: Sheet) -> Row:
    formulas = scan.formulas.get(n, {})
    for i, c in enumerate(cells, 1):
        if (c != "" or i in formulas) and (i > width or not names[i - 1]):
            letter = _letter(i)
            sheet.unnamed[letter] = sheet.unnamed.get(letter, 0) + 1
    values = {names[i]: c for i, c in enumerate(cells[:width]) if names[i]}
    links: dict[str, str] = {}
    uncomputed: dict[str, FormulaCell] = {}
    for i, f in formulas.items():
        if i > width or not names[i - 1]:
            continue
        col = names[i - 1]
        if f.error is not None or not f.cached:
            uncomputed[col] = FormulaCell(_ref(i, n), f.text, f.error)
        target = hyperlink_target(f.text, n, cells)
        if target:
            links[col] = target
    for i, target in scan.links.get(n, {}).items():
        if i <= width and names[i - 1]:
            links[names[i - 1]] = target
    return Row(n, values, links or None, uncomputed or None)


def _check_dimension(name: str, ws: Any) -> None:
    from openpyxl.utils.cell import range_boundaries

    try:
        _c, _r, max_col, max_row = range_boundaries(ws.calculate_dimension())
    except (ValueError, TypeError):
        return  # an unsized sheet: the rows are counted as they are read
    check_rows(name, (max_row or 0) - 1)
    check_width(name, max_col or 0, 1)

"""Reading spreadsheets: CSV, TSV and XLSX, as volunteers really save them.

:func:`read_sheet` returns a :class:`Sheet`: the column names and the data rows, each :class:`Row` with the
row number a spreadsheet program shows (1-based, the header is row 1, blank lines count but are skipped),
so that every error can say ``file, row, column``.

CSV/TSV: the delimiter (``,`` ``;`` or tab) is sniffed from the header line unless given; a UTF-8 byte
order mark is dropped; UTF-16 with a BOM (Excel's "Unicode text") is read too; any other bytes that are not
UTF-8 give an :class:`~kg.errors.InputError` naming the byte offset and line, and what to do. XLSX: the first
(or the named) worksheet, read with openpyxl; cells keep their type (numbers, dates), so number and date
formats of the sheet do not matter.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes("\\ufeffname;visitors\\nRijksmuseum;2.700.000\\n\\nMauritshuis;500.000\\n".encode())
    >>> s = read_sheet(p)
    >>> s.delimiter, s.columns, [(r.number, r["name"]) for r in s.rows]
    (';', ['name', 'visitors'], [(2, 'Rijksmuseum'), (4, 'Mauritshuis')])
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import InputError

Cell = str | int | float | bool | dt.datetime | dt.date | dt.time
DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: ``number`` as a spreadsheet program shows it, ``values`` by column name.

    Empty cells are ``""`` (CSV) or absent/``""`` (XLSX); ``row[col]`` returns ``""`` for a missing column.
    """

    number: int
    values: dict[str, Cell]

    def __getitem__(self, column: str) -> Cell:
        return self.values.get(column, "")

    def get(self, column: str, default: Cell = "") -> Cell:
        v = self.values.get(column, default)
        return default if v == "" or v is None else v


@dataclass
class Sheet:
    """A read spreadsheet. ``name`` is what error messages call the file (its path as given)."""

    name: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    delimiter: str | None = None
    encoding: str = "utf-8"
    format: str = "csv"

    def language_columns(self, prefix: str) -> dict[str, str]:
        """Columns ``<prefix>_<lang>`` (``label_en``, ``label_nl``): language -> column name."""
        out = {}
        for c in self.columns:
            if c.startswith(prefix + "_") and len(c) > len(prefix) + 1:
                out[c[len(prefix) + 1 :]] = c
        return out


def split_values(cell: Cell, separator: str = "|") -> list[Cell]:
    """Several values in one cell: ``"a | b"`` -> ``["a", "b"]``; empty parts dropped; non-text unchanged."""
    if not isinstance(cell, str):
        return [cell]
    if not separator or separator not in cell:
        s = cell.strip()
        return [s] if s else []
    return [p.strip() for p in cell.split(separator) if p.strip()]


# -- decoding ---------------------------------------------------------------------------------------------


def decode(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Bytes -> text and the encoding used. UTF-8 (BOM dropped) unless ``encoding`` is given."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InputError(
                f"{name}: unknown encoding {encoding!r}; expected a Python codec name like utf-8, cp1252 or latin-1"
            ) from None
        if codec == "utf-8":
            codec = "utf-8-sig"
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as e:
            raise _decode_error(data, name, e, encoding) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as e:
            raise _decode_error(data, name, e, "utf-16") from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as e:
        raise _decode_error(data, name, e, "utf-8") from None


def _decode_error(data: bytes, name: str, e: UnicodeDecodeError, tried: str) -> InputError:
    offset = e.start
    line = data.count(b"\n", 0, offset) + 1
    bad = data[offset : offset + 1].hex()
    guess = ""
    if tried.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
        guess = " (Excel on Windows often saves Windows-1252: try --encoding cp1252)"
    return InputError(
        f"{name}: line {line}, byte offset {offset}: expected text in {tried}, found byte 0x{bad} that is not "
        f'valid {tried}; hint: re-save the file as UTF-8 ("CSV UTF-8" in Excel, "Unicode (UTF-8)" in '
        f"LibreOffice) or pass --encoding NAME{guess}"
    )


# -- CSV ----------------------------------------------------------------------------------------------------


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that occurs most often in the header line outside quotes (ties: tab, ``;``, ``,``)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(("\t", ";", ","), key=lambda d: counts[d])
    return best if counts[best] else ","


_NEWLINE = re.compile(r"\r\n|\r|\n")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their endings, one at a time (as ``io.StringIO(text, newline="")`` splits
    them, without its copy of the whole text: four bytes a character, 1 GiB for a 250 MB sheet)."""
    start = 0
    for m in _NEWLINE.finditer(text):
        yield text[start : m.end()]
        start = m.end()
    if start < len(text):
        yield text[start:]


def _first_line(text: str) -> str:
    for line in _lines(text):
        if line.strip():
            return line.rstrip("\r\n")
    return ""


def _records(text: str, delimiter: str, name: str = "") -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) per CSV record; a record that spans lines keeps the number it starts at. A cell is
    at most ``max_cell_kb`` KiB of characters (the csv module's field limit), so one huge line is refused."""
    from kg import config

    limit = int(config.number("max_cell_kb") * 1024)
    previous = csv.field_size_limit(limit)
    reader = csv.reader(_lines(text), delimiter=delimiter, quotechar='"', strict=False)
    n = 0
    try:
        for cells in reader:
            n += 1
            yield n, cells
    except csv.Error as e:
        where = f"{name}: row {n + 1}" if name else f"row {n + 1}"
        if "field larger than field limit" in str(e):
            raise InputError(
                f"{where}: a cell longer than {limit:,} characters; is this the right file (or a quote never "
                f"closed)? Raise ${config.env_name('max_cell_kb')} if the cell is meant to be that long"
            ) from None
        raise InputError(f"{where}: cannot parse the CSV ({e}); hint: check for an unbalanced quote") from e
    finally:
        csv.field_size_limit(previous)


def _limits() -> tuple[int, int, int]:
    """(bytes, columns, rows): the largest sheet read (settings ``max_sheet_mb``, ``max_columns``, ``max_rows``)."""
    from kg import config

    return (int(config.number("max_sheet_mb") * 2**20), int(config.number("max_columns")),
            int(config.number("max_rows")))


def _check_size(path: Path, name: str) -> None:
    import stat

    from kg import config

    try:
        st = path.stat()
    except OSError as e:
        raise InputError(f"{name}: cannot read the file ({e.strerror})") from e
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        raise InputError(f"{name} is a device, not a spreadsheet file")
    limit = _limits()[0]
    if st.st_size > limit:
        raise InputError(
            f"{name}: {st.st_size / 2**20:,.0f} MiB, larger than the {limit // 2**20} MiB a sheet may be; split it, "
            f"or raise ${config.env_name('max_sheet_mb')}"
        )


def _check_width(name: str, width: int, row: int) -> None:
    from kg import config

    limit = _limits()[1]
    if width > limit:
        raise InputError(
            f"{name}: row {row}: {width:,} columns, more than the {limit:,} a sheet may have; is this the right "
            f"file? (raise ${config.env_name('max_columns')} if it is)"
        )


def _check_rows(name: str, count: int) -> None:
    from kg import config

    limit = _limits()[2]
    if count > limit:
        raise InputError(
            f"{name}: more than {limit:,} rows; split the sheet, or raise ${config.env_name('max_rows')}"
        )


def _swallowed(name: str, row: int, columns: Sequence[str], cells: Sequence[str], delimiter: str) -> None:
    """A quote opened in a cell and never closed makes the rest of the file one cell: name where it opened."""
    for col, cell in zip(columns, cells, strict=False):
        lines = cell.split("\n")
        if len(lines) > 1 and any(line.count(delimiter) >= max(len(columns) - 1, 1) for line in lines[1:]):
            raise InputError(
                f"{name}: row {row}, column {col!r}: a double quote opened in this cell is never closed, so "
                f"{len(lines) - 1} following lines became part of it; hint: close the quote, or double a quote "
                'inside a quoted value ("")'
            )


def _read_csv(path: Path, name: str, encoding: str | None, delimiter: str | None) -> Sheet:
    _check_size(path, name)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{name}: cannot read the file ({e.strerror})") from e
    text, used = decode(data, name, encoding)
    del data  # the text alone is held from here on
    if "\x00" in text:
        raise InputError(
            f"{name}: expected a text file (CSV/TSV), found NUL bytes; hint: is this a binary file "
            "(for XLSX use the .xlsx suffix) or UTF-16 without a byte order mark (pass --encoding utf-16-le)?"
        )
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else sniff_delimiter(_first_line(text))
    elif delimiter not in DELIMITERS and len(delimiter) != 1:
        raise InputError(f"expected a one-character delimiter like , ; or tab, found {delimiter!r}")
    records = _records(text, delimiter, name)
    header: list[str] | None = None
    header_row = 0
    for n, cells in records:
        if any(c.strip() for c in cells):
            header, header_row = cells, n
            break
    if header is None:
        raise InputError(f"{name}: expected a header row with column names, found an empty file")
    _check_width(name, len(header), header_row)
    columns = _columns(name, header, header_row)
    width = len(columns)
    used_cols = columns
    rows: list[Row] = []
    for n, cells in records:
        if not any(c.strip() for c in cells):
            continue  # blank line
        _swallowed(name, n, used_cols, cells, delimiter)
        _check_rows(name, len(rows) + 1)
        if len(cells) > width:
            extra = [c for c in cells[width:] if c.strip()]
            if extra:
                raise InputError(
                    f"{name}: row {n}: expected at most {width} cells (the header has {width} columns), found "
                    f"{len(cells)}; hint: a value containing the {_DELIMITER_NAMES.get(delimiter, delimiter)} "
                    "delimiter must be in double quotes"
                )
        rows.append(Row(n, {c: v.strip() for c, v in zip(used_cols, cells, strict=False) if c}))
    return Sheet(name, [c for c in columns if c], rows, delimiter, used, "csv")


def _columns(name: str, header: Sequence[object], row: int) -> list[str]:
    cols = [str(h).strip() if h is not None else "" for h in header]
    while cols and not cols[-1]:
        cols.pop()
    seen: dict[str, int] = {}
    for i, c in enumerate(cols, 1):
        if c in seen:
            raise InputError(
                f"{name}: row {row}: expected unique column names, found {c!r} in columns {seen[c]} and {i}; "
                "hint: rename one of them"
            )
        if c:
            seen[c] = i
    return cols


# -- XLSX ---------------------------------------------------------------------------------------------------


def _check_dimension(name: str, ws: Any) -> None:
    from openpyxl.utils.cell import range_boundaries

    try:
        _, _, max_col, max_row = range_boundaries(ws.calculate_dimension())
    except (ValueError, TypeError):
        return  # an unsized sheet: the rows are counted as they are read
    _check_rows(name, (max_row or 0) - 1)
    _check_width(name, max_col or 0, 1)


def _read_xlsx(path: Path, name: str, sheet_name: str | None) -> Sheet:
    import openpyxl  # imported here: only XLSX loads pay for it

    _check_size(path, name)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile/KeyError/InvalidFileException for broken files
        raise InputError(f"{name}: cannot read as an XLSX workbook ({type(e).__name__}: {e})") from e
    try:
        if sheet_name is not None:
            if sheet_name not in wb.sheetnames:
                raise InputError(f"{name}: expected a worksheet named {sheet_name!r}, found {', '.join(wb.sheetnames)}")
            ws = wb[sheet_name]
        else:
            ws = wb.worksheets[0]
        header: list[str] | None = None
        rows: list[Row] = []
        columns: list[str] = []
        _check_dimension(name, ws)  # what the sheet says it spans: a 3-million-row sheet is refused at once
        for n, values in enumerate(ws.iter_rows(values_only=True), 1):
            _check_rows(name, n - 1)
            cells = ["" if v is None else (v.strip() if isinstance(v, str) else v) for v in values]
            if not any(c != "" for c in cells):
                continue
            if header is None:
                columns = _columns(name, list(cells), n)
                header = columns
                continue
            if len(cells) > len(columns) and any(c != "" for c in cells[len(columns) :]):
                raise InputError(f"{name}: row {n}: found values in columns to the right of the last header")
            rows.append(Row(n, {c: v for c, v in zip(columns, cells, strict=False) if c}))
        if header is None:
            raise InputError(f"{name}: expected a header row with column names, found an empty worksheet")
        return Sheet(name, [c for c in columns if c], rows, None, "xlsx", "xlsx")
    finally:
        wb.close()


def read_sheet(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | None = None,
) -> Sheet:
    """Read a CSV, TSV or XLSX file (by suffix; ``.xlsx``/``.xlsm`` are workbooks, anything else text)."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError(f"{name}: no such file")
    if p.suffix.lower() in XLSX_SUFFIXES:
        return _read_xlsx(p, name, sheet_name)
    if p.suffix.lower() == ".xls":
        raise InputError(f"{name}: expected CSV, TSV or XLSX, found the old .xls format; hint: save it as .xlsx")
    return _read_csv(p, name, encoding, delimiter)

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
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from kg.errors import InputError
from kg.i18n import N_, _, ngettext
from kg.load.problems import Problem
from kg.load.rows import (  # noqa: F401 (the face of reading sheets)
    Cell,
    FormulaCell,
    Row,
    Sheet,
    check_rows,
    check_size,
    check_width,
    column_letter,
    row_limit,
    split_values,
    unique_columns,
)

DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab")}
_DELIMITER_PLURALS = {",": N_("commas"), ";": N_("semicolons"), "\t": N_("tabs")}


def _named(delimiter: str, names: dict[str, str] = _DELIMITER_NAMES) -> str:
    """A delimiter as a person names it, in the current language (``comma``; with ``_DELIMITER_PLURALS``:
    ``commas``); an unusual one as itself."""
    return _(names[delimiter]) if delimiter in names else repr(delimiter)
CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


# -- decoding ---------------------------------------------------------------------------------------------


def decode(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Bytes -> text and the encoding used. UTF-8 (BOM dropped) unless ``encoding`` is given."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InputError(
                _("{name}: unknown encoding {encoding!r}; expected a Python codec name like utf-8, cp1252 or "
                  "latin-1").format(name=name, encoding=encoding)
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
        guess = _(" (Excel on Windows often saves Windows-1252: try --encoding cp1252)")
    return InputError(
        _("{name}: line {line}, byte offset {offset}: expected text in {tried}, found byte 0x{bad} that is not "
          'valid {tried}; hint: re-save the file as UTF-8 ("CSV UTF-8" in Excel, "Unicode (UTF-8)" in LibreOffice) '
          "or pass --encoding NAME{guess}").format(
            name=name, line=line, offset=offset, tried=tried, bad=bad, guess=guess)
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
                _("{where}: a cell longer than {limit:,} characters; is this the right file (or a quote never "
                  "closed)? Raise ${env_name} if the cell is meant to be that long").format(
                    where=where, limit=limit, env_name=config.env_name('max_cell_kb'))
            ) from None
        raise InputError(_("{where}: cannot parse the CSV ({error}); hint: check for an unbalanced quote").format(
                             where=where, error=e)) from e
    finally:
        csv.field_size_limit(previous)


def _swallowed(name: str, row: int, columns: Sequence[str], cells: Sequence[str], delimiter: str) -> None:
    """A quote opened in a cell and never closed makes the rest of the file one cell: name where it opened."""
    for col, cell in zip(columns, cells, strict=False):
        if "\n" not in cell:
            continue
        lines = cell.split("\n")
        if len(lines) > 1 and any(line.count(delimiter) >= max(len(columns) - 1, 1) for line in lines[1:]):
            raise InputError(
                _("{name}: row {row}, column {col!r}: a double quote opened in this cell is never closed, so "
                  "{n} following lines became part of it; hint: close the quote, or double a quote inside a "
                  'quoted value ("")').format(name=name, row=row, col=col, n=len(lines) - 1)
            )


def _read_csv(path: Path, name: str, encoding: str | None, delimiter: str | None) -> Sheet:
    sheet, rows = _open_csv(path, name, encoding, delimiter)
    for _row in rows:
        pass
    return sheet


def _open_csv(path: Path, name: str, encoding: str | None, delimiter: str | None) -> tuple[Sheet, Iterator[Row]]:
    """The sheet of a CSV file as far as its header, and its rows as they are read: each is appended to the
    sheet's rows (its problems and warnings too) as it is given; the whole file is checked once they are all."""
    check_size(path, name)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(_("{name}: cannot read the file ({strerror})").format(
                             name=name, strerror=e.strerror)) from e
    text, used = decode(data, name, encoding)
    del data  # the text alone is held from here on
    if "\x00" in text:
        raise InputError(
            _("{name}: expected a text file (CSV/TSV), found NUL bytes; hint: is this a binary file (for XLSX use "
              "the .xlsx suffix) or UTF-16 without a byte order mark (pass --encoding utf-16-le)?").format(name=name)
        )
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else sniff_delimiter(_first_line(text))
    elif delimiter not in DELIMITERS and len(delimiter) != 1:
        raise InputError(_("expected a one-character delimiter like , ; or tab, found {delimiter!r}").format(
                             delimiter=delimiter))
    records = _records(text, delimiter, name)
    header: list[str] | None = None
    header_row = 0
    for n, cells in records:
        if any(c.strip() for c in cells):
            header, header_row = cells, n
            break
    if header is None:
        raise InputError(_("{name}: expected a header row with column names, found an empty file").format(name=name))
    check_width(name, len(header), header_row)
    columns = unique_columns(name, header, header_row)
    sheet = Sheet(name, [c for c in columns if c], [], delimiter, used, "csv")
    return sheet, _csv_rows(sheet, records, columns, header_row, delimiter)


def _csv_rows(sheet: Sheet, records: Iterator[tuple[int, list[str]]], columns: list[str], header_row: int,
              delimiter: str) -> Iterator[Row]:
    name, width, used_cols = sheet.name, len(columns), columns
    rows, problems, unnamed = sheet.rows, sheet.problems, sheet.unnamed
    limit = row_limit()  # asked once, not for every row
    for n, cells in records:
        if not any(c.strip() for c in cells):
            continue  # blank line
        _swallowed(name, n, used_cols, cells, delimiter)
        check_rows(name, len(rows) + 1, limit)
        if len(cells) > width:
            extra = [c for c in cells[width:] if c.strip()]
            if extra:
                raise InputError(
                    ngettext("{name}: row {n}: expected at most {width} cell (the header has {width} column), found "
                             "{found}; hint: a value containing the {delimiter} delimiter must be in double quotes",
                             "{name}: row {n}: expected at most {width} cells (the header has {width} columns), found "
                             "{found}; hint: a value containing the {delimiter} delimiter must be in double quotes",
                             width).format(
                        name=name, n=n, width=width, found=len(cells), delimiter=_named(delimiter))
                )
        for i, v in enumerate(cells[:width]):
            if not used_cols[i] and v.strip():
                unnamed[column_letter(i + 1)] = unnamed.get(column_letter(i + 1), 0) + 1
        mixed = _other_delimiter(cells, width, delimiter)
        if mixed is not None:
            problems.append(
                Problem(
                    name,
                    n,
                    None,
                    ngettext("{width} cell separated by {delimiters}, as in the header",
                             "{width} cells separated by {delimiters}, as in the header", width).format(
                        width=width, delimiters=_named(delimiter, _DELIMITER_PLURALS)),
                    ngettext("{n} cell holding {count} {others}: {cells!r}", "{n} cells holding {count} {others}: "
                             "{cells!r}", len(cells)).format(n=len(cells), count=mixed[1],
                                                             others=_named(mixed[0], _DELIMITER_PLURALS),
                                                             cells=_short(delimiter.join(cells))),
                    _("this row is separated by {others}: save it with the {delimiters} of the rest of the "
                      "file").format(others=_named(mixed[0], _DELIMITER_PLURALS),
                                     delimiters=_named(delimiter, _DELIMITER_PLURALS)),
                )
            )
        row = Row(n, {c: v.strip() for c, v in zip(used_cols, cells, strict=False) if c})
        rows.append(row)
        yield row
    for letter, count in unnamed.items():
        sheet.warnings.append(
            ngettext("column {letter} has no header: its {count} value was ignored (give it a name in row "
                     "{header_row} to load it)", "column {letter} has no header: its {count} values were ignored (give "
                     "it a name in row {header_row} to load it)", count).format(
                letter=letter, count=count, header_row=header_row)
        )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _other_delimiter(cells: Sequence[str], width: int, delimiter: str) -> tuple[str, int] | None:
    """A row with far fewer cells than the header whose text holds another delimiter often enough to fill
    them: (that delimiter, its count). Such a row read as it is would have empty cells, reported as
    missing values instead of the real cause."""
    if width < 3 or len(cells) > width // 2:
        return None
    for other in DELIMITERS:
        if other == delimiter:
            continue
        count = sum(c.count(other) for c in cells)
        if count >= width - len(cells):
            return other, count
    return None


def _no_sheet(name: str, sheet_name: str | None) -> None:
    """A worksheet named for a text file: refused (a CSV or TSV file has no worksheets to choose from)."""
    if sheet_name is not None:
        raise InputError(_("{name}: --sheet {sheet!r} names a worksheet, but this is a text file (CSV/TSV) with no "
                           "worksheets; hint: leave out --sheet, or load the workbook (.xlsx) it came from").format(
                               name=name, sheet=sheet_name))


def open_rows(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None,
              sheet_name: str | None = None) -> tuple[Sheet, Iterator[Row]] | None:
    """A CSV or TSV file's sheet as far as its header and its rows as they are read (appended to the sheet as they
    are given; its warnings once all are): for a reader that starts on the first rows while the others are read
    (kg.load.stream). None for a workbook (:func:`read_sheet` reads it whole). Raises what :func:`read_sheet`
    raises, a bad row's error as that row is read."""
    p = Path(path)
    if not p.exists():
        raise InputError(_("{name}: no such file").format(name=str(path)))
    if p.suffix.lower() in XLSX_SUFFIXES or p.suffix.lower() == ".xls":
        return None
    _no_sheet(str(path), sheet_name)
    return _open_csv(p, str(path), encoding, delimiter)


def read_sheet(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | None = None,
    note_not_read: bool = True,
) -> Sheet:
    """Read a CSV, TSV or XLSX file (by suffix; ``.xlsx``/``.xlsm`` are workbooks, anything else text).
    ``note_not_read=False``: no warning about the other worksheets (a workbook mapping names the ones it reads;
    they are in :attr:`Sheet.not_read`)."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError(_("{name}: no such file").format(name=name))
    if p.suffix.lower() in XLSX_SUFFIXES:
        from kg.load.xlsx import read_xlsx

        return read_xlsx(p, name, sheet_name, note_not_read=note_not_read)
    if p.suffix.lower() == ".xls":
        raise InputError(_("{name}: expected CSV, TSV or XLSX, found the old .xls format; hint: save it as "
                           ".xlsx").format(
                             name=name))
    _no_sheet(name, sheet_name)
    return _read_csv(p, name, encoding, delimiter)

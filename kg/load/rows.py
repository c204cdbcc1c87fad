r"""What a read spreadsheet is, whatever its format: :class:`Sheet` of :class:`Row`\ s (cells by column name, the
row number a spreadsheet program shows), and the limits and column rules every reader applies
(:mod:`kg.load.sheet` for CSV/TSV, :mod:`kg.load.xlsx` for workbooks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError
from kg.i18n import _
from kg.load.problems import Problem

Cell = str | int | float | bool | dt.datetime | dt.date | dt.time


@dataclass(frozen=True, slots=True)
class FormulaCell:
    """An XLSX formula cell without a usable value: saved without its computed value, or with an error."""

    ref: str  # the cell, like D5
    formula: str  # without the leading "="
    error: str | None = None  # the error value it computed (#DIV/0!), None: no value stored

    def describe(self) -> str:
        if self.error is not None:
            return _("the formula ={formula} in cell {cell}, which gives the error {error}").format(
                formula=self.formula, cell=self.ref, error=self.error)
        return _("the formula ={formula} in cell {cell} with no computed value stored in the file").format(
            formula=self.formula, cell=self.ref)


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: ``number`` as a spreadsheet program shows it, ``values`` by column name.

    Empty cells are ``""`` (CSV) or absent/``""`` (XLSX); ``row[col]`` returns ``""`` for a missing column.
    """

    number: int
    values: dict[str, Cell]
    links: dict[str, str] | None = None  # XLSX: column -> hyperlink target (a link cell or =HYPERLINK(...))
    uncomputed: dict[str, FormulaCell] | None = None  # XLSX: column -> a formula cell without a usable value

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
    warnings: list[str] = field(default_factory=list)  # said to the user; the load goes on
    problems: list[Problem] = field(default_factory=list)  # located; the load stops after collecting them
    unnamed: dict[str, int] = field(default_factory=dict)  # column letter -> cells with a value, no header
    epoch: dt.datetime | None = None  # XLSX: the workbook's date system (date serials in date columns)
    # XLSX: the other worksheets, not read: title -> how a message names it (``'Hulp' (hidden)``)
    not_read: dict[str, str] = field(default_factory=dict)

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


def _limits() -> tuple[int, int, int]:
    """(bytes, columns, rows): the largest sheet read (settings ``max_sheet_mb``, ``max_columns``, ``max_rows``)."""
    from kg import config

    return (
        int(config.number("max_sheet_mb") * 2**20),
        int(config.number("max_columns")),
        int(config.number("max_rows")),
    )


def check_size(path: Path, name: str) -> None:
    import stat

    from kg import config

    try:
        st = path.stat()
    except OSError as e:
        raise InputError(_("{name}: cannot read the file ({strerror})").format(
                             name=name, strerror=e.strerror)) from e
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        raise InputError(_("{name} is a device, not a spreadsheet file").format(name=name))
    limit = _limits()[0]
    if st.st_size > limit:
        raise InputError(
            _("{name}: {size:,.0f} MiB, larger than the {limit} MiB a sheet may be; split it, or raise "
              "${env_name}").format(
                name=name,
                size=st.st_size / 2 ** 20, limit=limit // 2 ** 20, env_name=config.env_name('max_sheet_mb'))
        )


def check_width(name: str, width: int, row: int) -> None:
    from kg import config

    limit = _limits()[1]
    if width > limit:
        raise InputError(
            _("{name}: row {row}: {width:,} columns, more than the {limit:,} a sheet may have; is this the right "
              "file? (raise ${env_name} if it is)").format(
                name=name, row=row, width=width, limit=limit, env_name=config.env_name('max_columns'))
        )


def row_limit() -> int:
    """The most rows a sheet may have ($GLAMKG_MAX_ROWS); readers ask once and call :func:`check_rows` past it."""
    from kg import config

    return int(config.number("max_rows"))


def check_rows(name: str, count: int, limit: int | None = None) -> None:
    from kg import config

    limit = row_limit() if limit is None else limit
    if count > limit:
        raise InputError(_("{name}: more than {limit:,} rows; split the sheet, or raise ${env_name}").format(
                             name=name, limit=limit, env_name=config.env_name('max_rows')))


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 1-based column index: 1 -> A, 27 -> AA."""
    out = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def unique_columns(name: str, header: Sequence[object], row: int) -> list[str]:
    cols = [str(h).strip() if h is not None else "" for h in header]
    while cols and not cols[-1]:
        cols.pop()
    seen: dict[str, int] = {}
    for i, c in enumerate(cols, 1):
        if c in seen:
            raise InputError(
                _("{name}: row {row}: expected unique column names, found {c!r} in columns {seen} and {i}; hint: "
                  "rename one of them").format(name=name, row=row, c=c, seen=seen[c], i=i)
            )
        if c:
            seen[c] = i
    return cols

"""Problems found in a spreadsheet: each one says where (file, row, column), what was expected, what was
found, and a hint. A load collects ALL of them before it gives up, then raises :class:`ValidationFailed`.

    >>> p = Problem("musea.csv", 14, "start", "a date like 2021-05", "'May 2021'", "set date_formats")
    >>> str(p)
    "musea.csv: row 14, column 'start': expected a date like 2021-05, found 'May 2021'; hint: set date_formats"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from kg.errors import InputError
from kg.i18n import _, ngettext


@dataclass(frozen=True, order=True)
class Problem:
    """One problem. ``row`` is the spreadsheet row (header = 1; None: the whole file); ``column`` the column
    name (None: the row as a whole)."""

    file: str
    row: int | None
    column: str | None
    expected: str
    found: str
    hint: str = ""

    def where(self) -> str:
        parts = [self.file] if self.file else []
        loc = []
        if self.row is not None:
            loc.append(_("row {row}").format(row=self.row))
        if self.column is not None:
            loc.append(_("column {column}").format(column=repr(self.column)))
        if len(loc) == 2:
            parts.append(_("{row}, {column}").format(row=loc[0], column=loc[1]))
        elif loc:
            parts.append(loc[0])
        return _("{file}: {where}").format(file=parts[0], where=parts[1]) if len(parts) == 2 else "".join(parts)

    def __str__(self) -> str:
        hint = _("; hint: {hint}").format(hint=self.hint) if self.hint else ""
        return _("{where}: expected {expected}, found {found}").format(
            where=self.where(), expected=self.expected, found=self.found) + hint

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sort_key(p: Problem) -> tuple[str, int, str, str]:
    return (p.file, p.row if p.row is not None else -1, p.column or "", p.expected)


def summary(problems: Iterable[Problem], rows: int) -> str:
    """The last line of a report: ``6 problems in 6 of 40 rows; nothing was written``."""
    ps = list(problems)
    bad_rows = {(p.file, p.row) for p in ps if p.row is not None and p.row > 1}
    header = any(p.row == 1 for p in ps)  # row 1 is the header: not one of the data rows counted
    whole = any(p.row is None for p in ps)  # a problem of the file (its source reference ...): every row rejected
    where = ngettext("{n} of {rows} row", "{n} of {rows} rows", rows).format(n=len(bad_rows), rows=rows)
    where += _(" and the header") if header else ""
    where += _(" and the file as a whole (so every row is rejected)") if whole else ""
    return ngettext("{n} problem in {where}; nothing was written", "{n} problems in {where}; nothing was written",
                    len(ps)).format(n=len(ps), where=where)


def did_you_mean(name: str, names: list[str]) -> str:
    """A hint that names the closest of ``names`` to a mistyped ``name`` (``did you mean 'country'? ``), or ''."""
    import difflib

    close = difflib.get_close_matches(name.casefold(), [n.casefold() for n in names], n=1, cutoff=0.6)
    if not close:
        return ""
    original = next(n for n in names if n.casefold() == close[0])
    return _("did you mean {name!r}? ").format(name=original)


def unknown_property(pid: str) -> str:
    """Why a property id outside the model and schemas/properties.yaml is refused."""
    return _(
        "{pid} is not a property glamkg knows (not in schemas/model.yaml or schemas/properties.yaml), so its "
        "datatype and checks are unknown; hint: check the id on wikidata.org, and if it is right add it to "
        "schemas/properties.yaml with its datatype"
    ).format(pid=pid)


class ValidationFailed(InputError):
    """The input has problems; ``problems`` lists them all, the message shows them and a summary line."""

    def __init__(self, problems: Iterable[Problem], rows: int) -> None:
        self.problems = sorted(set(problems), key=sort_key)
        self.rows = rows
        self.summary = summary(self.problems, rows)
        lines = [str(p) for p in self.problems]
        super().__init__("\n".join([*lines, self.summary]))

    def rejected_rows(self) -> list[int]:
        """The data rows with a problem (row 1, the header, is not one of them)."""
        return sorted({p.row for p in self.problems if p.row is not None and p.row > 1})

    def rejected_count(self) -> int:
        """How many data rows this failure rejects: all of them when the header (or the file) has a problem."""
        if any(p.row is None or p.row <= 1 for p in self.problems):
            return self.rows
        return len(self.rejected_rows())

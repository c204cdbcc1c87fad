"""Problems with single cells: what each datatype expects, and formula cells without a usable value."""

from __future__ import annotations

import datetime as dt
import re

from kg.i18n import DEFAULT, N_, _, current
from kg.load.numbers import BelowMinimum, NumberFormatError
from kg.load.problems import Problem
from kg.load.rows import Cell, FormulaCell

#: An item id written in lower case or with leading zeros (q55, Q055).
_MISCASED = re.compile(r"^(q[0-9]+|[Qq]0[0-9]*)$")
_EXPECTED = {
    "wikibase-item": N_("an item id like Q55, or a class key or label from schemas/model.yaml"),
    "time": N_("a date like 2021, 2021-05 or 2021-05-17"),
    "quantity": N_("a number"),
    "globe-coordinate": N_("coordinates as 'latitude,longitude' like 52.36,4.88 (latitude -90..90, longitude "
                           "-180..180)"),
    "monolingualtext": N_("a text"),
    "url": N_("a URL like https://example.org/"),
    "external-id": N_("an identifier"),
    "string": N_("a text"),
    "commonsMedia": N_("a Commons file name like 'Museum front.jpg'"),
}


def cell_problem(file: str, row: int, col: str, field: str, datatype: str | None, cell: Cell, e: Exception, *,
                 mapping: str = "") -> Problem:
    """A cell of a column mapped to ``field`` (``id``, ``label``, ``property``...) of ``datatype``, refused by ``e``.
    ``mapping``: the user's mapping file (:attr:`kg.load.mapping.Mapping.named`), which a hint to change the
    mapping names; "" (the template's columns): "a mapping file"."""
    where = mapping or _("a mapping file")
    msg = str(e)
    found = repr(cell) if not isinstance(cell, dt.date) else cell.isoformat()
    if field == "id":
        hint = _("leave the id column empty for items not on Wikidata")
        if "upper case" in msg or _MISCASED.match(str(cell).strip()):
            hint = _("ids are upper case and have no leading zeros (Q190804)")
        return Problem(file, row, col, _("a Wikidata item id like Q190804"), found, hint)
    dtype = datatype or "string"
    expected = _(_EXPECTED[dtype]) if dtype in _EXPECTED else _("a {datatype} value").format(datatype=dtype)
    # kg.model.values messages read "expected X, found 'v'[: detail]": keep only the detail as the hint.
    # (in another language the message is translated: what follows the value found is the detail all the same)
    if f"found {cell!r}" in msg:
        detail = msg.split(f"found {cell!r}", 1)[1].lstrip(": ")
    elif current() != DEFAULT and repr(cell) in msg:
        detail = msg.rsplit(repr(cell), 1)[1].lstrip(": ")
    else:
        detail = msg
    if isinstance(e, NumberFormatError) and dtype in ("quantity", "globe-coordinate"):
        expected = _("{expected} with {number_format} format").format(expected=expected, number_format=e.number_format)
    elif "format" in msg and dtype in ("quantity", "globe-coordinate"):
        expected = f"{expected} with {msg.split('the ', 1)[-1]}"
    if dtype == "wikibase-item":
        hint = _("use the item's Q-id, or add a `values:` table for this column in {mapping}").format(mapping=where)
    elif dtype == "time":
        hint = (
            detail
            if detail and not detail.startswith(("expected", _("expected")))
            else _('for other date formats set date_formats in {mapping} (e.g. "%d-%m-%Y")').format(mapping=where)
        )
    elif dtype == "quantity" and isinstance(e, BelowMinimum):
        expected = _("a number >= {minimum}").format(minimum=e.minimum)
        hint = _("counts and sizes cannot be negative")
    elif dtype == "quantity":
        hint = _("state the number format once in {mapping}: locale: nl, or decimal: and thousands:").format(
            mapping=where)
    elif detail == _("not two numbers"):
        hint = _("write latitude,longitude with a decimal point, or latitude;longitude")
    else:
        hint = detail
    return Problem(file, row, col, expected, found, hint)


def formula_problem(file: str, row: int, col: str, cell: FormulaCell) -> Problem:
    """A mapped cell whose formula has no value to load (never read as an empty cell)."""
    if cell.error is not None:
        return Problem(
            file, row, col, _("a value"), cell.describe(),
            _("correct the formula or the cells it uses, or type the value"),
        )
    return Problem(
        file,
        row,
        col,
        _("a value"),
        cell.describe() + _(" (the file was saved by a program that does not calculate formulas)"),
        _("open the file in Excel or LibreOffice Calc and save it again, which stores the computed values, or "
          "replace the formula by its value"),
    )

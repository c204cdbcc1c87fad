"""Problems with single cells: what each datatype expects, and formula cells without a usable value."""

from __future__ import annotations

import datetime as dt

from kg.load.problems import Problem
from kg.load.rows import Cell, FormulaCell

_EXPECTED = {
    "wikibase-item": "an item id like Q55, or a class key or label from schemas/model.yaml",
    "time": "a date like 2021, 2021-05 or 2021-05-17",
    "quantity": "a number",
    "globe-coordinate": "coordinates as 'latitude,longitude' like 52.36,4.88 (latitude -90..90, longitude -180..180)",
    "monolingualtext": "a text",
    "url": "a URL like https://example.org/",
    "external-id": "an identifier",
    "string": "a text",
    "commonsMedia": "a Commons file name like 'Museum front.jpg'",
}


def cell_problem(file: str, row: int, col: str, field: str, datatype: str | None, cell: Cell, e: Exception) -> Problem:
    """A cell of a column mapped to ``field`` (``id``, ``label``, ``property``...) of ``datatype``, refused by ``e``."""
    msg = str(e)
    found = repr(cell) if not isinstance(cell, dt.date) else cell.isoformat()
    if field == "id":
        hint = "leave the id column empty for items not on Wikidata"
        if "upper case" in msg:
            hint = "ids are upper case and have no leading zeros (Q190804)"
        return Problem(file, row, col, "a Wikidata item id like Q190804", found, hint)
    dtype = datatype or "string"
    expected = _EXPECTED.get(dtype, f"a {dtype} value")
    # kg.model.values messages read "expected X, found 'v'[: detail]": keep only the detail as the hint.
    detail = msg.split(f"found {cell!r}", 1)[1].lstrip(": ") if f"found {cell!r}" in msg else msg
    if "format" in msg and dtype in ("quantity", "globe-coordinate"):
        expected = f"{expected} with {msg.split('the ', 1)[-1]}"
    if dtype == "wikibase-item":
        hint = "use the item's Q-id, or add a `values:` table for this column in a mapping file"
    elif dtype == "time":
        hint = (
            detail
            if detail and not detail.startswith("expected")
            else ('for other date formats set date_formats in a mapping file (e.g. "%d-%m-%Y")')
        )
    elif dtype == "quantity" and msg.startswith("below the smallest amount"):
        expected, hint = f"a number >= {msg.rsplit(' ', 1)[-1]}", "counts and sizes cannot be negative"
    elif dtype == "quantity":
        hint = "state the number format once in a mapping file: locale: nl, or decimal: and thousands:"
    elif detail in ("not two numbers",):
        hint = "write latitude,longitude with a decimal point, or latitude;longitude"
    else:
        hint = detail
    return Problem(file, row, col, expected, found, hint)


def formula_problem(file: str, row: int, col: str, cell: FormulaCell) -> Problem:
    """A mapped cell whose formula has no value to load (never read as an empty cell)."""
    if cell.error is not None:
        return Problem(
            file, row, col, "a value", cell.describe(), "correct the formula or the cells it uses, or type the value"
        )
    return Problem(
        file,
        row,
        col,
        "a value",
        cell.describe() + " (the file was saved by a program that does not calculate formulas)",
        "open the file in Excel or LibreOffice Calc and save it again, which stores the computed values, or "
        "replace the formula by its value",
    )

"""Numbers whose format the sheet does not say: never guessed silently.

Without a ``locale:`` (or ``decimal:``/``thousands:``) in the mapping, a number is read with a decimal point.
Real exports from the Netherlands, Germany or France write "425.007" for four hundred twenty-five thousand and
"6,09" for six point zero nine: read with a decimal point, "425.007" is silently 425.007. So before the values
are used, :func:`ambiguous` looks at the text of every quantity column and stops with one located problem
asking for the locale when

- a value has two or more dot groups (``1.325.265``: thousands, whatever the locale), or
- every dotted value of the column has exactly three digits after its one dot (``425.007``, ``12.500``: thousands
  groups or decimals, the sheet cannot tell), or
- another number of the sheet is written with a decimal comma (``6,09``).

Cells that are numbers already (XLSX numeric cells) carry no format and are not looked at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from kg.i18n import N_, _, ngettext
from kg.load.problems import Problem
from kg.model.values import Coordinate


class NumberFormatError(ValueError):
    """A cell that is not a number in the sheet's stated format (``number_format`` says which, for a person)."""

    def __init__(self, number_format: str) -> None:
        super().__init__(_("not a number in the {number_format} format").format(number_format=number_format))
        self.number_format = number_format


class BelowMinimum(ValueError):
    """A number below the smallest amount its property allows (``minimum``)."""

    def __init__(self, minimum: object) -> None:
        super().__init__(_("below the smallest amount allowed for this property: {minimum}").format(minimum=minimum))
        self.minimum = minimum


# Number formats per locale: (decimal separator, thousands separator). "de-CH" uses an apostrophe.
LOCALES: dict[str, tuple[str, str]] = {
    "en": (".", ","),
    "nl": (",", "."),
    "de": (",", "."),
    "da": (",", "."),
    "es": (",", "."),
    "it": (",", "."),
    "pt": (",", "."),
    "id": (",", "."),
    "tr": (",", "."),
    "fr": (",", " "),
    "sv": (",", " "),
    "nb": (",", " "),
    "fi": (",", " "),
    "pl": (",", " "),
    "cs": (",", " "),
    "ru": (",", " "),
    "uk": (",", " "),
    "de-ch": (".", "'"),
}
_SPACES = str.maketrans("", "", " \u00a0\u202f")

_GROUPS = re.compile(r"^[+-]?\d{1,3}(\.\d{3}){2,}$")
_THREE = re.compile(r"^[+-]?\d{1,3}\.\d{3}$")
_DOTTED = re.compile(r"^[+-]?\d+\.\d+$")
_COMMA = re.compile(r"^[+-]?\d+,\d+$")
HINT = N_(
    "say how the sheet writes numbers: `locale: nl` (or de, fr, ...) in {mapping}, or `decimal:` and "
    "`thousands:`; with `locale: en` a dot is the decimal point"
)


def ambiguous(file: str, rows: Sequence[Any], specs: Mapping[str, Any], mapping: str = "") -> list[Problem]:
    """One problem per quantity column whose numbers could be read two ways (see the module docstring);
    ``mapping``: the user's mapping file, which the hint names ("": none was given)."""
    columns = [col for col, spec in specs.items() if getattr(spec, "datatype", None) == "quantity"]
    if not columns:
        return []
    texts: dict[str, list[tuple[int, str]]] = {col: [] for col in columns}
    for row in rows:
        for col in columns:
            value = row.values.get(col)
            if isinstance(value, str) and value.strip():
                texts[col].append((row.number, value.strip().replace(" ", "")))
    comma = next(((col, n, t) for col in columns for n, t in texts[col] if _COMMA.match(t)), None)
    problems = []
    for col in columns:
        dotted = [(n, t) for n, t in texts[col] if _DOTTED.match(t) or _GROUPS.match(t)]
        if not dotted:
            continue
        groups = next(((n, t) for n, t in dotted if _GROUPS.match(t)), None)
        why = ""
        if groups is not None:
            why = _("{value!r} on row {row}, which can only be thousands groups").format(value=groups[1], row=groups[0])
        elif all(_THREE.match(t) for _n, t in dotted):
            why = ngettext("{n} value like {value!r} (row {row}) with three digits after the dot: thousands groups or "
                           "decimals", "{n} values like {value!r} (row {row}) with three digits after the dot: "
                           "thousands groups or decimals", len(dotted)).format(
                n=len(dotted), value=dotted[0][1], row=dotted[0][0])
        elif comma is not None:
            why = _("{value!r} on row {row} with a dot, while {other!r} in column {column!r} (row {other_row}) has a "
                    "decimal comma").format(value=dotted[0][1], row=dotted[0][0], other=comma[2], column=comma[0],
                                            other_row=comma[1])
        if why:
            problems.append(Problem(file, dotted[0][0], col, _("numbers in a format the sheet states"), why,
                                    _(HINT).format(mapping=mapping or _("a mapping file"))))
    return problems


def parse_number(text: str, decimal: str = ".", thousands: str = "") -> Decimal:
    """A number written with the given separators: ``parse_number("425.007", ",", ".") == 425007``.

    Thousands separators must group by three (``4.25`` is not a number in Dutch format). Raises ValueError.
    """
    t = text.strip()
    if thousands in (" ", "\u00a0", "\u202f"):
        t = t.translate(_SPACES)
        thousands = ""
    sign = ""
    if t[:1] in "+-" and t:
        sign, t = t[0], t[1:]
    if decimal != "." and "." in t and thousands != ".":
        raise ValueError("unexpected '.'")
    int_part, _sep, frac = t.partition(decimal)
    if thousands and thousands in int_part:
        groups = int_part.split(thousands)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            raise ValueError(_("bad grouping"))
        int_part = "".join(groups)
    if not int_part.isdigit() or (frac and not frac.isdigit()) or (decimal in t and not frac):
        raise ValueError(_("not a number"))
    return Decimal(f"{sign}{int_part}.{frac}" if frac else f"{sign}{int_part}")


_POINT = re.compile(r"^\s*Point\(\s*(\S+)\s+(\S+)\s*\)\s*$", re.IGNORECASE)
#: what may separate a coordinate's latitude from its longitude in one cell (not a comma where it is the decimal)
_COORDINATE_SEPARATORS = (",", ";", "/", None)


def parse_coordinate(text: str, decimal: str = ".") -> Coordinate:
    """A coordinate written in one cell: ``Point(longitude latitude)`` (WKT, as the query service writes it) or
    the latitude and the longitude separated by a comma (unless it is the ``decimal``), a semicolon, a slash or
    spaces. Raises ValueError (InputError: a number out of range)."""
    m = _POINT.match(text) if "(" in text else None
    if m:
        try:
            lon, lat = Decimal(m.group(1)), Decimal(m.group(2))
        except InvalidOperation:
            raise ValueError(_("expected Point(longitude latitude) with two numbers")) from None
        return Coordinate(cast(float, lat), cast(float, lon))
    for sep in _COORDINATE_SEPARATORS if decimal != "," else _COORDINATE_SEPARATORS[1:]:
        parts = [x.strip() for x in (text.split(sep) if sep else text.split())]
        if len(parts) != 2:
            continue
        try:
            lat_d = parse_number(parts[0], decimal, "")
            lon_d = parse_number(parts[1], decimal, "")
        except (ValueError, InvalidOperation):
            continue
        return Coordinate(cast(float, str(lat_d)), cast(float, str(lon_d)))
    raise ValueError(_("not two numbers"))

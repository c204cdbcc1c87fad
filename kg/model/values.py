"""Typed Wikibase values: what a statement, qualifier or reference can hold.

Each class checks its input when it is built (bad input raises :class:`kg.errors.InputError` saying what was
expected and what was found) and knows its Wikibase ``datavalue`` JSON. Plain ``str`` stands for the string
datatypes (string, external-id, url, commonsMedia); :func:`coerce` turns plain Python values into the typed
value a property's datatype needs, so callers can write ``"Q55"`` for an item or ``"2021-05"`` for a date.

    >>> Time("2021-05").datavalue()["value"]["time"], Time("2021-05").precision
    ('+2021-05-00T00:00:00Z', 10)
    >>> Coordinate(51.56, 5.081389, precision=1e-05).datavalue()["value"]["precision"]
    1e-05
    >>> Quantity(12).datavalue()["value"]
    {'amount': '+12', 'unit': '1'}
    >>> coerce("Q55", "wikibase-item")
    ItemRef(id='Q55')
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from kg.errors import InputError
from kg.i18n import N_, _, ngettext
from kg.model import ids, iri
from kg.model.languages import is_language_code
from kg.model.schema import model
from kg.model.timevalue import days_in_month

Json = dict[str, Any]

# Wikibase time precisions (Wikibase/DataModel/JSON#time).
YEAR: Final = 9
MONTH: Final = 10
DAY: Final = 11
PRECISION_NAMES: Final = {  # English; translated where a message shows one (_(name))
    0: N_("billion years"),
    1: N_("hundred million years"),
    2: N_("ten million years"),
    3: N_("million years"),
    4: N_("hundred thousand years"),
    5: N_("ten thousand years"),
    6: N_("millennium"),
    7: N_("century"),
    8: N_("decade"),
    9: N_("year"),
    10: N_("month"),
    11: N_("day"),
    12: N_("hour"),
    13: N_("minute"),
    14: N_("second"),
}

STRING_DATATYPES: Final = frozenset({"string", "external-id", "url", "commonsMedia", "geo-shape", "tabular-data",
                                     "math", "musical-notation"})
ENTITY_DATATYPES: Final = {"wikibase-item": "Q", "wikibase-property": "P", "wikibase-lexeme": "L"}
MAX_STRING: Final = 1500  # Wikibase's default string-limits for string and external-id values
MAX_URL: Final = 500

_SHORT_DATE = re.compile(r"^([+-]?)(\d{1,16})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_FULL_TIME = re.compile(r"^([+-]?)(\d{1,16})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
# Names of numbers in messages (constants: value parsing runs millions of times, never calls N_ or _ on success).
_LATITUDE, _LONGITUDE = N_("latitude"), N_("longitude")
_PRECISION, _ALTITUDE = N_("coordinate precision"), N_("altitude")
_BOUNDS = (("lower", N_("quantity lower bound")), ("upper", N_("quantity upper bound")))
_TIME_HINT = N_("expected a date like 2021, 2021-05 or 2021-05-17 (or Wikibase's +2021-05-17T00:00:00Z)")


def _bad_time(value: object, detail: str) -> InputError:
    """A date that is not one: the message says what a date looks like, what was found and ``detail`` (what is
    wrong with it, translated), which the error also carries as ``detail`` (a sheet's cell shows it as its hint)."""
    err = InputError(_("{expected}, found {value}: {detail}").format(
        expected=_(_TIME_HINT), value=repr(value), detail=detail))
    err.detail = detail  # type: ignore[attr-defined]
    return err


_MODEL_VALUE_IRIS: dict[str, str] = {}


def _model_value_iri(name: str) -> str:
    """The IRI of the model's value ``name`` (earth, gregorian, julian): made once per name when it is a Wikidata
    item (its IRI does not depend on the local concept base, a setting); every coordinate and date asks for it."""
    iri = _MODEL_VALUE_IRIS.get(name)
    if iri is None:
        eid = model().value(name).id
        iri = ids.entity_iri(eid)
        if not ids.is_local(eid):
            _MODEL_VALUE_IRIS[name] = iri
    return iri


def _iri_of_item(value: str) -> str:
    """An item IRI from ``Q..`` or an IRI (returned unchanged)."""
    if value.startswith(("http://", "https://")):
        return value
    try:
        return ids.entity_iri(ids.item_id(value))
    except ids.InvalidId as e:
        raise InputError(str(e)) from None


@dataclass(frozen=True, slots=True)
class ItemRef:
    """A reference to an item (``Q42``): the value of a wikibase-item property."""

    id: str

    def __post_init__(self) -> None:
        value = self.id
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            try:
                value = ids.id_from_iri(value)
            except ids.InvalidId as e:
                raise InputError(str(e)) from None
        try:
            object.__setattr__(self, "id", str(ids.parse_id(value, kinds="QPL")))
        except ids.InvalidId as e:
            raise InputError(str(e)) from None

    @property
    def entity_type(self) -> str:
        return ids.ENTITY_TYPES[self.id[0]]

    def datavalue(self) -> Json:
        return {
            "value": {"entity-type": self.entity_type, "numeric-id": int(self.id[1:]), "id": self.id},
            "type": "wikibase-entityid",
        }


@dataclass(frozen=True, slots=True)
class Time:
    """A point in time with a precision: ``Time("2021")``, ``Time("2021-05")``, ``Time("2021-05-17")``.

    The full Wikibase form ``+2021-05-17T00:00:00Z`` is accepted too; its precision is taken from the zero
    month/day (``+2021-00-00T...`` is a year) unless given. ``calendar`` is ``"gregorian"`` (default),
    ``"julian"``, an item id or an IRI. A ``datetime.date`` means day precision, an ``int`` a year.
    """

    value: str
    precision: int | None = None
    calendar: str = "gregorian"
    timezone: int = 0
    before: int = 0
    after: int = 0

    def __post_init__(self) -> None:
        value: Any = self.value
        if isinstance(value, _dt.datetime):
            value = value.date()
        if isinstance(value, _dt.date):
            value = value.isoformat()
        elif isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InputError(_("{expected}, found {value} ({type})").format(
                expected=_(_TIME_HINT), value=repr(value), type=type(value).__name__))
        text = value.strip()
        precision = self.precision
        if precision is not None and (not isinstance(precision, int) or not 0 <= precision <= 14):
            raise InputError(_("time precision must be an integer 0..14 (9 year, 10 month, 11 day), found {found}")
                             .format(found=repr(precision)))
        m = _SHORT_DATE.match(text)
        if m:
            sign, y, mo, d = m.group(1) or "+", m.group(2), m.group(3), m.group(4)
            implied = DAY if d else MONTH if mo else YEAR
            hh = mi = ss = 0
        else:
            m = _FULL_TIME.match(text)
            if not m:
                raise InputError(_("{expected}, found {value}").format(expected=_(_TIME_HINT), value=repr(value)))
            sign, y, mo, d = m.group(1) or "+", m.group(2), m.group(3), m.group(4)
            hh, mi, ss = int(m.group(5)), int(m.group(6)), int(m.group(7))
            implied = YEAR if int(mo) == 0 else MONTH if int(d) == 0 else DAY
            if hh or mi or ss:
                implied = 14
        year, month, day = int(y), int(mo or 0), int(d or 0)
        if month > 12 or (implied >= MONTH and month < 1):
            raise _bad_time(value, _("month {month} is not 1..12").format(month=month))
        if day and month and day > (length := days_in_month(year if sign == "+" else -year, month)):
            raise _bad_time(value, ngettext("{month} has {n} day", "{month} has {n} days", length).format(
                month=f"{year:04d}-{month:02d}", n=length))
        if implied >= DAY and day < 1:
            raise _bad_time(value, _("day 0"))
        if hh > 23 or mi > 59 or ss > 59:
            raise _bad_time(value, _("time of day out of range"))
        if precision is None:
            precision = implied
        elif precision > implied:
            raise InputError(
                _("time {value} is only precise to the {implied}, but precision {precision} ({name}) was asked for")
                .format(value=repr(value), implied=_(PRECISION_NAMES[implied]), precision=precision,
                        name=_(PRECISION_NAMES[precision]))
            )
        if year == 0 and precision >= YEAR:
            raise _bad_time(value, _("there is no year 0"))
        if m.re is _SHORT_DATE:
            # Short forms are written as Wikibase writes them: fields finer than the precision are zero.
            if precision < MONTH:
                month = 0
            if precision < DAY:
                day = 0
            ytext = y.lstrip("0").rjust(4, "0")
            norm = f"{sign}{ytext}-{month:02d}-{day:02d}T00:00:00Z"
        else:
            norm = sign + text.lstrip("+-")  # the full form is kept as given: its hash is Wikibase's
        object.__setattr__(self, "value", norm)
        object.__setattr__(self, "precision", precision)
        cal = self.calendar
        cal = _model_value_iri(cal) if cal in ("gregorian", "julian") else _iri_of_item(cal)
        object.__setattr__(self, "calendar", cal)
        for name in ("timezone", "before", "after"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool):
                raise InputError(_("time {name} must be an integer, found {found}").format(name=name, found=repr(v)))

    def datavalue(self) -> Json:
        return {
            "value": {
                "time": self.value,
                "timezone": self.timezone,
                "before": self.before,
                "after": self.after,
                "precision": self.precision,
                "calendarmodel": self.calendar,
            },
            "type": "time",
        }


def _number(value: object, what: str) -> float:
    """``value`` as a float; ``what`` (marked with N_) names it in the message, translated then."""
    if isinstance(value, bool):
        raise InputError(_("{what}: expected a number, found {found}").format(what=_(what), found=repr(value)))
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(_("{what}: expected a number, found {found}").format(
            what=_(what), found=repr(value))) from None
    if not math.isfinite(f):
        raise InputError(_("{what}: expected a finite number, found {found}").format(what=_(what), found=repr(value)))
    return f


def _decimals(value: object) -> int:
    text = str(value)
    if "e" in text or "E" in text:
        return 6
    dot = text.find(".")
    return len(text) - dot - 1 if dot >= 0 else 0


@dataclass(frozen=True, slots=True)
class Coordinate:
    """A point on a globe (Earth by default). ``precision`` in degrees; when not given it follows the number
    of decimals written (``51.56`` -> 0.01), capped at 1e-06."""

    lat: float
    lon: float
    precision: float | None = None
    globe: str = "earth"
    altitude: float | None = None

    def __post_init__(self) -> None:
        lat = _number(self.lat, _LATITUDE)
        lon = _number(self.lon, _LONGITUDE)
        if not -90 <= lat <= 90:
            raise InputError(
                _("latitude must be between -90 and 90, found {found} (were latitude and longitude swapped?)")
                .format(found=repr(self.lat))
            )
        if not -180 <= lon <= 180:
            raise InputError(_("longitude must be between -180 and 180, found {found}").format(found=repr(self.lon)))
        precision = self.precision
        if precision is None:
            precision = 10.0 ** -min(6, max(_decimals(self.lat), _decimals(self.lon)))
        precision = _number(precision, _PRECISION)
        if not 0 < precision <= 360:
            raise InputError(
                _("coordinate precision must be a positive number of degrees (like 1e-05), found {found}")
                .format(found=repr(self.precision))
            )
        globe = self.globe
        globe = _model_value_iri("earth") if globe == "earth" else _iri_of_item(globe)
        object.__setattr__(self, "lat", lat)
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "precision", precision)
        object.__setattr__(self, "globe", globe)
        if self.altitude is not None:
            object.__setattr__(self, "altitude", _number(self.altitude, _ALTITUDE))

    def datavalue(self) -> Json:
        return {
            "value": {
                "latitude": self.lat,
                "longitude": self.lon,
                "altitude": self.altitude,
                "precision": self.precision,
                "globe": self.globe,
            },
            "type": "globecoordinate",
        }


def format_amount(value: object, what: str = N_("quantity")) -> str:
    """A Wikibase decimal string (``+12``, ``-0.5``) from an int, float, Decimal or numeric string; ``what``
    (marked with N_) names the number in messages."""
    if isinstance(value, bool):
        raise InputError(_("{what}: expected a number, found {found}").format(what=_(what), found=repr(value)))
    try:
        if isinstance(value, float):
            if not math.isfinite(value):
                raise InvalidOperation
            d = Decimal(repr(value))
        elif isinstance(value, int | Decimal):
            d = Decimal(value)
        elif isinstance(value, str):
            if "_" in value:  # Decimal() would accept 1_000; Wikibase would not
                raise InvalidOperation
            d = Decimal(value.strip())
        else:
            raise InvalidOperation
        if not d.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise InputError(_("{what}: expected a number like 12 or -0.5, found {found}").format(
            what=_(what), found=repr(value))) from None
    if d == d.to_integral_value():
        d = d.to_integral_value()  # 12.0 -> 12, as Wikibase clients (and wikibaseintegrator) write it
    text = format(d, "f")
    if text.startswith("-"):
        return text if d != 0 else "+" + text[1:]
    return "+" + text


@dataclass(frozen=True, slots=True)
class Quantity:
    """An amount with an optional unit item (``None`` = dimensionless "1") and optional bounds."""

    amount: Any
    unit: str | ItemRef | None = None
    lower: Any = None
    upper: Any = None

    def __post_init__(self) -> None:
        amount = format_amount(self.amount)
        object.__setattr__(self, "amount", amount)
        for name, what in _BOUNDS:
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, format_amount(v, what))
        if self.lower is not None and Decimal(self.lower) > Decimal(amount):
            raise InputError(_("quantity lower bound {lower} is above the amount {amount}").format(
                lower=self.lower, amount=amount))
        if self.upper is not None and Decimal(self.upper) < Decimal(amount):
            raise InputError(_("quantity upper bound {upper} is below the amount {amount}").format(
                upper=self.upper, amount=amount))
        if (self.lower is None) != (self.upper is None):
            raise InputError(_("a quantity needs both bounds or neither"))
        unit = self.unit
        if isinstance(unit, ItemRef):
            unit = ids.entity_iri(unit.id)
        elif unit is not None and unit != "1":
            unit = _iri_of_item(unit)
        object.__setattr__(self, "unit", unit or "1")

    def datavalue(self) -> Json:
        value: Json = {"amount": self.amount, "unit": self.unit}
        if self.upper is not None:
            value["upperBound"] = self.upper
            value["lowerBound"] = self.lower
        return {"value": value, "type": "quantity"}


@dataclass(frozen=True, slots=True)
class Monolingual:
    """Text in one language (monolingualtext)."""

    text: str
    language: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise InputError(_("monolingual text must be a non-empty string, found {found}").format(
                found=repr(self.text)))
        if len(self.text) > MAX_STRING:
            raise InputError(ngettext("monolingual text is {n} character long; Wikibase allows {max}",
                                      "monolingual text is {n} characters long; Wikibase allows {max}",
                                      len(self.text)).format(n=len(self.text), max=MAX_STRING))
        if not isinstance(self.language, str) or not is_language_code(self.language):
            raise InputError(_("expected a language code like en, nl or zh-hant, found {found}").format(
                found=repr(self.language)))

    def datavalue(self) -> Json:
        return {"value": {"text": self.text, "language": self.language}, "type": "monolingualtext"}


class _Special:
    """``SOMEVALUE`` (unknown value) and ``NOVALUE`` (no value): snak types, not values."""

    __slots__ = ("snaktype",)

    def __init__(self, snaktype: str) -> None:
        self.snaktype = snaktype

    def __repr__(self) -> str:
        return self.snaktype.upper()

    def __reduce__(self) -> str:
        return self.snaktype.upper()


SOMEVALUE: Final = _Special("somevalue")
NOVALUE: Final = _Special("novalue")

Value = ItemRef | Time | Coordinate | Quantity | Monolingual | str | _Special

# Which value class serves which datatype, and what a value class implies when a property is unknown.
_CLASS_FOR: Final[dict[str, type]] = {
    "wikibase-item": ItemRef,
    "wikibase-property": ItemRef,
    "wikibase-lexeme": ItemRef,
    "time": Time,
    "globe-coordinate": Coordinate,
    "quantity": Quantity,
    "monolingualtext": Monolingual,
}
_DATATYPE_OF: Final[dict[type, str]] = {
    ItemRef: "wikibase-item",
    Time: "time",
    Coordinate: "globe-coordinate",
    Quantity: "quantity",
    Monolingual: "monolingualtext",
}


def datatype_of(value: object) -> str | None:
    """The datatype a typed value implies (None for plain strings and specials)."""
    return _DATATYPE_OF.get(type(value))


def _check_string(value: str, datatype: str) -> str:
    if not value.strip():
        raise InputError(_("expected a non-empty {datatype} value, found {found}").format(
            datatype=datatype, found=repr(value)))
    if datatype == "url":
        v = value.strip()
        if not _URL.match(v):
            raise InputError(_("expected a URL like https://example.org/, found {found}").format(found=repr(value)))
        if len(v) > MAX_URL:
            raise InputError(ngettext("URL is {n} character long; Wikibase allows {max}",
                                      "URL is {n} characters long; Wikibase allows {max}", len(v)).format(
                n=len(v), max=MAX_URL))
        why = iri.problem(v)  # what the RDF conversion would refuse, refused here where the cell is known
        if why:
            raise InputError(_("expected a URL that is a valid IRI, found {found}: {reason}; percent-encode "
                               "the character or fix the address").format(found=repr(value), reason=why))
        return v
    if len(value) > MAX_STRING:
        raise InputError(ngettext("{datatype} value is {n} character long; Wikibase allows {max}",
                                  "{datatype} value is {n} characters long; Wikibase allows {max}", len(value))
                         .format(datatype=datatype, n=len(value), max=MAX_STRING))
    if datatype == "commonsMedia":
        v = value.strip()
        if v.lower().startswith(("file:", "image:")):
            raise InputError(_("expected a Commons file name without the 'File:' prefix, found {found}").format(
                found=repr(value)))
        if "." not in v or "/" in v or "|" in v:
            raise InputError(_("expected a Commons file name like 'Museum front.jpg', found {found}").format(
                found=repr(value)))
        return v
    if datatype == "external-id":
        return value.strip()
    return value


def coerce(value: object, datatype: str) -> Value:
    """The typed value for a property of ``datatype`` (raises InputError when it does not fit).

    Plain values are converted: an id string for entity datatypes, a date string / date / int for time, a
    ``(lat, lon)`` pair for coordinates, a number for quantities, a ``(text, lang)`` pair for monolingual text.
    """
    if isinstance(value, _Special):
        return value
    if datatype in STRING_DATATYPES:
        if isinstance(value, str):
            return _check_string(value, datatype)
        raise InputError(_("expected a {datatype} value (text), found {found} ({type})").format(
            datatype=datatype, found=repr(value), type=type(value).__name__))
    cls = _CLASS_FOR.get(datatype)
    if cls is None:
        raise InputError(_("unknown or unsupported datatype {datatype}").format(datatype=repr(datatype)))
    if isinstance(value, cls):
        if datatype in ENTITY_DATATYPES and value.id[0] != ENTITY_DATATYPES[datatype]:  # type: ignore[attr-defined]
            raise InputError(_("expected a {letter}-id for a {datatype} value, found {found}").format(
                letter=ENTITY_DATATYPES[datatype], datatype=datatype, found=value.id))  # type: ignore[attr-defined]
        return value  # type: ignore[return-value]
    found = datatype_of(value)
    if found is not None:
        raise InputError(_("expected a {datatype} value, found a {other} value {found}").format(
            datatype=datatype, other=found, found=repr(value)))
    if cls is ItemRef and isinstance(value, str):
        return coerce(ItemRef(value.strip()), datatype)
    if cls is Time and isinstance(value, str | int | _dt.date) and not isinstance(value, bool):
        return Time(value)  # type: ignore[arg-type]
    if cls is Coordinate and isinstance(value, tuple | list) and len(value) in (2, 3):
        return Coordinate(*value)
    if cls is Quantity and isinstance(value, int | float | Decimal | str) and not isinstance(value, bool):
        return Quantity(value)
    if cls is Monolingual and isinstance(value, tuple | list) and len(value) == 2:
        return Monolingual(value[0], value[1])
    raise InputError(_("expected a {datatype} value, found {found} ({type})").format(
        datatype=datatype, found=repr(value), type=type(value).__name__))


def datavalue(value: Value) -> Json:
    """The Wikibase ``datavalue`` JSON of a (coerced) value."""
    if isinstance(value, str):
        return {"value": value, "type": "string"}
    if isinstance(value, _Special):
        raise InputError(_("{value} has no datavalue").format(value=repr(value)))
    return value.datavalue()

"""Wikibase time values: validation, normalisation, and the xsd:dateTime form Wikibase writes to RDF.

Follows Wikibase's ``JulianDateTimeValueCleaner`` with ``xsd11 = true`` (RULES.md sec. 7):

- the year loses leading zeros; month 0 -> 1, month > 12 -> 12, day 0 -> 1; year 0 cannot be written;
- Julian dates with day precision or better are converted to Gregorian (via the Julian day number);
- precision year or coarser -> month = day = 1; month precision -> day = 1; a day past the end of the
  month is clamped (Gregorian rules);
- XSD 1.1 has a year 0: negative years move up by one (``-0200`` -> ``-0199``) when precision >= year;
- any other calendar with precision day or better cannot be written.

A value that cannot be written becomes a plain literal of the stored time string (``None`` here).

    >>> xsd_datetime("-0200-00-00T00:00:00Z", 9, GREGORIAN)
    '-0199-01-01T00:00:00Z'
    >>> xsd_datetime("+2014-01-05T12:34:56Z", 14, JULIAN)
    '2014-01-18T12:34:56Z'
    >>> xsd_datetime("+0000-01-01T00:00:00Z", 11, GREGORIAN) is None
    True
"""

from __future__ import annotations

import functools
import re

from kg.i18n import _

GREGORIAN = "http://www.wikidata.org/entity/Q1985727"
JULIAN = "http://www.wikidata.org/entity/Q1985786"
PRECISION_YEAR = 9
PRECISION_MONTH = 10
PRECISION_DAY = 11
MAX_PRECISION = 14

_TIME_RE = re.compile(r"^([+-])(\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$")
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_JULIAN_MAX_YEAR = 1465072


class TimeFormatError(ValueError):
    """A time string that is not of the form ``+YYYY-MM-DDThh:mm:ssZ``."""


def normalize(time: object) -> str:
    """Validate a Wikibase time string and normalise its year as TimeValue does.

    Leading zeros of the year are dropped, then the year is padded to 4 digits (at most 16 digits).
    """
    if isinstance(time, str):
        return _normalize(time)
    raise TimeFormatError(_("expected a time string like +2021-05-17T00:00:00Z, found {found}").format(
        found=repr(time)))


@functools.lru_cache(maxsize=65536)
def _normalize(time: str) -> str:
    if not isinstance(time, str):
        raise TimeFormatError(_("expected a time string like +2021-05-17T00:00:00Z, found {found}").format(
            found=repr(time)))
    m = _TIME_RE.match(time)
    if not m:
        raise TimeFormatError(_("expected a time string like +2021-05-17T00:00:00Z, found {found}").format(
            found=repr(time)))
    sign, year, month, day, hh, mi, ss = m.groups()
    year = year.lstrip("0").rjust(4, "0")
    if len(year) > 16:
        raise TimeFormatError(_("expected a year of at most 16 digits, found {found}").format(found=repr(time)))
    if int(month) > 12 or int(day) > 31 or int(hh) > 23 or int(mi) > 59 or int(ss) > 61:
        raise TimeFormatError(_("expected month <= 12, day <= 31 and a valid time of day, found {found}").format(
            found=repr(time)))
    return f"{sign}{year}-{month}-{day}T{hh}:{mi}:{ss}Z"


def _parse(time: str) -> tuple[bool, str, int, int, str] | None:
    date, _, clock = time.partition("T")
    minus = date.startswith("-")
    parts = date[1:].split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    year = parts[0].lstrip("0")
    if not year:
        return None  # year 0 cannot be written (Wikibase T94064)
    month = min(max(int(parts[1]), 1), 12)
    day = max(int(parts[2]), 1)
    return minus, year, month, day, clock


def days_in_month(year: int, month: int) -> int:
    """Days in ``month`` (1-12) of ``year`` in the proleptic Gregorian calendar, as Wikibase (PHP) counts them.

    ``year`` negative means BCE with no year 0, as Wikibase's time values write it: 1 BCE (``-1``) is the
    astronomical year 0 and a leap year, 5 BCE (``-5``) too. Argument order as :func:`calendar.monthrange`.
    """
    if month != 2:
        return _MONTH_DAYS[month - 1]
    astro = year + 1 if year < 0 else year
    return 29 if (astro % 4 == 0 and astro % 100 != 0) or astro % 400 == 0 else 28


def _cleanup_gregorian(time: str, precision: int) -> str | None:
    parsed = _parse(time)
    if parsed is None:
        return None
    minus, year, month, day, clock = parsed
    if precision <= PRECISION_YEAR:
        month = day = 1
    elif precision == PRECISION_MONTH:
        day = 1
    if not (day <= 28 or (month != 2 and day <= 30)):
        safe_year = -4713 if minus and int(year) >= 4714 else int(year) * (-1 if minus else 1)
        day = min(day, days_in_month(safe_year, month))
    if precision >= PRECISION_YEAR and minus:
        year = str(int(year) - 1)
        if year == "0":
            minus = False
    return f"{'-' if minus else ''}{year.rjust(4, '0')}-{month:02d}-{day:02d}T{clock}"


def _julian_to_jdn(year: int, month: int, day: int) -> int:
    """Julian calendar date (BCE years negative, no year 0) -> Julian day number; 0 if out of range."""
    if year == 0 or year < -4713 or year > _JULIAN_MAX_YEAR or not 1 <= month <= 12 or not 1 <= day <= 31:
        return 0
    if year == -4713 and month == 1 and day == 1:
        return 0
    astro = year + 1 if year < 0 else year
    a = (14 - month) // 12
    y = astro + 4800 - a
    m = month + 12 * a - 3
    return day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083


def _jdn_to_gregorian(jdn: int) -> tuple[int, int, int]:
    """Julian day number -> Gregorian (year with BCE negative and no year 0, month, day)."""
    a = jdn + 32044
    b = (4 * a + 3) // 146097
    c = a - 146097 * b // 4
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    day = e - (153 * m + 2) // 5 + 1
    month = m + 3 - 12 * (m // 10)
    astro = 100 * b + d - 4800 + m // 10
    return (astro - 1 if astro <= 0 else astro), month, day


def _julian(time: str, precision: int) -> str | None:
    parsed = _parse(time)
    if parsed is None:
        return None
    minus, year, month, day, clock = parsed
    y = int(year) * (-1 if minus else 1)
    jdn = _julian_to_jdn(y, month, day)
    if jdn == 0:
        return _cleanup_gregorian(time, precision)
    gy, gm, gd = _jdn_to_gregorian(jdn)
    sign = "-" if gy < 0 else "+"
    return _cleanup_gregorian(f"{sign}{abs(gy):04d}-{gm:02d}-{gd:02d}T{clock}", precision)


@functools.lru_cache(maxsize=65536)
def xsd_datetime(time: str, precision: int, calendar: str) -> str | None:
    """The xsd:dateTime lexical form Wikibase writes, or None when it writes a plain literal."""
    if calendar == JULIAN and precision >= PRECISION_DAY:
        return _julian(time, precision)
    if calendar == GREGORIAN or precision < PRECISION_DAY:
        return _cleanup_gregorian(time, precision)
    return None

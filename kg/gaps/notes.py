"""Notes that read in English where they are kept and in the reader's language where they are shown.

A gap table's ``caveats``, a report's ``warnings`` and the Partners page's cells ("Wikimedia NL (NL, 12 km)")
are made once, kept (in tables, caches, CSV and JSON downloads: English, the same in every language) and shown
later, on a page or a terminal that has chosen a language. A :class:`Note` is a ``str`` (its English text, so
CSV, JSON, sorting and comparisons see plain English) that also keeps its message id and values, and
:func:`shown` says it again in the language in use then::

    >>> n = note("fewer than {n} institutions", n=30)
    >>> n, shown(n)
    ('fewer than 30 institutions', 'fewer than 30 institutions')
    >>> shown(joined([n, note("no {baseline} figure for {missing} of {countries} countries",
    ...                       baseline=note("population"), missing=2, countries=12)]))
    'fewer than 30 institutions; no population figure for 2 of 12 countries'

Values that are notes are shown in turn; :func:`country` is a country's name (CLDR's name in the language shown,
through Babel; the English name kept); numbers are written the language's way (Babel). A message id passed to
:func:`note` is marked with ``N_`` so the catalogues extract it; a message with a count is a module-level
function that says it with ``ngettext`` (:func:`said`: the catalogues extract its ``ngettext`` call, and the
function, unlike a lambda, survives Streamlit's pickled caches).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable
from typing import Any

from babel.numbers import format_decimal

from kg import i18n
from kg.i18n import N_

__all__ = ["Note", "country", "country_names", "joined", "note", "number", "said", "shown"]


class Note(str):
    """An English message that can say itself in another language (:func:`shown`); make one with :func:`note`,
    :func:`said`, :func:`joined` or :func:`country`."""

    msgid: str = ""
    func: Callable[..., str] | None = None
    params: dict[str, Any]
    parts: tuple[Any, ...] = ()
    sep: str = ""
    territory: str = ""

    def shown(self) -> str:
        """This note in the language in use."""
        lang = i18n.current()
        if self.territory:
            return _territories(lang).get(self.territory, str(self)) if lang != i18n.DEFAULT else str(self)
        if self.parts:
            return i18n.gettext(self.sep).join(shown(p) for p in self.parts)
        if self.func is not None:
            return self.func(**self.params)
        if not self.msgid:
            return str(self)
        return i18n.gettext(self.msgid).format(**{k: _value(v, lang) for k, v in self.params.items()})


@functools.lru_cache(maxsize=8)
def _territories(lang: str) -> dict[str, str]:
    from babel import Locale, UnknownLocaleError

    try:
        return {k: v for k, v in Locale.parse(lang).territories.items() if len(k) == 2 and k.isalpha()}
    except (UnknownLocaleError, ValueError):
        return {}


def country_names(lang: str) -> dict[str, str]:
    """ISO 3166 alpha-2 code -> the country's name in ``lang`` (CLDR, through Babel); {} for an unknown locale."""
    return dict(_territories(lang))


def _value(v: Any, lang: str) -> str:
    if isinstance(v, Note):
        return v.shown() if lang != i18n.DEFAULT else str(v)
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    return format_decimal(v, format="#,##0.##" if isinstance(v, float) else "#,##0", locale=lang)


def _make(text: str, **attrs: Any) -> Note:
    out = Note(text)
    out.__dict__.update(attrs)
    return out


def note(msgid: str, **params: Any) -> Note:
    """``msgid`` (an English message with named placeholders) filled with ``params``."""
    return _make(msgid.format(**{k: _value(v, i18n.DEFAULT) for k, v in params.items()}), msgid=msgid, params=params)


def said(func: Callable[..., str], **params: Any) -> Note:
    """What ``func(**params)`` says (a module-level function that makes a message in the language in use, with
    ``ngettext`` where a count appears and :func:`number` for numbers); the note's text is what it says in
    English."""
    def english() -> str:
        i18n.use(i18n.DEFAULT)
        return func(**params)

    return _make(contextvars.copy_context().run(english), func=func, params=params)


def number(v: float) -> str:
    """A count or a measure as the language in use writes it (Babel: ``12,345`` in English, ``12 345`` in
    French)."""
    return _value(v, i18n.current())


# TRANSLATORS: the separator between two items of a list in one cell ("fewer than 30 institutions; no population
# figure for 2 of 12 countries"), spaces included
SEPARATOR = N_("; ")


def joined(parts: Iterable[Any], sep: str = SEPARATOR) -> Note:
    """Notes (or plain strings) one after the other, ``sep`` between them (a message: the language's own)."""
    items = tuple(parts)
    return _make(sep.join(str(p) for p in items), parts=items, sep=sep, params={})


def country(iso2: str, english: str) -> Note:
    """A country's name: ``english`` here, CLDR's name in the language shown (or ``english`` when it has none)."""
    return _make(english, territory=iso2, params={})


def shown(value: Any) -> Any:
    """``value`` in the language in use when it is a :class:`Note`, else as it is."""
    return value.shown() if isinstance(value, Note) else value

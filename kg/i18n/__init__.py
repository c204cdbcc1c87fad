"""Languages: the dashboard's and the command line's messages in English, French, Spanish and Arabic.

Owns: the shipped languages (:data:`LANGUAGES`, :data:`RTL`), the gettext catalogues in
``kg/i18n/gettext-catalogues/`` (``<lang>/LC_MESSAGES/glamkg.po`` and its compiled ``.mo``, managed with Babel
by :mod:`kg.i18n.catalogues`: ``python -m kg.i18n.catalogues``), choosing a language (:func:`use`, the locale
environment :func:`from_environment`) and translating (:func:`gettext`, :func:`ngettext`; ``_`` is
:func:`gettext`). English is the source language: a message is its own English text, and a message a
catalogue lacks shows in English.

May import: the standard library, Babel and PyYAML (for the catalogues, which read names in ``schemas/``) only;
every part may import it (it sits below :mod:`kg.errors`).
"""

from __future__ import annotations

import functools
import gettext as _gettext
import os
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path

#: The shipped languages: code -> the language's name in itself (as a language menu shows it).
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}
#: Languages written right to left.
RTL = frozenset({"ar"})
DEFAULT = "en"
DOMAIN = "glamkg"
# Not "locale": a folder whose name Python cannot import is data to setuptools, not a package it warns about.
LOCALE_DIR = Path(__file__).resolve().parent / "gettext-catalogues"

_chosen: ContextVar[str] = ContextVar("glamkg_language", default="")
_isolated: ContextVar[bool] = ContextVar("glamkg_isolated", default=False)
#: Unicode's right-to-left isolate and its end (UAX #9): a right-to-left message inside left-to-right text (an
#: SVG chart's title, a left-to-right container) still reads right to left, its brackets and numbers in place.
RLI, PDI = "\u2067", "\u2069"

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "N_",
    "RTL",
    "_",
    "current",
    "direction",
    "from_environment",
    "gettext",
    "known",
    "ngettext",
    "number",
    "use",
]


def known(value: object) -> str | None:
    """The shipped language a tag names (``fr``, ``fr_FR.UTF-8``, ``fr-CA``, ``AR``), or None.

    >>> known("fr_FR.UTF-8"), known("es-MX"), known("ar"), known("de"), known("C")
    ('fr', 'es', 'ar', None, None)
    """
    if not isinstance(value, str):
        return None
    tag = value.split(".", 1)[0].split("@", 1)[0].strip()
    if not tag or tag.upper() in ("C", "POSIX"):
        return None
    primary = tag.replace("-", "_").split("_", 1)[0].lower()  # every shipped language is one primary code
    return primary if primary in LANGUAGES else None


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale environment asks for, read as GNU gettext reads it: ``LANGUAGE`` (a list,
    ``pt:fr``: the first shipped one wins), then ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; English when none names
    a shipped language. ``LANGUAGE`` counts unless the locale is set to ``C``/``POSIX`` (gettext also ignores
    it when no locale variable is set at all; glamkg reads it then, a friendlier default for a shell that
    sets only ``LANGUAGE``).

    >>> from_environment({"LANGUAGE": "pt:fr", "LANG": "en_US.UTF-8"}), from_environment({"LANG": "es_ES.UTF-8"})
    ('fr', 'es')
    >>> from_environment({"LC_ALL": "ar_EG.UTF-8", "LANG": "fr_FR"}), from_environment({})
    ('ar', 'en')
    """
    env = os.environ if environ is None else environ
    locale = next((env[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(k)), "")
    candidates: list[str] = []
    if env.get("LANGUAGE") and locale.split(".", 1)[0].upper() not in ("C", "POSIX"):
        candidates += env["LANGUAGE"].split(":")
    candidates.append(locale)
    for tag in candidates:
        lang = known(tag)
        if lang:
            return lang
    return DEFAULT


def use(lang: str | None, *, isolated: bool = False) -> str:
    """Speak ``lang`` from now on in this context (thread or task); None or '' goes back to the environment's
    language. Returns the language now in use. An unknown language is refused with the shipped ones named.
    ``isolated``: right-to-left messages come wrapped in :data:`RLI` ... :data:`PDI` (the dashboard, whose charts
    are drawn left to right; not a terminal, where the marks could show)."""
    if lang:
        found = known(lang)
        if found is None:
            raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGUAGES)}")
        lang = found
    _chosen.set(lang or "")
    _isolated.set(isolated)
    return current()


def current() -> str:
    """The language in use: the one chosen with :func:`use`, else the locale environment's."""
    return _chosen.get() or from_environment()


def direction(lang: str | None = None) -> str:
    """``rtl`` or ``ltr``: the writing direction of ``lang`` (default: the current language)."""
    return "rtl" if (lang or current()) in RTL else "ltr"


@functools.cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English: none, messages are their own English text)."""
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _shown(text: str, lang: str) -> str:
    return f"{RLI}{text}{PDI}" if lang in RTL and _isolated.get() else text


def gettext(message: str) -> str:
    """``message`` in the current language (itself when the catalogue lacks it)."""
    lang = current()
    return _shown(translations(lang).gettext(message), lang)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for ``n`` in the current language, by its plural rule (Arabic has six
    forms)."""
    lang = current()
    return _shown(translations(lang).ngettext(singular, plural, n), lang)


def number(x: float, pattern: str | None = None) -> str:
    """A number as the current language writes it (Babel: ``12,345.6`` in English, ``12 345,6`` in French,
    ``12.345,6`` in Spanish); ``pattern`` a Babel pattern such as ``#,##0.00``; ``–`` for NaN.

    >>> use("fr"); number(12345.678, "#,##0.0"); use("en"); number(0.5)
    'fr'
    '12\u202f345,7'
    'en'
    '0.5'
    """
    from babel.numbers import format_decimal

    if x != x:
        return "–"
    return str(format_decimal(x, format=pattern, locale=current()))


def N_(message: str) -> str:
    """Marks ``message`` for the catalogues without translating it now (it is translated where it is shown)."""
    return message


_ = gettext

"""Language codes, as Wikimedia writes them: one rule for labels, monolingual text, mappings and queries.

Wikimedia's codes are lower-case BCP 47-like tags: a primary code of two or three letters, then any number of
subtags of one to eight letters or digits, joined by hyphens. That admits every code Wikidata uses for terms
and sitelinks, including the irregular ones (``be-x-old``, ``zh-min-nan``, ``roa-tara``, ``de-formal``,
``sr-el``, ``mul``), and refuses what is no language (``english``, ``en_GB``, ``e``, ``en--gb``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
EXAMPLES = "en, nl, pt-br or zh-hant"


def is_language_code(value: object) -> bool:
    """True for a Wikimedia language code (lower case), False for anything else."""
    return isinstance(value, str) and LANGUAGE_RE.fullmatch(value) is not None


#: Wikimedia language codes with a region; a locale of any other region gives its primary language
#: (``fr_FR`` -> ``fr``, ``pt_BR`` -> ``pt-br``).
REGIONAL_CODES = frozenset(
    {"pt-br", "en-gb", "en-ca", "de-at", "de-ch", "nl-be", "zh-cn", "zh-tw", "zh-hk", "zh-sg", "zh-mo", "zh-my"}
)


def locale_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the user's locale, as a Wikimedia code (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, in the
    order POSIX reads them): ``pt_BR.UTF-8`` -> ``pt-br``, ``fr_FR`` -> ``fr``; None for ``C``/``POSIX`` or
    nothing set.

    >>> locale_language({"LANG": "fr_FR.UTF-8"}), locale_language({"LC_ALL": "C.UTF-8", "LANG": "de_DE"})
    ('fr', None)
    >>> locale_language({"LANG": "pt_BR.UTF-8"})
    'pt-br'
    """
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        tag = value.split(".", 1)[0].split("@", 1)[0].replace("_", "-").lower()
        if tag in ("c", "posix", ""):
            return None
        if tag not in REGIONAL_CODES:
            tag = tag.split("-", 1)[0]
        return tag if is_language_code(tag) else None
    return None


def user_language(given: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """What WDQS's ``[AUTO_LANGUAGE]`` means here: ``given`` (``--auto-language``), else the locale's language,
    else ``en``. The label service then falls back to ``en``, as WDQS does for a browser."""
    if given:
        return given
    return locale_language(environ) or "en"

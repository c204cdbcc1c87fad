"""Language codes, as Wikimedia writes them: one rule for labels, monolingual text, mappings and queries.

Wikimedia's codes are lower-case BCP 47-like tags: a primary code of two or three letters, then any number of
subtags of one to eight letters or digits, joined by hyphens. That admits every code Wikidata uses for terms
and sitelinks, including the irregular ones (``be-x-old``, ``zh-min-nan``, ``roa-tara``, ``de-formal``,
``sr-el``, ``mul``), and refuses what is no language (``english``, ``en_GB``, ``e``, ``en--gb``).
"""

from __future__ import annotations

import re

LANGUAGE_RE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
EXAMPLES = "en, nl, pt-br or zh-hant"


def is_language_code(value: object) -> bool:
    """True for a Wikimedia language code (lower case), False for anything else."""
    return isinstance(value, str) and LANGUAGE_RE.fullmatch(value) is not None

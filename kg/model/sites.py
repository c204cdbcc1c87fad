"""Wikimedia sites, for the sitelink triples of entities (``<article> schema:isPartOf <site>``).

Wikibase looks sites up in its ``sites`` table. glamkg derives the common Wikimedia sites from the
site id (``enwiki`` -> ``https://en.wikipedia.org/wiki/$1``, group ``wikipedia``), which covers the
sitelinks of GLAM items; :class:`kg.rdf.Environment` takes any other table.

    >>> wikimedia_site("enwiki").link_path
    'https://en.wikipedia.org/wiki/$1'
    >>> wikimedia_site("commonswiki").group
    'commons'
    >>> wikimedia_site("simplewiki").language
    'en-simple'
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    """One site: ``link_path`` has ``$1`` where the encoded page title goes."""

    site_id: str
    link_path: str
    language: str
    group: str | None = None


# Project families: site-id suffix -> (host suffix, group).
_FAMILIES = {
    "wiki": ("wikipedia.org", "wikipedia"),
    "wikisource": ("wikisource.org", "wikisource"),
    "wikiquote": ("wikiquote.org", "wikiquote"),
    "wikibooks": ("wikibooks.org", "wikibooks"),
    "wikinews": ("wikinews.org", "wikinews"),
    "wikiversity": ("wikiversity.org", "wikiversity"),
    "wikivoyage": ("wikivoyage.org", "wikivoyage"),
    "wiktionary": ("wiktionary.org", "wiktionary"),
}

# Sites outside the language families: site id -> (host, group).
_SPECIAL = {
    "commonswiki": ("commons.wikimedia.org", "commons"),
    "specieswiki": ("species.wikimedia.org", "species"),
    "metawiki": ("meta.wikimedia.org", "meta"),
    "mediawikiwiki": ("www.mediawiki.org", "mediawiki"),
    "wikidatawiki": ("www.wikidata.org", "wikidata"),
    "sourceswiki": ("wikisource.org", "sources"),
    "outreachwiki": ("outreach.wikimedia.org", "outreach"),
    "wikimaniawiki": ("wikimania.wikimedia.org", "wikimania"),
    "wikifunctionswiki": ("www.wikifunctions.org", "wikifunctions"),
    "incubatorwiki": ("incubator.wikimedia.org", "incubator"),
}

# Site language codes that differ from the subdomain (Wikidata's canonical codes, best effort).
_LANGUAGE = {
    "simple": "en-simple",
    "be-x-old": "be-tarask",
    "zh-classical": "lzh",
    "zh-min-nan": "nan",
    "zh-yue": "yue",
    "als": "gsw",
    "bat-smg": "sgs",
    "fiu-vro": "vro",
    "roa-rup": "rup",
    "no": "nb",
}
_HOST = {"be-x-old": "be-tarask"}

_SUFFIX_RE = re.compile(
    r"^([a-z][a-z0-9_]*?)(wiki|wikisource|wikiquote|wikibooks|wikinews|wikiversity|wikivoyage|wiktionary)$"
)


@functools.lru_cache(maxsize=4096)
def wikimedia_site(site_id: str) -> Site | None:
    """The Wikimedia site for a site id, or None if the id is not a Wikimedia site id glamkg knows."""
    if site_id in _SPECIAL:
        host, group = _SPECIAL[site_id]
        return Site(site_id, f"https://{host}/wiki/$1", "en", group)
    m = _SUFFIX_RE.match(site_id)
    if not m:
        return None
    code, family = m.group(1).replace("_", "-"), m.group(2)
    host_suffix, group = _FAMILIES[family]
    host = _HOST.get(code, code)
    return Site(site_id, f"https://{host}.{host_suffix}/wiki/$1", _LANGUAGE.get(code, code), group)

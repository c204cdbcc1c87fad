"""Fetching GLAM institutions from a Wikidata Query Service (or any Wikibase query service).

This module builds the SPARQL the importer sends and turns the answers into plain per-item data
(:class:`FetchedItem`); :mod:`kg.wikidata.importer` plans the units, keeps the checkpoint and writes the store.

Two queries per (country, type) unit, both built only from validated ids (:mod:`kg.model.ids`), validated
language codes and a validated entity base -- never from user text:

1. the **listing**: ``SELECT DISTINCT ?item`` of every item that is an instance of one of the type's
   classes (``wdt:P31``; with ``subclasses=True`` ``wdt:P31/wdt:P279*``) and has the country
   (``wdt:P17``). It returns ids only, so even the largest unit is a cheap query. The ids are sorted by
   number on the client and cut into pages of ``page_size``: the pages are stable (no ``OFFSET`` on a
   moving result), so a resumed import continues with exactly the pages it planned.
2. the **details** of one page: a UNION with one branch per field, each starting with the page's
   ``VALUES ?item { wd:Q.. }`` block, answering in "long" form (one row per item, field and value:
   ``?item ?key ?value ?precision ?calendar``). Long form avoids the cross product that a wide
   ``OPTIONAL`` query produces for items with several classes, aliases or administrative units.
   Coordinates and dates come from the best-rank statements' full values (``psv:``) so that their
   precision survives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.errors import InputError, RemoteError
from kg.http import HttpClient
from kg.i18n import _
from kg.model import ids
from kg.model.languages import is_language_code
from kg.model.schema import model

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
WIKIBASE_ONTOLOGY = "http://wikiba.se/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SCHEMA_DESCRIPTION = "http://schema.org/description"
SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
WKT_LITERAL = "http://www.opengis.net/ont/geosparql#wktLiteral"

#: ``--type`` -> the model's class keys (schemas/model.yaml ``classes``) whose instances the type imports.
TYPE_CLASSES: dict[str, tuple[str, ...]] = {
    "museum": ("museum", "art_museum", "history_museum", "natural_history_museum", "science_museum"),
    "library": ("library", "national_library", "public_library", "academic_library"),
    "archives": ("archives", "national_archives"),
    "gallery": ("art_gallery",),
}
TYPES: tuple[str, ...] = tuple(TYPE_CLASSES)

#: Model property keys fetched for every institution (item-valued, plain and full-value ones).
ITEM_PROPS = ("instance_of", "country", "located_in")
PLAIN_PROPS = ("isil", "website")
COORD_PROPS = ("coordinates",)
TIME_PROPS = ("inception", "dissolved")
INSTITUTION_PROPS = ITEM_PROPS + PLAIN_PROPS + COORD_PROPS + TIME_PROPS
#: ... and for every country item.
COUNTRY_PROPS = ("instance_of", "iso_3166_1_alpha2")

_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|^`\\]')
_ISO2_RE = re.compile(r"^[A-Z]{2}$")


# --------------------------------------------------------------------------------------------------------
# validated inputs
# --------------------------------------------------------------------------------------------------------
def languages(value: str | Sequence[str]) -> tuple[str, ...]:
    """``"en,fr"`` -> ``("en", "fr")``, each a lower-case BCP 47-like code (``en``, ``zh-hant``)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    out: list[str] = []
    for raw in items:
        code = raw.strip().lower()
        if not code:
            continue
        if not is_language_code(code):
            raise InputError(
                _("--languages: expected language codes like en,fr,zh-hant, found {found}").format(
                    found=repr(raw.strip())),
            )
        if code not in out:
            out.append(code)
    if not out:
        raise InputError(_("--languages: expected at least one language code like en, found none"))
    return tuple(out)


def iso2(value: str) -> str:
    """A strict ISO 3166-1 alpha-2 code: two ASCII letters of a country glamkg knows. ``"nl"`` -> ``"NL"``."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if not _ISO2_RE.match(code):
        raise InputError(_("--country: expected an ISO 3166-1 alpha-2 code like NL or FR, found {found}").format(
            found=repr(value)))
    if code not in country_qids():
        raise InputError(
            _("--country: {code} is not an ISO 3166-1 alpha-2 code of schemas/countries.csv (hint: the United Kingdom "
              "is GB)").format(code=code)
        )
    return code


def country_qids() -> dict[str, str]:
    """ISO alpha-2 -> the country's Wikidata item, from the country table (:func:`kg.model.regions.countries`)."""
    from kg.model import regions
    df = regions.countries()
    return {str(r.iso2): ids.item_id(str(r.qid)) for r in df.itertuples(index=False) if r.iso2 and r.qid}


def region_countries(name: str) -> list[str]:
    """ISO codes of the countries in a region, sub-region, intermediate region or continent (any case)."""
    from kg.model import regions
    df = regions.countries()
    wanted = name.strip().casefold()
    cols = ["region", "subregion", "intermediate_region", "continent"]
    hit = df[df[cols].apply(lambda col: col.str.casefold() == wanted).any(axis=1)]
    if hit.empty:
        known = sorted({str(v) for c in cols for v in df[c] if v})
        raise InputError(_("--region: unknown region {found}; known: {known}").format(
            found=repr(name), known=", ".join(known)))
    return sorted(str(c) for c in hit["iso2"])


def entity_base(value: str | None) -> str:
    """The concept IRI base of the service's entities (default Wikidata's), validated as an IRI prefix."""
    base = value or ids.wikidata_concept_base()
    if not re.match(r"^https?://[^/]+/", base) or _IRI_FORBIDDEN.search(base) or not base.endswith("/"):
        raise InputError(
            _("--entity-base: expected an http(s) IRI prefix ending in '/' like {example}, found {found}").format(
                example="http://www.wikidata.org/entity/", found=repr(value))
        )
    return base


def endpoint_url(value: str | None) -> str:
    url = value or WIKIDATA_ENDPOINT
    if re.match(r"^https?://[^\s/@]*@", url):
        raise InputError(
            _("--endpoint: a URL with a user name or password in it was given; glamkg does not send credentials "
              "to query services, and would show them in messages (remove the user:password@ part)")
        )
    if not re.match(r"^https?://[^/\s]+", url) or _IRI_FORBIDDEN.search(url):
        raise InputError(_("--endpoint: expected an http(s) URL like {example}, found {found}").format(
            example=WIKIDATA_ENDPOINT, found=repr(value)))
    return url


# --------------------------------------------------------------------------------------------------------
# vocabulary of one Wikibase
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Namespaces:
    """Prefixes of one Wikibase's RDF, derived from its concept base like Wikibase does it.

    ``http://www.wikidata.org/entity/`` -> ``http://www.wikidata.org/prop/direct/`` and so on: the
    property namespaces sit next to ``entity/`` under the same root.
    """

    entity: str

    @property
    def root(self) -> str:
        return self.entity[: -len("entity/")] if self.entity.endswith("entity/") else self.entity

    def prefixes(self) -> str:
        r = self.root
        return "\n".join(
            [
                f"PREFIX wd: <{self.entity}>",
                f"PREFIX wdt: <{r}prop/direct/>",
                f"PREFIX p: <{r}prop/>",
                f"PREFIX ps: <{r}prop/statement/>",
                f"PREFIX psv: <{r}prop/statement/value/>",
                f"PREFIX wikibase: <{WIKIBASE_ONTOLOGY}>",
                f"PREFIX rdfs: <{RDFS_LABEL[: -len('label')]}>",
                f"PREFIX schema: <{SCHEMA_DESCRIPTION[: -len('description')]}>",
                f"PREFIX skos: <{SKOS_ALT_LABEL[: -len('altLabel')]}>",
                "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>",
            ]
        )

    def item_id(self, iri: str) -> str | None:
        """The Q-id of an entity IRI of this Wikibase, or of a glamkg-local item (an answer translated back from
        a Wikibase with its own numbering); None for anything else: blank, genid, other base."""
        for base in (self.entity, ids.local_concept_base()):
            if iri.startswith(base):
                rest = iri[len(base) :]
                if ids.is_id(rest, kinds="Q") and (base == self.entity or ids.is_local(rest)):
                    return rest
        return None


def _qname(qid: str) -> str:
    return "wd:" + ids.item_id(qid)


def _pname(prefix: str, key: str) -> str:
    return f"{prefix}:{ids.property_id(model().prop(key).id)}"


def _lang_list(langs: Sequence[str]) -> str:
    return ", ".join(f'"{code}"' for code in languages(langs))


def type_class_ids(type_key: str) -> list[str]:
    try:
        keys = TYPE_CLASSES[type_key]
    except KeyError:
        raise InputError(_("--type: expected one of {types}, found {found}").format(
            types=", ".join((*TYPES, "all")), found=repr(type_key))) from None
    return [ids.item_id(model().cls(k).id) for k in keys]


# --------------------------------------------------------------------------------------------------------
# queries
# --------------------------------------------------------------------------------------------------------
def _class_term(qid: str) -> str:
    """A class in a listing: ``wd:Q..`` for a Wikidata class; the full local IRI for a class the model keeps
    in glamkg's own id space (``national_archives``): it exists on no remote Wikibase, so it matches nothing
    there, but it matches on a glamkg store served as the source (and never turns into a Wikidata item)."""
    return f"<{ids.entity_iri(qid)}>" if ids.is_local(qid) else _qname(qid)


def listing_query(ns: Namespaces, type_key: str, country_qid: str, *, subclasses: bool = False) -> str:
    """Ids of the items of one type in one country."""
    classes = " ".join(_class_term(c) for c in type_class_ids(type_key))
    path = f"{_pname('wdt', 'instance_of')}/{_pname('wdt', 'subclass_of')}*" if subclasses else _pname(
        "wdt", "instance_of"
    )
    return (
        f"{ns.prefixes()}\n"
        f"SELECT DISTINCT ?item WHERE {{\n"
        f"  VALUES ?class {{ {classes} }}\n"
        f"  ?item {path} ?class .\n"
        f"  ?item {_pname('wdt', 'country')} {_qname(country_qid)} .\n"
        f"}}\n"
    )


def details_query(ns: Namespaces, item_qids: Sequence[str], langs: Sequence[str], props: Sequence[str]) -> str:
    """Long-form details (labels, descriptions, aliases, the given model properties) of some items."""
    if not item_qids:
        raise ValueError("details_query needs at least one item id")
    values = " ".join(_qname(q) for q in item_qids)
    lang_filter = f"FILTER(LANG(?value) IN ({_lang_list(langs)}))"
    branches = [
        f'?item rdfs:label ?value . {lang_filter} BIND("label" AS ?key)',
        f'?item schema:description ?value . {lang_filter} BIND("description" AS ?key)',
        f'?item skos:altLabel ?value . {lang_filter} BIND("alias" AS ?key)',
    ]
    for key in props:
        pid = ids.property_id(model().prop(key).id)
        datatype = model().prop(key).datatype
        if datatype == "globe-coordinate":
            branches.append(
                f"?item p:{pid} ?statement . ?statement a wikibase:BestRank ; ps:{pid} ?value .\n"
                f"    OPTIONAL {{ ?statement psv:{pid} ?node . ?node wikibase:geoPrecision ?precision . }}\n"
                f'    BIND("{pid}" AS ?key)'
            )
        elif datatype == "time":
            branches.append(
                f"?item p:{pid} ?statement . ?statement a wikibase:BestRank ; psv:{pid} ?node .\n"
                f"    ?node wikibase:timeValue ?value ; wikibase:timePrecision ?precision .\n"
                f"    OPTIONAL {{ ?node wikibase:timeCalendarModel ?calendar . }}\n"
                f'    BIND("{pid}" AS ?key)'
            )
        else:
            branches.append(f'?item wdt:{pid} ?value . BIND("{pid}" AS ?key)')
    # The VALUES block is repeated inside every branch: engines then start each branch from the page's items
    # (Oxigraph otherwise evaluates a branch with an OPTIONAL over the whole graph before the join: 500x slower).
    union = "\n  UNION\n".join(f"  {{\n    VALUES ?item {{ {values} }}\n    {b}\n  }}" for b in branches)
    return (
        f"{ns.prefixes()}\n"
        f"SELECT ?item ?key ?value ?precision ?calendar WHERE {{\n"
        f"{union}\n"
        f"}}\n"
    )


# --------------------------------------------------------------------------------------------------------
# the service
# --------------------------------------------------------------------------------------------------------
class Service:
    """One query service: ``select(query) -> SPARQL JSON``, checked for shape.

    Requests go through :class:`kg.query.endpoint.SparqlEndpoint` on a :class:`kg.http.HttpClient` (User-Agent,
    timeout, bounded retries honouring Retry-After on 429/503), one at a time: short queries (listings) by
    GET, which WDQS caches, long ones (a page of ids) by POST. The client's cap on waiting applies per request.
    A body that is not SPARQL JSON results raises
    :class:`RemoteError`: a truncated answer must never look like an empty page.
    """

    def __init__(self, url: str, client: HttpClient | None = None, *, renumbering: Any = None) -> None:
        from kg.query.endpoint import SparqlEndpoint

        self.url = endpoint_url(url)
        self.client = client or HttpClient()
        self.endpoint = SparqlEndpoint(self.url, self.client)
        self.requests = 0
        # a Wikibase with its own numbering (kg.query.renumbering.Renumbering): queries are written with
        # Wikidata's ids and translated there; answers come back in glamkg's ids
        self.renumbering = renumbering

    def select(self, query: str) -> dict[str, Any]:
        self.requests += 1
        # HttpClient caps the seconds it sleeps over its lifetime; an import sends up to thousands of requests
        # over hours, so the cap applies per request here (one request never waits longer than the cap).
        self.client.slept = 0.0
        if self.renumbering is None:
            return check_results(self.endpoint.select(query), self.url)
        sent = self.renumbering.query(query).text
        return check_results(self.renumbering.results(self.endpoint.select(sent)), self.url)


def check_results(body: Any, where: str) -> dict[str, Any]:
    """The SPARQL JSON results document, or :class:`RemoteError` naming what is wrong with it."""
    if not isinstance(body, Mapping):
        raise RemoteError(_("{where}: expected SPARQL JSON results (an object), found {found}").format(
            where=where, found=type(body).__name__))
    head, results = body.get("head"), body.get("results")
    if not isinstance(head, Mapping) or not isinstance(results, Mapping):
        raise RemoteError(_("{where}: expected SPARQL JSON results with head and results, found keys {keys}").format(
            where=where, keys=sorted(body)))
    bindings = results.get("bindings")
    if not isinstance(bindings, list) or not all(isinstance(b, Mapping) for b in bindings):
        raise RemoteError(_("{where}: expected results.bindings to be a list of objects").format(where=where))
    return dict(body)


# --------------------------------------------------------------------------------------------------------
# answers -> plain data
# --------------------------------------------------------------------------------------------------------
@dataclass
class FetchedItem:
    """One entity as the service answered: terms and typed values per property id."""

    id: str
    labels: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    #: property id -> values: ``("item", qid)``, ``("string", text)``, ``("coord", lat, lon, precision)``,
    #: ``("time", lexical, precision, calendar_qid)``.
    values: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def add(self, pid: str, value: tuple[Any, ...]) -> None:
        vals = self.values.setdefault(pid, [])
        if value not in vals:
            vals.append(value)


def listing_ids(body: Mapping[str, Any], ns: Namespaces) -> list[str]:
    """Q-ids of a listing answer, sorted by number (duplicates and non-entity values dropped)."""
    out: set[str] = set()
    for b in body["results"]["bindings"]:
        term = b.get("item")
        if isinstance(term, Mapping) and term.get("type") == "uri":
            qid = ns.item_id(str(term.get("value", "")))
            if qid:
                out.add(qid)
    return sorted(out, key=lambda q: int(q[1:]))


_POINT = re.compile(r"^\s*(?:<([^>]*)>\s*)?Point\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*$", re.IGNORECASE)


def parse_point(text: str) -> tuple[float, float, str | None] | None:
    """``Point(lon lat)`` (optionally after ``<globe IRI>``) -> (lat, lon, globe IRI or None)."""
    m = _POINT.match(text)
    if not m:
        return None
    return float(m.group(3)), float(m.group(2)), m.group(1)


def details_items(body: Mapping[str, Any], ns: Namespaces, where: str = "") -> tuple[dict[str, FetchedItem], int]:
    """Items of a details answer (long form), and the number of values skipped as not representable.

    Skipped: unknown/no values (blank nodes, ``genid`` IRIs), item values outside the entity base,
    coordinates on another globe than Earth, malformed points.
    """
    items: dict[str, FetchedItem] = {}
    skipped = 0
    m = model()
    earth = ids.entity_iri(m.value("earth").id)
    for n, b in enumerate(body["results"]["bindings"]):
        item_t, key_t, value_t = b.get("item"), b.get("key"), b.get("value")
        if not (isinstance(item_t, Mapping) and isinstance(key_t, Mapping) and isinstance(value_t, Mapping)):
            raise RemoteError(_("{where}: row {row}: expected ?item, ?key and ?value bound, found {found}").format(
                where=where, row=n, found=sorted(b)))
        qid = ns.item_id(str(item_t.get("value", "")))
        if qid is None:
            raise RemoteError(
                _("{where}: row {row}: expected an entity IRI under {base}, found {found}").format(
                    where=where, row=n, base=ns.entity, found=repr(item_t.get("value")))
            )
        it = items.setdefault(qid, FetchedItem(qid))
        key = str(key_t.get("value"))
        value = str(value_t.get("value", ""))
        lang = value_t.get("xml:lang")
        if key in ("label", "description", "alias"):
            if not lang:
                skipped += 1
                continue
            if key == "label":
                it.labels[lang] = value
            elif key == "description":
                it.descriptions[lang] = value
            elif value not in it.aliases.setdefault(lang, []):
                it.aliases[lang].append(value)
            continue
        prop = m.prop_by_id(key) if ids.is_id(key, kinds="P") else None
        if prop is None:
            raise RemoteError(_("{where}: row {row}: unexpected ?key {key} (not a property of the model)").format(
                where=where, row=n, key=repr(key)))
        if prop.datatype == "wikibase-item":
            target = ns.item_id(value) if value_t.get("type") == "uri" else None
            if target is None:
                skipped += 1
                continue
            it.add(prop.id, ("item", target))
        elif prop.datatype == "globe-coordinate":
            point = parse_point(value)
            if point is None or (point[2] and point[2] not in (earth, ns.entity + m.value("earth").id)):
                skipped += 1
                continue
            precision = _float(b.get("precision"))
            it.add(prop.id, ("coord", point[0], point[1], precision))
        elif prop.datatype == "time":
            precision = _int(b.get("precision"))
            cal_t = b.get("calendar")
            calendar = ns.item_id(str(cal_t.get("value"))) if isinstance(cal_t, Mapping) else None
            if precision is None:
                skipped += 1
                continue
            it.add(prop.id, ("time", value, precision, calendar))
        else:
            if value_t.get("type") == "bnode":
                skipped += 1
                continue
            it.add(prop.id, ("string", value))
    return items, skipped


def _float(term: Any) -> float | None:
    if isinstance(term, Mapping):
        try:
            return float(term.get("value", ""))
        except ValueError:
            return None
    return None


def _int(term: Any) -> int | None:
    if isinstance(term, Mapping):
        try:
            return int(str(term.get("value", "")).strip())
        except ValueError:
            return None
    return None

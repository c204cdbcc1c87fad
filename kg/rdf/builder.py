"""Wikibase entity JSON -> RDF triples, as Wikibase's ``RdfBuilder`` produces them.

One :class:`RdfBuilder` is one RDF document (Wikibase: one Special:EntityData answer or one dump): it
collects triples in ``.triples`` and remembers which reference and value nodes it already wrote (the
"dedupe bag", shareable between builders) and which entities were mentioned, for stubs.

What is written is chosen by the flavor flags of ``RdfProducer`` (RULES.md sec. 9); the installation
details Wikibase takes from its settings and database (sites, page props, canonical URI patterns of
external ids, entity lookup for stubs) come from an :class:`Environment`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, MutableSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from kg.errors import EntityError
from kg.i18n import _
from kg.model import ids, wbhash
from kg.model.schema import model
from kg.model.sites import Site, wikimedia_site
from kg.rdf import datavalues as dv
from kg.rdf.munge import truncate_text
from kg.rdf.statements import add_statements
from kg.rdf.vocabulary import (
    CC_LICENSE,
    FORMAT_VERSION,
    LICENSE_CC0,
    OWL_CLASS,
    OWL_COMPLEMENT,
    OWL_DATATYPE_PROPERTY,
    OWL_IMPORTS,
    OWL_OBJECT_PROPERTY,
    OWL_ON_PROPERTY,
    OWL_ONTOLOGY,
    OWL_RESTRICTION,
    OWL_SAME_AS,
    OWL_SOME_VALUES,
    OWL_THING,
    RDFS_LABEL,
    SCHEMA_ABOUT,
    SCHEMA_ARTICLE,
    SCHEMA_DATASET,
    SCHEMA_DATE_MODIFIED,
    SCHEMA_DESCRIPTION,
    SCHEMA_IN_LANGUAGE,
    SCHEMA_IS_PART_OF,
    SCHEMA_NAME,
    SCHEMA_SOFTWARE_VERSION,
    SCHEMA_VERSION,
    SKOS_ALT,
    SKOS_PREF,
    XSD_DATETIME,
    XSD_DOUBLE,
    XSD_INTEGER,
    A,
    Terms,
    Vocabulary,
    escape_iri,
    nt_terms,
    terms,
    wb,
)

TRUTHY = 1
ALL_STATEMENTS = 2
QUALIFIERS = 4
REFERENCES = 8
SITELINKS = 16
PROPERTIES = 32
FULL_VALUES = 64
VERSION_INFO = 128
RESOLVED_ENTITIES = 256
NORMALIZED_VALUES = 512
PAGE_PROPS = 1024
FLAVOR_ALL = 0xFFFF
FLAVOR_DUMP = TRUTHY | ALL_STATEMENTS | QUALIFIERS | REFERENCES | SITELINKS | FULL_VALUES | VERSION_INFO
FLAVOR_DUMP |= NORMALIZED_VALUES | PAGE_PROPS
FLAVOR_FULL_DUMP = FLAVOR_DUMP & ~VERSION_INFO
FLAVOR_TRUTHY_DUMP = TRUTHY
FLAVOR_SIMPLE = TRUTHY | SITELINKS | VERSION_INFO
FLAVOR_LONG = ALL_STATEMENTS | QUALIFIERS | REFERENCES | SITELINKS | VERSION_INFO

# Wikidata's ``pagePropertiesRdf``: page prop -> (wikibase: local name, type).
WIKIDATA_PAGE_PROPS: Mapping[str, tuple[str, str | None]] = {
    "wb-sitelinks": ("sitelinks", "integer"),
    "wb-claims": ("statements", "integer"),
    "wb-identifiers": ("identifiers", "integer"),
}
OBJECT_DATATYPES = frozenset(
    {
        "commonsMedia",
        "geo-shape",
        "tabular-data",
        "url",
        "wikibase-item",
        "wikibase-property",
        "wikibase-lexeme",
        "wikibase-form",
        "wikibase-sense",
        "entity-schema",
    }
)
RANKS = {"preferred": "PreferredRank", "normal": "NormalRank", "deprecated": "DeprecatedRank"}
ENTITY_TYPES = {"item": ("Q", "Item"), "property": ("P", "Property"), "lexeme": ("L", "Lexeme")}
_PROPERTY_LINKS = (
    ("directClaim", "wdt"),
    ("claim", "p"),
    ("statementProperty", "ps"),
    ("statementValue", "psv"),
    ("qualifier", "pq"),
    ("qualifierValue", "pqv"),
    ("reference", "pr"),
    ("referenceValue", "prv"),
    ("novalue", "wdno"),
)
_NORMALIZED_LINKS = (
    ("directClaimNormalized", "wdtn"),
    ("statementValueNormalized", "psn"),
    ("qualifierValueNormalized", "pqn"),
    ("referenceValueNormalized", "prn"),
)
_MW_TIMESTAMP = re.compile(r"^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$")


def datatype_local_name(datatype: str) -> str:
    """``wikibase-item`` -> ``WikibaseItem`` (RdfVocabulary::getDataTypeURI)."""
    words = datatype.replace("-", " ").split(" ")
    return re.sub(r"\W+", "", " ".join(w[:1].upper() + w[1:] for w in words))


def iso_timestamp(value: Any) -> str:
    """Unix seconds, MediaWiki ``YYYYMMDDhhmmss`` or ISO 8601 -> ``YYYY-MM-DDThh:mm:ssZ``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    m = _MW_TIMESTAMP.match(text)
    if m:
        return "{}-{}-{}T{}:{}:{}Z".format(*m.groups())
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _php_number(value: Any) -> float:
    """PHP intval/floatval of a page prop: the leading number of a string, else 0."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    m = re.match(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", str(value))
    return float(m.group(0)) if m else 0


@dataclass
class Environment:
    """What Wikibase takes from its settings and database rather than from the entity JSON."""

    sites: Callable[[str], Site | None] = wikimedia_site
    canonical_language_codes: Mapping[str, str] = field(default_factory=dict)
    entity_source_name: str = "wikidata"
    page_props: Mapping[str, tuple[str, str | None]] = field(default_factory=lambda: dict(WIKIDATA_PAGE_PROPS))
    uri_patterns: Mapping[str, str] = field(default_factory=dict)
    license: str = LICENSE_CC0
    format_version: str = FORMAT_VERSION
    default_scheme: str = "https:"
    entity_lookup: Callable[[str], Mapping[str, Any] | None] | None = None


class RdfBuilder:
    """Collects the RDF of one document: entities, stubs, redirects, page props, dump header.

    ``munged=True`` writes the WDQS-munged form directly (what :func:`kg.rdf.munge.munge` makes of the
    normal output, for one entity): no ``a wikibase:Item``/``Statement``/``Reference``, no duplicate
    label predicates, data-node version/dateModified/page props on the entity, long literals truncated.
    """

    def __init__(
        self,
        flavor: int = FLAVOR_DUMP,
        *,
        vocab: Vocabulary | None = None,
        datatypes: Mapping[str, str] | None = None,
        env: Environment | None = None,
        dedupe: MutableSet[Any] | None = None,
        munged: bool = False,
        ntriples: bool = False,
    ) -> None:
        self.flavor = flavor
        self.munged = munged
        self.vocab = vocab or _default_vocabulary(ids.local_concept_base())
        self.t: Terms = nt_terms(self.vocab) if ntriples else terms(self.vocab)
        self.env = env or _DEFAULT_ENV
        self.datatypes = dict(datatypes) if datatypes else {}
        self._model_datatypes = _model_datatypes()
        self.seen: MutableSet[Any] = dedupe if dedupe is not None else set()
        #: ox.Triple objects, or with ``ntriples=True`` ``(s, p, o)`` N-Triples text tuples (kg.rdf.vocabulary.NtTerms)
        self.triples: list[Any] = []
        self._resolved: dict[str, bool] = {}
        self.entity = ""
        self.full_values = bool(flavor & FULL_VALUES)
        self.normalized = bool(flavor & NORMALIZED_VALUES)

    # --- helpers ----------------------------------------------------------------------------------

    def error(self, message: str, prop: str | None = None) -> EntityError:
        return EntityError(message, entity=self.entity or None, prop=prop)

    def datatype(self, pid: str, snak: Mapping[str, Any] | None = None) -> str:
        """Datatype of a property: ``datatypes`` arg > the snak's API ``datatype`` > kg.model.schema."""
        dt = self.datatypes.get(pid)
        if dt is None and snak is not None:
            sdt = snak.get("datatype")
            if sdt in dv.VALUE_TYPES:
                dt = sdt
        if dt is None:
            dt = self._model_datatypes.get(pid)
        if dt is None:
            raise self.error(
                _("unknown property datatype: not in the datatypes given, not on the snak, not in schemas/model.yaml "
                  "(hint: pass {example} or use API JSON, whose snaks carry 'datatype')").format(
                    example="datatypes={PID: datatype}"),
                prop=pid,
            )
        return dt

    def mention(self, eid: str, flag: int) -> None:
        if self.flavor & flag and eid not in self._resolved:
            self._resolved[eid] = False

    def _entity_id(self, entity: Mapping[str, Any]) -> tuple[str, str]:
        if not isinstance(entity, Mapping):
            raise EntityError(_("expected an entity JSON object, found {found}").format(found=type(entity).__name__))
        eid, etype = entity.get("id"), entity.get("type", "item")
        try:
            pid = ids.parse_id(eid)  # type: ignore[arg-type]
        except ids.InvalidId as exc:
            raise EntityError(_("bad entity id: {reason}").format(reason=exc), entity=str(eid)) from None
        letter = ENTITY_TYPES.get(etype, ("", ""))[0]
        if letter != pid.letter:
            raise EntityError(_("expected entity type {expected} for this id, found {found}").format(
                expected=repr(pid.entity_type), found=repr(etype)), entity=eid)
        return str(pid), etype

    # --- document-level parts ---------------------------------------------------------------------

    def add_dump_header(self, timestamp: Any) -> None:
        t, out = self.t, self.triples
        T, c = t.triple, t.c
        dump = c(wb("Dump"))
        out += [
            T(dump, c(A), c(SCHEMA_DATASET)),
            T(dump, c(A), c(OWL_ONTOLOGY)),
            T(dump, c(CC_LICENSE), t.iri(self.env.license)),
            T(dump, c(SCHEMA_SOFTWARE_VERSION), t.literal(self.env.format_version)),
            T(dump, c(SCHEMA_DATE_MODIFIED), t.literal(iso_timestamp(timestamp), XSD_DATETIME)),
            T(dump, c(OWL_IMPORTS), t.iri("http://wikiba.se/ontology-1.0.owl")),
        ]

    def add_redirect(self, from_id: str, to_id: str) -> None:
        """``wd:from owl:sameAs wd:to``; the target becomes a mentioned entity."""
        for eid in (from_id, to_id):
            if not ids.is_id(eid):
                raise EntityError(_("bad redirect: expected entity ids like Q42, found {found}").format(
                    found=repr(eid)), entity=str(from_id))
        t = self.t
        self.triples.append(t.triple(t.entity(from_id), t.c(OWL_SAME_AS), t.entity(to_id)))
        self._resolved[from_id] = True
        self.mention(to_id, RESOLVED_ENTITIES)

    def add_revision_info(self, eid: str, revision: Any, timestamp: Any) -> None:
        t, out = self.t, self.triples
        T, c = t.triple, t.c
        if self.munged:
            subject = t.entity(eid)
            out.append(T(subject, c(SCHEMA_VERSION), t.literal(str(int(revision)), XSD_INTEGER)))
            out.append(T(subject, c(SCHEMA_DATE_MODIFIED), t.literal(_iso_timestamp(timestamp), XSD_DATETIME)))
            return
        data = t.iri(self.vocab.data_iri(eid))
        out += [T(data, c(A), c(SCHEMA_DATASET)), T(data, c(SCHEMA_ABOUT), self.t.entity(eid))]
        if self.flavor & VERSION_INFO:
            out.append(T(data, c(CC_LICENSE), t.iri(self.env.license)))
            out.append(T(data, c(SCHEMA_SOFTWARE_VERSION), t.literal(self.env.format_version)))
        out.append(T(data, c(SCHEMA_VERSION), t.literal(str(int(revision)), XSD_INTEGER)))
        out.append(T(data, c(SCHEMA_DATE_MODIFIED), t.literal(iso_timestamp(timestamp), XSD_DATETIME)))

    def add_page_props(self, eid: str, values: Mapping[str, Any]) -> None:
        """Page props on the data node, per ``Environment.page_props`` (only with PAGE_PROPS)."""
        if not self.flavor & PAGE_PROPS or not self.env.page_props:
            return
        t = self.t
        data = t.entity(eid) if self.munged else t.iri(self.vocab.data_iri(eid))
        for key, (name, kind) in self.env.page_props.items():
            if key not in values:
                continue
            value = values[key]
            if kind == "integer":
                lit = t.literal(str(int(_php_number(value))), XSD_INTEGER)
            elif kind == "float":
                lit = t.literal(wbhash.php_float(float(_php_number(value))), XSD_DOUBLE)
            else:
                lit = t.literal(str(value))
            self.triples.append(t.triple(data, t.c(wb(name)), lit))

    def page_prop_values(self, entity: Mapping[str, Any]) -> dict[str, int]:
        """Wikibase's page props of an entity: statement, sitelink and identifier counts."""
        claims = _claims(entity)
        statements = sum(len(v) for v in claims.values())
        if entity.get("type", "item") != "item":
            return {"wb-claims": statements}
        identifiers = 0
        for pid, group in claims.items():
            dt = self.datatypes.get(pid)
            if dt is None and group:
                sdt = (group[0].get("mainsnak") or {}).get("datatype")
                dt = sdt if sdt in dv.VALUE_TYPES else None
            if dt is None:
                dt = self._model_datatypes.get(pid)
            if dt == "external-id":
                identifiers += len(group)
        return {
            "wb-claims": statements,
            "wb-sitelinks": len(entity.get("sitelinks") or {}),
            "wb-identifiers": identifiers,
        }

    # --- entities -----------------------------------------------------------------------------------

    def add_entity(self, entity: Mapping[str, Any], *, revision: Any = None, timestamp: Any = None) -> str:
        """All triples of one entity per the flavor; returns its id.

        Revision info (the data node) comes from ``revision``/``timestamp`` or the JSON's
        ``lastrevid``/``modified``; without both, no data node is written.
        """
        if "redirect" in entity and "id" not in entity:
            self.add_redirect(str(entity.get("entity")), str(entity["redirect"]))
            return str(entity.get("entity"))
        eid, etype = self._entity_id(entity)
        self.entity = eid
        self._resolved[eid] = True
        subject = self.t.entity(eid)
        if not self.munged or etype == "property":
            self.triples.append(self.t.triple(subject, self.t.c(A), self.t.c(wb(ENTITY_TYPES[etype][1]))))
        self.add_terms(entity)
        if etype == "property":
            dt = self.datatypes.get(eid) or entity.get("datatype")
            if not isinstance(dt, str) or not dt:
                raise self.error(_("expected the property's 'datatype' in its JSON, found none"))
            self.add_property_components(eid, dt)
        if etype == "item" and self.flavor & SITELINKS:
            self.add_sitelinks(entity)
        if self.flavor & (TRUTHY | ALL_STATEMENTS):
            self._statements(eid, subject, _claims(entity))
        revision = revision if revision is not None else entity.get("lastrevid")
        timestamp = timestamp if timestamp is not None else entity.get("modified")
        if revision is not None and timestamp is not None:
            try:
                self.add_revision_info(eid, revision, timestamp)
            except (TypeError, ValueError) as exc:
                raise self.error(_("expected lastrevid (integer) and modified (ISO 8601 time): {reason}").format(
                    reason=exc)) from None
        if self.flavor & PAGE_PROPS and self.env.page_props:
            self.add_page_props(eid, self.page_prop_values(entity))
        self.entity = ""
        return eid

    def add_terms(
        self,
        entity: Mapping[str, Any],
        languages: Iterable[str] | None = None,
        *,
        labels: bool = True,
        descriptions: bool = True,
        aliases: bool = True,
    ) -> None:
        """Labels (rdfs:label, skos:prefLabel, schema:name), descriptions, aliases; optionally some languages."""
        eid = str(entity["id"])
        subject = self.t.entity(eid)
        wanted = None if languages is None else set(languages)
        t, out = self.t, self.triples
        T = t.triple
        c_label, c_pref, c_name = t.c(RDFS_LABEL), t.c(SKOS_PREF), t.c(SCHEMA_NAME)
        c_description, c_alt = t.c(SCHEMA_DESCRIPTION), t.c(SKOS_ALT)
        cut = truncate_text if self.munged else _same

        def lit(text: str, language: str) -> Any:
            return dv.text_literal(cut(text), language, t)

        if labels:
            for lang, term in (entity.get("labels") or {}).items():
                if wanted is None or lang in wanted:
                    text = lit(_term_text(term, eid), lang)
                    if self.munged:
                        out.append(T(subject, c_label, text))
                    else:
                        out.append(T(subject, c_label, text))
                        out.append(T(subject, c_pref, text))
                        out.append(T(subject, c_name, text))
        if descriptions:
            for lang, term in (entity.get("descriptions") or {}).items():
                if wanted is None or lang in wanted:
                    out.append(T(subject, c_description, lit(_term_text(term, eid), lang)))
        if aliases:
            for lang, group in (entity.get("aliases") or {}).items():
                if wanted is None or lang in wanted:
                    for term in group:
                        out.append(T(subject, c_alt, lit(_term_text(term, eid), lang)))

    def add_entity_stub(
        self, entity: Mapping[str, Any], languages: Iterable[str] | None = None, *, with_type: bool = True
    ) -> None:
        """Stub of a mentioned entity: type, labels and descriptions (+ components for properties)."""
        eid, etype = self._entity_id(entity)
        self._resolved[eid] = True
        if with_type:
            t = self.t
            self.triples.append(t.triple(t.entity(eid), t.c(A), t.c(wb(ENTITY_TYPES[etype][1]))))
        langs = None if languages is None else list(languages)
        self.add_terms(entity, langs, aliases=False)
        if etype == "property":
            dt = self.datatypes.get(eid) or entity.get("datatype") or self._model_datatypes.get(eid)
            if dt:
                self.add_property_components(eid, dt)

    def resolve_mentioned(self, lookup: Callable[[str], Mapping[str, Any] | None] | None = None) -> None:
        """Stubs for mentioned entities (RESOLVED_ENTITIES / PROPERTIES); redirects become owl:sameAs.

        ``lookup(id)`` returns entity JSON, ``{"redirect": target}``, or None (no such entity).
        """
        lookup = lookup or self.env.entity_lookup
        if lookup is None:
            return
        while True:
            pending = [eid for eid, done in self._resolved.items() if not done]
            if not pending:
                return
            for eid in pending:
                self._resolved[eid] = True
                found = lookup(eid)
                if not found:
                    continue
                if "redirect" in found:
                    self.add_redirect(eid, str(found["redirect"]))
                else:
                    self.add_entity_stub(found)

    # --- sitelinks ----------------------------------------------------------------------------------

    def add_sitelinks(self, entity: Mapping[str, Any], sites: Iterable[str] | None = None) -> None:
        subject = self.t.entity(str(entity["id"]))
        wanted = None if sites is None else set(sites)
        t, out = self.t, self.triples
        T, c = t.triple, t.c
        for site_id, link in (entity.get("sitelinks") or {}).items():
            if wanted is not None and site_id not in wanted:
                continue
            site = self.env.sites(site_id)
            if site is None:
                continue  # Wikibase skips links to sites it does not know
            title = link.get("title") if dv.is_map(link) else None
            if not isinstance(title, str):
                raise self.error(_("expected a sitelink title for site {site}, found {found}").format(
                    site=site_id, found=repr(link)))
            url = site.link_path.replace("$1", dv.wf_urlencode(title.replace(" ", "_")))
            if url.startswith("//"):
                url = self.env.default_scheme + url
            lang = self.env.canonical_language_codes.get(site_id, site.language)
            root_iri = _site_root(site.link_path, self.env.default_scheme)
            root = t.checked_iri(root_iri)
            article = t.checked_iri(escape_iri(url))
            out += [
                T(article, c(A), c(SCHEMA_ARTICLE)),
                T(article, c(SCHEMA_ABOUT), subject),
                T(article, c(SCHEMA_IN_LANGUAGE), t.literal(lang)),
                T(article, c(SCHEMA_IS_PART_OF), root),
                T(article, c(SCHEMA_NAME), dv.text_literal(truncate_text(title) if self.munged else title, lang, t)),
            ]
            for badge in link.get("badges") or ():
                if not ids.is_id(badge, kinds="Q"):
                    raise self.error(_("expected sitelink badges like Q17437796, found {found}").format(
                        found=repr(badge)))
                out.append(T(article, c(wb("badge")), self.t.entity(badge)))
            key = ("site", root_iri)
            if key not in self.seen:
                self.seen.add(key)
                out.append(T(root, c(wb("wikiGroup")), t.literal(site.group or "none")))

    # --- properties ---------------------------------------------------------------------------------

    def add_property_components(self, pid: str, datatype: str) -> None:
        """propertyType, the predicate links, OWL typing and the ``wdno:`` class of a property."""
        t, out = self.t, self.triples
        T, c = t.triple, t.c
        subject = t.entity(pid)
        out.append(T(subject, c(wb("propertyType")), c(wb(datatype_local_name(datatype)))))
        links = _PROPERTY_LINKS + (_NORMALIZED_LINKS if datatype in ("quantity", "external-id") else ())
        for name, key in links:
            out.append(T(subject, c(wb(name)), t.pred(key, pid)))
        simple = OWL_OBJECT_PROPERTY if datatype in OBJECT_DATATYPES else OWL_DATATYPE_PROPERTY
        for key in ("p", "psv", "pqv", "prv"):
            out.append(T(t.pred(key, pid), c(A), c(OWL_OBJECT_PROPERTY)))
        for key in ("wdt", "ps", "pq", "pr"):
            out.append(T(t.pred(key, pid), c(A), c(simple)))
        if datatype in ("quantity", "external-id"):
            for key in ("psn", "pqn", "prn"):
                out.append(T(t.pred(key, pid), c(A), c(OWL_OBJECT_PROPERTY)))
            normal = OWL_OBJECT_PROPERTY if datatype == "external-id" else OWL_DATATYPE_PROPERTY
            out.append(T(t.pred("wdtn", pid), c(A), c(normal)))
        wdno = t.pred("wdno", pid)
        blank = t.blank(wbhash.md5(f"owl:complementOf-{self.env.entity_source_name}-{pid}"))
        out += [
            T(wdno, c(A), c(OWL_CLASS)),
            T(wdno, c(OWL_COMPLEMENT), blank),
            T(blank, c(A), c(OWL_RESTRICTION)),
            T(blank, c(OWL_ON_PROPERTY), t.pred("wdt", pid)),
            T(blank, c(OWL_SOME_VALUES), c(OWL_THING)),
        ]

    # --- statements ---------------------------------------------------------------------------------

    def _statements(self, eid: str, subject: Any, claims: Mapping[str, Any]) -> None:
        add_statements(self, eid, subject, claims)


def _claims(entity: Mapping[str, Any]) -> Mapping[str, Any]:
    claims = entity.get("claims")
    if claims is None:
        claims = entity.get("statements")
    if not claims:
        return {}
    if not isinstance(claims, Mapping):
        raise EntityError(_("expected 'claims' to map property ids to statements, found {found}").format(
            found=type(claims).__name__))
    return claims


def _term_text(term: Any, eid: str) -> str:
    text = term.get("value") if dv.is_map(term) else term
    if not isinstance(text, str):
        raise EntityError(_("expected a term like {example}, found {found}").format(
            example="{'language': 'en', 'value': '...'}", found=repr(term)), entity=eid)
    return text


_DEFAULT_ENV = Environment()


@functools.lru_cache(maxsize=8)
def _default_vocabulary(local_base: str) -> Vocabulary:
    """Vocabulary.glamkg(), built once per local concept base ($GLAMKG_CONCEPT_BASE may change it)."""
    return Vocabulary.glamkg()


@functools.lru_cache(maxsize=1)
def _model_datatypes() -> dict[str, str]:
    return model().datatypes()


@functools.lru_cache(maxsize=4096)
def _site_root(link_path: str, default_scheme: str) -> str:
    """``scheme://host/`` of a site, from its link path (the host does not depend on the title)."""
    if link_path.startswith("//"):
        link_path = default_scheme + link_path
    parts = urlsplit(link_path.replace("$1", ""))
    return f"{parts.scheme}://{parts.netloc}/"


def _same(text: str) -> str:
    return text


@functools.lru_cache(maxsize=4096)
def _iso_timestamp(value: Any) -> str:
    """:func:`iso_timestamp`, cached (a load's entities share their modification time)."""
    return iso_timestamp(value)

"""Bootstrap a blank Wikibase for glamkg: the model's properties and classes, linked to Wikidata.

On a Wikibase other than Wikidata, ``P17`` is not "country" and ``Q33506`` is not "museum". Bootstrap:

1. creates two linking properties (datatype ``url``), found again by their labels:
   ``equivalent property`` (on each property: the Wikidata property's concept IRI, like Wikidata's own
   P1628) and ``exact match`` (on each item: the Wikidata item's concept IRI, or glamkg's local concept IRI
   for classes that are not on Wikidata, like Wikidata's P2888);
2. creates every property of ``schemas/model.yaml`` with its datatype, English label and description, and an
   ``equivalent property`` statement;
3. creates every class and well-known value (``classes:`` and ``values:``) as an item with its English label,
   a description naming its Wikidata id, and an ``exact match`` statement;
4. records glamkg id -> Wikibase id (and model key -> Wikibase id) in the id map file after each creation.

Idempotent: an entity already in the map (and still on the wiki) is kept; otherwise a label search
(``wbsearchentities``) finds an entity with the same English label AND the same linking statement, which is
adopted; only then is a new one created. Running it twice creates nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kg.errors import InputError, RemoteError
from kg.i18n import _
from kg.load.targets.wikibase_api import ApiError, WikibaseApi, wiki_base
from kg.model import ids
from kg.model.idmap import IdMap
from kg.model.schema import model
from kg.progress import Advance

Json = dict[str, Any]

LINKS = {
    # link key: (label, description, entity type it is used on)
    "equivalent_property": (
        "equivalent property",
        "the same property in another vocabulary (glamkg: its Wikidata property)",
        "property",
    ),
    "exact_match": (
        "exact match",
        "the same concept in another vocabulary (glamkg: its Wikidata item or glamkg concept IRI)",
        "item",
    ),
}
LINK_DATATYPE = "url"
SUMMARY = "glamkg wikibase bootstrap"


@dataclass
class BootstrapReport:
    created: list[str] = field(default_factory=list)  # glamkg ids / link keys created
    found: list[str] = field(default_factory=list)  # adopted by label search
    kept: list[str] = field(default_factory=list)  # already in the map and on the wiki

    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "found": len(self.found), "kept": len(self.kept)}


def _snak_value(entity: Json, pid: str) -> list[str]:
    out = []
    for st in (entity.get("claims") or {}).get(pid, []):
        dv = st.get("mainsnak", {}).get("datavalue") or {}
        if isinstance(dv.get("value"), str):
            out.append(dv["value"])
    return out


def url_claim(pid: str, url: str) -> Json:
    """A statement ``pid = url`` (datatype url) in API shape, without id."""
    return {
        "mainsnak": {
            "snaktype": "value",
            "property": pid,
            "datatype": "url",
            "datavalue": {"type": "string", "value": url},
        },
        "type": "statement",
        "rank": "normal",
    }


def _label(entity: Json, lang: str = "en") -> str | None:
    lab = (entity.get("labels") or {}).get(lang)
    return str(lab["value"]) if lab else None


def find_by_label(
    api: WikibaseApi, label: str, entity_type: str, check: Callable[[Json], bool], *, language: str = "en"
) -> tuple[str | None, list[str]]:
    """An entity whose English label is exactly ``label`` and which passes ``check``.

    Returns ``(id, same_label_ids)``: the match (or None) and every entity with that exact label.
    """
    hits = api.search(label, entity_type=entity_type, language=language, limit=50)
    same = [str(h["id"]) for h in hits if str(h.get("label", "")) == label and ids.is_id(str(h.get("id", "")))]
    if not same:
        return None, []
    entities = api.get_entities(same)
    for i in same:
        e = entities.get(i)
        if e is not None and check(e):
            return i, same
    return None, same


def ensure_entity(
    api: WikibaseApi,
    idmap: IdMap,
    glamkg_id: str,
    data: Json,
    *,
    entity_type: str,
    link_pid: str | None,
    link_value: str | None,
    key: str | None = None,
    report: BootstrapReport | None = None,
    verify: bool = True,
    summary: str = SUMMARY,
) -> str:
    """The Wikibase id of ``glamkg_id``: from the map, else found by label + link, else created."""
    report = report if report is not None else BootstrapReport()
    known = idmap.get(glamkg_id)
    if known is not None:
        if not verify or api.get_entities([known]).get(known) is not None:
            report.kept.append(glamkg_id)
            return known
        raise InputError(
            _("id map: {glamkg_id} is mapped to {known}, which is not on {api_url} (hint: restore it, or remove "
              "the line from the id map file and run bootstrap again)").format(
                glamkg_id=glamkg_id, known=known, api_url=api.api_url)
        )
    label = _label(data) or glamkg_id

    def check(e: Json) -> bool:
        if link_pid is None or link_value is None:
            return _label(e) == label
        return link_value in _snak_value(e, link_pid)

    found, same = find_by_label(api, label, entity_type, check)
    if found is not None:
        idmap.set(glamkg_id, found, key=key)
        report.found.append(glamkg_id)
        return found
    body = dict(data)
    if link_pid and link_value:
        claims = dict(body.get("claims") or {})
        claims[link_pid] = [*claims.get(link_pid, []), url_claim(link_pid, link_value)]
        body["claims"] = claims
    try:
        answer = api.edit_entity(body, new=entity_type, summary=summary)
    except ApiError as e:
        if same and e.code in ("failed-save", "modification-failed"):
            raise RemoteError(
                _("{api_url}: cannot create {entity_type} {label!r} for {glamkg_id}: {same} already has that label "
                  "but no link to {link_value} ({info}) (hint: add the link statement to it, or rename it, then "
                  "run bootstrap again)").format(
                    api_url=api.api_url, entity_type=entity_type, label=label, glamkg_id=glamkg_id,
                    same=", ".join(same), link_value=link_value, info=e.info)
            ) from None
        raise
    new_id = str(answer["entity"]["id"])
    idmap.set(glamkg_id, new_id, key=key)
    report.created.append(glamkg_id)
    return new_id


def _ensure_link(api: WikibaseApi, idmap: IdMap, link: str, report: BootstrapReport) -> str:
    label, description, _used_on = LINKS[link]
    known = idmap.links.get(link)
    if known is not None and api.get_entities([known]).get(known) is not None:
        report.kept.append(link)
        return known
    found, _same = find_by_label(
        api, label, "property", lambda e: e.get("datatype") == LINK_DATATYPE and _label(e) == label
    )
    if found is not None:
        report.found.append(link)
        idmap.links[link] = found
        return found
    data = {
        "labels": {"en": {"language": "en", "value": label}},
        "descriptions": {"en": {"language": "en", "value": description}},
        "datatype": LINK_DATATYPE,
    }
    answer = api.edit_entity(data, new="property", summary=SUMMARY)
    idmap.links[link] = str(answer["entity"]["id"])
    report.created.append(link)
    return idmap.links[link]


def _terms(label: str, description: str) -> Json:
    out: Json = {"labels": {"en": {"language": "en", "value": label}}}
    if description:
        out["descriptions"] = {"en": {"language": "en", "value": description}}
    return out


def class_description(glamkg_id: str) -> str:
    if ids.is_local(glamkg_id):
        return "glamkg class (not on Wikidata)"
    return f"glamkg model class, Wikidata {glamkg_id}"


def bootstrap(
    api: WikibaseApi,
    idmap: IdMap,
    *,
    concept_base: str | None = None,
    progress: Advance | None = None,
) -> BootstrapReport:
    """Create (or find) the linking properties, the model's properties and classes; save the map as it goes."""
    report = BootstrapReport()
    m = model()
    if idmap.api_url and idmap.api_url != api.api_url:
        raise InputError(
            _("id map {path}: it belongs to {api_url}, not to {wiki} (hint: use --idmap FILE)").format(
                path=idmap.path, api_url=idmap.api_url, wiki=api.api_url)
        )
    idmap.api_url = api.api_url
    idmap.concept_base = concept_base or idmap.concept_base or wiki_base(api.api_url) + "/entity/"

    def saved(n: int = 1) -> None:
        if idmap.path is not None:
            idmap.save()
        if progress:
            progress(n)

    eq = _ensure_link(api, idmap, "equivalent_property", report)
    match = _ensure_link(api, idmap, "exact_match", report)
    saved(2)
    for key, prop in m.properties.items():
        data = {**_terms(prop.label, prop.description), "datatype": prop.datatype}
        ensure_entity(
            api,
            idmap,
            prop.id,
            data,
            entity_type="property",
            link_pid=eq,
            link_value=ids.entity_iri(prop.id),
            key=f"property:{key}",
            report=report,
        )
        saved()
    for key, cls in [
        *(("class:" + k, c) for k, c in m.classes.items()),
        *(("value:" + k, v) for k, v in m.values.items()),
    ]:
        ensure_entity(
            api,
            idmap,
            cls.id,
            _terms(cls.label, class_description(cls.id)),
            entity_type="item",
            link_pid=match,
            link_value=ids.entity_iri(cls.id),
            key=key,
            report=report,
        )
        saved()
    return report


def bootstrap_size() -> int:
    """How many entities bootstrap handles (for a progress bar)."""
    m = model()
    return len(LINKS) + len(m.properties) + len(m.classes) + len(m.values)


def stub_terms(glamkg_id: str) -> Json:
    """Label and description of a stub item for an entity a load refers to but the wiki does not have."""
    m = model()
    for c in [*m.classes.values(), *m.values.values()]:
        if c.id == glamkg_id:
            return _terms(c.label, class_description(glamkg_id))
    where = "glamkg local item" if ids.is_local(glamkg_id) else "Wikidata item"
    # Label + description must be unique among items: the id makes them so.
    return _terms(glamkg_id, f"placeholder for {where} {glamkg_id} (created by glamkg)")


def digest(obj: Any) -> str:
    """A short stable digest of JSON-able content (for the journal)."""
    import json

    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]

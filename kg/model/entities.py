"""Plain model records -> Wikibase entity JSON (and wikibaseintegrator items); entity JSON read back.

A :class:`Record` is one item as glamkg models it: an id (or None for an item not created yet), an item kind
from ``schemas/model.yaml``, terms in many languages, and :class:`Claim` s whose property is a model key
(``"country"``) or a property id (``"P17"``). :func:`to_json` turns it into the entity JSON the Wikibase API
returns (``wbgetentities``): datatypes from :mod:`kg.model.schema`, snak and reference hashes computed as Wikibase
computes them (:mod:`kg.model.wbhash`), and statement ids ``Q..$<uuid5>`` derived from the statement's content, so
the same record always gives the same JSON. It builds plain dicts (thousands of items a second);
:func:`to_item_entity` builds the same item as a wikibaseintegrator ``ItemEntity`` (offline; the Wikibase target
itself sends entity JSON through :mod:`kg.http`).

    >>> r = Record("Q1000000000042", "institution", labels={"en": "Example Museum"},
    ...            claims=[Claim("instance_of", "Q33506"), Claim("inception", "1998")])
    >>> j = to_json(r)
    >>> j["claims"]["P571"][0]["mainsnak"]["datavalue"]["value"]["time"]
    '+1998-00-00T00:00:00Z'
    >>> j["claims"]["P31"][0]["id"].startswith("Q1000000000042$")
    True
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import EntityError, InputError, read_text
from kg.i18n import N_, _, ngettext
from kg.model import ids, values, wbhash
from kg.model.languages import is_language_code
from kg.model.schema import model

Json = dict[str, Any]
RANKS = ("normal", "preferred", "deprecated")
EXTRA_KINDS = ("class",)  # records that are not one of the model's item kinds: the model's local classes
MAX_TERM = 250  # Wikibase's default limit for labels, descriptions and aliases
SNAKTYPES = ("value", "somevalue", "novalue")
#: The parts of a statement a snak belongs to, as messages name them (translated where shown).
_ROLES = {"value": N_("value"), "qualifier": N_("qualifier"), "reference": N_("reference")}
# Namespace of the statement-id uuid5s: fixed forever, or every statement id would change.
GUID_NAMESPACE = uuid.UUID("6f1c2b7e-3d4a-5e8f-9a0b-1c2d3e4f5a6b")

PropValue = tuple[str, Any]


@dataclass
class Claim:
    """One statement: property (model key or PID), value, qualifiers, references and rank.

    ``qualifiers`` is a list of ``(prop, value)`` pairs (or a mapping prop -> value); ``references`` is a list
    of references, each a list of ``(prop, value)`` pairs (or a mapping). Values may be typed
    (:mod:`kg.model.values`) or plain (``"Q55"``, ``"2021-05"``, ``(lat, lon)``, ``12``);
    see :func:`kg.model.values.coerce`.
    """

    prop: str
    value: Any
    qualifiers: Sequence[PropValue] | Mapping[str, Any] = field(default_factory=list)
    references: Sequence[Sequence[PropValue] | Mapping[str, Any]] = field(default_factory=list)
    rank: str = "normal"


@dataclass
class Record:
    """One item as the model sees it. ``labels``/``descriptions``: language -> text; ``aliases``: language
    -> list of texts; ``sitelinks``: site id (``nlwiki``) -> page title."""

    id: str | None
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    sitelinks: dict[str, str] = field(default_factory=dict)
    lastrevid: int | None = None
    modified: str | None = None  # "2024-01-31T12:00:00Z"


# --- building JSON -----------------------------------------------------------------------------------


# Caches: property -> (PID, model datatype); (PID, datatype, value) -> (snak hash, typed value). Values are
# immutable (frozen dataclasses, str, tuples), so a cached typed value can be shared; JSON is built fresh.
_PROPS: dict[str, tuple[str, str | None]] = {}
_SNAKS: dict[Any, tuple[str, Any]] = {}
_REFS: dict[Any, str] = {}
_SNAK_CACHE_SIZE = 200_000
_CACHEABLE = frozenset(
    {str, values.ItemRef, values.Time, values.Coordinate, values.Quantity, values.Monolingual, values._Special}
)


def _resolve_prop(prop: Any, b: _Builder) -> tuple[str, str | None]:
    m = model()
    if not isinstance(prop, str):
        raise b.error(_("expected a property key or id like 'country' or 'P17', found {found}").format(
            found=repr(prop)))
    if ids.is_id(prop, kinds="P"):
        p = m.prop_by_id(prop)
        return prop, p.datatype if p else None
    if prop not in m.properties:
        raise b.error(
            _("unknown property {found}: expected a model key ({keys}, ...) or a property id like P17").format(
                found=repr(prop), keys=", ".join(sorted(m.properties)[:6]))
        )
    p = m.properties[prop]
    return p.id, p.datatype


_GUID_PREFIX = GUID_NAMESPACE.bytes
#: the hex digit of a uuid's variant (RFC 4122: its two high bits 10) made from the digest's digit there
_VARIANT = {c: "89AB"[int(c, 16) & 3] for c in "0123456789ABCDEF"}


def _uuid5_upper(name: str, _sha1: Any = hashlib.sha1) -> str:
    """``str(uuid.uuid5(GUID_NAMESPACE, name)).upper()``, without building UUID objects: the SHA-1 digest's first
    32 hex digits, the version digit 5 and the variant's digit set in them."""
    h = _sha1(_GUID_PREFIX + name.encode("utf-8")).hexdigest().upper()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


def statement_id(entity_id: str, snak_hashes: Sequence[str], repeat: int = 0) -> str:
    """The id :func:`to_json` gives a statement of ``entity_id``: ``Q..$<uuid5>`` of the item id and the hashes
    of the main snak then the qualifiers (``repeat``: how many identical statements the item has before it)."""
    return f"{entity_id}${statement_uuid('|'.join([entity_id, *snak_hashes]), repeat)}"


def statement_uuid(key: str, repeat: int = 0) -> str:
    """The ``<uuid5>`` of :func:`statement_id` from its key, ``<entity id>|<main snak hash>[|<qualifier hash>...]``
    (for writers that build the key themselves: kg.rdf.columns, once per statement of a load)."""
    return _uuid5_upper(key if repeat == 0 else f"{key}#{repeat}")


class _Builder:
    """State of one to_json call: the record's name for messages and the datatypes in force."""

    def __init__(self, record: Record, datatypes: Mapping[str, str] | None) -> None:
        self.record = record
        self.where = record.id or next(iter(record.labels.values()), None)  # None: a new item without a label
        self.datatypes = datatypes or {}

    def error(self, message: str, prop: str | None = None) -> EntityError:
        return EntityError(message, entity=self.where or _("(new item)"), prop=prop)

    def resolve(self, prop: str, value: Any) -> tuple[str, str]:
        """(PID, datatype) of a claim/qualifier/reference property."""
        known = _PROPS.get(prop) if isinstance(prop, str) else None
        if known is None:
            known = _resolve_prop(prop, self)
            _PROPS[prop] = known
        pid, model_dt = known
        dt = (self.datatypes.get(pid) if self.datatypes else None) or model_dt or values.datatype_of(value)
        if dt is None:
            raise self.error(
                _("unknown datatype: the property is not in schemas/model.yaml; pass a typed value "
                  "(kg.model.values.Time, ItemRef, ...) or {example}").format(example="datatypes={pid: datatype}"),
                pid,
            )
        return pid, dt

    def snak(self, prop: str, value: Any, role: str) -> Json:
        pid, dt = self.resolve(prop, value)
        # Only strings and typed values are cached: plain numbers and tuples compare equal across types
        # (1 == True, Decimal("1.50") == 1.5, (52, 4) == (52.0, 4.0)) but do not convert alike.
        key: Any = (pid, dt, value) if type(value) in _CACHEABLE else None
        hit = _SNAKS.get(key) if key is not None else None
        if hit is None:
            try:
                v = values.coerce(value, dt)
            except InputError as e:
                raise self.error(_("{role}: {reason}").format(role=_(_ROLES.get(role, role)), reason=e), pid) from None
            if isinstance(v, values._Special):
                h = wbhash.snak_hash(v.snaktype, pid)
            else:
                first = values.datavalue(v)
                raw = first["value"]["id"] if first["type"] == "wikibase-entityid" else first["value"]
                h = wbhash.snak_hash("value", pid, first["type"], raw)
            hit = (h, v)
            if key is not None:
                if len(_SNAKS) >= _SNAK_CACHE_SIZE:
                    _SNAKS.clear()
                _SNAKS[key] = hit
        h, v = hit
        dv: Json
        if isinstance(v, str):
            dv = {"value": v, "type": "string"}
        elif isinstance(v, values._Special):
            return {"snaktype": v.snaktype, "property": pid, "hash": h, "datatype": dt}
        else:
            dv = v.datavalue()
        return {"snaktype": "value", "property": pid, "hash": h, "datavalue": dv, "datatype": dt}

    def snak_group(
        self, pairs: Sequence[PropValue] | Mapping[str, Any], role: str
    ) -> tuple[dict[str, list[Json]], list[str]]:
        if not pairs:
            return {}, []
        if isinstance(pairs, dict | Mapping):
            items: list[PropValue] = []
            for k, v in pairs.items():
                items.extend((k, x) for x in (v if isinstance(v, list) else [v]))
        else:
            items = list(pairs)
        snaks: dict[str, list[Json]] = {}
        for pair in items:
            if type(pair) is not tuple and (not isinstance(pair, tuple | list) or len(pair) != 2):
                raise self.error(_("{role}: expected (property, value) pairs, found {found}").format(
                    role=_(_ROLES.get(role, role)), found=repr(pair)))
            if len(pair) != 2:
                raise self.error(_("{role}: expected (property, value) pairs, found {found}").format(
                    role=_(_ROLES.get(role, role)), found=repr(pair)))
            s = self.snak(pair[0], pair[1], role)
            snaks.setdefault(s["property"], []).append(s)
        return snaks, list(snaks)

    def statement(self, claim: Claim, seen: dict[str, int]) -> Json:
        if not isinstance(claim, Claim):
            raise self.error(_("expected a kg.model.entities.Claim, found {found}").format(found=type(claim).__name__))
        main = self.snak(claim.prop, claim.value, "value")
        pid = main["property"]
        if claim.rank not in RANKS:
            raise self.error(_("rank must be one of {ranks}, found {found}").format(
                ranks=", ".join(RANKS), found=repr(claim.rank)), pid)
        st: Json = {"mainsnak": main, "type": "statement"}
        quals, qorder = self.snak_group(claim.qualifiers, "qualifier")
        if quals:
            st["qualifiers"] = quals
            st["qualifiers-order"] = qorder
        if self.record.id is not None:
            # The id follows the property, the value and the qualifiers (not the rank or the references,
            # which can change on the same statement); identical statements are numbered.
            # The snak hashes identify the content (Wikibase computes them over the full serialization).
            hashes = [main["hash"], *(q["hash"] for p in qorder for q in quals[p])]
            key = "|".join(hashes)
            n = seen.get(key, 0)
            seen[key] = n + 1
            st["id"] = statement_id(self.record.id, hashes, n)
        st["rank"] = claim.rank
        refs = []
        for ref in claim.references:
            r = self.reference(ref)
            if r is not None:
                refs.append(r)
        if refs:
            st["references"] = refs
        return st

    def reference(self, ref: Sequence[PropValue] | Mapping[str, Any]) -> Json | None:
        # The same reference is usually on every statement of a load: its JSON is cached as text and parsed
        # back (fresh objects for every statement, faster than building them).
        key: Any = None
        if type(ref) is list or type(ref) is tuple:
            key = tuple(ref)
            if self.datatypes or not all(type(p) is tuple and len(p) == 2 and type(p[1]) in _CACHEABLE for p in key):
                key = None
        if key is not None:
            text = _REFS.get(key)
            if text is not None:
                return json.loads(text)
        snaks, order = self.snak_group(ref, "reference")
        if not snaks:
            return None
        h = wbhash.reference_hash(s["hash"] for group in snaks.values() for s in group)
        out = {"hash": h, "snaks": snaks, "snaks-order": order}
        if key is not None:
            if len(_REFS) >= _SNAK_CACHE_SIZE:
                _REFS.clear()
            _REFS[key] = json.dumps(out, ensure_ascii=False)
        return out

    def terms(self, terms: Mapping[str, Any], what: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not isinstance(terms, Mapping):
            raise self.error(_("{what}: expected a mapping language -> text, found {found}").format(
                what=what, found=type(terms).__name__))
        for lang, text in terms.items():
            if not isinstance(lang, str) or not is_language_code(lang):
                raise self.error(_("{what}: expected a language code like en, nl or zh-hant, found {found}").format(
                    what=what, found=repr(lang)))
            texts = text if what == "aliases" else [text]
            if what == "aliases" and not isinstance(texts, list | tuple):
                raise self.error(_("{what}: expected a list of texts, found {found}").format(
                    what=f"aliases@{lang}", found=repr(text)))
            clean: list[str] = []
            for t in texts:
                if not isinstance(t, str) or not t.strip():
                    raise self.error(_("{what}: expected non-empty text, found {found}").format(
                        what=f"{what}@{lang}", found=repr(t)))
                t = " ".join(t.split())  # Wikibase trims and collapses whitespace in terms
                if len(t) > MAX_TERM:
                    raise self.error(ngettext("{what}: {n} character; Wikibase allows {max}",
                                              "{what}: {n} characters; Wikibase allows {max}", len(t)).format(
                        what=f"{what}@{lang}", n=len(t), max=MAX_TERM))
                if t not in clean:
                    clean.append(t)
            if what == "aliases":
                out[lang] = [{"language": lang, "value": t} for t in clean]
            else:
                out[lang] = {"language": lang, "value": clean[0]}
        return out


def to_json(record: Record, *, datatypes: Mapping[str, str] | None = None) -> Json:
    """The entity JSON of ``record`` in the Wikibase API shape (deterministic; no network).

    ``datatypes`` (PID -> datatype) is needed only for properties outside ``schemas/model.yaml``.
    Raises :class:`kg.errors.EntityError` naming the entity and property.
    """
    b = _Builder(record, datatypes)
    if record.id is not None:
        try:
            ids.item_id(record.id)
        except ids.InvalidId as e:
            raise EntityError(_("bad item id: {reason}").format(reason=e), entity=str(record.id)) from None
    if record.kind not in model().kinds and record.kind not in EXTRA_KINDS:
        raise b.error(_("unknown item kind {found}; expected one of {kinds}").format(
            found=repr(record.kind), kinds=", ".join([*model().kinds, *EXTRA_KINDS])))
    entity: Json = {"type": "item"}
    if record.id is not None:
        entity["id"] = record.id
    entity["labels"] = b.terms(record.labels, "labels")
    entity["descriptions"] = b.terms(record.descriptions, "descriptions")
    entity["aliases"] = b.terms(record.aliases, "aliases")
    claims: dict[str, list[Json]] = {}
    seen: dict[str, int] = {}
    for c in record.claims:
        st = b.statement(c, seen)
        claims.setdefault(st["mainsnak"]["property"], []).append(st)
    entity["claims"] = claims
    sitelinks: Json = {}
    for site, title in record.sitelinks.items():
        if not isinstance(title, str) or not title.strip():
            raise b.error(_("sitelink {site}: expected a page title, found {found}").format(
                site=site, found=repr(title)))
        sitelinks[site] = {"site": site, "title": title.strip(), "badges": []}
    entity["sitelinks"] = sitelinks
    if record.lastrevid is not None:
        entity["lastrevid"] = record.lastrevid
    if record.modified is not None:
        entity["modified"] = record.modified
    return entity


# --- wikibaseintegrator -------------------------------------------------------------------------------


def _wbi_claim(snak: Json, *, qualifiers: Any = None, references: Any = None, rank: Any = None) -> Any:
    """A wikibaseintegrator datatype object (String, Item, Time, ...) for one snak of our JSON."""
    from wikibaseintegrator import datatypes as d
    from wikibaseintegrator.wbi_enums import WikibaseSnakType

    classes: dict[str, Any] = {
        "string": d.String,
        "external-id": d.ExternalID,
        "url": d.URL,
        "commonsMedia": d.CommonsMedia,
        "wikibase-item": d.Item,
        "wikibase-property": d.Property,
        "wikibase-lexeme": d.Lexeme,
        "time": d.Time,
        "globe-coordinate": d.GlobeCoordinate,
        "quantity": d.Quantity,
        "monolingualtext": d.MonolingualText,
        "geo-shape": d.GeoShape,
        "tabular-data": d.TabularData,
        "math": d.Math,
        "musical-notation": d.MusicalNotation,
    }
    pid, dt = snak["property"], snak["datatype"]
    cls = classes.get(dt)
    if cls is None:
        raise EntityError(_("wikibaseintegrator has no datatype class for {datatype}").format(
            datatype=repr(dt)), prop=pid)
    kw: dict[str, Any] = {"prop_nr": pid}
    if qualifiers is not None:
        kw.update(qualifiers=qualifiers, references=references, rank=rank)
    if snak["snaktype"] != "value":
        return cls(snaktype=WikibaseSnakType(snak["snaktype"]), **kw)
    v = snak["datavalue"]["value"]
    if dt == "time":
        return cls(time=v["time"], precision=v["precision"], timezone=v["timezone"], before=v["before"],
                   after=v["after"], calendarmodel=v["calendarmodel"], **kw)
    if dt == "globe-coordinate":
        return cls(latitude=v["latitude"], longitude=v["longitude"], altitude=v["altitude"],
                   precision=v["precision"], globe=v["globe"], **kw)
    if dt == "quantity":
        return cls(amount=v["amount"], upper_bound=v.get("upperBound"), lower_bound=v.get("lowerBound"),
                   unit=v["unit"], **kw)
    if dt == "monolingualtext":
        return cls(text=v["text"], language=v["language"], **kw)
    if dt.startswith("wikibase-"):
        return cls(value=v["id"], **kw)
    return cls(value=v, **kw)


def to_item_entity(record: Record, *, datatypes: Mapping[str, str] | None = None) -> Any:
    """The same item as :func:`to_json`, as a wikibaseintegrator ``ItemEntity`` (built offline)."""
    from wikibaseintegrator.entities import ItemEntity
    from wikibaseintegrator.models import Qualifiers, Reference, References, Snak
    from wikibaseintegrator.wbi_enums import ActionIfExists, WikibaseRank

    j = to_json(record, datatypes=datatypes)
    item = ItemEntity(id=record.id)
    for lang, t in j["labels"].items():
        item.labels.set(lang, t["value"])
    for lang, t in j["descriptions"].items():
        item.descriptions.set(lang, t["value"])
    for lang, ts in j["aliases"].items():
        item.aliases.set(lang, [t["value"] for t in ts], action_if_exists=ActionIfExists.REPLACE_ALL)
    for site, sl in j["sitelinks"].items():
        item.sitelinks.set(site=site, title=sl["title"])
    claims = []
    for pid, statements in j["claims"].items():
        for st in statements:
            try:
                quals = Qualifiers()
                for p in st.get("qualifiers-order", []):
                    for q in st["qualifiers"][p]:
                        quals.add(_wbi_claim(q), action_if_exists=ActionIfExists.FORCE_APPEND)
                refs = References()
                for ref in st.get("references", []):
                    r = Reference()
                    for p in ref["snaks-order"]:
                        for s in ref["snaks"][p]:
                            r.add(Snak().from_json(_wbi_claim(s).mainsnak.get_json()),
                                  action_if_exists=ActionIfExists.FORCE_APPEND)
                    refs.add(r, action_if_exists=ActionIfExists.FORCE_APPEND)
                c = _wbi_claim(st["mainsnak"], qualifiers=quals, references=refs, rank=WikibaseRank(st["rank"]))
            except (ValueError, AssertionError) as e:
                raise EntityError(_("wikibaseintegrator refused the value: {reason}").format(reason=e),
                                  entity=record.id, prop=pid) from None
            c.qualifiers_order = list(st.get("qualifiers-order", []))
            c.id = st.get("id")
            claims.append(c)
    item.claims.add(claims, action_if_exists=ActionIfExists.FORCE_APPEND)
    return item


# --- reading entity JSON ------------------------------------------------------------------------------


def read_json(source: str | Path | Mapping[str, Any] | Iterable[Any]) -> list[Json]:
    """Entities from a file or an object, in the API shape.

    Accepts the ``{"entities": {...}}`` answer of ``wbgetentities`` / ``Special:EntityData``, a single entity,
    a list of entities (a JSON array, or a Wikidata JSON dump), JSON Lines, and Wikibase's storage JSON (whose
    entity-id values carry only ``numeric-id``: the ``id`` is added). Raises :class:`kg.errors.InputError`
    (unreadable file) or :class:`kg.errors.EntityError` (an entity of the wrong shape, by id and property).
    """
    where = _("input")
    obj: Any
    if isinstance(source, str | Path):
        path = Path(source)
        where = str(path)
        text = read_text(path, _("entity JSON"))
        obj = _parse_json_text(text, where)
    else:
        obj = source
    if isinstance(obj, Mapping):
        if "entities" in obj:
            ents = obj["entities"]
            if not isinstance(ents, Mapping):
                raise InputError(_("{where}: 'entities' should map ids to entities, found {found}").format(
                    where=where, found=type(ents).__name__))
            items = list(ents.values())
        else:
            items = [obj]
    elif isinstance(obj, Iterable) and not isinstance(obj, str | bytes):
        items = list(obj)
    else:
        raise InputError(_("{where}: expected entity JSON (an object or a list of objects), found {found}").format(
            where=where, found=type(obj).__name__))
    nth = _("{where}, entity #{n}")  # translated once: it names each entity
    return [normalize_entity(e, where=nth.format(where=where, n=i + 1)) for i, e in enumerate(items)]


def _parse_json_text(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError(
            _("{where}: JSON nested deeper than can be read (more than about a thousand levels of [ and {{); "
              "entity JSON is a few levels deep: is this the right file?").format(where=where)
        ) from None
    except json.JSONDecodeError as first:
        # JSON Lines, or a Wikidata dump ("[\n{...},\n{...}\n]": one entity per line, trailing commas).
        lines = [ln.strip().rstrip(",") for ln in text.splitlines()]
        lines = [ln for ln in lines if ln and ln not in ("[", "]")]
        if len(lines) > 1:
            out = []
            for ln in lines:
                try:
                    out.append(json.loads(ln))
                except json.JSONDecodeError:
                    break
            else:
                return out
        raise InputError(
            _("{where}: not valid JSON at line {line}, column {column}: {reason}; expected entity JSON "
              "(wbgetentities, Special:EntityData, a single entity or a list)").format(
                where=where, line=first.lineno, column=first.colno, reason=first.msg)
        ) from None


def normalize_entity(entity: Any, *, where: str = "input") -> Json:
    """Check the shape of one entity and return it in the API shape (a new dict; the input is not changed)."""
    if not isinstance(entity, Mapping):
        raise InputError(_("{where}: expected an entity object, found {found}").format(
            where=where, found=type(entity).__name__))
    eid = entity.get("id")
    if "missing" in entity:
        raise EntityError(_("the entity is missing (deleted, or it never existed)"), entity=str(eid or where))
    if eid is not None:
        if not ids.is_id(eid):
            raise EntityError(_("bad entity id: expected Q<number>, P<number> or L<number>, found {found}").format(
                found=repr(eid)), entity=where)
        etype = entity.get("type", ids.ENTITY_TYPES[eid[0]])
        if etype != ids.ENTITY_TYPES[eid[0]]:
            raise EntityError(_("type {found} does not match the id").format(found=repr(etype)), entity=eid)
    name = str(eid or where)
    out = dict(entity)
    if "statements" in out and "claims" not in out:
        out["claims"] = out.pop("statements")
    claims = out.get("claims") or {}
    if isinstance(claims, list):  # storage JSON of some tools: a flat list of statements
        grouped: dict[str, list[Any]] = {}
        for st in claims:
            p = st.get("mainsnak", {}).get("property") if isinstance(st, Mapping) else None
            grouped.setdefault(str(p), []).append(st)
        claims = grouped
    if not isinstance(claims, Mapping):
        raise EntityError(_("'claims' should map property ids to statements, found {found}").format(
            found=type(claims).__name__), entity=name)
    new_claims: dict[str, list[Json]] = {}
    for pid, statements in claims.items():
        if not ids.is_id(pid, kinds="P"):
            raise EntityError(_("bad property id {found} in claims").format(found=repr(pid)), entity=name)
        if not isinstance(statements, list):
            found = type(statements).__name__
            raise EntityError(_("expected a list of statements, found {found}").format(
                found=found), entity=name, prop=pid)
        new_claims[pid] = [_normalize_statement(st, name, pid) for st in statements]
    out["claims"] = new_claims
    for key in ("labels", "descriptions", "aliases", "sitelinks"):
        v = out.get(key)
        if v is None or v == []:  # PHP writes an empty map as []
            out[key] = {}
        elif not isinstance(v, Mapping):
            raise EntityError(_("{key} should be an object, found {found}").format(
                key=repr(key), found=type(v).__name__), entity=name)
    return out


def _normalize_statement(st: Any, entity: str, pid: str) -> Json:
    if not isinstance(st, Mapping) or not isinstance(st.get("mainsnak"), Mapping):
        raise EntityError(_("expected a statement object with a 'mainsnak'"), entity=entity, prop=pid)
    out = dict(st)
    out["mainsnak"] = _normalize_snak(st["mainsnak"], entity, pid)
    if out["mainsnak"]["property"] != pid:
        other = out["mainsnak"]["property"]
        raise EntityError(_("statement listed under {pid} has a mainsnak of {other}").format(pid=pid, other=other),
                          entity=entity, prop=pid)
    rank = out.setdefault("rank", "normal")
    if rank not in RANKS:
        raise EntityError(_("rank must be one of {ranks}, found {found}").format(
            ranks=", ".join(RANKS), found=repr(rank)), entity=entity, prop=pid)
    out.setdefault("type", "statement")
    if "qualifiers" in out:
        out["qualifiers"] = _normalize_snak_map(out["qualifiers"], entity, pid)
    if "references" in out:
        refs = []
        for ref in out["references"] or []:
            if not isinstance(ref, Mapping):
                raise EntityError(_("expected a reference object"), entity=entity, prop=pid)
            r = dict(ref)
            r["snaks"] = _normalize_snak_map(ref.get("snaks") or {}, entity, pid)
            refs.append(r)
        out["references"] = refs
    return out


def _normalize_snak_map(snaks: Any, entity: str, pid: str) -> dict[str, list[Json]]:
    if snaks == []:
        return {}
    if not isinstance(snaks, Mapping):
        raise EntityError(_("expected snaks as an object property -> list"), entity=entity, prop=pid)
    return {p: [_normalize_snak(s, entity, p) for s in group] for p, group in snaks.items()}


def _normalize_snak(snak: Any, entity: str, pid: str) -> Json:
    if not isinstance(snak, Mapping):
        raise EntityError(_("expected a snak object"), entity=entity, prop=pid)
    prop = snak.get("property", pid)
    if not ids.is_id(prop, kinds="P"):
        raise EntityError(_("bad property id {found} in a snak").format(found=repr(prop)), entity=entity, prop=pid)
    snaktype = snak.get("snaktype", "value")
    if snaktype not in SNAKTYPES:
        raise EntityError(_("snaktype must be value, somevalue or novalue, found {found}").format(
            found=repr(snaktype)), entity=entity, prop=prop)
    out = dict(snak)
    out["property"] = prop
    if snaktype == "value":
        dv = snak.get("datavalue")
        if not isinstance(dv, Mapping) or "value" not in dv:
            raise EntityError(_("a value snak without a datavalue"), entity=entity, prop=prop)
        if dv.get("type") == "wikibase-entityid" and isinstance(dv["value"], Mapping) and "id" not in dv["value"]:
            v = dict(dv["value"])
            try:
                if v.get("entity-type") == "entity-schema":  # an EntitySchema (E10): not an id glamkg mints
                    v["id"] = "E" + ids.from_numeric("item", v.get("numeric-id"))[1:]  # type: ignore[arg-type]
                else:
                    v["id"] = ids.from_numeric(v.get("entity-type", ""), v.get("numeric-id"))  # type: ignore[arg-type]
            except ids.InvalidId as e:
                raise EntityError(_("bad entity-id value: {reason}").format(
                    reason=e), entity=entity, prop=prop) from None
            out["datavalue"] = {**dv, "value": v}
    return out

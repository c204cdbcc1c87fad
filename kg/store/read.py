"""Entity JSON read back from the store's WDQS-form RDF (what :meth:`StoreTarget.existing` returns).

The store keeps RDF, not JSON; a load needs the current JSON of the items it touches to merge its statements
into them and to plan. :func:`read_entities` rebuilds the Wikibase API shape from the entity's triples:
terms, sitelinks, and every statement (``p:`` -> ``wds:``) with its rank, main value, qualifiers and
references, using the ``wdv:`` value nodes for times, quantities and coordinates.

Some lexical detail is lost in RDF (Oxigraph stores ``"+12"^^xsd:decimal`` as ``12``; a year-precision date
``+2021-00-00T00:00:00Z`` is written as ``2021-01-01T00:00:00Z``; a Julian date is converted to Gregorian).
Value nodes are named by the hash of the exact original value, so each candidate is checked against that
hash and the one that matches is used. A value that cannot be restored exactly is listed under the entity's
``"glamkg:lossy"`` key; :mod:`kg.load` refuses to rewrite such an entity rather than alter what it did not
mean to touch.

Only pattern lookups by validated entity IRIs are used (no SPARQL text at all).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox

from kg.model import ids, timevalue, wbhash
from kg.model.schema import model
from kg.model.sites import wikimedia_site
from kg.rdf.vocabulary import (
    COMMONS_DATA,
    COMMONS_FILE,
    GEO,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    WIKIBASE,
    XSD,
)

Json = dict[str, Any]
LOSSY = "glamkg:lossy"
_DG = ox.DefaultGraph()
_A = ox.NamedNode(RDF + "type")
_LABEL = RDFS + "label"
_DESC = SCHEMA + "description"
_ALT = SKOS + "altLabel"
_ABOUT = ox.NamedNode(SCHEMA + "about")
_VERSION = SCHEMA + "version"
_MODIFIED = SCHEMA + "dateModified"
_DERIVED = ox.NamedNode(PROV + "wasDerivedFrom")
_RANKS = {
    WIKIBASE + "NormalRank": "normal",
    WIKIBASE + "PreferredRank": "preferred",
    WIKIBASE + "DeprecatedRank": "deprecated",
}
_TYPES = {  # wikibase:propertyType local name -> datatype
    "WikibaseItem": "wikibase-item",
    "WikibaseProperty": "wikibase-property",
    "WikibaseLexeme": "wikibase-lexeme",
    "String": "string",
    "ExternalId": "external-id",
    "Url": "url",
    "CommonsMedia": "commonsMedia",
    "GeoShape": "geo-shape",
    "TabularData": "tabular-data",
    "Monolingualtext": "monolingualtext",
    "Time": "time",
    "Quantity": "quantity",
    "GlobeCoordinate": "globe-coordinate",
    "Math": "math",
    "MusicalNotation": "musical-notation",
    "EntitySchema": "entity-schema",
}
_SCHEMA_ID = re.compile(r"^E[1-9][0-9]*$")
_HOST_SITES = {
    "commons.wikimedia.org": "commonswiki",
    "species.wikimedia.org": "specieswiki",
    "meta.wikimedia.org": "metawiki",
    "www.mediawiki.org": "mediawikiwiki",
    "www.wikidata.org": "wikidatawiki",
    "wikisource.org": "sourceswiki",
    "outreach.wikimedia.org": "outreachwiki",
    "wikimania.wikimedia.org": "wikimaniawiki",
    "www.wikifunctions.org": "wikifunctionswiki",
    "incubator.wikimedia.org": "incubatorwiki",
}
_FAMILY_HOSTS = {
    "wikipedia.org": "wiki",
    "wikisource.org": "wikisource",
    "wikiquote.org": "wikiquote",
    "wikibooks.org": "wikibooks",
    "wikinews.org": "wikinews",
    "wikiversity.org": "wikiversity",
    "wikivoyage.org": "wikivoyage",
    "wiktionary.org": "wiktionary",
}
_XSD_DT = re.compile(r"^(-?)(\d{4,})-(\d\d)-(\d\d)T(\d\d:\d\d:\d\d)Z$")


def _prop_base() -> str:
    base = ids.wikidata_concept_base()
    return (base[: -len("entity/")] if base.endswith("entity/") else base) + "prop/"


class _Reader:
    def __init__(self, store: ox.Store) -> None:
        self.st = store
        pb = _prop_base()
        self.p, self.ps, self.psv = pb, pb + "statement/", pb + "statement/value/"
        self.pq, self.pqv = pb + "qualifier/", pb + "qualifier/value/"
        self.pr, self.prv = pb + "reference/", pb + "reference/value/"
        self.wdno = pb + "novalue/"
        self.m = model()
        self._dtypes: dict[str, str | None] = {}

    def po(self, s: Any) -> list[tuple[str, Any]]:
        return [(q.predicate.value, q.object) for q in self.st.quads_for_pattern(s, None, None, _DG)]

    def datatype(self, pid: str, obj: Any) -> str:
        if pid not in self._dtypes:
            p = self.m.prop_by_id(pid)
            dtype = p.datatype if p else None
            if dtype is None:
                for q in self.st.quads_for_pattern(
                    ox.NamedNode(ids.entity_iri(pid)), ox.NamedNode(WIKIBASE + "propertyType"), None, _DG
                ):
                    dtype = _TYPES.get(str(getattr(q.object, "value", "")).removeprefix(WIKIBASE))
            self._dtypes[pid] = dtype
        dtype = self._dtypes[pid]
        if dtype:
            return dtype
        # Not in the model and no property entity in the store: infer from the RDF term.
        if isinstance(obj, ox.NamedNode):
            v = obj.value
            if ids.try_id_from_iri(v):
                return {"Q": "wikibase-item", "P": "wikibase-property", "L": "wikibase-lexeme"}[ids.id_from_iri(v)[0]]
            if v.startswith(ids.wikidata_concept_base()) and _SCHEMA_ID.match(v.rsplit("/", 1)[-1]):
                return "entity-schema"
            if v.startswith(COMMONS_FILE):
                return "commonsMedia"
            return "url"
        if isinstance(obj, ox.Literal):
            if obj.language:
                return "monolingualtext"
            t = obj.datatype.value
            if t == XSD + "dateTime":
                return "time"
            if t == XSD + "decimal":
                return "quantity"
            if t == GEO + "wktLiteral":
                return "globe-coordinate"
        return "string"

    # -- snaks ---------------------------------------------------------------------------------------

    def snak(self, pid: str, obj: Any, vnode: Any, lossy: list[str], where: str) -> Json:
        if obj is None:
            return {
                "snaktype": "novalue",
                "property": pid,
                "hash": wbhash.snak_hash("novalue", pid),
                "datatype": self.datatype(pid, None),
            }
        if isinstance(obj, ox.BlankNode) or (isinstance(obj, ox.NamedNode) and "/.well-known/genid/" in obj.value):
            return {
                "snaktype": "somevalue",
                "property": pid,
                "hash": wbhash.snak_hash("somevalue", pid),
                "datatype": self.datatype(pid, None),
            }
        dtype = self.datatype(pid, obj)
        dv = self.datavalue(dtype, obj, vnode, lossy, where)
        hv = dv["value"]["id"] if dv["type"] == "wikibase-entityid" else dv["value"]
        h = wbhash.snak_hash("value", pid, dv["type"], hv)
        return {"snaktype": "value", "property": pid, "hash": h, "datavalue": dv, "datatype": dtype}

    def datavalue(self, dtype: str, obj: Any, vnode: Any, lossy: list[str], where: str) -> Json:
        if dtype in ("wikibase-item", "wikibase-property", "wikibase-lexeme"):
            eid = ids.id_from_iri(obj.value)
            etype = ids.ENTITY_TYPES[eid[0]]
            return {"value": {"entity-type": etype, "numeric-id": int(eid[1:]), "id": eid}, "type": "wikibase-entityid"}
        if dtype == "entity-schema" and isinstance(obj, ox.NamedNode):
            sid = obj.value.rsplit("/", 1)[-1]
            return {"value": {"id": sid, "entity-type": "entity-schema", "numeric-id": int(sid[1:])},
                    "type": "wikibase-entityid"}
        if dtype == "monolingualtext":
            return {"value": {"text": obj.value, "language": obj.language}, "type": "monolingualtext"}
        if dtype == "commonsMedia" and isinstance(obj, ox.NamedNode):
            return {"value": unquote(obj.value.removeprefix(COMMONS_FILE)), "type": "string"}
        if dtype in ("geo-shape", "tabular-data") and isinstance(obj, ox.NamedNode):
            return {"value": unquote(obj.value.removeprefix(COMMONS_DATA)).replace("_", " "), "type": "string"}
        if dtype == "time":
            return {"value": self.time(obj, vnode, lossy, where), "type": "time"}
        if dtype == "quantity":
            return {"value": self.quantity(obj, vnode, lossy, where), "type": "quantity"}
        if dtype == "globe-coordinate":
            return {"value": self.coordinate(vnode, lossy, where), "type": "globecoordinate"}
        return {"value": obj.value, "type": "string"}

    def _node(self, vnode: Any) -> tuple[dict[str, Any], str]:
        if vnode is None:
            return {}, ""
        props = {p.removeprefix(WIKIBASE): o for p, o in self.po(vnode)}
        return props, vnode.value.rsplit("/", 1)[-1]

    def time(self, obj: Any, vnode: Any, lossy: list[str], where: str) -> Json:
        props, h = self._node(vnode)
        lex = props["timeValue"].value if "timeValue" in props else obj.value
        precision = int(props["timePrecision"].value) if "timePrecision" in props else 11
        timezone = int(props["timeTimezone"].value) if "timeTimezone" in props else 0
        cal = (
            props["timeCalendarModel"].value
            if "timeCalendarModel" in props
            else (ids.entity_iri(self.m.value("gregorian").id))
        )
        base = {"timezone": timezone, "before": 0, "after": 0, "precision": precision, "calendarmodel": cal}
        cands = _time_candidates(lex, precision, cal)
        for c in cands:
            v = {"time": c, **base}
            if h and wbhash.value_hash("time", v) == h:
                return v
        if not h:
            for c in cands:
                if timevalue.xsd_datetime(c, precision, cal) == lex:
                    return {"time": c, **base}
        lossy.append(f"{where}: time {lex}")
        return {"time": cands[0] if cands else lex, **base}

    def quantity(self, obj: Any, vnode: Any, lossy: list[str], where: str) -> Json:
        props, h = self._node(vnode)
        amount = props["quantityAmount"].value if "quantityAmount" in props else obj.value
        unit_node = props.get("quantityUnit")
        unit = unit_node.value if unit_node is not None else "1"
        if unit == ids.entity_iri(self.m.value("unit_one").id):
            unit = "1"
        upper = props["quantityUpperBound"].value if "quantityUpperBound" in props else None
        lower = props["quantityLowerBound"].value if "quantityLowerBound" in props else None
        for a in _decimal_candidates(amount):
            for u in [unit, ids.entity_iri(self.m.value("unit_one").id)] if unit == "1" else [unit]:
                bounds = (
                    [(None, None)]
                    if upper is None
                    else [(x, y) for x in _decimal_candidates(upper) for y in _decimal_candidates(lower)]
                )
                for up, lo in bounds:
                    v: Json = {"amount": a, "unit": u}
                    if up is not None:
                        v["upperBound"], v["lowerBound"] = up, lo
                    if not h or wbhash.value_hash("quantity", v) == h:
                        return v
        lossy.append(f"{where}: quantity {amount}")
        v = {"amount": _decimal_candidates(amount)[0], "unit": unit}
        if upper is not None:
            v["upperBound"], v["lowerBound"] = _decimal_candidates(upper)[0], _decimal_candidates(lower)[0]
        return v

    def coordinate(self, vnode: Any, lossy: list[str], where: str) -> Json:
        props, h = self._node(vnode)
        if not props:
            lossy.append(f"{where}: coordinate without a value node")
            return {"latitude": 0.0, "longitude": 0.0, "altitude": None, "precision": None, "globe": ""}
        v: Json = {
            "latitude": float(props["geoLatitude"].value),
            "longitude": float(props["geoLongitude"].value),
            "altitude": None,
            "precision": float(props["geoPrecision"].value) if "geoPrecision" in props else None,
            "globe": props["geoGlobe"].value if "geoGlobe" in props else ids.entity_iri(self.m.value("earth").id),
        }
        if _A.value in props and props[_A.value].value == WIKIBASE + "GeoAutoPrecision":
            v["precision"] = None
        if h and wbhash.globe_hash(v) != h and wbhash.globe_hash({**v, "precision": None}) == h:
            v["precision"] = None
        elif h and wbhash.globe_hash(v) != h:
            lossy.append(f"{where}: coordinate {v['latitude']},{v['longitude']}")
        return v

    # -- statements ------------------------------------------------------------------------------------

    def statement(self, pid: str, node: Any, lossy: list[str], eid: str) -> Json:
        sid_local = node.value.rsplit("/", 1)[-1]
        sid = sid_local.replace("-", "$", 1)
        where = f"{pid} statement {sid}"
        main_obj = main_v = None
        novalue = False
        rank = "normal"
        quals: dict[str, list[tuple[Any, Any]]] = {}
        qual_vnodes: dict[str, list[Any]] = {}
        refs: list[Any] = []
        for p, o in self.po(node):
            if p == self.ps + pid:
                main_obj = o
            elif p == self.psv + pid:
                main_v = o
            elif p == WIKIBASE + "rank":
                rank = _RANKS.get(o.value, "normal")
            elif p == _A.value and o.value == self.wdno + pid:
                novalue = True
            elif p.startswith(self.pqv):
                qual_vnodes.setdefault(p[len(self.pqv) :], []).append(o)
            elif p.startswith(self.pq):
                quals.setdefault(p[len(self.pq) :], []).append((o, None))
            elif p == _DERIVED.value:
                refs.append(o)
            elif p == _A.value and o.value.startswith(self.wdno):
                quals.setdefault(o.value[len(self.wdno) :], []).append((None, None))
        st: Json = {
            "mainsnak": self.snak(pid, None if novalue else main_obj, main_v, lossy, where),
            "type": "statement",
        }
        if quals:
            st["qualifiers"] = {}
            for qp, objs in quals.items():
                vnodes = qual_vnodes.get(qp, [])
                st["qualifiers"][qp] = [
                    self.snak(qp, o, self._match_vnode(o, vnodes), lossy, f"{where} qualifier {qp}") for o, _ in objs
                ]
            st["qualifiers-order"] = list(st["qualifiers"])
        st["id"] = sid
        st["rank"] = rank
        if refs:
            st["references"] = [self.reference(r, lossy, where) for r in refs]
        return st

    def _match_vnode(self, obj: Any, vnodes: list[Any]) -> Any:
        """The value node of a qualifier/reference value (several values: the one with the same simple value)."""
        if len(vnodes) <= 1 or obj is None:
            return vnodes[0] if vnodes else None
        for vn in vnodes:
            props = {p.removeprefix(WIKIBASE): o for p, o in self.po(vn)}
            for k in ("timeValue", "quantityAmount"):
                if k in props and props[k] == obj:
                    return vn
            if "geoLatitude" in props and isinstance(obj, ox.Literal):
                lat, lon = float(props["geoLatitude"].value), float(props["geoLongitude"].value)
                m = re.search(r"Point\(([-0-9.eE]+) ([-0-9.eE]+)\)", obj.value)
                if m and float(m.group(1)) == lon and float(m.group(2)) == lat:
                    return vn
        return vnodes[0]

    def reference(self, node: Any, lossy: list[str], where: str) -> Json:
        snaks: dict[str, list[Json]] = {}
        objs: dict[str, list[Any]] = {}
        vnodes: dict[str, list[Any]] = {}
        for p, o in self.po(node):
            if p.startswith(self.prv):
                vnodes.setdefault(p[len(self.prv) :], []).append(o)
            elif p.startswith(self.pr):
                objs.setdefault(p[len(self.pr) :], []).append(o)
            elif p == _A.value and o.value.startswith(self.wdno):
                objs.setdefault(o.value[len(self.wdno) :], []).append(None)
        for rp, os in objs.items():
            snaks[rp] = [
                self.snak(rp, o, self._match_vnode(o, vnodes.get(rp, [])), lossy, f"{where} reference") for o in os
            ]
        h = node.value.rsplit("/", 1)[-1]
        if wbhash.reference_hash(s["hash"] for ss in snaks.values() for s in ss) != h:
            lossy.append(f"{where}: reference {h}")
        return {"hash": h, "snaks": snaks, "snaks-order": list(snaks)}

    # -- entity ------------------------------------------------------------------------------------------

    def entity(self, eid: str) -> Json | None:
        iri = ox.NamedNode(ids.entity_iri(eid))
        quads = self.po(iri)
        if not quads:
            return None
        ent: Json = {
            "type": "item" if eid[0] == "Q" else "property",
            "id": eid,
            "labels": {},
            "descriptions": {},
            "aliases": {},
            "claims": {},
            "sitelinks": {},
        }
        lossy: list[str] = []
        for p, o in quads:
            if p == _LABEL:
                ent["labels"][o.language] = {"language": o.language, "value": o.value}
            elif p == _DESC:
                ent["descriptions"][o.language] = {"language": o.language, "value": o.value}
            elif p == _ALT:
                ent["aliases"].setdefault(o.language, []).append({"language": o.language, "value": o.value})
            elif p == _VERSION:
                ent["lastrevid"] = int(o.value)
            elif p == _MODIFIED:
                ent["modified"] = o.value if o.value.endswith("Z") else o.value + "Z"
            elif p.startswith(self.p) and ids.is_id(p[len(self.p) :], kinds="P") and not isinstance(o, ox.Literal):
                pid = p[len(self.p) :]
                ent["claims"].setdefault(pid, []).append(self.statement(pid, o, lossy, eid))
        for al in ent["aliases"].values():
            al.sort(key=lambda a: a["value"])
        for q in self.st.quads_for_pattern(None, _ABOUT, iri, _DG):
            link = self.sitelink(q.subject, lossy)
            if link:
                ent["sitelinks"][link["site"]] = link
        for sts in ent["claims"].values():
            sts.sort(key=lambda s: s["id"])
        if lossy:
            ent[LOSSY] = lossy
        return ent

    def sitelink(self, node: Any, lossy: list[str]) -> Json | None:
        props = dict(self.po(node))
        name = props.get(SCHEMA + "name")
        if name is None:
            return None
        url = node.value
        m = re.match(r"^https?://([^/]+)/", url)
        site = None
        if m:
            host = m.group(1)
            site = _HOST_SITES.get(host)
            if site is None:
                code, _, fam = host.partition(".")
                suffix = _FAMILY_HOSTS.get(fam)
                if suffix:
                    code = {"be-tarask": "be_x_old"}.get(code, code)
                    site = code.replace("-", "_") + suffix
        s = wikimedia_site(site) if site else None
        if s is None:
            lossy.append(f"sitelink {url}")
            return None
        badges = sorted(o.value.rsplit("/", 1)[-1] for p, o in self.po(node) if p == WIKIBASE + "badge")
        return {"site": site, "title": name.value, "badges": badges}


def _time_candidates(lex: str, precision: int, calendar: str) -> list[str]:
    m = _XSD_DT.match(lex)
    if not m:
        return [lex] if lex.startswith(("+", "-")) else []
    neg, ytext, mo, d, clock = m.groups()
    year = -int(ytext) if neg else int(ytext)
    if precision >= 9 and (neg or year == 0):
        year -= 1  # undo the XSD 1.1 year shift
    if year == 0:
        return []
    sign = "-" if year < 0 else "+"
    y = f"{abs(year):04d}"
    dates: list[tuple[str, str]] = []
    julian = calendar.endswith("/Q1985786")
    if julian and precision >= 11 and 1 <= year <= 9999:
        g = dt.date(year, int(mo), int(d))
        for k in range(0, 40):
            j = g - dt.timedelta(days=k)
            dates.append((f"{j.year:04d}", f"{j.month:02d}-{j.day:02d}"))
    months = [mo, "00"] if precision <= 9 else [mo]
    days = [d, "00"] if precision <= 10 else [d]
    for mm in months:
        for dd in days:
            dates.append((y, f"{mm}-{dd}"))
    out = []
    for yy, md in dates:
        c = f"{sign}{yy}-{md}T{clock}Z"
        if c not in out:
            out.append(c)
    # Prefer the zeroed form Wikibase writes for coarse precisions.
    out.sort(key=lambda c: 0 if precision <= 10 and ("-00T" in c or "-00-" in c) else 1)
    return out


def _decimal_candidates(text: str | None) -> list[str]:
    if text is None:
        return [""]
    t = text.strip()
    base = t if t.startswith(("+", "-")) else "+" + t
    out = [base]
    if "." not in base:
        out += [base + "." + "0" * k for k in range(1, 7)]
    else:
        out += [base + "0" * k for k in range(1, 7)]
    if base in ("+0", "-0"):
        out.append("-0" if base == "+0" else "+0")
    return out


def read_entities(store: ox.Store, entity_ids: Iterable[str]) -> dict[str, Json | None]:
    """Entity JSON (API shape) of each id; None where the store has no triples about it."""
    r = _Reader(store)
    return {eid: r.entity(ids.item_id(eid) if eid.startswith("Q") else str(ids.parse_id(eid))) for eid in entity_ids}

"""The SPARQL of the evidence import (``glamkg import wikidata --evidence``) and its answers as plain data.

Like the institution import (:mod:`kg.wikidata.fetch`): a cheap **listing** of ids per unit, cut into stable
pages on the client, then one long-form **details** query per page starting from the page's ``VALUES`` block.
Every query is built from validated ids, language codes and the validated entity base only.

- residence: people with a non-deprecated occupation (P106) statement Wikimedian in residence (Q3809586); per
  statement its qualifiers employer (P108), work location (P937), start/end time (P580/P582, full values for
  their precision), and the person's own best-rank employers (``wdt:P108``, used when the statement names none)
  -- the two ways real WDQS queries read them (``../shared/conformance/wdqs-queries``, Q3809586);
- commons: institutions of one type in one country with a Commons Institution page (P1612) or a Commons
  category (P373); the details are :func:`kg.wikidata.fetch.details_query`'s;
- affiliates: instances (``wdt:P31``) of a Wikidata class of Wikimedia affiliates (schemas/evidence.yaml).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg.errors import RemoteError
from kg.i18n import _
from kg.model import ids
from kg.model.schema import model
from kg.wikidata import fetch as wf

#: model property keys the commons details fetch, and those of an affiliate
COMMONS_PROPS = ("commons_institution_page", "commons_category")
AFFILIATE_PROPS = ("country", "website", "inception", "dissolved")


def _pid(key: str) -> str:
    return ids.property_id(model().prop(key).id)


def prefixes(ns: wf.Namespaces) -> str:
    r = ns.root
    return "\n".join([ns.prefixes(), f"PREFIX pq: <{r}prop/qualifier/>", f"PREFIX pqv: <{r}prop/qualifier/value/>"])


def occupation_qid() -> str:
    from kg.model import evidence

    return ids.item_id(model().cls(str(evidence.rules().imports["residence"]["occupation"])).id)


def _residence_pattern() -> str:
    occ = _pid("occupation")
    return (
        f"?person p:{occ} ?statement . ?statement ps:{occ} wd:{occupation_qid()} .\n"
        f"    FILTER NOT EXISTS {{ ?statement wikibase:rank wikibase:DeprecatedRank }}"
    )


def residence_listing_query(ns: wf.Namespaces) -> str:
    """Every person with a Wikimedian-in-residence occupation statement (ids only)."""
    return f"{prefixes(ns)}\nSELECT DISTINCT ?person WHERE {{\n    {_residence_pattern()}\n}}\n"


def residence_details_query(ns: wf.Namespaces, persons: Sequence[str], langs: Sequence[str]) -> str:
    """Long form, one row per (person, statement, key, value): ``?key`` is ``statement`` (the statement itself),
    a qualifier's property id (P108, P937, P580, P582), ``employer`` (the person's own P108) or ``label``."""
    if not persons:
        raise ValueError("residence_details_query needs at least one person")
    values = "VALUES ?person { " + " ".join("wd:" + ids.item_id(q) for q in persons) + " }"
    langs_list = ", ".join(f'"{code}"' for code in wf.languages(langs))
    stmt = _residence_pattern()
    branches = [f'{stmt}\n    BIND(?statement AS ?value) BIND("statement" AS ?key)']
    for key in ("employer", "work_location"):
        pid = _pid(key)
        branches.append(f'{stmt}\n    ?statement pq:{pid} ?value . BIND("{pid}" AS ?key)')
    for key in ("start_time", "end_time"):
        pid = _pid(key)
        branches.append(
            f"{stmt}\n    ?statement pqv:{pid} ?node . ?node wikibase:timeValue ?value ; wikibase:timePrecision "
            f"?precision .\n    OPTIONAL {{ ?node wikibase:timeCalendarModel ?calendar . }}\n"
            f'    BIND("{pid}" AS ?key)'
        )
    branches.append(f'?person wdt:{_pid("employer")} ?value . BIND("employer" AS ?key)')
    branches.append(f'?person rdfs:label ?value . FILTER(LANG(?value) IN ({langs_list})) BIND("label" AS ?key)')
    union = "\n  UNION\n".join(f"  {{\n    {values}\n    {b}\n  }}" for b in branches)
    return f"{prefixes(ns)}\nSELECT ?person ?statement ?key ?value ?precision ?calendar WHERE {{\n{union}\n}}\n"


def commons_listing_query(ns: wf.Namespaces, type_key: str, country_qid: str, *, subclasses: bool = False) -> str:
    """Ids of the institutions of one type in one country that have a Commons Institution page or category."""
    classes = " ".join(wf._class_term(c) for c in wf.type_class_ids(type_key))
    p31 = f"wdt:{_pid('instance_of')}"
    path = f"{p31}/wdt:{_pid('subclass_of')}*" if subclasses else p31
    return (
        f"{prefixes(ns)}\n"
        f"SELECT DISTINCT ?item WHERE {{\n"
        f"  VALUES ?class {{ {classes} }}\n"
        f"  ?item {path} ?class .\n"
        f"  ?item wdt:{_pid('country')} wd:{ids.item_id(country_qid)} .\n"
        f"  {{ ?item wdt:{_pid('commons_institution_page')} ?page }} UNION "
        f"{{ ?item wdt:{_pid('commons_category')} ?category }}\n"
        f"}}\n"
    )


def affiliate_listing_query(ns: wf.Namespaces, wikidata_class: str) -> str:
    """Ids of the instances of one Wikidata class of Wikimedia affiliates."""
    return (
        f"{prefixes(ns)}\nSELECT DISTINCT ?item WHERE {{\n"
        f"  ?item wdt:{_pid('instance_of')} wd:{ids.item_id(wikidata_class)} .\n}}\n"
    )


def listed(body: Mapping[str, Any], ns: wf.Namespaces, var: str) -> list[str]:
    """Q-ids bound to ``var`` in a listing answer, sorted by number."""
    out = {
        q
        for b in body["results"]["bindings"]
        if isinstance(t := b.get(var), Mapping) and t.get("type") == "uri"
        if (q := ns.item_id(str(t.get("value", ""))))
    }
    return sorted(out, key=lambda q: int(q[1:]))


@dataclass
class Residency:
    """One Wikimedian-in-residence statement as Wikidata has it."""

    person: str
    statement: str  # the statement id (Q42-0a1b...), stable on Wikidata
    employers: list[str] = field(default_factory=list)  # qualifier P108
    locations: list[str] = field(default_factory=list)  # qualifier P937
    start: tuple[str, int, str | None] | None = None  # timeValue, precision, calendar
    end: tuple[str, int, str | None] | None = None
    #: filled from the person: their own best-rank employers (when the statement names none) and labels
    person_employers: list[str] = field(default_factory=list)
    person_labels: dict[str, str] = field(default_factory=dict)

    @property
    def hosts(self) -> list[str]:
        return self.employers or self.person_employers


def statement_id(iri: str) -> str | None:
    """``http://www.wikidata.org/entity/statement/Q42-0A1B...`` -> ``Q42-0A1B...`` (None for anything else)."""
    tail = iri.rsplit("/", 1)[-1]
    head, sep, rest = tail.partition("-")
    if "/statement/" not in iri or not sep or not rest or not ids.is_id(head, kinds="Q"):
        return None
    return tail


def residencies(body: Mapping[str, Any], ns: wf.Namespaces, where: str = "") -> tuple[list[Residency], int]:
    """The residence details answer -> residencies (in statement order) and the number of values left out
    (unknown/no values, malformed dates)."""
    found: dict[str, Residency] = {}
    person_employers: dict[str, list[str]] = {}
    labels: dict[str, dict[str, str]] = {}
    skipped = 0
    q_employer, q_location, q_start, q_end = (_pid(k) for k in ("employer", "work_location", "start_time", "end_time"))
    rows = body["results"]["bindings"]
    for n, b in enumerate(rows):
        person_t, key_t, value_t = b.get("person"), b.get("key"), b.get("value")
        if not (isinstance(person_t, Mapping) and isinstance(key_t, Mapping) and isinstance(value_t, Mapping)):
            raise RemoteError(_("{where}: row {row}: expected ?person, ?key and ?value bound, found {found}").format(
                where=where, row=n, found=sorted(b)))
        person = ns.item_id(str(person_t.get("value", "")))
        if person is None:
            raise RemoteError(_("{where}: row {row}: expected a person under {base}, found {found}").format(
                where=where, row=n, base=ns.entity, found=repr(person_t.get("value"))))
        key, value = str(key_t.get("value")), str(value_t.get("value", ""))
        if key == "label":
            if value_t.get("xml:lang"):
                labels.setdefault(person, {})[str(value_t["xml:lang"])] = value
            continue
        if key == "employer":
            target = ns.item_id(value) if value_t.get("type") == "uri" else None
            if target is None:
                skipped += 1
            elif target not in person_employers.setdefault(person, []):
                person_employers[person].append(target)
            continue
        st_t = b.get("statement")
        sid = statement_id(str(st_t.get("value", ""))) if isinstance(st_t, Mapping) else None
        if sid is None:
            raise RemoteError(_("{where}: row {row}: expected ?statement to be a statement IRI, found {found}").format(
                where=where, row=n, found=repr(st_t)))
        res = found.setdefault(sid, Residency(person, sid))
        if key == "statement":
            continue
        if key in (q_employer, q_location):
            target = ns.item_id(value) if value_t.get("type") == "uri" else None
            bucket = res.employers if key == q_employer else res.locations
            if target is None:
                skipped += 1
            elif target not in bucket:
                bucket.append(target)
        elif key in (q_start, q_end):
            precision = wf._int(b.get("precision"))
            cal_t = b.get("calendar")
            calendar = ns.item_id(str(cal_t.get("value"))) if isinstance(cal_t, Mapping) else None
            if precision is None:
                skipped += 1
                continue
            when = (value, precision, calendar)
            if key == q_start:
                res.start = min(res.start, when) if res.start else when  # two values: the earlier start
            else:
                res.end = max(res.end, when) if res.end else when
        else:
            raise RemoteError(_("{where}: row {row}: unexpected ?key {key}").format(where=where, row=n, key=repr(key)))
    for res in found.values():
        res.person_employers = person_employers.get(res.person, [])
        res.person_labels = labels.get(res.person, {})
    return list(found.values()), skipped

"""Importing impact reports: rows -> institutions -> dated measure statements in the store (docs/import.md).

Each report row is about one Commons category at one date. It is reconciled to an institution of the store:

1. by Commons category: an institution whose ``P373`` (Commons category) or ``P1612`` (Commons Institution
   page) is the row's category (compared as page titles: underscores, ``Category:`` and the case of the first
   letter do not matter);
2. else by name + country: the row's institution name (normalised as :func:`kg.load.reconcile.normalise_label`)
   is a label of one institution, in the row's country (``--country``) when one is given.

Two candidates or more is **ambiguous** and one is never guessed; no candidate is **unmatched**. Both are
listed and their rows are not written (``strict`` refuses the whole import instead).

For every matched (institution, category) the import writes (ids derived from the institution and the
category, so every run names the same items):

- a partnership (class ``partnership_class`` of ``schemas/impact.yaml``: a content donation) with the
  institution as participant (P710), the category (P373) and an unknown start time (P580 "somevalue": the
  report proves the partnership, not when it began);
- an impact contribution (class ``contribution_class``) part of (P361) it, holding one quantity (P1114)
  statement per measure and report date: the unit is the measure's item, the qualifier point in time (P585) the
  report date, the reference the report (P854: the row's report URL or the category URL; P813: the date).

History is kept: the statements already in the store for other dates stay; a (measure, date) already there
gets the row's amount (a corrected report). So importing the same report again changes nothing, and its XLSX
twin (same figures, same URLs) changes nothing either. Everything is written in one write (all or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.errors import InputError
from kg.i18n import _
from kg.load.impact_read import Report, ReportRow, category_name, read_report
from kg.load.problems import Problem, ValidationFailed
from kg.load.reconcile import Index, mint_id, normalise_label
from kg.model import ids, regions
from kg.model.entities import Claim, Record, to_json
from kg.model.measures import measures
from kg.model.schema import model
from kg.model.values import SOMEVALUE, ItemRef, Quantity, Time
from kg.store.read import read_entities
from kg.store.report import WriteReport

Json = dict[str, Any]
_DG = ox.DefaultGraph()
WDT = "http://www.wikidata.org/prop/direct/"
COMMONS_CATEGORY = "https://commons.wikimedia.org/wiki/Category:"


@dataclass
class ImpactResult:
    report: Report
    matched: list[tuple[int, str, str]] = field(default_factory=list)  # (row, institution, how)
    unmatched: list[tuple[int, str, str]] = field(default_factory=list)  # (row, category, institution name)
    ambiguous: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (row, category, candidates)
    written: WriteReport | None = None
    totals: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (measure, date) -> sum of loaded rows
    contributions: list[str] = field(default_factory=list)

    def dates(self) -> list[str]:
        """The report's dates (every row's, matched or not)."""
        return sorted({date_key(r.date) for r in self.report.rows})


class InstitutionFinder:
    """Institutions of the store by Commons category (P373/P1612) and by label + country."""

    def __init__(self, store: ox.Store | None) -> None:
        m = model()
        self.index = Index.from_store(store)
        inst_classes = {m.cls(c).id for c in m.kind("institution").allowed_classes}
        self.institutions = {e for e, cls in self.index.classes.items() if cls & inst_classes}
        self.by_category: dict[str, set[str]] = {}
        if store is None:
            return
        for pid in measures().match_properties:
            pred = ox.NamedNode(WDT + ids.property_id(pid))
            for q in store.quads_for_pattern(None, pred, None, _DG):
                eid = ids.try_id_from_iri(q.subject.value) if isinstance(q.subject, ox.NamedNode) else None
                if eid in self.institutions and isinstance(q.object, ox.Literal):
                    key = category_name(q.object.value).casefold()
                    self.by_category.setdefault(key, set()).add(eid)

    def find(self, row: ReportRow) -> tuple[set[str], str]:
        hits = self.by_category.get(row.category.casefold(), set())
        if hits:
            return hits, "commons category"
        if not row.institution:
            return set(), ""
        cands = self.index.labels.get(normalise_label(row.institution), set()) & self.institutions
        if row.country:
            iso = regions.resolve(row.country, strict=True)
            cands = {c for c in cands if any(regions.resolve(q) == iso for q in self.index.countries.get(c, ()))}
        return cands, "name + country" if row.country else "name"


def _points(entity: Json | None) -> dict[tuple[str, str], tuple[Quantity, Time, str]]:
    """The measure statements of an existing contribution: (unit item, time) -> (quantity, time, reference URL)."""
    out: dict[tuple[str, str], tuple[Quantity, Time, str]] = {}
    if not entity:
        return out
    m = model()
    qpid, tpid, upid = m.prop("quantity").id, m.prop("point_in_time").id, m.prop("reference_url").id
    for st in entity.get("claims", {}).get(qpid, []):
        snak = st.get("mainsnak", {})
        quals = st.get("qualifiers", {}).get(tpid, [])
        if snak.get("snaktype") != "value" or not quals or quals[0].get("snaktype") != "value":
            continue
        v = snak["datavalue"]["value"]
        t = quals[0]["datavalue"]["value"]
        unit = ids.try_id_from_iri(v["unit"]) if v["unit"] != "1" else None
        if unit is None:
            continue
        url = ""
        for ref in st.get("references", []):
            for s in ref.get("snaks", {}).get(upid, []):
                url = s["datavalue"]["value"]
        time = Time(t["time"], precision=t["precision"])
        out[(unit, time.datavalue()["value"]["time"])] = (Quantity(v["amount"], ItemRef(unit)), time, url)
    return out


def _contribution(cid: str, pid: str, category: str, points: dict[tuple[str, str], tuple[Quantity, Time, str]]) -> Json:
    spec = measures()
    claims = [Claim("instance_of", model().cls(spec.contribution_class).id), Claim("part_of", pid)]
    for (_unit, _t), (q, t, url) in sorted(points.items()):
        refs = [[("reference_url", url), ("retrieved", t)]] if url else []
        claims.append(Claim("quantity", q, qualifiers=[("point_in_time", t)], references=refs))
    rec = Record(cid, "contribution", labels={"en": f"Commons media of {category}: impact"}, claims=claims)
    return to_json(rec)


def _partnership(pid: str, institution: str, category: str, url: str, first: Time) -> Json:
    """The partnership an impact report evidences (its own evidence kind, ``impact_report``), referenced to the
    category and to the date of the first report that named it (its recorded date: point-in-time snapshots
    count it from then)."""
    spec = measures()
    refs = [[("reference_url", url), ("retrieved", first)]]
    rec = Record(
        pid,
        "partnership",
        labels={"en": f"Commons content partnership: {category}"},
        claims=[
            Claim("instance_of", model().cls(spec.partnership_class).id, references=refs),
            Claim("participant", institution, references=refs),
            Claim("commons_category", category, references=refs),
            Claim("start_time", SOMEVALUE, references=refs),
        ],
    )
    return to_json(rec)


def _first_recorded(entity: Json | None) -> Time | None:
    """The retrieved date (P813) of an existing impact partnership's instance-of reference."""
    if not entity:
        return None
    m = model()
    for st in entity.get("claims", {}).get(m.prop("instance_of").id, []):
        for ref in st.get("references", []):
            for snak in ref.get("snaks", {}).get(m.prop("retrieved").id, []):
                if snak.get("snaktype") == "value":
                    v = snak["datavalue"]["value"]
                    return Time(v["time"], precision=v["precision"])
    return None


def date_key(t: Time) -> str:
    """A report date as the store's xsd:dateTime day (``2024-09-04``; a month ``2024-05`` is ``2024-05-01``)."""
    return t.datavalue()["value"]["time"][1:11].replace("-00", "-01")


def measure_items() -> list[Json]:
    """The measures' items with their labels (local items the store needs to show the units by name)."""
    return [
        to_json(Record(m.item, "class", labels={"en": m.label}, descriptions={"en": m.definition[:250]}))
        for m in measures().measures.values()
    ]


def import_report(
    store: Any,
    path: str | Path,
    *,
    format: str | None = None,
    country: str = "",
    strict: bool = False,
    dry_run: bool = False,
) -> ImpactResult:
    """Read, reconcile and write an impact report into ``store`` (a :class:`kg.store.Store`)."""
    if country:
        regions.resolve(country, strict=True)
    report = read_report(path, format=format, country=country)
    result = ImpactResult(report)
    finder = InstitutionFinder(store.inner)
    spec = measures()
    groups: dict[tuple[str, str], list[ReportRow]] = {}
    for row in report.rows:
        try:
            hits, how = finder.find(row)
        except InputError as e:
            raise ValidationFailed(
                [Problem(report.name, row.number, "country", "a country", row.country, str(e))], len(report.rows)
            ) from None
        if len(hits) == 1:
            inst = next(iter(hits))
            result.matched.append((row.number, inst, how))
            groups.setdefault((inst, row.category), []).append(row)
        elif hits:
            result.ambiguous.append((row.number, row.category, sorted(hits)))
        else:
            result.unmatched.append((row.number, row.category, row.institution))
    if strict and (result.ambiguous or result.unmatched):
        problems = [
            Problem(
                report.name,
                n,
                "Commons category",
                _("one institution of the store"),
                f"{len(c)}: {', '.join(c)}",
                _("give the institution a P373 equal to the category"),
            )
            for n, _cat, c in result.ambiguous
        ]
        problems += [
            Problem(
                report.name,
                n,
                "Commons category",
                _("one institution of the store"),
                (_("none for {category!r} or {name!r}") if name else _("none for {category!r}")).format(
                    category=cat, name=name),
                _("import the institution first (glamkg import wikidata) or give it this P373"),
            )
            for n, cat, name in result.unmatched
        ]
        raise ValidationFailed(problems, len(report.rows))
    entities: list[Json] = measure_items()
    planned: list[tuple[str, str, str, list[ReportRow]]] = []
    for (inst, category), rows in sorted(groups.items()):
        pid = mint_id(f"impact-partnership|{inst}|{category.casefold()}", set())
        cid = mint_id(f"impact-contribution|{inst}|{category.casefold()}", set())
        planned.append((inst, pid, cid, rows))
    wanted = [cid for _, _, cid, _ in planned] + [pid for _, pid, _, _ in planned]
    existing = read_entities(store.inner, wanted) if planned else {}
    for inst, pid, cid, rows in planned:
        points = _points(existing.get(cid))
        for row in rows:
            t = row.date
            url = row.source_url or row.category_url or COMMONS_CATEGORY + row.category.replace(" ", "_")
            for key, amount in row.measures.items():
                item = spec.measure(key).item
                points[(item, t.datavalue()["value"]["time"])] = (Quantity(amount, ItemRef(item)), t, url)
                tk = (key, date_key(t))
                result.totals[tk] = result.totals.get(tk, Decimal(0)) + amount
        category = rows[0].category
        dates = [r.date for r in rows]
        earlier = _first_recorded(existing.get(pid))
        if earlier is not None:
            dates.append(earlier)
        first = min(dates, key=date_key)
        page = rows[0].category_url or COMMONS_CATEGORY + category.replace(" ", "_")
        entities.append(_partnership(pid, inst, category, page, first))
        entities.append(_contribution(cid, pid, category, points))
        result.contributions.append(cid)
    if not dry_run:
        # nothing matched: nothing written (not even the measure items)
        result.written = store.write_entities(entities, source=f"file:{Path(path).name}") if planned else WriteReport()
    return result

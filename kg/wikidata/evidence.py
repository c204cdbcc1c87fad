"""Partnership evidence from Wikidata: ``glamkg import wikidata --evidence residence,commons,affiliates``.

The rules are data (``schemas/evidence.yaml``, read by :mod:`kg.model.evidence`); the queries are
:mod:`kg.wikidata.evidence_queries`. The import works like the institution import (:func:`import_wikidata`):
listings first (saved in the checkpoint), then pages of ids, each page one store transaction recorded in the
checkpoint after it committed; a pause between requests; a :class:`kg.errors.RemoteError` stops it and the same
command resumes after the last finished page. What it writes:

- ``residence``: one partnership item per Wikimedian-in-residence statement (instance of the
  Wikimedian-in-residence programme class; participants: the host institution(s) and the person; start and
  end time; location: the work location), its id derived from the statement's id on Wikidata;
- ``commons``: per institution with a Commons Institution page (P1612), one partnership item of the class
  *Commons Institution page evidence* naming the page; with a Commons category (P373), one of the class
  *Commons category evidence*; no dates (undated evidence, kept apart by their classes);
- ``affiliates``: Wikimedia affiliates as partner items (their country, website, inception, dissolution), with
  the model's partner class for the Wikidata class they were listed by.

Every statement carries one reference: stated in (Wikidata), retrieved (the day the content was first seen),
reference URL (the Wikidata page of the item the evidence was read from). ``python -m kg.wikidata.evidence``
writes docs/evidence.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from kg.errors import EntityError
from kg.i18n import _
from kg.model import evidence, ids
from kg.model.entities import Claim, Record, to_json
from kg.model.schema import model
from kg.model.values import ItemRef, Time
from kg.progress import SILENT, Progress
from kg.wikidata import evidence_queries as eq
from kg.wikidata import fetch as wf
from kg.wikidata.checkpoint import Checkpoint
from kg.wikidata.importer import (
    ImportReport,
    WikidataImport,
    Writer,
    _time_value,
    check_day,
    record_of,
    today,
    write_merged,
)

log = logging.getLogger(__name__)

#: Local ids of evidence items: local_id(EVIDENCE_OFFSET + h), h a hash of what the item is evidence of, below
#: 2**40; above the ids loads mint (below 2**48 + 10**6) and the demo's.
EVIDENCE_OFFSET = 1 << 49
EVIDENCE_SPACE = 1 << 40
ALL = "*"


def evidence_id(*parts: str) -> str:
    """The stable local id of an evidence item (``evidence_id("residence", "Q42-0A1B...")``)."""
    h = int.from_bytes(hashlib.sha256("\0".join(parts).encode()).digest()[:8], "big") % EVIDENCE_SPACE
    return ids.local_id(EVIDENCE_OFFSET + h)


@dataclass(frozen=True)
class EvidenceImport:
    """What to import (validated names of schemas/evidence.yaml ``imports``) and the institution import's
    settings (endpoint, languages, types and countries of the Commons listings, page size, source item)."""

    imports: tuple[str, ...]
    base: WikidataImport

    @classmethod
    def build(cls, evidence_names: str | Sequence[str], **kwargs: Any) -> EvidenceImport:
        return cls(evidence.choose_imports(evidence_names), WikidataImport.build(**kwargs))

    def key(self) -> str:
        text = json.dumps({"evidence": list(self.imports), **asdict(self.base)}, sort_keys=True)
        return "evidence-" + hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class EvidenceReport(ImportReport):
    """An :class:`ImportReport` and what is particular to evidence."""

    #: evidence kind -> items of that kind written (created, updated or unchanged)
    kinds: dict[str, int] = field(default_factory=dict)
    #: host institutions the residencies name (count only where they are institutions in the store)
    hosts: set[str] = field(default_factory=set)
    #: residencies that name no employer at all (no host: not written)
    no_host: list[str] = field(default_factory=list)
    #: parts of the import not run, and why (affiliate classes without a checked Wikidata class)
    left_out: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------
# answers -> records
# --------------------------------------------------------------------------------------------------------
def _ref(stated_in: str, retrieved: str, page: str) -> list[tuple[str, Any]]:
    return [("stated_in", ItemRef(stated_in)), ("retrieved", Time(retrieved)), ("reference_url", page)]


def page_url(ns: wf.Namespaces, qid: str) -> str:
    """The Wikibase page of an item (``https://www.wikidata.org/wiki/Q42`` for Wikidata)."""
    root = ns.root
    if root == "http://www.wikidata.org/":
        root = "https://www.wikidata.org/"
    return f"{root}wiki/{qid}"


def residence_record(res: eq.Residency, *, stated_in: str, retrieved: str, ns: wf.Namespaces) -> Record:
    ref = [_ref(stated_in, retrieved, page_url(ns, res.person))]
    m = model()
    claims = [Claim("instance_of", ItemRef(m.cls("wikimedian_in_residence_programme").id), references=ref)]
    claims += [Claim("participant", ItemRef(h), references=ref) for h in res.hosts]
    claims.append(Claim("participant", ItemRef(res.person), references=ref))
    for key, when in (("start_time", res.start), ("end_time", res.end)):
        if when is not None:
            claims.append(Claim(key, _time_value(*when), references=ref))
    claims += [Claim("location", ItemRef(loc), references=ref) for loc in res.locations]
    name = res.person_labels.get("en") or next(iter(res.person_labels.values()), res.person)
    how = "the residency statement's employer" if res.employers else "the person's own employer statement"
    return Record(
        evidence_id("residence", res.statement),
        "partnership",
        labels={"en": f"Wikimedian in residence: {name}"},
        descriptions={"en": f"evidence from Wikidata: {res.person}'s occupation statement; host from {how}"},
        claims=claims,
    )


#: evidence kind -> (model property read from the institution, the class of the evidence item)
COMMONS_KINDS = {
    "commons_institution_page": ("commons_institution_page", "commons_institution_page_evidence"),
    "commons_category": ("commons_category", "commons_category_evidence"),
}


def _commons_values(item: wf.FetchedItem, kind: str) -> list[str]:
    pid = model().prop(COMMONS_KINDS[kind][0]).id
    return [str(v[1]) for v in item.values.get(pid, []) if v[0] == "string"]


def commons_kinds(item: wf.FetchedItem) -> list[str]:
    """The Commons evidence kinds an institution's statements give."""
    return [k for k in COMMONS_KINDS if _commons_values(item, k)]


def commons_record(item: wf.FetchedItem, kind: str, *, stated_in: str, retrieved: str, ns: wf.Namespaces) -> Record:
    m = model()
    prop, cls = COMMONS_KINDS[kind]
    ref = [_ref(stated_in, retrieved, page_url(ns, item.id))]
    name = item.labels.get("en") or next(iter(item.labels.values()), item.id)
    return Record(
        evidence_id(kind, item.id),
        "partnership",
        labels={"en": f"{evidence.kind(kind).label}: {name}"},
        descriptions={"en": f"undated evidence of a content partnership from Wikidata ({item.id}, {m.prop(prop).id})"},
        claims=[
            Claim("instance_of", ItemRef(m.cls(cls).id), references=ref),
            Claim("participant", ItemRef(item.id), references=ref),
            *(Claim(prop, v, references=ref) for v in _commons_values(item, kind)),
        ],
    )


def affiliate_record(
    item: wf.FetchedItem, model_class: str, *, stated_in: str, retrieved: str, ns: wf.Namespaces
) -> Record:
    rec = record_of(item, kind="partner", props=eq.AFFILIATE_PROPS, stated_in=stated_in, retrieved=retrieved)
    ref = _ref(stated_in, retrieved, page_url(ns, item.id))
    rec.claims.insert(0, Claim("instance_of", ItemRef(model().cls(model_class).id), references=[ref]))
    return rec


def _fingerprint(data: Any, settings: EvidenceImport) -> str:
    payload = {"data": data, "source": settings.base.stated_in}
    return hashlib.sha1(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


# --------------------------------------------------------------------------------------------------------
# the import
# --------------------------------------------------------------------------------------------------------
def _units(settings: EvidenceImport) -> list[tuple[str, str, Any]]:
    """(country, unit name, what the listing needs) of every listing, in order."""
    out: list[tuple[str, str, Any]] = []
    if "residence" in settings.imports:
        out.append((ALL, "residence", None))
    if "commons" in settings.imports:
        for code, qid in zip(settings.base.countries, settings.base.country_qids, strict=True):
            for type_key in settings.base.types:
                out.append((code, f"commons:{type_key}", (type_key, qid)))
    if "affiliates" in settings.imports:
        for a in evidence.rules().affiliate_classes:
            if a.wikidata_class:
                out.append((ALL, f"affiliates:{a.model_class}", a))
    return out


def import_evidence(
    store: Writer,
    settings: EvidenceImport,
    *,
    service: wf.Service | None = None,
    checkpoint: Checkpoint | None = None,
    restart: bool = False,
    retrieved: str | None = None,
    pause: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress = SILENT,
    replace_others: bool = False,
) -> EvidenceReport:
    """Fetch and write the evidence of ``settings`` (see the module docstring); resumable like
    :func:`kg.wikidata.importer.import_wikidata`."""
    base = settings.base
    service = service or wf.Service(base.endpoint)
    own_checkpoint = checkpoint is None
    cp = checkpoint or Checkpoint.for_store_dir(getattr(store, "path", None))
    ns = wf.Namespaces(base.entity_base)
    day = check_day(retrieved or today())
    report = EvidenceReport()
    if "affiliates" in settings.imports:
        for a in evidence.rules().affiliate_classes:
            if not a.wikidata_class:
                report.left_out.append(
                    _("affiliates of the class {label}: no checked Wikidata class (schemas/evidence.yaml; "
                      "../shared/wikidata-ids.md has none)").format(label=model().cls(a.model_class).label)
                )
    first = [True]

    def select(query: str) -> dict[str, Any]:
        if not first[0] and pause > 0:
            sleep(pause)
        first[0] = False
        report.requests += 1
        return service.select(query)

    try:
        report.units_resumed = cp.begin(
            settings.key(), {"evidence": list(settings.imports), **asdict(base)}, restart=restart
        )
        units = _units(settings)
        pages: list[tuple[str, str, int, list[str], Any]] = []
        progress.phase("listing", len(units))
        for code, name, arg in units:
            got = cp.listing(code, name)
            if got is None:
                if name == "residence":
                    got = eq.listed(select(eq.residence_listing_query(ns)), ns, "person")
                elif name.startswith("commons:"):
                    type_key, qid = arg
                    query = eq.commons_listing_query(ns, type_key, qid, subclasses=base.subclasses)
                    got = eq.listed(select(query), ns, "item")
                else:
                    got = eq.listed(select(eq.affiliate_listing_query(ns, arg.wikidata_class)), ns, "item")
                cp.save_listing(code, name, got)
            for n, start in enumerate(range(0, len(got), base.page_size)):
                pages.append((code, name, n, got[start : start + base.page_size], arg))
            progress.advance(1)
            log.info("listed %s for %s %s", len(got), name, code)
        progress.phase("evidence", sum(len(p[3]) for p in pages))
        for code, name, n, page_ids, arg in pages:
            if cp.is_done(code, name, n):
                progress.advance(len(page_ids))
                continue
            where = _("{endpoint} ({kind} {country} page {page})").format(
                endpoint=base.endpoint, kind=name, country=code, page=n + 1)
            built = _page(select, settings, ns, name, page_ids, arg, where, report)
            old = cp.fingerprints([qid for _, qid, _, _ in built])
            prints: dict[str, tuple[str, str]] = {}
            entities = []
            kinds: dict[str, int] = {}
            for kind, qid, data, build in built:
                h = _fingerprint(data, settings)
                date = old[qid][1] if qid in old and old[qid][0] == h else day
                try:
                    entities.append(to_json(build(date)))
                except EntityError as e:  # e.g. a label longer than Wikibase allows: skip the item, say so
                    report.skipped.append((qid, e.prop or "", str(e)))
                    continue
                prints[qid] = (h, date)
                kinds[kind] = kinds.get(kind, 0) + 1
            counts = write_merged(store, entities, report, replace_others=replace_others)
            for kind, k in kinds.items():
                report.kinds[kind] = report.kinds.get(kind, 0) + k
            cp.mark_done(code, name, n, counts, prints)
            report.units_done += 1
            progress.advance(len(page_ids))
        cp.finish()
    finally:
        if own_checkpoint:
            cp.close()
    return report


Build = Callable[[str], Record]  # retrieved date -> the record


def _page(
    select: Callable[[str], dict[str, Any]],
    settings: EvidenceImport,
    ns: wf.Namespaces,
    name: str,
    page_ids: list[str],
    arg: Any,
    where: str,
    report: EvidenceReport,
) -> list[tuple[str, str, Any, Build]]:
    """One page: (evidence kind or 'affiliate', item id, the fetched data its fingerprint hashes, a function
    building its record for a retrieved date)."""
    base = settings.base
    source = base.stated_in
    out: list[tuple[str, str, Any, Build]] = []
    if name == "residence":
        body = select(eq.residence_details_query(ns, page_ids, base.languages))
        found, skipped = eq.residencies(body, ns, where)
        report.unrepresentable += skipped
        for res in found:
            if not res.hosts:
                report.no_host.append(res.statement)
                continue
            report.hosts.update(res.hosts)

            def build(date: str, res: eq.Residency = res) -> Record:
                return residence_record(res, stated_in=source, retrieved=date, ns=ns)

            out.append(("residence", evidence_id("residence", res.statement), asdict(res), build))
        return out
    props = eq.COMMONS_PROPS if name.startswith("commons:") else eq.AFFILIATE_PROPS
    items, skipped = wf.details_items(select(wf.details_query(ns, page_ids, base.languages, props)), ns, where)
    report.unrepresentable += skipped
    report.gone.extend(q for q in page_ids if q not in items)
    for qid in page_ids:
        if qid not in items:
            continue
        item = items[qid]
        if name.startswith("commons:"):
            for kind in commons_kinds(item):

                def build_c(date: str, item: wf.FetchedItem = item, kind: str = kind) -> Record:
                    return commons_record(item, kind, stated_in=source, retrieved=date, ns=ns)

                out.append((kind, evidence_id(kind, qid), {"kind": kind, **asdict(item)}, build_c))
        else:

            def build_a(date: str, item: wf.FetchedItem = item) -> Record:
                return affiliate_record(item, arg.model_class, stated_in=source, retrieved=date, ns=ns)

            out.append(("affiliate", qid, {"class": arg.model_class, **asdict(item)}, build_a))
    return out

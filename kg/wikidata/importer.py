"""Bring real institutions into the store: from a Wikidata (or Wikibase) query service, or from files.

Three ways in, all writing through :meth:`kg.store.Store.write_entities` (one transaction per write: all or
nothing, identical content reported *unchanged*):

- :func:`import_wikidata`: GLAM institutions of the chosen types and countries, fetched page by page from a
  WDQS-compatible endpoint (:mod:`kg.wikidata.fetch`), resumable through a checkpoint
  (:mod:`kg.wikidata.checkpoint`). Each statement carries one reference: *stated in* Wikidata and the
  *retrieved* date (the reference properties of ``schemas/model.yaml``).
- :func:`import_entities`: Special:EntityData / wbgetentities JSON (:func:`kg.model.entities.read_json`), written
  as it is (its own references are kept).
- :func:`import_results`: a saved SPARQL result file (JSON or CSV, :mod:`kg.query.results`), mapped to the model
  by column names (see :data:`RESULT_COLUMNS` and docs/import.md).

See docs/import.md for the paging, the checkpoint and how long a full import takes.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kg.errors import EntityError, InputError
from kg.i18n import _
from kg.model import ids
from kg.model.entities import Claim, Record, read_json, to_json
from kg.model.schema import model
from kg.model.values import Coordinate, ItemRef, Time
from kg.progress import SILENT, Progress
from kg.wikidata import fetch as wf
from kg.wikidata.checkpoint import Checkpoint

DEFAULT_PAGE_SIZE = 200
DEFAULT_PAUSE = 1.0
COUNTRIES_UNIT = ("*", "countries")
#: Item kind of the country records. A country is none of the model's item kinds (institution, partner,
#: partnership, contribution) and the model has no "place" kind; ``class`` is the one extra kind
#: :mod:`kg.model.entities` accepts (``EXTRA_KINDS``). The kind only selects the checks of
#: :func:`kg.model.entities.to_json` and leaves no trace in the entity JSON or the store (tests prove it), so
#: the country items are written exactly as Wikidata has them (P31 country, P297 ISO code, labels).
COUNTRY_KIND = "class"



log = logging.getLogger(__name__)

#: An item of a Wikibase with its own numbering that glamkg did not create there (so not in the id map) gets the
#: glamkg-local id WIKI_ITEMS + its number on the wiki: stable from one import to the next, recorded in the map.
WIKI_ITEMS = 1_800_000_000_000


def write_merged(
    store: Writer, entities: list[dict[str, Any]], report: ImportReport, *, replace_others: bool = False
) -> dict[str, int]:
    """Write an import's whole entities with the one write semantic (:mod:`kg.store.sources`): statements that
    loads wrote stay (unless ``replace_others``), terms merge per language; the report says what was kept or
    removed."""
    if not entities:
        return {}
    from kg.store.sources import merge_with_store

    entities, m = merge_with_store(store, entities, replace_others=replace_others)
    report.kept_other_sources += m.kept
    report.removed_other_sources += m.removed
    return report.add(store.write_entities(entities))


def wiki_item_id(wiki_id: str) -> str:
    """The glamkg id of the wiki's own item ``wiki_id`` (``Q42`` -> ``Q1800000000042``)."""
    number = int(ids.item_id(wiki_id)[1:])
    if number >= 10**11:
        raise InputError(_("{id}: expected a wiki item number below 10^11 to give it a glamkg id").format(id=wiki_id))
    return f"Q{WIKI_ITEMS + number}"


def on_the_wiki(settings: WikidataImport, idmap: Any) -> tuple[WikidataImport, list[str]]:
    """``settings`` without the countries the wiki has no item for (not in its id map), and those countries."""
    from dataclasses import replace

    keep = [(c, q) for c, q in zip(settings.countries, settings.country_qids, strict=True) if idmap.get(q)]
    skipped = [c for c, q in zip(settings.countries, settings.country_qids, strict=True) if not idmap.get(q)]
    if not keep:
        raise InputError(
            _("none of the chosen countries has an item on the wiki (none is in the id map); load or bootstrap "
              "them there first, or choose others with --country")
        )
    kept = replace(settings, countries=tuple(c for c, _ in keep), country_qids=tuple(q for _, q in keep))
    return kept, skipped


class Writer(Protocol):
    """What the importer needs of a store: :meth:`kg.store.Store.write_entities`."""

    def write_entities(self, entities: Iterable[Mapping[str, Any]], **kwargs: Any) -> Any: ...


def source_item() -> str:
    """The item a "stated in" reference names for data from Wikidata (``values.wikidata`` of the model)."""
    return ids.item_id(model().value("wikidata").id)


def today() -> str:
    return _dt.datetime.now(_dt.UTC).date().isoformat()


def check_day(value: str) -> str:
    """A retrieved date: a day like 2026-11-24 (InputError otherwise)."""
    t = Time(value)
    if t.precision != 11:
        raise InputError(_("--retrieved: expected a day like 2026-11-24, found {found}").format(found=repr(value)))
    return value


# --------------------------------------------------------------------------------------------------------
# settings and report
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WikidataImport:
    """The validated settings of one import run. Build it with :meth:`build` (validates everything)."""

    types: tuple[str, ...]
    countries: tuple[str, ...]  # ISO alpha-2, sorted
    country_qids: tuple[str, ...]  # same order
    languages: tuple[str, ...]
    endpoint: str
    entity_base: str
    page_size: int = DEFAULT_PAGE_SIZE
    subclasses: bool = False
    stated_in: str = ""

    @classmethod
    def build(
        cls,
        *,
        types: str | Sequence[str] = "all",
        countries: Sequence[str] = (),
        region: str | None = None,
        languages: str | Sequence[str] = "en",
        endpoint: str | None = None,
        entity_base: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        subclasses: bool = False,
        stated_in: str | None = None,
    ) -> WikidataImport:
        type_list = [types] if isinstance(types, str) else list(types)
        chosen: list[str] = []
        for t in type_list:
            t = t.strip().lower()
            if t == "all":
                chosen.extend(wf.TYPES)
            elif t in wf.TYPE_CLASSES:
                chosen.append(t)
            else:
                raise InputError(_("--type: expected one of {types}, found {found}").format(
                    types=", ".join((*wf.TYPES, "all")), found=repr(t)))
        codes = {wf.iso2(c) for c in countries}
        if region:
            codes.update(wf.region_countries(region))
        table = wf.country_qids()
        if not codes:
            codes = set(table)
        ordered = sorted(codes)
        if not 1 <= page_size <= 5000:
            raise InputError(
                _("--page-size: expected 1..5000 items per request, found {found}").format(found=page_size))
        try:
            source = ids.item_id(stated_in) if stated_in else source_item()
        except ids.InvalidId as e:
            raise InputError(f"--stated-in: {e}") from None
        return cls(
            types=tuple(dict.fromkeys(chosen)),
            countries=tuple(ordered),
            country_qids=tuple(table[c] for c in ordered),
            languages=wf.languages(languages),
            endpoint=wf.endpoint_url(endpoint),
            entity_base=wf.entity_base(entity_base),
            page_size=page_size,
            subclasses=subclasses,
            stated_in=source,
        )

    def key(self) -> str:
        """Identity of the run in the checkpoint: equal settings resume the same run."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_RANK = {"created": 0, "updated": 1, "unchanged": 2}


@dataclass
class ImportReport:
    """What an import did. Ids are sets over the whole invocation: an item seen in two units counts once,
    as created if any write created it, else updated if any write changed it, else unchanged."""

    status: dict[str, str] = field(default_factory=dict)  # id -> created / updated / unchanged
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (entity, property, reason)
    units_done: int = 0
    units_resumed: int = 0
    requests: int = 0
    gone: list[str] = field(default_factory=list)  # listed, but no details any more (deleted or merged)
    #: values the service returned that the model cannot represent (unknown/no values, other globes)
    unrepresentable: int = 0
    #: imported by the previous run with the same settings, not listed any more (kept in the store)
    not_listed: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    #: statements that loads wrote, kept by the import (entity, property, the load's reference URL) ...
    kept_other_sources: list[tuple[str, str, str]] = field(default_factory=list)
    #: ... or removed by it (``replace_others``)
    removed_other_sources: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, write_report: Any) -> dict[str, int]:
        """Merge a :class:`kg.store.WriteReport`; returns its own counts."""
        counts = {}
        for name in ("created", "updated", "unchanged"):
            got = list(getattr(write_report, name))
            counts[name] = len(got)
            for qid in got:
                old = self.status.get(qid)
                if old is None or _RANK[name] < _RANK[old]:
                    self.status[qid] = name
        return counts

    def _ids(self, name: str) -> list[str]:
        return [q for q, s in self.status.items() if s == name]

    @property
    def created(self) -> list[str]:
        return self._ids("created")

    @property
    def updated(self) -> list[str]:
        return self._ids("updated")

    @property
    def unchanged(self) -> list[str]:
        return self._ids("unchanged")

    @property
    def changed(self) -> list[str]:
        return [*self.created, *self.updated]

    def counts(self) -> dict[str, int]:
        return {name: len(self._ids(name)) for name in _RANK}


# --------------------------------------------------------------------------------------------------------
# fetched data -> records
# --------------------------------------------------------------------------------------------------------
def fingerprint(item: wf.FetchedItem, settings: WikidataImport | None = None) -> str:
    data = asdict(item)
    if settings is not None:
        data["_source"] = settings.stated_in
    return hashlib.sha1(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _time_value(lexical: str, precision: int, calendar: str | None) -> Time:
    text = lexical.strip()
    if text[:1] not in "+-":
        text = "+" + text
    m = model()
    julian = ids.item_id(m.value("julian").id)
    # WDQS holds every timeValue converted to the Gregorian calendar (Wikibase RDF); a day-precise Julian
    # date is therefore kept as the Gregorian date it was converted to. Coarser Julian dates are not converted.
    cal = "julian" if calendar == julian and precision < 11 else "gregorian"
    return Time(text, precision=min(precision, 14), calendar=cal)


def _value(kind: tuple[Any, ...]) -> Any:
    tag = kind[0]
    if tag == "item":
        return ItemRef(kind[1])
    if tag == "string":
        return kind[1]
    if tag == "coord":
        return Coordinate(kind[1], kind[2], precision=kind[3])
    if tag == "time":
        return _time_value(kind[1], kind[2], kind[3])
    raise ValueError(f"unknown value tag {tag!r}")


def reference(stated_in: str, retrieved: str) -> list[tuple[str, Any]]:
    return [("stated_in", ItemRef(stated_in)), ("retrieved", Time(retrieved))]


def record_of(
    item: wf.FetchedItem,
    *,
    kind: str,
    props: Sequence[str],
    stated_in: str,
    retrieved: str,
    skipped: list[tuple[str, str, str]] | None = None,
) -> Record:
    """A :class:`kg.model.entities.Record` with every statement referenced (stated in, retrieved).

    A value the model cannot hold (a malformed date, a coordinate out of range) is left out and listed in
    ``skipped`` as (entity, property, reason); the rest of the item is kept.
    """
    ref = reference(stated_in, retrieved)
    claims: list[Claim] = []
    m = model()
    for key in props:
        pid = m.prop(key).id
        for v in item.values.get(pid, []):
            try:
                value = _value(v)
            except (InputError, ValueError) as e:
                if skipped is not None:
                    skipped.append((item.id, pid, str(e)))
                continue
            claims.append(Claim(key, value, references=[ref]))
    return Record(
        item.id,
        kind,
        labels=dict(item.labels),
        descriptions=dict(item.descriptions),
        aliases={k: list(v) for k, v in item.aliases.items()},
        claims=claims,
    )


# --------------------------------------------------------------------------------------------------------
# the Wikidata import
# --------------------------------------------------------------------------------------------------------
def import_wikidata(
    store: Writer,
    settings: WikidataImport,
    *,
    service: wf.Service | None = None,
    checkpoint: Checkpoint | None = None,
    restart: bool = False,
    retrieved: str | None = None,
    pause: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
    progress: Progress = SILENT,
    replace_others: bool = False,
) -> ImportReport:
    """Fetch and write the institutions of ``settings``; resumable (see docs/import.md).

    Order: the country items first (one unit), then every (country, type) listing (ids only, saved in
    the checkpoint), then the pages of each listing in order. Each page is one store transaction,
    recorded in the checkpoint after it committed. ``pause`` seconds are slept (through ``sleep``)
    between two requests. A :class:`kg.errors.RemoteError` stops the import; running it again with the
    same settings continues after the last finished unit.
    """
    service = service or wf.Service(settings.endpoint)
    own_checkpoint = checkpoint is None
    cp = checkpoint or Checkpoint.for_store_dir(getattr(store, "path", None))
    ns = wf.Namespaces(settings.entity_base)
    day = check_day(retrieved or today())
    report = ImportReport()
    first_request = [True]

    def select(query: str) -> dict[str, Any]:
        if not first_request[0] and pause > 0:
            sleep(pause)
        first_request[0] = False
        report.requests += 1
        return service.select(query)

    try:
        report.units_resumed = cp.begin(settings.key(), asdict(settings), restart=restart)
        pages: list[tuple[str, str, int, list[str]]] = [(*COUNTRIES_UNIT, 0, list(settings.country_qids))]
        total = len(settings.country_qids)
        # 1. listings
        progress.phase("listing", len(settings.countries) * len(settings.types))
        for code, qid in zip(settings.countries, settings.country_qids, strict=True):
            for type_key in settings.types:
                listed = cp.listing(code, type_key)
                if listed is None:
                    body = select(wf.listing_query(ns, type_key, qid, subclasses=settings.subclasses))
                    listed = wf.listing_ids(body, ns)
                    cp.save_listing(code, type_key, listed)
                for n, start in enumerate(range(0, len(listed), settings.page_size)):
                    pages.append((code, type_key, n, listed[start : start + settings.page_size]))
                total += len(listed)
                progress.advance(1)
                log.info("listed %s %s in %s", len(listed), type_key, code)
        # 2. pages
        progress.phase("items", total)
        for code, type_key, n, page_ids in pages:
            if cp.is_done(code, type_key, n):
                progress.advance(len(page_ids))
                continue
            is_countries = (code, type_key) == COUNTRIES_UNIT
            props = wf.COUNTRY_PROPS if is_countries else wf.INSTITUTION_PROPS
            where = _("{endpoint} ({kind} {country} page {page})").format(
                endpoint=settings.endpoint, kind=type_key, country=code, page=n + 1)
            body = select(wf.details_query(ns, page_ids, settings.languages, props))
            items, unrepresentable = wf.details_items(body, ns, where)
            report.unrepresentable += unrepresentable
            report.gone.extend(q for q in page_ids if q not in items)
            old = cp.fingerprints(items)
            prints: dict[str, tuple[str, str]] = {}
            entities = []
            for qid in page_ids:
                if qid not in items:
                    continue
                h = fingerprint(items[qid], settings)
                date = old[qid][1] if qid in old and old[qid][0] == h else day
                prints[qid] = (h, date)
                rec = record_of(
                    items[qid],
                    kind=COUNTRY_KIND if is_countries else "institution",
                    props=props,
                    stated_in=settings.stated_in,
                    retrieved=date,
                    skipped=report.skipped,
                )
                try:
                    entities.append(to_json(rec))
                except EntityError as e:  # e.g. a label longer than Wikibase allows: skip the item, say so
                    report.skipped.append((qid, e.prop or "", str(e)))
                    prints.pop(qid)
            counts = write_merged(store, entities, report, replace_others=replace_others)
            cp.mark_done(code, type_key, n, counts, prints)
            report.units_done += 1
            progress.advance(len(page_ids))
            log.info("%s in %s, page %s: written", type_key, code, n + 1)
        listed_now = {q for (c, t, _, page) in pages if (c, t) != COUNTRIES_UNIT for q in page}
        previous = cp.previous_ids - listed_now
        report.not_listed = sorted(previous, key=lambda q: int(q[1:]))
        cp.finish()
    finally:
        if own_checkpoint:
            cp.close()
    return report


# --------------------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------------------
def import_entities(
    store: Writer, source: str | Path | Any, *, idmap: Any = None, replace_others: bool = False
) -> ImportReport:
    """Entity JSON (wbgetentities / Special:EntityData / dump lines) written as it is, in one transaction.

    ``idmap`` (a :class:`kg.model.idmap.IdMap`): the JSON comes from a Wikibase with its own numbering; ids are
    translated into glamkg's (:func:`from_the_wiki`) before anything is written."""
    entities = read_json(source)
    report = ImportReport()
    if idmap is not None:
        entities = from_the_wiki(entities, idmap, report)
    write_merged(store, [dict(e) for e in entities], report, replace_others=replace_others)
    return report


def from_the_wiki(entities: Sequence[Mapping[str, Any]], idmap: Any, report: ImportReport) -> list[dict[str, Any]]:
    """A Wikibase's entity JSON in its own numbering -> glamkg's ids, through the id map.

    Items glamkg created there get their glamkg ids back; the wiki's own items get
    :func:`wiki_item_id` (recorded in the map, also when another entity of the same file names them);
    properties must be in the map (``glamkg wikibase bootstrap``) or the entity is skipped; a statement that
    names an entity neither the map nor the file knows is left out, and reported."""
    from kg.model.idmap import translate_back

    for e in entities:  # first the file's own items, so that they may name each other
        own = str(e.get("id") or "")
        if own.startswith("Q") and idmap.back(own) is None:
            idmap.set(wiki_item_id(own), own)
    out = []
    for e in entities:
        own = str(e.get("id") or "")
        glamkg_id = idmap.back(own)
        if glamkg_id is None:
            report.skipped.append((own, "", "a property the id map does not know (run `glamkg wikibase bootstrap`)"))
            continue
        translated, dropped = translate_back(e, idmap)
        translated["id"] = glamkg_id
        for missing in dropped:
            report.skipped.append((glamkg_id, "", f"a statement naming {missing}, which is not in the id map"))
        out.append(translated)
    return out

"""``--target wikibase``: write a plan to a real Wikibase (not Wikidata), resumably and politely.

How a plan is written (see docs/wikibase.md):

* ids are translated through the id map (:mod:`kg.model.idmap`; properties and classes come from
  ``glamkg wikibase bootstrap``, items are added to it as they are created);
* items go in batches of ``batch_size``: one ``wbgetentities`` for the batch's items already on the wiki,
  then one ``wbeditentity`` per item (create: the whole entity; update: only the differences between the
  wiki's current entity and the plan's ``entity``, so a stale or repeated plan never duplicates a statement);
  items that others in the plan refer to are written first;
* every created item carries an ``exact match`` statement with its glamkg concept IRI (when bootstrap made
  that property), so that it can be recognised on the wiki later;
* before anything is written, :meth:`WikibaseTarget.resolve_ids` and :meth:`WikibaseTarget.check` turn what
  the wiki would refuse into located problems of the plan (:mod:`kg.load.targets.constraints`: URL schemes
  such as the ``file:`` reference of a sheet without ``reference.url``, length limits, two items with the
  same label and description) and resolve the item ids of the cells: glamkg's ids, the wiki's own ids
  (through the id map, or an item only the wiki has), and ids that exist nowhere (a problem);
* a journal (JSON lines) lives with the id map, ``<id map>.journal.jsonl``, whatever plan file a run writes:
  it gets a ``pending`` line before each create and a ``done`` line (plan id -> new id) right after it,
  flushed to disk, each naming the wiki and the source. On a re-run, done items are mapped from the journal,
  and an item left ``pending`` (the process died between the wiki's answer and the journal line) is looked
  up on the wiki by label + ``exact match`` before anything is created: no duplicates;
* after an unclear failure (connection lost, HTTP 5xx: the edit may or may not have been applied) the target
  waits (the server's ``Retry-After`` if it sent one, else 5 s), reconciles the item the same way and retries
  once; then the run stops with a hint to run again. HTTP 429 is not unclear (the wiki refused the edit):
  :meth:`WikibaseApi.call` repeats it after ``Retry-After``;
* ``editconflict``: the entity is fetched again, the difference recomputed and the edit retried once, else
  the item is reported in ``skipped``; a content error (``failed-save``, ``modification-failed``) skips the
  item with the wiki's reason; ``permissiondenied`` and still being throttled (maxlag, ratelimited, HTTP 429
  after the retries) stop the run;
* values naming an entity the wiki does not have (a country such as Q55) get a placeholder item labelled with
  the id and an ``exact match`` to its Wikidata IRI (``create_stubs=True``), so the statement can be written.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg import config
from kg.errors import EntityError, InputError, RemoteError
from kg.i18n import _, ngettext
from kg.load.plan import Plan, PlanItem, diff_statements, diff_terms
from kg.load.problems import Problem
from kg.load.targets.base import ProgressFn, WriteReport, report_unchanged
from kg.load.targets.constraints import Limits, duplicate_terms, term_pairs, touches_terms, value_problems
from kg.load.targets.wikibase_api import HTTP_429, ApiError, WikibaseApi
from kg.load.targets.wikibase_bootstrap import digest, ensure_entity, find_by_label, stub_terms
from kg.model import ids
from kg.model.idmap import DEFAULT_FILE, IdMap, UnmappedIds, translate, translate_back
from kg.model.schema import model

Json = dict[str, Any]
CONTENT_ERRORS = frozenset({"failed-save", "modification-failed", "invalid-claim", "not-recognized", "bad-data"})
FATAL_ERRORS = frozenset({"permissiondenied", "readonly", "blocked", "assertuserfailed", "assertbotfailed"})
THROTTLED = frozenset({"maxlag", "ratelimited", HTTP_429})  # still throttled after the retries: stop, resume later


IDMAP_ENV = config.env_name("wikibase_idmap")


def journal_for(idmap_file: Path) -> Path:
    """The resume journal of the loads written through ``idmap_file``: beside it, whatever the plan file."""
    return idmap_file.with_name(idmap_file.name + ".journal.jsonl")


def idmap_path(option: str | Path | None = None) -> Path:
    """``--idmap FILE``, else ``$GLAMKG_WIKIBASE_IDMAP``, else ``./glamkg-wikibase-idmap.json``."""
    if option:
        return Path(option)
    return Path(config.setting("wikibase_idmap") or DEFAULT_FILE)


class Journal:
    """Append-only JSON lines: ``pending`` before a create, ``done`` (with the new id) after it.

    Every line names the wiki (``target``: its API URL) and the ``source`` of the load; lines of another wiki
    are ignored (a journal belongs to one id map, so normally there are none). Lines of other sources count:
    item ids are glamkg's own, so an item left pending by one source's run is reconciled by the next run of
    any source before it is created again."""

    def __init__(self, path: Path, *, target: str = "", source: str = "") -> None:
        self.path = path
        self.target = target
        self.source = source
        self.state: dict[str, Json] = {}
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                if target and entry.get("target", target) != target:
                    continue
                self.state[str(entry["key"])] = entry
            except (ValueError, KeyError, TypeError):
                if n == len(lines):
                    continue  # a last line cut short by a kill: the edit it announced is reconciled anyway
                raise InputError(
                    _("{path}, line {n}: expected a journal entry (JSON with a key), found {line!r}").format(
                        path=path, n=n, line=line[:80])
                ) from None

    def _append(self, entry: Json) -> None:
        entry["at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.target:
            entry["target"] = self.target
        if self.source:
            entry["source"] = self.source
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.state[str(entry["key"])] = entry

    def pending(self, key: str, content: str, label: str) -> None:
        self._append({"key": key, "state": "pending", "digest": content, "label": label})

    def done(self, key: str, wb_id: str, revid: Any, content: str) -> None:
        self._append({"key": key, "state": "done", "id": wb_id, "revid": revid, "digest": content})

    def is_pending(self, key: str) -> bool:
        return self.state.get(key, {}).get("state") == "pending"

    def done_ids(self) -> dict[str, str]:
        return {k: str(e["id"]) for k, e in self.state.items() if e.get("state") == "done" and e.get("id")}


def _terms_only(entity: Json) -> Json:
    return {k: entity[k] for k in ("labels", "descriptions", "aliases") if entity.get(k)}


def _statements(entity: Json) -> list[Json]:
    claims = entity.get("claims") or entity.get("statements") or {}
    return [st for sts in claims.values() for st in sts]


def _no_ids(st: Json) -> Json:
    return {k: v for k, v in st.items() if k != "id"}


def referenced(entity: Json) -> set[str]:
    """Entity ids named in an entity's statements (values, properties), not its own id."""
    try:
        translate({**entity, "id": None}, {}, strict=True)
    except UnmappedIds as e:
        return set(e.missing)
    return set()


class WikibaseTarget:
    """A real Wikibase through its action API (``--target wikibase``)."""

    name = "wikibase"

    def __init__(
        self,
        api: WikibaseApi,
        idmap: IdMap,
        *,
        journal: str | Path | None = None,
        batch_size: int = 50,
        summary: str = "glamkg load",
        create_stubs: bool = True,
        edit_interval: float = 0.0,
    ) -> None:
        if batch_size < 1:
            raise InputError(_("batch size: expected a positive number, found {batch_size}").format(
                                 batch_size=batch_size))
        self.api = api
        self.idmap = idmap
        base = idmap.path or Path(DEFAULT_FILE)
        self.journal_path = Path(journal) if journal else journal_for(base)
        self.batch_size = batch_size
        self.summary = summary
        self.create_stubs = create_stubs
        self.edit_interval = edit_interval

    @classmethod
    def from_env(
        cls,
        *,
        idmap: str | Path | None = None,
        journal: str | Path | None = None,
        allow_public: bool = False,
        maxlag: int = 5,
        **kwargs: Any,
    ) -> WikibaseTarget:
        """The Wikibase of ``$GLAMKG_WIKIBASE_URL`` (bot password from the environment), with its id map.

        The id map is ``idmap``, else ``$GLAMKG_WIKIBASE_IDMAP``, else ``./glamkg-wikibase-idmap.json``; it
        must exist (``glamkg wikibase bootstrap`` makes it) and belong to the same wiki.
        """
        path = idmap_path(idmap)
        m = IdMap.load(path, missing_ok=False)
        api = WikibaseApi.from_env(allow_public=allow_public, maxlag=maxlag)
        if m.api_url and m.api_url != api.api_url:
            raise InputError(_("{path}: this id map belongs to {api_url}, not to {wiki} (hint: --idmap FILE)").format(
                                 path=path, api_url=m.api_url, wiki=api.api_url))
        return cls(api, m, journal=journal, **kwargs)

    # -- reading ---------------------------------------------------------------------------------------------
    def existing(self, ids_: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        out: dict[str, dict[str, Any] | None] = {i: None for i in ids_}
        mapped = {i: w for i in ids_ if (w := self.idmap.get(i)) is not None}
        remote = self.api.get_entities(list(mapped.values())) if mapped else {}
        for gid, wid in mapped.items():
            e = remote.get(wid)
            if e is None:
                continue
            back, _dropped = translate_back(e, self.idmap)
            back["id"] = gid
            out[gid] = back
        return out

    # -- before writing ----------------------------------------------------------------------------------------
    def resolve_ids(
        self, wanted: Iterable[tuple[str, str]], known: Callable[[str], bool]
    ) -> tuple[dict[tuple[str, str], str], dict[str, str], list[str]]:
        """What the item ids of a sheet's cells mean on this wiki: ``(renames, refused, notes)``.

        ``wanted``: (property id, item id) of each item-valued cell. Ids are looked at in this order:

        1. an id the id map has only as the wiki's own (an item a load created there, copied from the wiki by
           a volunteer) is that item, renamed to its glamkg id; except in a country or instance-of cell, whose
           values are the model's countries and classes (Wikidata's ids), when glamkg knows the id too;
        2. an id the id map has (as glamkg's), the store or the load has (``known``), or that is a country or
           class of the model is glamkg's (Wikidata's) id, written through the map;
        3. an id only the wiki has is the wiki's own item, linked as such (a note names its label);
        4. a glamkg-local id (:func:`kg.model.ids.is_local`) none of them has exists nowhere: ``refused``;
        5. any other id is taken as Wikidata's and gets a placeholder item on the wiki (a note lists them:
           glamkg works offline and does not ask Wikidata whether the id exists).

        Every rename is a note too, so the preview says which meaning was taken.
        """
        renames: dict[tuple[str, str], str] = {}
        refused: dict[str, str] = {}
        notes: list[str] = []
        ask: set[str] = set()
        model_ids = _model_item_ids()
        m = model()
        model_valued = {m.prop("country").id, m.prop("instance_of").id}
        for pid, qid in sorted(set(wanted)):
            glamkg_known = self.idmap.get(qid) is not None or qid in model_ids or known(qid)
            glamkg_id = self.idmap.back(qid)
            if glamkg_id is not None and glamkg_id != qid and not (glamkg_known and pid in model_valued):
                renames[(pid, qid)] = glamkg_id
                notes.append(f"{qid} ({pid}) is {self.api.api_url}'s {qid}, glamkg's {glamkg_id}")
            elif not glamkg_known:
                ask.add(qid)
        found = self.api.get_entities(sorted(ask, key=_numeric)) if ask else {}
        placeholders: list[str] = []
        for qid in sorted(ask, key=_numeric):
            entity = found.get(qid)
            if entity is not None:
                self.idmap.set(qid, qid)  # the wiki's own item, named by its own id
                labels: dict[str, Json] = entity.get("labels") or {}
                label = next(iter(labels.values()), {}).get("value", "")
                notes.append(_("{qid} is {wiki}'s own item {qid} ({label!r}), not Wikidata's {qid}").format(
                    qid=qid, wiki=self.api.api_url, label=label))
            elif ids.is_local(qid):
                refused[qid] = _(
                    "{qid}, a glamkg-local id that is not in the store, not in the id map and not on {wiki}"
                ).format(qid=qid, wiki=self.api.api_url)
            else:
                placeholders.append(qid)
        if placeholders:
            more = _(" and {n} more").format(n=len(placeholders) - 10) if len(placeholders) > 10 else ""
            shown = ", ".join(placeholders[:10]) + more
            notes.append(
                _("placeholder items will be created on {wiki} for Wikidata's {ids} (not on the wiki, not in the "
                  "store; the placeholders link to Wikidata)").format(wiki=self.api.api_url, ids=shown)
            )
        return renames, refused, notes

    def check(self, plan: Plan, *, file: str, columns: Mapping[str, str]) -> list[Problem]:
        """Everything in ``plan`` this wiki would refuse, as located problems (nothing is written)."""
        problems = value_problems(plan, Limits.for_target("wikibase"), file=file, columns=columns)
        problems += duplicate_terms(plan, file=file)
        for item in plan.to_write():
            if touches_terms(item):
                problems += self._term_conflicts(item, file, columns)
        return problems

    def _term_conflicts(self, item: PlanItem, file: str, columns: Mapping[str, str]) -> list[Problem]:
        """Another item of the wiki with the same label and description in a language of ``item``."""
        own = self.idmap.get(item.id)
        out: list[Problem] = []
        for lang, (label, desc) in sorted(term_pairs(item).items()):
            hits = self.api.search(label, entity_type="item", language=lang, limit=50)
            same = [str(h["id"]) for h in hits if str(h.get("label", "")) == label and str(h.get("id")) != own]
            if not same:
                continue
            for wid, e in self.api.get_entities(same).items():
                if e is None or self._is_ours(e, item.id):
                    continue  # ours: created for this item by a run that died before the id map was saved
                if (e.get("descriptions") or {}).get(lang, {}).get("value") == desc:
                    out.append(
                        Problem(
                            file,
                            item.rows[0] if item.rows else None,
                            columns.get(f"description@{lang}") or columns.get(f"label@{lang}"),
                            _("a label and description in {lang!r} that no other item of the wiki has").format(
                                lang=lang),
                            _("{label!r} / {desc!r}, which {wid} on {api_url} already has").format(
                                label=label, desc=desc, wid=wid, api_url=self.api.api_url),
                            _("if this row is {wid}, put {wid} in the id column; else make the description "
                              "differ").format(
                                wid=wid),
                        )
                    )
                    break
        return out

    # -- writing ---------------------------------------------------------------------------------------------
    def apply(self, plan: Plan, *, progress: ProgressFn | None = None) -> WriteReport:
        report = WriteReport(target=self.name)
        report.details.update({"api_url": self.api.api_url, "journal": str(self.journal_path), "resumed": []})
        report_unchanged(plan, report, progress)
        source = str(plan.meta.get("reference_url") or plan.source)
        journal = Journal(self.journal_path, target=self.api.api_url, source=source)
        for key, wid in journal.done_ids().items():  # reconcile the map with the journal first
            if self.idmap.get(key) is None:
                self.idmap.set(key, wid)
        self._plan_ids = {it.id for it in plan.to_write()}
        self._left_out: list[tuple[str, str]] = []
        items = self._ordered(plan.to_write())
        deferred: list[PlanItem] = []
        try:
            for start in range(0, len(items), self.batch_size):
                batch = items[start : start + self.batch_size]
                mapped = [w for it in batch if (w := self.idmap.get(it.id)) is not None]
                remote = self.api.get_entities(mapped) if mapped else {}
                for it in batch:
                    known = self.idmap.get(it.id)
                    self._write(it, remote.get(known) if known else None, journal, report, deferred)
                    if progress:
                        progress(1)
                self._save_map()
            failed = {i for i, _ in report.skipped}
            for it in deferred:  # statements that named plan items created later (cycles)
                if it.id not in failed:
                    self._write(it, None, journal, report, [], second_pass=True)
        finally:
            self._save_map()
            report.details["skipped_edits"] = self._left_out
        return report

    def _save_map(self) -> None:
        if self.idmap.path is not None:
            self.idmap.save()

    def _ordered(self, items: list[PlanItem]) -> list[PlanItem]:
        """Items referred to by other plan items first (depth-first), else in plan order."""
        by_id = {it.id: it for it in items}
        out: list[PlanItem] = []
        state: dict[str, int] = {}

        def visit(it: PlanItem) -> None:
            if state.get(it.id):
                return
            state[it.id] = 1
            for dep in sorted(referenced(it.entity) & by_id.keys()):
                if dep != it.id:
                    visit(by_id[dep])
            state[it.id] = 2
            out.append(it)

        for it in items:
            visit(it)
        return out

    # -- one item -----------------------------------------------------------------------------------------
    def _write(
        self,
        it: PlanItem,
        remote: Json | None,
        journal: Journal,
        report: WriteReport,
        deferred: list[PlanItem],
        *,
        second_pass: bool = False,
    ) -> bool:
        try:
            self._resolve(it, deferred if not second_pass else None)
            wid = self.idmap.get(it.id)
            if wid is None and journal.is_pending(it.id):
                wid = self._find_created(it)
                if wid is not None:
                    journal.done(it.id, wid, None, digest(it.entity))
                    self.idmap.set(it.id, wid)
                    report.details["resumed"].append(it.id)
            if wid is not None and remote is None:
                remote = self.api.get_entities([wid]).get(wid)
                if remote is None:
                    raise EntityError(
                        _("the id map says {wid} on {api_url}, which does not exist there (hint: remove it from "
                          "the id map to create the item again)").format(wid=wid, api_url=self.api.api_url),
                        entity=it.id,
                    )
            if wid is None:
                self._create(it, journal, report)
            else:
                assert remote is not None
                self._update(it, wid, remote, report, second_pass=second_pass)
            return True
        except ApiError as e:
            if e.code in FATAL_ERRORS or e.code in THROTTLED:
                raise
            report.skipped.append((it.id, str(e)))
        except EntityError as e:
            report.skipped.append((it.id, str(e)))
        return False

    def _resolve(self, it: PlanItem, deferred: list[PlanItem] | None) -> None:
        """Make sure every entity the item names is on the wiki (stubs), or defer those statements."""
        missing = referenced(it.entity) - self.idmap.entities.keys()
        later = {m for m in missing if m in self._plan_ids and m != it.id}
        props = sorted(m for m in missing if m.startswith("P"))
        if props:
            raise EntityError(
                _("properties {props} are not on {api_url} (hint: run `glamkg wikibase bootstrap`, or add them to "
                  "schemas/model.yaml first)").format(props=', '.join(props), api_url=self.api.api_url),
                entity=it.id,
            )
        if later:
            if deferred is not None:
                deferred.append(it)
            else:
                self._left_out.append((it.id, _("statements naming {ids}, which were not written").format(
                    ids=", ".join(sorted(later)))))
        for m in sorted(missing - later - {it.id}):
            if not self.create_stubs:
                raise EntityError(_("{m} is not on {api_url} and stubs are off").format(
                                      m=m, api_url=self.api.api_url), entity=it.id)
            link = self.idmap.links.get("exact_match")
            ensure_entity(
                self.api,
                self.idmap,
                m,
                stub_terms(m),
                entity_type="item",
                link_pid=link,
                link_value=ids.entity_iri(m) if link else None,
                verify=False,
                summary=self.summary + ": placeholder",
            )

    def _translatable(self, it: PlanItem) -> Json:
        """The plan entity without statements that still name unmapped plan items (written in pass two)."""
        entity = dict(it.entity)
        claims: dict[str, list[Json]] = {}
        for pid, sts in (it.entity.get("claims") or {}).items():
            keep = [st for st in sts if not (referenced({"claims": {pid: [st]}}) - self.idmap.entities.keys())]
            if keep:
                claims[pid] = keep
        entity["claims"] = claims
        return entity

    def _marker(self, it_id: str) -> Json | None:
        link = self.idmap.links.get("exact_match")
        if not link:
            return None
        from kg.load.targets.wikibase_bootstrap import url_claim

        return url_claim(link, ids.entity_iri(it_id))

    def _is_ours(self, entity: Json, item_id: str) -> bool:
        link = self.idmap.links.get("exact_match")
        iri = ids.entity_iri(item_id)
        return bool(link) and any(
            (st.get("mainsnak", {}).get("datavalue") or {}).get("value") == iri
            for st in (entity.get("claims") or {}).get(link or "", [])
        )

    def _find_created(self, it: PlanItem) -> str | None:
        """An item created for ``it`` earlier (found by label + exact match), if any."""
        labels = it.entity.get("labels") or {}
        lang = "en" if "en" in labels else next(iter(labels), "en")
        label = labels.get(lang, {}).get("value") or it.label
        link = self.idmap.links.get("exact_match")
        if not label or not link:
            return None
        iri = ids.entity_iri(it.id)

        def check(e: Json) -> bool:
            return any(
                (st.get("mainsnak", {}).get("datavalue") or {}).get("value") == iri
                for st in (e.get("claims") or {}).get(link, [])
            )

        found, _same = find_by_label(self.api, label, "item", check, language=lang)
        return found

    def _pause(self) -> None:
        if self.edit_interval > 0:
            time.sleep(self.edit_interval)

    def _create(self, it: PlanItem, journal: Journal, report: WriteReport) -> None:
        entity = self._translatable(it)
        data = _terms_only(entity)
        translated = translate({**entity, "id": None}, self.idmap, strict=True)
        claims: dict[str, list[Json]] = {}
        for st in _statements(translated):
            claims.setdefault(st["mainsnak"]["property"], []).append(_no_ids(st))
        marker = self._marker(it.id)
        if marker is not None:
            claims.setdefault(marker["mainsnak"]["property"], []).append(marker)
        if claims:
            data["claims"] = claims
        content = digest(it.entity)
        journal.pending(it.id, content, it.label)
        summary = self._summary(it)
        try:
            self._pause()
            answer = self.api.edit_entity(data, new="item", summary=summary)
        except ApiError:
            raise  # the wiki answered: nothing was created
        except RemoteError as e:
            # Unclear: the item may have been created. Wait as the server asks, look, then try again once.
            self.api.backoff(0, retry_after=e.retry_after, reason=f"creating {it.id}: {e}")
            wid = self._find_created(it)
            if wid is None:
                try:
                    answer = self.api.edit_entity(data, new="item", summary=summary)
                except RemoteError as e:
                    raise RemoteError(
                        ngettext("{error} (while creating {id} {label!r}; {n} item created so far; run the same "
                                 "load again to resume: the journal prevents duplicates)",
                                 "{error} (while creating {id} {label!r}; {n} items created so far; run the same "
                                 "load again to resume: the journal prevents duplicates)", len(report.created)).format(
                            error=e, id=it.id, label=it.label, n=len(report.created))
                    ) from None
            else:
                journal.done(it.id, wid, None, content)
                self.idmap.set(it.id, wid)
                report.created.append(it.id)
                report.id_map[it.id] = wid
                return
        wid = str(answer["entity"]["id"])
        journal.done(it.id, wid, answer["entity"].get("lastrevid"), content)
        self.idmap.set(it.id, wid)
        report.created.append(it.id)
        report.id_map[it.id] = wid

    def _edit_data(self, it: PlanItem, wid: str, remote: Json) -> Json:
        """What to send so that the wiki's entity becomes the plan's entity (only the differences)."""
        current, _dropped = translate_back(remote, self.idmap)
        current["id"] = it.id
        wanted = self._translatable(it)
        data: Json = {}
        for t in diff_terms(current, wanted):
            if t.action == "unchanged":
                continue
            field = {"label": "labels", "description": "descriptions", "alias": "aliases"}[t.term]
            if t.term == "alias":
                entry = {"language": t.language, "value": t.new if t.action == "add" else t.old}
                entry["add" if t.action == "add" else "remove"] = ""
                data.setdefault("aliases", []).append(entry)
            elif t.action == "remove":
                data.setdefault(field, {})[t.language] = {"language": t.language, "remove": ""}
            else:
                data.setdefault(field, {})[t.language] = {"language": t.language, "value": t.new}
        # Remove only what the plan itself removes (never what someone else added meanwhile).
        plan_removes = {
            str(s.old["id"])
            for s in it.statements
            if s.old is not None
            and s.old.get("id")
            and (s.action == "remove" or (s.action == "change" and (s.new or {}).get("id") != s.old.get("id")))
        }
        claims: list[Json] = []
        for s in diff_statements(current, wanted):
            old_id = str((s.old or {}).get("id") or "")
            remove_old = {"id": wid + "$" + old_id.split("$", 1)[-1], "remove": ""}
            if s.action == "add" and s.new is not None:
                claims.append(self._one(s.prop, s.new, keep_id=False))
            elif s.action == "remove" and old_id in plan_removes:
                claims.append(remove_old)
            elif s.action == "change" and s.new is not None:
                if old_id and s.new.get("id") == old_id:  # the same statement, edited in place
                    claims.append(self._one(s.prop, s.new, keep_id=True, subject=it.id))
                    continue
                if old_id in plan_removes:
                    claims.append(remove_old)
                claims.append(self._one(s.prop, s.new, keep_id=False))
        if claims:
            data["claims"] = claims
        return data

    def _one(self, prop: str, statement: Json, *, keep_id: bool, subject: str | None = None) -> Json:
        st = _statements(translate({"id": subject, "claims": {prop: [statement]}}, self.idmap))[0]
        return st if keep_id else _no_ids(st)

    def _update(self, it: PlanItem, wid: str, remote: Json, report: WriteReport, *, second_pass: bool) -> None:
        data = self._edit_data(it, wid, remote)
        if not data:
            if not second_pass and it.id not in report.created:
                report.unchanged.append(it.id)
            return
        summary = self._summary(it)
        for attempt in range(2):
            try:
                self._pause()
                self.api.edit_entity(data, entity_id=wid, baserevid=remote.get("lastrevid"), summary=summary)
                break
            except ApiError as e:
                if e.code != "editconflict" or attempt == 1:
                    raise
                retry_after, reason = None, _("updating {id}: edit conflict").format(id=wid)
            except RemoteError as e:
                if attempt == 1:
                    raise
                retry_after, reason = e.retry_after, _("updating {id}: {error}").format(id=wid, error=e)
            # edit conflict or an unclear failure: wait, look again, recompute, retry once
            self.api.backoff(attempt, retry_after=retry_after, reason=reason)
            fresh = self.api.get_entities([wid]).get(wid)
            if fresh is None:
                raise EntityError(_("{wid} disappeared from {api_url} during the load").format(
                                      wid=wid, api_url=self.api.api_url), entity=it.id)
            remote = fresh
            data = self._edit_data(it, wid, remote)
            if not data:
                break
        if it.id not in report.created and it.id not in report.updated:
            report.updated.append(it.id)

    def _summary(self, it: PlanItem) -> str:
        rows = f" rows {','.join(map(str, it.rows[:5]))}" if it.rows else ""
        return f"{self.summary}{rows}"[:250]


def _numeric(entity_id: str) -> tuple[str, int]:
    return entity_id[0], int(entity_id[1:]) if entity_id[1:].isdigit() else 0


def _model_item_ids() -> set[str]:
    """Ids glamkg knows as Wikidata's without a store: the model's classes and values, and the countries."""
    from kg.model.regions import countries

    m = model()
    out = {c.id for c in m.classes.values()} | {v.id for v in m.values.values()}
    out |= {str(q) for q in countries()["qid"]}
    return out

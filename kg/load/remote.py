"""Asking a remote Wikibase which item a name (and country, type, identifiers) means.

Two kinds of service, one interface (:class:`Service`: ``ask(questions) -> candidates per question``):

* :class:`W3CService`: the W3C Reconciliation Service API (version 0.2) that OpenRefine uses: the manifest
  (``GET <url>``: ``name``, ``identifierSpace``, ``schemaSpace``, ``defaultTypes``) and batches of queries
  (``POST <url>`` with the form field ``queries={"q0": {"query": ..., "type": [...], "limit": 5,
  "properties": [{"pid": "P17", "v": "Q55"}, ...]}, ...}``), answered
  ``{"q0": {"result": [{"id", "name", "description", "type": [{"id", "name"}], "score", "match"}]}}``;
* :class:`WikibaseApiService`: a Wikibase without a reconciliation service, through its action API
  (:class:`kg.load.targets.wikibase_api.WikibaseApi`: ``maxlag``, ``Retry-After``): ``list=search`` with
  ``haswbstatement:"P791=NL-AmRM"`` for identifiers (a unique hit scores 100), ``wbsearchentities`` for
  labels and aliases, ``wbgetentities`` for the candidates' classes (P31) and countries (P17). Scores:
  100 for a label or alias equal to the name (normalised as :func:`kg.load.reconcile.normalise_label`),
  60 for a prefix match; halved when the candidate has none of the wanted classes; minus 10 when it has no
  country; candidates in another country than the row's are dropped.

Every request goes through :mod:`kg.http` (User-Agent, timeouts, ``Retry-After``); answers are cached on disk
per service URL and query (:class:`AnswerCache`), so a second run asks nothing it asked before. ``ask`` reports
progress (``advance(n)``: cached answers at once, then per W3C batch or per Wikibase API question).
The settings (threshold, batch size, ...) are data: ``schemas/reconcile.yaml``.

A Wikibase with ids of its own is asked through its id map (:class:`Renumbered`, for ``--target wikibase``):
questions in the wiki's ids, candidates back in glamkg's, the wiki's own items kept under their own ids.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from kg import config
from kg.errors import InputError, RemoteError
from kg.http import HttpClient, decode_json, shown_url
from kg.i18n import _
from kg.load.reconcile import normalise_label
from kg.load.reconcile_settings import settings
from kg.model import ids
from kg.model.idmap import IdMap
from kg.model.regions import country_records
from kg.model.schema import model
from kg.progress import Advance

Json = dict[str, Any]
NOT_ON_WIKIDATA = "new: not on Wikidata"  # the match of a row that Wikidata's reconciliation did not find


@dataclass(frozen=True)
class Candidate:
    """One answer: an item id of the service's Wikibase, its label, description and score (0..100)."""

    id: str
    label: str = ""
    description: str = ""
    score: float = 0.0
    match: bool = False  # the service itself says "this is the one" (W3C ``match``)

    def text(self) -> str:
        desc = f", {self.description}" if self.description else ""
        flag = _(", the service's match") if self.match else ""
        return _("{id} {label!r}{description} (score {score:g}{flag})").format(
            id=self.id, label=self.label, description=desc, score=self.score, flag=flag)


@dataclass(frozen=True)
class Question:
    """What one row or cell asks: a name, the classes its item may have, its country, its identifiers."""

    text: str
    classes: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()  # (property id, value)
    language: str = "en"

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)


def decide(candidates: Sequence[Candidate], threshold: float) -> Candidate | None:
    """The candidate to link automatically: the ONE strong candidate (score >= threshold), else None (none
    strong, or several: the choice is the volunteer's). A W3C service's own ``match`` flag is kept and shown
    but not relied on: one documented rule for every service (``--match-threshold`` for other score scales)."""
    strong = [c for c in candidates if c.score >= threshold]
    return strong[0] if len(strong) == 1 else None


class Service(Protocol):
    url: str
    name: str
    wikidata: bool  # the service's ids are Wikidata's

    def ask(self, questions: Sequence[Question], advance: Advance | None = None) -> list[list[Candidate]]:
        """Candidates per question; ``advance(n)`` as answers arrive (cache hits at once, then per request)."""
        ...

    def adopt(self, item_id: str) -> str:
        """The glamkg id to link for a candidate (or a review file's answer) ``item_id`` of this service."""
        ...


# -- the cache -----------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """``$GLAMKG_RECONCILE_CACHE``, else ``$XDG_CACHE_HOME/glamkg/reconcile`` (``~/.cache/glamkg/reconcile``)."""
    own = config.setting("reconcile_cache")
    if own:
        return Path(own)
    base = config.setting("xdg_cache")
    return (Path(base) if base else Path.home() / ".cache") / "glamkg" / "reconcile"


@dataclass
class AnswerCache:
    """Answers on disk, one JSON file per (service URL, question); older than ``max_age`` seconds = a miss."""

    folder: Path | None
    max_age: float = 30 * 86400.0
    hits: int = 0

    def _path(self, url: str, q: Question) -> Path | None:
        if self.folder is None:
            return None
        h = hashlib.sha256((url + "\n" + q.key()).encode("utf-8")).hexdigest()
        return self.folder / h[:2] / f"{h}.json"

    def get(self, url: str, q: Question) -> list[Candidate] | None:
        p = self._path(url, q)
        if p is None or not p.is_file():
            return None
        try:
            raw = json.loads(p.read_text(encoding="utf-8"))
            if time.time() - float(raw["stored"]) > self.max_age:
                return None
            out = [Candidate(**c) for c in raw["candidates"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged entry is a miss
        self.hits += 1
        return out

    def put(self, url: str, q: Question, candidates: Sequence[Candidate]) -> None:
        p = self._path(url, q)
        if p is None:
            return
        body = {
            "url": shown_url(url),  # the key hashes the whole URL; the file never holds its credentials
            "question": asdict(q),
            "stored": time.time(),
            "candidates": [asdict(c) for c in candidates],
        }
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_suffix(".tmp")
            tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            tmp.replace(p)
        except OSError:
            pass  # caching is best effort


def _no_advance(n: int) -> None:
    pass


def _pid(pids: Mapping[str, str], key: str) -> str:
    """The service's id of the model property ``key`` (a Wikibase of its own numbers its properties itself)."""
    return pids.get(key) or model().prop(key).id


def _cached_ask(
    url: str, cache: AnswerCache, questions: Sequence[Question], fetch: Any, advance: Advance | None
) -> list[list[Candidate]]:
    """Answers from the cache; the rest through ``fetch(missing questions, advance) -> answers``, then cached.
    ``advance(n)``: the cache's answers at once, then as ``fetch`` reports its requests."""
    step = advance or _no_advance
    out: list[list[Candidate] | None] = [cache.get(url, q) for q in questions]
    missing = [i for i, a in enumerate(out) if a is None]
    if len(missing) < len(questions):
        step(len(questions) - len(missing))
    if missing:
        answers = fetch([questions[i] for i in missing], step)
        for i, a in zip(missing, answers, strict=True):
            out[i] = a
            cache.put(url, questions[i], a)
    return [a or [] for a in out]


def _wikidata_space() -> str:
    return ids.wikidata_concept_base()


# -- W3C reconciliation service ---------------------------------------------------------------------------------


@dataclass
class W3CService:
    """A W3C Reconciliation Service API endpoint (OpenRefine's protocol, version 0.2)."""

    url: str
    client: HttpClient
    cache: AnswerCache
    limit: int = 5
    batch: int = 10
    name: str = ""
    wikidata: bool = False
    manifest: Json = field(default_factory=dict)
    pids: dict[str, str] = field(default_factory=dict)  # model key -> the service's property id, when not Wikidata's

    def open(self) -> W3CService:
        """Read the manifest (``GET url``) and check it is one."""
        body = decode_json(self.client.get(self.url, cache=False))
        if not isinstance(body, dict) or "identifierSpace" not in body or "name" not in body:
            raise RemoteError(
                _("{shown_url}: expected a reconciliation service manifest (JSON with name, identifierSpace, "
                  "schemaSpace), found {body!r}; hint: --reconcile takes the service's endpoint URL (the one "
                  "OpenRefine is given) or a Wikibase's api.php").format(
                    shown_url=shown_url(self.url), body=str(body)[:120]),
                url=shown_url(self.url),
            )
        self.manifest = body
        self.name = str(body["name"])
        self.wikidata = str(body["identifierSpace"]).rstrip("/") == _wikidata_space().rstrip("/")
        return self

    def query(self, q: Question) -> Json:
        out: Json = {"query": q.text, "limit": self.limit}
        if q.classes:
            out["type"] = list(q.classes)
            out["type_strict"] = "any"
        props = [{"pid": _pid(self.pids, "country"), "v": c} for c in q.countries]
        props += [{"pid": pid, "v": v} for pid, v in q.identifiers]
        if props:
            out["properties"] = props
        return out

    def ask(self, questions: Sequence[Question], advance: Advance | None = None) -> list[list[Candidate]]:
        return _cached_ask(self.url, self.cache, questions, self._fetch, advance)

    def adopt(self, item_id: str) -> str:
        return item_id

    def _fetch(self, questions: Sequence[Question], advance: Advance) -> list[list[Candidate]]:
        out: list[list[Candidate]] = []
        for start in range(0, len(questions), self.batch):
            chunk = questions[start : start + self.batch]
            payload = {f"q{i}": self.query(q) for i, q in enumerate(chunk)}
            body = decode_json(
                self.client.post(self.url, data={"queries": json.dumps(payload, ensure_ascii=False)}, cache=False)
            )
            if not isinstance(body, dict):
                raise RemoteError(
                    _("{shown_url}: expected a JSON object of answers, found {body!r}").format(
                        shown_url=shown_url(self.url), body=str(body)[:120])
                )
            for i in range(len(chunk)):
                answer = body.get(f"q{i}")
                if not isinstance(answer, dict) or not isinstance(answer.get("result"), list):
                    raise RemoteError(
                        _("{shown_url}: expected an answer {{'result': [...]}} for query q{i}, found "
                          "{answer!r}").format(
                            shown_url=shown_url(self.url), i=i, answer=str(answer)[:120])
                    )
                out.append([c for c in map(_w3c_candidate, answer["result"]) if c is not None])
            advance(len(chunk))
        return out


def _w3c_candidate(r: Any) -> Candidate | None:
    if not isinstance(r, dict) or not ids.is_id(str(r.get("id", "")), kinds="Q"):
        return None  # a service may answer other entity types; items only here
    try:
        score = float(r.get("score") or 0)
    except (TypeError, ValueError):
        score = 0.0
    return Candidate(
        id=str(r["id"]),
        label=str(r.get("name") or ""),
        description=str(r.get("description") or ""),
        score=score,
        match=r.get("match") is True,
    )


# -- a Wikibase's action API ------------------------------------------------------------------------------------


@dataclass
class WikibaseApiService:
    """A Wikibase without a reconciliation service: ``wbsearchentities`` and ``haswbstatement:`` searches."""

    url: str
    api: Any  # kg.load.targets.wikibase_api.WikibaseApi
    cache: AnswerCache
    limit: int = 5
    name: str = ""
    wikidata: bool = False
    pids: dict[str, str] = field(default_factory=dict)  # model key -> the wiki's property id, when not Wikidata's

    @classmethod
    def create(cls, url: str, client: HttpClient, cache: AnswerCache, *, limit: int = 5) -> WikibaseApiService:
        from kg.load.targets.wikibase_api import WikibaseApi

        api = WikibaseApi(url, client=client)
        host = shown_url(url).split("//", 1)[-1].split("/", 1)[0]
        # whose ids are these? the concept URI of one search hit says (the model's "museum" class, any wiki has it)
        probe = api.search(model().cls("museum").label, limit=1)
        concept = str(probe[0].get("concepturi", "")) if probe else ""
        is_wd = concept.startswith(_wikidata_space())
        name = _("the Wikibase at {host}").format(host=host)
        return cls(api.api_url, api, cache, limit=limit, name=name, wikidata=is_wd)

    def ask(self, questions: Sequence[Question], advance: Advance | None = None) -> list[list[Candidate]]:
        return _cached_ask(self.url, self.cache, questions, self._fetch, advance)

    def adopt(self, item_id: str) -> str:
        return item_id

    def _fetch(self, questions: Sequence[Question], advance: Advance) -> list[list[Candidate]]:
        out = []
        for q in questions:  # one question is a few requests (search, entities): progress per question
            out.append(self._one(q))
            advance(1)
        return out

    def _by_identifier(self, pid: str, value: str) -> list[str]:
        body = self.api.call(
            {
                "action": "query",
                "list": "search",
                "srsearch": f'haswbstatement:"{pid}={value}"',
                "srnamespace": "0|120",
                "srlimit": str(self.limit),
            }
        )
        out = []
        for hit in (body.get("query") or {}).get("search") or []:
            eid = str(hit.get("title", "")).rsplit(":", 1)[-1]
            if ids.is_id(eid, kinds="Q"):
                out.append(eid)
        return out

    def _one(self, q: Question) -> list[Candidate]:
        for pid, value in q.identifiers:
            if '"' in value or "\\" in value:
                continue  # cannot be quoted in a CirrusSearch keyword; the label search still runs
            found = self._by_identifier(pid, value)
            if len(found) == 1:
                ent = self.api.get_entities(found, props="labels|descriptions|claims").get(found[0]) or {}
                return [
                    Candidate(
                        found[0], _term(ent, "labels", q.language), _term(ent, "descriptions", q.language), 100.0, True
                    )
                ]
        hits = self.api.search(q.text, language=q.language, limit=self.limit * 2) if q.text else []
        wanted = normalise_label(q.text)
        scored: dict[str, float] = {}
        labels: dict[str, tuple[str, str]] = {}
        for h in hits:
            eid = str(h.get("id", ""))
            if not ids.is_id(eid, kinds="Q"):
                continue
            matched = str((h.get("match") or {}).get("text") or h.get("label") or "")
            score = 100.0 if normalise_label(matched) == wanted else 60.0
            scored[eid] = max(score, scored.get(eid, 0.0))
            labels[eid] = (str(h.get("label") or ""), str(h.get("description") or ""))
        if not scored:
            return []
        entities = self.api.get_entities(list(scored), props="claims")
        country_pid, class_pid = _pid(self.pids, "country"), _pid(self.pids, "instance_of")
        out = []
        for eid, score in scored.items():
            ent = entities.get(eid) or {}
            classes, countries = _item_values(ent, class_pid), _item_values(ent, country_pid)
            if q.countries and countries and not countries & set(q.countries):
                continue  # in another country: not this one
            if q.classes and not classes & set(q.classes):
                score /= 2
            if q.countries and not countries:
                score -= 10
            out.append(Candidate(eid, labels[eid][0], labels[eid][1], score))
        out.sort(key=lambda c: (-c.score, c.id))
        return out[: self.limit]


def _term(entity: Mapping[str, Any], field_name: str, lang: str) -> str:
    terms = entity.get(field_name) or {}
    t: Any = terms.get(lang) or terms.get("en") or next(iter(terms.values()), {})
    return str(t.get("value", "")) if isinstance(t, Mapping) else ""


def _item_values(entity: Mapping[str, Any], pid: str) -> set[str]:
    out = set()
    for st in (entity.get("claims") or {}).get(pid, []):
        v = ((st.get("mainsnak") or {}).get("datavalue") or {}).get("value")
        if isinstance(v, Mapping) and v.get("id"):
            out.add(str(v["id"]))
    return out


# -- a Wikibase with ids of its own ------------------------------------------------------------------------------


def _model_item_ids() -> set[str]:
    """Ids glamkg gives a meaning without a store: the model's classes and values, and the countries."""
    m = model()
    return {c.id for c in m.classes.values()} | {v.id for v in m.values.values()} | {
        r["qid"] for r in country_records()
    }


@dataclass
class Renumbered:
    """A service whose Wikibase numbers its entities itself, seen in glamkg's ids through the id map.

    Questions go out in the wiki's ids: the classes, countries and identifier properties the map knows (the
    ones it does not know cannot be on the wiki, so that constraint is not sent), and the wiki's own ids of the
    country and instance-of properties. Candidates come back in glamkg's ids where the map knows them (an item
    a load created there, a class or country bootstrap made); a candidate the map does not know is the wiki's
    own item and keeps the wiki's id, as the Wikibase target names the wiki's own items in cells
    (:meth:`kg.load.targets.wikibase.WikibaseTarget.resolve_ids`); :meth:`adopt` records it in the map
    (``Q7 -> Q7``) when a row or cell is linked to it. A wiki item whose id already means something else to
    glamkg (Wikidata's Q55, a country, or an id the map sends elsewhere) cannot be named: it is left out of the
    candidates and listed in ``unnamed``.
    """

    inner: W3CService | WikibaseApiService
    idmap: IdMap
    known: Callable[[str], bool] = field(default=lambda _id: False)  # ids the store or this load has
    # does the wiki have this item? (its API; for ids a volunteer wrote in the review file, not seen as candidates)
    wiki_has: Callable[[str], bool] | None = None
    unnamed: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # the wiki's own items among this run's candidates

    def __post_init__(self) -> None:
        self.url, self.name, self.wikidata = self.inner.url, self.inner.name, False
        self.inner.pids = {k: w for k in ("country", "instance_of") if (w := self.idmap.get(model().prop(k).id))}
        self._model_ids = _model_item_ids()
        if self.wiki_has is None and isinstance(self.inner, WikibaseApiService):
            api = self.inner.api
            self.wiki_has = lambda item_id: api.get_entities([item_id], props="info").get(item_id) is not None

    @classmethod
    def over(
        cls,
        service: Service,
        idmap: IdMap,
        known: Callable[[str], bool] | None = None,
        wiki_has: Callable[[str], bool] | None = None,
    ) -> Renumbered:
        """``service`` through ``idmap``, which must be the map of the service's wiki; ``known``: ids the store
        has; ``wiki_has``: whether the wiki has an item (default: the service's own API, if it is one)."""
        if not isinstance(service, W3CService | WikibaseApiService):
            raise InputError(_("{name}: expected a W3C reconciliation service or a Wikibase's api.php").format(
                                 name=service.name))
        where = f"{idmap.path}: " if idmap.path else _("the id map: ")
        if isinstance(service, WikibaseApiService) and idmap.api_url and idmap.api_url != service.url:
            raise InputError(
                _("{where}expected the id map of the wiki --reconcile asks ({shown_url}), found the map of "
                  "{api_url}; hint: --idmap FILE of that wiki").format(
                    where=where, shown_url=shown_url(service.url), api_url=idmap.api_url)
            )
        space = str(service.manifest.get("identifierSpace") or "") if isinstance(service, W3CService) else ""
        if space and idmap.concept_base and space.rstrip("/") != idmap.concept_base.rstrip("/"):
            raise InputError(
                _("{where}expected the id map of the wiki --reconcile asks (its items are {space}), found the map "
                  "of {concept_base}; hint: --idmap FILE of that wiki").format(
                    where=where, space=space, concept_base=idmap.concept_base)
            )
        return cls(service, idmap, known or (lambda _id: False), wiki_has)

    def _to_wiki(self, q: Question) -> Question:
        m = self.idmap
        country_known = bool(self.inner.pids.get("country"))
        class_known = bool(self.inner.pids.get("instance_of"))
        return replace(
            q,
            classes=tuple(w for c in q.classes if class_known and (w := m.get(c))),
            countries=tuple(w for c in q.countries if country_known and (w := m.get(c))),
            identifiers=tuple((w, v) for pid, v in q.identifiers if (w := m.get(pid))),
        )

    def _back(self, c: Candidate) -> Candidate | None:
        glamkg_id = self.idmap.back(c.id)
        if glamkg_id is not None:
            return replace(c, id=glamkg_id)
        if self.idmap.get(c.id) is None and c.id not in self._model_ids and not self.known(c.id):
            self.seen.add(c.id)
            return c  # the wiki's own item, named by its own id
        self.unnamed.append(f"{c.id} ({c.label!r} on {self.name})")
        return None

    def ask(self, questions: Sequence[Question], advance: Advance | None = None) -> list[list[Candidate]]:
        answers = self.inner.ask([self._to_wiki(q) for q in questions], advance)
        return [[b for c in cands if (b := self._back(c)) is not None] for cands in answers]

    def adopt(self, item_id: str) -> str:
        """The glamkg id of ``item_id`` (a candidate, or an id a volunteer wrote in the review file): glamkg's
        own where the map or glamkg knows it; the glamkg id of a wiki id the map has; the wiki's own item, recorded
        in the map under its own id, when it was a candidate or the wiki has it; else Wikidata's item of that id
        (as the Wikibase target reads an id in a cell that is nowhere else: it gets a placeholder on the wiki)."""
        m = self.idmap
        if m.get(item_id) is not None or item_id in self._model_ids or self.known(item_id):
            return item_id
        glamkg_id = m.back(item_id)
        if glamkg_id is not None:
            return glamkg_id
        if item_id in self.seen or (self.wiki_has is not None and self.wiki_has(item_id)):
            m.set(item_id, item_id)
        return item_id


# -- choosing a service -----------------------------------------------------------------------------------------


def open_service(
    spec: str,
    *,
    client: HttpClient | None = None,
    cache_folder: Path | None = None,
    use_cache: bool = True,
) -> Service | None:
    """``none`` -> None; ``wikidata`` -> Wikidata's W3C service; a URL ending in ``api.php`` -> that Wikibase's
    action API; any other http(s) URL -> a W3C reconciliation service (its manifest is read now)."""
    s = settings()
    text = spec.strip()
    if text.lower() in ("", "none"):
        return None
    url = s.services.get(text.lower(), text)
    if not url.startswith(("http://", "https://")):
        raise InputError(
            _("--reconcile: expected none, {services} or the http(s) URL of a reconciliation service or of a "
              "Wikibase's api.php, found {spec!r}").format(services=', '.join(s.services), spec=spec)
        )
    client = client or HttpClient()
    cache = AnswerCache(cache_folder or cache_dir() if use_cache else None, max_age=s.cache_days * 86400)
    if url.rstrip("/").endswith("api.php"):
        return WikibaseApiService.create(url, client, cache, limit=s.limit)
    return W3CService(url, client, cache, limit=s.limit, batch=s.batch).open()

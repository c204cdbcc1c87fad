"""A fake MediaWiki + Wikibase action API on 127.0.0.1, for offline tests.

It answers with the response shapes of MediaWiki's api.php (``format=json``, formatversion 1):

* ``action=query&meta=tokens&type=login|csrf`` -> ``{"batchcomplete": "", "query": {"tokens": {...}}}``
  (an anonymous CSRF token is ``"+\\\\"``);
* ``action=login`` -> ``{"login": {"result": "Success", "lguserid": 1, "lgusername": ...}}`` or
  ``{"login": {"result": "Failed", "reason": ...}}``;
* ``action=wbgetentities`` -> ``{"entities": {"Q1": {...}, "Q9": {"id": "Q9", "missing": ""}}, "success": 1}``;
* ``action=wbeditentity`` -> ``{"entity": {..., "lastrevid": n}, "success": 1}``, or an ``error`` object
  (``maxlag`` with ``Retry-After`` and ``X-Database-Lag`` headers or the lag only, ``editconflict``, ``badtoken``,
  ``failed-save`` with Wikibase ``messages``, ``permissiondenied``, ``assertuserfailed``);
* ``action=wbsearchentities`` -> ``{"searchinfo": {"search": ...}, "search": [...], "success": 1}`` (label and
  alias prefixes; ``match.type`` says which);
* ``action=query&list=search&srsearch=haswbstatement:"P791=NL-AmRM"`` (CirrusSearch's keyword) ->
  ``{"batchcomplete": "", "query": {"searchinfo": {"totalhits": n}, "search": [{"ns", "title", "pageid", ...}]}}``;
* HTTP-level refusals from a front proxy or an overloaded server, scripted per action
  (:meth:`FakeWikibase.throttle`): HTTP 429/503 with ``Retry-After``, before MediaWiki sees the request.

Sessions are cookies, as in MediaWiki: the login token belongs to the session that asked for it, and edits
need the session's CSRF token. Every request is recorded (method, path, headers, merged form/query fields)
so tests can assert on what was sent. Faults are scripted per edit number (:meth:`FakeWikibase.fault`).
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Json = dict[str, Any]
# Wikibase's default urlSchemes (repo/config/Wikibase.default.php)
URL_SCHEMES = ("bzr", "cvs", "ftp", "git", "http", "https", "irc", "ircs", "mailto", "ssh", "svn")
API_HELP = "See http://127.0.0.1/w/api.php for API usage."
INFO = {
    "sessionlost": "Unable to continue login. Your session most likely timed out.",
    "assertuserfailed": "You are no longer logged in, so the action could not be completed.",
    "editconflict": "Edit conflict: the entity was changed by someone else.",
    "permissiondenied": "You do not have the permissions needed to carry out this action.",
    "param-missing": 'Either provide the item "id" or pairs of "site" and "title".',
}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    fields: dict[str, str]
    raw_body: str = ""
    query: str = ""  # the raw query string of the URL

    @property
    def action(self) -> str:
        return self.fields.get("action", "")


@dataclass
class Session:
    login_token: str | None = None
    csrf: str | None = None
    user: str | None = None


@dataclass
class Throttle:
    action: str | None  # None: any request
    count: int
    status: int
    retry_after: str | None
    body: str


# The loopback fake's own test account (no real wiki has it): tests give it to glamkg through the environment
# (GLAMKG_WIKIBASE_USER / GLAMKG_WIKIBASE_PASSWORD) or the API client, as a volunteer's bot password would be.
TEST_USER, TEST_PASSWORD = "Admin@glamkg", "bot-pass-0123456789abcdef"


@dataclass
class FakeWikibase:
    users: dict[str, str] = field(default_factory=lambda: {TEST_USER: TEST_PASSWORD})
    login_failure_reason: str = "Incorrect username or password entered. Please try again."

    def __post_init__(self) -> None:
        self.entities: dict[str, Json] = {}
        self.next_number = {"Q": 1, "P": 1}
        self.revision = 100
        self.requests: list[Request] = []
        self.sessions: dict[str, Session] = {}
        self.edit_count = 0
        self._faults: dict[int, str] = {}
        self._throttles: list[Throttle] = []
        self.down_from: int | None = None  # every edit from this number on fails with HTTP 503
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None
        self.applied_then_hang = threading.Event()
        self.release = threading.Event()
        self.concept_base: str | None = None  # default <url>/entity/; Wikidata's to stand in for wikidata.org

    def add_item(
        self,
        eid: str,
        label: str,
        *,
        description: str = "",
        aliases: tuple[str, ...] = (),
        claims: dict[str, list[str]] | None = None,
        lang: str = "en",
    ) -> None:
        """An item as the wiki holds it; ``claims`` values are item ids (``Q55``) or strings."""
        entity: Json = {
            "pageid": int(eid[1:]) + 1000,
            "ns": 0,
            "title": eid,
            "lastrevid": self._new_revision(),
            "modified": "2026-11-24T12:00:00Z",
            "type": "item",
            "id": eid,
            "labels": {lang: {"language": lang, "value": label}},
            "descriptions": {lang: {"language": lang, "value": description}} if description else {},
            "aliases": {lang: [{"language": lang, "value": a} for a in aliases]} if aliases else {},
            "claims": {},
            "sitelinks": {},
        }
        for pid, values in (claims or {}).items():
            for v in values:
                item = v[0] == "Q" and v[1:].isdigit()
                dv = (
                    {"value": {"entity-type": "item", "numeric-id": int(v[1:]), "id": v}, "type": "wikibase-entityid"}
                    if item
                    else {"value": v, "type": "string"}
                )
                snak = {
                    "snaktype": "value",
                    "property": pid,
                    "datavalue": dv,
                    "datatype": "wikibase-item" if item else "external-id",
                }
                st = {"mainsnak": snak, "type": "statement", "id": f"{eid}${uuid.uuid4()}", "rank": "normal"}
                entity["claims"].setdefault(pid, []).append(st)
        self.entities[eid] = entity

    # -- control ------------------------------------------------------------------------------------------
    def fault(self, edit_number: int, kind: str) -> None:
        """Make the n-th wbeditentity (1-based, counted over the server's life) fail with ``kind``.

        kinds: maxlag (``Retry-After: 3``, lag 7), maxlag-lag-only (lag 7, no ``Retry-After``), editconflict,
        badtoken, failed-save, permissiondenied, http500 (not applied), applied-then-500 (applied, but the
        client gets HTTP 500), applied-then-hang (applied, then no answer until :meth:`stop`; sets
        ``applied_then_hang``: the test kills the client then).
        """
        self._faults[edit_number] = kind

    def throttle(
        self,
        action: str | None,
        *,
        count: int = 1,
        status: int = 429,
        retry_after: str | None = "1",
        body: str = "<html><body>Too Many Requests</body></html>",
    ) -> None:
        """Answer the next ``count`` requests with ``action`` (None: any) with HTTP ``status`` and
        ``Retry-After``, without handing them to the API (nothing is applied, no edit is counted). ``body``
        may name ``{user}`` and ``{password}`` (the request's ``lgname``/``lgpassword``): a server that echoes.
        """
        self._throttles.append(Throttle(action, count, status, retry_after, body))

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.url + "/w/api.php"

    def start(self) -> FakeWikibase:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # headers and body go out in two writes: without this, Nagle + delayed ACK add ~40 ms each
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
                return

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def edits(self) -> list[Request]:
        return [r for r in self.requests if r.action == "wbeditentity"]

    def items_labelled(self, label: str) -> list[str]:
        return [i for i, e in self.entities.items() if e.get("labels", {}).get("en", {}).get("value") == label]

    # -- HTTP -----------------------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        fields = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        raw = ""
        if method == "POST":
            n = int(h.headers.get("Content-Length") or 0)
            raw = h.rfile.read(n).decode("utf-8")
            fields.update({k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()})
        req = Request(method, parts.path, {k: v for k, v in h.headers.items()}, fields, raw, parts.query)
        with self.lock:
            self.requests.append(req)
            if parts.path != "/w/api.php":
                return self._send(h, 404, {"error": "not found"})
            for t in self._throttles:
                if t.count > 0 and t.action in (None, req.action):
                    t.count -= 1
                    body = t.body.replace("{user}", fields.get("lgname", "")).replace(
                        "{password}", fields.get("lgpassword", "")
                    )
                    headers = {"Retry-After": t.retry_after} if t.retry_after is not None else {}
                    return self._send(h, t.status, body, headers)
            cookie = self._cookie(h)
            set_cookie = None
            if cookie is None or cookie not in self.sessions:
                cookie = secrets.token_hex(8)
                self.sessions[cookie] = Session()
                set_cookie = cookie
            session = self.sessions[cookie]
            status, body, headers = self._dispatch(req, session)
        self._send(h, status, body, headers, set_cookie)

    @staticmethod
    def _cookie(h: BaseHTTPRequestHandler) -> str | None:
        for part in (h.headers.get("Cookie") or "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == "fakewiki_session":
                return v
        return None

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        cookie: str | None = None,
    ) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        h.send_response(status)
        ctype = "text/html" if isinstance(body, str) else "application/json; charset=utf-8"
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if cookie:
            h.send_header("Set-Cookie", f"fakewiki_session={cookie}; path=/; HttpOnly")
        h.end_headers()
        h.wfile.write(data)

    # -- API ------------------------------------------------------------------------------------------------
    def _dispatch(self, req: Request, session: Session) -> tuple[int, Any, dict[str, str]]:
        f = req.fields
        action = f.get("action")
        if action == "query" and f.get("meta") == "tokens":
            kind = f.get("type", "csrf")
            if kind == "login":
                session.login_token = secrets.token_hex(16) + "+\\"
                return 200, {"batchcomplete": "", "query": {"tokens": {"logintoken": session.login_token}}}, {}
            if session.user is None:
                return 200, {"batchcomplete": "", "query": {"tokens": {"csrftoken": "+\\"}}}, {}
            session.csrf = session.csrf or secrets.token_hex(16) + "+\\"
            return 200, {"batchcomplete": "", "query": {"tokens": {"csrftoken": session.csrf}}}, {}
        if action == "login":
            return 200, self._login(f, session), {}
        if action == "query" and f.get("list") == "search":
            return 200, self._fulltext(f), {}
        if action == "wbgetentities":
            wanted = [i for i in f.get("ids", "").split("|") if i]
            entities = {i: self.entities.get(i, {"id": i, "missing": ""}) for i in wanted}
            return 200, {"entities": entities, "success": 1}, {}
        if action == "wbsearchentities":
            return 200, self._search(f), {}
        if action == "wbeditentity":
            return self._edit(f, session)
        return 200, _error("unknown_action", f'Unrecognized value for parameter "action": {action}.'), {}

    def _login(self, f: dict[str, str], session: Session) -> Json:
        if not session.login_token or f.get("lgtoken") != session.login_token:
            return {"login": {"result": "Failed", "reason": INFO["sessionlost"]}}
        name, password = f.get("lgname", ""), f.get("lgpassword", "")
        if self.users.get(name) != password:
            reason = self.login_failure_reason.replace("{user}", name).replace("{password}", password)
            return {"login": {"result": "Failed", "reason": reason}}
        session.user = name
        return {"login": {"result": "Success", "lguserid": 1, "lgusername": name.split("@")[0]}}

    def _fulltext(self, f: dict[str, str]) -> Json:
        """CirrusSearch with ``haswbstatement:"P=V"`` (or unquoted) only: items with that statement value."""
        query = f.get("srsearch", "")
        prefix = "haswbstatement:"
        hits = []
        if query.startswith(prefix):
            pid, _, value = query[len(prefix) :].strip('"').partition("=")
            for eid, e in sorted(self.entities.items()):
                for st in e.get("claims", {}).get(pid, []):
                    v = st["mainsnak"].get("datavalue", {}).get("value")
                    if (v.get("id") if isinstance(v, dict) else v) == value:
                        hits.append(
                            {
                                "ns": e.get("ns", 0),
                                "title": eid,
                                "pageid": e.get("pageid", 0),
                                "size": 1200,
                                "wordcount": 0,
                                "snippet": "",
                                "timestamp": "2026-11-24T12:00:00Z",
                            }
                        )
                        break
        limit = int(f.get("srlimit", "10"))
        return {"batchcomplete": "", "query": {"searchinfo": {"totalhits": len(hits)}, "search": hits[:limit]}}

    def _search(self, f: dict[str, str]) -> Json:
        text = f.get("search", "").lower()
        lang = f.get("language", "en")
        kind = f.get("type", "item")
        limit = int(f.get("limit", "7"))
        hits = []
        base = self.concept_base or f"{self.url}/entity/"
        for eid, e in sorted(self.entities.items(), key=lambda kv: (kv[0][0], int(kv[0][1:]))):
            if e.get("type") != kind:
                continue
            label = e.get("labels", {}).get(lang, {}).get("value")
            names = [("label", label)] + [("alias", a["value"]) for a in e.get("aliases", {}).get(lang, [])]
            found = next(((t, n) for t, n in names if n and n.lower().startswith(text)), None)
            if found and label:
                hit = {
                    "id": eid,
                    "title": eid if kind == "item" else f"Property:{eid}",
                    "pageid": int(eid[1:]) + 1000,
                    "concepturi": f"{base}{eid}",
                    "repository": "",
                    "url": f"//127.0.0.1/wiki/{eid}",
                    "display": {"label": {"value": label, "language": lang}},
                    "label": label,
                    "match": {"type": found[0], "language": lang, "text": found[1]},
                }
                desc = e.get("descriptions", {}).get(lang, {}).get("value")
                if desc:
                    hit["description"] = desc
                    hit["display"]["description"] = {"value": desc, "language": lang}
                hits.append(hit)
        return {"searchinfo": {"search": f.get("search", "")}, "search": hits[:limit], "success": 1}

    def _edit(self, f: dict[str, str], session: Session) -> tuple[int, Any, dict[str, str]]:
        if f.get("assert") == "user" and session.user is None:
            return 200, _error("assertuserfailed", INFO["assertuserfailed"]), {}
        if session.user is None or f.get("token") != session.csrf:
            return 200, _error("badtoken", "Invalid CSRF token."), {}
        self.edit_count += 1
        n = self.edit_count
        if self.down_from is not None and n >= self.down_from:
            return 503, "<html><body>Service Unavailable</body></html>", {}
        fault = self._faults.get(n)
        if fault in ("maxlag", "maxlag-lag-only"):
            return (
                200,
                {
                    "error": {
                        "code": "maxlag",
                        "info": "Waiting for 10.64.48.35: 7 seconds lagged.",
                        "host": "10.64.48.35",
                        "lag": 7,
                        "type": "db",
                        "*": API_HELP,
                    },
                    "servedby": "mw1234",
                },
                {"Retry-After": "3", "X-Database-Lag": "7"} if fault == "maxlag" else {"X-Database-Lag": "7"},
            )
        if fault == "editconflict":
            return 200, _error("editconflict", INFO["editconflict"], "edit-conflict"), {}
        if fault == "badtoken":
            session.csrf = None  # the session's token is no longer valid
            return 200, _error("badtoken", "Invalid CSRF token."), {}
        if fault == "failed-save":
            return 200, _error("failed-save", "The save has failed.", "wikibase-api-failed-save"), {}
        if fault == "permissiondenied":
            return 200, _error("permissiondenied", INFO["permissiondenied"]), {}
        if fault == "http500":
            return 500, "<html><body>Internal error</body></html>", {}
        try:
            data = json.loads(f.get("data", "{}"))
        except ValueError:
            return 200, _error("invalid-json", "Could not parse JSON."), {}
        if "new" in f:
            status, body = self._create(f["new"], data)
        elif "id" in f:
            status, body = self._modify(f["id"], data)
        else:
            return 200, _error("param-missing", INFO["param-missing"]), {}
        if fault == "applied-then-500":
            return 500, "<html><body>Internal error</body></html>", {}
        if fault == "applied-then-hang":  # the client is killed while it waits for this answer
            self.applied_then_hang.set()
            self.release.wait(60)
            return 500, "<html><body>Internal error</body></html>", {}
        return status, body, {}

    def _new_revision(self) -> int:
        self.revision += 1
        return self.revision

    def _refused_url(self, data: Json) -> Json | None:
        """Wikibase's check of URL values (statements, qualifiers, references) against ``urlSchemes``."""
        claims = data.get("claims") or {}
        entries = [c for lst in claims.values() for c in lst] if isinstance(claims, dict) else list(claims)
        for c in entries:
            snaks = [c.get("mainsnak") or {}]
            snaks += [s for lst in (c.get("qualifiers") or {}).values() for s in lst]
            snaks += [s for r in c.get("references") or [] for lst in (r.get("snaks") or {}).values() for s in lst]
            for s in snaks:
                value = (s.get("datavalue") or {}).get("value")
                if s.get("datatype") == "url" or (isinstance(value, str) and value.startswith("file:")):
                    scheme = str(value).split(":", 1)[0].lower()
                    if scheme not in URL_SCHEMES:
                        return _error(
                            "modification-failed",
                            f'An URL scheme "{scheme}" is not supported.',
                            "wikibase-validator-bad-url-scheme",
                        )
        return None

    def _label_conflict(self, kind: str, data: Json, own: str | None = None) -> Json | None:
        if kind == "item":
            return self._label_description_conflict(data, own)
        if kind != "property":
            return None
        label = data.get("labels", {}).get("en", {}).get("value")
        for eid, e in self.entities.items():
            if eid != own and e.get("type") == "property" and e.get("labels", {}).get("en", {}).get("value") == label:
                return _error(
                    "failed-save",
                    f'Property {eid} already has label "{label}" associated with language code en.',
                    "wikibase-validator-label-conflict",
                )
        return None

    def _label_description_conflict(self, data: Json, own: str | None) -> Json | None:
        """Wikibase refuses an item whose label and description in a language equal another item's."""
        mine = self.entities.get(own or "", {})
        for lang, v in (data.get("labels") or {}).items():
            label = v.get("value") or mine.get("labels", {}).get(lang, {}).get("value")
            d = (data.get("descriptions") or {}).get(lang) or mine.get("descriptions", {}).get(lang) or {}
            desc = d.get("value")
            if not label or not desc:
                continue
            for eid, e in self.entities.items():
                if eid == own or e.get("type") != "item":
                    continue
                if (
                    e["labels"].get(lang, {}).get("value") == label
                    and e["descriptions"].get(lang, {}).get("value") == desc
                ):
                    return _error(
                        "modification-failed",
                        f'Item [[{eid}|{eid}]] already has label "{label}" associated with language code {lang}, '
                        "using the same description text.",
                        "wikibase-validator-label-with-description-conflict",
                    )
        return None

    def _create(self, kind: str, data: Json) -> tuple[int, Json]:
        if kind not in ("item", "property"):
            return 200, _error("bad-request", f'Unrecognized value for parameter "new": {kind}.')
        if kind == "property" and not data.get("datatype"):
            return 200, _error("param-illegal", "No datatype given")
        conflict = self._label_conflict(kind, data) or self._refused_url(data)
        if conflict:
            return 200, conflict
        letter = "Q" if kind == "item" else "P"
        eid = f"{letter}{self.next_number[letter]}"
        self.next_number[letter] += 1
        entity: Json = {
            "pageid": int(eid[1:]) + 1000,
            "ns": 120 if kind == "item" else 122,
            "title": eid if kind == "item" else f"Property:{eid}",
            "lastrevid": self._new_revision(),
            "modified": "2026-11-24T12:00:00Z",
            "type": kind,
            "id": eid,
            "labels": {},
            "descriptions": {},
            "aliases": {},
            "claims": {},
        }
        if kind == "property":
            entity["datatype"] = data["datatype"]
        else:
            entity["sitelinks"] = {}
        self._merge(entity, data)
        self.entities[eid] = entity
        return 200, {"entity": entity, "success": 1}

    def _modify(self, eid: str, data: Json) -> tuple[int, Json]:
        if eid not in self.entities:
            info = f'Could not find an entity with the ID "{eid}".'
            return 200, _error("no-such-entity", info, "wikibase-api-no-such-entity")
        entity = self.entities[eid]
        conflict = self._label_conflict(entity["type"], data, own=eid) or self._refused_url(data)
        if conflict:
            return 200, conflict
        self._merge(entity, data)
        entity["lastrevid"] = self._new_revision()
        return 200, {"entity": entity, "success": 1}

    def _merge(self, entity: Json, data: Json) -> None:
        for field_name in ("labels", "descriptions"):
            for lang, v in (data.get(field_name) or {}).items():
                if "remove" in v:
                    entity[field_name].pop(lang, None)
                else:
                    entity[field_name][lang] = {"language": v.get("language", lang), "value": v["value"]}
        aliases = data.get("aliases") or {}
        entries = [a for lst in aliases.values() for a in lst] if isinstance(aliases, dict) else list(aliases)
        for a in entries:
            lst = entity["aliases"].setdefault(a["language"], [])
            if "remove" in a:
                lst[:] = [x for x in lst if x["value"] != a["value"]]
            elif a["value"] not in [x["value"] for x in lst]:
                lst.append({"language": a["language"], "value": a["value"]})
        claims = data.get("claims") or {}
        entries = [c for lst in claims.values() for c in lst] if isinstance(claims, dict) else list(claims)
        for c in entries:
            if "remove" in c:
                for pid, lst in list(entity["claims"].items()):
                    entity["claims"][pid] = [s for s in lst if s["id"] != c["id"]]
                    if not entity["claims"][pid]:
                        del entity["claims"][pid]
                continue
            st = json.loads(json.dumps(c))
            pid = st["mainsnak"]["property"]
            st.setdefault("type", "statement")
            st.setdefault("rank", "normal")
            st["mainsnak"]["hash"] = uuid.uuid4().hex
            for ref in st.get("references", []):
                ref["hash"] = uuid.uuid4().hex
            lst = entity["claims"].setdefault(pid, [])
            if st.get("id"):
                lst[:] = [st if s["id"] == st["id"] else s for s in lst]
            else:
                st["id"] = f"{entity['id']}${uuid.uuid4()}"
                lst.append(st)


def _error(code: str, info: str, message: str | None = None) -> Json:
    err: Json = {"code": code, "info": info}
    if message:
        err["messages"] = [{"name": message, "parameters": [], "html": {"*": info}}]
    err["*"] = API_HELP
    return {"error": err, "servedby": "mw1234"}

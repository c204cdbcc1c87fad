"""A fake W3C Reconciliation Service (API version 0.2, as openrefine-wikibase serves Wikidata) on 127.0.0.1.

Shapes, from the W3C Entity Reconciliation Community Group's specification and openrefine-wikibase:

* ``GET /en/api`` -> the manifest ``{"versions": ["0.2"], "name", "identifierSpace", "schemaSpace",
  "defaultTypes": [{"id", "name"}], "view": {"url": ".../{{id}}"}}``;
* ``POST /en/api`` with the form field ``queries`` (JSON ``{"q0": {"query", "type", "type_strict", "limit",
  "properties": [{"pid", "v"}]}}``) -> ``{"q0": {"result": [{"id", "name", "description", "type": [{"id",
  "name"}], "score", "match"}]}}``.

Scoring follows openrefine-wikibase's engine: the label score (100 for an equal label or alias, else a
similarity ratio) and each property's score (100 when the item has the value) averaged with weight 1 for the
label and 0.4 per property; a unique-identifier property with the item's value scores 100 outright; items of
another type are dropped (items without a type are kept, score halved); ``match`` is true for the best
candidate when its score exceeds the threshold (95 minus 5 per property) and the next one's by more than 10.
Every request is recorded; :meth:`FakeReconService.throttle` answers the next requests with HTTP 429.
"""

from __future__ import annotations

import difflib
import json
import threading
import unicodedata
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Json = dict[str, Any]
UNIQUE_IDS = {"P791", "P373", "P856"}


def _norm(text: str) -> str:
    kept = (c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn")
    return " ".join("".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in kept).casefold().split())


def _similarity(a: str, b: str) -> float:
    return 100.0 if _norm(a) == _norm(b) else 100 * difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio()


@dataclass
class Item:
    id: str
    label: str
    description: str = ""
    types: tuple[str, ...] = ()
    props: dict[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()


@dataclass
class FakeReconService:
    identifier_space: str = "http://www.wikidata.org/entity/"
    type_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.requests: list[tuple[str, str, dict[str, str], Json | None]] = []  # method, path, headers, queries
        self._throttle: list[str] = []
        self.server: ThreadingHTTPServer | None = None
        self.lock = threading.Lock()

    def add(self, item: Item) -> None:
        self.items[item.id] = item

    def throttle(self, count: int = 1, retry_after: str = "0") -> None:
        self._throttle += [retry_after] * count

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/en/api"

    def queries(self) -> list[Json]:
        return [q for _, _, _, batch in self.requests if batch for q in batch.values()]

    def start(self) -> FakeReconService:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
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
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        fields = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if method == "POST":
            raw = h.rfile.read(int(h.headers.get("Content-Length") or 0)).decode("utf-8")
            fields.update({k: v[-1] for k, v in parse_qs(raw).items()})
        batch = json.loads(fields["queries"]) if "queries" in fields else None
        with self.lock:
            self.requests.append((method, parts.path, dict(h.headers.items()), batch))
            if self._throttle:
                wait = self._throttle.pop(0)
                return _send(h, 429, "Too Many Requests", {"Retry-After": wait})
        if parts.path != "/en/api":
            return _send(h, 404, {"error": "not found"})
        if batch is None:
            return _send(h, 200, self.manifest())
        return _send(h, 200, {k: {"result": self.answer(q)} for k, q in batch.items()})

    def manifest(self) -> Json:
        return {
            "versions": ["0.2"],
            "name": "Wikidata (en) [loopback]",
            "identifierSpace": self.identifier_space,
            "schemaSpace": "http://www.wikidata.org/prop/direct/",
            "view": {"url": "https://www.wikidata.org/wiki/{{id}}"},
            "defaultTypes": [{"id": "Q35120", "name": "entity"}],
        }

    def answer(self, q: Json) -> list[Json]:
        text = str(q.get("query", ""))
        types = q.get("type") or []
        types = [types] if isinstance(types, str) else list(types)
        props = q.get("properties") or []
        limit = int(q.get("limit") or 5)
        by_id = [
            i
            for i in self.items.values()
            for p in props
            if p["pid"] in UNIQUE_IDS and str(p["v"]) in i.props.get(p["pid"], ())
        ]
        cands = by_id or [
            i
            for i in self.items.values()
            if any((_norm(text) and _norm(text) in _norm(n)) or _norm(n) in _norm(text) for n in (i.label, *i.aliases))
        ]
        scored = []
        for i in cands:
            if types and i.types and not set(i.types) & set(types):
                continue
            if i in by_id:
                score = 100.0
            else:
                label = max(_similarity(n, text) for n in (i.label, *i.aliases))
                others = [p for p in props if p["pid"] not in UNIQUE_IDS]
                got = sum(0.4 * (100.0 if str(p["v"]) in i.props.get(p["pid"], ()) else 0.0) for p in others)
                score = (label + got) / (1 + 0.4 * len(others))
                if types and not i.types:
                    score /= 2
            scored.append((round(score, 2), i))
        scored.sort(key=lambda t: (-t[0], t[1].id))
        out = [
            {
                "id": i.id,
                "name": i.label,
                "description": i.description,
                "type": [{"id": t, "name": self.type_names.get(t, t)} for t in i.types],
                "score": s,
                "match": False,
            }
            for s, i in scored
        ]
        if out:
            threshold = 95 - 5 * len(props)
            nxt = out[1]["score"] if len(out) > 1 else 0
            out[0]["match"] = out[0]["score"] > threshold and out[0]["score"] > nxt + 10
        return out[:limit]


def _send(h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
    h.send_response(status)
    h.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
    h.send_header("Content-Length", str(len(data)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(data)

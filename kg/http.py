"""The one HTTP client glamkg uses for every remote call.

Wikimedia asks every client to send a User-Agent that names the tool and a way to contact its operator
(https://meta.wikimedia.org/wiki/User-Agent_policy) and to back off when told to (HTTP 429/503 with
``Retry-After``). :class:`HttpClient` does both, with a timeout on every request, a bounded number of
retries, a cap on the total time it is willing to sleep, status checks that raise
:class:`kg.errors.RemoteError` naming the URL and the status, and an optional on-disk cache.

    >>> client = HttpClient(timeout=30, max_retries=2)        # doctest: +SKIP
    >>> client.get("https://query.wikidata.org/sparql", params={"query": "ASK {}"})  # doctest: +SKIP

Retry policy (per request):

- 429 and 503: wait ``Retry-After`` (seconds or an HTTP date) if the server sent it, else the backoff;
- other 5xx, connection errors and timeouts: exponential backoff ``backoff * 2**attempt``; except a 500 whose
  body reports an error in the query itself (Virtuoso's ``Virtuoso 37000 Error SP030``, a parser's
  ``MalformedQueryException``, ...: :data:`QUERY_ERROR`): the same query fails the same way, so no retry;
- any other 4xx: no retry, :class:`RemoteError` at once, with the start of the server's message (a SPARQL
  endpoint explains syntax errors there);
- at most ``max_retries`` retries (``retries=`` on one request overrides it: ``retries=0`` for a POST that
  must not be repeated blindly), and never more than ``max_sleep`` seconds of sleeping in total: a
  ``Retry-After`` that would exceed what is left raises at once instead of stalling;
- before each wait, one line says what happened, how long the client waits and why (``Retry-After`` or
  backoff): logged as a warning on the ``kg.http`` logger, which the CLI shows on stderr (silenced by
  ``--quiet``), or handed to ``notify`` when the caller gives one (the Wikibase API redacts it, then logs it).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

import kg
from kg import config
from kg.errors import RemoteError
from kg.i18n import _, ngettext

CONTACT_ENV = config.env_name("contact")
# Where the tool is described; the operator's contact (email or user page) comes from $GLAMKG_CONTACT.
PROJECT_URL = "https://github.com/glamkg/glamkg"

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 3
DEFAULT_BACKOFF = 1.0
DEFAULT_MAX_SLEEP = 120.0
RETRY_AFTER_STATUSES = frozenset({429, 503})
# A server error body that reports a mistake in the query (deterministic: retrying cannot help).
# Virtuoso's errors start with their SQLSTATE: classes 40 (transaction rollback: "40001 Error SR172:
# Transaction deadlocked") and 08 (connection) are about the moment, not the query, and are retried.
QUERY_ERROR = re.compile(
    r"Virtuoso (?!40|08)\w+ Error|MalformedQuery|QueryParseException|ParseException"
    r"|SPARQL (?:syntax|compiler|parse) error|syntax error|Encountered \"",
    re.IGNORECASE,
)
log = logging.getLogger(__name__)
_BODY_EXCERPT = 300


def default_user_agent(contact: str | None = None) -> str:
    """``glamkg/<version> (<project url>; <contact>) python-requests/<version>``.

    The contact is taken from ``contact`` or ``$GLAMKG_CONTACT`` (an email address or a wiki user page);
    without one only the project URL is sent, which the policy accepts but which is less useful to the
    Wikimedia operators.
    """
    contact = (contact if contact is not None else (config.setting("contact") or "")).strip()
    # A User-Agent is one header line: never let a newline or control character from the environment in.
    contact = "".join(ch for ch in contact if ch.isprintable()).replace("(", "[").replace(")", "]")
    info = f"{PROJECT_URL}; {contact}" if contact else PROJECT_URL
    return f"glamkg/{kg.__version__} ({info}) python-requests/{requests.__version__}"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/invalid."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + "..."


def _without_credentials(url: str) -> str:
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@", r"\1", url)


def _redact(url: str) -> str:
    """The URL as shown in messages: credentials (``user:password@``) removed, long query strings (a whole
    SPARQL query) shortened."""
    url = _without_credentials(url)
    return url if len(url) <= 200 else url[:200] + "..."


def shown_url(url: str) -> str:
    """A URL as messages, logs and files may show it: without credentials (``user:password@``), its query
    string and fragment left out (where API keys travel), long ones shortened."""
    return _redact(re.sub(r"[?#].*$", "", url))


class HttpClient:
    """A ``requests.Session`` with the Wikimedia User-Agent, timeouts, bounded retries and a cache."""

    def __init__(
        self,
        user_agent: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        max_sleep: float = DEFAULT_MAX_SLEEP,
        cache_dir: str | Path | None = None,
        cache_ttl: float | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, found {timeout}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, found {max_retries}")
        self.user_agent = user_agent or default_user_agent()
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.max_sleep = float(max_sleep)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.cache_ttl = cache_ttl
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = self.user_agent
        self._sleep = sleep
        self.notify = notify
        self.slept = 0.0  # total seconds slept by this client (for tests and reports)

    # -- public verbs -------------------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        cache: bool = True,
        retries: int | None = None,
    ) -> requests.Response:
        return self.request("GET", url, params=params, headers=headers, cache=cache, retries=retries)

    def post(
        self,
        url: str,
        *,
        data: Mapping[str, Any] | str | bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        cache: bool = True,
        retries: int | None = None,
    ) -> requests.Response:
        return self.request("POST", url, params=params, data=data, headers=headers, cache=cache, retries=retries)

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """GET and decode JSON; a body that is not JSON raises :class:`RemoteError`."""
        return decode_json(self.get(url, **kwargs))

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the exchange ---------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        cache: bool = True,
        retries: int | None = None,
    ) -> requests.Response:
        """One exchange with the retry policy above; ``retries`` overrides ``max_retries`` for this request."""
        if retries is not None and retries < 0:
            raise ValueError(f"retries must be >= 0, found {retries}")
        max_retries = self.max_retries if retries is None else int(retries)
        method = method.upper()
        key = self._cache_key(method, url, params, data, headers) if (cache and self.cache_dir) else None
        if key is not None:
            hit = self._cache_read(key)
            if hit is not None:
                return hit
        attempt = 0
        shown = _redact(url)
        while True:
            wait: float
            why = "backoff"
            status: int | None = None
            retry_after: float | None = None
            try:
                resp = self.session.request(
                    method, url, params=params, data=data, headers=dict(headers or {}), timeout=self.timeout
                )
            except requests.Timeout as e:
                problem = _("{method} {url}: no answer within {seconds} s ({error})").format(
                    method=method, url=_redact(url), seconds=f"{self.timeout:g}", error=type(e).__name__)
                wait = self._backoff(attempt)
            except requests.ConnectionError as e:
                problem = _("{method} {url}: cannot connect ({error})").format(
                    method=method, url=_redact(url), error=_excerpt(str(e)))
                wait = self._backoff(attempt)
            except requests.RequestException as e:
                raise RemoteError(_("{method} {url}: request failed: {error}").format(
                    method=method, url=shown, error=_excerpt(str(e))), url=shown) from e
            else:
                if resp.status_code < 400:
                    if key is not None and resp.status_code == 200:
                        self._cache_write(key, resp)
                    return resp
                status = resp.status_code
                shown = _redact(resp.url or url)
                problem = (
                    f"{method} {shown}: HTTP {resp.status_code} {resp.reason or ''}".rstrip()
                    + (f": {_excerpt(resp.text)}" if resp.text.strip() else "")
                )
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                if resp.status_code in RETRY_AFTER_STATUSES and retry_after is not None:
                    wait, why = retry_after, "Retry-After"
                elif resp.status_code in RETRY_AFTER_STATUSES or (
                    resp.status_code >= 500 and not (resp.status_code == 500 and QUERY_ERROR.search(resp.text))
                ):
                    wait = self._backoff(attempt)
                else:
                    raise RemoteError(
                        problem + _hint(resp.status_code), status=status, retry_after=retry_after, url=shown
                    )
            if attempt >= max_retries:
                raise RemoteError(
                    ngettext("{problem} (gave up after {n} attempt)", "{problem} (gave up after {n} attempts)",
                             attempt + 1).format(problem=problem, n=attempt + 1),
                    status=status,
                    retry_after=retry_after,
                    url=shown,
                )
            if self.slept + wait > self.max_sleep:
                raise RemoteError(
                    _("{problem} (server asks to wait {wait} s; over the {cap} s cap on waiting, already waited "
                      "{waited} s; try again later)").format(
                        problem=problem, wait=f"{wait:g}", cap=f"{self.max_sleep:g}", waited=f"{self.slept:g}"),
                    status=status,
                    retry_after=retry_after,
                    url=shown,
                )
            line = _("{problem}; waiting {wait} s ({why}), then retry {n} of {total}").format(
                problem=problem, wait=f"{wait:g}", why=_("backoff") if why == "backoff" else why, n=attempt + 1,
                total=max_retries)
            if self.notify is not None:
                self.notify(line)
            else:
                log.warning("%s", line)
            self._sleep(wait)
            self.slept += wait
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return self.backoff * (2**attempt)

    # -- cache ----------------------------------------------------------------------------------------------
    def _cache_key(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | str | bytes | None,
        headers: Mapping[str, str] | None,
    ) -> str:
        full = url + ("?" + urlencode(sorted(params.items()), doseq=True) if params else "")
        if isinstance(data, Mapping):
            body = urlencode(sorted(data.items()), doseq=True).encode()
        elif isinstance(data, str):
            body = data.encode()
        else:
            body = data or b""
        accept = (headers or {}).get("Accept", "")
        h = hashlib.sha256()
        for part in (method.encode(), full.encode(), accept.encode(), body):
            h.update(len(part).to_bytes(8, "big"))
            h.update(part)
        return h.hexdigest()

    def _cache_read(self, key: str) -> requests.Response | None:
        assert self.cache_dir is not None
        meta_path = self.cache_dir / f"{key}.json"
        body_path = self.cache_dir / f"{key}.body"
        if not (meta_path.exists() and body_path.exists()):
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if self.cache_ttl is not None and time.time() - float(meta["stored"]) > self.cache_ttl:
                return None
            resp = requests.Response()
            resp.status_code = int(meta["status"])
            resp.url = meta["url"]
            resp.reason = "OK (cached)"
            resp.headers.update(meta["headers"])
            resp._content = body_path.read_bytes()
            resp.encoding = meta.get("encoding")
            return resp
        except (OSError, ValueError, KeyError):
            return None  # a damaged cache entry is a miss, not an error

    def _cache_write(self, key: str, resp: requests.Response) -> None:
        assert self.cache_dir is not None
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            body_tmp = self.cache_dir / f"{key}.body.tmp"
            body_tmp.write_bytes(resp.content)
            body_tmp.replace(self.cache_dir / f"{key}.body")
            meta = {
                "status": resp.status_code,
                "url": _without_credentials(resp.url),
                "headers": {k: v for k, v in resp.headers.items() if k.lower() != "set-cookie"},
                "encoding": resp.encoding,
                "stored": time.time(),
                "stored_at": datetime.now(UTC).isoformat(),
            }
            meta_tmp = self.cache_dir / f"{key}.json.tmp"
            meta_tmp.write_text(json.dumps(meta), encoding="utf-8")
            meta_tmp.replace(self.cache_dir / f"{key}.json")
        except OSError:
            pass  # caching is best effort


def _hint(status: int) -> str:
    if status == 400:
        return " " + _("(hint: the server rejected the request; for SPARQL this is usually a syntax error)")
    if status in (401, 403):
        return " " + _("(hint: access refused; check the URL and, for Wikimedia, the User-Agent / $GLAMKG_CONTACT)")
    if status == 404:
        return " " + _("(hint: check the endpoint URL)")
    if status == 500:  # not retried: the answer reports a mistake in the query (QUERY_ERROR)
        return " " + _("(hint: the endpoint reports a mistake in the query; its answer says where)")
    return ""


def decode_json(resp: requests.Response) -> Any:
    """The JSON body of a response, or :class:`RemoteError` naming the URL and what came instead."""
    try:
        return resp.json()
    except ValueError as e:
        ctype = resp.headers.get("Content-Type", "?")
        raise RemoteError(
            _("{url}: expected a JSON body, found {ctype} that does not parse ({error}); "
              "body starts with {start}").format(
                url=_redact(resp.url), ctype=repr(ctype), error=e, start=repr(_excerpt(resp.text[:120]))),
            status=resp.status_code,
            url=_redact(resp.url),
        ) from e


def local_client(*, timeout: float = 2.0) -> HttpClient:
    """A client for a server glamkg started on this machine (the dashboard's health check).

    A short timeout and no retries (the caller polls), and nothing from the environment: no
    ``HTTP_PROXY``/``HTTPS_PROXY`` (a proxy would receive the request for ``127.0.0.1`` and answer for its
    own host) and no ``.netrc`` credentials.
    """
    client = HttpClient(timeout=timeout, max_retries=0)
    client.session.trust_env = False
    return client


_default: HttpClient | None = None


def default_client() -> HttpClient:
    """A process-wide client with the default settings (created on first use)."""
    global _default
    if _default is None:
        _default = HttpClient()
    return _default

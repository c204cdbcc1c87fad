"""The MediaWiki/Wikibase action API of one Wikibase: bot-password login, reads, edits, politely.

Configuration (environment only; nothing is read from files, nothing is printed or logged):

``GLAMKG_WIKIBASE_URL``
    the wiki's base URL (``https://example.wikibase.cloud``: ``/w/api.php`` is appended) or the full URL of
    its ``api.php`` (``http://localhost:8080/w/api.php``: used as is).
``GLAMKG_WIKIBASE_USER`` / ``GLAMKG_WIKIBASE_PASSWORD``
    a bot password from ``Special:BotPasswords`` (user ``Name@botname``), with the grants "High-volume
    editing", "Edit existing pages" and "Create, edit, and move pages".

Wikidata and Wikipedia are refused (``wikidata.org``, ``*.wikidata.org``, ``*.wikipedia.org``,
``*.wikimedia.org``) unless ``allow_public=True`` is passed explicitly (``--allow-public`` on the command
line); the default is never to write to a public Wikimedia wiki.

Which HTTP client does what (honestly):

* The login is wikibaseintegrator's ``wbi_login.Login``: it makes its own ``requests.Session`` and sends
  three requests on it (login token, ``action=login``, CSRF token) with our User-Agent followed by
  ``WikibaseIntegrator/<version>`` (wbi appends it) and our timeout (the CSRF request has none: wbi does not
  pass one). wbi's own retry decorator is switched off for the login (``BACKOFF_MAX_TRIES=1``): its
  defaults wait up to an hour and log the call's arguments, password included, when they retry.
* Everything after the login goes through :class:`kg.http.HttpClient`, built on the session wbi logged in
  (so its cookies carry the login): User-Agent exactly ``kg.http.default_user_agent()``, timeouts,
  bounded retries honouring ``Retry-After`` for reads. Edits use a second ``HttpClient`` on the same session
  with HTTP-level retries OFF, because repeating a POST that may have been applied could create a
  duplicate; :mod:`kg.targets.wikibase` reconciles after an unclear failure instead.
* wbi's ``ItemEntity.write``/``mediawiki_api_call`` is NOT used: it retries up to 1000 times, sleeps 60 s
  per 5xx and does not read ``Retry-After``.

MediaWiki answers ``maxlag``/``ratelimited``/``readonly`` with HTTP 200 and an ``error`` object (and a
``Retry-After`` header for maxlag); :meth:`WikibaseApi.call` waits ``Retry-After`` (else the reported lag,
else a doubling backoff), at most ``max_lag_retries`` times and ``max_sleep`` seconds in total.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from kg import ids
from kg.errors import InputError, RemoteError
from kg.http import HttpClient, decode_json, parse_retry_after

Json = dict[str, Any]
log = logging.getLogger("kg.wikibase")

URL_ENV = "GLAMKG_WIKIBASE_URL"
USER_ENV = "GLAMKG_WIKIBASE_USER"
PASSWORD_ENV = "GLAMKG_WIKIBASE_PASSWORD"

# Wikimedia's public wikis: never a write target unless explicitly allowed.
PUBLIC_HOSTS = (
    "wikidata.org", "wikipedia.org", "wikimedia.org", "wiktionary.org", "wikisource.org", "wikiquote.org",
    "wikibooks.org", "wikinews.org", "wikiversity.org", "wikivoyage.org", "mediawiki.org", "wikifunctions.org",
)
GET_BATCH = 50  # wbgetentities takes at most 50 ids per request (500 for bots)
RETRY_CODES = frozenset({"maxlag", "ratelimited", "readonly"})


class ApiError(RemoteError):
    """An ``error`` object from the API: ``code``, ``info`` and Wikibase's ``messages`` names."""

    def __init__(self, message: str, *, code: str = "", info: str = "", messages: Sequence[str] = ()) -> None:
        self.code = code
        self.info = info
        self.messages = list(messages)
        super().__init__(message)


# -- configuration -----------------------------------------------------------------------------------------


def api_url_from(url: str) -> str:
    """``https://w.example`` -> ``https://w.example/w/api.php``; an ``.../api.php`` URL is kept."""
    raw = (url or "").strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"${URL_ENV}: expected the wiki's URL like https://example.wikibase.cloud or its api.php, "
            f"found {_strip_userinfo(raw)!r}"
        )
    if parts.username or parts.password:
        raise InputError(f"${URL_ENV}: put credentials in ${USER_ENV}/${PASSWORD_ENV}, not in the URL")
    path = parts.path.rstrip("/")
    if not path.endswith("api.php"):
        path = path + "/w/api.php"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def wiki_base(api_url: str) -> str:
    """``https://w.example/w/api.php`` -> ``https://w.example`` (the default concept base is ``<base>/entity/``)."""
    parts = urlsplit(api_url)
    path = parts.path
    for tail in ("/w/api.php", "/api.php"):
        if path.endswith(tail):
            path = path[: -len(tail)]
            break
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def is_public(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in PUBLIC_HOSTS)


def check_writable(url: str, *, allow_public: bool = False) -> None:
    """Refuse a public Wikimedia wiki unless ``allow_public`` was given explicitly."""
    if is_public(url) and not allow_public:
        host = urlsplit(url).hostname
        raise InputError(
            f"refusing to write to {host}: glamkg never writes to Wikidata or a Wikipedia by default "
            "(hint: use a QuickStatements file for Wikidata edits, or pass --allow-public if you really mean it)"
        )


def _strip_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = "***@" + (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


class Credentials:
    """A bot password; ``repr``/``str`` never show it."""

    __slots__ = ("_password", "user")

    def __init__(self, user: str, password: str) -> None:
        self.user = user
        self._password = password

    @property
    def password(self) -> str:
        return self._password

    def __repr__(self) -> str:
        return "Credentials(user=***, password=***)"

    __str__ = __repr__

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ
        user, password = env.get(USER_ENV, ""), env.get(PASSWORD_ENV, "")
        if not user or not password:
            missing = [n for n, v in ((USER_ENV, user), (PASSWORD_ENV, password)) if not v]
            raise InputError(
                f"expected a bot password in ${USER_ENV} and ${PASSWORD_ENV}, found {', '.join(missing)} unset "
                "(hint: create one on the wiki's Special:BotPasswords)"
            )
        return cls(user, password)


class Redactor:
    """Replaces every registered secret in a text by ``***``."""

    def __init__(self) -> None:
        self._secrets: list[str] = []

    def add(self, *secrets: str) -> None:
        for s in secrets:
            if s and len(s) >= 3 and s not in self._secrets:
                self._secrets.append(s)
        self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for s in self._secrets:
            text = text.replace(s, "***")
        return text


class _RedactFilter(logging.Filter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        return True


@contextlib.contextmanager
def _quiet_wbi(redact: Redactor) -> Iterator[None]:
    """During the wbi login: no wbi retries (they log the password), redaction on wbi's loggers."""
    from wikibaseintegrator.wbi_config import config as wbi_config

    saved = wbi_config.get("BACKOFF_MAX_TRIES")
    wbi_config["BACKOFF_MAX_TRIES"] = 1
    filt = _RedactFilter(redact)
    loggers = [logging.getLogger(n) for n in ("wikibaseintegrator.wbi_login", "wikibaseintegrator.wbi_backoff")]
    for lg in loggers:
        lg.addFilter(filt)
    try:
        yield
    finally:
        wbi_config["BACKOFF_MAX_TRIES"] = saved
        for lg in loggers:
            lg.removeFilter(filt)


# -- the API -----------------------------------------------------------------------------------------------


class WikibaseApi:
    """One Wikibase's action API. Reads work anonymously; :meth:`login` before editing."""

    def __init__(
        self,
        api_url: str,
        *,
        maxlag: int = 5,
        max_lag_retries: int = 5,
        max_wait: float = 60.0,
        max_sleep: float = 300.0,
        timeout: float = 60.0,
        bot: bool = True,
        user_agent: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        client: HttpClient | None = None,
    ) -> None:
        self.api_url = api_url_from(api_url)
        self.maxlag = int(maxlag)
        self.max_lag_retries = int(max_lag_retries)
        self.max_wait = float(max_wait)
        self.max_sleep = float(max_sleep)
        self.timeout = float(timeout)
        self.bot = bot
        self._sleep = sleep
        self.slept = 0.0
        self.redact = Redactor()
        self._client = client or HttpClient(user_agent, timeout=timeout, sleep=sleep)
        self.user_agent = self._client.user_agent
        self._edit_client = self._client_on(self._client.session, retries=0)
        self._csrf: str | None = None
        self._credentials: Credentials | None = None
        self.logged_in = False

    def _client_on(self, session: requests.Session, *, retries: int | None = None) -> HttpClient:
        return HttpClient(
            self.user_agent,
            timeout=self.timeout,
            max_retries=self._client.max_retries if retries is None else retries,
            max_sleep=self._client.max_sleep,
            backoff=self._client.backoff,
            session=session,
            sleep=self._sleep,
        )

    @classmethod
    def from_env(
        cls, *, allow_public: bool = False, environ: Mapping[str, str] | None = None, **kwargs: Any
    ) -> WikibaseApi:
        """The Wikibase named by ``$GLAMKG_WIKIBASE_URL``, logged in with the bot password from the environment."""
        env = os.environ if environ is None else environ
        url = env.get(URL_ENV, "")
        if not url:
            raise InputError(f"expected the Wikibase URL in ${URL_ENV}, found it unset")
        api_url = api_url_from(url)
        check_writable(api_url, allow_public=allow_public)
        creds = Credentials.from_env(env)
        api = cls(api_url, **kwargs)
        api.login(creds, allow_public=allow_public)
        return api

    # -- login ------------------------------------------------------------------------------------------
    def login(self, credentials: Credentials, *, allow_public: bool = False) -> None:
        """Bot-password login through ``wbi_login.Login``; afterwards all requests use its session."""
        from wikibaseintegrator import wbi_login

        check_writable(self.api_url, allow_public=allow_public)
        self.redact.add(credentials.user, credentials.password)
        self._credentials = credentials
        try:
            with _quiet_wbi(self.redact):
                login = wbi_login.Login(
                    user=credentials.user,
                    password=credentials.password,
                    mediawiki_api_url=self.api_url,
                    user_agent=self.user_agent,
                    timeout=self.timeout,
                )
        except wbi_login.LoginError as e:
            message = f"{self.api_url}: login refused: {e} (hint: check the bot password)"
            raise RemoteError(self.redact(message)) from None
        except (requests.RequestException, ValueError, KeyError, TypeError) as e:
            raise RemoteError(
                self.redact(
                    f"{self.api_url}: login failed: {type(e).__name__}: {str(e)[:200]} "
                    f"(hint: is ${URL_ENV} the wiki's base URL or its api.php?)"
                )
            ) from None
        session = login.get_session()
        self._client = self._client_on(session)
        self._edit_client = self._client_on(session, retries=0)
        self._csrf = login.edit_token
        self.logged_in = True
        log.info("logged in to %s", self.api_url)

    # -- the exchange -------------------------------------------------------------------------------------
    def call(self, params: Mapping[str, Any], *, post: bool = False, edit: bool = False) -> Json:
        """One API request with ``format=json`` and ``maxlag``; waits on maxlag/ratelimited, raises ApiError."""
        data: dict[str, Any] = {"format": "json", **params}
        if self.maxlag > 0:
            data["maxlag"] = str(self.maxlag)
        attempt = 0
        token_retried = False
        while True:
            if edit:
                data["token"] = self.csrf_token()
            client = self._edit_client if edit else self._client
            try:
                if post or edit:
                    resp = client.post(self.api_url, data=data, cache=False)
                else:
                    resp = client.get(self.api_url, params=data, cache=False)
            except RemoteError as e:
                raise RemoteError(self.redact(str(e))) from None
            body = decode_json(resp)
            if not isinstance(body, dict):
                raise RemoteError(f"{self.api_url}: expected a JSON object, found {type(body).__name__}")
            err = body.get("error")
            if not err:
                return body
            code = str(err.get("code", ""))
            info = self.redact(str(err.get("info", "")))
            messages = [str(m.get("name", "")) for m in err.get("messages") or [] if isinstance(m, Mapping)]
            if code in RETRY_CODES or "actionthrottledtext" in messages:
                wait = self._wait_for(resp, err, attempt)
                if attempt >= self.max_lag_retries or self.slept + wait > self.max_sleep:
                    raise ApiError(
                        f"{self.api_url}: {code}: {info} (gave up after {attempt + 1} attempts and "
                        f"{self.slept:g} s of waiting; try again later)",
                        code=code,
                        info=info,
                        messages=messages,
                    )
                log.warning("%s: %s, waiting %.1f s (attempt %d)", self.api_url, code, wait, attempt + 1)
                self._sleep(wait)
                self.slept += wait
                attempt += 1
                continue
            if code == "badtoken" and edit and not token_retried:
                token_retried = True
                self._csrf = None
                continue
            if code in ("assertuserfailed", "assertbotfailed") and self._credentials and not token_retried:
                token_retried = True
                self.login(self._credentials, allow_public=True)  # the URL was checked at the first login
                continue
            raise ApiError(
                f"{self.api_url}: {params.get('action')}: {code}: {info}" + _error_hint(code),
                code=code,
                info=info,
                messages=messages,
            )

    def _wait_for(self, resp: requests.Response, err: Mapping[str, Any], attempt: int) -> float:
        wait = parse_retry_after(resp.headers.get("Retry-After"))
        if wait is None:
            try:
                wait = float(str(err["lag"]))
            except (KeyError, TypeError, ValueError):
                wait = None
        if wait is None:
            wait = 5.0 * (2**attempt)
        return max(1.0, min(wait, self.max_wait))

    def backoff(self, attempt: int) -> None:
        """Wait before repeating an edit after an unclear failure: 5 s, 10 s ... within the caps."""
        wait = min(5.0 * (2**attempt), self.max_wait)
        if self.slept + wait > self.max_sleep:
            raise RemoteError(f"{self.api_url}: waited {self.slept:g} s already; try again later")
        self._sleep(wait)
        self.slept += wait

    def csrf_token(self) -> str:
        if not self.logged_in:
            raise RemoteError(f"{self.api_url}: editing needs a login (hint: set ${USER_ENV}/${PASSWORD_ENV})")
        if not self._csrf:
            body = self.call({"action": "query", "meta": "tokens", "type": "csrf"})
            try:
                self._csrf = str(body["query"]["tokens"]["csrftoken"])
            except (KeyError, TypeError):
                raise RemoteError(f"{self.api_url}: expected a CSRF token, found {str(body)[:200]}") from None
            if self._csrf == "+\\":
                raise RemoteError(f"{self.api_url}: the wiki gave an anonymous token: the login session was lost")
        return self._csrf

    # -- Wikibase modules ---------------------------------------------------------------------------------
    def get_entities(self, entity_ids: Sequence[str], *, props: str | None = None) -> dict[str, Json | None]:
        """``wbgetentities`` in batches of 50: id -> entity JSON, or None when the wiki does not have it."""
        out: dict[str, Json | None] = {}
        wanted = [str(ids.parse_id(i)) for i in entity_ids]
        for start in range(0, len(wanted), GET_BATCH):
            chunk = wanted[start : start + GET_BATCH]
            params = {"action": "wbgetentities", "ids": "|".join(chunk)}
            if props:
                params["props"] = props
            body = self.call(params)
            entities = body.get("entities") or {}
            for i in chunk:
                e = entities.get(i)
                out[i] = None if (e is None or "missing" in e) else e
        return out

    def search(self, text: str, *, entity_type: str = "item", language: str = "en", limit: int = 10) -> list[Json]:
        """``wbsearchentities``: label/alias prefix matches (the caller checks for an exact label)."""
        body = self.call(
            {
                "action": "wbsearchentities",
                "search": text,
                "language": language,
                "type": entity_type,
                "limit": str(limit),
                "strictlanguage": "1",
            }
        )
        return list(body.get("search") or [])

    def edit_entity(
        self,
        data: Mapping[str, Any],
        *,
        entity_id: str | None = None,
        new: str | None = None,
        baserevid: int | None = None,
        summary: str | None = None,
    ) -> Json:
        """``wbeditentity``: create (``new="item"``/``"property"``) or edit ``entity_id``; returns the response."""
        if (entity_id is None) == (new is None):
            raise ValueError("edit_entity: give exactly one of entity_id and new")
        params: dict[str, Any] = {
            "action": "wbeditentity",
            "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            "assert": "user",
        }
        if entity_id is not None:
            params["id"] = str(ids.parse_id(entity_id))
        else:
            params["new"] = new
        if baserevid:
            params["baserevid"] = str(baserevid)
        if summary:
            params["summary"] = summary
        if self.bot:
            params["bot"] = "1"
        body = self.call(params, edit=True)
        if "entity" not in body or "id" not in body["entity"]:
            found = str(body)[:200]
            raise RemoteError(f"{self.api_url}: wbeditentity: expected an entity in the answer, found {found}")
        return body


_CONTENT_HINT = " (hint: the wiki rejected the content; a label/description conflict is the usual cause)"


def _error_hint(code: str) -> str:
    return {
        "permissiondenied": " (hint: give the bot password the grants to edit and create pages)",
        "editconflict": " (hint: someone edited the entity at the same time; run again)",
        "failed-save": _CONTENT_HINT,
        "modification-failed": _CONTENT_HINT,
        "no-such-entity": " (hint: the id map names an entity that was deleted on the wiki)",
        "badtoken": " (hint: the login session expired; run again)",
    }.get(code, "")

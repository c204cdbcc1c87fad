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

How requests are sent: every one of them, the login included, goes through ONE
:class:`kg.http.HttpClient`, so ONE ``requests.Session`` whose cookies carry the login. Every request has
the User-Agent ``kg.http.default_user_agent()`` (nothing appended), the client's timeout and its status
checks.

* The bot-password login is done here, in three requests of the action API: ``action=query&meta=tokens&
  type=login`` (GET), ``action=login`` with ``lgname``/``lgpassword``/``lgtoken`` (POST: the password travels
  in the form body, never in a URL that a proxy or a debug log could record), then the CSRF token
  (``action=query&meta=tokens&type=csrf``, GET). wikibaseintegrator's ``wbi_login.Login`` is not used: it
  builds its own session, which cannot be handed in, sends the CSRF request without a timeout, ignores
  ``Retry-After`` and retries through a decorator that logs the call's arguments (the password).
* Reads and the login: HTTP 429/503 are retried by the client after ``Retry-After`` (else a doubling
  backoff), a few times, within the waiting budget.
* Edits (``wbeditentity``) are sent with HTTP-level retries off: a POST answered with 5xx, or not at all,
  may have been applied, and :mod:`kg.load.targets.wikibase` reconciles before repeating it (after waiting the
  ``Retry-After`` the server sent, see :meth:`WikibaseApi.backoff`). HTTP 429 is different: the server
  refused the request, so :meth:`WikibaseApi.call` repeats the same edit after ``Retry-After``.
* wbi's ``ItemEntity.write``/``mediawiki_api_call`` is not used either: it retries up to 1000 times, sleeps
  60 s per 5xx and does not read ``Retry-After``.

MediaWiki answers ``maxlag``/``ratelimited``/``readonly`` with HTTP 200 and an ``error`` object (and a
``Retry-After`` header for maxlag); :meth:`WikibaseApi.call` waits ``Retry-After``, else the reported lag,
else a doubling backoff, at most ``max_lag_retries`` times. Each such wait is capped at ``max_wait``; all
waits together (the client's included: one budget) at ``max_sleep``. Every wait is logged on the
``kg.wikibase`` logger with its reason, through the redactor that keeps the bot password out.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from kg import config
from kg.errors import InputError, RemoteError
from kg.http import HttpClient, decode_json, parse_retry_after
from kg.i18n import N_, _, ngettext
from kg.model import ids

Json = dict[str, Any]
log = logging.getLogger(__name__)

URL_ENV = config.env_name("wikibase_url")
USER_ENV = config.env_name("wikibase_user")
PASSWORD_ENV = config.env_name("wikibase_password")

# Wikimedia's public wikis: never a write target unless explicitly allowed.
PUBLIC_HOSTS = (
    "wikidata.org", "wikipedia.org", "wikimedia.org", "wiktionary.org", "wikisource.org", "wikiquote.org",
    "wikibooks.org", "wikinews.org", "wikiversity.org", "wikivoyage.org", "mediawiki.org", "wikifunctions.org",
)
GET_BATCH = 50  # wbgetentities takes at most 50 ids per request (500 for bots)
RETRY_CODES = frozenset({"maxlag", "ratelimited", "readonly"})
HTTP_429 = "http-429"  # the code of an ApiError for an edit refused with HTTP 429 until we gave up


class ApiError(RemoteError):
    """The wiki's refusal: an ``error`` object from the API (``code``, ``info`` and Wikibase's ``messages``
    names), or an edit answered with HTTP 429 (code ``http-429``). Nothing was changed on the wiki."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        info: str = "",
        messages: Sequence[str] = (),
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code = code
        self.info = info
        self.messages = list(messages)
        super().__init__(message, status=status, retry_after=retry_after)


# -- configuration -----------------------------------------------------------------------------------------


def api_url_from(url: str) -> str:
    """``https://w.example`` -> ``https://w.example/w/api.php``; an ``.../api.php`` URL is kept."""
    raw = (url or "").strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            _("${URL_ENV}: expected the wiki's URL like https://example.wikibase.cloud or its api.php, found "
              "{strip_userinfo!r}").format(URL_ENV=URL_ENV, strip_userinfo=_strip_userinfo(raw))
        )
    if parts.username or parts.password:
        raise InputError(_("${URL_ENV}: put credentials in ${USER_ENV}/${PASSWORD_ENV}, not in the URL").format(
                             URL_ENV=URL_ENV, USER_ENV=USER_ENV, PASSWORD_ENV=PASSWORD_ENV))
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
            _("refusing to write to {host}: glamkg never writes to Wikidata or a Wikipedia by default (hint: use a "
              "QuickStatements file for Wikidata edits, or pass --allow-public if you really mean it)").format(
                host=host)
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
        user = config.setting("wikibase_user", environ) or ""
        password = config.setting("wikibase_password", environ) or ""
        if not user or not password:
            missing = [n for n, v in ((USER_ENV, user), (PASSWORD_ENV, password)) if not v]
            raise InputError(
                _("expected a bot password in ${USER_ENV} and ${PASSWORD_ENV}, found {missing} unset (hint: create "
                  "one on the wiki's Special:BotPasswords)").format(
                    USER_ENV=USER_ENV, PASSWORD_ENV=PASSWORD_ENV, missing=', '.join(missing))
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


# -- the API -----------------------------------------------------------------------------------------------


class WikibaseApi:
    """One Wikibase's action API. Reads work anonymously; :meth:`login` before editing.

    ``client``: the :class:`kg.http.HttpClient` to send everything through (default: a new one with
    ``timeout``, ``user_agent``, ``max_sleep`` and ``sleep``); its waits count against ``max_sleep`` too.
    """

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
        self.bot = bot
        self._sleep = sleep
        self.redact = Redactor()
        self._client = client or HttpClient(user_agent, timeout=timeout, max_sleep=max_sleep, sleep=sleep)
        self._client.notify = self._notify  # wait lines are redacted, then logged
        self.timeout = self._client.timeout
        self.user_agent = self._client.user_agent
        self._csrf: str | None = None
        self._credentials: Credentials | None = None
        self.logged_in = False

    def __repr__(self) -> str:
        state = "logged in" if self.logged_in else "anonymous"
        return f"WikibaseApi({self.api_url!r}, {state})"

    @property
    def slept(self) -> float:
        """Seconds waited so far, by this API and its HTTP client together."""
        return self._client.slept

    @classmethod
    def from_env(
        cls, *, allow_public: bool = False, environ: Mapping[str, str] | None = None, **kwargs: Any
    ) -> WikibaseApi:
        """The Wikibase named by ``$GLAMKG_WIKIBASE_URL``, logged in with the bot password from the environment."""
        url = config.setting("wikibase_url", environ) or ""
        if not url:
            raise InputError(_("expected the Wikibase URL in ${URL_ENV}, found it unset").format(URL_ENV=URL_ENV))
        api_url = api_url_from(url)
        check_writable(api_url, allow_public=allow_public)
        creds = Credentials.from_env(environ)
        api = cls(api_url, **kwargs)
        api.login(creds, allow_public=allow_public)
        return api

    # -- login ------------------------------------------------------------------------------------------
    def login(self, credentials: Credentials, *, allow_public: bool = False) -> None:
        """Bot-password login: login token, ``action=login`` (POST), CSRF token; all on this API's session."""
        check_writable(self.api_url, allow_public=allow_public)
        self.redact.add(credentials.user, credentials.password)
        self._credentials = credentials
        self._csrf = None
        self.logged_in = False
        self._client.session.cookies.clear()  # a new login starts a new MediaWiki session
        hint = _("(hint: is ${name} the wiki's base URL or its api.php?)").format(name=URL_ENV)
        try:
            body = self.call({"action": "query", "meta": "tokens", "type": "login"})
            token = body["query"]["tokens"]["logintoken"]
            if not isinstance(token, str) or not token:
                raise TypeError(_("expected a login token, found {token!r}").format(token=token))
            answer = self.call(
                {"action": "login", "lgname": credentials.user, "lgpassword": credentials.password, "lgtoken": token},
                post=True,
            )
        except RemoteError as e:
            raise RemoteError(
                self.redact(
                    _("{api_url}: login failed: {error} {hint}").format(api_url=self.api_url, error=e, hint=hint)
                ),
                status=e.status, retry_after=e.retry_after,
            ) from None
        except (KeyError, TypeError) as e:
            raise RemoteError(self.redact(_("{api_url}: login failed: {error_type}: {error} {hint}").format(
                api_url=self.api_url, error_type=type(e).__name__, error=e, hint=hint))) from None
        result: Mapping[str, Any] = answer["login"] if isinstance(answer.get("login"), Mapping) else {}
        if result.get("result") != "Success":
            reason = result.get("reason") or result.get("result") or str(answer)[:200]
            if isinstance(reason, Mapping):  # formatversion 2 / errorformat: {"code": ..., "text": ...}
                reason = reason.get("text") or reason.get("code") or str(reason)
            message = _("{api_url}: login refused: {reason} (hint: check the bot password)").format(
                api_url=self.api_url, reason=reason)
            raise RemoteError(self.redact(message)) from None
        self.logged_in = True
        try:
            self.csrf_token()
        except RemoteError as e:
            self.logged_in = False
            raise RemoteError(self.redact(_("{api_url}: logged in, but {error}").format(api_url=self.api_url, error=e)),
                              status=e.status) from None
        log.info(_("logged in to {api_url}").format(api_url=self.api_url))

    # -- waiting ----------------------------------------------------------------------------------------
    def _notify(self, line: str) -> None:
        log.warning("%s", self.redact(line))

    def _pause(self, seconds: float, line: str) -> None:
        """Wait ``seconds`` (counted against ``max_sleep``), saying why first."""
        self._notify(line)
        self._sleep(seconds)
        self._client.slept += seconds

    def _server_wait(self, retry_after: float | None, lag: Any, attempt: int) -> tuple[float, str]:
        """What the server asked for: ``Retry-After``, else the reported lag, else 5 s doubling; capped."""
        if retry_after is not None:
            wait, why = retry_after, f"Retry-After: {retry_after:g} s"
        else:
            try:
                wait, why = float(str(lag)), _("reported lag {lag:g} s").format(lag=float(str(lag)))
            except (TypeError, ValueError):
                wait, why = 5.0 * (2**attempt), _("backoff")
        capped = max(1.0, min(wait, self.max_wait))
        if capped < wait:
            why += _(", capped at {seconds:g} s").format(seconds=capped)
        elif capped > wait:
            why += _(", at least 1 s")
        return capped, why

    # -- the exchange -------------------------------------------------------------------------------------
    def call(self, params: Mapping[str, Any], *, post: bool = False, edit: bool = False) -> Json:
        """One API request with ``format=json`` and ``maxlag``; waits on maxlag/ratelimited, raises ApiError.

        Edits go out with HTTP-level retries off (see the module docstring); an edit answered HTTP 429 was
        refused and is repeated here after ``Retry-After``, like maxlag.
        """
        data: dict[str, Any] = {"format": "json", **params}
        if self.maxlag > 0:
            data["maxlag"] = str(self.maxlag)
        attempt = 0
        token_retried = False
        while True:
            if edit:
                data["token"] = self.csrf_token()
            retry_after: float | None = None
            lag: Any = None
            status: int | None = None
            try:
                if post or edit:
                    resp = self._client.post(self.api_url, data=data, cache=False, retries=0 if edit else None)
                else:
                    resp = self._client.get(self.api_url, params=data, cache=False)
            except RemoteError as e:
                if not (edit and e.status == 429):
                    raise RemoteError(
                        self.redact(str(e)), status=e.status, retry_after=e.retry_after, url=e.url
                    ) from None
                code, info, messages, status, retry_after = HTTP_429, self.redact(str(e)), [], 429, e.retry_after
            else:
                body = decode_json(resp)
                if not isinstance(body, dict):
                    raise RemoteError(_("{api_url}: expected a JSON object, found {name}").format(
                                          api_url=self.api_url, name=type(body).__name__))
                err = body.get("error")
                if not err:
                    return body
                code = str(err.get("code", ""))
                info = self.redact(str(err.get("info", "")))
                messages = [str(m.get("name", "")) for m in err.get("messages") or [] if isinstance(m, Mapping)]
                if code in RETRY_CODES or "actionthrottledtext" in messages:
                    retry_after, lag = parse_retry_after(resp.headers.get("Retry-After")), err.get("lag")
            if code in RETRY_CODES or code == HTTP_429 or "actionthrottledtext" in messages:
                wait, why = self._server_wait(retry_after, lag, attempt)
                if attempt >= self.max_lag_retries or self.slept + wait > self.max_sleep:
                    raise ApiError(
                        ngettext("{api_url}: {code}: {info} (gave up after {attempts} attempt and {slept:g} s of "
                                 "waiting; try again later)",
                                 "{api_url}: {code}: {info} (gave up after {attempts} attempts and {slept:g} s of "
                                 "waiting; try again later)", attempt + 1).format(
                            api_url=self.api_url, code=code, info=info, attempts=attempt + 1, slept=self.slept),
                        code=code,
                        info=info,
                        messages=messages,
                        status=status,
                        retry_after=retry_after,
                    )
                self._pause(
                    wait,
                    _("{api_url}: {action}: {code}: {info}; waiting {wait:g} s ({why}), then retry {attempt} of "
                      "{attempts}").format(api_url=self.api_url, action=params.get("action"), code=code, info=info,
                                           wait=wait, why=why, attempt=attempt + 1, attempts=self.max_lag_retries),
                )
                attempt += 1
                continue
            if code == "badtoken" and edit and not token_retried:
                token_retried = True
                self._csrf = None
                continue
            if code in ("assertuserfailed", "assertbotfailed") and self._credentials and not token_retried:
                token_retried = True
                log.warning(_("{api_url}: the login was lost ({code}); logging in again").format(
                    api_url=self.api_url, code=code))
                self.login(self._credentials, allow_public=True)  # the URL was checked at the first login
                continue
            raise ApiError(
                f"{self.api_url}: {params.get('action')}: {code}: {info}" + _error_hint(code),
                code=code,
                info=info,
                messages=messages,
            )

    def backoff(self, attempt: int, *, retry_after: float | None = None, reason: str = "") -> None:
        """Wait before looking at (and maybe repeating) an edit after an unclear failure.

        The server's ``Retry-After`` when it sent one (HTTP 503/429), else 5 s, 10 s ...; each wait capped at
        ``max_wait``, all waits at ``max_sleep``.
        """
        if retry_after is not None:
            wait, why = max(0.0, min(retry_after, self.max_wait)), f"Retry-After: {retry_after:g} s"
        else:
            wait, why = min(5.0 * (2**attempt), self.max_wait), _("backoff")
        what = f"{reason}; " if reason else ""
        if self.slept + wait > self.max_sleep:
            message = _("{api_url}: {what}waited {slept:g} s already; try again later").format(
                api_url=self.api_url, what=what, slept=self.slept)
            raise RemoteError(self.redact(message), retry_after=retry_after)
        self._pause(wait, _("{api_url}: {what}waiting {wait:g} s ({why}) before checking what the wiki has").format(
            api_url=self.api_url, what=what, wait=wait, why=why))

    def csrf_token(self) -> str:
        if not self.logged_in:
            raise RemoteError(_("{api_url}: editing needs a login (hint: set ${USER_ENV}/${PASSWORD_ENV})").format(
                                  api_url=self.api_url, USER_ENV=USER_ENV, PASSWORD_ENV=PASSWORD_ENV))
        if not self._csrf:
            body = self.call({"action": "query", "meta": "tokens", "type": "csrf"})
            try:
                self._csrf = str(body["query"]["tokens"]["csrftoken"])
            except (KeyError, TypeError):
                raise RemoteError(_("{api_url}: expected a CSRF token, found {body}").format(
                                      api_url=self.api_url, body=str(body)[:200])) from None
            if self._csrf == "+\\":
                self._csrf = None
                raise RemoteError(_("{api_url}: the wiki gave an anonymous token: the login session was lost").format(
                                      api_url=self.api_url))
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
            raise ValueError(_("edit_entity: give exactly one of entity_id and new"))
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
            raise RemoteError(_("{api_url}: wbeditentity: expected an entity in the answer, found {found}").format(
                                  api_url=self.api_url, found=found))
        return body


_CONTENT_HINT = N_(" (hint: the wiki rejected the content; a label/description conflict is the usual cause)")


def _error_hint(code: str) -> str:
    hint = {
        "permissiondenied": N_(" (hint: give the bot password the grants to edit and create pages)"),
        "editconflict": N_(" (hint: someone edited the entity at the same time; run again)"),
        "failed-save": _CONTENT_HINT,
        "modification-failed": _CONTENT_HINT,
        "no-such-entity": N_(" (hint: the id map names an entity that was deleted on the wiki)"),
        "badtoken": N_(" (hint: the login session expired; run again)"),
    }.get(code, "")
    return _(hint) if hint else ""

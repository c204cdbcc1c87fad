"""Wikibase target, offline: a fake MediaWiki API on 127.0.0.1 (tests/mediawiki_fake.py).

The tests assert on what was SENT (form fields, headers), on resume without duplicates, on maxlag backoff,
on credentials never showing up, and on refusing Wikidata by default. A live test runs only when
GLAMKG_WIKIBASE_URL and a bot password are set, and never against a Wikimedia wiki.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import mediawiki_fake
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mediawiki_fake import FakeWikibase

from kg.errors import InputError, RemoteError
from kg.http import default_user_agent
from kg.load.plan import Plan, plan_item
from kg.load.targets.base import Target
from kg.load.targets.wikibase import Journal, WikibaseTarget
from kg.load.targets.wikibase_api import (
    ApiError,
    Credentials,
    WikibaseApi,
    api_url_from,
    check_writable,
)
from kg.load.targets.wikibase_bootstrap import bootstrap, bootstrap_size
from kg.model.entities import Claim, Record, to_json
from kg.model.idmap import IdMap, UnmappedIds, translate, translate_back
from kg.model.schema import model

USER, PASSWORD = mediawiki_fake.TEST_USER, mediawiki_fake.TEST_PASSWORD
REF = [("reference_url", "https://example.org/glam.csv"), ("retrieved", "2026-11-24")]


@pytest.fixture
def fake() -> Iterator[FakeWikibase]:
    server = FakeWikibase(users={USER: PASSWORD}).start()
    yield server
    server.stop()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def login(fake: FakeWikibase, sleeps: Sleeps, **kw: object) -> WikibaseApi:
    api = WikibaseApi(fake.url, sleep=sleeps, **kw)  # type: ignore[arg-type]
    api.login(Credentials(USER, PASSWORD))
    return api


@pytest.fixture
def booted(fake: FakeWikibase, sleeps: Sleeps, tmp_path: Path) -> tuple[WikibaseApi, IdMap]:
    api = login(fake, sleeps)
    m = IdMap.load(tmp_path / "idmap.json")
    bootstrap(api, m)
    return api, m


def institutions(n: int, start: int = 100) -> list[dict]:
    return [
        to_json(
            Record(
                f"Q{10**12 + start + i}",
                "institution",
                labels={"en": f"Test Museum {i}"},
                descriptions={"en": f"museum number {i}"},
                claims=[
                    Claim("instance_of", "Q33506", references=[REF]),
                    Claim("country", "Q31", references=[REF]),
                    Claim("inception", "1998-05", references=[REF]),
                    Claim("coordinates", (52.36, 4.885), references=[REF]),
                ],
            )
        )
        for i in range(n)
    ]


def create_plan(entities: list[dict]) -> Plan:
    return Plan(items=[plan_item(e, None, kind="institution", rows=[n + 2]) for n, e in enumerate(entities)])


# -- configuration and refusal -----------------------------------------------------------------------------


def test_url_is_the_wiki_base_or_its_api_php() -> None:
    assert api_url_from("https://example.wikibase.cloud") == "https://example.wikibase.cloud/w/api.php"
    assert api_url_from("https://example.wikibase.cloud/") == "https://example.wikibase.cloud/w/api.php"
    assert api_url_from("http://localhost:8181/w/api.php") == "http://localhost:8181/w/api.php"
    with pytest.raises(InputError, match="not in the URL"):
        api_url_from("https://bot:secret@example.org")
    with pytest.raises(InputError, match="expected the wiki's URL"):
        api_url_from("example.org")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.wikidata.org/w/api.php",
        "https://wikidata.org",
        "https://test.wikidata.org",
        "https://en.wikipedia.org/w/api.php",
        "https://commons.wikimedia.org",
        "https://WWW.WIKIDATA.ORG.",
    ],
)
def test_public_wikis_are_refused_by_default(url: str) -> None:
    with pytest.raises(InputError, match="refusing to write"):
        check_writable(api_url_from(url))
    check_writable(api_url_from(url), allow_public=True)  # only with the explicit flag


def test_from_env_refuses_wikidata_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    import requests

    def no_network(*a: object, **k: object) -> None:
        raise AssertionError("no request may be sent")

    monkeypatch.setattr(requests.Session, "request", no_network)
    env = {
        "GLAMKG_WIKIBASE_URL": "https://www.wikidata.org",
        "GLAMKG_WIKIBASE_USER": USER,
        "GLAMKG_WIKIBASE_PASSWORD": PASSWORD,
    }
    with pytest.raises(InputError, match=r"refusing to write to www\.wikidata\.org"):
        WikibaseApi.from_env(environ=env)


def test_missing_credentials_are_named_but_not_shown(fake: FakeWikibase) -> None:
    env = {"GLAMKG_WIKIBASE_URL": fake.url, "GLAMKG_WIKIBASE_USER": USER}
    with pytest.raises(InputError, match="GLAMKG_WIKIBASE_PASSWORD") as e:
        WikibaseApi.from_env(environ=env)
    assert USER not in str(e.value)
    assert PASSWORD not in repr(Credentials(USER, PASSWORD))


# -- what is sent -----------------------------------------------------------------------------------------


def test_login_and_edit_send_the_expected_fields(fake: FakeWikibase, sleeps: Sleeps) -> None:
    api = login(fake, sleeps, maxlag=7)
    data = {"labels": {"en": {"language": "en", "value": "museum"}}}
    answer = api.edit_entity(data, new="item", summary="glamkg test")
    assert answer["entity"]["id"] == "Q1" and answer["success"] == 1

    actions = [(r.method, r.action, r.fields.get("type")) for r in fake.requests]
    assert actions == [
        ("GET", "query", "login"),
        ("POST", "login", None),
        ("GET", "query", "csrf"),
        ("POST", "wbeditentity", None),
    ]
    token_req, login_req, csrf_req = fake.requests[:3]
    assert login_req.fields["lgname"] == USER and login_req.fields["lgpassword"] == PASSWORD
    # the password goes in the form body, never in a URL; the login token is the one this session got
    assert "lgpassword=" in login_req.raw_body and login_req.query == ""
    assert all(PASSWORD not in r.query and USER not in r.query for r in fake.requests)
    cookie = login_req.headers["Cookie"]
    assert login_req.fields["lgtoken"] == fake.sessions[cookie.split("=", 1)[1]].login_token
    assert csrf_req.headers["Cookie"] == cookie  # one session: the login's cookie carries every later request
    assert all(r.fields["maxlag"] == "7" and r.fields["format"] == "json" for r in fake.requests)
    edit = fake.requests[-1]
    assert edit.fields["action"] == "wbeditentity"
    assert json.loads(edit.fields["data"]) == data
    assert edit.fields["new"] == "item"
    assert edit.fields["maxlag"] == "7"
    assert edit.fields["bot"] == "1"
    assert edit.fields["assert"] == "user"
    assert edit.fields["summary"] == "glamkg test"
    assert edit.fields["format"] == "json"
    assert edit.headers["Cookie"] == cookie
    session = fake.sessions[edit.headers["Cookie"].split("=", 1)[1]]
    assert edit.fields["token"] == session.csrf and session.user == USER
    # every request, the login included, carries exactly our User-Agent (nothing of wikibaseintegrator's)
    assert {r.headers["User-Agent"] for r in fake.requests} == {default_user_agent()}
    assert token_req.headers["User-Agent"] == default_user_agent()


def test_every_request_has_a_timeout_and_wbi_sends_nothing(
    fake: FakeWikibase, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests
    import wikibaseintegrator.wbi_helpers
    import wikibaseintegrator.wbi_login

    def wbi_network(*a: object, **k: object) -> None:
        raise AssertionError("wikibaseintegrator's network layer must not be used")

    monkeypatch.setattr(wikibaseintegrator.wbi_login.Login, "__init__", wbi_network)
    monkeypatch.setattr(wikibaseintegrator.wbi_helpers, "mediawiki_api_call", wbi_network)
    monkeypatch.setattr(wikibaseintegrator.wbi_helpers, "mediawiki_api_call_helper", wbi_network)
    timeouts: list[object] = []
    real = requests.Session.request

    def recording(self: requests.Session, method: str, url: str, **kwargs: object) -> requests.Response:
        timeouts.append(kwargs.get("timeout"))
        return real(self, method, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(requests.Session, "request", recording)
    api = login(fake, sleeps, timeout=7.5)
    api.edit_entity({"labels": {"en": {"language": "en", "value": "x"}}}, new="item")
    api.get_entities(["Q1"])
    api.search("x")
    assert len(timeouts) == len(fake.requests) == 6
    assert timeouts == [7.5] * 6


def test_reads_send_maxlag_and_batch_ids_by_50(fake: FakeWikibase, sleeps: Sleeps) -> None:
    api = WikibaseApi(fake.url, sleep=sleeps)
    wanted = [f"Q{i}" for i in range(1, 121)]
    found = api.get_entities(wanted)
    assert set(found) == set(wanted) and all(v is None for v in found.values())
    reads = [r for r in fake.requests if r.action == "wbgetentities"]
    assert [len(r.fields["ids"].split("|")) for r in reads] == [50, 50, 20]
    assert all(r.fields["maxlag"] == "5" for r in reads)


def test_editing_without_login_is_refused_locally(fake: FakeWikibase, sleeps: Sleeps) -> None:
    api = WikibaseApi(fake.url, sleep=sleeps)
    with pytest.raises(RemoteError, match="needs a login"):
        api.edit_entity({}, new="item")
    assert fake.edits() == []


# -- politeness -------------------------------------------------------------------------------------------


def test_maxlag_waits_retry_after_and_repeats_the_same_edit(
    fake: FakeWikibase, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    api = login(fake, sleeps)
    fake.fault(1, "maxlag")
    fake.fault(2, "maxlag")
    caplog.set_level(logging.WARNING, logger="kg.load.targets.wikibase_api")
    api.edit_entity({"labels": {"en": {"language": "en", "value": "x"}}}, new="item")
    assert sleeps == [3.0, 3.0]  # the Retry-After header, not the 7 s lag
    edits = fake.edits()
    assert len(edits) == 3 and len({e.fields["data"] for e in edits}) == 1
    assert list(fake.entities) == ["Q1"]
    waits = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert len(waits) == 2 and "maxlag" in waits[0] and "waiting 3 s (Retry-After: 3 s)" in waits[0]


def test_maxlag_without_retry_after_waits_the_reported_lag(fake: FakeWikibase, sleeps: Sleeps) -> None:
    api = login(fake, sleeps)
    fake.fault(1, "maxlag-lag-only")
    api.edit_entity({"labels": {"en": {"language": "en", "value": "x"}}}, new="item")
    assert sleeps == [7.0] and len(fake.edits()) == 2 and list(fake.entities) == ["Q1"]


def test_429_on_a_read_waits_retry_after_and_retries(
    fake: FakeWikibase, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    api = WikibaseApi(fake.url, sleep=sleeps)
    fake.throttle("wbgetentities", retry_after="1")
    caplog.set_level(logging.WARNING, logger="kg.load.targets.wikibase_api")
    assert api.get_entities(["Q1"]) == {"Q1": None}
    assert sleeps == [1.0] and api.slept == 1.0
    reads = [r for r in fake.requests if r.action == "wbgetentities"]
    assert len(reads) == 2 and reads[0].fields == reads[1].fields
    assert "HTTP 429" in caplog.text and "waiting 1 s (Retry-After)" in caplog.text


def test_429_and_503_during_the_login_are_waited_for(
    fake: FakeWikibase, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    fake.throttle("query", status=503, retry_after="2")  # the login token
    fake.throttle("login", retry_after="1", body="slow down, {user} / {password}")  # a server that echoes
    caplog.set_level(logging.DEBUG)
    api = login(fake, sleeps)
    assert api.logged_in and sleeps == [2.0, 1.0]
    assert [(r.action, r.fields.get("type")) for r in fake.requests] == [
        ("query", "login"),
        ("query", "login"),
        ("login", None),
        ("login", None),
        ("query", "csrf"),
    ]
    assert "HTTP 429" in caplog.text and "slow down, *** / ***" in caplog.text
    assert PASSWORD not in caplog.text and USER not in caplog.text


def test_429_on_an_edit_waits_retry_after_and_repeats_it(
    fake: FakeWikibase, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    api = login(fake, sleeps)
    fake.throttle("wbeditentity", retry_after="1")
    caplog.set_level(logging.WARNING, logger="kg.load.targets.wikibase_api")
    api.edit_entity({"labels": {"en": {"language": "en", "value": "x"}}}, new="item")
    assert sleeps == [1.0]  # the server's Retry-After, not a fixed 5 s
    edits = fake.edits()
    assert len(edits) == 2 and edits[0].fields == edits[1].fields  # refused, so repeated as it was
    assert list(fake.entities) == ["Q1"]
    assert "http-429" in caplog.text and "waiting 1 s (Retry-After: 1 s)" in caplog.text


def test_429_on_edits_is_bounded(fake: FakeWikibase, sleeps: Sleeps) -> None:
    api = login(fake, sleeps, max_lag_retries=2)
    fake.throttle("wbeditentity", count=10, retry_after="1")
    with pytest.raises(ApiError, match="gave up after 3 attempts") as e:
        api.edit_entity({"labels": {"en": {"language": "en", "value": "x"}}}, new="item")
    assert e.value.code == "http-429" and e.value.status == 429 and e.value.retry_after == 1.0
    assert sleeps == [1.0, 1.0] and fake.entities == {}


def test_maxlag_backoff_is_bounded(fake: FakeWikibase, sleeps: Sleeps) -> None:
    api = login(fake, sleeps, max_lag_retries=3)
    for n in range(1, 20):
        fake.fault(n, "maxlag")
    with pytest.raises(ApiError, match=r"maxlag.*gave up after 4 attempts") as e:
        api.edit_entity({"labels": {"en": {"language": "en", "value": "x"}}}, new="item")
    assert e.value.code == "maxlag" and e.value.exit_code == 4
    assert sleeps == [3.0, 3.0, 3.0] and len(fake.edits()) == 4


def test_maxlag_total_wait_is_capped(fake: FakeWikibase, sleeps: Sleeps) -> None:
    api = login(fake, sleeps, max_lag_retries=50, max_sleep=7)
    for n in range(1, 60):
        fake.fault(n, "maxlag")
    with pytest.raises(ApiError, match="try again later"):
        api.edit_entity({"labels": {"en": {"language": "en", "value": "x"}}}, new="item")
    assert sum(sleeps) <= 7


def test_badtoken_fetches_a_new_token_once(fake: FakeWikibase, sleeps: Sleeps) -> None:
    api = login(fake, sleeps)
    fake.fault(1, "badtoken")
    api.edit_entity({"labels": {"en": {"language": "en", "value": "x"}}}, new="item")
    tokens = [r for r in fake.requests if r.action == "query" and r.fields.get("type") == "csrf"]
    assert len(tokens) == 2  # one at login, one after badtoken
    first, second = fake.edits()
    assert first.fields["token"] != second.fields["token"]


@pytest.mark.parametrize(("kind", "code"), [("permissiondenied", "permissiondenied"), ("failed-save", "failed-save")])
def test_api_errors_carry_code_and_hint(fake: FakeWikibase, sleeps: Sleeps, kind: str, code: str) -> None:
    api = login(fake, sleeps)
    fake.fault(1, kind)
    with pytest.raises(ApiError, match="hint") as e:
        api.edit_entity({"labels": {"en": {"language": "en", "value": "x"}}}, new="item")
    assert e.value.code == code


# -- credentials ------------------------------------------------------------------------------------------


def test_credentials_never_in_errors_logs_or_output(
    fake: FakeWikibase, sleeps: Sleeps, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.login_failure_reason = "Login for {user} with password {password} failed"  # a server that echoes
    caplog.set_level(logging.DEBUG)
    api = WikibaseApi(fake.url, sleep=sleeps)
    wrong = "wrong-" + PASSWORD
    with pytest.raises(RemoteError) as e:
        api.login(Credentials(USER, wrong))
    message = str(e.value)
    assert "login refused" in message and "***" in message
    out = capsys.readouterr()
    everything = "\n".join([message, repr(e.value), out.out, out.err, caplog.text])
    for secret in (USER, wrong, PASSWORD):
        assert secret not in everything
    # a successful login logs nothing secret either
    caplog.clear()
    api.login(Credentials(USER, PASSWORD))
    assert USER not in caplog.text and PASSWORD not in caplog.text
    assert PASSWORD not in repr(api) and USER not in repr(api) and PASSWORD not in str(vars(api))


def test_credentials_never_in_http_errors_during_login(
    fake: FakeWikibase, sleeps: Sleeps, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # an overloaded server that echoes the form it got in its error page, on every try
    echo = "<h1>Error</h1> lgname={user} lgpassword={password}"
    fake.throttle("login", count=50, status=500, retry_after=None, body=echo)
    caplog.set_level(logging.DEBUG)
    api = WikibaseApi(fake.url, sleep=sleeps)
    with pytest.raises(RemoteError, match="login failed") as e:
        api.login(Credentials(USER, PASSWORD))
    assert e.value.status == 500 and "lgpassword=***" in str(e.value)
    assert sleeps == [1.0, 2.0, 4.0]  # the client's bounded retries, each said in a log line
    out = capsys.readouterr()
    everything = "\n".join([str(e.value), repr(e.value), str(e.value.args), out.out, out.err, caplog.text])
    assert everything.count("lgpassword=***") >= 4
    assert PASSWORD not in everything and USER not in everything


def test_connection_error_during_login_does_not_leak_or_hang(sleeps: Sleeps, caplog: pytest.LogCaptureFixture) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    caplog.set_level(logging.DEBUG)
    api = WikibaseApi(f"http://127.0.0.1:{port}", sleep=sleeps, timeout=2)
    with pytest.raises(RemoteError, match="login failed") as e:
        api.login(Credentials(USER, PASSWORD))
    assert PASSWORD not in str(e.value) and PASSWORD not in caplog.text and USER not in caplog.text


# -- id map and translation -------------------------------------------------------------------------------


def test_translate_maps_every_id_and_back() -> None:
    e = institutions(1)[0]
    e["claims"]["P17"][0]["qualifiers"] = {
        "P580": [
            {
                "snaktype": "value",
                "property": "P580",
                "datatype": "time",
                "datavalue": {
                    "type": "time",
                    "value": {
                        "time": "+2020-00-00T00:00:00Z",
                        "precision": 9,
                        "timezone": 0,
                        "before": 0,
                        "after": 0,
                        "calendarmodel": "http://www.wikidata.org/entity/Q1985727",
                    },
                },
            }
        ]
    }
    e["claims"]["P17"][0]["qualifiers-order"] = ["P580"]
    m = IdMap(
        entities={
            "P31": "P1",
            "P17": "P2",
            "P571": "P3",
            "P625": "P4",
            "P854": "P5",
            "P813": "P6",
            "P580": "P7",
            "Q33506": "Q1",
            "Q31": "Q2",
            e["id"]: "Q3",
        }
    )
    out = translate(e, m)
    assert out["id"] == "Q3"
    assert sorted(out["claims"]) == ["P1", "P2", "P3", "P4"]
    st = out["claims"]["P2"][0]
    assert st["id"].startswith("Q3$") and st["mainsnak"]["property"] == "P2"
    assert st["mainsnak"]["datavalue"]["value"] == {"entity-type": "item", "numeric-id": 2, "id": "Q2"}
    assert list(st["qualifiers"]) == ["P7"] and st["qualifiers-order"] == ["P7"]
    assert set(st["references"][0]["snaks"]) == {"P5", "P6"}
    assert "hash" not in st["mainsnak"] and "hash" not in st["references"][0]
    # time calendars and globes are Wikibase-wide IRIs: not translated
    assert out["claims"]["P3"][0]["mainsnak"]["datavalue"]["value"]["calendarmodel"].endswith("Q1985727")
    back, dropped = translate_back(out, m)
    assert dropped == []
    assert back["id"] == e["id"] and sorted(back["claims"]) == ["P17", "P31", "P571", "P625"]
    assert back["claims"]["P17"][0]["mainsnak"]["datavalue"]["value"]["id"] == "Q31"
    assert back["claims"]["P17"][0]["id"].split("$")[0] == e["id"]


def test_translate_names_all_unmapped_ids() -> None:
    e = institutions(1)[0]
    with pytest.raises(UnmappedIds) as err:
        translate(e, IdMap(entities={"P31": "P1"}))
    assert {"P17", "Q31", "Q33506", "P571", "P625"} <= set(err.value.missing)
    assert "bootstrap" in str(err.value)


def test_translate_back_drops_statements_it_cannot_name() -> None:
    m = IdMap(entities={"P17": "P2", "Q55": "Q2"})
    remote = {
        "id": "Q9",
        "type": "item",
        "claims": {
            "P2": [
                {
                    "mainsnak": {
                        "snaktype": "value",
                        "property": "P2",
                        "datavalue": {
                            "type": "wikibase-entityid",
                            "value": {"entity-type": "item", "id": "Q2", "numeric-id": 2},
                        },
                    }
                }
            ],
            "P99": [
                {"mainsnak": {"snaktype": "value", "property": "P99", "datavalue": {"type": "string", "value": "x"}}}
            ],
        },
    }
    back, dropped = translate_back(remote, m)
    assert list(back["claims"]) == ["P17"] and dropped == ["P99"] and "id" not in back


def test_idmap_refuses_conflicting_mappings(tmp_path: Path) -> None:
    m = IdMap(entities={"P17": "P2"})
    with pytest.raises(InputError, match="already mapped"):
        m.set("P17", "P3")
    with pytest.raises(InputError, match="found the property P31 mapped to the item Q3"):
        m.set("P31", "Q3")
    m.save(tmp_path / "m.json")
    assert IdMap.load(tmp_path / "m.json").entities == {"P17": "P2"}
    (tmp_path / "bad.json").write_text("[]")
    with pytest.raises(InputError, match="glamkg_idmap"):
        IdMap.load(tmp_path / "bad.json")


# -- bootstrap --------------------------------------------------------------------------------------------


def test_bootstrap_creates_the_model_once(fake: FakeWikibase, sleeps: Sleeps, tmp_path: Path) -> None:
    api = login(fake, sleeps)
    path = tmp_path / "idmap.json"
    m = IdMap.load(path)
    report = bootstrap(api, m)
    assert report.counts() == {"created": bootstrap_size(), "found": 0, "kept": 0}
    assert len(fake.entities) == bootstrap_size()
    saved = json.loads(path.read_text())
    assert saved["api_url"] == fake.api_url and saved["concept_base"] == fake.url + "/entity/"
    eq, match = saved["links"]["equivalent_property"], saved["links"]["exact_match"]
    country = fake.entities[saved["entities"]["P17"]]
    assert saved["keys"]["property:country"] == saved["entities"]["P17"]
    assert saved["keys"]["class:country"] == saved["entities"]["Q6256"]
    assert country["datatype"] == "wikibase-item"
    assert country["labels"]["en"]["value"] == model().prop("country").label
    assert country["descriptions"]["en"]["value"] == model().prop("country").description
    assert country["claims"][eq][0]["mainsnak"]["datavalue"]["value"] == "http://www.wikidata.org/entity/P17"
    museum = fake.entities[saved["entities"]["Q33506"]]
    assert museum["type"] == "item" and museum["labels"]["en"]["value"] == "museum"
    assert museum["claims"][match][0]["mainsnak"]["datavalue"]["value"] == "http://www.wikidata.org/entity/Q33506"
    assert fake.entities[eq]["datatype"] == "url" and fake.entities[match]["datatype"] == "url"

    edits = len(fake.edits())
    again = bootstrap(api, IdMap.load(path))
    assert again.counts() == {"created": 0, "found": 0, "kept": bootstrap_size()}
    assert len(fake.edits()) == edits

    # the map lost: everything is found again by label + link, nothing created
    path.unlink()
    lost = bootstrap(api, IdMap.load(path))
    assert lost.counts()["created"] == 0 and lost.counts()["found"] == bootstrap_size()
    assert len(fake.entities) == bootstrap_size() and len(fake.edits()) == edits
    assert json.loads(path.read_text())["entities"] == saved["entities"]


def test_bootstrap_reports_a_label_taken_by_something_else(fake: FakeWikibase, sleeps: Sleeps, tmp_path: Path) -> None:
    api = login(fake, sleeps)
    api.edit_entity({"labels": {"en": {"language": "en", "value": "country"}}, "datatype": "string"}, new="property")
    with pytest.raises(RemoteError, match="already has that label but no link"):
        bootstrap(api, IdMap.load(tmp_path / "m.json"))


# -- the target -------------------------------------------------------------------------------------------


def test_target_creates_items_with_translated_ids_and_stubs(
    booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase
) -> None:
    api, m = booted
    target = WikibaseTarget(api, m, batch_size=2)
    assert isinstance(target, Target)
    ents = institutions(3)
    partnership = to_json(
        Record(
            "Q1000000000200",
            "partnership",
            labels={"en": "A partnership"},
            claims=[
                Claim("instance_of", "Q1000000000001"),
                Claim("participant", ents[0]["id"]),
                Claim("start_time", "2021"),
            ],
        )
    )
    plan = create_plan([partnership, *ents])  # the partnership names an item created in the same load
    seen: list[int] = []
    report = target.apply(plan, progress=seen.append)
    assert sorted(report.created) == sorted([partnership["id"], *(e["id"] for e in ents)])
    assert report.skipped == [] and sum(seen) == 4
    q31 = m.get("Q31")  # Belgium is not in the model: a placeholder item, linked to Wikidata
    assert q31 is not None and fake.entities[q31]["labels"]["en"]["value"] == "Q31"
    assert fake.entities[q31]["claims"][m.links["exact_match"]][0]["mainsnak"]["datavalue"]["value"] == (
        "http://www.wikidata.org/entity/Q31"
    )
    wb = fake.entities[report.id_map[partnership["id"]]]
    participant = wb["claims"][m.get("P710")][0]["mainsnak"]["datavalue"]["value"]["id"]
    assert participant == report.id_map[ents[0]["id"]]
    created = fake.entities[report.id_map[ents[1]["id"]]]
    refs = created["claims"][m.get("P17")][0]["references"][0]["snaks"]
    assert set(refs) == {m.get("P854"), m.get("P813")}  # every statement keeps its reference
    assert created["claims"][m.links["exact_match"]][0]["mainsnak"]["datavalue"]["value"] == (
        "https://glamkg.invalid/entity/" + ents[1]["id"]
    )
    new_items = [r for r in fake.edits() if r.fields.get("new") == "item" and "Test Museum" in r.fields["data"]]
    for r in new_items:
        sent = json.loads(r.fields["data"])
        assert "id" not in sent and all("id" not in st for sts in sent["claims"].values() for st in sts)
        assert "10000000" not in json.dumps(sent["claims"][m.get("P31")])  # no glamkg local id leaks as a value
    # the map on disk knows the new items
    assert IdMap.load(m.path).get(ents[2]["id"]) == report.id_map[ents[2]["id"]]  # type: ignore[arg-type]


def test_items_naming_each_other_are_both_written(booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase) -> None:
    api, m = booted
    a, b = "Q1000000000301", "Q1000000000302"
    ents = [
        to_json(
            Record(
                x,
                "partnership",
                labels={"en": f"Partnership {x}"},
                claims=[Claim("instance_of", "Q1000000000001"), Claim("participant", other)],
            )
        )
        for x, other in ((a, b), (b, a))
    ]
    report = WikibaseTarget(api, m).apply(create_plan(ents))
    assert sorted(report.created) == [a, b] and report.skipped == [] and report.details["skipped_edits"] == []
    for x, other in ((a, b), (b, a)):
        claims = fake.entities[report.id_map[x]]["claims"][m.get("P710")]
        assert [c["mainsnak"]["datavalue"]["value"]["id"] for c in claims] == [report.id_map[other]]


def test_second_load_is_unchanged_and_sends_no_edit(booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase) -> None:
    api, m = booted
    ents = institutions(3)
    target = WikibaseTarget(api, m)
    target.apply(create_plan(ents))
    edits = len(fake.edits())
    current = target.existing([e["id"] for e in ents] + ["Q1000000000999"])
    assert current["Q1000000000999"] is None
    plan = Plan(items=[plan_item(e, current[e["id"]], kind="institution") for e in ents])
    assert plan.counts()["unchanged"] == 3
    report = target.apply(plan)
    assert report.counts() == {"created": 0, "updated": 0, "unchanged": 3, "skipped": 0}
    # even the stale first plan (all "create") changes nothing now
    stale = WikibaseTarget(api, IdMap.load(m.path)).apply(create_plan(ents))  # type: ignore[arg-type]
    assert stale.created == [] and sorted(stale.unchanged) == sorted(e["id"] for e in ents)
    assert len(fake.edits()) == edits


def test_update_sends_only_the_difference_with_baserevid(booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase) -> None:
    api, m = booted
    ents = institutions(1)
    target = WikibaseTarget(api, m)
    target.apply(create_plan(ents))
    current = target.existing([ents[0]["id"]])[ents[0]["id"]]
    assert current is not None
    wanted = json.loads(json.dumps(current))
    wanted["labels"]["nl"] = {"language": "nl", "value": "Testmuseum"}
    old_p17 = wanted["claims"].pop("P17")[0]
    wanted["claims"]["P17"] = [
        to_json(Record(ents[0]["id"], "institution", claims=[Claim("country", "Q29999", references=[REF])]))["claims"][
            "P17"
        ][0]
    ]
    plan = Plan(items=[plan_item(wanted, current, kind="institution")])
    wid = m.get(ents[0]["id"])
    rev = fake.entities[wid]["lastrevid"]
    report = target.apply(plan)
    assert report.updated == [ents[0]["id"]]
    edit = fake.edits()[-1]
    assert edit.fields["id"] == wid and edit.fields["baserevid"] == str(rev)
    sent = json.loads(edit.fields["data"])
    assert sent["labels"] == {"nl": {"language": "nl", "value": "Testmuseum"}}
    assert "descriptions" not in sent
    removed = [c for c in sent["claims"] if "remove" in c]
    added = [c for c in sent["claims"] if "remove" not in c]
    assert removed == [{"id": wid + "$" + old_p17["id"].split("$")[1], "remove": ""}]
    assert [c["mainsnak"]["datavalue"]["value"]["id"] for c in added] == [m.get("Q29999")]
    values = [s["mainsnak"]["datavalue"]["value"]["id"] for s in fake.entities[wid]["claims"][m.get("P17")]]
    assert values == [m.get("Q29999")]


def test_edit_conflict_refetches_and_retries_once(booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase) -> None:
    api, m = booted
    ents = institutions(2)
    target = WikibaseTarget(api, m)
    target.apply(create_plan(ents))
    current = target.existing([e["id"] for e in ents])
    items = []
    for e in ents:
        wanted = json.loads(json.dumps(current[e["id"]]))
        wanted["aliases"] = {"en": [{"language": "en", "value": "alias of " + e["id"]}]}
        items.append(plan_item(wanted, current[e["id"]], kind="institution"))
    n = fake.edit_count
    fake.fault(n + 1, "editconflict")  # first item: a conflict, then the retry goes through (edit n + 2)
    fake.fault(n + 3, "editconflict")  # second item: conflicts twice -> reported, not retried forever
    fake.fault(n + 4, "editconflict")
    reads_before = len([r for r in fake.requests if r.action == "wbgetentities"])
    report = target.apply(Plan(items=items))
    assert report.updated == [ents[0]["id"]]
    assert [i for i, _ in report.skipped] == [ents[1]["id"]] and "editconflict" in report.skipped[0][1]
    assert fake.edit_count == n + 4
    reads_after = len([r for r in fake.requests if r.action == "wbgetentities"])
    assert reads_after - reads_before == 1 + 2  # the batch, then a fresh copy after each conflict
    assert fake.entities[m.get(ents[0]["id"])]["aliases"]["en"][0]["value"] == "alias of " + ents[0]["id"]
    assert fake.entities[m.get(ents[1]["id"])]["aliases"] == {}


def test_edit_conflict_resolved_on_retry(booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase) -> None:
    api, m = booted
    ents = institutions(1)
    target = WikibaseTarget(api, m)
    target.apply(create_plan(ents))
    current = target.existing([ents[0]["id"]])[ents[0]["id"]]
    wanted = json.loads(json.dumps(current))
    wanted["aliases"] = {"en": [{"language": "en", "value": "the test museum"}]}
    fake.fault(fake.edit_count + 1, "editconflict")
    report = target.apply(Plan(items=[plan_item(wanted, current, kind="institution")]))
    assert report.updated == [ents[0]["id"]] and report.skipped == []
    wid = m.get(ents[0]["id"])
    assert fake.entities[wid]["aliases"]["en"] == [{"language": "en", "value": "the test museum"}]
    assert len([e for e in fake.edits() if e.fields.get("id") == wid]) == 2


def test_content_error_skips_the_item_and_goes_on(booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase) -> None:
    api, m = booted
    ents = institutions(3)
    target = WikibaseTarget(api, m)
    WikibaseTarget(api, m).apply(create_plan(ents[:0]))
    n = fake.edit_count
    fake.fault(n + 2, "failed-save")  # edit 1 is the Q31 placeholder, edit 2 the first museum
    report = target.apply(create_plan(ents))
    assert [i for i, _ in report.skipped] == [ents[0]["id"]]
    assert "failed-save" in report.skipped[0][1] and "hint" in report.skipped[0][1]
    assert sorted(report.created) == sorted(e["id"] for e in ents[1:])


def test_permission_denied_stops_the_run(booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase) -> None:
    api, m = booted
    fake.fault(fake.edit_count + 1, "permissiondenied")
    with pytest.raises(ApiError, match=r"permissiondenied.*grants"):
        WikibaseTarget(api, m).apply(create_plan(institutions(2)))


def test_resume_after_the_server_fails_the_third_write(booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase) -> None:
    api, m = booted
    ents = institutions(5)
    target = WikibaseTarget(api, m, batch_size=2)
    fake.down_from = fake.edit_count + 1 + 3  # after the Q31 placeholder, the 3rd museum fails: HTTP 503
    with pytest.raises(RemoteError, match="run the same load again to resume"):
        target.apply(create_plan(ents))
    journal = Journal(target.journal_path)
    assert len(journal.done_ids()) == 2 and journal.is_pending(ents[2]["id"])
    fake.down_from = None
    again = WikibaseTarget(api, IdMap.load(m.path), batch_size=2)  # type: ignore[arg-type]
    report = again.apply(create_plan(ents))
    assert sorted(report.created + report.unchanged) == sorted(e["id"] for e in ents)
    assert len(report.unchanged) == 2
    for i in range(5):
        assert len(fake.items_labelled(f"Test Museum {i}")) == 1
    assert len(fake.items_labelled("Q31")) == 1


def test_resume_reconciles_an_edit_applied_before_the_process_died(
    booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase
) -> None:
    api, m = booted
    ents = institutions(4)
    # warm up: the Q31 placeholder exists, so edit numbers are per museum from here on
    WikibaseTarget(api, m).apply(create_plan(ents[:1]))
    n = fake.edit_count
    fake.fault(n + 2, "applied-then-500")  # the 2nd museum is created, the answer is lost ...
    real_search = api.search

    def dead(*a: object, **k: object) -> list:  # ... and the process dies before it can look
        raise KeyboardInterrupt

    api.search = dead  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        WikibaseTarget(api, m).apply(create_plan(ents))
    api.search = real_search  # type: ignore[method-assign]
    journal = Journal(WikibaseTarget(api, m).journal_path)
    assert journal.is_pending(ents[2]["id"]) and ents[2]["id"] not in journal.done_ids()
    report = WikibaseTarget(api, IdMap.load(m.path)).apply(create_plan(ents))  # type: ignore[arg-type]
    assert report.details["resumed"] == [ents[2]["id"]]
    for i in range(4):
        assert len(fake.items_labelled(f"Test Museum {i}")) == 1, i


def test_unclear_failure_is_reconciled_at_once(
    booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase, sleeps: Sleeps
) -> None:
    api, m = booted
    ents = institutions(2)
    WikibaseTarget(api, m).apply(create_plan(ents[:1]))
    fake.fault(fake.edit_count + 1, "applied-then-500")
    report = WikibaseTarget(api, m).apply(create_plan(ents))
    assert report.created == [ents[1]["id"]]
    assert len(fake.items_labelled("Test Museum 1")) == 1
    assert sleeps == [5.0]  # a pause before looking, no blind repeat of the POST
    creates = [r for r in fake.edits() if "Test Museum 1" in r.fields.get("data", "")]
    assert len(creates) == 1


def test_unclear_failure_not_applied_is_retried_once(
    booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase, sleeps: Sleeps
) -> None:
    api, m = booted
    ents = institutions(2)
    WikibaseTarget(api, m).apply(create_plan(ents[:1]))
    fake.fault(fake.edit_count + 1, "http500")  # not applied: the search finds nothing, the create is repeated
    report = WikibaseTarget(api, m).apply(create_plan(ents))
    assert report.created == [ents[1]["id"]]
    creates = [r for r in fake.edits() if "Test Museum 1" in r.fields.get("data", "")]
    assert len(creates) == 2 and len(fake.items_labelled("Test Museum 1")) == 1
    assert sleeps == [5.0]


def test_503_with_retry_after_on_a_create_waits_for_it_then_reconciles(
    booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    api, m = booted
    ents = institutions(2)
    WikibaseTarget(api, m).apply(create_plan(ents[:1]))
    fake.throttle("wbeditentity", status=503, retry_after="2")  # not applied; the client cannot know that
    caplog.set_level(logging.WARNING, logger="kg.load.targets.wikibase_api")
    report = WikibaseTarget(api, m).apply(create_plan(ents))
    assert report.created == [ents[1]["id"]] and len(fake.items_labelled("Test Museum 1")) == 1
    assert sleeps == [2.0]  # the server's Retry-After, not the fixed 5 s
    assert "waiting 2 s (Retry-After: 2 s) before checking what the wiki has" in caplog.text
    searches = [r for r in fake.requests if r.action == "wbsearchentities" and r.fields["search"] == "Test Museum 1"]
    assert len(searches) == 1  # looked before repeating the POST


def test_503_with_retry_after_on_an_update_waits_for_it(
    booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase, sleeps: Sleeps
) -> None:
    api, m = booted
    ents = institutions(1)
    target = WikibaseTarget(api, m)
    target.apply(create_plan(ents))
    current = target.existing([ents[0]["id"]])[ents[0]["id"]]
    wanted = json.loads(json.dumps(current))
    wanted["aliases"] = {"en": [{"language": "en", "value": "the test museum"}]}
    fake.throttle("wbeditentity", status=503, retry_after="1")
    report = target.apply(Plan(items=[plan_item(wanted, current, kind="institution")]))
    assert report.updated == [ents[0]["id"]] and sleeps == [1.0]
    assert fake.entities[m.get(ents[0]["id"])]["aliases"]["en"] == [{"language": "en", "value": "the test museum"}]


def test_still_throttled_stops_the_run(booted: tuple[WikibaseApi, IdMap], fake: FakeWikibase, sleeps: Sleeps) -> None:
    api, m = booted
    api.max_lag_retries = 1
    for n in range(fake.edit_count + 1, fake.edit_count + 20):
        fake.fault(n, "maxlag")
    target = WikibaseTarget(api, m)
    with pytest.raises(ApiError, match="try again later") as e:
        target.apply(create_plan(institutions(3)))
    assert e.value.code == "maxlag" and len(fake.edits()) - bootstrap_size() == 2  # not one more try per item


def test_journal_ignores_a_torn_last_line(tmp_path: Path) -> None:
    p = tmp_path / "j.jsonl"
    p.write_text('{"key": "Q1000000000100", "state": "done", "id": "Q7"}\n{"key": "Q10')
    assert Journal(p).done_ids() == {"Q1000000000100": "Q7"}
    p.write_text('garbage\n{"key": "Q1", "state": "done", "id": "Q7"}\n')
    with pytest.raises(InputError, match="line 1"):
        Journal(p)


# -- the command ------------------------------------------------------------------------------------------


def test_bootstrap_command(
    fake: FakeWikibase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kg.cli import main

    monkeypatch.setenv("GLAMKG_WIKIBASE_URL", fake.url)
    monkeypatch.setenv("GLAMKG_WIKIBASE_USER", USER)
    monkeypatch.setenv("GLAMKG_WIKIBASE_PASSWORD", PASSWORD)
    path = tmp_path / "map.json"
    assert main(["wikibase", "bootstrap", "--idmap", str(path)]) == 0
    out = capsys.readouterr()
    assert f"created {bootstrap_size()}" in out.out and str(path) in out.out
    assert PASSWORD not in out.out + out.err and USER not in out.out + out.err
    assert main(["wikibase", "bootstrap", "--idmap", str(path)]) == 0
    assert "created 0" in capsys.readouterr().out
    monkeypatch.setenv("GLAMKG_WIKIBASE_URL", "https://www.wikidata.org")
    assert main(["wikibase", "bootstrap", "--idmap", str(tmp_path / "other.json")]) == 2
    assert "refusing to write to www.wikidata.org" in capsys.readouterr().err
    monkeypatch.setenv("GLAMKG_WIKIBASE_URL", fake.url)
    monkeypatch.setenv("GLAMKG_WIKIBASE_PASSWORD", "wrong-password-xyz")
    assert main(["wikibase", "bootstrap", "--idmap", str(path)]) == 4
    assert "wrong-password-xyz" not in capsys.readouterr().err


def test_cli_says_why_it_waits_and_never_shows_the_password(fake: FakeWikibase, tmp_path: Path) -> None:
    """A real process (no pytest log handlers): the wait line reaches stderr, the password does not."""
    import subprocess

    fake.throttle("wbsearchentities", retry_after="0")  # 0 s: the test stays fast
    fake.throttle("login", retry_after="0", body="slow down, {user} / {password}")
    env = {
        **os.environ,
        "GLAMKG_WIKIBASE_URL": fake.url,
        "GLAMKG_WIKIBASE_USER": USER,
        "GLAMKG_WIKIBASE_PASSWORD": PASSWORD,
        "GLAMKG_WIKIBASE_IDMAP": str(tmp_path / "idmap.json"),
    }
    code = "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "wikibase", "bootstrap"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    assert "HTTP 429" in done.stderr and "waiting 0 s (Retry-After)" in done.stderr
    assert "slow down, *** / ***" in done.stderr
    assert PASSWORD not in done.stderr + done.stdout and USER not in done.stderr + done.stdout


# -- live ---------------------------------------------------------------------------------------------------


@pytest.mark.live
def test_live_wikibase_bootstrap_and_load(tmp_path: Path) -> None:
    url = os.environ.get("GLAMKG_WIKIBASE_URL")
    if not (url and os.environ.get("GLAMKG_WIKIBASE_USER") and os.environ.get("GLAMKG_WIKIBASE_PASSWORD")):
        pytest.skip("live Wikibase test: set GLAMKG_WIKIBASE_URL, GLAMKG_WIKIBASE_USER and GLAMKG_WIKIBASE_PASSWORD")
    from kg.load.targets.wikibase_api import is_public

    if is_public(api_url_from(url)):
        pytest.skip(f"live Wikibase test never runs against a Wikimedia wiki ({url})")
    api = WikibaseApi.from_env()
    m = IdMap.load(tmp_path / "idmap.json")
    first = bootstrap(api, m)
    # every property and class of the model is on the wiki now, created or found, and readable there
    assert sum(first.counts().values()) > 0
    on_wiki = api.get_entities(sorted(set(m.entities.values())))
    assert all(on_wiki[w] is not None for w in m.entities.values())
    assert bootstrap(api, m).counts()["created"] == 0
    ents = institutions(2, start=int(os.environ.get("GLAMKG_LIVE_OFFSET", "900000")))
    target = WikibaseTarget(api, m)
    report = target.apply(create_plan(ents))
    # the first write happened: each item is on the wiki with its label and every statement of the plan
    assert report.skipped == [] and sorted(report.created) == sorted(e["id"] for e in ents)
    written = api.get_entities([report.id_map[e["id"]] for e in ents])
    for e in ents:
        got = written[report.id_map[e["id"]]]
        assert got is not None, e["id"]
        assert got["labels"]["en"]["value"] == e["labels"]["en"]["value"]
        for pid, sts in e["claims"].items():
            assert len(got["claims"].get(m.get(pid) or pid, [])) >= len(sts), (e["id"], pid)
    again = target.apply(create_plan(ents))
    assert again.created == [] and sorted(again.unchanged) == sorted(e["id"] for e in ents)


def test_glamkg_load_to_a_wikibase_twice(
    fake: FakeWikibase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole path: bootstrap, `glamkg load --target wikibase`, the same load again changes nothing."""
    import shutil

    from kg.cli import main

    template = Path(__file__).resolve().parents[1] / "schemas" / "templates" / "institution.csv"
    sheet = tmp_path / "institutions.csv"
    shutil.copy(template, sheet)
    monkeypatch.setenv("GLAMKG_WIKIBASE_URL", fake.url)
    monkeypatch.setenv("GLAMKG_WIKIBASE_USER", USER)
    monkeypatch.setenv("GLAMKG_WIKIBASE_PASSWORD", PASSWORD)
    monkeypatch.setenv("GLAMKG_WIKIBASE_IDMAP", str(tmp_path / "idmap.json"))
    monkeypatch.setenv("GLAMKG_STORE", str(tmp_path / "store"))
    assert main(["wikibase", "bootstrap"]) == 0
    before = len(fake.entities)
    plan = tmp_path / "plan.json"
    args = ["load", str(sheet), "--kind", "institution", "--target", "wikibase", "--plan-out", str(plan)]
    args += ["--reference-url", "https://example.org/musea.csv"]
    assert main(args) == 0
    assert "created 1" in capsys.readouterr().out
    museums = [e for e in fake.entities.values() if e["labels"].get("en", {}).get("value") == "Rijksmuseum"]
    assert len(museums) == 1 and len(fake.entities) > before
    journal = Journal(tmp_path / "idmap.json.journal.jsonl")  # with the id map, not with the plan file
    assert list(journal.done_ids().values()) == [museums[0]["id"]]
    edits = len(fake.edits())
    assert {r.fields.get("maxlag") for r in fake.requests} == {"5"}
    seen = len(fake.requests)
    assert main([*args, "--maxlag", "9"]) == 0
    assert "unchanged 1" in capsys.readouterr().out
    assert len(fake.edits()) == edits
    assert {r.fields.get("maxlag") for r in fake.requests[seen:]} == {"9"}  # the login included
    seen = len(fake.requests)
    assert main([*args, "--maxlag", "0", "--quiet"]) == 0
    assert all("maxlag" not in r.fields for r in fake.requests[seen:])

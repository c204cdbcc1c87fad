"""Errors raised below the command line (the store, queries, the HTTP client) in the user's language (issue 16:
"the CLI's messages in at least English, French, Spanish and Arabic"), run as users run it: a new `glamkg`
process. What an engine or a server says (Oxigraph's syntax error, an HTTP status line) stays as it is, framed
by a translated sentence; no English sentence of glamkg's own is left."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from loopback import Quiet, serving
from test_cli_languages import glamkg, translated

from kg import i18n

PLACEHOLDER = re.compile(r"\{\w*\}")


def parts(message: str) -> list[str]:
    """The fixed text of a message between its placeholders (what must show as it is)."""
    return [p.strip() for p in PLACEHOLDER.split(message) if len(p.strip()) >= 4]


def said_in(lang: str, msgid: str, text: str) -> None:
    """``text`` holds every fixed part of ``msgid``'s translation in ``lang`` and no English part of its own."""
    tr = translated(lang, msgid)
    assert tr and tr != msgid, (lang, msgid)
    for part in parts(tr):
        assert part in text, (lang, part, text)
    for part in parts(msgid):
        if part not in tr:
            assert part not in text, (lang, part, text)


def plural_in(lang: str, singular: str, plural: str, n: int, text: str) -> None:
    """As :func:`said_in` for a message with plural forms, read from the compiled catalogue glamkg reads."""
    i18n.use(lang)
    try:
        tr = i18n.ngettext(singular, plural, n)
    finally:
        i18n.use(None)
    assert tr not in (singular, plural)
    for part in parts(tr):
        assert part in text, (lang, part, text)
    for part in parts(plural):
        assert part not in text, (lang, part, text)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("errors") / "s"
    made = glamkg(path.parent, "init", "--store", str(path))
    assert made.returncode == 0, made.stderr
    return path


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_bad_parameter_of_a_saved_query_is_explained_in_the_language(tmp_path: Path, lang: str) -> None:
    said = glamkg(tmp_path, "query", "run", "institutions_locations", "-p", "country=Nederland", "--lang", lang)
    assert said.returncode == 2, said.stderr
    said_in(lang, "parameter {name} ({type}): {error}", said.stderr)
    said_in(lang, "expected an ISO 3166-1 alpha-2 country code like NL, found {found}", said.stderr)
    assert "parameter country (country)" not in said.stderr and "'NEDERLAND'" in said.stderr


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_sparql_syntax_error_is_framed_in_the_language(tmp_path: Path, store: Path, lang: str) -> None:
    query = tmp_path / "bad.rq"
    query.write_text("SELECT ?s\nWHERE { ?s ?p ?o }\nLIMIT ten\n", encoding="utf-8")
    locale = {"fr": "fr_FR.UTF-8", "ar": "ar_EG.UTF-8"}[lang]  # the language from the locale, not --lang
    said = glamkg(tmp_path, "query", "run", str(query), "--store", str(store), LANG=locale)
    assert said.returncode == 2, said.stderr
    said_in(lang, "{file}, line {line}, column {column}: SPARQL syntax error: expected {expected}, found {found} "
            "(in: {source}); hint: {hint}", said.stderr)
    assert "LIMIT ten" in said.stderr and str(query) in said.stderr  # the line of the query, as written; the file
    assert "error at 3:7" not in said.stderr  # Oxigraph's position became the sentence's line and column


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_missing_store_is_explained_in_the_language(tmp_path: Path, lang: str) -> None:
    said = glamkg(tmp_path, "stats", "--store", str(tmp_path / "nothing"), "--lang", lang)
    assert said.returncode == 3, said.stderr
    said_in(lang, "no store at {path}; create one with `glamkg init --store {path}`", said.stderr)
    assert said.stderr.count(str(tmp_path / "nothing")) == 2
    assert not (tmp_path / "nothing").exists()


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_locked_store_is_explained_in_the_language(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "s"
    assert glamkg(tmp_path, "init", "--store", str(path)).returncode == 0
    holder = subprocess.Popen(  # another process writing to the store: RocksDB's lock is held
        [sys.executable, "-c", "import pyoxigraph, sys, time; s = pyoxigraph.Store(sys.argv[1]); print('held', "
         "flush=True); time.sleep(120)", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        said = glamkg(tmp_path, "init", "--store", str(path), "--lang", lang)
    finally:
        holder.kill()
        holder.wait()
    assert said.returncode == 3, said.stderr
    said_in(lang, "the store at {path} is in use: another process (a load or import still running?) or this one "
                  "has it open for writing; wait for it to finish, or open it read-only", said.stderr)


class Busy(Quiet):
    """A SPARQL endpoint on loopback that answers every request 429 Too Many Requests, Retry-After: 0."""

    requests: ClassVar[int] = 0

    def do_GET(self) -> None:
        Busy.requests += 1
        body = b"slow down"
        self.send_response(429)
        self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET


@pytest.fixture
def busy() -> Iterator[str]:
    Busy.requests = 0
    with serving(Busy) as url:
        yield url


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_an_endpoint_that_keeps_refusing_is_explained_in_the_language(tmp_path: Path, busy: str, lang: str) -> None:
    query = tmp_path / "count.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n", encoding="utf-8")
    said = glamkg(tmp_path, "query", "run", str(query), "--endpoint", busy, "--lang", lang)
    assert said.returncode == 4, said.stderr
    assert Busy.requests == 4 and "HTTP 429" in said.stderr and "slow down" in said.stderr  # the server's words
    said_in(lang, "{problem}; waiting {wait} s ({why}), then retry {n} of {total}", said.stderr)
    plural_in(lang, "{problem} (gave up after {n} attempt)", "{problem} (gave up after {n} attempts)", 4, said.stderr)


def test_an_unreachable_endpoint_is_explained_in_arabic(tmp_path: Path) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    query = tmp_path / "count.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n", encoding="utf-8")
    said = glamkg(tmp_path, "query", "run", str(query), "--endpoint", f"http://127.0.0.1:{port}/sparql", "--lang", "ar")
    assert said.returncode == 4, said.stderr
    said_in("ar", "{method} {url}: cannot connect ({error})", said.stderr)
    said_in("ar", "backoff", said.stderr)
    plural_in("ar", "{problem} (gave up after {n} attempt)", "{problem} (gave up after {n} attempts)", 4, said.stderr)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_file_in_another_encoding_is_named_in_the_language(tmp_path: Path, lang: str) -> None:
    """The kind of file a message names (`what` of kg.errors.read_text) is translated with the sentence."""
    (tmp_path / "answer.json").write_bytes(b"\xff\xfe{}")
    said = glamkg(tmp_path, "import", "results", "answer.json", "--store", str(tmp_path / "s"), "--lang", lang)
    assert said.returncode == 2, said.stderr
    said_in(lang, "{path}: expected UTF-8 text, found byte {byte} at offset {offset}; save {what} as UTF-8",
            said.stderr)
    said_in(lang, "a SPARQL result file", said.stderr)
    assert "answer.json" in said.stderr and "0xff" in said.stderr
    assert not (tmp_path / "s").exists()  # refused before the store was opened

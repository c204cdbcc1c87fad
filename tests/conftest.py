"""Fixtures shared by every test module."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Put ``sys.modules["__main__"]`` back after each test.

    Streamlit's script runner (AppTest) installs the page script as ``__main__`` and leaves it there; a
    process started later with the ``spawn`` method would then re-run that page instead of importing pytest.
    """
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture(autouse=True)
def _restore_kg_logger() -> Iterator[None]:
    """Put the ``kg`` logger back as it was after each test: a command run with ``--quiet`` raises its level
    (``kg.cli.console.show_messages``), which would hide the next test's log lines from ``caplog``."""
    import logging

    logger = logging.getLogger("kg")
    level, propagate, handlers = logger.level, logger.propagate, list(logger.handlers)
    yield
    logger.setLevel(level)
    logger.propagate = propagate
    logger.handlers[:] = handlers


@pytest.fixture(autouse=True, scope="session")
def _cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Caches (the demo's places table, the dashboard's tables, reconciliation answers) go under the session's
    temporary folder, not the user's ``~/.cache``: tests write nothing outside it. Child processes inherit it."""
    import os

    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read messages in English whatever the developer's locale is (``LANG=fr_FR.UTF-8`` would otherwise
    translate the messages they assert on); a test of another language asks for it (``--lang``, ``LANG=``)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


_LOOPBACK = ("127.", "::1", "localhost")


def _is_loopback(address: object) -> bool:
    host = address[0] if isinstance(address, tuple) and address else address
    return not isinstance(host, str) or host.startswith(_LOOPBACK) or host in ("", "0.0.0.0")


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the network: a connection to anything but loopback fails the test at once.

    Only tests marked ``live`` (opt-in, against a Wikibase named in the environment) may connect out. Child
    processes (oxigraph serve, Chromium) are not covered here; they are pointed at loopback by their tests.
    """
    if request.node.get_closest_marker("live"):
        return
    import socket

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(address: object) -> None:
        if not _is_loopback(address):
            raise AssertionError(f"a test tried to reach {address!r}: tests must stay on loopback")

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            guard(address)
        return real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            guard(address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


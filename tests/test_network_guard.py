"""The suite-wide network guard (tests/conftest.py) works: tests cannot reach public hosts."""

import socket

import pytest


def test_network_guard_refuses_public_hosts() -> None:
    with socket.socket() as s, pytest.raises(AssertionError, match="must stay on loopback"):
        s.connect(("208.80.154.224", 443))  # query.wikidata.org's address; never reached


def test_network_guard_lets_loopback_through() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket() as client:
            client.connect(server.getsockname())
            assert client.getpeername() == server.getsockname()

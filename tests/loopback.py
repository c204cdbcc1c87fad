"""A small HTTP server on loopback for a test: ``with serving(Handler) as url:`` (``url`` ends in ``/sparql``).

Tests never reach the network (tests/conftest.py); the fakes they talk to run here, on 127.0.0.1 and a free port,
in a daemon thread that is shut down when the block ends.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator


class Quiet(http.server.BaseHTTPRequestHandler):
    """A request handler that writes no access log (pytest's output stays readable)."""

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler], path: str = "/sparql") -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        server.shutdown()
        server.server_close()

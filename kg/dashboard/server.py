"""Starting the dashboard: ``streamlit run`` of ``dashboards/app.py`` on a store, with a health check.

:func:`serve` checks the store and the port, reads the dashboard's tables into their cache (so the first page
opens fast), starts Streamlit in a child process, waits until it answers its health check and reports through
``say`` (the CLI prints; this module draws nothing). A SIGTERM stops the server like Ctrl+C.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kg import config
from kg.config import resource_dir
from kg.errors import InputError, RemoteError, StoreError
from kg.i18n import _, ngettext

APP = resource_dir("dashboards") / "app.py"
HEALTH_TIMEOUT = 90.0  # seconds to wait for the server to answer before giving up
HEALTH_REQUEST_TIMEOUT = 2.0  # seconds for one health request
HEALTH_POLL = 0.3  # seconds between two health requests

log = logging.getLogger(__name__)


def check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise InputError(
                _("cannot listen on {host}:{port}: {error}; is a dashboard already running there? Pick another port "
                  "with --port").format(host=host, port=port, error=e.strerror or e)
            ) from None


def streamlit_command(store: Path, *, host: str, port: int) -> list[str]:
    """The server's command line: ``streamlit run`` through :mod:`kg.dashboard.launch` (which reads the tables
    into memory first), headless, usage statistics off, no file watcher."""
    return [
        sys.executable, "-m", "kg.dashboard.launch", str(APP),
        "--server.headless=true",
        f"--server.address={host}",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--client.toolbarMode=minimal",
        "--", "--store", str(store),
    ]  # fmt: skip


def url_of(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}"


def wait_healthy(proc: subprocess.Popen[bytes], url: str, timeout: float = HEALTH_TIMEOUT) -> bool:
    """Poll ``<url>/_stcore/health`` until it answers 200 (True), or ``proc`` exits or ``timeout`` seconds
    pass (False). Through :func:`kg.http.local_client`: short timeout, no retries, no proxy."""
    from kg.http import local_client

    deadline = time.monotonic() + timeout
    with local_client(timeout=HEALTH_REQUEST_TIMEOUT) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                if client.get(f"{url}/_stcore/health", cache=False).status_code == 200:
                    return True
            except RemoteError:
                pass  # not answering yet (connection refused, 503 while starting, timeout)
            time.sleep(HEALTH_POLL)
    return False


def prepare_tables(store: Path, say: Callable[[str], None], *, endpoint: str | None = None) -> None:
    """Read the store (or the endpoint) into the dashboard's on-disk table cache now, so the first page opens
    fast."""
    import streamlit.logger

    # outside `streamlit run` Streamlit's caches warn that they run without a runtime: expected here
    streamlit.logger.set_log_level("error")
    from kg.dashboard import data as dashboard_data
    started = time.perf_counter()
    data, cached = dashboard_data.prepare_endpoint(endpoint) if endpoint else dashboard_data.prepare(store)
    if not cached:
        say(ngettext("read {n} institution for the dashboard in {seconds} s",
                     "read {n} institutions for the dashboard in {seconds} s", len(data.institutions)).format(
            n=f"{len(data.institutions):,}", seconds=f"{time.perf_counter() - started:.1f}"))


def _stop_on_sigterm() -> None:
    """A SIGTERM (a service manager, `timeout`, `kill`) stops the server like Ctrl+C does, not orphaning it."""
    import signal
    import threading

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def serve(
    store: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8501,
    say: Callable[[str], None] | None = None,
    endpoint: str | None = None,
) -> int:
    """Run the dashboard on ``store`` (or on the SPARQL ``endpoint``) until interrupted, telling ``say`` what
    happens; returns streamlit's exit code (without ``say``, the news goes to the log)."""
    from kg.store import Store

    say = say or log.warning
    env = dict(os.environ, GLAMKG_STORE=str(store.resolve()), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    if endpoint:
        env[config.env_name("dashboard_endpoint")] = endpoint
    else:
        env.pop(config.env_name("dashboard_endpoint"), None)
        with Store.open(store, read_only=True):  # fails clearly when there is no store
            pass
    check_port(host, port)
    prepare_tables(store, say, endpoint=endpoint)
    proc = subprocess.Popen(streamlit_command(store.resolve(), host=host, port=port), env=env)
    url = url_of(host, port)
    _stop_on_sigterm()
    try:
        if wait_healthy(proc, url):
            source = (_("the SPARQL endpoint {url}").format(url=endpoint) if endpoint
                      else _("the store {path}").format(path=store))
            say(_("dashboard running at {url} on {source} (Ctrl+C to stop)").format(url=url, source=source))
        elif proc.poll() is not None:
            raise StoreError(_("the dashboard stopped at start (exit code {code}); see the messages above").format(
                code=proc.returncode))
        else:
            say(_("dashboard starting at {url} (slow to answer; Ctrl+C to stop)").format(url=url))
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        say(_("dashboard stopped"))
        return 0

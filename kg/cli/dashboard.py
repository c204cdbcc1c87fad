"""Dashboard commands: ``glamkg dashboard`` (serve the Streamlit app on a store) and ``glamkg up`` (the
README's main job: store + demo data + dashboard, one command)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kg.cli import console
from kg.cli.options import StoreOption
from kg.config import resource_dir
from kg.errors import InputError, RemoteError, StoreError

APP = resource_dir("dashboards") / "app.py"
HEALTH_TIMEOUT = 90.0  # seconds to wait for the server to answer before giving up
HEALTH_REQUEST_TIMEOUT = 2.0  # seconds for one health request
HEALTH_POLL = 0.3  # seconds between two health requests

PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to serve the dashboard on.")]
HostOption = Annotated[
    str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")
]


def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise InputError(
                f"cannot listen on {host}:{port}: {e.strerror or e}; is a dashboard already running there? "
                f"Pick another port with --port"
            ) from None


def streamlit_command(store: Path, *, host: str, port: int) -> list[str]:
    """The ``streamlit run`` command line: headless, usage statistics off, no file watcher."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless=true",
        f"--server.address={host}",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--client.toolbarMode=minimal",
        "--", "--store", str(store),
    ]  # fmt: skip


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}"


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, timeout: float = HEALTH_TIMEOUT) -> bool:
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


def _prepare_tables(store: Path, out: Console) -> None:
    """Read the store into the dashboard's on-disk table cache now, so the first page opens fast."""
    import streamlit.logger

    # outside `streamlit run` Streamlit's caches warn that they run without a runtime: expected here
    streamlit.logger.set_log_level("error")
    from kg.dashboard import data as dashboard_data
    started = time.perf_counter()
    with out.status("preparing the dashboard's tables (once after every change to the store)…"):
        data, cached = dashboard_data.prepare(store)
    if not cached:
        out.print(f"read {len(data.institutions):,} institutions for the dashboard in "
                  f"{time.perf_counter() - started:.1f} s", highlight=False)


def _stop_on_sigterm() -> None:
    """A SIGTERM (a service manager, `timeout`, `kill`) stops the server like Ctrl+C does, not orphaning it."""
    import signal
    import threading

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def serve(store: Path, *, host: str = "127.0.0.1", port: int = 8501, out: Console | None = None) -> int:
    """Run the dashboard on ``store`` until interrupted; returns streamlit's exit code."""
    from kg.store import Store

    out = out or Console()
    with Store.open(store, read_only=True):  # fails clearly when there is no store
        pass
    _check_port(host, port)
    _prepare_tables(store, out)
    env = dict(os.environ, GLAMKG_STORE=str(store.resolve()), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    proc = subprocess.Popen(streamlit_command(store.resolve(), host=host, port=port), env=env)
    url = _url(host, port)
    _stop_on_sigterm()
    try:
        if _wait_healthy(proc, url):
            out.print(f"dashboard running at [bold]{url}[/] on the store {store} (Ctrl+C to stop)",
                      highlight=False, soft_wrap=True)
        elif proc.poll() is not None:
            raise StoreError(f"the dashboard stopped at start (exit code {proc.returncode}); see the messages above")
        else:
            out.print(f"dashboard starting at {url} (slow to answer; Ctrl+C to stop)", highlight=False)
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.print("dashboard stopped")
        return 0


def dashboard(store: StoreOption = None, port: PortOption = 8501, host: HostOption = "127.0.0.1") -> None:
    """Serve the analysts' dashboard (Streamlit) on a store, read-only, and print its URL."""
    from kg import config
    code = serve(config.store_path(store), host=host, port=port)
    if code:
        raise typer.Exit(code)


def _has_institutions(st: object) -> bool:
    from kg.model.schema import model

    m = model()
    p31 = m.prop("instance_of").id
    classes = " ".join(f"<http://www.wikidata.org/entity/{m.cls(k).id}>" for k in m.kind("institution").allowed_classes)
    res = st.query(  # type: ignore[attr-defined]
        f"ASK {{ VALUES ?c {{ {classes} }} ?i <http://www.wikidata.org/prop/direct/{p31}> ?c }}",
        name="has-institutions (glamkg up)",
    )
    return bool(res)


def up(
    institutions: Annotated[
        int, typer.Option("--institutions", "-n", min=1, help="Demo institutions to write when the store is empty.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed of the demo data.")] = 1,
    store: StoreOption = None,
    port: PortOption = 8501,
    host: HostOption = "127.0.0.1",
) -> None:
    """Create the store if missing, fill it with SYNTHETIC demo data if it holds no institutions, then serve
    the dashboard and print its URL."""
    from kg import config
    from kg.cli.progress import ProgressBar
    from kg.gaps import demo as kg_demo
    from kg.store import Store

    path = config.store_path(store)
    err = console.err
    _check_port(host, port)
    with Store.open(path) as st:
        if _has_institutions(st):
            err.print(f"store {path} already holds institutions: not writing demo data", highlight=False,
                      soft_wrap=True)
        else:
            workers = kg_demo.default_workers(institutions)
            with ProgressBar(err, "[bold]demo data[/]") as bar:
                bar.phase("institutions", institutions)
                rep = kg_demo.write_demo(
                    st, institutions=institutions, seed=seed, workers=workers, progress=bar.advance
                )
            err.print(
                f"wrote SYNTHETIC demo data to {path}: {rep.institutions:,} institutions, "
                f"{rep.partnerships:,} partnerships, {rep.contributions:,} contributions in {rep.seconds:.1f} s",
                highlight=False, soft_wrap=True,
            )
    code = serve(path, host=host, port=port)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)
    app.command("up")(up)

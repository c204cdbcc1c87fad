"""Dashboard commands: ``glamkg dashboard`` (serve the Streamlit app on a store) and ``glamkg up`` (the
README's main job: store + demo data + dashboard, one command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli import console
from kg.cli.options import StoreOption
from kg.dashboard import server
from kg.errors import InputError
from kg.i18n import _

PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to serve the dashboard on.")]
HostOption = Annotated[
    str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")
]


def serve(store: Path, *, host: str = "127.0.0.1", port: int = 8501, endpoint: str | None = None) -> int:
    """Run the dashboard (:func:`kg.dashboard.server.serve`), its news printed on standard output."""
    return server.serve(store, host=host, port=port, say=_say, endpoint=endpoint)


def _say(line: str) -> None:
    console.out.print(line, markup=False, highlight=False, soft_wrap=True)


def dashboard(
    store: StoreOption = None,
    port: PortOption = 8501,
    host: HostOption = "127.0.0.1",
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            help="Read the dashboard's tables from this SPARQL endpoint (Virtuoso, QLever, a Wikibase's query "
            "service) instead of the store: paged, through glamkg's HTTP client, cached for the day.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the analysts' dashboard (Streamlit) on a store, read-only, and print its URL."""
    from kg import config
    from kg.query import endpoint_url

    url = endpoint_url(endpoint) if endpoint else None
    if endpoint and url is None:
        raise InputError(_("--endpoint: expected the URL of a SPARQL endpoint (http:// or https://), found {found}")
                         .format(found=repr(endpoint)))
    code = serve(config.store_path(store), host=host, port=port, endpoint=url)
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
    server.check_port(host, port)
    wrote = False
    with Store.open(path) as st:
        if _has_institutions(st):
            console.notice(_("store {path} already holds institutions: not writing demo data").format(path=path),
                      highlight=False, soft_wrap=True)
        else:
            workers = kg_demo.default_workers(institutions)
            with ProgressBar(err, "[bold]demo data[/]") as bar:
                bar.phase("institutions", institutions)
                rep = kg_demo.write_demo(
                    st, institutions=institutions, seed=seed, workers=workers, progress=bar.advance
                )
            console.notice(
                _("wrote SYNTHETIC demo data to {path}: {institutions} institutions, {partnerships} partnerships, "
                  "{contributions} contributions in {seconds} s").format(
                    path=path, institutions=f"{rep.institutions:,}", partnerships=f"{rep.partnerships:,}",
                    contributions=f"{rep.contributions:,}", seconds=f"{rep.seconds:.1f}"),
                highlight=False, soft_wrap=True,
            )
            wrote = True
    if wrote:
        from kg.query import derivation

        derivation.refresh(path)  # the saved queries' derived tables for the new content (kg.query.derived)
    code = serve(path, host=host, port=port)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard)
    app.command("up")(up)

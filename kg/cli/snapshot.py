"""``glamkg snapshot``: record every gap metric, dated, in the append-only history next to the store."""

from __future__ import annotations

from typing import Annotated

import typer

from kg.cli import console
from kg.cli.options import StoreOption
from kg.i18n import _, ngettext


def snapshot(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Date the metrics are for (YYYY-MM-DD): recomputed as the store stood then, "
            "without partnerships started or items recorded later. Default: today (UTC).",
        ),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List the snapshots taken so far instead of taking one.")
    ] = False,
    store: StoreOption = None,
) -> None:
    """Record every gap metric (per region scheme, group, baseline and measure) with its date, the store's
    generation and dataset label and the glamkg version, appended to <store>.history.sqlite (never rewritten).

    The dashboard's gap and trend pages show the change since any earlier snapshot and a series over them.
    """
    from kg import config
    from kg.gaps import asof, history
    from kg.gaps import snapshot as kg_snapshot
    from kg.store import Store

    path = config.store_path(store)
    target = history.path_for(path)
    if list_:
        df = history.snapshots(target)
        if df.empty:
            console.notice(_("no snapshots yet in {path}: take one with `glamkg snapshot`").format(path=target),
                              highlight=False)
            return
        for row in df.to_dict("records"):
            typer.echo(
                _("{id}\tas of {as_of}\ttaken {taken_at}\tgeneration {generation}\t{dataset}{synthetic}"
                  "\tglamkg {version}").format(
                    id=row["id"], as_of=row["as_of"], taken_at=row["taken_at"], generation=row["generation"],
                    dataset=row["dataset"] or _("(no label)"), synthetic=_("  SYNTHETIC") if row["synthetic"] else "",
                    version=row["glamkg_version"])
            )
        return
    day = asof.parse_date(as_of) if as_of is not None else None
    with Store.open(path, read_only=True, create=False) as st:
        snap, rows = kg_snapshot.take(st, store_path=path, as_of=day, history_path=target)
    console.notice(
        ngettext("snapshot {id}: {rows} metric as of {as_of} (store generation {generation}{dataset}) appended to "
                 "{path}",
                 "snapshot {id}: {rows} metrics as of {as_of} (store generation {generation}{dataset}) appended to "
                 "{path}", rows).format(id=snap.id, rows=f"{rows:,}", as_of=snap.as_of, generation=snap.generation,
                           dataset=", " + snap.dataset if snap.dataset else "", path=target),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("snapshot")(snapshot)

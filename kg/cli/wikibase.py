"""``glamkg wikibase ...``: prepare a Wikibase (not Wikidata) as a load target.

``glamkg wikibase bootstrap`` creates the model's properties and classes on the Wikibase named by
``$GLAMKG_WIKIBASE_URL`` (bot password in ``$GLAMKG_WIKIBASE_USER`` / ``$GLAMKG_WIKIBASE_PASSWORD``), each linked
to its Wikidata equivalent, and writes the id map that ``glamkg load --target wikibase`` translates through.
See docs/wikibase.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kg.cli import console
from kg.cli.progress import ProgressBar
from kg.i18n import ngettext

wikibase_app = typer.Typer(
    name="wikibase",
    help="Prepare a Wikibase of your own (never Wikidata by default) as a load target.",
    no_args_is_help=True,
)

IdmapOption = Annotated[
    Path | None,
    typer.Option(
        "--idmap",
        help="Id map file (default: $GLAMKG_WIKIBASE_IDMAP, else ./glamkg-wikibase-idmap.json).",
        show_default=False,
    ),
]
AllowPublicOption = Annotated[
    bool,
    typer.Option(
        "--allow-public",
        help="Allow wikidata.org / *.wikipedia.org / *.wikimedia.org. Off by default; almost never what you want.",
    ),
]
MaxlagOption = Annotated[
    int, typer.Option("--maxlag", min=0, help="maxlag sent with every request (seconds; 0 = do not send).")
]


@wikibase_app.command("bootstrap")
def bootstrap_command(
    idmap: IdmapOption = None,
    allow_public: AllowPublicOption = False,
    maxlag: MaxlagOption = 5,
    concept_base: Annotated[
        str | None,
        typer.Option(help="The wiki's concept IRI base (default: <wiki>/entity/), for quantity units."),
    ] = None,
) -> None:
    """Create the model's properties and classes on a blank Wikibase and record the id map (idempotent).

    Reads $GLAMKG_WIKIBASE_URL (the wiki's base URL or its api.php) and the bot password from
    $GLAMKG_WIKIBASE_USER / $GLAMKG_WIKIBASE_PASSWORD. Entities already in the id map, or found by their
    English label with the same link to Wikidata, are kept; nothing is created twice.
    """
    from kg.load.targets.wikibase import idmap_path
    from kg.load.targets.wikibase_api import WikibaseApi
    from kg.load.targets.wikibase_bootstrap import bootstrap, bootstrap_size
    from kg.model.idmap import IdMap

    path = idmap_path(idmap)
    m = IdMap.load(path)
    api = WikibaseApi.from_env(allow_public=allow_public, maxlag=maxlag)
    out = console.err
    with ProgressBar(out, "bootstrap") as bar:
        bar.phase("bootstrap", bootstrap_size())
        report = bootstrap(api, m, concept_base=concept_base, progress=bar.advance)
    m.save(path)
    c = report.counts()
    console.out.print(
        ngettext("{api}: created {created}, found by label {found}, already mapped {kept}; id map: {path} "
                 "({n} entity)",
                 "{api}: created {created}, found by label {found}, already mapped {kept}; id map: {path} "
                 "({n} entities)", len(m)).format(
            api=api.api_url, created=c["created"], found=c["found"], kept=c["kept"], path=path, n=len(m)),
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(wikibase_app, name="wikibase")

"""``glamkg query``: list, show and run saved SPARQL queries (and ad-hoc .rq files) anywhere."""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table as RichTable
from rich.text import Text

from kg import outfile
from kg.cli import console
from kg.cli.options import StoreOption
from kg.errors import InputError
from kg.i18n import _, ngettext

if TYPE_CHECKING:  # pandas is imported by the commands that use it: `glamkg --help` starts without it
    import pandas as pd

    from kg.query.provenance import Provenance
    from kg.query.table import Table as PlainTable

query_app = typer.Typer(
    name="query",
    help="Saved SPARQL queries (queries/*.rq): list them, show one, run one on the local store, "
    "Wikidata or any SPARQL endpoint.",
    no_args_is_help=True,
)
out = console.out


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"




@query_app.command("list")
def list_queries() -> None:
    """List the saved queries: name, view, parameters and title."""
    from kg import query
    table = RichTable(box=None, pad_edge=False)
    table.add_column(_("name"), no_wrap=True, overflow="fold")
    table.add_column(_("view"), no_wrap=True)
    table.add_column(_("parameters"))
    table.add_column(_("title"))
    for q in query.catalog():
        params = ", ".join(f"{p.name}:{p.type}" + (f"={p.default}" if p.default else "") for p in q.params)
        table.add_row(q.name, q.view, params or "–", q.title)
    out.print(table)


@query_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Saved query name (see `glamkg query list`) or a .rq file.")],
) -> None:
    """Show a saved query: its description, parameters, text and a link that opens it in the Wikidata Query
    Service."""
    from kg import query
    q = query.resolve_query(name)
    out.print(_("[bold]{title}[/] ({name}, view: {view}, {form})").format(title=q.title, name=q.name, view=q.view,
                                                                         form=q.form), highlight=False)
    if q.description:
        out.print(q.description, highlight=False)
    for p in q.params:
        default = f" = {p.default}" if p.default is not None else _(" (unbound when not given)")
        binds = f" -> ?{p.variable}" if p.variable != p.name else ""
        out.print(f"  --param {p.name}=<{p.type}>{default}{binds}  {p.help}", highlight=False)
    out.print()
    out.print(q.text.rstrip(), markup=False, highlight=False)
    out.print()
    out.print(_("Open in Wikidata Query Service:"), highlight=False)
    out.print(q.wdqs_link(), markup=False, highlight=False, overflow="ignore", crop=False)


def _params(values: list[str] | None) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values or []:
        if "=" not in item:
            raise InputError(_("--param: expected NAME=VALUE, found {item}").format(item=repr(item)))
        key, value = item.split("=", 1)
        key = key.strip()
        if key in params:
            raise InputError(_("--param {key} given twice").format(key=key))
        params[key] = value
    return params


def _missing(value: Any) -> bool:
    import pandas as pd

    return False if isinstance(value, (list, tuple, dict)) else bool(pd.isna(value))


def _format(fmt: Format | None, output: Path | None) -> Format:
    """The format asked for; else the one the output file's extension names (``out.csv``); else the table. A
    format that contradicts the extension (``-f json -o out.csv``) is refused rather than written."""
    by_suffix = {".csv": Format.csv, ".json": Format.json, ".parquet": Format.parquet}
    named = by_suffix.get(output.suffix.lower()) if output is not None else None
    if fmt is None:
        return named or Format.table
    if named is not None and fmt is not named:
        raise InputError(
            _("--format {format} but --output {output} names a {named} file: give --format {named}, "
              "or an output file ending in .{suffix}").format(
                format=fmt.value, output=output, named=named.value,
                suffix=fmt.value if fmt is not Format.table else "txt")
        )
    return fmt


def _file(output: Path | None) -> bool:
    """An output that is a file of its own (not standard output or a pipe): it gets a provenance sidecar."""
    return output is not None and not outfile.is_stdout(output) and not outfile.is_stream(output)


def _render(
    df: pd.DataFrame | PlainTable,
    fmt: Format,
    output: Path | None,
    title: str = "",
    provenance: Provenance | None = None,
) -> None:
    from kg.query.provenance import parquet_bytes, sidecar
    from kg.query.table import Table as PlainTable

    if provenance is not None:
        provenance.rows = len(df)
    if _file(output) and provenance is not None:
        assert output is not None
        outfile.write_text(sidecar(output), provenance.to_json(), what="provenance file")
    if isinstance(df, PlainTable):  # a plain answer (no pandas): CSV, or the table on the terminal
        if fmt is Format.csv:
            _write(df.csv(), output)
        else:
            _print_table(df.names, df.rows(terminal=True), len(df), title)
        return
    if fmt is Format.parquet:
        if output is None:
            raise InputError(_("--format parquet needs --output FILE (Parquet is binary)"))
        if provenance is not None:
            data = parquet_bytes(df, provenance)
            outfile.write_with(output, lambda tmp: tmp.write_bytes(data))
        else:
            outfile.write_with(output, lambda tmp: df.to_parquet(tmp, index=False))
        return
    if fmt is Format.csv:
        text = df.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S")
    elif fmt is Format.json:
        text = json.dumps(json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False)),
                          ensure_ascii=False, indent=1) + "\n"
    else:
        if output is not None:
            text = df.to_string(index=False) + "\n"
        else:
            cells = (["" if _missing(v) else str(v) for v in row] for row in df.itertuples(index=False))
            _print_table([str(c) for c in df.columns], cells, len(df), title)
            return
    _write(text, output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        outfile.write_text(output, text)


def _print_table(names: list[str], rows: Iterable[list[str]], count: int, title: str) -> None:
    table = RichTable(*[console.printable(c) for c in names], box=None, pad_edge=False,
                      title=console.printable(title) if title else None, title_justify="left", title_style="bold")
    for row in rows:  # cells are data: control characters shown, not obeyed
        table.add_row(*[Text(console.printable(v)) for v in row])
    out.print(table)
    out.print(ngettext("{n} row", "{n} rows", count).format(n=count), style="dim")


@query_app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="Saved query name, or a .rq file (with or without a header).")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Parameter NAME=VALUE (repeatable); see `glamkg query show NAME`."),
    ] = None,
    endpoint: Annotated[
        str,
        typer.Option("--endpoint", "-e", help="local (the store), wikidata (query.wikidata.org) or a SPARQL URL."),
    ] = "local",
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: from the --output file's extension, .csv .json .parquet; else table).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    store: StoreOption = None,
    full_iris: Annotated[bool, typer.Option("--full-iris", help="Keep entity IRIs instead of ids (Q42).")] = False,
    auto_language: Annotated[
        str | None,
        typer.Option(
            "--auto-language",
            help="Language for [AUTO_LANGUAGE] in WDQS label services (local store; default: the locale's "
            "language, else en; en is always the fallback).",
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="Remote endpoints: cache answers here (key: endpoint, query, parameters)."),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Remote endpoints: seconds per HTTP request.")
    ] = 60.0,
    idmap: Annotated[
        Path | None,
        typer.Option(
            "--idmap",
            help="The endpoint serves a Wikibase with its own numbering: translate Wikidata's ids in the query "
            "into the wiki's, and back in the answer, through this id map (`glamkg wikibase bootstrap` writes it).",
            show_default=False,
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="With --idmap: show the ids translated and the query sent (stderr).")
    ] = False,
    derived: Annotated[
        bool,
        typer.Option(
            "--derived/--no-derived",
            help="Local store: answer from the store's derived table where one holds the answer (built when the "
            "store was written, for that content; docs/queries.md); --no-derived asks the engine.",
        ),
    ] = True,
    concept_base: Annotated[
        str | None,
        typer.Option(
            "--concept-base",
            help="With --idmap: the wiki's concept base, like https://example.wikibase.cloud/entity/ (default: the "
            "one in the id map); wd:, wdt:, p: ... then name the wiki's namespaces under it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run a saved query or a .rq file and print or save the table.

    Queries copied from query.wikidata.org run on the local store unchanged: prefixes, the label service,
    around/box and geof:distance are handled locally, never over the network.
    """
    from kg import query
    from kg.model.languages import user_language
    from kg.query.provenance import Provenance, sidecar

    params = _params(param)
    fmt = _format(fmt, output)
    saved = query.resolve_query(name)  # a WDQS #title: / #defaultView: is a comment; the title is shown
    if saved.note:
        console.notice(_("note: {note}").format(note=saved.note), highlight=False, markup=False)
    if output is not None and _file(output):  # every file is checked before the query runs
        outfile.check(output)
        outfile.check(sidecar(output), what="provenance file")
    url = query.endpoint_url(endpoint)
    if url is None and idmap is not None:
        raise InputError(_("--idmap translates ids for a Wikibase's own query service: give --endpoint URL as well"))
    if concept_base is not None and idmap is None:
        raise InputError(
            _("--concept-base names the namespaces of the wiki an id map translates to: give --idmap FILE"))
    prov = Provenance(
        query=query.bound_text(saved, params, in_optionals=url is not None), name=saved.name, parameters=params,
        endpoint=url or "local store",
    )
    if url is None:
        from kg import config
        from kg.cli.watchdog import guard
        from kg.store import Store

        language = user_language(auto_language)
        with Store.open(store, read_only=True) as st, guard(_("the query {name}").format(name=saved.name)):
            prov.store, prov.generation = str(config.store_path(store)), str(st.generation())
            # CSV and the terminal's table come without pandas where the answer allows (kg.query.table)
            plain = fmt is Format.csv or (fmt is Format.table and output is None)
            df = query.run(saved, params=params, store=st, shorten_ids=not full_iris, auto_language=language,
                           plain=plain, derived=derived, on_derived=prov.from_derived)
    else:
        from kg.http import HttpClient

        wiki_ids = None
        if idmap is not None:
            from kg.model.idmap import IdMap

            wiki_ids = IdMap.load(idmap, missing_ok=False)
            if concept_base is not None:
                from kg.query.renumbering import check_concept_base

                wiki_ids.concept_base = check_concept_base(concept_base, "--concept-base: ")

        def show(text: str) -> None:
            if explain:
                console.err.print(text, highlight=False, markup=False, soft_wrap=True)

        with HttpClient(timeout=timeout, cache_dir=cache_dir) as client:
            df = query.run(saved, params=params, endpoint=endpoint, client=client, shorten_ids=not full_iris,
                           idmap=wiki_ids, explain=show)
    _render(df, fmt, output, title=saved.title if saved.title != saved.name else "", provenance=prov)


def register(app: typer.Typer) -> None:
    app.add_typer(query_app, name="query")

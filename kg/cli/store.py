"""Store commands: ``glamkg init``, ``stats``, ``export``, ``rdf`` and ``version``."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from kg import __version__, outfile
from kg.cli import console
from kg.cli.options import StoreOption
from kg.errors import InputError
from kg.i18n import _, ngettext


class DumpFormat(StrEnum):
    nt = "nt"
    ttl = "ttl"


class StatsFormat(StrEnum):
    table = "table"
    json = "json"


class Flavor(StrEnum):
    dump = "dump"
    truthy = "truthy"
    full = "full"
    wdqs = "wdqs"


def init(
    store: StoreOption = None,
    label: Annotated[str | None, typer.Option(help="A name for the dataset in this store.")] = None,
) -> None:
    """Create the store (if needed) and write the model's local classes, with their labels, into it."""
    from kg import config
    from kg.model.entities import local_class_records, to_json
    from kg.store import Store

    path = config.store_path(store)
    existed = (path / "CURRENT").is_file()
    records = [to_json(r) for r in local_class_records()]
    # an existing store, or a file or a folder that Store.open refuses with the reason
    if existed or (path.exists() and not path.is_dir()) or (path.is_dir() and any(path.iterdir())):
        with Store.open(path) as st:
            report = st.write_entities(records)
            if label is not None:
                st.set_meta("label", label)
    else:
        # A new store is built beside its place and moved there when complete: a failure (a full disk) leaves
        # nothing behind, and the same command can simply be run again.
        import os
        import shutil

        from kg.store import snapshots

        tmp = path.with_name(f".{path.name}.init-{os.getpid()}")
        try:
            with Store.open(tmp) as st:
                report = st.write_entities(records)
                if label is not None:
                    st.set_meta("label", label)
            os.rename(tmp, path)  # path is absent or an empty folder
            shutil.rmtree(snapshots.folder(tmp), ignore_errors=True)  # published under the temporary name
            with Store.open(path):  # published for readers under its own name
                pass
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(snapshots.folder(tmp), ignore_errors=True)
            raise
    from kg.query import derivation

    derivation.refresh(path)  # the saved queries' derived tables for the new content (kg.query.derived)
    out = console.out
    msg = _("opened existing store at {path}: local classes {summary}") if existed else _(
        "created store at {path}: local classes {summary}")
    out.print(msg.format(path=f"[bold]{path}[/]", summary=report.summary()), highlight=False)


def _stats_row(key: str) -> str:
    """The name of a row of `glamkg stats` in the chosen language."""
    names = {
        "triples": _("triples"), "items": _("items"), "statements": _("statements"), "generation": _("generation"),
        "loaded_at": _("loaded at"), "label": _("label"), "synthetic": _("synthetic"),
    }
    return names.get(key, key.replace("_", " "))


def stats(
    store: StoreOption = None,
    format: Annotated[StatsFormat, typer.Option("--format", help="table or json.")] = StatsFormat.table,
) -> None:
    """Counts of triples, items and statements, items per class (P31), and when the store was last written."""
    from kg.store import Store

    with Store.open(store, read_only=True) as st:
        s = st.stats()
    if format == StatsFormat.json:
        typer.echo(json.dumps(s, indent=2, ensure_ascii=False))
        return
    out = console.out
    t = Table(title=_("glamkg store {path}").format(path=s["path"]), show_header=False)
    t.add_column(_("what"))
    t.add_column(_("value"), justify="right")
    for key in ("triples", "items", "statements", "generation", "loaded_at", "label", "synthetic"):
        v = s.get(key)
        if v is not None:
            t.add_row(_stats_row(key),
                      f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else Text(console.printable(v)))
    out.print(t)
    if s["classes"]:
        c = Table(title=_("items per class (P31)"))
        c.add_column(_("class"))
        c.add_column(_("label"))
        c.add_column(_("items"), justify="right")
        for row in s["classes"][:30]:
            c.add_row(row["class"], Text(console.printable(row["label"] or "")), f"{row['items']:,}")
        if len(s["classes"]) > 30:
            c.caption = ngettext("{n} more class (use --format json)", "{n} more classes (use --format json)",
                                 len(s["classes"]) - 30).format(n=len(s["classes"]) - 30)
        out.print(c)


def export(
    store: StoreOption = None,
    format: Annotated[DumpFormat, typer.Option("--format", help="nt (N-Triples) or ttl (Turtle).")] = DumpFormat.nt,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default, or -: standard output).")
    ] = None,
) -> None:
    """Write the whole graph (without store metadata) for QLever, Blazegraph/WDQS or Virtuoso."""
    from kg.store import Store

    with Store.open(store, read_only=True) as st:
        target = output or Path(outfile.STDOUT)
        with outfile.opened(target, what="export file") as fh:
            st.export(fh, format=format.value)
        if output is not None and not outfile.is_stdout(output):
            console.notice(_("wrote {path}").format(path=output), highlight=False)


def rdf(
    file: Annotated[Path, typer.Argument(help="Entity JSON: wbgetentities, Special:EntityData, one entity or a list.")],
    flavor: Annotated[
        Flavor, typer.Option(help="dump (what WDQS fetches), truthy, full, or wdqs (the munged form the store keeps).")
    ] = Flavor.dump,
    format: Annotated[DumpFormat, typer.Option("--format", help="nt (N-Triples) or ttl (Turtle).")] = DumpFormat.nt,
    concept_base: Annotated[
        str | None,
        typer.Option(
            "--concept-base",
            help="The Wikibase's concept base, like https://example.wikibase.cloud/entity/ (default Wikidata's, "
            "with glamkg's local items under glamkg's own base); its data base is <root>wiki/Special:EntityData/.",
            show_default=False,
        ),
    ] = None,
    uri_pattern: Annotated[
        list[str] | None,
        typer.Option(
            "--uri-pattern",
            help="PID=PATTERN: the property's formatter URI for RDF (Wikidata's P1921), e.g. "
            "P214=http://viaf.org/viaf/$1; external ids of that property also get their wdtn:/psn: IRIs "
            "(repeatable; property entities in FILE with a P1921 statement are read too).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the RDF of the entities in FILE, as Wikibase (or WDQS) would have it."""
    import pyoxigraph as ox

    from kg import rdf as kgrdf
    from kg.model.entities import read_json

    entities = read_json(file)
    vocab = _vocabulary(concept_base)
    env = kgrdf.Environment(uri_patterns={**_patterns_in(entities), **_patterns(uri_pattern or [])})
    triples: list[Any] = []
    for e in entities:
        if flavor == Flavor.wdqs:
            triples.extend(kgrdf.wdqs_triples(e, vocab=vocab, env=env))
        else:
            flags = {Flavor.dump: kgrdf.FLAVOR_DUMP, Flavor.truthy: kgrdf.TRUTHY, Flavor.full: kgrdf.FLAVOR_ALL}[flavor]
            triples.extend(kgrdf.entity_triples(e, flavor=flags, vocab=vocab, env=env))
    if format == DumpFormat.nt:
        sys.stdout.write(kgrdf.to_ntriples(triples))
    else:
        from kg.store import PREFIXES

        data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        sys.stdout.write(data.decode("utf-8") if isinstance(data, bytes) else str(data))
    sys.stdout.flush()


def _vocabulary(concept_base: str | None) -> Any:
    """Wikidata's vocabulary (with glamkg's local base), or a Wikibase's own from its concept base."""
    import re

    from kg import rdf as kgrdf

    if concept_base is None:
        return None
    if not re.fullmatch(r"https?://[^\s<>\"{}|^`\\]+/entity/", concept_base):
        raise InputError(
            _("--concept-base: expected the wiki's entity IRI prefix like https://example.wikibase.cloud/entity/, "
              "found {found}").format(found=repr(concept_base))
        )
    root = concept_base[: -len("entity/")]
    return kgrdf.Vocabulary(concept_base, root + "wiki/Special:EntityData/")


def _patterns(values: list[str]) -> dict[str, str]:
    from kg.model import ids

    out: dict[str, str] = {}
    for v in values:
        pid, sep, pattern = v.partition("=")
        if not sep or not ids.is_id(pid.strip(), kinds="P") or "$1" not in pattern:
            raise InputError(
                _("--uri-pattern: expected PID=PATTERN with $1, like P214=http://viaf.org/viaf/$1, found {found}")
                .format(found=repr(v))
            )
        out[pid.strip()] = pattern.strip()
    return out


def _patterns_in(entities: list[Any]) -> dict[str, str]:
    """Formatter URIs for RDF (P1921) stated on the property entities of the same file."""
    out: dict[str, str] = {}
    for e in entities:
        if e.get("type") != "property":
            continue
        for st in (e.get("claims") or {}).get("P1921", []):
            value = ((st.get("mainsnak") or {}).get("datavalue") or {}).get("value")
            if isinstance(value, str) and "$1" in value and st.get("rank") != "deprecated":
                out.setdefault(str(e.get("id")), value)
    return out


def version() -> None:
    """Print the versions of glamkg and the libraries it stands on."""
    from importlib import metadata

    parts = [f"glamkg {__version__}", f"python {sys.version.split()[0]}"]
    for dist in ("pyoxigraph", "wikibaseintegrator", "typer"):
        try:
            parts.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist} (not installed)")
    typer.echo(", ".join(parts))


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(stats)
    app.command()(export)
    app.command()(rdf)
    app.command()(version)


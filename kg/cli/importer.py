"""``glamkg import ...``: institutions from Wikidata's query service (or any Wikibase's), or from saved files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kg import outfile
from kg.cli import console
from kg.cli.options import StoreOption
from kg.config import store_path
from kg.errors import InputError, RemoteError
from kg.i18n import _, ngettext

ReportOpt = Annotated[
    Path | None,
    typer.Option("--report", help="Also write the full report (all created/updated/unchanged ids) as JSON here."),
]
SHOW_IDS = 50


@contextmanager
def _open_store(path: Path | None, *, one_write: bool = False) -> Iterator[Any]:
    """The store to import into. ``one_write``: the import writes in one transaction, so when it fails a store
    this call created holds nothing and is removed (a refused import leaves no folder behind); a resumable
    import (``import wikidata``) keeps its store, whose batches it resumes from."""
    import shutil

    from kg.store import Store, snapshots

    where = store_path(path)
    new = not where.exists()
    try:
        with Store.open(where) as store:
            yield store
    except BaseException:
        if new and one_write:
            shutil.rmtree(where, ignore_errors=True)
            shutil.rmtree(snapshots.folder(where), ignore_errors=True)
        raise
    from kg.query import derivation

    derivation.refresh(where)  # the saved queries' derived tables for the new content (kg.query.derived)


ReplaceOthers = Annotated[
    bool,
    typer.Option(
        "--replace-others",
        help="Replace whole entities, removing what loads wrote to them (default: keep loaded statements and "
        "other languages' terms; the report lists them).",
    ),
]


def _created(c: dict[str, int]) -> str:
    return _("created {created}, updated {updated}, unchanged {unchanged}").format(
        created=c["created"], updated=c["updated"], unchanged=c["unchanged"])


def _print_report(console: Console, report: Any, out: Path | None, extra: dict[str, Any] | None = None) -> None:
    c = report.counts()
    console.print(_created(c), highlight=False)
    changed = report.changed
    if changed:
        shown = ", ".join(changed[:SHOW_IDS])
        more = ""
        if len(changed) > SHOW_IDS:
            more = _(" ... and {n} more (see --report)").format(n=len(changed) - SHOW_IDS)
        console.print(_("changed: {ids}").format(ids=shown) + more, highlight=False)
    if report.skipped:
        console.print(ngettext("skipped {n} value the model cannot hold; first: {first}",
                               "skipped {n} values the model cannot hold; first: {first}", len(report.skipped)).format(
            n=len(report.skipped), first=" / ".join(report.skipped[0])), highlight=False)
    if report.ignored_columns:
        console.print(_("ignored columns: {columns}").format(columns=", ".join(report.ignored_columns)),
                      highlight=False)
    for name, done, hint in (
        ("kept_other_sources", _("kept"), _("--replace-others replaces whole entities")),
        ("removed_other_sources", _("removed (--replace-others)"), ""),
    ):
        rows = getattr(report, name, [])
        if rows:
            srcs = ", ".join(sorted({s for _, _, s in rows}))
            ents = sorted({e for e, _, _ in rows})
            console.print(
                _("{done} {statements} of {items} that loads wrote ({sources}): ").format(
                    done=done, statements=ngettext("{n} statement", "{n} statements", len(rows)).format(n=len(rows)),
                    items=ngettext("{n} item", "{n} items", len(ents)).format(n=len(ents)), sources=srcs)
                + ", ".join(f"{e} {p}" for e, p, _s in rows[:SHOW_IDS])
                + (_(" ... and {n} more").format(n=len(rows) - SHOW_IDS) if len(rows) > SHOW_IDS else "")
                + (f"; {hint}" if hint else ""),
                highlight=False, markup=False,
            )
    if out is not None:
        data = {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "skipped": [list(s) for s in report.skipped],
            "gone": report.gone,
            "not_listed": report.not_listed,
            "ignored_columns": report.ignored_columns,
            "kept_other_sources": [list(r) for r in getattr(report, "kept_other_sources", [])],
            "removed_other_sources": [list(r) for r in getattr(report, "removed_other_sources", [])],
            **(extra or {}),
        }
        outfile.write_text(out, json.dumps(data, indent=1) + "\n", what="report")


def _check_report(path: Path | None) -> None:
    """A --report that cannot be written is an error before anything is imported (not after)."""
    if path is not None:
        outfile.check(path, what="report")


def _import_evidence(
    names: str,
    build: dict[str, Any],
    *,
    store: Path | None,
    restart: bool,
    pause: float,
    timeout: float,
    retrieved: str | None,
    replace_others: bool,
    report_out: Path | None,
) -> None:
    """``glamkg import wikidata --evidence ...``: :func:`kg.wikidata.evidence.import_evidence` with a progress bar
    and its report."""
    from kg.cli.progress import ProgressBar
    from kg.http import HttpClient
    from kg.wikidata import fetch as wf
    from kg.wikidata.checkpoint import Checkpoint
    from kg.wikidata.evidence import EvidenceImport, import_evidence

    settings = EvidenceImport.build(names, **build)
    err = console.err
    err.print(
        _("importing evidence ({kinds}) from {endpoint}").format(kinds=", ".join(settings.imports),
                                                                 endpoint=settings.base.endpoint)
        + (ngettext("; Commons evidence of {types} in {n} country", "; Commons evidence of {types} in {n} countries",
                    len(settings.base.countries)).format(types=", ".join(settings.base.types),
                                                         n=len(settings.base.countries))
           if "commons" in settings.imports else ""),
        highlight=False,
    )
    service = wf.Service(settings.base.endpoint, HttpClient(timeout=timeout))
    with (
        _open_store(store) as st,
        Checkpoint.for_store_dir(store_path(store)) as cp,
        ProgressBar(err, transient=False) as bar,
    ):
        try:
            report = import_evidence(
                st, settings, service=service, checkpoint=cp, restart=restart, pause=pause, retrieved=retrieved,
                progress=bar, replace_others=replace_others,
            )
        except RemoteError as e:
            raise RemoteError(
                _("{error} -- finished pages are kept; run the same command again to resume").format(error=e),
                status=e.status, retry_after=e.retry_after, url=e.url,
            ) from None
        hosts = sorted(report.hosts, key=lambda q: int(q[1:]))
        missing = _not_institutions(st, hosts)
    if report.units_resumed:
        err.print(ngettext("resumed: {n} page was already done", "resumed: {n} pages were already done",
                           report.units_resumed).format(n=report.units_resumed), highlight=False)
    if report.kinds:
        err.print(_("evidence written: ") + ", ".join(f"{k} {n}" for k, n in report.kinds.items()), highlight=False)
    if report.no_host:
        err.print(ngettext("{n} residency names no employer (not written): ",
                           "{n} residencies name no employer (not written): ", len(report.no_host)).format(
                               n=len(report.no_host))
                  + ", ".join(report.no_host[:SHOW_IDS]), highlight=False)
    if missing:
        err.print(
            ngettext("{n} host of residencies is not an institution in the store, so its residencies count in no "
                     "gap metric until it is imported (glamkg import wikidata --country ...): ",
                     "{n} hosts of residencies are not institutions in the store, so their residencies count in no "
                     "gap metric until they are imported (glamkg import wikidata --country ...): ",
                     len(missing)).format(n=len(missing))
            + ", ".join(missing[:SHOW_IDS]) + (" ..." if len(missing) > SHOW_IDS else ""),
            highlight=False,
        )
    for why in report.left_out:
        err.print(_("left out: {why}").format(why=why), highlight=False, markup=False)
    if report.unrepresentable:
        err.print(ngettext("{n} value was unknown/no value (left out)", "{n} values were unknown/no values (left out)",
                           report.unrepresentable).format(n=report.unrepresentable))
    _print_report(err, report, report_out, {"requests": report.requests, "evidence": report.kinds,
                                            "hosts_not_in_store": missing, "no_host": report.no_host,
                                            "left_out": report.left_out})


def _not_institutions(store: Any, qids: list[str]) -> list[str]:
    """Those of ``qids`` (validated ids) that are not institutions in the store."""
    if not qids:
        return []
    from kg.model import ids
    from kg.model.schema import model

    m = model()
    classes = " ".join(f"<{ids.entity_iri(m.cls(c).id)}>" for c in m.kind("institution").allowed_classes)
    values = " ".join(f"<{ids.entity_iri(ids.item_id(q))}>" for q in qids)
    p31 = f"<http://www.wikidata.org/prop/direct/{m.prop('instance_of').id}>"
    found = {
        ids.try_id_from_iri(row[0].value)
        for row in store.query(f"SELECT DISTINCT ?i WHERE {{ VALUES ?i {{ {values} }} VALUES ?c {{ {classes} }} "
                               f"?i {p31} ?c }}")
    }
    return [q for q in qids if q not in found]


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Bring institutions into the store: from Wikidata's query service, or from saved files.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="import")

    @group.command("wikidata")
    def wikidata(
        type_: Annotated[
            list[str],
            typer.Option("--type", help="museum, library, archives, gallery or all (repeatable)."),
        ] = ["all"],  # noqa: B006 - typer reads the default
        country: Annotated[
            list[str], typer.Option("--country", help="ISO 3166-1 alpha-2 code, e.g. NL (repeatable; default all).")
        ] = [],  # noqa: B006
        region: Annotated[
            str | None, typer.Option("--region", help="Region, sub-region or continent of schemas/countries.csv.")
        ] = None,
        languages: Annotated[str, typer.Option("--languages", help="Languages of labels etc., e.g. en,fr.")] = "en",
        endpoint: Annotated[
            str | None, typer.Option("--endpoint", help="SPARQL endpoint (default https://query.wikidata.org/sparql).")
        ] = None,
        entity_base: Annotated[
            str | None,
            typer.Option("--entity-base", help="Entity IRI prefix of that service (default Wikidata's)."),
        ] = None,
        page_size: Annotated[int, typer.Option("--page-size", help="Items per details request.")] = 200,
        subclasses: Annotated[
            bool, typer.Option("--subclasses", help="Also instances of subclasses (wdt:P31/wdt:P279*; slower).")
        ] = False,
        restart: Annotated[bool, typer.Option("--restart", help="Ignore an unfinished run's checkpoint.")] = False,
        pause: Annotated[float, typer.Option("--pause", help="Seconds to wait between two requests.")] = 1.0,
        timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds to wait for one answer.")] = 70.0,
        retrieved: Annotated[
            str | None, typer.Option("--retrieved", help="Retrieved date for new content (default today).")
        ] = None,
        stated_in: Annotated[
            str | None,
            typer.Option("--stated-in", help="Item the references name as source (default Wikidata, Q2013)."),
        ] = None,
        idmap: Annotated[
            Path | None,
            typer.Option(
                "--idmap",
                help="The service is a Wikibase with its own numbering: translate ids through this id map "
                "(`glamkg wikibase bootstrap` writes it); its items get glamkg ids, recorded in the map. "
                "--entity-base gives the wiki's concept base if the map has none.",
                show_default=False,
            ),
        ] = None,
        evidence: Annotated[
            str | None,
            typer.Option(
                "--evidence",
                help="Import evidence of partnerships instead of institutions: residence, commons, affiliates or "
                "all, comma-separated (schemas/evidence.yaml, docs/evidence.md). commons reads the institutions of "
                "--type/--country; residence and affiliates are read worldwide.",
                show_default=False,
            ),
        ] = None,
        replace_others: ReplaceOthers = False,
        store: StoreOption = None,
        report_out: ReportOpt = None,
    ) -> None:
        """Fetch GLAM institutions from a Wikidata query service, page by page, into the store.

        With --evidence, fetch evidence of partnerships instead (Wikimedians in residence, Commons pages and
        categories of institutions, Wikimedia affiliates; docs/evidence.md): import the institutions first, as
        evidence counts only for institutions in the store.

        Resumable: after an interruption run the same command again; finished pages are not fetched again.
        Run it again later to refresh: changed items are updated and listed.
        """
        from kg.cli.progress import ProgressBar
        from kg.http import HttpClient
        from kg.wikidata import fetch as wf
        from kg.wikidata.checkpoint import Checkpoint
        from kg.wikidata.importer import WikidataImport, import_wikidata

        _check_report(report_out)
        if evidence is not None:
            if idmap is not None:
                raise InputError(
                    _("--evidence with --idmap: expected one of them (evidence is read from Wikidata's ids)"))
            _import_evidence(
                evidence,
                dict(types=type_, countries=country, region=region, languages=languages, endpoint=endpoint,
                     entity_base=entity_base, page_size=page_size, subclasses=subclasses, stated_in=stated_in),
                store=store, restart=restart, pause=pause, timeout=timeout, retrieved=retrieved,
                replace_others=replace_others, report_out=report_out,
            )
            return

        settings = WikidataImport.build(
            types=type_,
            countries=country,
            region=region,
            languages=languages,
            endpoint=endpoint,
            entity_base=None if idmap is not None else entity_base,  # with a map, queries speak Wikidata's ids
            page_size=page_size,
            subclasses=subclasses,
            stated_in=stated_in,
        )
        stderr = console.err
        renumbering = None
        if idmap is not None:
            from kg.model.idmap import IdMap
            from kg.query.renumbering import Renumbering
            from kg.wikidata.importer import on_the_wiki, wiki_item_id

            wiki_ids = IdMap.load(idmap, missing_ok=False)
            if entity_base:  # the wiki's concept base, for a map without one (the map is saved with it)
                from kg.query.renumbering import check_concept_base

                check_concept_base(entity_base, "--entity-base: ")
                if wiki_ids.concept_base and wiki_ids.concept_base != entity_base:
                    raise InputError(
                        _("--entity-base {base} and the id map {idmap}, whose concept base is "
                          "{concept_base}: expected the same wiki (leave --entity-base out)").format(
                            base=entity_base, idmap=idmap, concept_base=wiki_ids.concept_base)
                    )
                wiki_ids.concept_base = entity_base
            renumbering = Renumbering(wiki_ids, mint=wiki_item_id)
            settings, skipped = on_the_wiki(settings, wiki_ids)
            if skipped:
                stderr.print(
                    ngettext("{n} country has no item on the wiki (not in the id map {idmap}), skipped: ",
                             "{n} countries have no item on the wiki (not in the id map {idmap}), skipped: ",
                             len(skipped)).format(n=len(skipped), idmap=idmap)
                    + ", ".join(skipped[:SHOW_IDS]) + (" ..." if len(skipped) > SHOW_IDS else ""),
                    highlight=False,
                )
        stderr.print(
            ngettext("importing {types} in {n} country from {endpoint}",
                     "importing {types} in {n} countries from {endpoint}", len(settings.countries)).format(
                types=", ".join(settings.types), n=len(settings.countries), endpoint=settings.endpoint),
            highlight=False,
        )
        service = wf.Service(settings.endpoint, HttpClient(timeout=timeout), renumbering=renumbering)
        with (
            _open_store(store) as st,
            Checkpoint.for_store_dir(store_path(store)) as cp,
            ProgressBar(stderr, transient=False) as bar,
        ):
            try:
                report = import_wikidata(
                    st, settings, service=service, checkpoint=cp, restart=restart, pause=pause,
                    retrieved=retrieved, progress=bar, replace_others=replace_others,
                )
            except RemoteError as e:
                raise RemoteError(
                    _("{error} -- finished pages are kept; run the same command again to resume").format(error=e),
                    status=e.status,
                    retry_after=e.retry_after,
                    url=e.url,
                ) from None
        if renumbering is not None:
            renumbering.idmap.save()  # the glamkg ids given to the wiki's own items, for the next run
        if report.units_resumed:
            stderr.print(ngettext("resumed: {n} page was already done", "resumed: {n} pages were already done",
                                  report.units_resumed).format(n=report.units_resumed), highlight=False)
        if report.gone:
            stderr.print(ngettext("{n} listed item had no data any more (deleted or merged)",
                                  "{n} listed items had no data any more (deleted or merged)", len(report.gone)).format(
                                      n=len(report.gone)))
        if report.unrepresentable:
            stderr.print(ngettext("{n} value was unknown/no value or on another globe (left out)",
                                  "{n} values were unknown/no values or on another globe (left out)",
                                  report.unrepresentable).format(n=report.unrepresentable))
        if report.not_listed:
            stderr.print(
                ngettext("{n} item of the previous import is not listed any more (kept in the store): {ids}",
                         "{n} items of the previous import are not listed any more (kept in the store): {ids}",
                         len(report.not_listed)).format(
                    n=len(report.not_listed), ids=", ".join(report.not_listed[:SHOW_IDS])),
                highlight=False,
            )
        _print_report(stderr, report, report_out, {"requests": report.requests})

    @group.command("entities")
    def entities(
        file: Annotated[Path, typer.Argument(help="wbgetentities / Special:EntityData JSON (or JSON lines).")],
        idmap: Annotated[
            Path | None,
            typer.Option(
                "--idmap",
                help="The JSON comes from a Wikibase with its own numbering: translate its ids into glamkg's "
                "through this id map (the wiki's own items get glamkg ids, recorded in the map).",
                show_default=False,
            ),
        ] = None,
        replace_others: ReplaceOthers = False,
        store: StoreOption = None,
        report_out: ReportOpt = None,
    ) -> None:
        """Write entity JSON fetched elsewhere (Special:EntityData/Q42.json) into the store.

        An item already in the store keeps what loads wrote to it (their statements, other languages' terms)
        unless --replace-others; the report lists what was kept."""
        from kg.wikidata.importer import import_entities

        _check_report(report_out)
        wiki_ids = None
        if idmap is not None:
            from kg.model.idmap import IdMap

            wiki_ids = IdMap.load(idmap, missing_ok=False)
        from kg.model.entities import read_json

        entities = read_json(file)  # a file that cannot be read is an error before the store is opened
        with _open_store(store, one_write=True) as st:
            report = import_entities(st, entities, idmap=wiki_ids, replace_others=replace_others)
        if wiki_ids is not None:
            wiki_ids.save()
        for eid, _prop, why in report.skipped[:SHOW_IDS]:
            console.err.print(_("left out of {id}: {why}").format(id=eid, why=why), highlight=False, markup=False)
        _print_report(console.err, report, report_out)

    @group.command("impact")
    def impact(
        file: Annotated[Path, typer.Argument(help="An impact report: GLAMorous key figures (CSV/XLSX) or a Commons "
                                             "Impact Metrics category snapshot (TSV).")],
        format_: Annotated[
            str | None,
            typer.Option("--format", help="glamorous or cim_category_metrics (default: from the columns)."),
        ] = None,
        country: Annotated[
            str, typer.Option("--country", help="Country of the report's institutions (ISO code or QID), for "
                                                "matching by name when the Commons category does not match.")
        ] = "",
        strict: Annotated[
            bool, typer.Option("--strict", help="Refuse the whole file when a row is unmatched or ambiguous.")
        ] = False,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Match and check, write nothing.")] = False,
        store: StoreOption = None,
        report_out: Annotated[
            Path | None,
            typer.Option("--report", help="Also write the matches, unmatched and ambiguous rows and the file's "
                         "totals per measure and date as JSON here."),
        ] = None,
    ) -> None:
        """Import an impact tool's report: dated measures (files used, articles, ...) per institution.

        Rows are matched to institutions by Commons category (P373/P1612), else by name (+ --country);
        unmatched and ambiguous rows are listed and not written. A new report date adds values; the same
        report again changes nothing (docs/import.md, "Impact reports")."""
        from kg.gaps.impact import totals_from_store
        from kg.load.impact import import_report

        _check_report(report_out)
        with _open_store(store, one_write=True) as st:
            result = import_report(st, file, format=format_, country=country, strict=strict, dry_run=dry_run)
            stored = totals_from_store(st, result.contributions) if not dry_run else {}
        err = console.err
        fmt = result.report.format
        err.print(ngettext("{format}: {rows} row, report dates {dates}; matched {matched}, unmatched {unmatched}, "
                           "ambiguous {ambiguous}",
                           "{format}: {rows} rows, report dates {dates}; matched {matched}, unmatched {unmatched}, "
                           "ambiguous {ambiguous}", len(result.report.rows)).format(
                      format=fmt.title, rows=len(result.report.rows), dates=", ".join(result.dates()),
                      matched=len(result.matched), unmatched=len(result.unmatched), ambiguous=len(result.ambiguous)),
                  highlight=False, markup=False, soft_wrap=True)
        for n, cat, cands in result.ambiguous[:SHOW_IDS]:
            err.print(_("row {row}: ambiguous: category {category} -> {candidates} (not written)").format(
                row=n, category=repr(cat), candidates=", ".join(cands)), highlight=False, markup=False, soft_wrap=True)
        for n, cat, name in result.unmatched[:SHOW_IDS]:
            err.print(_("row {row}: unmatched: {name} / category {category} (not written)").format(
                row=n, name=name or _("(no name)"), category=repr(cat)), highlight=False, markup=False, soft_wrap=True)
        more = max(0, len(result.ambiguous) - SHOW_IDS) + max(0, len(result.unmatched) - SHOW_IDS)
        if more:
            err.print(ngettext("... and {n} more row not written (see --report)",
                               "... and {n} more rows not written (see --report)", more).format(n=more),
                      highlight=False)
        mismatched = [k for k, v in result.totals.items() if not dry_run and stored.get(k) != v]
        if mismatched:
            err.print(_("warning: the store's SPARQL SUM differs from the file's total for {keys}: the "
                        "store keeps values of that date, from an earlier import, that this file leaves empty").format(
                          keys=mismatched), highlight=False, markup=False, soft_wrap=True)
        elif result.totals and not dry_run:
            err.print(_("checked: the store's SPARQL SUM of every measure and date equals the file's total over the "
                        "rows written"), highlight=False, soft_wrap=True)
        if result.written is not None:
            err.print(_created(result.written.counts()), highlight=False)
        else:
            err.print(_("dry run: nothing written"), highlight=False)
        if report_out is not None:
            data = {
                "matched": [list(x) for x in result.matched],
                "unmatched": [list(x) for x in result.unmatched],
                "ambiguous": [[n, c, list(x)] for n, c, x in result.ambiguous],
                "totals": {f"{k}@{d}": str(v) for (k, d), v in sorted(result.totals.items())},
                "written": result.written.counts() if result.written is not None else None,
            }
            outfile.write_text(report_out, json.dumps(data, indent=1) + "\n", what="report")

    @group.command("dump")
    def dump(
        file: Annotated[Path, typer.Argument(help="N-Triples or Turtle (.nt, .ttl, .gz too), e.g. a glamkg export.")],
        store: StoreOption = None,
    ) -> None:
        """Add the triples of an RDF file to the store (a `glamkg export` of another store: to restore or move
        a store). The file is parsed completely first: a syntax error writes nothing."""
        with _open_store(store, one_write=True) as st:
            n = st.load_dump(file)
        console.err.print(ngettext("added {n} triple from {file}", "added {n} triples from {file}", n).format(
            n=f"{n:,}", file=file), highlight=False,
                          markup=False)

    @group.command("results")
    def results(
        file: Annotated[Path, typer.Argument(help="A saved WDQS result: SPARQL JSON (.json/.srj) or CSV (.csv).")],
        item_column: Annotated[str, typer.Option("--item-column", help="Column holding the items.")] = "item",
        language: Annotated[
            str, typer.Option("--language", help="Language of labels that carry no tag (CSV).")
        ] = "en",
        retrieved: Annotated[
            str | None, typer.Option("--retrieved", help="Retrieved date (default: the file's date).")
        ] = None,
        entity_base: Annotated[
            str | None, typer.Option("--entity-base", help="Entity IRI prefix if not Wikidata's.")
        ] = None,
        replace_others: ReplaceOthers = False,
        store: StoreOption = None,
        report_out: ReportOpt = None,
    ) -> None:
        """Import a saved query result; columns are mapped by name (see docs/import.md)."""
        from kg.wikidata import fetch as wf
        from kg.wikidata.result_import import import_results

        base = wf.entity_base(entity_base) if entity_base else None
        lang = wf.languages(language)[0]
        _check_report(report_out)
        with _open_store(store, one_write=True) as st:
            report = import_results(
                st, file, item_column=item_column, language=lang, retrieved=retrieved, entity_base=base,
                replace_others=replace_others,
            )
        _print_report(console.err, report, report_out)

"""``glamkg load FILE``: spreadsheet -> checked plan -> preview -> write; ``glamkg template KIND``."""

from __future__ import annotations

import importlib
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kg import outfile
from kg.cli import console
from kg.cli.options import StoreOption
from kg.cli.progress import ProgressBar
from kg.errors import Incomplete, InputError
from kg.i18n import N_, _, ngettext

MAX_SHOWN = 20


class TargetName(StrEnum):
    store = "store"
    quickstatements = "quickstatements"
    wikibase = "wikibase"


def _open_store(path: Path, *, write: bool) -> Any:
    from kg.store import Store

    if not write and not (path / "CURRENT").is_file():
        return Store.memory()  # nothing to reconcile against yet
    return Store.open(path, read_only=not write)


def _linker(spec: str, review_path: Path, threshold: float | None, target: str) -> Any:
    """The reconciliation of this load: the service (``--reconcile``), the review file's answers."""
    from kg.load.linking import Linker
    from kg.load.reconcile import Index
    from kg.load.remote import open_service
    from kg.load.review import Review

    service = open_service(spec)
    if service is not None and not service.wikidata and target != "wikibase":
        raise InputError(
            _("--reconcile {spec}: expected a service whose items are Wikidata's (their ids are what the store and "
              "QuickStatements use), found {name} with ids of its own; hint: to link rows to that wiki's "
              "items, load into it: --target wikibase --idmap FILE (its id map translates the ids)").format(
                spec=spec, name=service.name)
        )
    linker = Linker(Index(), service, Review.read(review_path), ask_local=target == "quickstatements")
    if threshold is not None:
        linker.threshold = threshold
    return linker


def _write_review(linker: Any, err: Console, note: str | None = None) -> None:
    """Write the review file; say where, and how many questions are open, unless quiet (a notice: a row whose
    question is open is a problem of the load, and its error names the file)."""
    written = linker.review.write()
    if written is not None and linker.review.questions and not console.quiet():
        open_ = sum(1 for k in linker.review.questions if k not in linker.review.answers)
        if note:
            err.print(_("note: {note}").format(note=note), highlight=False)
        err.print(
            ngettext("review file {path}: {n} open question; mark one line of it in its pick column and run the "
                     "same command with --review {path}",
                     "review file {path}: {n} open questions; mark one line of each in its pick column and run the "
                     "same command with --review {path}", open_).format(path=written, n=open_),
            highlight=False,
        )


def _unnamed(linker: Any) -> list[str]:
    """Candidates of a wiki with ids of its own that glamkg cannot name (their id means another item here)."""
    unnamed = list(dict.fromkeys(getattr(linker.service, "unnamed", None) or []))
    if not unnamed:
        return []
    more = len(unnamed) - MAX_SHOWN
    shown = ", ".join(unnamed[:MAX_SHOWN]) + (_(" and {n} more").format(n=more) if more > 0 else "")
    return [
        _("candidates left out: {ids}: their id on the wiki is also an id glamkg gives another item (a country, "
          "a class, Wikidata's item of that number), so a row or cell cannot be linked to them by id").format(ids=shown)
    ]


def _remote_target(
    name: str, output: Path | None, source: Path, idmap: Path | None, maxlag: int, *, create_new: bool = False
) -> Any:
    try:
        module = importlib.import_module(f"kg.load.targets.{name}")
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith("kg.load.targets"):
            raise InputError(
                _("--target {name}: this installation has no kg.load.targets.{name} module; "
                  "hint: use --target store, or install a glamkg version with that target").format(name=name)
            ) from None
        raise
    if name == "quickstatements":
        path = output or Path(source.stem + ".quickstatements.txt")
        return module.QuickStatementsTarget(path, create_new=create_new)
    # the resume journal lives with the id map (not with --plan-out): a resume finds it whatever plan file it writes
    return module.WikibaseTarget.from_env(idmap=idmap, maxlag=maxlag)


def _checked_url(text: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            _("--reference-url: expected an http(s) address like https://example.org/musea.csv, found {text}").format(
                text=repr(text))
        )
    return text.strip()


def _data(text: object) -> Text:
    """A cell of data (a label, a value): control characters shown, never obeyed; no rich markup."""
    return Text(console.printable(text))


def show_plan(console: Console, plan: Any, limit: int = MAX_SHOWN) -> None:
    """The preview: one line per item, then the statement and term changes of the changed items."""
    from kg.model.schema import model

    m = model()
    # the title names the sheet's path: one line however long (never folded to the table's width)
    title = _data(_("plan: {source} -> {target}").format(source=plan.source, target=plan.target))
    title.no_wrap, title.overflow = True, "ignore"
    items = Table(title=title, title_justify="left")
    for col in (_("action"), _("id"), _("label"), _("row"), _("match"), _("statements")):
        items.add_column(col, overflow="fold", no_wrap=col == _("id"))  # a narrow terminal folds the others
    style = {"create": "green", "update": "yellow", "unchanged": "dim"}
    shown = sorted(plan.items, key=lambda it: ({"create": 0, "update": 1, "unchanged": 2}[it.action], it.rows))
    for it in shown[:limit]:
        c = {"add": 0, "change": 0, "remove": 0}
        for s in it.statements:
            if s.action in c:
                c[s.action] += 1
        stmts = " ".join(f"{sym}{c[k]}" for k, sym in (("add", "+"), ("change", "~"), ("remove", "-")) if c[k])
        items.add_row(
            f"[{style[it.action]}]{it.action}[/]", it.id, _data(it.label), ",".join(map(str, it.rows)), it.match,
            stmts or "-",
        )
    console.print(items)
    if len(shown) > limit:
        console.print(ngettext("... and {n} more item (see --plan-out for all)",
                               "... and {n} more items (see --plan-out for all)", len(shown) - limit).format(
                                   n=len(shown) - limit),
                      highlight=False)
    changes = Table(title=_("statement and term changes"), title_justify="left")
    for col in (_("item"), _("change"), _("property"), _("value")):
        changes.add_column(col, overflow="fold", no_wrap=col == _("item"))
    n = 0
    for it in shown:
        if it.action == "unchanged":
            continue
        for t in it.terms:
            if t.action != "unchanged":
                n += 1
                if n <= limit * 3:
                    changes.add_row(
                        it.id,
                        t.action,
                        f"{t.term}@{t.language}",
                        _data(f"{t.old or ''} -> {t.new or ''}" if t.action == "change" else (t.new or t.old or "")),
                    )
        for s in it.changes():
            n += 1
            if n <= limit * 3:
                p = m.prop_by_id(s.prop)
                changes.add_row(it.id, _change_text(s), f"{p.key if p else s.prop} ({s.prop})", _data(s.value_text()))
    if n:
        console.print(changes)
        if n > limit * 3:
            console.print(ngettext("... and {n} more change", "... and {n} more changes", n - limit * 3).format(
                n=n - limit * 3), highlight=False)


#: what a statement's change changed, as the preview says it (kg.load.plan.StatementChange.changed)
_CHANGED = {"value": N_("value"), "qualifiers": N_("qualifiers"), "rank": N_("rank"), "references": N_("references")}


def _change_text(s: Any) -> str:
    """``add``, ``remove``, or ``change`` with what changed when it is not the value (``change: references``: the
    same value, its reference added or replaced)."""
    parts = s.changed()
    if not parts or "value" in parts:
        return str(s.action)
    return _("change: {parts}").format(parts=", ".join(_(_CHANGED[p]) for p in parts))


def _summary(counts: dict[str, int], rejected: int) -> str:
    return _("created {created}, updated {updated}, unchanged {unchanged}, rejected rows {rejected}").format(
        created=counts.get("created", 0), updated=counts.get("updated", 0), unchanged=counts.get("unchanged", 0),
        rejected=rejected,
    )


def load(
    file: Annotated[Path, typer.Argument(help="The spreadsheet: .csv, .tsv or .xlsx.", show_default=False)],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", "-m", help="YAML mapping file (columns -> model), or a workbook mapping (sheets:)."),
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="Item kind: institution, partner, partnership, contribution.")
    ] = None,
    target: Annotated[TargetName, typer.Option(help="Where to write.")] = TargetName.store,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and show the plan; write nothing.")] = False,
    plan_out: Annotated[
        Path | None, typer.Option("--plan-out", help="Write the plan to this .yaml/.json file.")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of a CSV/TSV file (default UTF-8).")] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (default: sniffed: , ; or tab).")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX worksheet name (default: the first visible one).")] = None,
    store: StoreOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="QuickStatements file to write (default: <FILE name>.quickstatements.txt)."
        ),
    ] = None,
    idmap: Annotated[
        Path | None,
        typer.Option(
            help="Wikibase id map (for --target wikibase; with --reconcile on that wiki, it translates the "
            "questions and the candidates' ids)."
        ),
    ] = None,
    reference_url: Annotated[
        str | None,
        typer.Option(
            "--reference-url",
            help="The source's address, for every statement's reference (overrides the mapping's reference.url; "
            "default file:<FILE name>, which the store keeps but a Wikibase and Wikidata refuse).",
            show_default=False,
        ),
    ] = None,
    maxlag: Annotated[
        int,
        typer.Option(
            "--maxlag",
            min=0,
            help="maxlag sent with every Wikibase request (seconds; 0 = do not send; for --target wikibase).",
        ),
    ] = 5,
    shacl_limit: Annotated[
        int, typer.Option(help="Run the pyshacl graph check for loads up to this many rows.")
    ] = 2_000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Worker processes converting NEW items to RDF for the store (default: up to 2 when 2,000 or "
            "more items are created, else none; 0: convert in this process). A sheet's new rows are written "
            "column by column in this process, without workers (docs/loading.md); workers convert the rest "
            "(updates, a saved plan, unknown values).",
            show_default=False,
        ),
    ] = None,
    reconcile: Annotated[
        str,
        typer.Option(
            "--reconcile",
            help="Link rows and named item cells the store does not know to items of Wikidata (`wikidata`: "
            "its W3C reconciliation service), of any W3C reconciliation service (its URL) or of a Wikibase "
            "(its api.php URL). `none` calls no service (the default: glamkg never calls one by itself).",
        ),
    ] = "none",
    review: Annotated[
        Path | None,
        typer.Option(
            "--review",
            help="Review file (CSV) of the questions reconciliation could not decide: read (the picks) and "
            "written again (default when there are questions: <FILE name>.review.csv next to FILE, or in the "
            "current folder when FILE's folder is not writable).",
            show_default=False,
        ),
    ] = None,
    match_threshold: Annotated[
        float | None,
        typer.Option(
            "--match-threshold",
            min=0,
            max=100,
            help="Score (0-100) from which a candidate is linked, when it is the only one (default: "
            "schemas/reconcile.yaml, 90).",
            show_default=False,
        ),
    ] = None,
    create_new: Annotated[
        bool,
        typer.Option(
            "--create-new",
            help="With --target quickstatements: CREATE the items that --reconcile wikidata found nowhere on "
            "Wikidata (others are skipped and listed).",
        ),
    ] = False,
    show: Annotated[int, typer.Option(help="Items shown in the preview.")] = MAX_SHOWN,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No preview, no progress and no notices (errors only).")
    ] = False,
) -> None:
    """Load a spreadsheet of institutions, partners, partnerships or contributions.

    Every row is checked first (against schemas/shapes.ttl) and ALL problems are listed with row and column;
    nothing is written unless every row is good. Rows are reconciled with existing items (id, ISIL, label +
    country), the plan (create / update / unchanged, per statement) is shown, then written in one
    transaction. Loading the same file again changes nothing.
    """
    from kg import config
    from kg import load as loader
    from kg.load.mapping import Mapping
    from kg.load.plan import check_path as plan_path
    from kg.load.problems import ValidationFailed
    from kg.load.targets.store import StoreTarget

    # with a plan or QuickStatements file on standard output (`-`), the preview and summary go to stderr
    to_stdout = any(p is not None and outfile.is_stdout(p) for p in (plan_out, output))
    out = console.err if to_stdout else console.out
    err = console.err
    from kg.load import workbook

    cm: Any
    if mapping is not None and workbook.is_workbook_file(mapping):
        if kind is not None:
            raise InputError(
                _("--kind {kind}: the workbook mapping {mapping} gives each sheet's kind; leave --kind out").format(
                    kind=kind, mapping=mapping))
        if sheet is not None:
            raise InputError(
                _("--sheet {sheet}: the workbook mapping {mapping} names the sheets it reads; leave --sheet "
                  "out").format(sheet=sheet, mapping=mapping))
        cm = workbook.Workbook.from_file(mapping)
    elif mapping is not None:
        cm = Mapping.from_file(mapping, kind=kind)
    elif kind is not None:
        cm = Mapping.default(kind)
    else:
        raise InputError(
            _("expected --kind KIND (institution, partner, partnership, contribution) or --mapping FILE "
              "with a `kind:`; found neither")
        )
    if reference_url is not None:
        from dataclasses import replace

        for m in [s.mapping for s in cm.sheets] if isinstance(cm, workbook.Workbook) else [cm]:
            m.reference = replace(m.reference, url=_checked_url(reference_url))
    quiet = quiet or console.quiet()  # glamkg --quiet load ...: the same as load --quiet
    if quiet:
        console.show_messages(quiet=True)
    # every output path is checked before anything is read, planned or written
    if plan_out is not None:
        outfile.check(plan_out, what="plan file")
        plan_path(plan_out)  # .yaml, .yml or .json: the format it is written in
    if target == TargetName.quickstatements:
        outfile.check(output or Path(file.stem + ".quickstatements.txt"), what="QuickStatements file")
    if create_new and target != TargetName.quickstatements:
        raise InputError(_("--create-new: expected --target quickstatements, found --target {target}").format(
            target=target.value))
    if review is not None:
        outfile.check(review, what="review file")
    from kg.load.review import default_path

    # the default is next to the sheet, and written only when there are questions
    review_path, review_note = (review, None) if review is not None else default_path(file)
    linker = _linker(reconcile, review_path, match_threshold, target.value)
    store_path = config.store_path(store)
    new_store = not (store_path / "CURRENT").is_file()  # created by this command: removed again if it fails
    st = _open_store(store_path, write=target == TargetName.store and not dry_run)
    failed = True
    written: dict[str, Any] | None = None
    beside: Any = None
    reporter = ProgressBar(err, "[bold]{task.description:<12}", quiet=quiet, lines="glamkg load")
    try:
        local = StoreTarget(st, workers=workers)
        tgt: Any = local
        if target != TargetName.store:
            tgt = _remote_target(target.value, output, file, idmap, maxlag, create_new=create_new)
        linker.index = local.index()
        if linker.service is not None and not linker.service.wikidata:  # a wiki with ids of its own: its id map
            from kg.load.remote import Renumbered

            api = tgt.api
            linker.service = Renumbered.over(
                linker.service,
                tgt.idmap,
                local.exists,
                lambda item_id: api.get_entities([item_id], props="info").get(item_id) is not None,
            )
        run = workbook.load_workbook if isinstance(cm, workbook.Workbook) else loader.load
        try:
            result = run(
                file,
                cm,
                tgt,
                dry_run=dry_run,
                plan_out=plan_out,
                index=linker.index,
                exists=local.exists,
                linker=linker,
                encoding=encoding,
                delimiter=delimiter,
                sheet_name=sheet,
                shacl_limit=shacl_limit,
                progress=reporter,
            )
        except ValidationFailed as e:
            reporter.stop()
            _write_review(linker, err, review_note)
            for w in _unnamed(linker):
                console.warn(w)
            out.print(_summary({}, e.rejected_count()) + _(" of {rows}; nothing was written").format(rows=e.rows),
                      highlight=False)
            raise
        reporter.stop()
        _write_review(linker, err, review_note)
        for w in _unnamed(linker):
            console.warn(w)
        for w in result.prepared.warnings:
            console.warn(w)
        if not quiet:
            show_plan(out, result.plan, show)
        if plan_out is not None and not outfile.is_stdout(plan_out):
            out.print(_("plan written to {path}").format(path=plan_out), highlight=False)
        if result.report is None:
            c = result.plan.counts()
            out.print(
                _("dry run: {summary}; nothing was written").format(
                    summary=_summary({"created": c["create"], "updated": c["update"], "unchanged": c["unchanged"]}, 0)),
                highlight=False,
            )
            failed = False
            return
        rep = result.report
        # the plan and the index of the load's rows are not needed any more: their memory (gigabytes at a million
        # rows) is free again for the derived tables (those of a streamed load were read already) and the closing
        del result
        from kg.load.reconcile import Index

        linker.index = Index()
        line = _summary(rep.counts(), 0)
        if rep.skipped:
            line += _(", skipped {n}").format(n=len(rep.skipped))
        out.print(line, highlight=False)
        for eid, why in rep.skipped[:MAX_SHOWN]:
            err.print(_("skipped {id}: {why}").format(id=eid, why=why), highlight=False)
        if len(rep.skipped) > MAX_SHOWN:
            err.print(ngettext("... and {n} more item skipped", "... and {n} more items skipped",
                               len(rep.skipped) - MAX_SHOWN).format(n=len(rep.skipped) - MAX_SHOWN), highlight=False)
        left_out = list(rep.details.get("skipped_edits") or [])
        if left_out:
            out.print(ngettext("{n} single edit left out (reasons on stderr)",
                               "{n} single edits left out (reasons on stderr)", len(left_out)).format(
                                   n=len(left_out)), highlight=False)
            for what, why in left_out[:MAX_SHOWN]:
                err.print(_("left out {what}: {why}").format(what=what, why=why), highlight=False)
            if len(left_out) > MAX_SHOWN:
                err.print(ngettext("... and {n} more edit left out", "... and {n} more edits left out",
                                   len(left_out) - MAX_SHOWN).format(n=len(left_out) - MAX_SHOWN), highlight=False)
        kept = list(rep.details.get("kept_terms") or [])
        if kept:
            out.print(
                ngettext("{n} label or description of a linked Wikidata item kept as Wikidata has it (glamkg "
                         "does not read it and does not overwrite it; docs/wikibase.md)",
                         "{n} labels and descriptions of linked Wikidata items kept as Wikidata has them (glamkg "
                         "does not read them and does not overwrite them; docs/wikibase.md)", len(kept)).format(
                             n=len(kept)),
                highlight=False,
            )
        if rep.output and not outfile.is_stdout(rep.output):
            out.print(_("wrote {path}").format(path=rep.output), highlight=False)
        elif rep.target == "quickstatements" and not rep.output:
            out.print(_("nothing to write: no QuickStatements file was written"), highlight=False)
        failed = False
        if local.maps_from_parts and not st.read_only:
            written = st.meta()  # the content the load left: the derived tables from its triples are for that only
            from kg.query import derivation

            beside = local.beside  # a streamed load read them from its copy as it settled (StoreTarget.write_stream)
            if beside is None:
                beside = derivation.Beside.make()
                if beside is not None:  # the map's tables from the triples the load kept, made beside the reads
                    beside.also = local.make_map_parts
                st.reads_at_close = beside  # the other tables' rows read as the store closes (beside a compaction)
        if rep.skipped or left_out:
            parts = [ngettext("{n} item", "{n} items", len(rep.skipped)).format(n=len(rep.skipped))
                     ] if rep.skipped else []
            parts += [ngettext("{n} single edit", "{n} single edits", len(left_out)).format(n=len(left_out))
                      ] if left_out else []
            raise Incomplete(
                ngettext("{what} was not written (reason above); "
                         "fix it and run the same load again: what was written is not written twice",
                         "{what} were not written (reasons above); "
                         "fix them and run the same load again: what was written is not written twice",
                         len(rep.skipped) + len(left_out)).format(what=_(" and ").join(parts))
            )
    finally:
        reporter.stop()
        st.close()
        if failed and new_store and st.path is not None:
            _remove_new_store(store_path)
        elif not failed and not st.read_only and st.path is not None:  # the store target wrote to disk
            from kg.query import derivation

            # the saved queries' derived tables for the new content: from the triples this load wrote into an
            # empty store when it has them (kg.load.targets.store), else read back through the engine
            map_parts = local.map_parts
            if written is None or map_parts is None or derivation.build_from_parts(
                    store_path, written, map_parts, beside) is None:
                derivation.refresh(store_path)


def _remove_new_store(path: Path) -> None:
    """A load that failed leaves no store where there was none (a failed load leaves things as they were)."""
    import shutil

    from kg.store import snapshots

    if (path / "CURRENT").is_file():
        shutil.rmtree(path, ignore_errors=True)
        shutil.rmtree(snapshots.folder(path), ignore_errors=True)
    if not path.exists():  # nor the lock files of a store that is not there (a write that began and was undone)
        for suffix in (".lock", ".gate.lock", ".readers.lock"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def template(
    kind: Annotated[
        str | None,
        typer.Argument(help="Item kind (institution, partner, partnership, contribution).", show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (or directory with --all) instead of printing."),
    ] = None,
    all_kinds: Annotated[
        bool, typer.Option("--all", help="Write every kind's template into a directory (default schemas/templates).")
    ] = False,
) -> None:
    """Print the spreadsheet template of an item kind: its columns and an example row."""
    from kg.load import templates
    from kg.model.schema import model

    if all_kinds:
        for p in templates.write_templates(output or templates.TEMPLATE_DIR):
            console.out.print(_("wrote {path}").format(path=p), highlight=False)
        return
    if kind is None:
        raise InputError(_("expected a kind ({kinds}) or --all; found neither").format(kinds=", ".join(model().kinds)))
    if kind not in model().kinds:
        raise InputError(_("expected a kind among {kinds}, found {kind}").format(
            kinds=", ".join(model().kinds), kind=repr(kind)))
    text = templates.template_text(kind)
    if output is not None:
        outfile.write_text(output, text)
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    app.command("load")(load)
    app.command("template")(template)

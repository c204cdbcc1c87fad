"""Run the 241 real WDQS queries of ../shared/conformance/wdqs-queries/ on a small local store and write
docs/wdqs-compatibility.md (how many run, and every other one with its reason).

    .venv/bin/python benchmarks/wdqs_report.py            # writes docs/wdqs-compatibility.md
    .venv/bin/python benchmarks/wdqs_report.py --check    # prints the summary only

tests/test_wdqs_conformance.py runs the same function (:func:`run_all`) and asserts on it.
"""

from __future__ import annotations

import argparse
import csv
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


SHARED = ROOT.parent / "shared"
QUERIES = SHARED / "conformance" / "wdqs-queries"
DOC = ROOT / "docs" / "wdqs-compatibility.md"

# A few items matching the patterns these queries use most (museums, libraries, archives in France, Italy,
# the Netherlands, Austria, Canada ...), with labels in several languages, so that the label service path,
# property paths and filters are exercised, not only parsed.
SAMPLE = r"""
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix p: <http://www.wikidata.org/prop/> .
@prefix ps: <http://www.wikidata.org/prop/statement/> .
@prefix pq: <http://www.wikidata.org/prop/qualifier/> .
@prefix wds: <http://www.wikidata.org/entity/statement/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix wikibase: <http://wikiba.se/ontology#> .
wd:Q33506 rdfs:label "museum"@en, "musée"@fr, "museo"@it ; wdt:P279 wd:Q1030034 .
wd:Q7075 rdfs:label "library"@en, "bibliothèque"@fr, "biblioteca"@it ; wdt:P279 wd:Q1030034 .
wd:Q166118 rdfs:label "archives"@en, "archives"@fr, "archivio"@it ; wdt:P279 wd:Q1030034 .
wd:Q28564 wdt:P279 wd:Q7075 ; rdfs:label "public library"@en .
wd:Q207694 wdt:P279 wd:Q33506 ; rdfs:label "art museum"@en .
<https://glamkg.invalid/entity/Q1000000000011> wdt:P279 wd:Q166118 ; rdfs:label "national archives"@en .
wd:Q2860456 wdt:P279 wd:Q166118 ; rdfs:label "archives départementales"@fr .
wd:Q142 rdfs:label "France"@en, "France"@fr ; wdt:P31 wd:Q6256 ; wdt:P297 "FR" .
wd:Q38 rdfs:label "Italy"@en, "Italia"@it ; wdt:P31 wd:Q6256 ; wdt:P297 "IT" .
wd:Q55 rdfs:label "Netherlands"@en ; wdt:P31 wd:Q6256 ; wdt:P297 "NL" .
wd:Q40 rdfs:label "Austria"@en, "Österreich"@de ; wdt:P31 wd:Q6256 .
wd:Q16 rdfs:label "Canada"@en ; wdt:P31 wd:Q6256 .
wd:Q90 rdfs:label "Paris"@en ; wdt:P31 wd:Q515 ; wdt:P17 wd:Q142 ; wdt:P131 wd:Q142 .
wd:Q176 rdfs:label "Quebec"@en ; wdt:P17 wd:Q16 .
wd:Q19675 wdt:P31 wd:Q207694 ; wdt:P17 wd:Q142 ; wdt:P131 wd:Q90 ; wdt:P625 "Point(2.3375 48.861)"^^geo:wktLiteral ;
  rdfs:label "Louvre Museum"@en, "musée du Louvre"@fr ; schema:description "art museum in Paris"@en ;
  skos:altLabel "Louvre"@en ; wdt:P571 "1793-08-10T00:00:00Z"^^xsd:dateTime ; wdt:P856 <https://www.louvre.fr/> ;
  wdt:P18 <http://commons.wikimedia.org/wiki/Special:FilePath/Louvre.jpg> ; wdt:P2003 "museelouvre" ;
  wdt:P791 "FR-751010101" ; wikibase:sitelinks 150 ; wikibase:statements 300 .
<https://en.wikipedia.org/wiki/Louvre> schema:about wd:Q19675 ; schema:isPartOf <https://en.wikipedia.org/> ;
  schema:inLanguage "en" ; schema:name "Louvre"@en .
wd:Q193509 wdt:P31 wd:Q28564 ; wdt:P17 wd:Q142 ; wdt:P131 wd:Q90 ; rdfs:label "Bibliothèque nationale"@fr ;
  wdt:P791 "FR-751131015" ; wdt:P625 "Point(2.3758 48.8336)"^^geo:wktLiteral .
wd:Q1000001 wdt:P31 wd:Q2860456 ; wdt:P17 wd:Q142 ; wdt:P131 wd:Q90 ; rdfs:label "Archives de Paris"@fr .
wd:Q1000002 wdt:P31 wd:Q7075 ; wdt:P17 wd:Q38 ; rdfs:label "Biblioteca civica"@it ; wdt:P791 "IT-RM0001" ;
  wdt:P625 "Point(12.49 41.89)"^^geo:wktLiteral ; wdt:P131 wd:Q220 .
wd:Q1000003 wdt:P31 wd:Q166118 ; wdt:P17 wd:Q40 ; rdfs:label "Stadtarchiv Wien"@de ; wdt:P131 wd:Q1741 .
wd:Q1000004 wdt:P31 wd:Q7075 ; wdt:P17 wd:Q16 ; wdt:P131 wd:Q176 ; rdfs:label "Bibliothèque de Québec"@fr .
wd:Q1000005 wdt:P31 wd:Q33506 ; wdt:P17 wd:Q55 ; rdfs:label "Museum zonder label in het Engels"@nl ;
  wdt:P625 "Point(4.9 52.37)"^^geo:wktLiteral .
wd:Q1000006 wdt:P31 wd:Q5 ; wdt:P106 wd:Q3809586 ; wdt:P21 wd:Q6581072 ; rdfs:label "A. Resident"@en ;
  p:P106 wds:Q1000006-1 .
wds:Q1000006-1 ps:P106 wd:Q3809586 ; pq:P108 wd:Q19675 ; pq:P580 "2019-01-01T00:00:00Z"^^xsd:dateTime .
"""


@dataclass
class Outcome:
    md5: str
    title: str
    ok: bool
    rows: int
    message: str


def sample_store() -> ox.Store:
    store = ox.Store()
    store.load(SAMPLE.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return store


def _titles() -> dict[str, str]:
    with (QUERIES / "index.csv").open(encoding="utf-8") as fh:
        return {row["md5"]: row["title"] for row in csv.DictReader(fh)}


class NetworkAttempt(AssertionError):
    pass


def _no_network(*args: object, **kwargs: object) -> None:
    raise NetworkAttempt(f"network access attempted: {args!r}")


def run_all(directory: Path = QUERIES, store: ox.Store | None = None) -> list[Outcome]:
    """Run every query file as a researcher does: ``glamkg query run FILE --format json`` (in this process,
    through :func:`kg.cli.main`) on an on-disk store holding :data:`SAMPLE`, every socket connection refused.

    A query that runs exits 0; one that cannot exits 2 with one ``error:`` line (the InputError); any other
    exit code or exception propagates as a failure of the caller."""
    import contextlib
    import io
    import json
    import tempfile

    from kg.cli import main as cli
    from kg.store import Store, raw

    titles = _titles()
    out = []
    saved = (socket.socket.connect, socket.create_connection)
    with tempfile.TemporaryDirectory(prefix="glamkg-wdqs-report-") as tmp:
        store_dir = Path(tmp) / "store"
        with Store.open(store_dir) as st:
            raw(st).load(SAMPLE.encode("utf-8"), format=ox.RdfFormat.TURTLE)
        socket.socket.connect = _no_network  # type: ignore[method-assign,assignment]
        socket.create_connection = _no_network  # type: ignore[assignment]
        try:
            for path in sorted((directory / "queries").glob("*.rq")):
                stdout, stderr = io.StringIO(), io.StringIO()
                args = ["query", "run", str(path), "--store", str(store_dir), "--format", "json"]
                with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    code = cli(args)
                title = titles.get(path.stem, "")
                if code == 0:
                    out.append(Outcome(path.stem, title, True, len(json.loads(stdout.getvalue())), ""))
                elif code == 2:
                    message = " ".join(stderr.getvalue().split()).removeprefix("error: ")
                    out.append(Outcome(path.stem, title, False, 0, message))
                else:
                    raise AssertionError(f"{path.name}: exit {code}: {stderr.getvalue()}")
        finally:
            socket.socket.connect, socket.create_connection = saved  # type: ignore[method-assign,assignment]
    return out


#: failure reasons a query may have: WDQS refuses it too, or it needs the network
ACCEPTED = frozenset(
    {
        "federated SERVICE to another endpoint",
        "SERVICE wikibase:mwapi (MediaWiki API)",
        "WDQS user-interface placeholder",
        "syntax error (truncated query)",
        "syntax error (also on WDQS)",
    }
)


def _category(message: str) -> str:
    for needle, name in [
        ("federated query", "federated SERVICE to another endpoint"),
        ("wikibase:mwapi", "SERVICE wikibase:mwapi (MediaWiki API)"),
        ("AUTO_COORDINATES", "WDQS user-interface placeholder"),
        ("list of languages", "label service without a language"),
        ("rebinds", "BIND rebinding a bound variable (Blazegraph-only)"),
        ("function <", "unsupported custom function"),
        ("is not declared", "undeclared prefix"),
        ("unbalanced braces", "syntax error (truncated query)"),
        ("syntax error", "syntax error (also on WDQS)"),
    ]:
        if needle in message:
            return name
    return "other"


def write_doc(outcomes: list[Outcome], seconds: float) -> str:
    ok = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    cats = Counter(_category(o.message) for o in failed)
    lines = [
        "# WDQS compatibility of the local store",
        "",
        "Generated by `benchmarks/wdqs_report.py` (do not edit by hand); asserted by",
        "`tests/test_wdqs_conformance.py`.",
        "",
        f"The {len(outcomes)} real queries written by Wikidata editors in",
        "`../shared/conformance/wdqs-queries/` (CC BY-SA 4.0, from",
        "github.com/JervenBolleman/wikibase-sparql-examples) were run as a researcher runs them:",
        "`glamkg query run FILE --format json --store STORE`, each file as it is in the collection (its own",
        "`# title:`/`# source-page:` comment lines included: WDQS magic comments are comments), on an on-disk",
        "store of matching items (museums, libraries and archives with labels in several languages), with",
        "every socket connection refused, locale unset (`[AUTO_LANGUAGE]` is then `en`).",
        "",
        f"- **{len(ok)} of {len(outcomes)} run** ({100 * len(ok) / len(outcomes):.1f} %), "
        f"{sum(1 for o in ok if o.rows)} of them return at least one row on the sample store.",
        f"- {len(failed)} fail with exit code 2 and one error line that names the construct and its line; no "
        "other exit code, no traceback and no network attempt.",
        f"- Run time for all of them: {seconds:.1f} s.",
        "",
        "What the local store does for these queries (see `kg/query/wdqs.py`): declares the standard WDQS prefixes",
        "when missing; rewrites `SERVICE wikibase:label` into standard SPARQL (RULES.md sec. 13);",
        "rewrites `SERVICE wikibase:around` / `wikibase:box` into distance / box filters; provides",
        "`geof:distance` and `wikibase:decodeUri` as custom functions; renames `(SAMPLE(?x) AS ?x)` aliases;",
        "adds projected `?xLabel` variables to `GROUP BY` when `?x` is grouped; drops `hint:` triples;",
        "`[AUTO_LANGUAGE]` is the user's language (`--auto-language`, else the locale, else `en`; `en` as",
        "fallback). Blazegraph-only syntax is rewritten (`kg/query/wdqs_blazegraph.py`): named subqueries",
        "(`WITH { ... } AS %name` / `INCLUDE %name`), XPath functions under `fn:`, `BIND` rebinding a bound",
        "variable, `SELECT DISTINCT distinct`, `SERVICE <https://query.wikidata.org/sparql>` (answered by the",
        "local store, which stands in for WDQS; nothing is sent) and the `:` wikitext indentation of a query",
        "copied from a wiki page's source. WDQS magic comments (`#title:`, `#defaultView:`) are comments; the",
        "title heads the result.",
        "",
        "## Failures by reason",
        "",
        "| reason | queries |",
        "|---|---|",
    ]
    lines += [f"| {name} | {n} |" for name, n in cats.most_common()]
    lines += ["", "## Every failing query", "", "| query | title | reason |", "|---|---|---|"]
    for o in failed:
        title = o.title.replace("|", "\\|")[:70]
        msg = o.message.replace("|", "\\|").replace("\n", " ")
        if len(msg) > 260:
            msg = msg[:260] + "..."
        lines.append(f"| `{o.md5}` | {title} | {msg} |")
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="print the summary, do not write the doc")
    args = ap.parse_args()
    if not QUERIES.exists():
        print(f"{QUERIES} not found (../shared/ is absent)", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    outcomes = run_all()
    seconds = time.perf_counter() - t0
    ok = sum(o.ok for o in outcomes)
    print(f"{ok}/{len(outcomes)} WDQS queries run locally ({100 * ok / len(outcomes):.1f} %) in {seconds:.1f} s")
    if not args.check:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(write_doc(outcomes, seconds), encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

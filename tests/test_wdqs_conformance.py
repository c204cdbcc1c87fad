"""The 241 real WDQS queries of ../shared/conformance/wdqs-queries/, run through `glamkg query run FILE` as a
researcher runs them, on a small on-disk store: at least 97 % run; every other one exits 2 with one error line
naming the construct and its line, and is a construct WDQS also rejects or one that needs the network."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import wdqs_report  # noqa: E402


@pytest.mark.slow
def test_real_wdqs_queries_run_locally() -> None:
    if not (wdqs_report.QUERIES / "queries").exists():
        pytest.skip(f"{wdqs_report.QUERIES} not found (../shared/ is absent)")
    outcomes = wdqs_report.run_all()  # a network attempt, a traceback or an exit code other than 0/2 fails here
    assert len(outcomes) == 241
    ok = [o for o in outcomes if o.ok]
    assert len(ok) / len(outcomes) >= 0.97, f"only {len(ok)}/{len(outcomes)} run"
    for o in outcomes:
        if not o.ok:
            assert re.search(r"\bline \d+", o.message), f"{o.md5}: failure does not name a line: {o.message}"
            # only what WDQS refuses too (syntax errors, its UI's placeholders) or what needs the network
            assert wdqs_report._category(o.message) in wdqs_report.ACCEPTED, f"{o.md5}: {o.message}"
    # the label service path is exercised, not only parsed: some queries return rows with labels
    assert sum(1 for o in ok if o.rows) >= 30
    # the committed report is up to date with the outcome counts
    doc = wdqs_report.DOC.read_text(encoding="utf-8")
    assert f"**{len(ok)} of {len(outcomes)} run**" in doc
    for o in outcomes:
        if not o.ok:
            assert o.md5 in doc


def test_sample_store_labels_resolve_through_the_service() -> None:
    from kg.query import wdqs
    store = wdqs_report.sample_store()
    df = wdqs.run_local(
        store,
        """SELECT ?item ?itemLabel WHERE { ?item wdt:P31/wdt:P279* wd:Q166118 .
           SERVICE wikibase:label { bd:serviceParam wikibase:language "[AUTO_LANGUAGE],en,fr". } } ORDER BY ?item""",
    )
    assert dict(zip(df["item"], df["itemLabel"], strict=True)) == {
        "Q1000001": "Archives de Paris",
        "Q1000003": "Q1000003",  # only a German label: falls back to the id
    }

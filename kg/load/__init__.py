"""The volunteers' load path: spreadsheet -> mapping -> validation -> reconciliation -> plan -> target.

Owns: reading sheets (:mod:`~kg.load.sheet` CSV/TSV, :mod:`~kg.load.xlsx` workbooks, :mod:`~kg.load.rows` what
both give), column mappings (:mod:`~kg.load.mapping`, :mod:`~kg.load.numbers`, :mod:`~kg.load.cells`), located
problems (:mod:`~kg.load.problems`), SHACL validation (:mod:`~kg.load.validate`, :mod:`~kg.load.shapes`),
reconciliation with the store (:mod:`~kg.load.reconcile`) and with a remote Wikibase (:mod:`~kg.load.remote`:
W3C reconciliation services and the Wikibase API; :mod:`~kg.load.linking`: rows and item cells by name;
:mod:`~kg.load.review`: the review file; settings in ``schemas/reconcile.yaml``), the plan
(:mod:`~kg.load.plan`; a sheet's new rows as columns for the store target: :mod:`~kg.load.newrows`), the pipeline
that ties them (:mod:`~kg.load.pipeline`; a sheet of new rows streamed into an empty store: :mod:`~kg.load.stream`),
workbooks of several kinds in
one load (:mod:`~kg.load.workbook`), templates (:mod:`~kg.load.templates`) and the write targets
(:mod:`kg.load.targets`: store, Wikibase, QuickStatements), and the impact tools' reports
(:mod:`~kg.load.impact_read` reads them, :mod:`~kg.load.impact` matches their rows and writes dated measures).

May import: :mod:`kg.model`, :mod:`kg.rdf`, :mod:`kg.store`, :mod:`kg.query`, rdflib/pyshacl, openpyxl,
the top-level infrastructure. The pipeline talks to targets only through :class:`kg.load.targets.base.Target`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg import lazy_face

if TYPE_CHECKING:
    from kg.load.pipeline import LoadResult, Prepared, merge, prepare
    from kg.load.stream import load

__all__ = ["LoadResult", "Prepared", "load", "merge", "prepare"]
__getattr__, __dir__ = lazy_face(__name__, {"kg.load.pipeline": ["LoadResult", "Prepared", "merge", "prepare"],
                                            "kg.load.stream": ["load"]})

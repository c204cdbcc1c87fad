"""Bringing real institutions in from Wikidata (or any Wikibase query service), or from saved files.

Owns: the import (:mod:`~kg.wikidata.importer`), paged polite fetching from a query service
(:mod:`~kg.wikidata.fetch`), the resume checkpoint (:mod:`~kg.wikidata.checkpoint`) and saved SPARQL result
files as items (:mod:`~kg.wikidata.result_import`), and evidence of partnerships (Wikimedians in residence,
Commons pages and categories, Wikimedia affiliates: :mod:`~kg.wikidata.evidence`, its queries
:mod:`~kg.wikidata.evidence_queries`, docs/evidence.md from :mod:`~kg.wikidata.evidence_doc`).

May import: :mod:`kg.model`, :mod:`kg.rdf`, :mod:`kg.store`, :mod:`kg.query`, the top-level infrastructure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg import lazy_face

if TYPE_CHECKING:
    from kg.wikidata.evidence import EvidenceImport, import_evidence
    from kg.wikidata.importer import ImportReport, WikidataImport, import_entities, import_wikidata
    from kg.wikidata.result_import import import_results

_HOMES = {
    "kg.wikidata.evidence": ["EvidenceImport", "import_evidence"],
    "kg.wikidata.importer": ["ImportReport", "WikidataImport", "import_entities", "import_wikidata"],
    "kg.wikidata.result_import": ["import_results"],
}
__all__ = [
    "EvidenceImport",
    "ImportReport",
    "WikidataImport",
    "import_entities",
    "import_evidence",
    "import_results",
    "import_wikidata",
]
__getattr__, __dir__ = lazy_face(__name__, _HOMES)

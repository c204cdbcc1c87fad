"""Load targets: where a checked plan is written. One interface (:class:`~kg.load.targets.base.Target`).

- :mod:`~kg.load.targets.store`: the embedded store (the default), in one all-or-nothing write;
- :mod:`~kg.load.targets.wikibase` (+ :mod:`~kg.load.targets.wikibase_api`,
  :mod:`~kg.load.targets.wikibase_bootstrap`): a real Wikibase (never Wikidata) through its action API;
- :mod:`~kg.load.targets.quickstatements`: a QuickStatements v1 file for edits to Wikidata items.

May import: :mod:`kg.model`, :mod:`kg.rdf`, :mod:`kg.store`, :mod:`kg.load.plan` and the top-level
infrastructure; never the pipeline (:mod:`kg.load.pipeline`), which imports the targets.
"""

"""glamkg: a Wikibase-shaped knowledge graph of GLAM institutions and their Wikimedia partnerships."""

__version__ = "0.1.0"

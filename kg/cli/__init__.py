"""The ``glamkg`` command line: the app (:mod:`~kg.cli.app`) and one module per noun (store, query, load,
wikibase, gaps, dashboard, importer), the shared options and progress bar, and the generated reference
(:mod:`~kg.cli.doc`, ``docs/cli.md``).

May import: every other part, typer and rich. It is the only part that imports typer or rich; the parts
below report progress through callbacks and messages through :mod:`logging`, which the CLI shows.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (the console script ``glamkg``; imports the commands lazily)."""
    from kg.cli.app import main as run

    return run(argv)


__all__ = ["main"]

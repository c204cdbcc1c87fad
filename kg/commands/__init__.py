"""Command groups of the ``glamkg`` CLI, one module per noun."""

from __future__ import annotations

import importlib

import typer

# Each module defines ``register(app: typer.Typer) -> None``.
MODULES = ["store", "query", "load", "wikibase", "gaps", "dashboard", "importer"]


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        module = importlib.import_module(f"kg.commands.{name}")
        module.register(app)

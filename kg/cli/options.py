"""Options that several commands share, declared once (help text, defaults and checks stay the same everywhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="Store directory (default: $GLAMKG_STORE, else ./glamkg-data).", show_default=False),
]

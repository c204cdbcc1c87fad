"""Commands of this group are not written yet (see the open issues)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    return None

"""Settings that every command resolves the same way."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_STORE = Path("glamkg-data")
STORE_ENV = "GLAMKG_STORE"


def store_path(option: str | Path | None = None) -> Path:
    """``--store PATH``, else ``$GLAMKG_STORE``, else ``./glamkg-data``."""
    if option:
        return Path(option)
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env)
    return DEFAULT_STORE

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


# The folders users look at stay at the top of the checkout (schemas/, queries/, dashboards/); the wheel
# carries them inside the package as kg.schemas, kg.queries and kg.dashboards (setup.py maps them).
# One file each folder always holds, to find the folder from a namespace package's resources.
RESOURCES = {"schemas": "model.yaml", "queries": "institutions_per_country.rq", "dashboards": "app.py"}


def resource_dir(name: str) -> Path:
    """The folder of glamkg's own ``schemas``, ``queries`` or ``dashboards``, installed or in a checkout.

    Read through :mod:`importlib.resources` from an installed wheel (``kg.<name>``); from a checkout or an
    editable install, the top-level folder beside ``kg/``.
    """
    if name not in RESOURCES:
        raise ValueError(f"unknown resource folder {name!r}; expected one of {', '.join(RESOURCES)}")
    import importlib.resources

    try:
        found = importlib.resources.files(f"kg.{name}")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / name
    if isinstance(found, Path):
        return found
    # a namespace package (the folders hold no __init__.py): its children are real files of the wheel
    return Path(str(found.joinpath(RESOURCES[name]))).parent

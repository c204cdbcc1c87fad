"""glamkg: a Wikibase-shaped knowledge graph of GLAM institutions and their Wikimedia partnerships.

The sub-packages are the architecture (docs/architecture.md)::

    model <- rdf <- store <- query <- load, wikidata <- gaps <- dashboard, cli

Each part's ``__init__`` says what it owns and what it may import, and names its public face in
``__all__``. Faces are lazy (:func:`lazy_face`): ``import kg.model.ids`` does not import pandas, streamlit or
the rest of a part, so that the command line starts at once. Cross-cutting infrastructure stays here at the
top: :mod:`kg.errors`, :mod:`kg.config`, :mod:`kg.http`, :mod:`kg.outfile`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__version__ = "0.1.0"


def lazy_face(
    package: str, homes: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a part's face: ``homes`` maps each module to the public names it
    defines for the face.

    A name is imported on first use and then kept on the package (PEP 562), so ``from kg.store import Store``
    costs what importing :mod:`kg.store.store` costs, and ``import kg.store.swap`` nothing more.
    """

    names = {name: module for module, defined in homes.items() for name in defined}

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__

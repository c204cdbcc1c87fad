"""Fixtures shared by every test module."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Put ``sys.modules["__main__"]`` back after each test.

    Streamlit's script runner (AppTest) installs the page script as ``__main__`` and leaves it there; a
    process started later with the ``spawn`` method would then re-run that page instead of importing pytest.
    """
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main

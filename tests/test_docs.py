"""The docs match the code: the generated CLI reference is current and every relative link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.cli import doc as clidoc

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_cli_reference_is_current() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == clidoc.markdown(), "docs/cli.md is stale: run `python -m kg.cli.doc > docs/cli.md`"


def test_cli_reference_lists_every_command() -> None:
    text = clidoc.markdown()
    for command in ("init", "stats", "export", "rdf", "load", "gaps", "demo", "dashboard", "up", "query run"):
        assert f"`glamkg {command}`" in text, command


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_resolve(doc: Path) -> None:
    broken = []
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        if not (doc.parent / target).exists():
            broken.append(target)
    assert not broken, f"{doc.relative_to(ROOT)} links to missing files: {broken}"

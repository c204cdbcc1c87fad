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


def test_settings_reference_is_current():
    from kg import config

    committed = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert committed == config.markdown(), "docs/settings.md is stale: run `python -m kg.config > docs/settings.md`"


def test_the_environment_is_read_only_through_the_settings_table():
    """Every environment variable glamkg reads is a row of kg.config.SETTINGS (copying the environment for a
    child process is not reading it)."""
    reads = re.compile(r"os\.environ\.get\(|os\.environ\[|os\.getenv\(|environ\.get\(")
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in (ROOT / "kg").rglob("*.py")
        if p.name != "config.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if reads.search(line)
    ]
    assert found == []
    from kg import config

    documented = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert all(f"`{s.env}`" in documented for s in config.SETTINGS)

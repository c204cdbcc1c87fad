"""The folders are the architecture: docs/architecture.md's tree, the parts' faces and the size rules stay true."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KG = ROOT / "kg"
PARTS = sorted(p.name for p in KG.iterdir() if p.is_dir() and (p / "__init__.py").exists())
MAX_LINES = 700


def _tree_entries() -> dict[str, str]:
    """The `kg/` tree of docs/architecture.md: entry name -> its line."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("```\nkg/\n", 1)[1].split("```", 1)[0]
    return {m.group(1): m.group(0) for m in re.finditer(r"^  (\S+?)/?\s{2,}.*$", block, re.M)}


def test_every_part_is_in_the_documented_tree_and_nothing_else():
    entries = _tree_entries()
    documented_parts = sorted(name for name in entries if (KG / name).is_dir())
    assert documented_parts == PARTS
    modules = sorted(p.name for p in KG.glob("*.py"))
    assert sorted(n for n in entries if n.endswith(".py")) == modules
    for name in entries:
        assert (KG / name).exists(), f"docs/architecture.md lists kg/{name}, which does not exist"


def test_the_top_level_stays_small():
    entries = [p.name for p in KG.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 16, sorted(entries)


@pytest.mark.parametrize("part", PARTS)
def test_each_part_says_what_it_owns_and_may_import(part):
    module = importlib.import_module(f"kg.{part}")
    doc = module.__doc__ or ""
    assert len(doc.split()) >= 15, f"kg.{part} needs a docstring saying what it owns"
    assert "May import" in doc, f"kg/{part}/__init__.py must say what it may import"


@pytest.mark.parametrize("part", PARTS)
def test_each_face_names_what_it_exports_and_each_name_resolves(part):
    module = importlib.import_module(f"kg.{part}")
    names = getattr(module, "__all__", None)
    assert names, f"kg.{part} has no public face (__all__)"
    for name in names:
        value = getattr(module, name)
        assert value is not None
        if inspect.isclass(value) or inspect.isfunction(value):
            home = value.__module__
            assert home.startswith(f"kg.{part}"), f"kg.{part}.{name} comes from {home}, outside the part"
    with pytest.raises(AttributeError, match="no attribute"):
        module.no_such_name  # noqa: B018


def test_no_module_is_over_the_size_limit():
    too_long = {
        str(p.relative_to(ROOT)): n
        for p in KG.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, f"split these modules by noun (over {MAX_LINES} lines): {too_long}"


def test_faces_declare_for_type_checkers_what_they_resolve_at_run_time():
    """Each lazy face imports under TYPE_CHECKING exactly the names its table resolves (mypy sees the same)."""
    for part in PARTS:
        tree = ast.parse((KG / part / "__init__.py").read_text(encoding="utf-8"))
        typed: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
                for imp in node.body:
                    if isinstance(imp, ast.ImportFrom):
                        typed.update(a.asname or a.name for a in imp.names)
        exported = set(importlib.import_module(f"kg.{part}").__all__)
        if typed:  # parts whose face is plain functions (kg.cli) need no typing block
            assert typed == exported, part


def test_no_import_cycles_among_kg_modules():
    """Tarjan's strongly connected components over grimp's import graph (lazy and TYPE_CHECKING imports too)."""
    grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (the dev extras)")
    graph = grimp.build_graph("kg")
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                cycles.append(sorted([v, *component]))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    assert cycles == []

"""Oxigraph's plan of a saved query as the local store evaluates it: the text the engine gets, and its explanation.

    .venv/bin/python benchmarks/explain_saved_query.py NAME [--param k=v ...]                 # the text only
    .venv/bin/python benchmarks/explain_saved_query.py NAME --store S [--stats] [--param k=v]  # and the plan

pyoxigraph has no ``explain``; the ``oxigraph`` binary (``oxigraph query --explain-file``) has. This prints the
text ``glamkg query run`` hands to the engine (parameters as VALUES blocks where the local path puts them, WDQS
rewrites applied; substitutions of projected variables listed) and, with ``--store``, runs it with the binary on
a copy of the store in a temporary folder (the binary opens a store for writing; the copy keeps the store and its
derived tables' key untouched) and prints the plan as an indented tree: operator, rows, seconds. ``--stats``
counts rows and times each operator (several times slower than a plain run: read the proportions, not the
seconds). Used for issue 19 (docs/notes.md): the label OPTIONALs of ``partnerships_active_in_year`` are
for-loop joins (``ForLoopLeftJoin``), not hash joins over every label.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from kg.query import saved, wdqs
from kg.query.sparql_text import query_form


def engine_text(name: str, params: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The text the local store evaluates for the saved query ``name`` with ``params`` (as
    :func:`kg.query.saved.run` prepares it), and the substitutions it passes beside it (variable -> term)."""
    q = saved.resolve_query(name)
    bound = saved.bind_values(q, params)
    text = saved.with_limit(saved.with_local_base(q.text), q, params)
    projected = set(wdqs.projected_variables(text)) if query_form(text) == "SELECT" else set()
    lists = {k: v for k, v in bound.items() if len(v) != 1 or k not in projected}
    singles = {k: str(v[0]) for k, v in bound.items() if k not in lists}
    if lists:
        text = saved.with_values_block(text, lists, in_optionals=False)
    return wdqs.translate(text).text, singles


def tree(node: dict[str, Any], depth: int = 0) -> list[str]:
    """The plan's nodes, one a line, indented by depth: name, then rows and seconds where the binary gave them."""
    figures = []
    if "number of results" in node:
        figures.append(f"{node['number of results']:,} rows")
    if "duration in seconds" in node:
        figures.append(f"{node['duration in seconds']:.3f} s")
    line = "  " * depth + node.get("name", "?") + (f"   [{', '.join(figures)}]" if figures else "")
    return [line] + [x for child in node.get("children", []) for x in tree(child, depth + 1)]


def explain(exe: Path, store: Path, text: str, *, stats: bool) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="glamkg-explain-") as tmp:
        copy = Path(tmp) / "store"
        shutil.copytree(store, copy)
        (Path(tmp) / "query.rq").write_text(text, encoding="utf-8")
        args = [str(exe), "query", "--location", str(copy), "--query-file", str(Path(tmp) / "query.rq"),
                "--results-file", str(Path(tmp) / "answer.tsv"), "--explain-file", str(Path(tmp) / "plan.json")]
        subprocess.run(args + (["--stats"] if stats else []), check=True, stdout=subprocess.DEVNULL)
        plan = json.loads((Path(tmp) / "plan.json").read_text(encoding="utf-8"))
    return tree(plan.get("plan", plan))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", help="a saved query's name or a .rq file")
    ap.add_argument("--param", action="append", default=[], metavar="K=V", help="a parameter, as `query run` takes")
    ap.add_argument("--store", type=Path, help="explain on a copy of this store (a folder `glamkg demo` wrote)")
    ap.add_argument("--stats", action="store_true", help="rows and seconds per operator (slower)")
    ap.add_argument("--oxigraph", type=Path, help="the oxigraph binary (default: beside this Python, else on PATH)")
    args = ap.parse_args(argv)
    params = {}
    for p in args.param:
        if "=" not in p:
            ap.error(f"--param: expected K=V, found {p!r}")
        k, v = p.split("=", 1)
        params[k] = v
    text, singles = engine_text(args.name, params)
    print(text)
    if singles:
        print(f"# substitutions (SEP-0007): {singles}")
    if args.store is None:
        return 0
    exe = args.oxigraph or next((p for p in (Path(sys.executable).parent / "oxigraph",) if p.exists()), None)
    found = exe or (Path(w) if (w := shutil.which("oxigraph")) else None)
    if found is None:
        print("no oxigraph binary: give --oxigraph PATH (./run.sh test installs one into .venv/bin)", file=sys.stderr)
        return 2
    if singles:
        print("note: the binary runs the text without the substitutions above (their variables stay unbound)",
              file=sys.stderr)
    print("\n".join(["", "# plan", *explain(found, args.store, text, stats=args.stats)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

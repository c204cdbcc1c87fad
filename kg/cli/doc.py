"""The command-line reference (`docs/cli.md`), generated from the ``glamkg`` command itself.

The text comes from each command's help and each option's declaration, so the reference cannot drift from
the code: ``tests/test_docs.py`` regenerates it and compares it with the committed file.
Regenerate with ``python -m kg.cli.doc > docs/cli.md``.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import typer

HEADER = """# Command-line reference

Generated from the `glamkg` command by `python -m kg.cli.doc > docs/cli.md`; `tests/test_docs.py` keeps it in
step with the code. Every command that reads or writes the store finds it the same way: `--store PATH`, else
`$GLAMKG_STORE`, else `./glamkg-data`. Exit codes: 0 ok, 1 failure, 2 bad input, 3 store problem, 4 remote
problem, 5 incomplete (some items were not written; each is listed with its reason).

Languages: every message of the command line (summaries, warnings, notes, errors, the progress phases, the
tables of `load`, `stats`, `gaps` and `query list`) and what the parts below it put into errors and a sheet's
problems (`row 2, column 'start': expected a date like 2021-05, found ...; hint: ...`, the summary line) come in
English, French, Spanish or Arabic: `--lang fr` (before or after the command), else the locale environment as
gettext reads it (`LANGUAGE`, then `LC_ALL`, `LC_MESSAGES`, `LANG`), else English; `tests/test_cli_languages.py`
fails on a message written as a bare English literal anywhere in `kg/`. Still in English: the help texts below,
the column names of query answers (they are the query's variables), values as they were found, and what other
programs say inside a translated sentence (Oxigraph's syntax errors, a server's answer, the operating system's
error, a YAML parser's). Adding a language: docs/translating.md.
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _param_row(param: Any, ctx: Any) -> str:
    record = param.get_help_record(ctx)
    if record is None:
        return ""
    names, help_text = record
    return f"| `{_cell(names)}` | {_cell(help_text)} |"


def _command(cmd: Any, path: list[str], out: list[str]) -> None:
    ctx = typer.Context(cmd, info_name=path[-1])
    if hasattr(cmd, "list_commands"):
        if len(path) > 1:
            out.append(f"## `{' '.join(path)}`\n")
            out.append(inspect.cleandoc(cmd.help or "") + "\n")
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                _command(sub, [*path, name], out)
        return
    level = "###" if len(path) > 2 else "##"
    usage = " ".join(cmd.collect_usage_pieces(ctx))
    out.append(f"{level} `{' '.join(path)}`\n")
    out.append(f"```\n{' '.join(path)} {usage}\n```\n")
    out.append(inspect.cleandoc(cmd.help or "").replace("\b\n", "") + "\n")
    params = [p for p in cmd.params if not getattr(p, "hidden", False) and p.name != "help"]
    if params:
        out.append("| argument or option | meaning |\n|---|---|")
        out.extend(row for p in params if (row := _param_row(p, ctx)))
        out.append("")


def markdown() -> str:
    """The whole reference as Markdown (in English, whatever the locale)."""
    from kg import i18n
    from kg.cli.app import app

    i18n.use(i18n.DEFAULT)

    out = [HEADER]
    _command(typer.main.get_command(app), ["glamkg"], out)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())

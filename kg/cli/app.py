"""The ``glamkg`` command.

Each group of commands lives in ``kg/cli/<noun>.py`` and registers itself on the app here (:data:`NOUNS`), so
that this file stays a table of contents. Errors that a user can fix (:class:`kg.errors.GlamkgError`) are
printed as one message, without a traceback, and mapped to an exit code scripts can test:

    0 ok, 1 failure, 2 bad input, 3 store problem, 4 remote problem,
    5 incomplete (some items were not written; each is listed with its reason).
"""

from __future__ import annotations

import importlib
import os
import sys

import typer
from rich.markup import escape

from kg import i18n, outfile
from kg.cli import console
from kg.errors import GlamkgError
from kg.i18n import _

app = typer.Typer(
    name="glamkg",
    help="A knowledge graph of GLAM institutions, their Wikimedia partnerships and contributions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def options(
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Show only errors: no notices (such as waits on a remote server)."
    ),
    lang: str = typer.Option(
        "", "--lang", metavar="LANG",
        help=f"The language of glamkg's messages: {', '.join(i18n.LANGUAGES)} (default: the locale's, from "
        "LANGUAGE, LC_ALL, LC_MESSAGES or LANG; else English).",
    ),
) -> None:
    """A knowledge graph of GLAM institutions, their Wikimedia partnerships and contributions."""
    if lang:
        try:
            i18n.use(lang)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--lang") from None
    console.show_messages(quiet=quiet)


# Each module defines ``register(app: typer.Typer) -> None``.
NOUNS = ["store", "query", "load", "wikibase", "gaps", "snapshot", "dashboard", "importer"]
for _noun in NOUNS:
    importlib.import_module(f"kg.cli.{_noun}").register(app)

err = console.err


INTERRUPTED = 130  # the exit code of a command stopped by Ctrl-C (SIGINT), as shells report it


def hoisted(argv: list[str]) -> list[str]:
    """``argv`` with a ``--lang`` given after the command moved to the front, where the option lives
    (``glamkg load x.csv --lang fr`` = ``glamkg --lang fr load x.csv``); nothing after ``--`` is touched.

    >>> hoisted(["query", "run", "q", "--lang", "fr", "--", "--lang"])
    ['--lang', 'fr', 'query', 'run', 'q', '--', '--lang']
    >>> hoisted(["stats", "--lang=ar"])
    ['--lang=ar', 'stats']
    """
    end = argv.index("--") if "--" in argv else len(argv)
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < end:
        arg = argv[i]
        if arg == "--lang" and i + 1 < end:
            front += argv[i:i + 2]
            i += 2
            continue
        (front if arg.startswith("--lang=") else rest).append(arg)
        i += 1
    return front + rest + argv[end:]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising (used by the console script and tests)."""
    console.show_messages()
    try:
        # standalone mode: typer/click print usage errors themselves and exit 2; our errors pass through.
        app(args=hoisted(list(sys.argv[1:] if argv is None else argv)), standalone_mode=True)
    except SystemExit as e:
        code = e.code
        if code == INTERRUPTED:  # typer turns Ctrl-C (KeyboardInterrupt) into Exit(130) before it reaches us
            err.print(_("interrupted; nothing was written by the unfinished step"))
        return code if isinstance(code, int) else (0 if code is None else 1)
    except GlamkgError as e:
        label = _("error:")
        err.print(f"[bold red]{label}[/] {escape(console.printable(e))}", highlight=False, soft_wrap=True)
        return e.exit_code
    except (BrokenPipeError, outfile.OutputClosed):
        # the reader of our output stopped reading (`glamkg export | head -1`): end quietly, as Unix tools do;
        # standard output goes to /dev/null so that the interpreter's final flush does not complain again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        err.print(_("interrupted; nothing was written by the unfinished step"))
        return INTERRUPTED
    finally:
        i18n.use(None)  # a --lang holds for one run (tests call main() many times in one process)
    return 0


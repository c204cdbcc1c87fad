"""The CLI's edge: one-line errors, exit codes, no tracebacks."""

import pytest

from kg.cli import app as cli
from kg.errors import InputError


def test_usage_errors_exit_2_without_traceback(capsys):
    code = cli.main(["stats", "--no-such-option"])
    out = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out.err + out.out
    assert "--no-such-option" in out.err


def test_user_errors_print_one_message_with_brackets_kept(monkeypatch, capsys):
    def boom(*a, **k):
        raise InputError("row 3, column [start]: expected a date like 2021, found 'May'")

    monkeypatch.setattr(cli, "app", boom)
    code = cli.main(["anything"])
    err = capsys.readouterr().err
    assert code == InputError.exit_code == 2
    assert "column [start]" in err  # rich markup must not eat the brackets
    assert err.count("\n") == 1


def test_help_lists_every_command_group(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ["init", "stats", "export", "rdf", "query", "load", "gaps", "demo", "dashboard", "up", "import"]:
        assert name in out, name


@pytest.mark.parametrize("group", ["query", "import", "wikibase"])
def test_groups_have_help(group, capsys):
    assert cli.main([group, "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


def test_remote_error_carries_status_and_retry_after() -> None:
    from kg.errors import RemoteError

    e = RemoteError("GET https://example.org/sparql: HTTP 429", status=429, retry_after=5.0, url="https://example.org/sparql")
    assert (e.status, e.retry_after, e.url, str(e)) == (429, 5.0, "https://example.org/sparql", e.args[0])
    assert isinstance(e, OSError) and e.exit_code == 4
    plain = RemoteError("no answer")
    assert (plain.status, plain.retry_after) == (None, None)


def test_command_table_names_what_each_module_registers():
    import importlib

    import typer

    from kg.cli import app as cli_app

    for noun in cli_app.NOUNS:
        built = typer.Typer()
        importlib.import_module(f"kg.cli.{noun}").register(built)
        names = {c.name or c.callback.__name__ for c in built.registered_commands}
        names |= {g.name for g in built.registered_groups}
        assert names == {k for k, v in cli_app.COMMANDS.items() if v == noun}, noun


@pytest.mark.parametrize(
    ("args", "noun"),
    [
        (["version"], "store"),
        (["-q", "--lang", "fr", "query", "list"], "query"),
        (["--lang=en", "import", "--help"], "importer"),
        (["--help"], None),
        (["--lang", "query"], None),  # "query" is the value of --lang here
        (["no-such-command"], None),
        ([], None),
    ],
)
def test_a_run_picks_the_module_of_its_command(args, noun):
    from kg.cli import app as cli_app

    assert cli_app.command_noun(args) == noun


def test_a_command_imports_only_its_own_module(tmp_path):
    """`glamkg -q --lang en version` as users run it: the answer, and no other command module imported."""
    import subprocess
    import sys

    code = (
        "import sys; from kg.cli import main; rc = main(sys.argv[1:]); "
        "print(sorted(m for m in sys.modules if m.startswith('kg.cli.') and m.split('.')[2] in "
        "('store', 'query', 'load', 'wikibase', 'gaps', 'snapshot', 'dashboard', 'importer'))); sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "-q", "--lang", "en", "version"], capture_output=True, text=True, cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert "glamkg" in " ".join(lines[:-1]).lower()
    assert lines[-1] == "['kg.cli.store']"

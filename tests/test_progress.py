"""kg.cli.progress: the one progress bar of the commands (rich on a terminal, plain lines, quiet)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

from kg.cli.progress import ProgressBar, columns

COMMANDS = Path(__file__).resolve().parents[1] / "kg" / "commands"


def terminal() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=100)


def plain() -> Console:
    return Console(file=io.StringIO(), force_terminal=False, width=100)


def test_columns_are_label_bar_count_and_elapsed_time() -> None:
    cols = columns("[bold]demo[/]")
    assert [type(c) for c in cols] == [TextColumn, BarColumn, MofNCompleteColumn, TimeElapsedColumn]
    assert isinstance(cols[0], TextColumn) and cols[0].text_format == "[bold]demo[/]"


def test_phases_on_a_terminal_finish_the_previous_one() -> None:
    with ProgressBar(terminal(), "[bold]{task.description:<12}") as bar:
        assert bar.progress is not None
        bar.phase("reading", 10)
        bar.advance(4)
        bar.phase("writing", 3)
        bar.advance()
        bar.update(2, 5, "writing more")
        tasks = bar.progress.tasks
        assert [(t.description, t.completed, t.total) for t in tasks] == [
            ("reading", 10, 10), ("writing more", 2, 5)
        ]
    assert bar.progress is None  # stopped


def test_total_unknown_until_updated() -> None:
    with ProgressBar(terminal(), transient=False) as bar:
        bar.phase("items")
        assert bar.progress is not None and bar.progress.tasks[0].total is None
        bar.update(5, 10, "page 1 of 2")
        bar.update(7)  # a total of None leaves the total as it was
        assert (bar.progress.tasks[0].completed, bar.progress.tasks[0].total) == (7, 10)


def test_not_transient_leaves_the_final_state_on_a_plain_console() -> None:
    console = plain()
    with ProgressBar(console, "{task.description}", transient=False) as bar:
        bar.phase("items", 10)
        bar.advance(10)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "items" in out and "10/10" in out


def test_quiet_shows_nothing_and_ignores_calls() -> None:
    for console in (terminal(), plain()):
        with ProgressBar(console, quiet=True, lines="glamkg load") as bar:
            assert bar.progress is None
            bar.phase("reading", 3)
            bar.advance(2)
            bar.update(3, 3)
        assert console.file.getvalue() == ""  # type: ignore[attr-defined]


def test_plain_lines_when_not_a_terminal() -> None:
    console = plain()
    with ProgressBar(console, lines="glamkg load") as bar:
        assert bar.progress is None
        bar.phase("reading [sheet]", 120)
        bar.advance(5)
        bar.phase("planning", 0)
    assert console.file.getvalue() == "glamkg load: reading [sheet] (120)\nglamkg load: planning\n"  # type: ignore[attr-defined]
    console = terminal()
    with ProgressBar(console, lines="glamkg load") as bar:  # a terminal gets the bar, not lines
        assert bar.progress is not None


def test_the_load_commands_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """glamkg load's plain lines (the kill test reads them from a child's stderr)."""
    bar = ProgressBar(Console(stderr=True, force_terminal=False), lines="glamkg load")
    for name, total in [("reading", 3), ("checking", 0), ("writing", 12)]:
        bar.phase(name, total)
    assert capsys.readouterr().err == "glamkg load: reading (3)\nglamkg load: checking\nglamkg load: writing (12)\n"


def test_commands_use_the_shared_helper() -> None:
    """No command builds its own rich progress bar."""
    own = sorted(
        p.name for p in COMMANDS.glob("*.py")
        if p.name != "progress.py" and "rich.progress" in p.read_text(encoding="utf-8")
    )
    assert own == []

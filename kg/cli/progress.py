"""The progress bar of glamkg's commands: one look everywhere, on the console the command reports to.

A row is a label, the bar, done/total and the time elapsed. One task shows at a time: :meth:`ProgressBar.phase`
finishes the previous one and starts the next (``glamkg load``: reading, checking, planning, writing)::

    with ProgressBar(console.err, "[bold]demo[/]") as bar:
        bar.phase("institutions", total=n)
        write_demo(..., progress=bar.advance)

``quiet=True`` shows nothing. ``lines="glamkg load"`` gives a console that is not a terminal (a log file, a pipe,
a test) one plain line per phase (``glamkg load: planning (120)``) instead of rich's output there.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn

from kg.i18n import N_, _

#: The phases the parts report (kg.load, kg.wikidata, the demo), marked for the catalogues: a bar shows each in the
#: chosen language (a phase not listed shows as it is).
PHASES = (
    N_("reading"), N_("mapping"), N_("reconciling"), N_("checking"), N_("planning"), N_("checking target"),
    N_("writing"), N_("loading"), N_("listing"), N_("evidence"), N_("items"), N_("institutions"), N_("bootstrap"),
)


def columns(label: str = "{task.description}") -> tuple[ProgressColumn, ...]:
    """The columns of every glamkg progress bar; ``label`` is rich markup, ``{task.description}`` the phase."""
    return TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()


class ProgressBar:
    """A rich progress bar (started at once, or by ``with``), or plain lines, or nothing when quiet."""

    def __init__(
        self,
        console: Console,
        label: str = "{task.description}",
        *,
        transient: bool = True,
        quiet: bool = False,
        lines: str | None = None,
    ) -> None:
        self.console = console
        self.quiet = quiet
        self.lines = None if quiet or console.is_terminal else lines
        self.progress: Progress | None = None
        self.task: Any = None
        if not quiet and self.lines is None:
            self.progress = Progress(*columns(label), console=console, transient=transient)
            self.progress.start()

    def phase(self, name: str, total: int | None = None) -> None:
        """Start the next phase (``total`` None or 0: not known yet); the previous one shows as complete."""
        name = _(name) if name in PHASES else name
        if self.progress is not None:
            if self.task is not None:
                self.progress.update(self.task, completed=self.progress.tasks[self.task].total or 0)
            self.task = self.progress.add_task(name, total=total or None)
        elif self.lines is not None:
            self.console.print(f"{self.lines}: {name}" + (f" ({total})" if total else ""),
                               markup=False, highlight=False, soft_wrap=True)

    def advance(self, n: int = 1) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, n)

    def update(self, done: int, total: int | None = None, description: str | None = None) -> None:
        """Set the phase's count (and its total and name when given)."""
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=done, total=total, description=description)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

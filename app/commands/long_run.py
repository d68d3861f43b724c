"""Running a core long operation from a command: Ctrl-C to its cancel token, one progress bar, the exit.

Every long command (scan, analyze, enrich, import, export) goes through :func:`interruptible` and
:meth:`LongRun.drain`: the first Ctrl-C asks the operation to stop at its next safe point (it then returns its
summary with ``cancelled=True`` and the command says what was done, see :func:`stopped`); a second one stops
at once (``KeyboardInterrupt``: committed batches stay, the one in flight rolls back). Inside the block the
operation may tune the garbage collector (:func:`models.gc_policy.bulk_collector`): a command runs one
operation and ends, so the process is its own.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, ProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as ProgressView

from models.gc_policy import bulk_collector
from models.progress import CancelToken, Progress, run_to_end

T = TypeVar("T")
INTERRUPTED_EXIT = 130
"""The shell's code for "ended by SIGINT": scripts can tell a stopped run from a failed one (1)."""

console = Console(stderr=True)


@dataclass(frozen=True)
class Bar:
    """How the progress bar shows an operation's events.

    ``stages`` names each stage for the bar (an unknown stage shows as itself); a new stage restarts the
    bar, with ``first`` shown until the first event. ``noun`` is what ``done`` counts ("files"): the bar
    says "1,234/5,000 files", or "1,234 files" while the total is unknown. ``rate`` adds "N files/s";
    ``message`` adds each event's message.
    """

    first: str
    noun: str
    stages: Mapping[str, str] = field(default_factory=dict)
    rate: bool = False
    message: bool = False


class LongRun:
    """What :func:`interruptible` gives a command: the token to pass to its operations, and their drain."""

    def __init__(self, token: CancelToken, show_bar: bool) -> None:
        self.token = token
        self.show_bar = show_bar

    def drain(self, events: Generator[Progress, None, T], bar: Bar) -> T:
        """Run ``events`` to its end, drawing ``bar`` when the command shows one; returns the summary.

        The generator is closed on the way out whatever happens, so an operation interrupted outside its
        own code (a second Ctrl-C while the bar draws) still runs its cleanup (an export drops its
        ``.part`` file)."""
        try:
            if not self.show_bar:
                return run_to_end(events)
            return _draw(events, bar)
        finally:
            events.close()


@contextmanager
def interruptible(notice: str, *, show_bar: bool) -> Iterator[LongRun]:
    """Ctrl-C or a plain ``kill`` (SIGTERM) cancels the token of the returned :class:`LongRun` (printing
    ``notice``, e.g. "Stopping after the files read so far"); a second one raises KeyboardInterrupt. ``show_bar``: draw progress bars
    (off for --json and when stderr is not a terminal). The previous SIGINT handler is back afterwards."""
    token = CancelToken()
    with _ctrl_c_cancels(token, notice), bulk_collector():
        yield LongRun(token, show_bar)


@contextmanager
def _ctrl_c_cancels(token: CancelToken, notice: str) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():  # only the main thread gets signals
        yield
        return
    owner = os.getpid()

    def on_interrupt(signum: int, _frame: object) -> None:
        # A worker forked while this handler is installed (the scan's and the analysis's process pools)
        # inherits it; the terminal sends Ctrl-C to the whole process group, and the parent decides.
        if os.getpid() != owner:
            if signum == signal.SIGTERM:  # the parent ending a worker it started: die as asked
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)
            return
        if token.cancelled:
            console.print("[yellow]Stopped at once: what was committed is kept.[/]")
            raise KeyboardInterrupt  # Typer turns it into exit code 130
        token.cancel()
        if signum == signal.SIGTERM:
            console.print(f"[yellow]Terminated: {notice[0].lower()}{notice[1:]}...[/]")
        else:
            console.print(f"[yellow]{notice} (Ctrl-C again to stop at once)...[/]")

    # A plain `kill` (SIGTERM) stops like a first Ctrl-C: what is done is committed, workers end with the
    # command, exit code 130; a second one (or Ctrl-C) stops at once.
    previous = signal.signal(signal.SIGINT, on_interrupt)
    previous_term = signal.signal(signal.SIGTERM, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)


def stopped(line: str) -> NoReturn:
    """End a command whose operation was cancelled: ``line`` (what was done, how to go on) on stderr,
    exit code 130."""
    console.print(f"[yellow]{escape(line)}[/]", highlight=False, soft_wrap=True)
    raise typer.Exit(INTERRUPTED_EXIT)


def _draw(events: Generator[Progress, None, T], bar: Bar) -> T:
    columns: list[ProgressColumn] = [
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
    ]
    if bar.rate:
        columns.append(TextColumn("{task.fields[rate]}"))
    if bar.message:
        columns.append(TextColumn("{task.fields[message]}"))
    columns += [TimeElapsedColumn(), TimeRemainingColumn()]
    with ProgressView(*columns, console=console, transient=True) as view:
        task = view.add_task(bar.first, total=None, count="", rate="", message="")
        stage: str | None = None
        started = time.monotonic()
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                result: T = stop.value
                return result
            description = bar.stages.get(event.stage, event.stage)
            if event.stage != stage:
                if stage is not None:
                    view.reset(task)
                    started = time.monotonic()
                stage = event.stage
            elapsed = time.monotonic() - started
            view.update(
                task,
                completed=event.done,
                total=event.total,
                description=description,
                count=_count(event, bar.noun),
                rate=f"{event.done / elapsed:,.0f} {bar.noun}/s" if event.total and elapsed > 0.5 else "",
                message=event.message,
            )


def _count(event: Progress, noun: str) -> str:
    if event.total is None:
        return f"{event.done:,} {noun}"
    return f"{event.done:,}/{event.total:,} {noun}"


__all__ = ["INTERRUPTED_EXIT", "Bar", "LongRun", "interruptible", "stopped"]

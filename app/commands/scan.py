"""`tonearm scan PATH...` and `tonearm files --errors`: fill the library from folders, list problem files."""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from analyzer.scan import ScanSummary, problem_files, scan_folders
from app.context import CliError, cli_context
from models.progress import Cancelled, CancelToken, run_to_end
from models.progress import Progress as ScanProgress

app = typer.Typer()
console = Console(stderr=True)
out = Console()


@app.command("scan")
def scan(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Folders (or files) to scan."),
    as_json: bool = typer.Option(False, "--json", help="No progress bar; print the summary as JSON."),
    include_hidden: bool = typer.Option(
        False, "--include-hidden", help="Also scan hidden files and folders."
    ),
    errors: bool = typer.Option(
        False, "--errors", help="After the scan, list the files that could not be read."
    ),
) -> None:
    """Scan music folders into the library: new files added, changed files re-read, vanished ones marked."""
    for path in paths:
        if not path.exists():
            raise CliError(f"no such file or folder: {path}")
    db = cli_context(ctx).database()
    token = CancelToken()
    events = scan_folders(db, [str(p) for p in paths], include_hidden=include_hidden, cancel=token)
    try:
        summary = _drain(events, show_bar=not as_json and console.is_terminal)
    except KeyboardInterrupt:
        raise CliError(
            "scan interrupted; the files written so far are kept, scan again to continue"
        ) from None
    except Cancelled:
        raise CliError("scan cancelled; scan again to continue") from None
    if as_json:
        typer.echo(
            json.dumps({**summary.counts(), "problems": [asdict(p) for p in summary.problems]}, indent=2)
        )
    else:
        _print_summary(summary)
    if errors:
        _print_problem_files(ctx, as_json=False)


def _drain(events: Generator[ScanProgress, None, ScanSummary], *, show_bar: bool) -> ScanSummary:
    """Run the scan generator, drawing a bar with files/s and ETA when asked; returns the summary."""
    if not show_bar:
        return run_to_end(events)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} files/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task: TaskID = bar.add_task("Looking for audio files", total=None, rate="-")
        while True:
            try:
                event: ScanProgress = next(events)
            except StopIteration as stop:
                return stop.value
            description = "Looking for audio files" if event.stage == "walk" else "Reading tags"
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{event.done / elapsed:,.0f}" if elapsed > 0 and event.stage != "walk" else "-"
            if event.stage == "read" and bar.tasks[0].description != description:
                bar.reset(task, total=event.total, description=description, rate="-")
                continue
            bar.update(task, completed=event.done, total=event.total, description=description, rate=rate)


def _print_summary(summary: ScanSummary) -> None:
    out.print(
        f"{summary.found:,} audio files: [green]{summary.added:,} added[/], {summary.updated:,} updated, "
        f"{summary.unchanged:,} unchanged, {summary.missing:,} missing, "
        f"[{'red' if summary.errors else 'green'}]{summary.errors:,} errors[/]"
    )
    if summary.moved:
        out.print(f"{summary.moved:,} moved files recognized by their audio.")
    for problem in summary.problems:
        out.print(f"[yellow]skipped[/] {problem.path}: {problem.reason}")
    if summary.errors:
        out.print("List the files that could not be read with [bold]tonearm files --errors[/].")


@app.command("files")
def files(
    ctx: typer.Context,
    errors: bool = typer.Option(False, "--errors", help="Only files that could not be read."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Files that need attention: unreadable ones with the reason, and (without --errors) missing ones."""
    _print_problem_files(ctx, as_json=as_json, include_missing=not errors)


def _print_problem_files(ctx: typer.Context, *, as_json: bool, include_missing: bool = False) -> None:
    with cli_context(ctx).database().session() as session:
        found = problem_files(session, include_missing=include_missing)
    if as_json:
        typer.echo(json.dumps([asdict(p) for p in found], indent=2, ensure_ascii=False))
        return
    for problem in found:
        detail = problem.reason or "no longer on disk"
        out.print(
            f"{problem.status:<7} {problem.path}: {detail}", markup=False, highlight=False, soft_wrap=True
        )
    if not found:
        out.print("No problem files.")

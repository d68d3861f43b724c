"""`tonearm scan PATH...` and `tonearm files --errors`: fill the library from folders, list problem files."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from analyzer.scan import scan_folders, scan_new_database
from app.commands.long_run import Bar, interruptible, stopped
from app.context import CliContext, CliError, cli_context
from models.database_location import plain_new_sqlite_database

if TYPE_CHECKING:
    from analyzer.scan import ScanSummary
    from analyzer.scan.runner import StartedScan

app = typer.Typer()
console = Console(stderr=True)
out = Console()
SCAN_BAR = Bar(
    "Looking for audio files",
    "files",
    {"walk": "Looking for audio files", "read": "Reading tags", "finish": "Finishing"},
    rate=True,
)
NO_FOLDERS = "no library folders yet: add one with `tonearm folders add PATH` or pass PATH"


@app.command("scan")
def scan(
    ctx: typer.Context,
    paths: list[Path] | None = typer.Argument(
        None, help="Folders (or files) to scan (default: the library folders, see `tonearm folders`)."
    ),
    as_json: bool = typer.Option(False, "--json", help="No progress bar; print the summary as JSON."),
    include_hidden: bool = typer.Option(
        False, "--include-hidden", help="Also scan hidden files and folders."
    ),
    errors: bool = typer.Option(
        False, "--errors", help="After the scan, list the files that could not be read."
    ),
) -> None:
    """Scan music folders into the library: new files added, changed files re-read, vanished ones marked.

    Without PATH it scans the library folders. Ctrl-C stops after committing the files read so far
    (exit code 130); the next scan continues from there.
    """
    scan_command(cli_context(ctx), paths, as_json=as_json, include_hidden=include_hidden, errors=errors)


def scan_command(
    context: CliContext,
    paths: list[Path] | None,
    *,
    as_json: bool,
    include_hidden: bool,
    errors: bool,
    started: StartedScan | None = None,
) -> None:
    """The scan command's work, for ``tonearm scan`` as Typer parses it and for app.commands.first_scan,
    which runs the same options without Typer. ``started``: a first scan's reads begun before (taken
    over when the database is new and the roots and options are the same, else stopped)."""
    for path in paths or ():
        if not path.exists():
            raise CliError(f"no such file or folder: {path}")
    # A first scan into a new SQLite file starts reading before the database exists (or SQLAlchemy's ORM
    # and the models are imported): the read workers work while this process creates it.
    new = bool(paths) and _is_new_sqlite_database(context.database_url)
    if paths:
        roots = [str(p) for p in paths]
    else:
        from analyzer.scan.folders import list_folders

        with context.database().session() as session:
            roots = [folder.path for folder in list_folders(session)]
        if not roots:
            raise CliError(NO_FOLDERS)
    if started is not None and not new:
        started.close()
        started = None
    show_bar = not as_json and console.is_terminal
    with interruptible("Stopping after the files read so far", show_bar=show_bar) as run:
        if new:
            events = scan_new_database(
                context.database, roots, include_hidden=include_hidden, cancel=run.token, started=started
            )
        else:
            events = scan_folders(context.database(), roots, include_hidden=include_hidden, cancel=run.token)
        summary = run.drain(events, SCAN_BAR)
    if as_json:
        data = {**summary.counts(), "cancelled": summary.cancelled}
        typer.echo(json.dumps({**data, "problems": [asdict(p) for p in summary.problems]}, indent=2))
    else:
        _print_summary(summary)
    if summary.cancelled:
        written = summary.added + summary.updated + summary.errors
        stopped(f"scan stopped: {written:,} files written, scan again to continue")
    if errors:
        _print_problem_files(context, as_json=False)


def _is_new_sqlite_database(url: str | None) -> bool:
    """models.engine's answer, without importing SQLAlchemy first for the URLs that need no parser (~0.1 s
    that the read workers would otherwise wait for)."""
    new = plain_new_sqlite_database(url)
    if new is None:
        from models.engine import is_new_sqlite_database

        new = is_new_sqlite_database(url)
    return new


def _print_summary(summary: ScanSummary) -> None:
    found = f"{summary.found:,} audio files" + (" found before the stop" if summary.cancelled else "")
    missing = "" if summary.cancelled else f"{summary.missing:,} missing, "  # only a whole walk tells
    out.print(
        f"{found}: [green]{summary.added:,} added[/], {summary.updated:,} updated, "
        f"{summary.unchanged:,} unchanged, {missing}"
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
    """Files that need attention: unreadable ones and failed analyses with the reason, and (without --errors) missing ones."""
    _print_problem_files(cli_context(ctx), as_json=as_json, include_missing=not errors)


def _print_problem_files(context: CliContext, *, as_json: bool, include_missing: bool = False) -> None:
    from analyzer.scan import problem_files

    with context.database().session() as session:
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

"""`tonearm db ...`: create, inspect, check and upgrade the database."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console
from rich.table import Table

from app.context import CliError, cli_context
from models.bootstrap import init_database, upgrade_database
from models.health import check_database, database_info
from models.progress import CancelToken

app = typer.Typer(help="Create, inspect, check and upgrade the Tonearm database.", no_args_is_help=True)
console = Console(soft_wrap=True)  # paths stay on one line, whatever the width


@app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the database (schemas, every table) if it does not exist yet."""
    db = cli_context(ctx).database(initialize=False)
    created = init_database(db)
    where = db.files().get("main") or db.url.render_as_string(hide_password=True)
    console.print(f"{'Created' if created else 'Already initialized:'} {where}")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Upgrade an older database to the current schema (Alembic migrations)."""
    db = cli_context(ctx).database(initialize=False)
    before, after = upgrade_database(db)
    if before == after:
        console.print(f"Already at the current schema revision ({after}).")
    else:
        console.print(f"Upgraded the schema from {before or 'empty'} to {after}.")


@app.command("info")
def info(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
) -> None:
    """Engine, URL (without password), schemas and their files, and row counts per table."""
    report = database_info(cli_context(ctx).database(initialize=False))
    if as_json:
        typer.echo(json.dumps(asdict(report), indent=2))
        return
    console.print(f"[bold]Engine[/]   {report.engine} {report.server_version}")
    console.print(f"[bold]URL[/]      {report.url}")
    console.print(f"[bold]Revision[/] {report.revision or '(none)'} (current: {report.head})")
    for schema in report.schemas:
        where = schema.physical or "default schema"
        console.print(f"\n[bold]{schema.logical}[/] schema ({where}): {schema.location}")
        table = Table()
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name, count in schema.tables.items():
            table.add_row(name, "[red]missing[/]" if count is None else f"{count:,}")
        console.print(table)


@app.command("check")
def check(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
) -> None:
    """Integrity, missing tables, migration state and orphaned references; exits 1 on any problem."""
    report = check_database(cli_context(ctx).database(initialize=False))
    if as_json:
        typer.echo(json.dumps({"ok": report.ok, **asdict(report)}, indent=2))
    else:
        total = sum(c or 0 for c in report.counts.values())
        console.print(f"{len(report.counts)} tables, {total:,} rows.")
        for note in report.notes:
            console.print(f"[dim]note: {note}[/]")
        for problem in report.problems:
            console.print(f"[red]problem:[/] {problem}")
        console.print("[green]OK[/]" if report.ok else f"[red]{len(report.problems)} problem(s)[/]")
    if not report.ok:
        raise typer.Exit(1)


@app.command("repair")
def repair(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
) -> None:
    """Split tracks that hold files of different recordings (catalogs built before the identity rule):
    each file to its own recording, listens to the recording they fit or back to review."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from analyzer.catalog.repair import repair_track_identity

    db = cli_context(ctx).database()
    events = repair_track_identity(db, CancelToken())
    show_bar = not as_json and console.is_terminal
    columns = (TextColumn("Re-reading tags"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=console, transient=True, disable=not show_bar) as bar:
            task = bar.add_task("repair", total=None)
            while True:
                try:
                    event = next(events)
                except StopIteration as stop:
                    summary = stop.value
                    break
                bar.update(task, completed=event.done, total=event.total)
    except KeyboardInterrupt:
        raise CliError("repair interrupted; the tracks repaired so far are kept, run it again") from None
    if as_json:
        typer.echo(json.dumps(asdict(summary), indent=2))
        return
    console.print(
        f"{summary.tracks_checked:,} tracks checked ({summary.files_read:,} files read): "
        f"{summary.tracks_split:,} split, {summary.files_moved:,} files moved to their own recording."
    )
    console.print(
        f"Listens: {summary.listens_moved:,} moved to the recording they fit, "
        f"{summary.listens_to_review:,} back to review (they fit several), "
        f"{summary.manual_kept:,} manual decisions kept."
    )
    if summary.files_split_by_audio or summary.files_joined_by_audio:
        console.print(
            f"By fingerprint: {summary.files_split_by_audio:,} files split from a track of other audio, "
            f"{summary.files_joined_by_audio:,} copies joined the recording they are a copy of."
        )
    if summary.tracks_removed:
        console.print(f"{summary.tracks_removed:,} emptied tracks removed.")
    if summary.files_unreadable:
        console.print(
            f"[yellow]{summary.files_unreadable:,} files could not be read and stay on their track:[/]"
        )
        for line in summary.unreadable:
            console.print(f"  {line}")
    if summary.listens_to_review:
        console.print("Decide them with [bold]tonearm review[/].")

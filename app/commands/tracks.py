"""`tonearm tracks [--search TEXT] [--json]`: browse the library's tracks from scripts and tests."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console
from rich.table import Table

from analyzer.catalog import list_tracks
from app.context import cli_context

app = typer.Typer()
out = Console()


@app.command("tracks")
def tracks(
    ctx: typer.Context,
    search: str | None = typer.Option(None, "--search", help="Match title, title alias, artist or album."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many tracks."),
) -> None:
    """List tracks by artist, album and title, with how many readable files hold each."""
    with cli_context(ctx).database().session() as session:
        rows = list_tracks(session, search=search, limit=limit)
    if as_json:
        typer.echo(json.dumps([asdict(row) for row in rows], indent=2, ensure_ascii=False))
        return
    table = Table()
    for column in ("artist", "title", "album", "length", "files"):
        table.add_column(column, justify="right" if column in ("length", "files") else "left")
    for row in rows:
        seconds = round(row.duration_secs or 0)
        table.add_row(
            row.artist, row.title, row.album or "", f"{seconds // 60}:{seconds % 60:02d}", str(row.files)
        )
    out.print(table)
    out.print(f"{len(rows):,} tracks")

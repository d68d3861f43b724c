"""`tonearm export listens|stats|chart|playlist ... -o FILE`: data out, in formats other tools read.

The format comes from the file's extension (``.lb.jsonl`` is ListenBrainz-import JSON Lines) or from
``--format``. Files are written atomically: an interrupted export leaves no partial file.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from app.commands.long_run import Bar, interruptible, stopped
from app.commands.stats import open_scope
from app.context import CliError, cli_context
from scrobbler.exports import (
    CHART_FORMATS,
    LISTEN_FORMATS,
    PLAYLIST_FORMATS,
    TABLE_FORMATS,
    ExportFormatError,
    choose_format,
    clock_chart,
    daily_chart,
    export_listens,
    top_chart,
    write_playlist,
    write_table,
)
from scrobbler.exports.track_queries import catalog_tracks, most_played_tracks
from scrobbler.stats import (
    RANGE_HELP,
    TopBy,
    TopKind,
    build_stats_table,
    daily_trend,
    listening_clock,
    stat_builders,
    top,
)

app = typer.Typer(help="Export listens, stats, charts and playlists.", no_args_is_help=True)
console = Console(stderr=True)

OutputOption = typer.Option(..., "--output", "-o", help="File to write (its extension picks the format).")
FormatOption = typer.Option(None, "--format", "-f", help="Format, when the extension does not say.")
RangeOption = typer.Option("all", "--range", "-r", help=RANGE_HELP)
UserOption = typer.Option(None, "--user", "-u", help="Whose listens (default: the local user).")
EXPORT_BAR = Bar("Exporting listens", "listens", {"export": "Exporting listens"})


def _format(path: Path, explicit: str | None, offered: tuple[str, ...]) -> str:
    try:
        return choose_format(path, explicit, offered)
    except ExportFormatError as error:
        raise CliError(str(error)) from None


@app.command("listens")
def listens(
    ctx: typer.Context,
    output: Path = OutputOption,
    format_name: str | None = FormatOption,
    range_text: str = RangeOption,
    user: str | None = UserOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Export listens: csv, json, jsonl, parquet, or listenbrainz (*.lb.jsonl, lines LB's importer reads).

    Ctrl-C stops the export (exit code 130) and leaves no partial file; an older file at OUTPUT stays. A
    hidden partial file left by an export that was killed is removed by the next export to OUTPUT.
    """
    fmt = _format(output, format_name, LISTEN_FORMATS)
    db = cli_context(ctx).database()
    with db.session() as session:
        scope = open_scope(session, user, range_text)
    with interruptible("Stopping the export", show_bar=not quiet and console.is_terminal) as run:
        events = export_listens(db.sessions, scope, output, fmt, cancel=run.token)
        result = run.drain(events, EXPORT_BAR)
    if result.cancelled:
        stopped(f"Cancelled: export stopped after {result.rows:,} listens; {output} was not written")
    console.print(f"Wrote {result.rows:,} listens to {output} ({fmt}).")


@app.command("stats")
def stats(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Which stat: " + ", ".join(stat_builders())),
    output: Path = OutputOption,
    format_name: str | None = FormatOption,
    range_text: str = RangeOption,
    limit: int | None = typer.Option(None, "--limit", "-n", min=1, help="At most this many rows."),
    user: str | None = UserOption,
) -> None:
    """Export any stats table as CSV, JSON or Parquet."""
    fmt = _format(output, format_name, TABLE_FORMATS)
    with cli_context(ctx).database().session() as session:
        try:
            table = build_stats_table(session, open_scope(session, user, range_text), name, limit)
        except KeyError as error:
            raise CliError(str(error.args[0])) from None
    write_table(table, output, fmt)
    console.print(f"Wrote {len(table.rows):,} rows of {name} to {output} ({fmt}).")


CHARTS = ("top-artists", "top-releases", "top-tracks", "top-genres", "clock", "daily")


@app.command("chart")
def chart(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Which chart: " + ", ".join(CHARTS)),
    output: Path = OutputOption,
    format_name: str | None = FormatOption,
    range_text: str = RangeOption,
    by: TopBy = typer.Option(TopBy.PLAYS, "--by", help="Top charts: rank by plays or listening time."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Top charts: how many bars."),
    user: str | None = UserOption,
) -> None:
    """Draw a chart as PNG or SVG: a top list, the listening clock, or the daily trend."""
    if name not in CHARTS:
        raise CliError(f"unknown chart {name!r}; choose one of: {', '.join(CHARTS)}")
    fmt = _format(output, format_name, CHART_FORMATS)
    with cli_context(ctx).database().session() as session:
        scope = open_scope(session, user, range_text)
        where = f"{scope.range.label} · {scope.username}"
        if name.startswith("top-"):
            kind = TopKind(name.removeprefix("top-"))
            entries = top(session, scope, kind, by, limit)
            top_chart(entries, f"Top {kind.value} by {by.value} · {where}", output, fmt, by=by.value)
        elif name == "clock":
            clock_chart(
                listening_clock(session, scope), f"Listening clock · {where} ({scope.zone.key})", output, fmt
            )
        else:
            daily_chart(daily_trend(session, scope), f"Daily listening · {where}", output, fmt)
    console.print(f"Wrote {output} ({fmt}).")


@app.command("playlist")
def playlist(
    ctx: typer.Context,
    output: Path = OutputOption,
    format_name: str | None = FormatOption,
    artist: str | None = typer.Option(None, "--artist", help="Catalog tracks by this artist."),
    genre: str | None = typer.Option(None, "--genre", help="Catalog tracks of this genre."),
    range_text: str = RangeOption,
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="At most this many tracks."),
    user: str | None = UserOption,
    title: str | None = typer.Option(None, "--title", help="Playlist title (XSPF)."),
) -> None:
    """Write an M3U8 or XSPF playlist: catalog tracks by --artist/--genre, else your most played tracks
    in --range. Tracks without a file on disk are left out."""
    fmt = _format(output, format_name, PLAYLIST_FORMATS)
    with cli_context(ctx).database().session() as session:
        if artist or genre:
            query = catalog_tracks(artist=artist, genre=genre, limit=limit)
        else:
            query = most_played_tracks(open_scope(session, user, range_text), limit)
        result = write_playlist(session, query, output, fmt, title=title)
    note = f"; {result.without_file} without a file left out" if result.without_file else ""
    console.print(f"Wrote {result.entries} tracks to {output} ({fmt}){note}.")

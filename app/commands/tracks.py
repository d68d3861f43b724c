"""`tonearm tracks [--search QUERY] [--sort FIELD] [--json]`: the library table in a terminal.

The same rows and the same query syntax as the app's library screen (analyzer.catalog.library/search).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from app.context import CliError, cli_context

app = typer.Typer()
out = Console()

SEARCH_HELP = (
    "Words to find in title, artist or album, and field:value terms: artist:, album:, title:, "
    "year:1990..1999, bpm:120..130, key:8A, format:flac, missing:yes, plays:>10, length:3:00..5:00; "
    'quote values with spaces ("artist:daft punk"); -term excludes.'
)
# Terminal columns by priority: (field, header, right-aligned, minimum width). Narrow terminals drop the last.
_TABLE = (
    ("artist", "artist", False, 10),
    ("title", "title", False, 12),
    ("length", "length", True, 6),
    ("album", "album", False, 10),
    ("year", "year", True, 4),
    ("plays", "plays", True, 5),
    ("formats", "format", False, 6),
    ("bpm", "bpm", True, 3),
    ("key", "key", False, 3),
)
_SEPARATOR = 3  # " │ " between columns (no outer edge)


@app.command("tracks")
def tracks(
    ctx: typer.Context,
    search: str | None = typer.Option(None, "--search", "-s", help=SEARCH_HELP),
    sort: str | None = typer.Option(
        None,
        "--sort",
        help="Order by this column (title, artist, album, year, length, bpm, plays, added...).",
    ),
    descending: bool = typer.Option(False, "--desc", help="Largest (or last) first with --sort."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output: every column of every row."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many tracks."),
) -> None:
    """List the library's tracks: artist, title, album, length, year, plays, format, BPM and key."""
    from analyzer.catalog.library import COLUMNS, load_library, sort_order
    from analyzer.catalog.search import QuerySyntaxError, parse_query

    names = [spec.name for spec in COLUMNS]
    if sort is not None and sort not in names:
        raise CliError(f"--sort {sort}: no such column; columns: {', '.join(names)}")
    try:
        query = parse_query(search or "")
    except QuerySyntaxError as error:
        raise CliError(f"--search: {error}") from None
    with cli_context(ctx).database().session() as session:
        columns = load_library(session)
    matched = np.flatnonzero(query.mask(columns))
    rows = sort_order(columns, ("artist", "album", "title"), rows=matched)
    if sort:  # stable: ties stay in artist, album, title order
        rows = sort_order(columns, (sort,), descending=descending, rows=rows)
    total = len(rows)
    if limit is not None:
        rows = rows[:limit]
    records = [_record(columns, int(row)) for row in rows]
    if as_json:
        typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if not len(columns):
        out.print("No tracks yet: add a music folder (tonearm folders add PATH), then run tonearm scan.")
        return
    if not total:
        out.print(f"No track matches {search!r} (of {len(columns):,} tracks).")
        return
    table = Table(show_edge=False, pad_edge=False)
    chosen = _fitting_columns(out.width, records)
    for _, header, right, width in chosen:
        table.add_column(
            header, justify="right" if right else "left", width=width, no_wrap=True, overflow="ellipsis"
        )
    fields = [field for field, *_ in chosen]
    for record in records:
        table.add_row(
            *(_shown(field, record[field]) for field in fields),
            style="dim" if record["missing"] else None,
        )
    out.print(table)
    shown = f"{len(records):,} of {total:,} tracks" if len(records) < total else f"{total:,} tracks"
    missing = sum(record["missing"] for record in records)
    out.print(shown + (f"; {missing:,} shown dim have no readable file" if missing else ""))


def _fitting_columns(width: int, records: list[dict[str, Any]]) -> list[tuple[str, str, bool, int]]:
    """Columns by priority while their minimum widths fit the terminal, each as wide as its widest value;
    the text columns share what is left and are cut with an ellipsis."""
    chosen: list[tuple[str, str, bool, int]] = []
    used = -_SEPARATOR
    for column in _TABLE:
        if chosen and used + _SEPARATOR + column[3] > width:
            break
        used += _SEPARATOR + column[3]
        chosen.append(column)
    widest = {
        field: max([len(header), *(len(_shown(field, record[field])) for record in records)])
        for field, header, *_ in chosen
    }
    spare = width - used
    sized = {field: minimum for field, _, _, minimum in chosen}
    for field, _, _, minimum in sorted(chosen, key=lambda column: widest[column[0]] - column[3]):
        grow = min(widest[field] - minimum, spare // max(1, sum(1 for f in sized if widest[f] > sized[f])))
        if grow > 0:
            sized[field] += grow
            spare -= grow
    return [(field, header, right, sized[field]) for field, header, right, _ in chosen]


def _record(columns: Any, row: int) -> dict[str, Any]:
    def number(value: float) -> float | None:
        return None if math.isnan(value) else round(float(value), 2)

    def when(value: float) -> str | None:
        return None if math.isnan(value) else datetime.fromtimestamp(value, UTC).isoformat()

    return {
        "id": int(columns.ids[row]),
        "title": columns.title[row],
        "artist": columns.artist[row],
        "album": columns.album[row] or None,
        "album_artist": columns.album_artist[row] or None,
        "year": int(columns.year[row]) or None,
        "length": number(columns.length[row]),
        "formats": columns.formats[row].split(", ") if columns.formats[row] else [],
        "bpm": number(columns.bpm[row]),
        "key": columns.key[row] or None,
        "plays": int(columns.plays[row]),
        "last_played": when(columns.last_played[row]),
        "added": when(columns.added[row]),
        "missing": bool(columns.missing[row]),
    }


def _shown(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field == "length":
        seconds = round(value)
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours}:{minutes:02d}:{seconds % 60:02d}" if hours else f"{minutes}:{seconds % 60:02d}"
    if field == "bpm":
        return str(round(value))
    if field == "formats":
        return ", ".join(value)
    return str(value)

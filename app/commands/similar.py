"""`tonearm similar TRACK`: tracks that sound alike, optionally for harmonic mixing, as a list or M3U8."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console

from analyzer.similarity import KeyMode, TrackNotFound, similar_tracks, write_m3u8
from app.context import CliError, cli_context

app = typer.Typer()
out = Console()


@app.command("similar")
def similar(
    ctx: typer.Context,
    track: str = typer.Argument(..., help="A track id or the path of a file in the library."),
    k: int = typer.Option(10, "-k", min=1, help="How many tracks."),
    bpm_window: float | None = typer.Option(
        None, "--bpm-window", min=0.0, help="Only tracks within this percentage of the query's tempo."
    ),
    key: str = typer.Option("any", "--key", help="Harmonic mixing: same | adjacent (Camelot) | any."),
    m3u8: Path | None = typer.Option(None, "--m3u8", help="Also write the result as an M3U8 playlist."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Tracks that sound most like TRACK (nearest first, TRACK itself excluded)."""
    if key not in ("any", "same", "adjacent"):
        raise CliError(f"--key must be same, adjacent or any, not {key!r}")
    mode: KeyMode = key  # type: ignore[assignment]
    try:
        found = similar_tracks(cli_context(ctx).database(), track, k=k, bpm_window=bpm_window, key=mode)
    except TrackNotFound as exc:
        raise CliError(str(exc)) from None
    if m3u8 is not None:
        write_m3u8(found, m3u8)
    if as_json:
        typer.echo(json.dumps([asdict(t) for t in found], indent=2, ensure_ascii=False))
        return
    for rank, item in enumerate(found, 1):
        bpm = f"{item.bpm:.0f} BPM" if item.bpm else "? BPM"
        who = f"{item.artist} - {item.title}" if item.artist else item.title
        out.print(f"{rank:>3}. [{item.track_id}] {who}  ({bpm}, {item.camelot or '?'}, d={item.distance:.2f})",
                  markup=False, highlight=False)  # fmt: skip
    if not found:
        out.print("No similar tracks found.")
    if m3u8 is not None:
        out.print(f"Playlist written to {m3u8}.")

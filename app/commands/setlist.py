"""`tonearm setlist TRACK`: a harmonic DJ set from a starting track, each transition with how to mix it."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console
from rich.markup import escape

from analyzer.curation.setlist import DEFAULT_BPM_WINDOW, build_setlist, resolve_start, save_setlist
from analyzer.similarity import TrackNotFound
from app.context import CliError, cli_context

app = typer.Typer()
out = Console(soft_wrap=True)


@app.command("setlist")
def setlist(
    ctx: typer.Context,
    track: str = typer.Argument(
        ..., help="The first track: a track id or the path of a file in the library."
    ),
    n: int = typer.Option(10, "-n", min=1, max=500, help="How many tracks in the set."),
    bpm_window: float = typer.Option(
        DEFAULT_BPM_WINDOW,
        "--bpm-window",
        min=0.0,
        max=100.0,
        help="Tempo change allowed per mix, in percent.",
    ),
    save: str | None = typer.Option(None, "--save", metavar="TITLE", help="Keep the set as a playlist."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Build a harmonic DJ set from TRACK: sound-alikes within the BPM window that mix on the Camelot wheel.

    Moves: same key, +1/-1 around the wheel, the relative major/minor, and +2 (energy boost). Each
    transition says how to mix it. Needs analysed tracks (tonearm analyze).
    """
    db = cli_context(ctx).database()
    try:
        with db.session() as session:
            start = resolve_start(session, track)
        built = build_setlist(db, start, n, bpm_window=bpm_window)
    except TrackNotFound as error:
        raise CliError(str(error)) from None
    playlist_id = None
    if save is not None:
        with db.session() as session:
            playlist_id = save_setlist(session, built, save)
    if as_json:
        data = {"tracks": [asdict(t) for t in built.tracks],
                "transitions": [{**asdict(t), "track": t.track.track_id} for t in built.transitions],
                "stopped_early": built.stopped_early, "playlist_id": playlist_id}  # fmt: skip
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    first = built.start
    out.print(f"  1. [{first.track_id}] {escape(_name(first.artist, first.title))}  ({first.bpm:.1f} BPM, {first.camelot})",
              highlight=False)  # fmt: skip
    for number, step in enumerate(built.transitions, start=2):
        t = step.track
        out.print(f"     [dim]mix: {escape(step.recommendation)}[/]", highlight=False)
        out.print(f"{number:>3}. [{t.track_id}] {escape(_name(t.artist, t.title))}  ({t.bpm:.1f} BPM, {t.camelot})",
                  highlight=False)  # fmt: skip
    if built.stopped_early:
        out.print(f"Only {len(built.tracks)} of {n} tracks: {escape(built.stopped_early)}.", highlight=False)
    if playlist_id is not None:
        out.print(
            f"Saved as playlist {playlist_id} ({escape(save or '')}); `tonearm playlist export` writes it."
        )


def _name(artist: str | None, title: str) -> str:
    return f"{artist} - {title}" if artist else title

"""`tonearm playlist import|list|show|match|export|decide`: playlists from other services and DJ tracklists,
matched to the library entry by entry."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from analyzer.curation.playlist_entries import (
    EntryNotFound,
    decide_entry,
    entry_candidates,
    playlist_entries,
    rematch_playlists,
)
from analyzer.curation.playlist_formats import FORMATS, PlaylistFormatError
from analyzer.curation.playlists import (
    ImportedPlaylist,
    PlaylistNotFound,
    find_playlist,
    import_playlist_file,
    list_playlists,
    playlist_track_ids,
)
from app.commands.long_run import Bar, interruptible, stopped
from app.context import CliError, cli_context
from models.curation import EntryStatus, Playlist

app = typer.Typer(
    help=(
        "Import, list, show, re-match and export playlists; each entry is matched to a library track.\n\n"
        "Formats: M3U/M3U8, PLS, XSPF, JSPF (ListenBrainz), the Spotify account-data export "
        "(Playlist1.json), plain 'Artist - Title' tracklists and CUE sheets. Every entry gets a score "
        "(0-100) and a status: matched, ambiguous (decide with `tonearm playlist decide`) or missing."
    ),
    no_args_is_help=True,
)
out = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
MATCH_BAR = Bar(
    "Reading the library", "entries", {"load": "Reading the library", "match": "Matching entries"}
)
_STATUS_STYLE = {"matched": "green", "ambiguous": "yellow", "missing": "red"}


@app.command("import")
def import_(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Playlist files (several at once are fine)."),
    fmt: str | None = typer.Option(None, "--format", help=f"Force a format: {', '.join(FORMATS)}."),
    as_json: bool = typer.Option(False, "--json", help="No progress bar; print what was imported as JSON."),
) -> None:
    """Import playlist files and match every entry to the library; the same file again updates its playlist.

    Lines that cannot be read are listed with their line number; the rest is imported. Exit code 1 when a
    file could not be imported at all.
    """
    if fmt is not None and fmt not in FORMATS:
        raise CliError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    db = cli_context(ctx).database()
    show_bar = not as_json and errors.is_terminal
    failed = 0
    report = []
    for path in paths:
        try:
            with interruptible("Stopping before this playlist is written", show_bar=show_bar) as run:
                summary = run.drain(import_playlist_file(db, path, fmt=fmt, cancel=run.token), MATCH_BAR)
        except PlaylistFormatError as error:
            errors.print(f"error: {escape(str(path))}: {escape(str(error))}", highlight=False)
            failed += 1
            continue
        for item in summary.playlists:
            report.append({"file": str(path), **asdict(item), "problems": [str(p) for p in item.problems]})
            if not as_json:
                _print_imported(item)
        if summary.cancelled:
            stopped(f"import stopped: {escape(str(path))} was not imported (nothing half-written)")
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    if failed:
        raise typer.Exit(1)


def _print_imported(item: ImportedPlaylist) -> None:
    verb = "Updated" if item.updated else "Imported"
    counts = item.counts
    out.print(
        f"{verb} playlist {item.playlist_id} {escape(item.title)!r} ({item.format}): "
        f"[green]{counts['matched']} matched[/], [yellow]{counts['ambiguous']} ambiguous[/], "
        f"[red]{counts['missing']} missing[/]",
        highlight=False,
    )
    for problem in item.problems:
        label = "not imported" if problem.skipped else "note"
        out.print(f"  {label}: {escape(str(problem))}", highlight=False)
    if counts["ambiguous"]:
        out.print(f"  `tonearm playlist show {item.playlist_id} --status ambiguous` lists what to decide.")


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List playlists with how many entries matched, are ambiguous or missing."""
    with cli_context(ctx).database().session() as session:
        found = list_playlists(session)
    if as_json:
        typer.echo(json.dumps([asdict(p) for p in found], indent=2, ensure_ascii=False))
        return
    if not found:
        out.print("No playlists yet: `tonearm playlist import FILE` adds one.")
        return
    table = Table("id", "title", "format", "entries", "matched", "ambiguous", "missing", box=None)
    for p in found:
        table.add_row(str(p.id), escape(p.title), p.format or p.platform, str(p.entries), str(p.matched),
                      str(p.ambiguous), str(p.missing))  # fmt: skip
    out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    playlist: str = typer.Argument(..., help="Playlist id or title."),
    status: str | None = typer.Option(None, "--status", help="Only matched, ambiguous or missing entries."),
    missing: bool = typer.Option(
        False, "--missing", help="Only what you don't have (same as --status missing)."
    ),
    candidates: bool = typer.Option(False, "--candidates", help="Also list each unsure entry's candidates."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a playlist's entries: position, how the source named it, status, score and the matched track."""
    wanted = EntryStatus.MISSING if missing else None
    if status is not None:
        try:
            wanted = EntryStatus(status)
        except ValueError:
            raise CliError(f"--status must be matched, ambiguous or missing, not {status!r}") from None
    with cli_context(ctx).database().session() as session:
        playlist_id = _find(session, playlist)
        entries = playlist_entries(session, playlist_id, wanted)
        unsure = {
            e.id: entry_candidates(session, e.id) for e in entries if candidates and e.status != "matched"
        }
    if as_json:
        rows = [{**asdict(e), "candidates": [asdict(c) for c in unsure.get(e.id, [])]} for e in entries]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for e in entries:
        style = _STATUS_STYLE.get(e.status, "")
        track = (
            f" -> [{e.track_id}] {escape(e.track_artist or '?')} - {escape(e.track_title or '?')}"
            if e.track_id
            else ""
        )
        note = f"  ({escape(e.note)})" if e.note else ""
        out.print(f"{e.position:>4}. [{style}]{e.status:<9}[/] {e.score:>3}  {escape(e.label)}{track}{note}"
                  f"  [dim]entry {e.id}, {e.reason}[/]", highlight=False)  # fmt: skip
        for c in unsure.get(e.id, []):
            out.print(f"        candidate [{c.track_id}] {escape(c.artist or '?')} - {escape(c.title)}  score {c.score}",
                      highlight=False)  # fmt: skip
    if not entries:
        out.print("No entries" + (f" with status {wanted.value}." if wanted else "."))


@app.command("match")
def match(
    ctx: typer.Context,
    playlist: str | None = typer.Argument(None, help="Playlist id or title (default: every playlist)."),
    as_json: bool = typer.Option(False, "--json", help="No progress bar; print the summary as JSON."),
) -> None:
    """Match playlist entries again, after a scan or enrich changed the library; decisions you made stay."""
    db = cli_context(ctx).database()
    playlist_id = None
    if playlist is not None:
        with db.session() as session:
            playlist_id = _find(session, playlist)
    with interruptible(
        "Stopping after the playlist in hand", show_bar=not as_json and errors.is_terminal
    ) as run:
        summary = run.drain(rematch_playlists(db, playlist_id, cancel=run.token), MATCH_BAR)
    if as_json:
        typer.echo(json.dumps(asdict(summary), indent=2))
    else:
        counts = summary.counts
        out.print(f"{summary.playlists} playlists, {summary.entries} entries, {summary.changed} changed: "
                  f"{counts['matched']} matched, {counts['ambiguous']} ambiguous, {counts['missing']} missing")  # fmt: skip
    if summary.cancelled:
        stopped(f"match stopped after {summary.playlists} playlists; run it again to finish")


@app.command("export")
def export(
    ctx: typer.Context,
    playlist: str = typer.Argument(..., help="Playlist id or title."),
    target: Path = typer.Argument(..., help="File to write (.m3u8 or .xspf; --format overrides)."),
    fmt: str | None = typer.Option(None, "--format", help="m3u8 or xspf."),
) -> None:
    """Export a playlist with local paths (M3U8 or XSPF); entries with no track or no file are left out."""
    from scrobbler.exports.playlists import PLAYLIST_FORMATS, write_playlist

    chosen = fmt or target.suffix.lower().lstrip(".")
    chosen = "m3u8" if chosen == "m3u" else chosen
    if chosen not in PLAYLIST_FORMATS:
        raise CliError(f"cannot tell the format from {target.name!r}: use --format m3u8 or --format xspf")
    with cli_context(ctx).database().session() as session:
        playlist_id = _find(session, playlist)
        title = session.get_one(Playlist, playlist_id).title
        track_ids = playlist_track_ids(session, playlist_id)
        unmatched = len(playlist_entries(session, playlist_id)) - len(track_ids)
        try:
            result = write_playlist(session, track_ids, target, chosen, title)
        except OSError as error:
            raise CliError(f"cannot write {target}: {error.strerror or error}") from None
    left_out = []
    if unmatched > 0:
        left_out.append(f"{unmatched} entries not in the library")
    if result.without_file:
        left_out.append(f"{result.without_file} tracks without a file")
    extra = f" (left out: {', '.join(left_out)})" if left_out else ""
    out.print(f"Wrote {result.entries} entries to {escape(str(target))}{extra}.", highlight=False)


@app.command("decide")
def decide(
    ctx: typer.Context,
    entry: int = typer.Argument(..., help="Entry id (shown by `tonearm playlist show`)."),
    track: int | None = typer.Option(None, "--track", help="The library track this entry is."),
    reject: bool = typer.Option(False, "--reject", help="Not in my library: keep it missing."),
) -> None:
    """Decide an unsure entry: link it to a track, or mark it as not in your library."""
    if (track is None) == (not reject):
        raise CliError("give either --track ID or --reject")
    with cli_context(ctx).database().session() as session:
        try:
            decide_entry(session, entry, None if reject else track)
        except EntryNotFound as error:
            raise CliError(str(error)) from None
    out.print(f"Entry {entry}: " + ("marked missing." if reject else f"linked to track {track}."))


def _find(session: Session, playlist: str) -> int:
    try:
        return find_playlist(session, playlist)
    except PlaylistNotFound as error:
        raise CliError(str(error)) from None

"""Playlists from any track query: M3U8 (with #EXTINF) and XSPF (durations in ms), per formats.md.

A "track query" is any ``Select`` returning track ids (or a list of ids); the order of the query is the
order of the playlist. Each track takes its first present file; tracks with no file on disk are left out
and counted, since a playlist entry needs a location.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from models.artists import Artist
from models.enums import ScanStatus
from models.media import MediaFile
from models.releases import ReleaseGroup
from models.tracks import Track
from scrobbler.exports.atomic import atomic_path

PLAYLIST_FORMATS = ("m3u8", "xspf")
XSPF_NS = "http://xspf.org/ns/0/"


@dataclass(frozen=True, slots=True)
class PlaylistEntry:
    path: str
    title: str
    artist: str | None
    album: str | None
    duration_secs: float | None


@dataclass(frozen=True, slots=True)
class PlaylistResult:
    path: Path
    entries: int
    without_file: int  # tracks the query named that have no file on disk


def playlist_entries(
    session: Session, tracks: Select[Any] | Sequence[int]
) -> tuple[list[PlaylistEntry], int]:
    """Entries in the query's order, and how many tracks were dropped for lack of a file."""
    ids = [int(t) for t in (session.scalars(tracks) if isinstance(tracks, Select) else tracks)]
    if not ids:
        return [], 0
    first_file = (
        select(MediaFile.track_id.label("track_id"), func.min(MediaFile.id).label("file_id"))
        .where(MediaFile.track_id.in_(ids), MediaFile.scan_status == ScanStatus.OK)
        .group_by(MediaFile.track_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Track.id,
            Track.title,
            Artist.name,
            ReleaseGroup.title,
            MediaFile.file_path,
            MediaFile.duration_secs,
            Track.duration_secs,
        )
        .join(first_file, first_file.c.track_id == Track.id)
        .join(MediaFile, MediaFile.id == first_file.c.file_id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
        .outerjoin(ReleaseGroup, ReleaseGroup.id == Track.album_id)
    )
    by_id = {
        int(t): PlaylistEntry(str(path), title, artist, album, file_secs or track_secs)
        for t, title, artist, album, path, file_secs, track_secs in rows
    }
    entries = [by_id[t] for t in ids if t in by_id]
    return entries, len(ids) - len(entries)


def m3u8_text(entries: Iterable[PlaylistEntry]) -> str:
    lines = ["#EXTM3U"]
    for entry in entries:
        seconds = -1 if entry.duration_secs is None else round(entry.duration_secs)
        label = f"{entry.artist} - {entry.title}" if entry.artist else entry.title
        lines.append(f"#EXTINF:{seconds},{label}")
        lines.append(entry.path)
    return "\n".join(lines) + "\n"


def _file_uri(path: str) -> str:
    return Path(path).absolute().as_uri()


def xspf_text(entries: Iterable[PlaylistEntry], title: str | None = None) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', f'<playlist version="1" xmlns="{XSPF_NS}">']
    if title:
        parts.append(f"  <title>{escape(title)}</title>")
    parts.append("  <trackList>")
    for entry in entries:
        parts.append("    <track>")
        parts.append(f"      <location>{escape(_file_uri(entry.path))}</location>")
        parts.append(f"      <title>{escape(entry.title)}</title>")
        if entry.artist:
            parts.append(f"      <creator>{escape(entry.artist)}</creator>")
        if entry.album:
            parts.append(f"      <album>{escape(entry.album)}</album>")
        if entry.duration_secs is not None:
            parts.append(f"      <duration>{round(entry.duration_secs * 1000)}</duration>")
        parts.append("    </track>")
    parts += ["  </trackList>", "</playlist>"]
    return "\n".join(parts) + "\n"


def write_playlist(
    session: Session,
    tracks: Select[Any] | Sequence[int],
    path: Path | str,
    fmt: str,
    title: str | None = None,
) -> PlaylistResult:
    if fmt not in PLAYLIST_FORMATS:
        raise ValueError(f"unknown playlist format {fmt!r}; use one of {', '.join(PLAYLIST_FORMATS)}")
    entries, without_file = playlist_entries(session, tracks)
    text = m3u8_text(entries) if fmt == "m3u8" else xspf_text(entries, title)
    target = Path(path)
    with atomic_path(target) as temp:
        temp.write_text(text, encoding="utf-8")
    return PlaylistResult(target, len(entries), without_file)

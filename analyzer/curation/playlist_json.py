"""JSON playlists: JSPF as ListenBrainz exports it, and the Spotify account-data export (``Playlist1.json``).
Pure parsers, like every one in :mod:`analyzer.curation.playlist_formats`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from analyzer.curation.playlist_types import (
    MBID,
    ParsedEntry,
    ParsedPlaylist,
    ParseProblem,
    PlaylistFormatError,
    positive_number,
)

_LB_TRACK_EXTENSION = "https://musicbrainz.org/doc/jspf#track"


def _load_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PlaylistFormatError(f"not {what}: invalid JSON at line {error.lineno}: {error.msg}") from error


def parse_jspf(text: str, name: str) -> list[ParsedPlaylist]:
    """JSPF (JSON XSPF) as ListenBrainz writes it: ``{"playlist": {"title", "track": [{"title", "creator",
    "album", "duration" (ms), "identifier": recording URL (string or list), "location"}]}}``."""
    document = _load_json(text, "a JSPF playlist")
    body = document.get("playlist") if isinstance(document, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("track", []), list):
        raise PlaylistFormatError('not a JSPF playlist: no "playlist" object with a "track" list')
    playlist = ParsedPlaylist("jspf", str(body.get("title") or name))
    for number, track in enumerate(body.get("track", []), start=1):
        if not isinstance(track, dict):
            playlist.problems.append(ParseProblem(None, f"track {number} is not an object"))
            continue
        identifiers = _as_list(track.get("identifier"))
        mbid = next((m.group(0).lower() for i in identifiers if (m := MBID.search(str(i)))), None)
        location = next((str(x) for x in _as_list(track.get("location")) if x), None)
        duration = positive_number(track.get("duration"))
        entry = ParsedEntry(None, _text(track.get("creator")), _text(track.get("title")),
                            _text(track.get("album")), location,
                            duration / 1000 if duration else None, recording_mbid=mbid)  # fmt: skip
        if not (entry.title or entry.location or entry.recording_mbid):
            playlist.problems.append(
                ParseProblem(None, f"track {number} has no title, location or identifier")
            )
            continue
        playlist.entries.append(entry)
    return [playlist]


def parse_spotify(text: str, name: str) -> list[ParsedPlaylist]:
    """Spotify account data ``Playlist1.json``: ``{"playlists": [{"name", "items": [{"track": {"trackName",
    "artistName", "albumName", "trackUri"}, "episode", "localTrack", "addedDate"}]}]}``; episodes are skipped
    with a note, local files keep their path."""
    document = _load_json(text, "a Spotify playlist export")
    lists = document.get("playlists") if isinstance(document, dict) else None
    if not isinstance(lists, list):
        raise PlaylistFormatError('not a Spotify playlist export: no "playlists" list')
    found: list[ParsedPlaylist] = []
    for number, item in enumerate(lists, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("items", []), list):
            continue
        playlist = ParsedPlaylist("spotify", str(item.get("name") or f"{name} {number}"))
        for position, row in enumerate(item.get("items", []), start=1):
            entry = _spotify_entry(row)
            if isinstance(entry, str):
                playlist.problems.append(ParseProblem(None, f"item {position}: {entry}"))
            else:
                playlist.entries.append(entry)
        found.append(playlist)
    return found


def _spotify_entry(row: Any) -> ParsedEntry | str:
    if not isinstance(row, dict):
        return "not an object"
    track, local = row.get("track"), row.get("localTrack")
    if isinstance(track, dict):
        uri = str(track.get("trackUri") or "")
        spotify_id = uri.rsplit(":", 1)[-1] if uri.startswith("spotify:track:") else None
        title = _text(track.get("trackName"))
        if not title:
            return "a track without a name"
        return ParsedEntry(None, _text(track.get("artistName")), title, _text(track.get("albumName")),
                           spotify_id=spotify_id)  # fmt: skip
    if isinstance(local, dict):
        return _spotify_local(local)
    if row.get("episode"):
        return "a podcast episode, not music"
    return "neither a track nor a local file"


def _spotify_local(local: dict[str, Any]) -> ParsedEntry | str:
    """A local file in a Spotify playlist: ``spotify:local:<artist>:<album>:<title>:<seconds>`` with
    ``+`` for spaces and percent-escapes (older exports spell the fields out instead)."""
    uri = str(local.get("uri") or "")
    if uri.startswith("spotify:local:"):
        fields = [unquote_plus(part) or None for part in uri.split(":")[2:]]
        fields += [None] * (4 - len(fields))
        artist, album, title, seconds = fields[:4]
        if not title:
            return "a local file without a name"
        return ParsedEntry(None, artist, title, album, duration_secs=positive_number(seconds))
    title = _text(local.get("trackName"))
    if not title:
        return "a local file without a name"
    return ParsedEntry(None, _text(local.get("artistName")), title, _text(local.get("albumName")))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None

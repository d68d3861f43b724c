"""Saved Last.fm ``user.getRecentTracks`` JSON pages (formats.md §4), one page or a JSON array of pages.

Pitfalls handled (formats.md §4; LB listens_importer/lastfm.py): numbers are strings, the now-playing
item has no ``date``, ``track`` may be a single object, and ``extended=1`` turns ``artist`` into
``{"name","mbid","url"}`` instead of ``{"#text","mbid"}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrobbler.importers.fields import clean_mbid, clean_mbids, clean_text
from scrobbler.importers.rules import ImportOptions, check_listened_at, from_unix
from scrobbler.importers.streams import first_char, head_keys, iter_json_items, noting_empty, read_head
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

NAME = "lastfm_api"
DESCRIPTION = "Last.fm user.getRecentTracks JSON pages"

_PREFIXES = [
    "recenttracks.track",
    "recenttracks.track.item",
    "item.recenttracks.track",
    "item.recenttracks.track.item",
]


def sniff(path: Path) -> bool:
    """An object (or array of objects) with a ``recenttracks`` member."""
    head = read_head(path)
    where = {"{": "", "[": "item"}.get(first_char(head))
    return where is not None and "recenttracks" in head_keys(head).get(where, set())


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield the scrobbles of every page; the now-playing item is a skip with its reason."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    for entry in iter_json_items(path, _PREFIXES, path.name):
        if isinstance(entry, ImportProblem):
            yield entry
        else:
            yield track_record(entry[1], entry[0], options)


def _text(value: Any, *keys: str) -> str | None:
    """Last.fm wraps values as {"#text": ...} (or {"name": ...} when extended); accept plain strings too."""
    if isinstance(value, dict):
        for key in keys:
            if (text := clean_text(value.get(key))) is not None:
                return text
        return None
    return clean_text(value)


def track_record(item: Any, location: str, options: ImportOptions, source: str = NAME) -> Row:
    """One ``track`` item of a getRecentTracks page (also the ghan.nl JSON backup's) as a listen;
    the now-playing item and undated items are skips, malformed ones failures."""
    if not isinstance(item, dict):
        return ImportProblem.failed(location, "track entry is not a JSON object")
    attr = item.get("@attr")
    if isinstance(attr, dict) and str(attr.get("nowplaying", "")).lower() == "true":
        return ImportProblem.skipped(
            location, SkipReason.NOW_PLAYING, "now-playing entry, not a scrobble yet"
        )
    date = item.get("date")
    uts = date.get("uts") if isinstance(date, dict) else date
    if uts in (None, ""):
        return ImportProblem.skipped(location, SkipReason.NO_TIMESTAMP, "entry has no date")
    try:
        listened_at = from_unix(uts)
    except (TypeError, ValueError, OverflowError, OSError):
        return ImportProblem.failed(location, f"date.uts is not a unix time: {uts!r:.40}")
    if (bad_time := check_listened_at(listened_at, options)) is not None:
        return ImportProblem.failed(location, bad_time)
    artist_value = item.get("artist")
    artist = _text(artist_value, "#text", "name")
    track = clean_text(item.get("name"))
    if artist is None or track is None:
        return ImportProblem.failed(location, f"missing {'artist' if artist is None else 'track name'}")
    album_value = item.get("album")
    return ListenRecord(
        listened_at=listened_at,
        artist_name=artist,
        track_name=track,
        source=source,
        release_name=_text(album_value, "#text", "name"),
        # The track page URL is Last.fm's only stable track identifier in these pages.
        source_track_id=clean_text(item.get("url")),
        # Last.fm's mbid is a MusicBrainz *track* id, not a recording id (formats.md, Key gotchas).
        track_mbid=clean_mbid(item.get("mbid")),
        release_mbid=clean_mbid(album_value.get("mbid")) if isinstance(album_value, dict) else None,
        artist_mbids=clean_mbids(artist_value.get("mbid")) if isinstance(artist_value, dict) else (),
        payload=item,
    )

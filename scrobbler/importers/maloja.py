"""Maloja export: ``maloja_export_YYYY_MM_DD_HH_MM_SS.json`` = ``{"maloja": {...}, "scrobbles": [...]}``.

formats.md §6 (krateng/maloja maloja/proccontrol/tasks/export.py). Mapped like LB's Maloja importer:
``artists`` joined with ", ", ``duration`` is seconds played, ``track.length`` the track length.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrobbler.importers.fields import clean_text, seconds
from scrobbler.importers.rules import ImportOptions, check_listened_at, from_unix, scrobble_verdict
from scrobbler.importers.streams import first_char, head_keys, iter_json_items, noting_empty, read_head
from scrobbler.records import ImportProblem, ListenRecord, Row

NAME = "maloja"
DESCRIPTION = "Maloja export (maloja_export_*.json)"


def sniff(path: Path) -> bool:
    """An object with a ``maloja`` member, or whose ``scrobbles`` elements have ``time`` and ``track``."""
    head = read_head(path)
    if first_char(head) != "{":
        return False
    keys = head_keys(head)
    return "maloja" in keys.get("", set()) or {"time", "track"} <= keys.get("scrobbles.item", set())


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield each scrobble of the export in file order."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    for entry in iter_json_items(path, ["scrobbles.item"], path.name):
        if isinstance(entry, ImportProblem):
            yield entry
        else:
            yield _record(entry[1], entry[0], options)


def _joined(names: Any) -> str | None:
    """Maloja keeps artists as a list; LB's Maloja importer joins them with ", "."""
    if isinstance(names, str):
        return clean_text(names)
    if not isinstance(names, list):
        return None
    cleaned = [name for name in (clean_text(item) for item in names) if name is not None]
    return ", ".join(cleaned) or None


def _record(scrobble: Any, location: str, options: ImportOptions) -> Row:
    if not isinstance(scrobble, dict):
        return ImportProblem.failed(location, "scrobble is not a JSON object")
    track = scrobble.get("track")
    if not isinstance(track, dict):
        return ImportProblem.failed(location, "missing track")
    if scrobble.get("time") is None:
        return ImportProblem.failed(location, "missing time")
    try:
        listened_at = from_unix(scrobble["time"])
    except (TypeError, ValueError, OverflowError, OSError):
        return ImportProblem.failed(location, f"time is not a unix time: {scrobble['time']!r:.40}")
    if (bad_time := check_listened_at(listened_at, options)) is not None:
        return ImportProblem.failed(location, bad_time)
    artist, title = _joined(track.get("artists")), clean_text(track.get("title"))
    if artist is None or title is None:
        return ImportProblem.failed(location, f"missing {'artists' if artist is None else 'title'}")
    length, played = seconds(track.get("length")), seconds(scrobble.get("duration"))
    if (verdict := scrobble_verdict(length, played, options)) is not None:
        return ImportProblem.skipped(location, verdict[0], verdict[1])
    album = track.get("album")
    album = album if isinstance(album, dict) else {}
    return ListenRecord(
        listened_at=listened_at,
        artist_name=artist,
        track_name=title,
        source=NAME,
        # Older Maloja builds wrote the album title under "name" (import_scrobbles.py::parse_maloja).
        release_name=clean_text(album.get("albumtitle")) or clean_text(album.get("name")),
        album_artist_name=_joined(album.get("artists")),
        duration_secs=length,
        duration_played_secs=played,
        payload=scrobble,
    )

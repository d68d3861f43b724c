"""Spotify account-data history: ``StreamingHistory<n>.json`` / ``StreamingHistory_music_<n>.json``.

formats.md §5: ``{"endTime": "2022-12-05 16:52", "artistName", "trackName", "msPlayed"}``; ``endTime`` is
the UTC *end* of the stream, to the minute, so start times here are only good to about a minute.
The podcast file of the same export (``podcastName``/``episodeName``) is read too, its rows skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrobbler.importers.fields import MAX_DURATION_SECS, clean_text
from scrobbler.importers.rules import ImportOptions, check_listened_at, scrobble_verdict, start_from_end
from scrobbler.importers.streams import first_char, head_keys, iter_json_items, noting_empty, read_head
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

NAME = "spotify_account"
DESCRIPTION = "Spotify account data streaming history (StreamingHistory*.json)"


def sniff(path: Path) -> bool:
    """A JSON array whose elements have ``endTime`` and ``msPlayed``."""
    head = read_head(path)
    return first_char(head) == "[" and {"endTime", "msPlayed"} <= head_keys(head).get("item", set())


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield a listen per music stream played long enough; podcasts and short plays are reasoned skips."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    for entry in iter_json_items(path, ["item"], path.name):
        if isinstance(entry, ImportProblem):
            yield entry
        else:
            yield _record(entry[1], entry[0], options)


def _record(item: Any, location: str, options: ImportOptions) -> Row:
    if not isinstance(item, dict):
        return ImportProblem.failed(location, "entry is not a JSON object")
    if item.get("podcastName") is not None or item.get("episodeName") is not None:
        show = clean_text(item.get("podcastName")) or "a podcast"
        return ImportProblem.skipped(location, SkipReason.PODCAST, f"podcast episode of {show}")
    end_text = item.get("endTime")
    try:
        if not isinstance(end_text, str):
            raise TypeError
        # "2022-12-05 16:52" in UTC; fromisoformat also takes the seconds some dumps add.
        end = datetime.fromisoformat(end_text.strip())
    except (TypeError, ValueError):
        return ImportProblem.failed(location, f"unreadable endTime {end_text!r:.40}")
    end = end.replace(tzinfo=UTC) if end.tzinfo is None else end.astimezone(UTC)
    ms_played = item.get("msPlayed")
    if isinstance(ms_played, bool) or not isinstance(ms_played, int | float):
        return ImportProblem.failed(location, f"unreadable msPlayed {ms_played!r:.40}")
    if not 0 <= ms_played <= MAX_DURATION_SECS * 1000:
        return ImportProblem.failed(location, f"implausible msPlayed {ms_played!r:.40}")
    artist, track = clean_text(item.get("artistName")), clean_text(item.get("trackName"))
    if artist is None or track is None:
        return ImportProblem.failed(location, f"missing {'artistName' if artist is None else 'trackName'}")
    played = ms_played / 1000
    if (verdict := scrobble_verdict(None, played, options)) is not None:
        return ImportProblem.skipped(location, verdict[0], verdict[1])
    listened_at = start_from_end(end, ms_played)
    if (bad_time := check_listened_at(listened_at, options)) is not None:
        return ImportProblem.failed(location, bad_time)
    return ListenRecord(
        listened_at=listened_at,
        artist_name=artist,
        track_name=track,
        source=NAME,
        duration_played_secs=played,
        payload=item,
    )

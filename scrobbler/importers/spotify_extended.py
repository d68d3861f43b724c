"""Spotify extended streaming history: ``Streaming_History_Audio_*.json`` and older ``endsong_*.json``.

formats.md §5. Every stream is logged, not only scrobbles, so this importer applies the skip rules:
incognito rows (LB listens_importer/spotify.py skips them), podcast/audiobook rows (null track fields),
and the scrobble rule on ``ms_played`` alone (see rules.scrobble_verdict). Each skip carries its code.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrobbler.importers.fields import MAX_DURATION_SECS, clean_text, spotify_track_id
from scrobbler.importers.rules import ImportOptions, check_listened_at, scrobble_verdict, start_from_end
from scrobbler.importers.streams import first_char, head_keys, iter_json_items, noting_empty, read_head
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason

NAME = "spotify_extended"
DESCRIPTION = "Spotify extended streaming history (Streaming_History_Audio_*.json, endsong_*.json)"


def sniff(path: Path) -> bool:
    """A JSON array whose elements have Spotify's ``ts`` and ``ms_played``."""
    head = read_head(path)
    return first_char(head) == "[" and {"ts", "ms_played"} <= head_keys(head).get("item", set())


def parse(path: Path, options: ImportOptions | None = None) -> Iterator[Row]:
    """Yield a listen per music stream that passes the rules, and a reasoned skip for every other row."""
    return noting_empty(_rows(path, options or ImportOptions()), path)


def parse_end_time(value: Any) -> datetime:
    """Spotify's ``ts`` ("2023-03-19T18:31:37Z") as aware UTC; a time without offset is taken as UTC."""
    if not isinstance(value, str):
        raise TypeError("ts is not a string")
    moment = datetime.fromisoformat(value.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _rows(path: Path, options: ImportOptions) -> Iterator[Row]:
    for entry in iter_json_items(path, ["item"], path.name):
        if isinstance(entry, ImportProblem):
            yield entry
        else:
            yield _record(entry[1], entry[0], options)


def _content_skip(item: dict[str, Any], location: str) -> ImportProblem | None:
    """Podcast and audiobook rows have null track, artist and album fields (formats.md §5)."""
    if clean_text(item.get("master_metadata_track_name")) is not None:
        return None
    if item.get("spotify_episode_uri") or item.get("episode_name") or item.get("episode_show_name"):
        show = clean_text(item.get("episode_show_name")) or "a podcast"
        return ImportProblem.skipped(location, SkipReason.PODCAST, f"podcast episode of {show}")
    if item.get("audiobook_uri") or item.get("audiobook_title"):
        return ImportProblem.skipped(location, SkipReason.AUDIOBOOK, "audiobook chapter")
    return ImportProblem.skipped(location, SkipReason.NO_METADATA, "no track, episode or audiobook named")


def _record(item: Any, location: str, options: ImportOptions) -> Row:
    if not isinstance(item, dict):
        return ImportProblem.failed(location, "entry is not a JSON object")
    if item.get("incognito_mode") is True and not options.include_incognito:
        return ImportProblem.skipped(
            location, SkipReason.INCOGNITO, "played in a private (incognito) session"
        )
    if (content := _content_skip(item, location)) is not None:
        return content
    try:
        end = parse_end_time(item.get("ts"))
    except (TypeError, ValueError):
        return ImportProblem.failed(location, f"unreadable ts {item.get('ts')!r:.40}")
    ms_played = item.get("ms_played")
    if isinstance(ms_played, bool) or not isinstance(ms_played, int | float):
        return ImportProblem.failed(location, f"unreadable ms_played {ms_played!r:.40}")
    if not 0 <= ms_played <= MAX_DURATION_SECS * 1000:
        return ImportProblem.failed(location, f"implausible ms_played {ms_played!r:.40}")
    artist = clean_text(item.get("master_metadata_album_artist_name"))
    if artist is None:
        return ImportProblem.failed(location, "missing master_metadata_album_artist_name")

    played = ms_played / 1000
    if (verdict := scrobble_verdict(None, played, options)) is not None:
        code, reason = verdict
        if item.get("reason_end") == "trackdone":
            # It ended by itself before 30 s: the track is that short, which Last.fm's rule rejects too.
            code = SkipReason.TOO_SHORT
            reason = f"track finished after {played:g} s, not over {options.min_track_secs:g} s"
        return ImportProblem.skipped(location, code, reason)

    listened_at = start_from_end(end, ms_played)
    if (bad_time := check_listened_at(listened_at, options)) is not None:
        return ImportProblem.failed(location, bad_time)
    uri = clean_text(item.get("spotify_track_uri"))
    return ListenRecord(
        listened_at=listened_at,
        # Documented as "name of the artist, band or podcast": a single (first) artist, not the credit.
        artist_name=artist,
        track_name=clean_text(item.get("master_metadata_track_name")) or "",
        source=NAME,
        # LB's importer reads the misspelled master_metadata_album_name; accept it as a fallback.
        release_name=clean_text(item.get("master_metadata_album_album_name"))
        or clean_text(item.get("master_metadata_album_name")),
        duration_played_secs=played,
        source_track_id=uri,
        spotify_id=spotify_track_id(uri),
        payload=item,
    )

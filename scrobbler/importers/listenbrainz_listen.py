"""One ListenBrainz listen object (export line, legacy export item, API item) to a ListenRecord.

All three LB formats share the submission shape of formats.md §1-2, so they share this converter.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from scrobbler.importers.fields import (
    clean_isrc,
    clean_mbid,
    clean_mbids,
    clean_text,
    seconds,
    spotify_track_id,
    track_number,
)
from scrobbler.importers.rules import ImportOptions, check_listened_at, from_unix, scrobble_verdict
from scrobbler.records import ImportProblem, ListenRecord, Row, SkipReason


def record_from_listen(
    listen: Any, location: str, source: str, options: ImportOptions, text: str | None = None
) -> Row:
    """Convert one LB listen; malformed listens become failed problems, playing-now items skips.
    ``text``: the listen's own JSON text, when the file has one listen per line."""
    if not isinstance(listen, dict):
        return ImportProblem.failed(location, "listen is not a JSON object")
    if listen.get("playing_now"):
        return ImportProblem.skipped(
            location, SkipReason.NOW_PLAYING, "playing-now entry, not a finished listen"
        )
    meta = listen.get("track_metadata")
    if not isinstance(meta, dict):
        return ImportProblem.failed(location, "missing track_metadata")
    if listen.get("listened_at") is None:
        return ImportProblem.failed(location, "missing listened_at")
    try:
        # LB background/export.py: epochs come from SQL and may carry fractions; LB int()s them.
        listened_at = from_unix(listen["listened_at"])
    except (TypeError, ValueError, OverflowError, OSError):
        return ImportProblem.failed(
            location, f"listened_at is not a unix time: {listen['listened_at']!r:.40}"
        )
    if (bad_time := check_listened_at(listened_at, options)) is not None:
        return ImportProblem.failed(location, bad_time)
    artist = clean_text(meta.get("artist_name"))
    track = clean_text(meta.get("track_name"))
    if artist is None or track is None:
        missing = "artist_name" if artist is None else "track_name"
        return ImportProblem.failed(location, f"missing or empty track_metadata.{missing}")

    info = meta.get("additional_info")
    if not isinstance(info, dict) or not info:
        info = _EMPTY
    get = info.get
    # Most optional fields are absent from most listens: each cleaner below runs only for a value that is
    # there (``x if (x := get(key)) is None else clean(x)``), a tenth of a large import's parse time.
    # LB api_tools.py: duration_ms or duration (seconds), never both; duration_played in seconds.
    duration = seconds(get("duration_ms"), 0.001) or seconds(get("duration"))
    played = None if (value := get("duration_played")) is None else seconds(value)
    if played is not None and (verdict := scrobble_verdict(duration, played, options)) is not None:
        return ImportProblem.skipped(location, verdict[0], verdict[1])

    submitted_recording = None if (value := get("recording_mbid")) is None else clean_mbid(value)
    mapping = meta.get("mbid_mapping")
    mapping = mapping if isinstance(mapping, dict) else _EMPTY
    # formats.md §2: the submitted recording_mbid wins over the mapper's. Take the mapping's release and
    # artists only when they describe the same recording, so the record never mixes two recordings.
    mapped_recording = clean_mbid(mapping.get("recording_mbid")) if mapping else None
    if submitted_recording is not None and mapped_recording != submitted_recording:
        mapping = _EMPTY
    release_mbid = None if (value := get("release_mbid")) is None else clean_mbid(value)
    artist_mbids = () if (value := get("artist_mbids")) is None else clean_mbids(value)
    if mapping:
        release_mbid = release_mbid or clean_mbid(mapping.get("release_mbid"))
        artist_mbids = artist_mbids or clean_mbids(mapping.get("artist_mbids"))

    # Export lines carry recording_msid inside track_metadata; API and legacy listens at the top level.
    msid = clean_text(meta.get("recording_msid")) or clean_text(listen.get("recording_msid"))
    if info is _EMPTY:
        isrc = spotify_id = album_artist = number = release_group_mbid = track_mbid = None
    else:
        isrc = None if (value := get("isrc")) is None else clean_isrc(value)
        spotify_id = None if (value := get("spotify_id")) is None else spotify_track_id(value)
        if spotify_id is None and (value := get("origin_url")) is not None:
            spotify_id = spotify_track_id(value)
        album_artist = None if (value := get("release_artist_name")) is None else clean_text(value)
        if album_artist is None and (value := get("albumartist")) is not None:
            album_artist = clean_text(value)
        number = None if (value := get("tracknumber")) is None else track_number(value)
        release_group_mbid = None if (value := get("release_group_mbid")) is None else clean_mbid(value)
        track_mbid = None if (value := get("track_mbid")) is None else clean_mbid(value)
    # Positional, in field order (_RECORD_FIELDS, checked at import): a third of the keyword call's cost.
    return ListenRecord(
        listened_at,
        artist,
        track,
        source,
        clean_text(meta.get("release_name")),  # release_name
        None,  # user
        duration,  # duration_secs
        played,  # duration_played_secs
        msid,  # source_track_id
        submitted_recording or mapped_recording,  # recording_mbid
        release_mbid,
        release_group_mbid,
        artist_mbids,
        track_mbid,
        isrc,
        spotify_id,
        album_artist,  # album_artist_name
        number,  # track_number
        listen,  # payload
        text,  # payload_json
    )


_RECORD_FIELDS = (
    "listened_at",
    "artist_name",
    "track_name",
    "source",
    "release_name",
    "user",
    "duration_secs",
    "duration_played_secs",
    "source_track_id",
    "recording_mbid",
    "release_mbid",
    "release_group_mbid",
    "artist_mbids",
    "track_mbid",
    "isrc",
    "spotify_id",
    "album_artist_name",
    "track_number",
    "payload",
    "payload_json",
    "source_timestamp",  # not passed: LB listens carry real epochs
)
if tuple(f.name for f in fields(ListenRecord)) != _RECORD_FIELDS:  # pragma: no cover
    raise RuntimeError("ListenRecord's fields changed: update record_from_listen's positional call")
_EMPTY: dict[str, Any] = {}

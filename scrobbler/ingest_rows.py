"""Turning a ListenRecord into the column values ingest writes, checked before any INSERT.

Checks run here, not in the database, because MariaDB's INSERT IGNORE turns errors it should report
(over-long strings, bad values) into warnings and silently truncated rows; SQLite would store them as
given. A row that fails here is reported as failed with its location, never half-written.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Any, NamedTuple

import orjson

from models.normalize import normalize
from models.types import to_epoch
from scrobbler.records import ListenRecord

# Column widths of models/listens.py (ListenRaw / Listen).
_SOURCE_WIDTH = 64
_SOURCE_TRACK_ID_WIDTH = 255
_NAME_WIDTH = 1024
_ISRC_WIDTH = 16
_SPOTIFY_WIDTH = 64
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# PreparedListen's leading fields that are listens columns as they are.
LISTEN_FIELDS = 13
# Derived source track ids start with this, so they can never equal a real one (see derived_track_key).
DERIVED_KEY_PREFIX = "~names:"


class RowRejected(ValueError):
    """The record cannot be stored as it is; the message is the reason shown in the import report."""


class PreparedListen(NamedTuple):
    """One record's checked values for listens_raw and listens, plus the keys ingest matches on.

    A plain tuple: cheap to build, and cheap to pickle when a parse worker process sends it to the
    writer (scrobbler/ingest_worker.py). The first :data:`LISTEN_FIELDS` fields are, in order, the
    listens columns from ``listened_at`` to ``spotify_id`` (scrobbler/ingest_batch.py slices them).
    """

    listened_at: int
    played_secs: float | None  # listens.duration_secs: how long it was listened to
    duration_secs: float | None  # listens.track_duration_secs: the track's length
    source: str
    artist_name: str  # stripped
    track_name: str  # stripped
    release_name: str | None
    artist_normalized: str
    track_normalized: str
    release_normalized: str | None
    recording_mbid: str | None
    isrc: str | None
    spotify_id: str | None
    source_track_id: str
    payload_json: str
    # listens_raw.listened_at: the line's own timestamp as written when the source's clock needed a zone
    # to read it (ListenRecord.source_timestamp), else the same epoch as ``listened_at``. It is part of the
    # raw dedupe key, so a re-import in another --timezone adds nothing.
    raw_listened_at: int
    # A MusicBrainz "track" id the source gave (Last.fm's mbid, LB's additional_info.track_mbid): linked at
    # ingest when it names one library track, as its release-track id or (Last.fm's pre-2011 track ids
    # became recording ids) as its recording id. Not a listens column: it links or it stays in the payload.
    track_mbid: str | None = None

    @property
    def raw_key(self) -> tuple[int, str, str]:
        """The listens_raw dedupe key without the user (one ingest run writes for one user)."""
        return (self.raw_listened_at, self.source, self.source_track_id)

    @property
    def names(self) -> tuple[str, str]:
        """(artist, track) normalized: what cross-source duplicates are matched on."""
        return (self.artist_normalized, self.track_normalized)


def derived_track_key(artist_normalized: str, track_normalized: str) -> str:
    """A stand-in source track id for sources that give none (Last.fm CSV, .scrobbler.log, Spotify...).

    Without it, two different listens in the same second from the same source would share the raw dedupe
    key and the second would be lost. Maloja bumps the second one by +1 s; we keep the true time and key
    on the names instead, so an exact repeat of a row is still a duplicate and re-imports stay idempotent.
    """
    digest = hashlib.sha1(f"{artist_normalized}\x1f{track_normalized}".encode()).hexdigest()[:20]
    return DERIVED_KEY_PREFIX + digest


def payload_text(payload: dict[str, Any]) -> str:
    """The source row as JSON text, verbatim; falls back to the stdlib for what orjson refuses
    (integers past 64 bits, non-string keys)."""
    try:
        return orjson.dumps(payload).decode()
    except TypeError:
        return json.dumps(payload, ensure_ascii=False, default=str)


def _positive_or_none(value: float | None) -> float | None:
    if value is None or value != value or value <= 0:  # None, NaN, zero or negative: unknown
        return None
    return float(value)


def _mbid_or_none(value: str | None) -> str | None:
    if not value:
        return None
    if _CANONICAL_UUID.fullmatch(value):  # what importers already give (fields.clean_mbid): no re-parse
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def prepare(record: ListenRecord) -> PreparedListen:
    """Checked column values for ``record``; raises :class:`RowRejected` with a reason a person can act on.

    Optional ids that do not fit (a malformed MBID, an over-long ISRC) are dropped rather than failing the
    listen: the raw payload keeps them, and the listen itself is still real.
    """
    return _as_prepared(PreparedListen, prepare_values(record))


# tuple.__new__(PreparedListen, values): a PreparedListen view of a plain tuple of its fields, without
# NamedTuple's per-call Python (_make, __new__ with 15 arguments). Callers pass tuples of prepare_values().
_as_prepared = tuple.__new__


def as_prepared(values: tuple[Any, ...]) -> PreparedListen:
    """The :class:`PreparedListen` whose fields are ``values`` (a tuple from :func:`prepare_values`)."""
    return _as_prepared(PreparedListen, values)


def prepare_values(record: ListenRecord) -> tuple[Any, ...]:
    """:func:`prepare` as a plain tuple of the PreparedListen fields: what the parser process marshals
    (scrobbler/ingest_worker.py), without building a named tuple it would only convert back."""
    source = record.source
    if not source or len(source) > _SOURCE_WIDTH:
        raise RowRejected(f"source name must be 1 to {_SOURCE_WIDTH} characters")
    artist = record.artist_name.strip() if isinstance(record.artist_name, str) else ""
    track = record.track_name.strip() if isinstance(record.track_name, str) else ""
    if not artist or not track:
        raise RowRejected("missing artist or track name")
    release = record.release_name
    if len(artist) > _NAME_WIDTH or len(track) > _NAME_WIDTH or (release and len(release) > _NAME_WIDTH):
        for label, text in (("artist", artist), ("track", track), ("release", release or "")):
            if len(text) > _NAME_WIDTH:
                raise RowRejected(f"{label} name longer than {_NAME_WIDTH} characters")
    if record.source_track_id is not None and len(record.source_track_id) > _SOURCE_TRACK_ID_WIDTH:
        raise RowRejected(f"source track id longer than {_SOURCE_TRACK_ID_WIDTH} characters")
    artist_normalized = normalize(artist)
    track_normalized = normalize(track)
    isrc = record.isrc if record.isrc and len(record.isrc) <= _ISRC_WIDTH else None
    spotify_id = record.spotify_id if record.spotify_id and len(record.spotify_id) <= _SPOTIFY_WIDTH else None
    when = record.listened_at
    # ListenRecord guarantees aware UTC; datetime.timestamp() is exact for whole seconds.
    listened_at = int(when.timestamp()) if when.tzinfo is not None else to_epoch(when)
    source_track_id = record.source_track_id or derived_track_key(artist_normalized, track_normalized)
    return (
        listened_at,
        _positive_or_none(record.duration_played_secs),
        _positive_or_none(record.duration_secs),
        source,
        artist,
        track,
        release,
        artist_normalized,
        track_normalized,
        (normalize(release) or None) if release else None,
        _mbid_or_none(record.recording_mbid),
        isrc.upper() if isrc else None,
        spotify_id,
        source_track_id,
        record.payload_json or payload_text(record.payload),
        listened_at if record.source_timestamp is None else record.source_timestamp,
        _mbid_or_none(record.track_mbid),
    )

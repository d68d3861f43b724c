"""What every listen importer yields: one :class:`ListenRecord` per listen, or an :class:`ImportProblem`.

Importers are pure parsers (no database, no printing), so these types carry everything the ingest step
needs to write ``listens_raw`` (``source``, ``source_track_id``, ``listened_at``, ``payload``) and
everything a matcher can use to link the listen to a track (names, MBIDs, ISRC, Spotify id, durations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, TypeAlias


class SkipReason(StrEnum):
    """Why a readable row was deliberately not turned into a listen (``ImportProblem.skip_reason``).

    Values are plain strings, so callers can count and compare them as ``"too_short"`` etc.
    """

    TOO_SHORT = "too_short"  # the track itself is not longer than the minimum (Last.fm: 30 s)
    NOT_PLAYED_ENOUGH = "not_played_enough"  # played for less than the scrobble rule asks
    SKIPPED_BY_PLAYER = "skipped_by_player"  # the player itself marked it skipped (.scrobbler.log "S")
    PODCAST = "podcast"
    AUDIOBOOK = "audiobook"
    NO_METADATA = "no_metadata"  # e.g. Spotify rows whose track, episode and audiobook fields are all null
    UNTAGGED = "untagged"  # Rockbox writes "<Untagged>" for files without tags
    INCOGNITO = "incognito"
    NOW_PLAYING = "now_playing"
    NO_TIMESTAMP = "no_timestamp"
    EMPTY_FILE = "empty_file"


# Not frozen: a frozen dataclass sets each of its 20 fields through object.__setattr__, which made building a
# record 4.4 us instead of 0.8 us, a tenth of a large import's parse time. Nothing mutates records; they
# stay hashable (payload excluded) so callers can put them in sets.
@dataclass(slots=True, unsafe_hash=True)
class ListenRecord:
    """One listen as read from a source file, before any database work.

    ``listened_at`` is always an aware UTC datetime of the playback *start* in whole seconds (sources that
    log end times are converted). ``user`` is left None by importers; the caller decides whose listen it is.
    ``payload`` is the source row verbatim (JSON-serializable) for ``listens_raw.payload_json``.
    """

    listened_at: datetime
    artist_name: str
    track_name: str
    source: str
    release_name: str | None = None
    user: str | None = None
    # Track length and time actually played, in seconds.
    duration_secs: float | None = None
    duration_played_secs: float | None = None
    # A stable id of the track *in the source* (Spotify track URI, LB recording_msid, Last.fm track URL).
    # Part of the listens_raw dedupe key, so it must not change between two imports of the same file.
    source_track_id: str | None = None
    recording_mbid: str | None = None
    release_mbid: str | None = None
    release_group_mbid: str | None = None
    artist_mbids: tuple[str, ...] = ()
    # Last.fm's "mbid" is a MusicBrainz *track* id, not a recording id (formats.md, Key gotchas).
    track_mbid: str | None = None
    isrc: str | None = None
    # Bare base62 Spotify track id ("50DMJJpAeQv4fIpxZvQz2e"), whatever form the source wrote.
    spotify_id: str | None = None
    album_artist_name: str | None = None
    # A string because sources write "3", "3/12" or vinyl sides like "A1".
    track_number: str | None = None
    payload: dict[str, Any] = field(default_factory=dict, hash=False)
    # The row's own JSON text when the source has one JSON document per line (ListenBrainz JSONL): stored
    # as it was written instead of re-serializing ``payload``.
    payload_json: str | None = field(default=None, hash=False, compare=False)
    # The source's own timestamp when the importer had to interpret it (a .scrobbler.log written in the
    # device's wall-clock time, read in --timezone): the listens_raw key keeps it, so re-importing the same
    # file in another zone finds the rows already stored instead of storing every listen again.
    source_timestamp: int | None = None

    def __post_init__(self) -> None:
        listened_at = self.listened_at
        if listened_at.tzinfo is UTC:
            return
        if listened_at.tzinfo is None or listened_at.utcoffset() is None:
            raise ValueError("ListenRecord.listened_at must be timezone-aware")
        self.listened_at = listened_at.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A row that did not become a listen, with where it was and why, so no skip is silent.

    ``kind="skipped"``: the row was read fine but is deliberately not a listen (``skip_reason`` says why).
    ``kind="failed"``: the row could not be read (malformed, missing fields, impossible timestamp).
    """

    location: str
    reason: str
    kind: Literal["skipped", "failed"]
    skip_reason: SkipReason | None = None

    @classmethod
    def skipped(cls, location: str, skip_reason: SkipReason, reason: str) -> ImportProblem:
        return cls(location=location, reason=reason, kind="skipped", skip_reason=skip_reason)

    @classmethod
    def failed(cls, location: str, reason: str) -> ImportProblem:
        return cls(location=location, reason=reason, kind="failed")


Row: TypeAlias = ListenRecord | ImportProblem

"""Playlists (series on a platform or local), the entries they were imported from with how each matched,
and events with their recorded sets."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, media_table_args
from models.enums import enum_column_type
from models.types import DurationSecs, FilePath, UTCDateTime, utcnow


class Playlist(Base):
    __tablename__ = "playlists"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(64), default="local")
    owner_publisher_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.publishers.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlaylistItem(Base):
    """One entry: a track or a whole release, never both (a CHECK on both engines, and service logic)."""

    __tablename__ = "playlist_items"
    __table_args__ = media_table_args(
        UniqueConstraint("playlist_id", "position"),
        CheckConstraint(
            "(track_id IS NULL AND release_id IS NOT NULL) OR (track_id IS NOT NULL AND release_id IS NULL)",
            name="track_xor_release",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("medialibrary.playlists.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    track_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.tracks.id", ondelete="CASCADE"), index=True
    )
    release_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.releases.id", ondelete="CASCADE"), index=True
    )


class Event(Base):
    """A festival, show or broadcast (Defqon.1, Qlimax...)."""

    __tablename__ = "events"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1024))
    name_normalized: Mapped[str] = mapped_column(String(255), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(1024))


class EventRecording(Base):
    __tablename__ = "event_recordings"
    __table_args__ = media_table_args()

    event_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.events.id", ondelete="CASCADE"), primary_key=True
    )
    track_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.tracks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    stage: Mapped[str | None] = mapped_column(String(255))
    set_time: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EntryStatus(enum.StrEnum):
    """How a playlist entry was matched to the library (``playlist_entries.status``)."""

    MATCHED = "matched"  # linked to a track (automatically, or by a review decision: reason says which)
    AMBIGUOUS = "ambiguous"  # candidates kept in playlist_entry_candidates, waiting for review
    MISSING = "missing"  # nothing plausible in the library ("what you don't have")


class PlaylistSource(Base):
    """The file a playlist was imported from: re-importing the same file updates that playlist instead of
    adding another. ``source_key`` is the SHA-1 of the absolute path's bytes (like media_files)."""

    __tablename__ = "playlist_sources"
    __table_args__ = media_table_args()

    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.playlists.id", ondelete="CASCADE"), primary_key=True
    )
    source_path: Mapped[str] = mapped_column(FilePath)
    source_key: Mapped[str] = mapped_column(String(40), unique=True)
    format: Mapped[str] = mapped_column(
        String(16)
    )  # m3u | pls | xspf | jspf | spotify | text | cue | setlist
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlaylistEntry(Base):
    """One entry of an imported (or built) playlist as its source gave it, with how it matched.

    playlist_items holds only what resolved to a track (its XOR rule has no room for "nothing"); this row
    keeps every entry, matched or not, in source order, so missing entries can be listed and re-matched
    when the library grows. ``position`` is shared with the entry's playlist_items row when it has one.
    """

    __tablename__ = "playlist_entries"
    __table_args__ = media_table_args(
        UniqueConstraint("playlist_id", "position"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("medialibrary.playlists.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    line_no: Mapped[int | None] = mapped_column(Integer)  # where in the source file, for messages
    artist: Mapped[str | None] = mapped_column(String(1024))
    title: Mapped[str | None] = mapped_column(String(1024))
    album: Mapped[str | None] = mapped_column(String(1024))
    location: Mapped[str | None] = mapped_column(Text)  # path or URI exactly as the source wrote it
    duration_secs: Mapped[float | None] = mapped_column(DurationSecs)
    start_secs: Mapped[float | None] = mapped_column(DurationSecs)  # cue point in a mix / CUE sheet
    ids_json: Mapped[str | None] = mapped_column(
        Text
    )  # {"recording_mbid": ..., "isrc": ..., "spotify_id": ...}
    track_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.tracks.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[EntryStatus] = mapped_column(
        enum_column_type(EntryStatus, "playlist_entry_status"), default=EntryStatus.MISSING, index=True
    )
    reason: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(255))  # a set's mixing recommendation into this entry


class PlaylistEntryCandidate(Base):
    """A library track an ambiguous (or linked-with-rivals) entry might be, like listen_match_candidates."""

    __tablename__ = "playlist_entry_candidates"
    __table_args__ = media_table_args()

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.playlist_entries.id", ondelete="CASCADE"), primary_key=True
    )
    track_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.tracks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[int] = mapped_column(Integer)
    features_json: Mapped[str | None] = mapped_column(Text)

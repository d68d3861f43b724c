"""Playlists (series on a platform or local) and events with their recorded sets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, media_table_args
from models.types import UTCDateTime, utcnow


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

"""Recordings and what hangs off them: credits, genres, labels, aliases, provenance-tagged attributes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, media_table_args
from models.enums import ArtistRole, enum_column_type
from models.types import DurationSecs, LongText, UTCDateTime, utcnow


class Track(Base):
    """A recording. ``track_uid`` is the stable identity (see docs/data-model.md for how it is formed)."""

    __tablename__ = "tracks"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    track_uid: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(1024))
    title_normalized: Mapped[str] = mapped_column(String(255), index=True)
    duration_secs: Mapped[float | None] = mapped_column(DurationSecs)
    primary_artist_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.artists.id", ondelete="SET NULL"), index=True
    )
    album_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.release_groups.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TrackArtist(Base):
    """An artist credited on a track in a role; ``position`` keeps the credit order, ``join_phrase`` the
    text that followed the name (" feat. ", " & "), so the credit string can be rebuilt as printed."""

    __tablename__ = "track_artists"
    __table_args__ = media_table_args(UniqueConstraint("track_id", "artist_id", "role"))

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("medialibrary.tracks.id", ondelete="CASCADE"))
    artist_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.artists.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[ArtistRole] = mapped_column(
        enum_column_type(ArtistRole, "artist_role"), default=ArtistRole.PRIMARY
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    credited_name: Mapped[str | None] = mapped_column(String(1024))
    join_phrase: Mapped[str] = mapped_column(String(64), default="", server_default="")


class Genre(Base):
    __tablename__ = "genres"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    name_normalized: Mapped[str] = mapped_column(String(255), unique=True)


class TrackGenre(Base):
    __tablename__ = "track_genres"
    __table_args__ = media_table_args()

    track_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.tracks.id", ondelete="CASCADE"), primary_key=True
    )
    genre_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.genres.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    weight: Mapped[float] = mapped_column(Float, default=1.0)


class TrackLabel(Base):
    __tablename__ = "track_labels"
    __table_args__ = media_table_args()

    track_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.tracks.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.labels.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TitleAlias(Base):
    """Another title the track is known by: a variant suffix from tags ("… (Remastered 2011)") or a raw
    listen title a reviewer linked to it. ``kind`` says which (remaster, radio_edit, live, review, …)."""

    __tablename__ = "title_aliases"
    __table_args__ = media_table_args(UniqueConstraint("track_id", "alias_normalized"))

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("medialibrary.tracks.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(1024))
    alias_normalized: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="variant")
    source: Mapped[str] = mapped_column(String(32), default="tag")  # tag | review | musicbrainz
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TagSource(Base):
    """Where an attribute value came from; a higher ``priority`` wins when sources disagree."""

    __tablename__ = "tag_sources"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)


class TrackTagAttribute(Base):
    """Any tag key/value of a track, so nothing read from a file is lost (the resolved value per key)."""

    __tablename__ = "track_tag_attributes"
    __table_args__ = media_table_args(UniqueConstraint("track_id", "key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("medialibrary.tracks.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(LongText)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.tag_sources.id", ondelete="SET NULL"), index=True
    )

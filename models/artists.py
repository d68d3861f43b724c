"""Artists and their alternate spellings (medialibrary)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, media_table_args
from models.types import MBID, UTCDateTime, utcnow


class Artist(Base):
    __tablename__ = "artists"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1024))
    sort_name: Mapped[str | None] = mapped_column(String(1024))
    # Unique: one canonical artist per normalized spelling (contract: "Indexing and constraints").
    name_normalized: Mapped[str] = mapped_column(String(255), unique=True)
    mbid: Mapped[str | None] = mapped_column(MBID, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    aliases: Mapped[list[ArtistAlias]] = relationship(back_populates="artist", cascade="all, delete-orphan")


class ArtistAlias(Base):
    """Another spelling that should resolve to the artist: from tags, MusicBrainz or a review decision."""

    __tablename__ = "artist_aliases"
    __table_args__ = media_table_args(UniqueConstraint("artist_id", "alias"))

    id: Mapped[int] = mapped_column(primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("medialibrary.artists.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(255))
    alias_normalized: Mapped[str] = mapped_column(String(255), index=True)
    source: Mapped[str] = mapped_column(String(32), default="tag")  # tag | musicbrainz | review
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    artist: Mapped[Artist] = relationship(back_populates="aliases")

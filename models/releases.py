"""Release groups, releases (editions), their tracklists, labels and publishers (medialibrary)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, media_table_args
from models.enums import ReleaseGroupType, enum_column_type
from models.types import MBID, UTCDateTime, utcnow


class ReleaseGroup(Base):
    """The umbrella of all editions of one album/single/EP."""

    __tablename__ = "release_groups"
    __table_args__ = media_table_args(UniqueConstraint("primary_artist_id", "title_normalized"))

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(1024))
    title_normalized: Mapped[str] = mapped_column(String(255), index=True)
    type: Mapped[ReleaseGroupType] = mapped_column(
        enum_column_type(ReleaseGroupType, "release_group_type"), default=ReleaseGroupType.ALBUM
    )
    mbid: Mapped[str | None] = mapped_column(MBID, index=True)
    primary_artist_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.artists.id", ondelete="SET NULL")
    )
    year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Release(Base):
    """A concrete edition. ``release_date`` is ISO text of the precision known ('1999', '1999-03', '1999-03-02')
    and '' when unknown, so the (group, title, date) uniqueness holds for undated editions too."""

    __tablename__ = "releases"
    __table_args__ = media_table_args(
        UniqueConstraint("release_group_id", "title_normalized", "release_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(1024))
    title_normalized: Mapped[str] = mapped_column(String(255), index=True)
    release_date: Mapped[str] = mapped_column(String(10), default="", server_default="")
    release_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.release_groups.id", ondelete="SET NULL")
    )
    country: Mapped[str | None] = mapped_column(String(8))
    format: Mapped[str | None] = mapped_column(String(64))  # media: CD, Digital Media, 12" Vinyl...
    mbid: Mapped[str | None] = mapped_column(MBID, index=True)
    barcode: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReleaseItem(Base):
    """One line of a release's tracklist. Disc/track 0 means unknown (kept NOT NULL for the unique key)."""

    __tablename__ = "release_items"
    __table_args__ = media_table_args(UniqueConstraint("release_id", "track_id", "disc_no", "track_no"))

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("medialibrary.releases.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.tracks.id", ondelete="CASCADE"), index=True
    )
    disc_no: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    track_no: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Label(Base):
    __tablename__ = "labels"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1024))
    name_normalized: Mapped[str] = mapped_column(String(255), unique=True)
    mbid: Mapped[str | None] = mapped_column(MBID)


class ReleaseLabel(Base):
    """A label on a release, with its catalog number ('' when none)."""

    __tablename__ = "release_labels"
    __table_args__ = media_table_args(UniqueConstraint("release_id", "label_id", "cat_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("medialibrary.releases.id", ondelete="CASCADE"))
    label_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.labels.id", ondelete="CASCADE"), index=True
    )
    cat_id: Mapped[str] = mapped_column(String(128), default="", server_default="")
    role: Mapped[str | None] = mapped_column(String(64))
    territory: Mapped[str | None] = mapped_column(String(64))


class Publisher(Base):
    """A channel or platform account (a YouTube channel, a SoundCloud user...)."""

    __tablename__ = "publishers"
    __table_args__ = media_table_args()

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1024))
    name_normalized: Mapped[str] = mapped_column(String(255), index=True)
    platform: Mapped[str] = mapped_column(String(64))  # youtube | soundcloud | spotify | ...
    handle: Mapped[str | None] = mapped_column(String(255))


class ReleasePublisher(Base):
    __tablename__ = "release_publishers"
    __table_args__ = media_table_args()

    release_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.releases.id", ondelete="CASCADE"), primary_key=True
    )
    publisher_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.publishers.id", ondelete="CASCADE"), primary_key=True
    )

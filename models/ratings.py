"""Album ratings: per user, a rating of 0.5-5.0 in halves, a favourite track and a review (medialibrary).

Kept beside the albums they rate (release_groups), so deleting or merging an album takes its ratings along
through real foreign keys on every layout. ``user_id`` points into the listens schema: across attached
SQLite files that key cannot be declared, so :mod:`analyzer.curation.ratings` checks it on every write.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, media_table_args
from models.types import UTCDateTime, utcnow


class AlbumRating(Base):
    """One person's verdict on one album. ``rating_halves`` is the rating times two (1..10), so 3.5 stars
    is stored exactly on both engines."""

    __tablename__ = "album_ratings"
    __table_args__ = media_table_args(
        UniqueConstraint("user_id", "release_group_id"),
        CheckConstraint("rating_halves >= 1 AND rating_halves <= 10", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)  # listens.users.id, app-checked; first in the unique key
    release_group_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.release_groups.id", ondelete="CASCADE"), index=True
    )
    rating_halves: Mapped[int] = mapped_column(Integer)
    favourite_track_id: Mapped[int | None] = mapped_column(
        ForeignKey("medialibrary.tracks.id", ondelete="SET NULL"), index=True
    )
    review: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

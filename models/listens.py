"""Listening history: immutable raw ingest, canonical listens, match candidates and facets (listens schema).

Foreign keys into the medialibrary schema (tracks, artists, genres) are real on MariaDB and on a single
SQLite file; across attached SQLite files they cannot be enforced, so the writers check them
(:mod:`models.integrity`) and `tonearm db check` reports orphans.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Computed,
    Double,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, listens_table_args
from models.enums import EnrichStatus, enum_column_type
from models.types import MBID, DurationSecs, LongText, UnixTime, UTCDateTime, utcnow


class ListenRaw(Base):
    """A scrobble exactly as it arrived; never updated.

    Dedupe key (contract): (user_id, listened_at, source, COALESCE(source_track_id, '')). Neither engine
    accepts that expression portably in a unique key (MariaDB has no functional key parts), so the
    COALESCE lives in a STORED generated column, ``source_track_key``, that both SQLite (>= 3.31) and
    MariaDB index like any column. Inserts use INSERT-or-ignore on this key.
    """

    __tablename__ = "listens_raw"
    __table_args__ = listens_table_args(
        UniqueConstraint(
            "user_id", "listened_at", "source", "source_track_key", name="uq_listens_raw_dedupe"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("listens.users.id", ondelete="CASCADE"))
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(64))
    source_track_id: Mapped[str | None] = mapped_column(String(255))
    # Declared nullable because MariaDB refuses NOT NULL on generated columns; COALESCE never yields NULL.
    source_track_key: Mapped[str | None] = mapped_column(
        String(255), Computed("COALESCE(source_track_id, '')", persisted=True), nullable=True
    )
    payload_json: Mapped[str] = mapped_column(LongText)
    listened_at: Mapped[datetime] = mapped_column(UnixTime)


class Listen(Base):
    """One canonical listening event. The raw names are kept beside the link so a listen stays meaningful
    (and re-matchable) whatever happens to the catalog."""

    __tablename__ = "listens"
    __table_args__ = listens_table_args(
        UniqueConstraint("user_id", "track_id", "listened_at", name="uq_listen_dedupe"),
        # Every lookup by track, and the library's plays and last play per track read from the index
        # alone (one pass over 1M listens: 1.17 -> 0.58 CPU-s); same count of indexes as before (0007).
        Index("ix_listens_track_id_listened_at", "track_id", "listened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_id: Mapped[int] = mapped_column(ForeignKey("listens.listens_raw.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("listens.users.id", ondelete="CASCADE"))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("medialibrary.tracks.id", ondelete="SET NULL"))
    listened_at: Mapped[datetime] = mapped_column(UnixTime)
    duration_secs: Mapped[float | None] = mapped_column(DurationSecs)  # observed listening length
    track_duration_secs: Mapped[float | None] = mapped_column(DurationSecs)  # length the source reported
    source: Mapped[str] = mapped_column(String(64))
    artist_name: Mapped[str] = mapped_column(String(1024))
    track_name: Mapped[str] = mapped_column(String(1024))
    release_name: Mapped[str | None] = mapped_column(String(1024))
    artist_name_normalized: Mapped[str] = mapped_column(String(255))
    track_name_normalized: Mapped[str] = mapped_column(String(255))
    release_name_normalized: Mapped[str | None] = mapped_column(String(255))
    recording_mbid: Mapped[str | None] = mapped_column(MBID)  # not indexed: looked up via external_ids (0004)
    isrc: Mapped[str | None] = mapped_column(String(16))
    spotify_id: Mapped[str | None] = mapped_column(String(64))
    enrich_status: Mapped[EnrichStatus] = mapped_column(
        enum_column_type(EnrichStatus, "enrich_status"), default=EnrichStatus.PENDING, index=True
    )
    match_confidence: Mapped[float | None] = mapped_column(Float)
    match_reason: Mapped[str | None] = mapped_column(String(64))
    last_enriched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(255))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ListenSource(Base):
    """A raw row that repeats a canonical listen from another source (``relation='duplicate'``), so no
    arrival is silently lost. A listen's own first raw row is ``listens.raw_id`` and is not repeated here
    (migration 0003): every raw row is either some listen's raw_id or a listen_sources row."""

    __tablename__ = "listen_sources"
    __table_args__ = listens_table_args()

    listen_id: Mapped[int] = mapped_column(
        ForeignKey("listens.listens.id", ondelete="CASCADE"), primary_key=True
    )
    raw_id: Mapped[int] = mapped_column(
        ForeignKey("listens.listens_raw.id", ondelete="CASCADE"), primary_key=True, unique=True
    )
    relation: Mapped[str] = mapped_column(String(16), default="duplicate")


class ListenMatchCandidate(Base):
    __tablename__ = "listen_match_candidates"
    __table_args__ = listens_table_args(UniqueConstraint("listen_id", "track_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    listen_id: Mapped[int] = mapped_column(ForeignKey("listens.listens.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.tracks.id", ondelete="CASCADE"), index=True
    )
    confidence: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    features_json: Mapped[str | None] = mapped_column(LongText)  # per-signal scores
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ListenArtist(Base):
    __tablename__ = "listen_artists"
    __table_args__ = listens_table_args()

    listen_id: Mapped[int] = mapped_column(
        ForeignKey("listens.listens.id", ondelete="CASCADE"), primary_key=True
    )
    artist_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.artists.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ListenGenre(Base):
    __tablename__ = "listen_genres"
    __table_args__ = listens_table_args()

    listen_id: Mapped[int] = mapped_column(
        ForeignKey("listens.listens.id", ondelete="CASCADE"), primary_key=True
    )
    genre_id: Mapped[int] = mapped_column(
        ForeignKey("medialibrary.genres.id", ondelete="CASCADE"), primary_key=True, index=True
    )


# The contract's (user_id, listened_at DESC): history pages and stats read newest first per user.
Index("ix_listens_user_listened_at", Listen.user_id, Listen.listened_at.desc())


class _ArtistRollup:
    """Columns shared by the artist rollups (derived data, see :class:`ListenArtistDay`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("listens.users.id", ondelete="CASCADE"))
    artist_id: Mapped[int | None] = mapped_column(Integer)  # no FK: derived, rebuilt when listens change
    artist_name_normalized: Mapped[str | None] = mapped_column(String(255))
    artist_name: Mapped[str | None] = mapped_column(String(1024))
    plays: Mapped[int] = mapped_column(Integer)
    secs: Mapped[float] = mapped_column(Double)  # sums of years of seconds: double precision on MariaDB too


class ListenArtistDay(_ArtistRollup, Base):
    """Derived data for artist stats: plays and listening seconds per (user, UTC day, artist).

    A rollup of ``listens`` + ``listen_artists``, rebuilt from them for the days a writer marked in
    :class:`ListenStatsState`; never a source of truth. A listen with artists counts under each
    ``artist_id``; a listen without any counts under its raw ``artist_name_normalized`` (``artist_id``
    NULL), with one of its raw spellings in ``artist_name``. ``day`` is whole days since 1970-01-01 UTC,
    so any zone's local range is whole rollup days plus at most two partial days read from ``listens``.
    """

    __tablename__ = "listen_artist_days"
    __table_args__ = listens_table_args(Index("ix_listen_artist_days_user_day", "user_id", "day"))

    day: Mapped[int] = mapped_column(Integer)


class ListenArtistMonth(_ArtistRollup, Base):
    """The same sums per (user, UTC calendar month, artist), built from ``listen_artist_days``: a year
    reads twelve months of rows instead of 365 days of them. ``month`` is ``year * 12 + month - 1``."""

    __tablename__ = "listen_artist_months"
    __table_args__ = listens_table_args(Index("ix_listen_artist_months_user_month", "user_id", "month"))

    month: Mapped[int] = mapped_column(Integer)


class ListenStatsState(Base):
    """Which part of a user's history the stats rollups no longer describe.

    Every writer that adds or changes listens or their artists widens ``[dirty_lo, dirty_hi]`` (epoch
    seconds) in the same transaction (:func:`models.listen_changes.note_listens_changed`), so a clean row
    read in a transaction means the rollups agree with the listens that transaction sees. No row: nothing
    was built yet (the whole history is dirty).
    """

    __tablename__ = "listen_stats_state"
    __table_args__ = listens_table_args()

    user_id: Mapped[int] = mapped_column(
        ForeignKey("listens.users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    built: Mapped[bool] = mapped_column(default=False)
    dirty_lo: Mapped[int | None] = mapped_column(BigInteger)
    dirty_hi: Mapped[int | None] = mapped_column(BigInteger)

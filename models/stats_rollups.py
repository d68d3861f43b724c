"""Derived tables behind the all-time and long-range stats views (clock, daily trend, streaks, top tracks and
releases): sums kept per user so a view reads thousands of rows instead of every listen.

Like the artist rollup (:class:`models.listens.ListenArtistDay`) they are never a source of truth: writers
mark changed listens in ``listen_stats_state`` only, and ``scrobbler.stats`` passes that mark on to
:class:`ListenRollupState` and rebuilds what it covers before reading (``scrobbler/stats/rollup.py``).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Double, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, listens_table_args


class ListenLocalDay(Base):
    """Plays, distinct tracks and distinct artists per (user, *local* day) in the zone its state row names.

    ``day`` is days since 1970-01-01 in the user's wall time. A track is the catalog id, else the raw
    (artist, title); an artist is the scrobbled name, normalized (the daily trend's rules)."""

    __tablename__ = "listen_local_days"
    __table_args__ = listens_table_args(Index("ix_listen_local_days_user_day", "user_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("listens.users.id", ondelete="CASCADE"))
    day: Mapped[int] = mapped_column(Integer)
    plays: Mapped[int] = mapped_column(Integer)
    unique_tracks: Mapped[int] = mapped_column(Integer)
    unique_artists: Mapped[int] = mapped_column(Integer)


class ListenLocalHour(Base):
    """Plays per (user, local day, local hour 0-23) in the same zone: the listening clock and hour shares."""

    __tablename__ = "listen_local_hours"
    __table_args__ = listens_table_args(Index("ix_listen_local_hours_user_day", "user_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("listens.users.id", ondelete="CASCADE"))
    day: Mapped[int] = mapped_column(Integer)
    hour: Mapped[int] = mapped_column(Integer)
    plays: Mapped[int] = mapped_column(Integer)


class ListenTrackTotal(Base):
    """Plays and listening seconds per user and track key over the listens before the state's ``upto``.

    Linked listens are summed per (track id, raw release, raw artist): the release list needs the raw
    release of tracks without a release group. Unlinked ones per raw (artist, title, release), with one raw
    spelling of each (the smallest, as ``min()`` picks). Listens at or after ``upto`` are read directly."""

    __tablename__ = "listen_track_totals"
    __table_args__ = listens_table_args(Index("ix_listen_track_totals_user_track", "user_id", "track_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("listens.users.id", ondelete="CASCADE"))
    track_id: Mapped[int | None] = mapped_column(Integer)  # no FK: derived, rebuilt when listens change
    artist_name_normalized: Mapped[str] = mapped_column(String(255))
    track_name_normalized: Mapped[str | None] = mapped_column(String(255))
    release_name_normalized: Mapped[str | None] = mapped_column(String(255))
    artist_name: Mapped[str] = mapped_column(String(1024))
    track_name: Mapped[str | None] = mapped_column(String(1024))
    release_name: Mapped[str | None] = mapped_column(String(1024))
    plays: Mapped[int] = mapped_column(Integer)
    secs: Mapped[float] = mapped_column(Double)


class ListenFirstPlay(Base):
    """The first listen of each raw (artist, title) per user before the state's ``upto``: discoveries.

    ``first_at`` is the earliest ``listened_at`` (epoch seconds) of the normalized names; ``artist_name`` and
    ``track_name`` are the smallest raw spellings, as ``min()`` picks them. An artist's first listen is the
    earliest of its titles'."""

    __tablename__ = "listen_first_plays"
    __table_args__ = listens_table_args(Index("ix_listen_first_plays_user_first", "user_id", "first_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("listens.users.id", ondelete="CASCADE"))
    artist_name_normalized: Mapped[str] = mapped_column(String(255))
    track_name_normalized: Mapped[str] = mapped_column(String(255))
    first_at: Mapped[int] = mapped_column(BigInteger)
    artist_name: Mapped[str] = mapped_column(String(1024))
    track_name: Mapped[str] = mapped_column(String(1024))


class ListenRollupState(Base):
    """One row per (user, rollup) that was built: what it describes and what changed since.

    ``rollup`` is "local-days" (both local tables; ``zone`` is the IANA zone its days are in),
    "track-totals" or "first-plays" (``upto``: the epoch second their rows stop before). ``[dirty_lo, dirty_hi]`` (epoch
    seconds) is what writers marked since it was built; no row means not built."""

    __tablename__ = "listen_rollup_state"
    __table_args__ = listens_table_args()

    user_id: Mapped[int] = mapped_column(
        ForeignKey("listens.users.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    rollup: Mapped[str] = mapped_column(String(32), primary_key=True)
    zone: Mapped[str | None] = mapped_column(String(64))
    upto: Mapped[int | None] = mapped_column(BigInteger)
    dirty_lo: Mapped[int | None] = mapped_column(BigInteger)
    dirty_hi: Mapped[int | None] = mapped_column(BigInteger)

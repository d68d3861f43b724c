"""Album ratings in the stats: the user's top rated albums, and each rated album's rating against how often
the user played it (ratings written by :mod:`analyzer.curation.ratings`; read here from the tables only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.artists import Artist
from models.listens import Listen
from models.ratings import AlbumRating
from models.releases import ReleaseGroup
from models.tracks import Track


@dataclass(frozen=True, slots=True)
class RatedAlbum:
    release_group_id: int
    album: str
    artist: str | None
    stars: float
    plays: int  # the user's listens linked to a track of this album
    favourite_track_id: int | None
    review: str | None


def rated_albums(session: Session, user_id: int, limit: int | None = None) -> list[RatedAlbum]:
    """The user's rated albums, best rated first, then most played: the "top rated" list and the rows
    of "rating against plays"."""
    plays = (
        select(Track.album_id.label("album_id"), func.count(Listen.id).label("plays"))
        .join(Listen, Listen.track_id == Track.id)
        .where(Listen.user_id == user_id, Track.album_id.is_not(None))
        .group_by(Track.album_id)
        .subquery()
    )
    query = (
        select(AlbumRating.release_group_id, ReleaseGroup.title, Artist.name, AlbumRating.rating_halves,
               func.coalesce(plays.c.plays, 0), AlbumRating.favourite_track_id, AlbumRating.review)
        .join(ReleaseGroup, ReleaseGroup.id == AlbumRating.release_group_id)
        .outerjoin(Artist, Artist.id == ReleaseGroup.primary_artist_id)
        .outerjoin(plays, plays.c.album_id == AlbumRating.release_group_id)
        .where(AlbumRating.user_id == user_id)
        .order_by(AlbumRating.rating_halves.desc(), func.coalesce(plays.c.plays, 0).desc(), ReleaseGroup.title)
    )  # fmt: skip
    if limit is not None:
        query = query.limit(limit)
    return [
        RatedAlbum(gid, title, artist, halves / 2, int(n), fav, review)
        for gid, title, artist, halves, n, fav, review in session.execute(query).tuples()
    ]


@dataclass(frozen=True, slots=True)
class RatingPlays:
    """Mean plays per rating step, and how rating and plays go together (Spearman's rho, None below 3
    rated albums or when either side never varies)."""

    by_stars: dict[float, float]
    albums: int
    correlation: float | None


def rating_against_plays(session: Session, user_id: int) -> RatingPlays:
    rows = rated_albums(session, user_id)
    grouped: dict[float, list[int]] = {}
    for row in rows:
        grouped.setdefault(row.stars, []).append(row.plays)
    by_stars = {stars: sum(p) / len(p) for stars, p in sorted(grouped.items())}
    return RatingPlays(
        by_stars, len(rows), _spearman([r.stars for r in rows], [float(r.plays) for r in rows])
    )


def _spearman(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r of the average ranks (ties share their mean rank); scipy is not a dependency."""
    if len(xs) < 3 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    rx, ry = _average_ranks(np.asarray(xs)), _average_ranks(np.asarray(ys))
    return float(np.corrcoef(rx, ry)[0, 1])


def _average_ranks(values: np.ndarray) -> np.ndarray:
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + 1 + ends) / 2)[inverse]

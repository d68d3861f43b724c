"""Ready-made track queries for playlists: a user's most played tracks, or catalog tracks by artist/genre.

Each returns a ``Select`` of ``tracks.id`` in playlist order; any other such Select works just as well.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from models.artists import Artist
from models.listens import Listen
from models.normalize import normalize
from models.tracks import Genre, Track, TrackGenre
from scrobbler.stats.scope import ListenScope


def most_played_tracks(scope: ListenScope, limit: int = 50) -> Select[Any]:
    """The scope's matched tracks by plays, most played first."""
    return (
        select(Listen.track_id)
        .where(*scope.conditions(), Listen.track_id.is_not(None))
        .group_by(Listen.track_id)
        .order_by(func.count().desc(), Listen.track_id)
        .limit(limit)
    )


def catalog_tracks(
    artist: str | None = None, genre: str | None = None, limit: int | None = None
) -> Select[Any]:
    """Catalog tracks by primary artist and/or genre (normalized names), ordered by artist, album, title."""
    stmt = select(Track.id).outerjoin(Artist, Artist.id == Track.primary_artist_id)
    if artist:
        stmt = stmt.where(Artist.name_normalized == normalize(artist))
    if genre:
        stmt = stmt.where(
            Track.id.in_(
                select(TrackGenre.track_id)
                .join(Genre, Genre.id == TrackGenre.genre_id)
                .where(Genre.name_normalized == normalize(genre))
            )
        )
    stmt = stmt.order_by(Artist.name_normalized, Track.album_id, Track.title_normalized, Track.id)
    return stmt.limit(limit) if limit else stmt

"""Album ratings per user: 0.5 to 5.0 stars in halves, a favourite track from that album, a review.

Albums are release groups (``tracks.album_id``). The user lives in the listens schema, which the
database cannot reference from here on split SQLite, so every write checks the user exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.artists import Artist
from models.normalize import normalize
from models.ratings import AlbumRating
from models.releases import Release, ReleaseGroup, ReleaseItem
from models.tracks import Track
from models.types import utcnow
from models.users import User

REVIEW_MAX_CHARS = 20_000


class RatingError(ValueError):
    """A rating, album, track or user that cannot be used; the message says which and why."""


def parse_rating(value: str | float) -> int:
    """Stars (0.5-5.0 in halves; "4", "3.5", "3,5" and "4/5" accepted) as half-stars 1..10."""
    text = str(value).strip().replace(",", ".")
    text = re.sub(r"\s*/\s*5$", "", text)
    try:
        stars = float(text)
    except ValueError:
        raise RatingError(f"a rating is a number of stars from 0.5 to 5, not {value!r}") from None
    halves = stars * 2
    if not 1 <= halves <= 10 or halves != int(halves):
        raise RatingError(f"a rating is 0.5 to 5.0 in steps of 0.5, not {value}")
    return int(halves)


def find_album(session: Session, text: str) -> int:
    """A release group id from an id, "Artist - Album", or an album title that names one album."""
    if text.isdigit() and session.get(ReleaseGroup, int(text)) is not None:
        return int(text)
    query = select(ReleaseGroup.id, ReleaseGroup.title, Artist.name).outerjoin(
        Artist, Artist.id == ReleaseGroup.primary_artist_id
    )
    artist_part, _, album_part = text.partition(" - ")
    found: list[tuple[int, str, str | None]] = []
    if album_part:
        found = list(session.execute(query.where(ReleaseGroup.title_normalized == normalize(album_part),
                                                 Artist.name_normalized == normalize(artist_part))).tuples())  # fmt: skip
    if not found:
        found = list(session.execute(query.where(ReleaseGroup.title_normalized == normalize(text))).tuples())
    if len(found) == 1:
        return found[0][0]
    if not found:
        raise RatingError(f"no album {text!r} in the library (give its id, 'Artist - Album' or its title)")
    names = ", ".join(f"{gid}: {artist or '?'} - {title}" for gid, title, artist in found[:5])
    raise RatingError(f"{len(found)} albums are called {text!r}; use 'Artist - Album' or the id ({names})")


def album_track_ids(session: Session, release_group_id: int) -> set[int]:
    """Tracks of an album: its own (tracks.album_id) and those on any of its releases."""
    own = session.scalars(select(Track.id).where(Track.album_id == release_group_id))
    listed = session.scalars(
        select(ReleaseItem.track_id)
        .join(Release, Release.id == ReleaseItem.release_id)
        .where(Release.release_group_id == release_group_id)
    )
    return set(own) | set(listed)


def find_album_track(session: Session, release_group_id: int, text: str) -> int:
    """A track of the album by id or by title (normalized); a track of another album is refused."""
    tracks = album_track_ids(session, release_group_id)
    if text.isdigit() and int(text) in tracks:
        return int(text)
    wanted = normalize(text)
    matches = [tid for tid, norm in session.execute(select(Track.id, Track.title_normalized)
               .where(Track.id.in_(tracks))).tuples() if norm == wanted]  # fmt: skip
    if len(matches) == 1:
        return matches[0]
    raise RatingError(f"the album has no track {text!r} (give a track id or title from this album)")


@dataclass(frozen=True, slots=True)
class RatingView:
    user_id: int
    release_group_id: int
    album: str
    artist: str | None
    stars: float
    favourite_track_id: int | None
    favourite_title: str | None
    review: str | None
    updated_at: datetime


def rate_album(
    session: Session,
    user_id: int,
    release_group_id: int,
    halves: int,
    *,
    favourite_track_id: int | None = None,
    review: str | None = None,
    keep_unset: bool = True,
) -> RatingView:
    """Create or update a user's rating of an album (caller's transaction). With ``keep_unset`` a
    favourite or review not given keeps its earlier value."""
    if not 1 <= halves <= 10:
        raise RatingError("a rating is 0.5 to 5.0 in steps of 0.5")
    if session.get(User, user_id) is None:
        raise RatingError(f"no user {user_id}")
    if session.get(ReleaseGroup, release_group_id) is None:
        raise RatingError(f"no album {release_group_id}")
    if favourite_track_id is not None and favourite_track_id not in album_track_ids(
        session, release_group_id
    ):
        raise RatingError(f"track {favourite_track_id} is not on this album")
    if review is not None and len(review) > REVIEW_MAX_CHARS:
        raise RatingError(f"a review is at most {REVIEW_MAX_CHARS:,} characters ({len(review):,} given)")
    row = session.scalar(select(AlbumRating).where(AlbumRating.user_id == user_id,
                                                   AlbumRating.release_group_id == release_group_id))  # fmt: skip
    if row is None:
        row = AlbumRating(user_id=user_id, release_group_id=release_group_id, rating_halves=halves)
        session.add(row)
    row.rating_halves, row.updated_at = halves, utcnow()
    if favourite_track_id is not None or not keep_unset:
        row.favourite_track_id = favourite_track_id
    if review is not None or not keep_unset:
        row.review = review.strip() or None if review is not None else None
    session.flush()
    return ratings_for(session, user_id, release_group_id)[0]


def remove_rating(session: Session, user_id: int, release_group_id: int) -> bool:
    result = session.execute(delete(AlbumRating).where(AlbumRating.user_id == user_id,
                                                       AlbumRating.release_group_id == release_group_id))  # fmt: skip
    return bool(result.rowcount)  # type: ignore[attr-defined]


def ratings_for(
    session: Session, user_id: int | None = None, release_group_id: int | None = None
) -> list[RatingView]:
    """Ratings (of one user and/or one album), best first. The album screen shows an album's ratings."""
    favourite = select(Track.id, Track.title).subquery()
    query = (
        select(AlbumRating.user_id, AlbumRating.release_group_id, ReleaseGroup.title, Artist.name,
               AlbumRating.rating_halves, AlbumRating.favourite_track_id, favourite.c.title, AlbumRating.review,
               AlbumRating.updated_at)
        .join(ReleaseGroup, ReleaseGroup.id == AlbumRating.release_group_id)
        .outerjoin(Artist, Artist.id == ReleaseGroup.primary_artist_id)
        .outerjoin(favourite, favourite.c.id == AlbumRating.favourite_track_id)
        .order_by(AlbumRating.rating_halves.desc(), ReleaseGroup.title, AlbumRating.user_id)
    )  # fmt: skip
    conditions = []
    if user_id is not None:
        conditions.append(AlbumRating.user_id == user_id)
    if release_group_id is not None:
        conditions.append(AlbumRating.release_group_id == release_group_id)
    if conditions:
        query = query.where(*conditions)
    return [
        RatingView(u, g, title, artist, halves / 2, fav, fav_title, review, updated)
        for u, g, title, artist, halves, fav, fav_title, review, updated in session.execute(query).tuples()
    ]

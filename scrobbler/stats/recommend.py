"""Rediscoveries from your own library: owned tracks and albums close to what you play most, but not
played for a long time.

The similarity search lives in the analyzer (a FAISS index over feature vectors), which the scrobbler must
not import; the app layer passes it in as a :class:`SimilarTracks` callable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import Session

from models.artists import Artist
from models.listens import Listen
from models.media import AudioFeatures, MediaFile
from models.releases import ReleaseGroup
from models.tracks import Track
from scrobbler.stats.scope import ListenScope

DAY = 86_400


class SimilarTracks(Protocol):
    """Nearest owned tracks to the seed tracks: ``(track_id, similarity 0..1)``, best first."""

    def __call__(self, seed_track_ids: Sequence[int], k: int) -> list[tuple[int, float]]: ...


class NoAnalysisData(LookupError):
    """Recommendations need analysed audio; the message tells the person what to run."""


@dataclass(frozen=True, slots=True)
class Recommendation:
    kind: str  # "track" | "album"
    catalog_id: int
    title: str
    artist: str | None
    similarity: float
    last_played_days_ago: int | None  # None: never played


def recommendations(
    session: Session,
    scope: ListenScope,
    similar: SimilarTracks | None,
    *,
    now_epoch: int,
    seeds: int = 25,
    not_played_days: int = 180,
    limit: int = 20,
) -> list[Recommendation]:
    """Tracks (then albums, by their best track) similar to the scope's most played tracks and unplayed for
    ``not_played_days``. Raises :class:`NoAnalysisData` when nothing is analysed or no index is wired."""
    analysed = session.scalar(select(func.count()).select_from(AudioFeatures)) or 0
    if not analysed or similar is None:
        raise NoAnalysisData(
            "no audio analysis data yet: run `tonearm analyze` on your library, then try again"
            if not analysed
            else "no similarity index is available: build it with `tonearm analyze`"
        )
    seed_ids = [
        int(t)
        for (t,) in session.execute(
            select(Listen.track_id)
            .where(*scope.conditions(), Listen.track_id.is_not(None))
            .group_by(Listen.track_id)
            .order_by(func.count().desc(), Listen.track_id)
            .limit(seeds)
        )
    ]
    if not seed_ids:
        return []
    candidates = [(t, s) for t, s in similar(seed_ids, limit * 10) if t not in set(seed_ids)]
    if not candidates:
        return []
    ids = [t for t, _ in candidates]
    last_played: dict[int, int] = {
        int(t): int(last)
        for t, last in session.execute(
            select(Listen.track_id, func.max(type_coerce(Listen.listened_at, BigInteger)))
            .where(Listen.user_id == scope.user_id, Listen.track_id.in_(ids))
            .group_by(Listen.track_id)
        )
    }
    owned = {
        int(t)
        for (t,) in session.execute(select(MediaFile.track_id).where(MediaFile.track_id.in_(ids)).distinct())
    }
    info = {
        int(t): (title, artist, album_id, album)
        for t, title, artist, album_id, album in session.execute(
            select(Track.id, Track.title, Artist.name, Track.album_id, ReleaseGroup.title)
            .outerjoin(Artist, Artist.id == Track.primary_artist_id)
            .outerjoin(ReleaseGroup, ReleaseGroup.id == Track.album_id)
            .where(Track.id.in_(ids))
        )
    }
    cutoff = now_epoch - not_played_days * DAY
    tracks: list[Recommendation] = []
    albums: dict[int, Recommendation] = {}
    for track_id, score in candidates:
        last = last_played.get(track_id)
        if track_id not in owned or track_id not in info or (last is not None and last >= cutoff):
            continue
        title, artist, album_id, album = info[track_id]
        ago = None if last is None else (now_epoch - int(last)) // DAY
        tracks.append(Recommendation("track", track_id, title, artist, round(score, 4), ago))
        if album_id is not None and album_id not in albums:
            albums[album_id] = Recommendation("album", album_id, album, artist, round(score, 4), ago)
    return tracks[:limit] + list(albums.values())[:limit]

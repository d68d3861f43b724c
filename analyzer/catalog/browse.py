"""Tracks with their credit, album and file count, searched in SQL (kept for the scan tests; the app and
``tonearm tracks`` read :func:`analyzer.catalog.library.load_library` and search it with one syntax)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from analyzer.catalog.library import credit_string
from analyzer.catalog.upsert import chunked
from models.artists import Artist
from models.enums import ArtistRole, ScanStatus
from models.media import MediaFile
from models.normalize import normalize
from models.releases import ReleaseGroup
from models.tracks import TitleAlias, Track, TrackArtist


@dataclass(frozen=True, slots=True)
class TrackRow:
    id: int
    track_uid: str
    title: str
    artist: str
    album: str | None
    album_artist: str | None
    duration_secs: float | None
    files: int


def list_tracks(session: Session, search: str | None = None, limit: int | None = None) -> list[TrackRow]:
    """Tracks by artist and title; ``search`` matches normalized title, title alias, artist or album."""
    album_artist = Artist.__table__.alias("album_artist")
    files = (
        select(func.count())
        .where(MediaFile.track_id == Track.id, MediaFile.scan_status == ScanStatus.OK)
        .scalar_subquery()
    )
    statement = (
        select(
            Track.id,
            Track.track_uid,
            Track.title,
            ReleaseGroup.title,
            album_artist.c.name,
            Track.duration_secs,
            files,
        )
        .outerjoin(ReleaseGroup, ReleaseGroup.id == Track.album_id)
        .outerjoin(album_artist, album_artist.c.id == ReleaseGroup.primary_artist_id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
        .order_by(Artist.sort_name, ReleaseGroup.title_normalized, Track.title_normalized, Track.id)
    )
    if search and normalize(search):
        pattern = f"%{normalize(search)}%"
        credited = select(TrackArtist.track_id).join(Artist, Artist.id == TrackArtist.artist_id)
        aliased_title = select(TitleAlias.track_id).where(TitleAlias.alias_normalized.like(pattern))
        statement = statement.where(
            or_(
                Track.title_normalized.like(pattern),
                Track.id.in_(aliased_title),
                Track.id.in_(credited.where(Artist.name_normalized.like(pattern))),
                ReleaseGroup.title_normalized.like(pattern),
            )
        )
    if limit is not None:
        statement = statement.limit(limit)
    rows = session.execute(statement).all()
    credits = _credit_strings(session, [row[0] for row in rows])
    return [
        TrackRow(tid, uid, title, credits.get(tid, ""), album, aa, duration, count)
        for tid, uid, title, album, aa, duration, count in rows
    ]


def _credit_strings(session: Session, track_ids: list[int]) -> dict[int, str]:
    """The artist credit as printed: names and join phrases of primary and featured artists, in order."""
    parts: dict[int, list[tuple[int, str, str]]] = {}
    for chunk in chunked(track_ids):
        statement = select(
            TrackArtist.track_id,
            TrackArtist.position,
            TrackArtist.credited_name,
            Artist.name,
            TrackArtist.join_phrase,
        ).join(Artist, Artist.id == TrackArtist.artist_id)
        statement = statement.where(
            TrackArtist.track_id.in_(chunk), TrackArtist.role.in_([ArtistRole.PRIMARY, ArtistRole.FEATURING])
        )
        for track_id, position, credited, name, join in session.execute(statement).tuples():
            parts.setdefault(track_id, []).append((position, credited or name, join))
    return {
        track_id: credit_string([(name, join) for _, name, join in sorted(found)])
        for track_id, found in parts.items()
    }

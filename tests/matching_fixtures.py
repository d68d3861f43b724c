"""A tiny catalog-and-listens builder for the matching and review tests: rows go straight in through the
models, so these tests depend on neither the scanner nor the scrobbler's ingest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.artists import Artist, ArtistAlias
from models.enums import ArtistRole, EntityType
from models.external_ids import ExternalId
from models.listens import Listen, ListenRaw
from models.normalize import normalize
from models.releases import Release, ReleaseGroup, ReleaseItem
from models.tracks import Genre, TitleAlias, Track, TrackArtist, TrackGenre
from models.users import User

_uids = count(1)
START = datetime(2024, 1, 1, tzinfo=UTC)


def artist(session: Session, name: str, *aliases: str) -> int:
    found = session.scalar(select(Artist.id).where(Artist.name_normalized == normalize(name)))
    if found is not None:
        return found
    row = Artist(name=name, name_normalized=normalize(name))
    session.add(row)
    session.flush()
    for alias in aliases:
        session.add(ArtistAlias(artist_id=row.id, alias=alias, alias_normalized=normalize(alias)))
    session.flush()
    return row.id


def track(
    session: Session,
    artist_name: str,
    title: str,
    *,
    album: str | None = None,
    duration: float | None = 200.0,
    featuring: tuple[str, ...] = (),
    genre: str | None = None,
    ids: dict[str, str] | None = None,
    title_aliases: tuple[str, ...] = (),
) -> int:
    """A track credited to ``artist_name`` (+ featuring), optionally on an album, with external ids."""
    primary = artist(session, artist_name)
    row = Track(
        track_uid=f"t{next(_uids)}",
        title=title,
        title_normalized=normalize(title),
        duration_secs=duration,
        primary_artist_id=primary,
    )
    session.add(row)
    session.flush()
    session.add(TrackArtist(track_id=row.id, artist_id=primary, role=ArtistRole.PRIMARY, position=0))
    for position, name in enumerate(featuring, start=1):
        session.add(
            TrackArtist(
                track_id=row.id, artist_id=artist(session, name), role=ArtistRole.FEATURING, position=position
            )
        )
    if album:
        group = session.scalar(
            select(ReleaseGroup).where(
                ReleaseGroup.primary_artist_id == primary, ReleaseGroup.title_normalized == normalize(album)
            )
        )
        if group is None:
            group = ReleaseGroup(title=album, title_normalized=normalize(album), primary_artist_id=primary)
            session.add(group)
            session.flush()
            session.add(Release(title=album, title_normalized=normalize(album), release_group_id=group.id))
            session.flush()
        release_id = session.scalar(select(Release.id).where(Release.release_group_id == group.id))
        row.album_id = group.id
        session.add(ReleaseItem(release_id=release_id, track_id=row.id))
    if genre:
        genre_id = session.scalar(select(Genre.id).where(Genre.name == genre))
        if genre_id is None:
            new = Genre(name=genre, name_normalized=normalize(genre))
            session.add(new)
            session.flush()
            genre_id = new.id
        session.add(TrackGenre(track_id=row.id, genre_id=genre_id))
    for scheme, value in (ids or {}).items():
        session.add(ExternalId(entity_type=EntityType.TRACK, entity_id=row.id, scheme=scheme, value=value))
    for alias in title_aliases:
        session.add(TitleAlias(track_id=row.id, alias=alias, alias_normalized=normalize(alias)))
    session.flush()
    return row.id


def user(session: Session, name: str = "ada") -> int:
    found = session.scalar(select(User.id).where(User.username == name))
    if found is not None:
        return found
    row = User(username=name)
    session.add(row)
    session.flush()
    return row.id


_seconds = count(1)


def listen(
    session: Session,
    artist_name: str,
    track_name: str,
    release_name: str | None = None,
    *,
    duration: float | None = None,
    at: datetime | None = None,
    user_id: int | None = None,
    **ids: str,
) -> int:
    """A pending listen with these raw names (a fresh second each unless ``at`` is given)."""
    uid = user_id or user(session)
    when = at or START + timedelta(seconds=next(_seconds))
    raw = ListenRaw(
        user_id=uid, source="test", source_track_id=f"s{next(_uids)}", payload_json="{}", listened_at=when
    )
    session.add(raw)
    session.flush()
    row = Listen(
        raw_id=raw.id,
        user_id=uid,
        listened_at=when,
        source="test",
        artist_name=artist_name,
        track_name=track_name,
        release_name=release_name,
        artist_name_normalized=normalize(artist_name),
        track_name_normalized=normalize(track_name),
        release_name_normalized=normalize(release_name) or None,
        track_duration_secs=duration,
        recording_mbid=ids.get("recording_mbid"),
        isrc=ids.get("isrc"),
        spotify_id=ids.get("spotify_id"),
    )
    session.add(row)
    session.flush()
    return row.id

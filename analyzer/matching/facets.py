"""listen_artists / listen_genres and the "has the library changed?" question, as session-level functions
both the enrich run and the review decisions use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from analyzer.matching.bulk_sql import BulkStatement
from analyzer.matching.keys import split_artist_string
from models.artists import Artist, ArtistAlias
from models.enums import ArtistRole
from models.listens import ListenArtist, ListenGenre
from models.normalize import normalize
from models.tracks import TitleAlias, Track, TrackArtist, TrackGenre

Facets = tuple[Sequence[int], Sequence[int]]  # (artist ids, genre ids)
_CHUNK = 500
_INSERT_ARTIST = BulkStatement(
    insert(cast(Table, ListenArtist.__table__)).values(
        listen_id=bindparam("p_listen"), artist_id=bindparam("p_artist")
    )
)
_INSERT_GENRE = BulkStatement(
    insert(cast(Table, ListenGenre.__table__)).values(
        listen_id=bindparam("p_listen"), genre_id=bindparam("p_genre")
    )
)


def replace_facets(session: Session, facets: Mapping[int, Facets]) -> None:
    """Set the listen_artists and listen_genres of these listens to exactly the given ids (batched Core)."""
    listen_ids = list(facets)
    for start in range(0, len(listen_ids), _CHUNK):
        chunk = listen_ids[start : start + _CHUNK]
        session.execute(delete(ListenArtist).where(ListenArtist.listen_id.in_(chunk)))
        session.execute(delete(ListenGenre).where(ListenGenre.listen_id.in_(chunk)))
    artists = [
        {"p_listen": lid, "p_artist": a} for lid, (ids, _) in facets.items() for a in dict.fromkeys(ids)
    ]
    genres = [{"p_listen": lid, "p_genre": g} for lid, (_, ids) in facets.items() for g in dict.fromkeys(ids)]
    connection = session.connection()
    _INSERT_ARTIST.execute(connection, artists)
    _INSERT_GENRE.execute(connection, genres)


def track_facets(session: Session, track_id: int) -> Facets:
    """The credited (primary, featuring) artists and the genres of one track."""
    artists = session.scalars(
        select(TrackArtist.artist_id)
        .where(
            TrackArtist.track_id == track_id, TrackArtist.role.in_((ArtistRole.PRIMARY, ArtistRole.FEATURING))
        )
        .order_by(TrackArtist.role, TrackArtist.position)
    )
    genres = session.scalars(select(TrackGenre.genre_id).where(TrackGenre.track_id == track_id))
    return list(artists), list(genres)


def artists_named(session: Session, raw_artist: str) -> list[int]:
    """Existing artists a raw artist string names (whole string or its credited parts; names or aliases),
    with or without a leading "The"."""
    forms: set[str] = set()
    for part in (raw_artist, *split_artist_string(raw_artist)):
        name = normalize(part).removeprefix("the ")
        if name:
            forms.update((name, f"the {name}"))
    if not forms:
        return []
    names = select(Artist.id).where(Artist.name_normalized.in_(forms))
    aliases = select(ArtistAlias.artist_id).where(ArtistAlias.alias_normalized.in_(forms))
    return list(dict.fromkeys([*session.scalars(names), *session.scalars(aliases)]))


def library_fingerprint(session: Session) -> str:
    """A short description of the catalog that changes whenever a track or an alias is added, removed
    or updated, so enrich knows when misses are worth re-trying. Ids and counts rather than timestamps
    alone, because MariaDB keeps whole seconds and a scan can finish in the same second as a run."""
    parts = []
    for table_id, stamp in (
        (Track.id, Track.updated_at),
        (TitleAlias.id, TitleAlias.created_at),
        (ArtistAlias.id, ArtistAlias.created_at),
    ):
        row = session.execute(select(func.count(table_id), func.max(table_id), func.max(stamp))).one()
        parts.append(f"{row[0]}:{row[1]}:{row[2].isoformat() if row[2] else ''}")
    return "|".join(parts)

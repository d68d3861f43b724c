"""listen_artists / listen_genres and the "has the library changed?" question, as session-level functions
both the enrich run and the review decisions use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from analyzer.matching.keys import split_artist_string
from models.artists import Artist, ArtistAlias
from models.bulk_sql import BulkStatement
from models.enums import ArtistRole
from models.listens import ListenArtist, ListenGenre
from models.normalize import normalize
from models.tracks import TitleAlias, Track, TrackArtist, TrackGenre

Facets = tuple[Sequence[int], Sequence[int]]  # (artist ids, genre ids)
_CHUNK = 500
_DENSE_SPAN = 2  # ids spanning at most this many times their count are probed with a range read
_ARTISTS = cast(Table, ListenArtist.__table__)
_GENRES = cast(Table, ListenGenre.__table__)
_INSERT_ARTIST = BulkStatement(
    insert(_ARTISTS).values(listen_id=bindparam("p_listen"), artist_id=bindparam("p_artist"))
)
_INSERT_GENRE = BulkStatement(
    insert(_GENRES).values(listen_id=bindparam("p_listen"), genre_id=bindparam("p_genre"))
)


def replace_facets(session: Session, facets: Mapping[int, Facets]) -> None:
    """Set the listen_artists and listen_genres of these listens to exactly the given ids (batched Core)."""
    artists = [(lid, a) for lid, (ids, _) in facets.items() for a in dict.fromkeys(ids)]
    genres = [(lid, g) for lid, (_, ids) in facets.items() for g in dict.fromkeys(ids)]
    write_facet_rows(session, list(facets), artists, genres)


def write_facet_rows(
    session: Session,
    listen_ids: Sequence[int],
    artists: Sequence[tuple[int, int]],
    genres: Sequence[tuple[int, int]],
) -> None:
    """Replace the facets of ``listen_ids`` with these (listen id, artist id) and (listen id, genre id)
    rows (each pair once)."""
    for table, column in ((_ARTISTS, _ARTISTS.c.listen_id), (_GENRES, _GENRES.c.listen_id)):
        for chunk in _listens_with_rows(session, column, listen_ids):
            session.execute(delete(table).where(column.in_(chunk)))
    connection = session.connection()
    # Plain integer ids: no bind processing, the rows go to the driver as they are.
    _INSERT_ARTIST.execute(connection, ("p_listen", "p_artist"), artists, stored=True)
    _INSERT_GENRE.execute(connection, ("p_listen", "p_genre"), genres, stored=True)


def _listens_with_rows(session: Session, column: Any, listen_ids: Sequence[int]) -> list[list[int]]:
    """Chunks of ``listen_ids`` to delete facet rows of. A dense id span (an enrich batch of pending
    listens) is first probed with one range read of the primary key, usually finding nothing; a sparse
    one is deleted by id lists outright."""
    ids = sorted(listen_ids)
    if not ids:
        return []
    low, high = ids[0], ids[-1]
    if high - low < _DENSE_SPAN * len(ids):
        wanted = set(ids)
        found = session.connection().execute(select(column.distinct()).where(column.between(low, high)))
        ids = [lid for (lid,) in found if lid in wanted]
    return [ids[start : start + _CHUNK] for start in range(0, len(ids), _CHUNK)]


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

"""Top artists, releases (release groups), tracks and genres of a scope, by plays or by listening time.

Unmatched listens are not dropped: they count under their raw (normalized) names, and a raw name that
equals a catalog entry's normalized name is merged into it, so "Radiohead" scrobbled before the catalog
knew it and "Radiohead" matched later are one row. Genres come from ``listen_genres`` when the matcher
wrote them, else from the matched track's ``track_genres``; a listen with several genres counts for each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from models.artists import Artist
from models.listens import Listen, ListenArtist, ListenGenre
from models.releases import ReleaseGroup
from models.tracks import Genre, Track, TrackGenre
from scrobbler.stats.scope import ListenScope, listening_secs


class TopKind(StrEnum):
    ARTISTS = "artists"
    RELEASES = "releases"
    TRACKS = "tracks"
    GENRES = "genres"


class TopBy(StrEnum):
    PLAYS = "plays"
    TIME = "time"


@dataclass(frozen=True, slots=True)
class TopEntry:
    """One row of a top list. ``catalog_id`` is None for names only known from unmatched listens."""

    rank: int
    name: str
    artist: str | None
    plays: int
    listening_secs: float
    catalog_id: int | None


@dataclass
class _Group:
    name: str
    artist: str | None
    plays: int
    secs: float
    catalog_id: int | None


def top(
    session: Session,
    scope: ListenScope,
    kind: TopKind | str,
    by: TopBy | str = TopBy.PLAYS,
    limit: int | None = 50,
) -> list[TopEntry]:
    """The ``limit`` biggest groups of ``kind``; ties break on the other measure, then the name."""
    kind, by = TopKind(kind), TopBy(by)
    groups = {
        TopKind.ARTISTS: _artists,
        TopKind.RELEASES: _releases,
        TopKind.TRACKS: _tracks,
        TopKind.GENRES: _genres,
    }[kind](session, scope)
    if by is TopBy.PLAYS:
        ordered = sorted(groups, key=lambda g: (-g.plays, -g.secs, g.name.casefold()))
    else:
        ordered = sorted(groups, key=lambda g: (-g.secs, -g.plays, g.name.casefold()))
    chosen = ordered if limit is None else ordered[:limit]
    return [
        TopEntry(i, g.name, g.artist, g.plays, round(g.secs, 3), g.catalog_id)
        for i, g in enumerate(chosen, start=1)
    ]


SelectT = TypeVar("SelectT", bound=Select[Any])


def _scoped(stmt: SelectT, scope: ListenScope) -> SelectT:
    return stmt.where(*scope.conditions())


def _merge(matched: dict[object, _Group], raw: Iterable[tuple[object, _Group]]) -> list[_Group]:
    """Add raw-name groups into the catalog group with the same merge key, or keep them as their own rows."""
    out = dict(matched)
    for key, group in raw:
        into = out.get(key)
        if into is None:
            out[key] = group
        else:
            into.plays += group.plays
            into.secs += group.secs
    return list(out.values())


def _only_unmatched(
    value: SQLColumnExpression[Any], matched_key: SQLColumnExpression[Any]
) -> ColumnElement[Any]:
    """``value`` for rows whose ``matched_key`` is NULL, else NULL: a raw-name grouping key that is NULL
    on catalog-linked rows, so one GROUP BY pass covers both kinds."""
    return case((matched_key.is_(None), value), else_=None)


def _artists(session: Session, scope: ListenScope) -> list[_Group]:
    # One range scan: group by the listen_artists link, or by the raw name when there is none; catalog
    # names are joined per group afterwards, not per listen.
    raw_key = _only_unmatched(Listen.artist_name_normalized, ListenArtist.artist_id)
    grouped = _scoped(
        select(
            ListenArtist.artist_id.label("artist_id"),
            raw_key.label("raw_key"),
            func.min(_only_unmatched(Listen.artist_name, ListenArtist.artist_id)).label("raw_name"),
            func.count().label("plays"),
            func.sum(listening_secs()).label("secs"),
        )
        .select_from(Listen)
        .outerjoin(ListenArtist, ListenArtist.listen_id == Listen.id)
        .group_by(ListenArtist.artist_id, raw_key),
        scope,
    ).subquery()
    stmt = select(grouped, Artist.name, Artist.name_normalized).outerjoin(
        Artist, Artist.id == grouped.c.artist_id
    )
    matched: dict[object, _Group] = {}
    raw: list[tuple[object, _Group]] = []
    for artist_id, raw_norm, raw_name, plays, total, name, norm in session.connection().execute(stmt):
        if artist_id is not None:
            matched[norm] = _Group(name, None, int(plays), float(total or 0), int(artist_id))
        else:
            raw.append((raw_norm, _Group(raw_name, None, int(plays), float(total or 0), None)))
    return _merge(matched, raw)


def _by_track(scope: ListenScope, *raw_columns: SQLColumnExpression[Any]) -> Any:
    """Plays and seconds per linked track, and per raw-name tuple for unlinked listens, in one pass."""
    keys = [_only_unmatched(c, Listen.track_id).label(f"raw_key{i}") for i, c in enumerate(raw_columns)]
    return _scoped(
        select(
            Listen.track_id.label("track_id"),
            *keys,
            func.min(_only_unmatched(Listen.artist_name, Listen.track_id)).label("raw_artist"),
            func.min(_only_unmatched(Listen.track_name, Listen.track_id)).label("raw_track"),
            func.min(_only_unmatched(Listen.release_name, Listen.track_id)).label("raw_release"),
            func.count().label("plays"),
            func.sum(listening_secs()).label("secs"),
        )
        .select_from(Listen)
        .group_by(Listen.track_id, *keys),
        scope,
    ).subquery()


def _tracks(session: Session, scope: ListenScope) -> list[_Group]:
    grouped = _by_track(scope, Listen.artist_name_normalized, Listen.track_name_normalized)
    stmt = (
        select(grouped, Track.title, Track.title_normalized, Artist.name, Artist.name_normalized)
        .outerjoin(Track, Track.id == grouped.c.track_id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
    )
    matched: dict[object, _Group] = {}
    raw: list[tuple[object, _Group]] = []
    for row in session.connection().execute(stmt).mappings():
        plays, total = int(row["plays"]), float(row["secs"] or 0)
        if row["track_id"] is not None:
            track_id = int(row["track_id"])
            key = (
                (row["title_normalized"], row["name_normalized"])
                if row["name_normalized"]
                else ("#", track_id)
            )
            matched[key] = _Group(row["title"], row["name"], plays, total, track_id)
        else:
            key = (row["raw_key1"], row["raw_key0"])
            raw.append((key, _Group(row["raw_track"], row["raw_artist"], plays, total, None)))
    return _merge(matched, raw)


def _releases(session: Session, scope: ListenScope) -> list[_Group]:
    # Per track first (one pass over the range), then per release group: tracks are joined per group.
    grouped = _by_track(scope, Listen.release_name_normalized, Listen.artist_name_normalized)
    artist = aliased(Artist)
    stmt = (
        select(
            grouped,
            ReleaseGroup.id.label("rg_id"),
            ReleaseGroup.title.label("rg_title"),
            ReleaseGroup.title_normalized.label("rg_norm"),
            artist.name.label("rg_artist"),
            artist.name_normalized.label("rg_artist_norm"),
        )
        .outerjoin(Track, Track.id == grouped.c.track_id)
        .outerjoin(ReleaseGroup, ReleaseGroup.id == Track.album_id)
        .outerjoin(artist, artist.id == ReleaseGroup.primary_artist_id)
    )
    matched: dict[object, _Group] = {}
    raw: list[tuple[object, _Group]] = []
    for row in session.connection().execute(stmt).mappings():
        plays, total = int(row["plays"]), float(row["secs"] or 0)
        if row["rg_id"] is not None:
            key = (row["rg_norm"], row["rg_artist_norm"] or "")
            into = matched.get(key)
            if into is None:
                matched[key] = _Group(row["rg_title"], row["rg_artist"], plays, total, int(row["rg_id"]))
            else:
                into.plays += plays
                into.secs += total
        elif row["track_id"] is None and row["raw_key0"]:
            key = (row["raw_key0"], row["raw_key1"])
            raw.append((key, _Group(row["raw_release"], row["raw_artist"], plays, total, None)))
    return _merge(matched, raw)


def _genres(session: Session, scope: ListenScope) -> list[_Group]:
    secs = listening_secs()
    from_listen = _scoped(
        select(Genre.id, func.min(Genre.name), func.count(), func.sum(secs))
        .select_from(Listen)
        .join(ListenGenre, ListenGenre.listen_id == Listen.id)
        .join(Genre, Genre.id == ListenGenre.genre_id)
        .group_by(Genre.id),
        scope,
    )
    from_track = _scoped(
        select(Genre.id, func.min(Genre.name), func.count(), func.sum(secs))
        .select_from(Listen)
        .join(Track, Track.id == Listen.track_id)
        .join(TrackGenre, TrackGenre.track_id == Track.id)
        .join(Genre, Genre.id == TrackGenre.genre_id)
        .where(~exists().where(ListenGenre.listen_id == Listen.id))
        .group_by(Genre.id),
        scope,
    )
    matched = {
        int(gid): _Group(name, None, int(plays), float(total or 0), int(gid))
        for gid, name, plays, total in session.connection().execute(from_listen)
    }
    more = (
        (int(gid), _Group(name, None, int(plays), float(total or 0), int(gid)))
        for gid, name, plays, total in session.connection().execute(from_track)
    )
    return _merge(matched, more)  # type: ignore[arg-type]

"""Top artists, releases (release groups), tracks and genres of a scope, by plays or by listening time.

Unmatched listens are not dropped: they count under their raw (normalized) names, and a raw name that
equals a catalog entry's normalized name is merged into it, so "Radiohead" scrobbled before the catalog
knew it and "Radiohead" matched later are one row. Genres come from ``listen_genres`` when the matcher
wrote them, else from the matched track's ``track_genres``; a listen with several genres counts for each.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    func,
    literal_column,
    or_,
    outerjoin,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from models.artists import Artist
from models.listens import Listen, ListenArtist, ListenGenre
from models.releases import ReleaseGroup
from models.tracks import Genre, Track, TrackGenre
from scrobbler.stats import rollup, track_totals
from scrobbler.stats.scope import ListenScope, listening_secs, unindexed


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


@dataclass(slots=True)
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
    key = _by_plays if by is TopBy.PLAYS else _by_time
    # nsmallest(n, ...) is sorted(...)[:n], without sorting thousands of groups to keep 50.
    chosen = sorted(groups, key=key) if limit is None else heapq.nsmallest(limit, groups, key=key)
    return [
        TopEntry(i, g.name, g.artist, g.plays, round(g.secs, 3), g.catalog_id)
        for i, g in enumerate(chosen, start=1)
    ]


def _by_plays(group: _Group) -> tuple[float, float, str]:
    return (-group.plays, -group.secs, group.name.casefold())


def _by_time(group: _Group) -> tuple[float, float, str]:
    return (-group.secs, -group.plays, group.name.casefold())


SelectT = TypeVar("SelectT", bound=Select[Any])


# MariaDB 10.11 prefers uq_listen_dedupe (user_id, track_id, listened_at) for GROUP BY track_id, reading the
# user's whole history to skip a sort: 8.6 s instead of 1.2 s for a year of a 1M-listen history.
_TIME_INDEX_HINT = "FORCE INDEX (ix_listens_user_listened_at)"


def _scoped(stmt: SelectT, scope: ListenScope) -> SelectT:
    """Restrict to the scope, and make MariaDB read the (user_id, listened_at) range like SQLite does."""
    if scope.lo is not None or scope.hi is not None:
        stmt = stmt.with_hint(Listen, _TIME_INDEX_HINT, "mariadb").with_hint(
            Listen, _TIME_INDEX_HINT, "mysql"
        )
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


# Query shape (measured on 1M listens, SQLite): a GROUP BY on plain columns, with a second small query for
# the unlinked rows, costs about half of one GROUP BY over CASE keys that covers both; catalog names are
# joined per group, never per listen. "Has no X row" is a LEFT JOIN ... IS NULL anti-join, not NOT EXISTS:
# MariaDB 10.11 materialises the whole NOT EXISTS table first (10 s instead of 1.5 s on the benchmark).


def _raw_groups(session: Session, scope: ListenScope, unlinked: track_totals.Condition, *keys: str) -> Any:
    """Plays, seconds and display names per raw-name key tuple (``keys``: listens column names), over the
    listens ``unlinked`` selects (written for any table with the listens' column names); all time reads
    the track totals and the listens after them."""
    upto = track_totals.ready(session, scope)
    columns = track_totals.LISTENS.c
    direct = _scoped(
        select(
            *(columns[k] for k in keys),
            func.min(Listen.artist_name),
            func.min(Listen.track_name),
            func.min(Listen.release_name),
            func.count(),
            func.sum(listening_secs()),
        )
        .where(unlinked(columns))
        .group_by(*(columns[k] for k in keys)),
        scope if upto is None else track_totals.tail_scope(scope, upto),
    )
    if upto is None:
        return fetch_rows(session, direct)
    return fetch_rows(session, track_totals.raw_groups(scope.user_id, direct, unlinked, list(keys)))


def plays_per_track(session: Session, scope: ListenScope) -> Any:
    """Plays and seconds per linked track, as a subquery to join catalog rows onto; all time reads the
    track totals and the listens after them."""
    upto = track_totals.ready(session, scope)
    # The listens after the totals are few and found by (user_id, listened_at): written +track_id, SQLite
    # cannot instead skip through (track_id, listened_at) for every track id to group them in order (52 ms
    # for an empty tail of a 1M-listen history).
    track: Any = Listen.track_id if upto is None else unindexed(Listen.track_id)
    direct = _scoped(
        select(track.label("track_id"), func.count().label("plays"), func.sum(listening_secs()).label("secs"))
        .where(track.is_not(None))
        .group_by(track),
        scope if upto is None else track_totals.tail_scope(scope, upto),
    )
    if upto is None:
        return direct.subquery()
    return track_totals.per_track(scope.user_id, direct)


# SQLite reads a top-artists list fastest by listen id when the scope's listens are one compact run of ids, as
# they are when listens arrive in time order or a year of history is imported at once: probing
# listen_artists' key once per listen costs more than the grouping itself. Used when the scope's
# ids span at most _DENSE_SPAN times as many ids as it has listens; otherwise the (user_id, listened_at)
# range is read as on MariaDB.
_DENSE_SPAN = 2


def _id_span(session: Session, scope: ListenScope) -> tuple[int, int] | None:
    """The lowest and highest listen id of the scope when the id-ordered plan applies (SQLite, dense ids)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    # The ids of the first and the last listen in time are the bounds when listens arrived in order (two
    # index seeks); one pass over the index counts the listens and checks that none lies outside, which is
    # cheaper than min() and max() of every id (6 vs 10 ms on a year of 99,000 listens).
    ends = select(Listen.id).where(*scope.conditions()).limit(1)
    first, last = connection.execute(
        select(
            ends.order_by(Listen.listened_at).scalar_subquery(),
            ends.order_by(Listen.listened_at.desc()).scalar_subquery(),
        )
    ).one()
    if first is None:
        return None
    lo, hi = min(first, last), max(first, last)
    count, outside = connection.execute(
        select(func.count(), func.count().filter(~Listen.id.between(lo, hi))).where(*scope.conditions())
    ).one()
    if outside:
        lo, hi = connection.execute(
            select(func.min(Listen.id), func.max(Listen.id)).where(*scope.conditions())
        ).one()
    if hi - lo + 1 > _DENSE_SPAN * count:
        return None
    return int(lo), int(hi)


_Sums = dict[int, list[float]]  # artist id -> [plays, seconds]
_RawSums = dict[str, list[Any]]  # normalized raw name -> [a raw spelling, plays, seconds]


def _add(sums: _Sums, key: int, plays: int, secs: float) -> None:
    entry = sums.get(key)
    if entry is None:
        sums[key] = [plays, secs]
    else:
        entry[0] += plays
        entry[1] += secs


def _add_raw(sums: _RawSums, norm: str, name: str, plays: int, secs: float) -> None:
    entry = sums.get(norm)
    if entry is None:
        sums[norm] = [name, plays, secs]
    else:
        entry[0] = min(entry[0], name)  # the spelling min() picks when read in one query
        entry[1] += plays
        entry[2] += secs


def _artists(session: Session, scope: ListenScope) -> list[_Group]:
    """Whole days from the per-day rollup (rebuilt first where writers marked it), partial days at the
    range's ends and every read the rollup cannot serve straight from listens."""
    linked: _Sums = {}
    raw: _RawSums = {}
    days, edges = rollup.split_scope(scope)
    names: dict[int, tuple[str, str]] = {}
    if days is not None and rollup.ensure_fresh(session, scope.user_id):
        from_days, raw_days = rollup.artist_sums(session, scope.user_id, days)
        for artist_id, name, norm, plays, total in from_days:
            names[artist_id] = (name, norm)
            _add(linked, int(artist_id), int(plays), float(total or 0))
        for norm, artist, plays, total in raw_days:
            _add_raw(raw, norm, artist, int(plays), float(total or 0))
    else:
        edges = [scope]
    for edge in edges:
        _artists_direct(session, edge, linked, raw)
    names.update(_artist_names(session, [a for a in linked if a not in names]))
    matched: dict[object, _Group] = {}
    by_name: dict[str, _Group] = {}
    for artist_id, (count, seconds) in linked.items():
        known = names.get(artist_id)
        label, label_norm = known if known is not None else (f"#{artist_id}", None)
        group = _Group(label, None, int(count), float(seconds), artist_id)
        matched[artist_id] = group
        # Raw names merge into the catalog artist of the same normalized name (the most played one when
        # several artists share it).
        if label_norm is not None and (label_norm not in by_name or by_name[label_norm].plays < group.plays):
            by_name[label_norm] = group
    for norm, (artist, plays, total) in raw.items():
        into = by_name.get(norm)
        if into is None:
            matched[("raw", norm)] = _Group(artist, None, int(plays), float(total), None)
        else:
            into.plays += int(plays)
            into.secs += float(total)
    return list(matched.values())


def _artist_names(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    names: dict[int, tuple[str, str]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        rows = session.connection().execute(
            select(Artist.id, Artist.name, Artist.name_normalized).where(
                Artist.id.in_(ordered[start : start + 500])
            )
        )
        names.update((int(artist_id), (name, norm)) for artist_id, name, norm in rows)
    return names


def _artists_direct(session: Session, scope: ListenScope, linked_out: _Sums, raw_out: _RawSums) -> None:
    """Add the artist sums of ``scope``, read from listens and listen_artists, into the two dicts."""
    secs = type_coerce(func.sum(listening_secs()), Float)  # plain floats: no per-row result processing
    span = _id_span(session, scope)
    if span is None:
        linked = _scoped(
            select(ListenArtist.artist_id.label("artist_id"), func.count().label("plays"), secs.label("secs"))
            .select_from(Listen)
            .join(ListenArtist, ListenArtist.listen_id == Listen.id)
            .group_by(ListenArtist.artist_id),
            scope,
        ).subquery()
        unlinked = _scoped(
            select(Listen.artist_name_normalized, func.min(Listen.artist_name), func.count(), secs)
            .select_from(outerjoin(Listen, ListenArtist, ListenArtist.listen_id == Listen.id))
            .where(ListenArtist.listen_id.is_(None))
            .group_by(Listen.artist_name_normalized),
            scope,
        )
    else:
        lo, hi = span
        # Walk listen_artists' primary key over the id span and fetch each listen by rowid (both in key
        # order), instead of probing the primary key once per listen of the range.
        # OFFSET 0 keeps the per-row subquery a co-routine, so the GROUP BY sorter holds (artist, seconds)
        # rather than every column the seconds are computed from.
        rows = (
            select(ListenArtist.artist_id.label("artist_id"), listening_secs().label("secs"))
            .select_from(ListenArtist)
            .join(Listen, Listen.id == ListenArtist.listen_id)
            .where(ListenArtist.listen_id.between(lo, hi), *scope.conditions(indexed=False))
            .offset(0)
            .subquery()
        )
        linked = (
            select(
                rows.c.artist_id,
                func.count().label("plays"),
                type_coerce(func.sum(rows.c.secs), Float).label("secs"),
            )
            .group_by(rows.c.artist_id)
            .subquery()
        )
        # "Has no listen_artists row" as a merge of two id-ordered scans (SQLite's ordered EXCEPT);
        # only the survivors are read from listens and checked against the scope.
        no_link = (
            select(Listen.id.label("id"))
            .where(Listen.id.between(lo, hi))
            .except_(select(ListenArtist.listen_id).where(ListenArtist.listen_id.between(lo, hi)))
            .order_by(literal_column("1"))
            .subquery()
        )
        unlinked = (
            select(Listen.artist_name_normalized, func.min(Listen.artist_name), func.count(), secs)
            .select_from(no_link)
            .join(Listen, Listen.id == no_link.c.id)
            .where(*scope.conditions(indexed=False))
            .group_by(Listen.artist_name_normalized)
        )
    connection = session.connection()
    for artist_id, plays, total in connection.execute(select(linked)).tuples():
        _add(linked_out, int(artist_id), int(plays), float(total or 0))
    for norm, artist, plays, total in connection.execute(unlinked).tuples():
        _add_raw(raw_out, norm, artist, int(plays), float(total or 0))


def fetch_rows(session: Session, stmt: Any) -> list[Any]:
    """Every row of ``stmt`` as the DBAPI's tuples: the stats read plain numbers and names, and building
    SQLAlchemy rows cost twice the query for the ~36,000 track groups of a 1M-listen history."""
    result = session.connection().execute(stmt)
    try:
        cursor: Any = result.cursor
        return list(cursor.fetchall())
    finally:
        result.close()


def _tracks(session: Session, scope: ListenScope) -> Iterator[_Group]:
    linked = plays_per_track(session, scope)
    stmt = (
        select(linked, Track.title, Track.title_normalized, Artist.name, Artist.name_normalized)
        .join(Track, Track.id == linked.c.track_id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
    )
    matched: dict[object, Any] = {}
    for row in fetch_rows(session, stmt):  # track id, plays, seconds, title, its key, artist, its key
        matched[(row[4], row[6]) if row[6] else ("#", row[0])] = row
    raw = _raw_groups(
        session, scope, lambda c: c.track_id.is_(None), "artist_name_normalized", "track_name_normalized"
    )
    merged, alone = _split_raw(
        matched, (((t, a), (title, artist, p, s)) for a, t, artist, title, _, p, s in raw)
    )
    for key, (track_id, plays, total, title, _, artist, _) in matched.items():
        yield _merged_group(title, artist, plays, total, int(track_id), merged.get(key))
    for title, artist, plays, total in alone.values():
        yield _Group(title, artist, int(plays), float(total or 0), None)


def _split_raw(
    matched: dict[object, Any], raw: Iterable[tuple[object, tuple[str, str | None, Any, Any]]]
) -> tuple[dict[object, list[Any]], dict[object, tuple[str, str | None, Any, Any]]]:
    """What :func:`_merge` does, without a group object per catalog entry (tens of thousands, each one more
    object for the garbage collector to walk): the plays and seconds of raw groups whose key has a catalog
    entry, and the raw groups that stay on their own (name, artist, plays, seconds)."""
    merged: dict[object, list[Any]] = {}
    alone: dict[object, tuple[str, str | None, Any, Any]] = {}
    for key, (name, artist, plays, total) in raw:
        if key in matched:
            extra = merged.setdefault(key, [0, 0.0])
            extra[0] += int(plays)
            extra[1] += float(total or 0)
        elif key in alone:
            first = alone[key]
            alone[key] = (
                first[0],
                first[1],
                int(first[2]) + int(plays),
                float(first[3] or 0) + float(total or 0),
            )
        else:
            alone[key] = (name, artist, plays, total)
    return merged, alone


def _merged_group(
    name: str, artist: str | None, plays: Any, total: Any, catalog_id: int, extra: list[Any] | None
) -> _Group:
    group = _Group(name, artist, int(plays), float(total or 0), catalog_id)
    if extra is not None:
        group.plays += extra[0]
        group.secs += extra[1]
    return group


def _releases(session: Session, scope: ListenScope) -> Iterator[_Group]:
    linked = plays_per_track(session, scope)
    artist = aliased(Artist)
    stmt = (
        select(
            ReleaseGroup.id,
            func.min(ReleaseGroup.title),
            func.min(ReleaseGroup.title_normalized),
            func.min(artist.name),
            func.min(artist.name_normalized),
            func.sum(linked.c.plays),
            func.sum(linked.c.secs),
        )
        .select_from(linked)
        .join(Track, Track.id == linked.c.track_id)
        .join(ReleaseGroup, ReleaseGroup.id == Track.album_id)
        .outerjoin(artist, artist.id == ReleaseGroup.primary_artist_id)
        .group_by(ReleaseGroup.id)
    )
    # release group, title, its key, artist, its key, plays, seconds
    matched: dict[object, Any] = {(row[2], row[4] or ""): row for row in fetch_rows(session, stmt)}

    # Listens linked to a track without a release group fall back to their raw release name, like
    # unlinked ones.
    # The set of album-less tracks is small and built once (SQLite ephemeral index, MariaDB materialised),
    # cheaper than joining tracks for every listen.
    def no_album(c: Any) -> ColumnElement[bool]:
        return and_(
            or_(c.track_id.is_(None), c.track_id.in_(select(Track.id).where(Track.album_id.is_(None)))),
            c.release_name_normalized.is_not(None),
            c.release_name_normalized != "",
        )

    raw = _raw_groups(session, scope, no_album, "release_name_normalized", "artist_name_normalized")
    merged, alone = _split_raw(
        matched, (((r, a), (release, artist, p, s)) for r, a, artist, _, release, p, s in raw)
    )
    for key, (rg, title, _, artist_name, _, plays, total) in matched.items():
        yield _merged_group(title, artist_name, plays, total, int(rg), merged.get(key))
    for release, artist_name, plays, total in alone.values():
        yield _Group(release, artist_name, int(plays), float(total or 0), None)


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
        .outerjoin(ListenGenre, ListenGenre.listen_id == Listen.id)
        .where(ListenGenre.listen_id.is_(None))
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

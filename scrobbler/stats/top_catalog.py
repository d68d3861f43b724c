"""Top tracks and top releases (release groups): catalog entries with their plays, and the raw names of
listens the catalog cannot answer (unmatched listens; for releases also tracks without a release group).

A raw group merges into the catalog entry with the same key (normalized title and artist); when several
catalog entries share a key (a song on an album and on a compilation), they stay separate rows and the
raw group merges into the most played of them (then the most listened, then the lowest id), as raw
artist names do in :mod:`scrobbler.stats.top_artists`. Raw groups without a catalog entry are rows of
their own.

Every reader here can also return only its biggest rows (``order``/``limit``) or the rows of given titles
(``titles``): :mod:`scrobbler.stats._top_bounded` composes those into an exact top N without reading
every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from models.artists import Artist
from models.listens import Listen
from models.releases import ReleaseGroup
from models.tracks import Track
from scrobbler.stats import track_totals
from scrobbler.stats.scope import ListenScope, listening_secs, unindexed
from scrobbler.stats.top_artists import id_span
from scrobbler.stats.top_rows import Group, TopBy, fetch_rows, scoped

Key = tuple[str, str]
CatalogRow = tuple[int, int, float, str, str | None, Key | None]
"""(catalog id, plays, seconds, name, artist name, merge key or None: never merged)."""
RawRow = tuple[Key, str, str | None, int, float]
"""(merge key, a raw name, a raw artist name, plays, seconds)."""
IN_CHUNK = 500


def merge_groups(catalog: Iterable[CatalogRow], raw: Iterable[RawRow]) -> list[Group]:
    """The rows of a top list: every catalog entry, with the raw groups of its key added to the most
    played entry of that key, and the raw groups no catalog entry has as rows of their own."""
    groups: list[Group] = []
    best: dict[Key, Group] = {}
    for catalog_id, plays, secs, name, artist, key in catalog:
        group = Group(name, artist, int(plays), float(secs or 0), int(catalog_id))
        groups.append(group)
        if key is None:
            continue
        current = best.get(key)
        if current is None or _bigger(group, current):
            best[key] = group
    alone: dict[Key, Group] = {}
    for key, name, artist, plays, secs in raw:
        into = best.get(key) or alone.get(key)
        if into is None:
            alone[key] = Group(name, artist, int(plays), float(secs or 0), None)
        else:
            into.plays += int(plays)
            into.secs += float(secs or 0)
    return groups + list(alone.values())


def _bigger(group: Group, than: Group) -> bool:
    return (group.plays, group.secs, -(group.catalog_id or 0)) > (
        than.plays,
        than.secs,
        -(than.catalog_id or 0),
    )


def plays_per_track(session: Session, scope: ListenScope, track_ids: Sequence[int] | None = None) -> Any:
    """Plays and seconds per linked track (only ``track_ids`` when given), as a subquery to join catalog
    rows onto; all time reads the track totals and the listens after them."""
    upto = track_totals.ready(session, scope)
    # The listens after the totals are few and found by (user_id, listened_at): written +track_id, SQLite
    # cannot instead skip through (track_id, listened_at) for every track id to group them in order (52 ms
    # for an empty tail of a 1M-listen history).
    span = _id_span(session, scope) if upto is None and track_ids is None else None
    track: Any = Listen.track_id if upto is None and span is None else unindexed(Listen.track_id)
    which = track.is_not(None) if track_ids is None else track.in_(list(track_ids))
    grouped = (
        select(track.label("track_id"), func.count().label("plays"), func.sum(listening_secs()).label("secs"))
        .where(which)
        .group_by(track)
    )
    if span is not None:
        return _by_ids(grouped, scope, span).subquery()
    direct = scoped(grouped, scope if upto is None else track_totals.tail_scope(scope, upto))
    if upto is None:
        return direct.subquery()
    tail = None if track_totals.tail_is_empty(session, scope.user_id, upto) else direct
    return track_totals.per_track(scope.user_id, tail, None if track_ids is None else list(track_ids))


def raw_groups(
    session: Session,
    scope: ListenScope,
    unlinked: track_totals.Condition,
    keys: tuple[str, str],
    *,
    by: TopBy | None = None,
    limit: int | None = None,
    titles: Sequence[str] | None = None,
) -> list[Any]:
    """Plays, seconds and display names per raw-name key pair (``keys``: listens column names), over the
    listens ``unlinked`` selects; all time reads the track totals and the listens after them. ``by`` and
    ``limit``: only the biggest groups; ``titles``: only groups whose first key is one of them."""
    where = unlinked
    if titles is not None:
        chosen = list(titles)

        def where(c: Any) -> ColumnElement[bool]:
            return and_(unlinked(c), c[keys[0]].in_(chosen))

    upto = track_totals.ready(session, scope)
    columns = track_totals.LISTENS.c
    grouped = select(
        *(columns[k] for k in keys),
        func.min(Listen.artist_name),
        func.min(Listen.track_name),
        func.min(Listen.release_name),
        func.count().label("plays"),
        func.sum(listening_secs()).label("secs"),
    ).group_by(*(columns[k] for k in keys))
    span = _id_span(session, scope) if upto is None and titles is None else None
    if span is not None:
        grouped = grouped.where(unlinked(_unindexed_listens()))
    else:
        grouped = grouped.where(where(columns))
    direct = (
        _by_ids(grouped, scope, span)
        if span is not None
        else scoped(grouped, scope if upto is None else track_totals.tail_scope(scope, upto))
    )
    if upto is None:
        stmt = direct
    else:
        tail = None if track_totals.tail_is_empty(session, scope.user_id, upto) else direct
        stmt = track_totals.raw_groups(scope.user_id, tail, where, list(keys))
    if by is not None:
        *_, plays, secs = list(stmt.selected_columns)
        stmt = stmt.order_by(
            *((plays.desc(), secs.desc()) if by is TopBy.PLAYS else (secs.desc(), plays.desc()))
        )
    if limit is not None:
        stmt = stmt.limit(limit)
    return fetch_rows(session, stmt)


def _id_span(session: Session, scope: ListenScope) -> tuple[int, int] | None:
    """The listen ids a range's listens span when they are one compact run (SQLite; see
    :func:`scrobbler.stats.top_artists.id_span`), else None."""
    if scope.lo is None and scope.hi is None:
        return None
    return id_span(session, scope)


def _by_ids(stmt: Any, scope: ListenScope, span: tuple[int, int]) -> Any:
    """``stmt`` over the listens of ``span`` that are in the scope: SQLite reads them in rowid order rather
    than fetching each one found in the (user_id, listened_at) index (37 against 55 ms for the 99,000
    listens of a year)."""
    return stmt.where(Listen.id.between(*span), *scope.conditions(indexed=False))


def _unindexed_listens() -> Any:
    """The listens' columns written ``+column`` for a Condition, so no index is picked over the id span
    (for "no track, or a track without album" SQLite OR-ed two reads of the track_id index over every year:
    80 ms for a month)."""
    return SimpleNamespace(**{name: unindexed(column) for name, column in track_totals.LISTENS.c.items()})


def _ordered(subquery: Any, by: TopBy | None, limit: int | None) -> Any:
    """``subquery`` (with plays and secs columns), only its ``limit`` biggest rows ``by`` when given."""
    if by is None:
        return subquery
    measures = (
        (subquery.c.plays, subquery.c.secs) if by is TopBy.PLAYS else (subquery.c.secs, subquery.c.plays)
    )
    return select(subquery).order_by(*(m.desc() for m in measures)).limit(limit).subquery()


def _ids_of_titles(
    session: Session, column: Any, id_column: Any, titles: Sequence[str], join: Any = None
) -> list[int]:
    ids: list[int] = []
    ordered = sorted(set(titles))
    for start in range(0, len(ordered), IN_CHUNK):
        stmt = select(id_column).where(column.in_(ordered[start : start + IN_CHUNK]))
        if join is not None:
            stmt = stmt.join(*join)
        ids.extend(int(row[0]) for row in fetch_rows(session, stmt))
    return ids


# -- tracks ------------------------------------------------------------------------------------------------

TRACK_KEYS = ("artist_name_normalized", "track_name_normalized")


def track_rows(
    session: Session,
    scope: ListenScope,
    *,
    by: TopBy | None = None,
    limit: int | None = None,
    titles: Sequence[str] | None = None,
) -> list[CatalogRow]:
    """Played catalog tracks (all; the ``limit`` most played ``by``; or those titled one of ``titles``)."""
    track_ids = None
    if titles is not None:
        track_ids = _ids_of_titles(session, Track.title_normalized, Track.id, titles)
        if not track_ids:
            return []
    linked = _ordered(plays_per_track(session, scope, track_ids), by, limit)
    stmt = (
        select(linked.c.track_id, linked.c.plays, linked.c.secs, Track.title, Track.title_normalized)
        .add_columns(Artist.name, Artist.name_normalized)
        .join(Track, Track.id == linked.c.track_id)
        .outerjoin(Artist, Artist.id == Track.primary_artist_id)
    )
    return [
        (track_id, plays, secs, title, artist, (title_key, artist_key) if artist_key else None)
        for track_id, plays, secs, title, title_key, artist, artist_key in fetch_rows(session, stmt)
    ]


def raw_track_rows(
    session: Session,
    scope: ListenScope,
    *,
    by: TopBy | None = None,
    limit: int | None = None,
    titles: Sequence[str] | None = None,
) -> list[RawRow]:
    """Raw (artist, title) groups of unmatched listens, keyed (title, artist) like catalog tracks."""
    found = raw_groups(
        session,
        scope,
        lambda c: c.track_id.is_(None),
        ("track_name_normalized", "artist_name_normalized"),
        by=by,
        limit=limit,
        titles=titles,
    )
    return [((t, a), title, artist, p, s) for t, a, artist, title, _, p, s in found]


def tracks(session: Session, scope: ListenScope) -> list[Group]:
    return merge_groups(track_rows(session, scope), raw_track_rows(session, scope))


# -- releases ----------------------------------------------------------------------------------------------


def release_rows(
    session: Session,
    scope: ListenScope,
    *,
    by: TopBy | None = None,
    limit: int | None = None,
    titles: Sequence[str] | None = None,
) -> list[CatalogRow]:
    """Played release groups (all; the ``limit`` most played ``by``; or those titled one of ``titles``)."""
    track_ids = None
    if titles is not None:
        track_ids = _ids_of_titles(
            session,
            ReleaseGroup.title_normalized,
            Track.id,
            titles,
            join=(ReleaseGroup, ReleaseGroup.id == Track.album_id),
        )
        if not track_ids:
            return []
    linked = plays_per_track(session, scope, track_ids)
    # Summed per release group first (the tracks' album ids), then named: joining names onto every played
    # track before grouping cost three times as much (94 against 32 ms for 27,000 tracks).
    per_album = (
        select(
            Track.album_id.label("id"),
            func.sum(linked.c.plays).label("plays"),
            func.sum(linked.c.secs).label("secs"),
        )
        .select_from(linked)
        .join(Track, Track.id == linked.c.track_id)
        .join(ReleaseGroup, ReleaseGroup.id == Track.album_id)
        .group_by(Track.album_id)
    )
    if by is not None:
        measures = ("plays", "secs") if by is TopBy.PLAYS else ("secs", "plays")
        per_album = per_album.order_by(*(per_album.selected_columns[m].desc() for m in measures)).limit(limit)
    sums = per_album.subquery()
    artist = aliased(Artist)
    named = (
        select(
            sums.c.id,
            ReleaseGroup.title,
            ReleaseGroup.title_normalized,
            artist.name,
            artist.name_normalized,
            sums.c.plays,
            sums.c.secs,
        )
        .join(ReleaseGroup, ReleaseGroup.id == sums.c.id)
        .outerjoin(artist, artist.id == ReleaseGroup.primary_artist_id)
    )
    return [
        (rg, plays, secs, title, artist_name, (title_key, artist_key or ""))
        for rg, title, title_key, artist_name, artist_key, plays, secs in fetch_rows(session, named)
    ]


def _no_album(c: Any) -> ColumnElement[bool]:
    """Listens with a raw release name whose track has no release group (or that have no track)."""
    # The set of album-less tracks is small and built once (SQLite ephemeral index, MariaDB materialised),
    # cheaper than joining tracks for every listen.
    return and_(
        or_(c.track_id.is_(None), c.track_id.in_(select(Track.id).where(Track.album_id.is_(None)))),
        c.release_name_normalized.is_not(None),
        c.release_name_normalized != "",
    )


def raw_release_rows(
    session: Session,
    scope: ListenScope,
    *,
    by: TopBy | None = None,
    limit: int | None = None,
    titles: Sequence[str] | None = None,
) -> list[RawRow]:
    """Raw (release, artist) groups of listens without a release group, keyed like release groups."""
    found = raw_groups(
        session,
        scope,
        _no_album,
        ("release_name_normalized", "artist_name_normalized"),
        by=by,
        limit=limit,
        titles=titles,
    )
    return [((r, a), release, artist, p, s) for r, a, artist, _, release, p, s in found]


def releases(session: Session, scope: ListenScope) -> list[Group]:
    return merge_groups(release_rows(session, scope), raw_release_rows(session, scope))

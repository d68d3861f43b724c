"""Top artists, releases (release groups), tracks and genres of a scope, by plays or by listening time.

Unmatched listens are not dropped: they count under their raw (normalized) names, and a raw name that
equals a catalog entry's normalized name is merged into it, so "Radiohead" scrobbled before the catalog
knew it and "Radiohead" matched later are one row. Genres come from ``listen_genres`` when the matcher
wrote them, else from the matched track's ``track_genres``; a listen with several genres counts for each.
Artists: :mod:`scrobbler.stats.top_artists`; tracks and releases: :mod:`scrobbler.stats.top_catalog`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.listens import Listen, ListenGenre
from models.tracks import Genre, Track, TrackGenre
from scrobbler.stats import _top_bounded, top_catalog
from scrobbler.stats.scope import ListenScope, listening_secs
from scrobbler.stats.top_artists import artists
from scrobbler.stats.top_catalog import plays_per_track
from scrobbler.stats.top_rows import Group, TopBy, TopEntry, TopKind, fetch_rows, rank_key, scoped

__all__ = ["TopBy", "TopEntry", "TopKind", "fetch_rows", "plays_per_track", "top"]


def top(
    session: Session,
    scope: ListenScope,
    kind: TopKind | str,
    by: TopBy | str = TopBy.PLAYS,
    limit: int | None = 50,
) -> list[TopEntry]:
    """The ``limit`` biggest groups of ``kind``; ties break on the other measure, then the name."""
    kind, by = TopKind(kind), TopBy(by)
    key = rank_key(by)
    all_time = scope.lo is None and scope.hi is None
    if limit is not None and all_time and kind in (TopKind.TRACKS, TopKind.RELEASES):
        # ~36,000 track totals of which 50 are shown: SQL finds the biggest. A shorter range reads its
        # listens either way, and grouping them once costs less than the bounded path's several reads.
        chosen = _top_bounded.bounded_top(session, scope, kind, by, limit)
    else:
        groups = {
            TopKind.ARTISTS: artists,
            TopKind.RELEASES: top_catalog.releases,
            TopKind.TRACKS: top_catalog.tracks,
            TopKind.GENRES: _genres,
        }[kind](session, scope)
        # nsmallest(n, ...) is sorted(...)[:n], without sorting thousands of groups to keep 50.
        chosen = sorted(groups, key=key) if limit is None else heapq.nsmallest(limit, groups, key=key)
    return [
        TopEntry(i, g.name, g.artist, g.plays, round(g.secs, 3), g.catalog_id)
        for i, g in enumerate(chosen, start=1)
    ]


def _merge(matched: dict[int, Group], more: Iterable[tuple[int, Group]]) -> list[Group]:
    """Add groups into the one with the same id, or keep them as their own rows."""
    out = dict(matched)
    for key, group in more:
        into = out.get(key)
        if into is None:
            out[key] = group
        else:
            into.plays += group.plays
            into.secs += group.secs
    return list(out.values())


def _genres(session: Session, scope: ListenScope) -> list[Group]:
    secs = listening_secs()
    from_listen = (
        select(Genre.id, func.min(Genre.name), func.count(), func.sum(secs))
        .select_from(Listen)
        .join(ListenGenre, ListenGenre.listen_id == Listen.id)
        .join(Genre, Genre.id == ListenGenre.genre_id)
        .group_by(Genre.id)
    )
    if scope.lo is None and scope.hi is None:
        # All time: from listen_genres to the listens (by id), not every listen of the user probing
        # listen_genres; SQLite took the user's index and probed a million times (60-80 ms for an empty
        # listen_genres). A range keeps its (user_id, listened_at) read.
        from_listen = from_listen.where(*scope.conditions(indexed=False))
    else:
        from_listen = scoped(from_listen, scope)
    from_track = scoped(
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
        int(gid): Group(name, None, int(plays), float(total or 0), int(gid))
        for gid, name, plays, total in session.connection().execute(from_listen)
    }
    more = (
        (int(gid), Group(name, None, int(plays), float(total or 0), int(gid)))
        for gid, name, plays, total in session.connection().execute(from_track)
    )
    return _merge(matched, more)

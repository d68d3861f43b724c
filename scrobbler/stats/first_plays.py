"""The first-play rollup behind discoveries: each raw (artist, title)'s first listen per user.

"Discovered in 2024" asks about a user's whole history: a direct read groups every listen (about 2 s for a
1M-listen history, whatever the range). The rollup holds one row per raw track over the listens before its
``upto`` (:func:`scrobbler.stats.track_totals.upto_ready`: rebuilt when an older listen changes, listens
after ``upto`` read directly and merged), so a range reads only the rows first heard in it.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import BigInteger, Table, delete, func, insert, select, tuple_, type_coerce
from sqlalchemy.orm import Session

from models.listens import Listen
from models.stats_rollups import ListenFirstPlay
from scrobbler.stats.scope import ListenScope
from scrobbler.stats.top_rows import fetch_rows
from scrobbler.stats.track_totals import upto_ready

NAME = "first-plays"
FIRSTS = cast(Table, ListenFirstPlay.__table__)
_AT = type_coerce(Listen.listened_at, BigInteger)

First = tuple[int, str, str | None]
"""(first listen, epoch seconds; a raw artist spelling; a raw title spelling, None for artists)."""


def ready(session: Session, scope: ListenScope) -> int | None:
    """``upto`` of the user's first-play rows (refreshed first when needed), or None: read listens."""
    return upto_ready(session, scope.user_id, NAME, _rebuild)


def _rebuild(session: Session, user_id: int, upto: int) -> None:
    connection = session.connection()
    connection.execute(delete(FIRSTS).where(FIRSTS.c.user_id == user_id))
    firsts = (
        select(
            Listen.user_id,
            Listen.artist_name_normalized,
            Listen.track_name_normalized,
            func.min(_AT),
            func.min(Listen.artist_name),
            func.min(Listen.track_name),
        )
        .where(Listen.user_id == user_id, Listen.listened_at < upto)
        .group_by(Listen.user_id, Listen.artist_name_normalized, Listen.track_name_normalized)
    )
    columns = [
        "user_id",
        "artist_name_normalized",
        "track_name_normalized",
        "first_at",
        "artist_name",
        "track_name",
    ]
    connection.execute(insert(FIRSTS).from_select(columns, firsts))


def firsts_in(session: Session, scope: ListenScope, kind: str, upto: int) -> list[First]:
    """The tracks (``kind`` "track") or artists first heard inside the scope, oldest first (ties by name)."""
    user = scope.user_id
    track = kind == "track"
    keys = [FIRSTS.c.artist_name_normalized, *([FIRSTS.c.track_name_normalized] if track else [])]
    listen_keys = [Listen.artist_name_normalized, *([Listen.track_name_normalized] if track else [])]
    spellings = [func.min(FIRSTS.c.artist_name), func.min(FIRSTS.c.track_name) if track else None]
    first = func.min(FIRSTS.c.first_at)
    kept = select(*keys, first, *(s for s in spellings if s is not None)).where(FIRSTS.c.user_id == user)
    kept = kept.group_by(*keys)
    # Track rows are one per key already: the range is an index range, no grouping.
    first_column: Any = FIRSTS.c.first_at if track else first
    in_range = (
        select(*keys, FIRSTS.c.first_at, FIRSTS.c.artist_name, FIRSTS.c.track_name).where(
            FIRSTS.c.user_id == user
        )
        if track
        else kept
    )
    bounds: list[Any] = []
    if scope.lo is not None:
        bounds.append(first_column >= scope.lo)
    if scope.hi is not None:
        bounds.append(first_column < scope.hi)
    in_range = in_range.where(*bounds) if track else in_range.having(*bounds)
    in_range = in_range.order_by(first_column, *keys)
    # Listens after ``upto``: a key seen there for the first time, or a spelling smaller than the kept one.
    tail = select(
        *listen_keys,
        func.min(_AT),
        func.min(Listen.artist_name),
        *([func.min(Listen.track_name)] if track else []),
    )
    tail_rows = {
        _key(row, track): _first(row, track)
        for row in fetch_rows(
            session,
            tail.where(Listen.user_id == user, Listen.listened_at >= upto).group_by(*listen_keys),
        )
    }
    if not tail_rows:  # the usual case: SQL's order is the answer's
        return [_first(row, track) for row in fetch_rows(session, in_range)]
    found: dict[tuple[Any, ...], First] = {
        _key(row, track): _first(row, track) for row in fetch_rows(session, in_range)
    }
    if tail_rows:
        known = {}
        ordered = sorted(tail_rows)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            match = tuple_(*keys).in_(chunk) if track else keys[0].in_([k[0] for k in chunk])
            known.update(
                {_key(row, track): _first(row, track) for row in fetch_rows(session, kept.where(match))}
            )
        for key, (at, artist, title) in tail_rows.items():
            old = known.get(key)
            if old is None:
                if (scope.lo is None or at >= scope.lo) and (scope.hi is None or at < scope.hi):
                    found[key] = (at, artist, title)
            elif key in found:
                kept_at, kept_artist, kept_title = found[key]
                smaller_title = kept_title if title is None or kept_title is None else min(kept_title, title)
                found[key] = (kept_at, min(kept_artist, artist), smaller_title)
    return [found[key] for key in sorted(found, key=lambda k: (found[k][0], k))]


def _key(row: Any, track: bool) -> tuple[Any, ...]:
    return (row[0], row[1]) if track else (row[0],)


def _first(row: Any, track: bool) -> First:
    if track:
        return int(row[2]), row[3], row[4]
    return int(row[1]), row[2], None

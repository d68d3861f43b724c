"""The per-day artist rollup behind top-artist lists: build, refresh, and read it.

``listen_artist_days`` holds plays and listening seconds per (user, UTC day, artist), computed from
``listens`` + ``listen_artists`` with the same rules as reading them directly (:mod:`scrobbler.stats.top`).
Writers mark the days they change (:mod:`models.listen_changes`); :func:`ensure_fresh` rebuilds those days
inside the caller's transaction before a stats query reads the rollup, so the answer is always the one
the listens give. A year of a 1M-listen history is ~31,000 rollup rows instead of ~99,000 listens.

A local range is read as the whole UTC days inside it from the rollup plus at most two partial days at
its ends from ``listens`` (:func:`split_scope`), so any time zone and any DST transition is exact.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Row,
    Table,
    case,
    delete,
    func,
    insert,
    literal,
    outerjoin,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from models.artists import Artist
from models.listens import Listen, ListenArtist, ListenArtistDay, ListenArtistMonth, ListenStatsState
from models.stats_rollups import ListenRollupState
from scrobbler.stats.scope import ListenScope, listening_secs

DAY = 86_400
_DAYS = cast(Table, ListenArtistDay.__table__)
_MONTHS = cast(Table, ListenArtistMonth.__table__)
_EPOCH = date(1970, 1, 1)
_STATE = cast(Table, ListenStatsState.__table__)
_DERIVED = cast(Table, ListenRollupState.__table__)
_log = logging.getLogger(__name__)


def ensure_fresh(session: Session, user_id: int) -> bool:
    """Rebuild the marked days of this user's rollup in the session's transaction.

    Returns False when that is impossible right now (a read-only database; on SQLite another writer that
    moved past this transaction's snapshot; on MariaDB a snapshot older than the newest state): the caller
    then reads listens directly, so a stats query never fails or lies because of the rollup. A caller
    that rolls its transaction back throws the rebuild away; the next query does it again."""
    connection = session.connection()
    read = select(_STATE.c.built, _STATE.c.dirty_lo, _STATE.c.dirty_hi).where(_STATE.c.user_id == user_id)
    state = connection.execute(read.with_for_update()).one_or_none()
    # MariaDB: FOR UPDATE reads the newest committed row (and holds it, so no other refresh runs
    # meanwhile), but plain reads of the rollup see this transaction's snapshot. When the two states
    # differ, someone refreshed or marked after the snapshot was taken, and the rollup rows this
    # transaction can see may not be the ones the newest state describes: read the listens instead.
    if connection.dialect.name != "sqlite" and connection.execute(read).one_or_none() != state:
        return False
    if state is not None and state.built and state.dirty_lo is None:
        return True
    try:
        with session.begin_nested():
            if state is None or not state.built:
                _rebuild(session, user_id, None)
                _rebuild_months(session, user_id, None)
                connection.execute(delete(_DERIVED).where(_DERIVED.c.user_id == user_id))
            else:
                _pass_on(session, user_id, int(state.dirty_lo), int(state.dirty_hi))
                days = (state.dirty_lo // DAY, state.dirty_hi // DAY)
                _rebuild(session, user_id, days)
                _rebuild_months(session, user_id, days)
            if state is None:
                connection.execute(insert(_STATE).values(user_id=user_id, built=True))
            else:
                connection.execute(
                    _STATE.update()
                    .where(_STATE.c.user_id == user_id)
                    .values(built=True, dirty_lo=None, dirty_hi=None)
                )
    except OperationalError as error:
        _log.info("stats rollup not refreshed (%s); reading listens directly", error.orig)
        return False
    return True


def _pass_on(session: Session, user_id: int, lo: int, hi: int) -> None:
    """Widen the dirty span of every other rollup of this user (``listen_rollup_state``) by ``[lo, hi]``:
    writers mark ``listen_stats_state`` only, and clearing it here must not lose the mark for them."""
    column_lo, column_hi = _DERIVED.c.dirty_lo, _DERIVED.c.dirty_hi
    session.connection().execute(
        _DERIVED.update()
        .where(_DERIVED.c.user_id == user_id)
        .values(
            dirty_lo=case((column_lo.is_(None), lo), (column_lo < lo, column_lo), else_=lo),
            dirty_hi=case((column_hi.is_(None), hi), (column_hi > hi, column_hi), else_=hi),
        )
    )


class Unusable(Exception):
    """A derived rollup cannot be read or refreshed in this transaction: read the listens instead."""


def derived_state(session: Session, user_id: int, name: str) -> Row[Any] | None:
    """The state row of rollup ``name`` (None: not built), locked for a refresh, after the artist rollup
    passed its marks on (:func:`ensure_fresh`). Raises :class:`Unusable` when this transaction cannot
    trust or refresh it (the same cases as :func:`ensure_fresh`)."""
    if not ensure_fresh(session, user_id):
        raise Unusable("the artist rollup could not be refreshed")
    connection = session.connection()
    read = select(_DERIVED.c.zone, _DERIVED.c.upto, _DERIVED.c.dirty_lo, _DERIVED.c.dirty_hi).where(
        _DERIVED.c.user_id == user_id, _DERIVED.c.rollup == name
    )
    try:
        state = connection.execute(read.with_for_update()).one_or_none()
    except OperationalError as error:
        raise Unusable(str(error.orig)) from error
    if connection.dialect.name != "sqlite" and connection.execute(read).one_or_none() != state:
        raise Unusable("another transaction refreshed the rollup after this one began")
    return state


def save_derived_state(
    session: Session, user_id: int, name: str, *, zone: str | None = None, upto: int | None = None
) -> None:
    """Record rollup ``name`` as built and clean (call inside the refresh's SAVEPOINT)."""
    connection = session.connection()
    connection.execute(delete(_DERIVED).where(_DERIVED.c.user_id == user_id, _DERIVED.c.rollup == name))
    connection.execute(insert(_DERIVED).values(user_id=user_id, rollup=name, zone=zone, upto=upto))


def _rebuild(session: Session, user_id: int, days: tuple[int, int] | None) -> None:
    """Replace the rollup rows of ``days`` (first, last; inclusive) or of the whole history (None)."""
    connection = session.connection()
    at = type_coerce(Listen.listened_at, BigInteger)
    day = (at // DAY).label("day")
    where: list[Any] = [Listen.user_id == user_id]
    delete_where: list[Any] = [_DAYS.c.user_id == user_id]
    if days is not None:
        first, last = days
        where += [Listen.listened_at >= first * DAY, Listen.listened_at < (last + 1) * DAY]
        delete_where += [_DAYS.c.day.between(first, last)]
    connection.execute(delete(_DAYS).where(*delete_where))
    secs = listening_secs()
    linked = (
        select(
            literal(user_id), day, ListenArtist.artist_id, func.count(), func.coalesce(func.sum(secs), 0.0)
        )
        .select_from(Listen)
        .join(ListenArtist, ListenArtist.listen_id == Listen.id)
        .where(*where)
        .group_by(day, ListenArtist.artist_id)
    )
    connection.execute(insert(_DAYS).from_select(["user_id", "day", "artist_id", "plays", "secs"], linked))
    raw = (
        select(
            literal(user_id),
            day,
            Listen.artist_name_normalized,
            func.min(Listen.artist_name),
            func.count(),
            func.coalesce(func.sum(secs), 0.0),
        )
        .select_from(outerjoin(Listen, ListenArtist, ListenArtist.listen_id == Listen.id))
        .where(ListenArtist.listen_id.is_(None), *where)
        .group_by(day, Listen.artist_name_normalized)
    )
    connection.execute(
        insert(_DAYS).from_select(
            ["user_id", "day", "artist_name_normalized", "artist_name", "plays", "secs"], raw
        )
    )


def month_of(day: int) -> int:
    """The UTC calendar month (``year * 12 + month - 1``) holding this day number."""
    when = _EPOCH + timedelta(days=day)
    return when.year * 12 + when.month - 1


def first_day(month: int) -> int:
    """The day number of the first day of this month."""
    year, index = divmod(month, 12)
    return (date(year, index + 1, 1) - _EPOCH).days


def _rebuild_months(session: Session, user_id: int, days: tuple[int, int] | None) -> None:
    """Replace the month rows over ``days`` (or all of them) by sums of the day rows."""
    connection = session.connection()
    if days is None:
        connection.execute(delete(_MONTHS).where(_MONTHS.c.user_id == user_id))
        bounds = connection.execute(
            select(func.min(_DAYS.c.day), func.max(_DAYS.c.day)).where(_DAYS.c.user_id == user_id)
        ).one()
        if bounds[0] is None:
            return
        days = (int(bounds[0]), int(bounds[1]))
    first, last = month_of(days[0]), month_of(days[1])
    connection.execute(
        delete(_MONTHS).where(_MONTHS.c.user_id == user_id, _MONTHS.c.month.between(first, last))
    )
    columns = ["user_id", "month", "artist_id", "artist_name_normalized", "artist_name", "plays", "secs"]
    for month in range(first, last + 1):
        sums = (
            select(
                literal(user_id),
                literal(month),
                _DAYS.c.artist_id,
                _DAYS.c.artist_name_normalized,
                func.min(_DAYS.c.artist_name),
                func.sum(_DAYS.c.plays),
                func.sum(_DAYS.c.secs),
            )
            .where(
                _DAYS.c.user_id == user_id,
                _DAYS.c.day >= first_day(month),
                _DAYS.c.day < first_day(month + 1),
            )
            .group_by(_DAYS.c.artist_id, _DAYS.c.artist_name_normalized)
        )
        connection.execute(insert(_MONTHS).from_select(columns, sums))


def split_scope(scope: ListenScope) -> tuple[tuple[int | None, int | None] | None, list[ListenScope]]:
    """The whole UTC days of ``scope`` as (first day, end day exclusive; None = unbounded), or None when it
    holds no whole day, and the partial-day scopes at its ends that must be read from listens."""
    lo, hi = scope.lo, scope.hi
    first = None if lo is None else -(-lo // DAY)
    end = None if hi is None else hi // DAY
    if first is not None and end is not None and first >= end:
        return None, [scope]
    edges = []
    if lo is not None and first is not None and lo < first * DAY:
        edges.append(dataclasses.replace(scope, lo=lo, hi=first * DAY))
    if hi is not None and end is not None and end * DAY < hi:
        edges.append(dataclasses.replace(scope, lo=end * DAY, hi=hi))
    return (first, end), edges


def artist_sums(
    session: Session, user_id: int, days: tuple[int | None, int | None]
) -> tuple[list[tuple[int, str, str, int, float]], list[tuple[str, str, int, float]]]:
    """Sums over the rollup days ``[first, end)`` (None: unbounded): (artist id, name, normalized name,
    plays, seconds) per catalog artist and (normalized raw name, a raw spelling, plays, seconds) per raw
    name. Whole months come from the month rows, the days around them from the day rows."""
    first, end = days
    low = None if first is None else month_of(first) + (first_day(month_of(first)) != first)
    high = None if end is None else month_of(end)  # months before the one holding ``end``
    parts = []
    if low is None or high is None or low < high:
        where = [_MONTHS.c.user_id == user_id]
        if low is not None:
            where.append(_MONTHS.c.month >= low)
        if high is not None:
            where.append(_MONTHS.c.month < high)
        loose: list[tuple[int | None, int | None]] = []
        if first is not None and low is not None and first < first_day(low):
            loose.append((first, first_day(low)))
        if end is not None and high is not None and first_day(high) < end:
            loose.append((first_day(high), end))
        parts.append(_rows(_MONTHS).where(*where))
    else:
        loose = [(first, end)]
    parts.extend(
        _rows(_DAYS).where(_DAYS.c.user_id == user_id, *_day_range(_DAYS.c.day, lo, hi)) for lo, hi in loose
    )
    rows = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    # One grouped pass over both kinds of row (catalog artists have no raw name, raw names no artist id),
    # catalog names joined per group: half the time of a query per kind.
    sums = (
        select(
            rows.c.artist_id,
            rows.c.artist_name_normalized,
            func.min(rows.c.artist_name).label("spelling"),
            func.sum(rows.c.plays).label("plays"),
            func.sum(rows.c.secs).label("secs"),
        )
        .group_by(rows.c.artist_id, rows.c.artist_name_normalized)
        .subquery()
    )
    linked: list[tuple[int, str, str, int, float]] = []
    raw: list[tuple[str, str, int, float]] = []
    for artist_id, raw_norm, spelling, plays, secs, name, norm in session.connection().execute(
        select(sums, Artist.name, Artist.name_normalized).outerjoin(Artist, Artist.id == sums.c.artist_id)
    ):
        if artist_id is None:
            raw.append((raw_norm, spelling, plays, secs))
        elif name is not None:
            linked.append((artist_id, name, norm, plays, secs))
    return linked, raw


def _rows(table: Table) -> Any:
    return select(
        table.c.artist_id, table.c.artist_name_normalized, table.c.artist_name, table.c.plays, table.c.secs
    )


def _day_range(column: Any, lo: int | None, hi: int | None) -> list[Any]:
    terms = []
    if lo is not None:
        terms.append(column >= lo)
    if hi is not None:
        terms.append(column < hi)
    return terms

"""Telling the stats rollups which listens changed, in the writer's own transaction.

Every writer that inserts listens, links or unlinks them, or changes their artists calls
:func:`note_listens_changed` with the (user, listened_at) of what it touched. That widens the user's dirty
span in ``listen_stats_state``; the next stats query rebuilds the rollup days in it
(``scrobbler.stats.rollup``). One statement per user per call, so a 20,000-listen batch pays once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import BigInteger, Connection, Table, func, select, type_coerce
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.orm import Session

from models.listens import Listen, ListenStatsState

_STATE = cast(Table, ListenStatsState.__table__)


def note_listens_changed(target: Session | Connection, moments: Iterable[tuple[int, int]]) -> None:
    """Mark the listens at these (user_id, listened_at epoch seconds) as changed for the stats rollups."""
    spans: dict[int, list[int]] = {}
    for user_id, at in moments:
        span = spans.get(user_id)
        if span is None:
            spans[user_id] = [at, at]
        elif at < span[0]:
            span[0] = at
        elif at > span[1]:
            span[1] = at
    note_spans_changed(target, {user: (lo, hi) for user, (lo, hi) in spans.items()})


def note_spans_changed(target: Session | Connection, spans: dict[int, tuple[int, int]]) -> None:
    """Widen each user's dirty span to cover ``(lo, hi)`` (epoch seconds, inclusive)."""
    if not spans:
        return
    connection = target.connection() if isinstance(target, Session) else target
    for user_id, (lo, hi) in spans.items():
        lo, hi = int(lo), int(hi)
        if connection.dialect.name == "sqlite":
            values: dict[str, Any] = {
                "dirty_lo": func.min(func.coalesce(_STATE.c.dirty_lo, lo), lo),
                "dirty_hi": func.max(func.coalesce(_STATE.c.dirty_hi, hi), hi),
            }
            statement: Any = (
                sqlite.insert(_STATE)
                .values(user_id=user_id, built=False, dirty_lo=lo, dirty_hi=hi)
                .on_conflict_do_update(index_elements=[_STATE.c.user_id], set_=values)
            )
        else:
            statement = (
                mysql.insert(_STATE)
                .values(user_id=user_id, built=False, dirty_lo=lo, dirty_hi=hi)
                .on_duplicate_key_update(
                    dirty_lo=func.least(func.coalesce(_STATE.c.dirty_lo, lo), lo),
                    dirty_hi=func.greatest(func.coalesce(_STATE.c.dirty_hi, hi), hi),
                )
            )
        connection.execute(statement)


def note_tracks_changed(target: Session | Connection, track_ids: Sequence[int]) -> None:
    """The catalog changed these tracks (their length may be new): listens of them that have no length of
    their own count the catalog's in "by time" stats, so their days are marked."""
    if not track_ids:
        return
    connection = target.connection() if isinstance(target, Session) else target
    at = type_coerce(Listen.listened_at, BigInteger)
    spans: dict[int, tuple[int, int]] = {}
    ids = sorted(set(track_ids))
    for start in range(0, len(ids), 500):
        rows = connection.execute(
            select(Listen.user_id, func.min(at), func.max(at))
            .where(
                Listen.track_id.in_(ids[start : start + 500]),
                Listen.duration_secs.is_(None),
                Listen.track_duration_secs.is_(None),
            )
            .group_by(Listen.user_id)
        )
        for user_id, lo, hi in rows:
            lo, hi = int(lo), int(hi)
            old = spans.get(user_id)
            spans[user_id] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
    note_spans_changed(connection, spans)

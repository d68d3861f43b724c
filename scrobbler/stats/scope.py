"""Which listens a stat looks at: one user, one range of their local days, resolved to epoch bounds.

Every stats query starts from a :class:`ListenScope`, so the WHERE is always the indexed
``(user_id, listened_at)`` range on integers, whatever the zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, UnaryExpression, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.operators import custom_op

from models.listens import Listen
from models.tracks import Track
from models.users import User
from scrobbler.stats.ranges import ALL_TIME, StatsRange, local_today, parse_range, user_zone


@dataclass(frozen=True, slots=True)
class ListenScope:
    user_id: int
    username: str
    zone: ZoneInfo
    range: StatsRange
    lo: int | None  # epoch seconds, inclusive
    hi: int | None  # epoch seconds, exclusive

    def conditions(self, indexed: bool = True) -> list[ColumnElement[bool]]:
        """WHERE terms on ``listens`` for this user and range (integer comparisons on listened_at).

        ``indexed=False`` writes them as ``+column``, which SQLite never answers from an index: for a
        query that reaches listens by id and only filters each row with the scope, whatever the planner
        guesses without table statistics (the application does not run ANALYZE)."""
        user_id: Any = Listen.user_id if indexed else unindexed(Listen.user_id)
        listened_at: Any = Listen.listened_at if indexed else unindexed(Listen.listened_at)
        terms: list[ColumnElement[bool]] = [user_id == self.user_id]
        if self.lo is not None:
            terms.append(listened_at >= self.lo)
        if self.hi is not None:
            terms.append(listened_at < self.hi)
        return terms


def unindexed(column: Any) -> ColumnElement[Any]:
    """``+column``: the same value, but not a term SQLite can match against an index (or read in index
    order), so its planner takes another index for the query."""
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def scope_for(user: User, stats_range: StatsRange | str = ALL_TIME) -> ListenScope:
    """Resolve ``stats_range`` (a :class:`StatsRange` or range text) in ``user``'s zone."""
    zone = user_zone(user)
    if isinstance(stats_range, str):
        stats_range = parse_range(stats_range, today=local_today(zone))
    lo, hi = stats_range.epoch_bounds(zone)
    return ListenScope(user.id, user.username, zone, stats_range, lo, hi)


def listening_secs() -> ColumnElement[float]:
    """Seconds a listen counts for "by time": played length, else the reported length, else the catalog's.

    The catalog length is a correlated subquery that COALESCE only evaluates when both listen columns are
    NULL, so the common case costs no join. A listen with no known length counts 0 s (still one play).
    """
    track = aliased(Track)
    catalog = select(track.duration_secs).where(track.id == Listen.track_id).correlate_except(track)
    return func.coalesce(Listen.duration_secs, Listen.track_duration_secs, catalog.scalar_subquery(), 0.0)


def load_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"no user with id {user_id}")
    return user

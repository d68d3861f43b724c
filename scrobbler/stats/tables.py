"""Any stat as a flat table (named columns, rows of plain values), the one shape the CLI prints and the
exporters write to CSV, JSON and Parquet.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from scrobbler.stats.library import library_stats
from scrobbler.stats.scope import ListenScope
from scrobbler.stats.taste import taste_profile
from scrobbler.stats.top import TopBy, TopKind, top
from scrobbler.stats.trends import daily_trend, discoveries, listening_clock, streaks


@dataclass(frozen=True, slots=True)
class StatsTable:
    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def plain(value: Any) -> Any:
    """A value CSV/JSON can hold: dates as ISO text, enums as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def table_of(name: str, items: Sequence[Any], columns: list[str] | None = None) -> StatsTable:
    """A table from dataclass instances (their fields, in order) or from dicts."""
    if not items:
        return StatsTable(name, columns or [], [])
    first = items[0]
    if dataclasses.is_dataclass(first):
        names = columns or [f.name for f in dataclasses.fields(first)]
        rows = [tuple(plain(getattr(item, n)) for n in names) for item in items]
    else:
        names = columns or list(first)
        rows = [tuple(plain(item.get(n)) for n in names) for item in items]
    return StatsTable(name, names, rows)


def _top(kind: TopKind, by: TopBy) -> Callable[[Session, ListenScope, int | None], StatsTable]:
    def build(session: Session, scope: ListenScope, limit: int | None) -> StatsTable:
        return table_of(f"top-{kind.value}", top(session, scope, kind, by, limit))

    return build


def _taste_features(session: Session, scope: ListenScope, limit: int | None) -> StatsTable:
    profile = taste_profile(session, scope)
    return table_of("taste-features", list(profile.features.values()))


def _taste_genres(session: Session, scope: ListenScope, limit: int | None) -> StatsTable:
    profile = taste_profile(session, scope)
    items = [{"genre": g, "share": s} for g, s in profile.genres.items()]
    return table_of("taste-genres", items[:limit] if limit else items, ["genre", "share"])


def _taste_keys(session: Session, scope: ListenScope, limit: int | None) -> StatsTable:
    profile = taste_profile(session, scope)
    return table_of("taste-keys", [{"key": k, "plays": p} for k, p in profile.keys.items()], ["key", "plays"])


def _library(session: Session, scope: ListenScope, limit: int | None) -> StatsTable:
    stats = library_stats(session, scope.user_id)
    items = [{"metric": f.name, "value": getattr(stats, f.name)} for f in dataclasses.fields(stats)]
    return table_of("library", [i for i in items if i["metric"] != "formats"], ["metric", "value"])


def _library_formats(session: Session, scope: ListenScope, limit: int | None) -> StatsTable:
    return table_of("library-formats", library_stats(session, scope.user_id).formats)


def _ratings(session: Session, scope: ListenScope, limit: int | None) -> StatsTable:
    """The user's rated albums, best first, with their plays (ratings are not dated: the range is ignored)."""
    from scrobbler.stats.ratings import rated_albums

    columns = ["release_group_id", "album", "artist", "stars", "plays", "favourite_track_id", "review"]
    return table_of("ratings", rated_albums(session, scope.user_id, limit), columns)


def _ratings_vs_plays(session: Session, scope: ListenScope, limit: int | None) -> StatsTable:
    """Mean plays per rating step, with Spearman's rho of rating against plays on every row."""
    from scrobbler.stats.ratings import rating_against_plays

    found = rating_against_plays(session, scope.user_id)
    rows = [
        {
            "stars": stars,
            "mean_plays": round(mean, 2),
            "albums": found.albums,
            "correlation": found.correlation,
        }
        for stars, mean in found.by_stars.items()
    ]
    return table_of("ratings-vs-plays", rows, ["stars", "mean_plays", "albums", "correlation"])


def stat_builders() -> dict[str, Callable[[Session, ListenScope, int | None], StatsTable]]:
    """Every exportable stat by the name the CLI uses (``tonearm export stats NAME``)."""
    builders: dict[str, Callable[[Session, ListenScope, int | None], StatsTable]] = {}
    for kind in TopKind:
        builders[f"top-{kind.value}"] = _top(kind, TopBy.PLAYS)
        builders[f"top-{kind.value}-by-time"] = _top(kind, TopBy.TIME)
    builders.update(
        {
            "clock": lambda s, sc, n: table_of(
                "clock", listening_clock(s, sc).rows(), ["weekday", "hour", "plays"]
            ),
            "daily": lambda s, sc, n: table_of("daily", daily_trend(s, sc)),
            "discoveries": lambda s, sc, n: table_of(
                "discoveries", discoveries(s, sc)[:n] if n else discoveries(s, sc)
            ),
            "streaks": lambda s, sc, n: table_of("streaks", [streaks(s, sc)]),
            "taste-features": _taste_features,
            "taste-genres": _taste_genres,
            "taste-keys": _taste_keys,
            "library": _library,
            "library-formats": _library_formats,
            "ratings": _ratings,
            "ratings-vs-plays": _ratings_vs_plays,
        }
    )
    return builders


def build_stats_table(
    session: Session, scope: ListenScope, name: str, limit: int | None = None
) -> StatsTable:
    builders = stat_builders()
    if name not in builders:
        raise KeyError(f"unknown stat {name!r}; choose one of: {', '.join(sorted(builders))}")
    return builders[name](session, scope, limit)

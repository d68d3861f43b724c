"""Listening stats per user over any range of their local days; see each module for the rules it applies.

Every function takes a Session (the caller owns the transaction) and a :class:`ListenScope`.
"""

from scrobbler.stats.compat import Compatibility, compatibility
from scrobbler.stats.library import FormatCount, LibraryStats, library_stats
from scrobbler.stats.ranges import ALL_TIME, RANGE_HELP, RangeError, StatsRange, parse_range, user_zone
from scrobbler.stats.recommend import NoAnalysisData, Recommendation, SimilarTracks, recommendations
from scrobbler.stats.scope import ListenScope, scope_for
from scrobbler.stats.tables import StatsTable, build_stats_table, stat_builders, table_of
from scrobbler.stats.taste import FeatureSummary, TasteProfile, taste_profile
from scrobbler.stats.top import TopBy, TopEntry, TopKind, top
from scrobbler.stats.trends import (
    DayPlays,
    DayTrend,
    Discovery,
    ListeningClock,
    Streaks,
    daily_trend,
    discoveries,
    hour_histogram,
    listening_clock,
    streaks,
    track_daily_plays,
)

__all__ = [
    "ALL_TIME",
    "RANGE_HELP",
    "Compatibility",
    "DayPlays",
    "DayTrend",
    "Discovery",
    "FeatureSummary",
    "FormatCount",
    "LibraryStats",
    "ListenScope",
    "ListeningClock",
    "NoAnalysisData",
    "RangeError",
    "Recommendation",
    "SimilarTracks",
    "StatsRange",
    "StatsTable",
    "Streaks",
    "TasteProfile",
    "TopBy",
    "TopEntry",
    "TopKind",
    "build_stats_table",
    "compatibility",
    "daily_trend",
    "discoveries",
    "hour_histogram",
    "library_stats",
    "listening_clock",
    "parse_range",
    "recommendations",
    "scope_for",
    "stat_builders",
    "streaks",
    "table_of",
    "taste_profile",
    "top",
    "track_daily_plays",
    "user_zone",
]

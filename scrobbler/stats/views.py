"""Every stat as one *view*: the tables, the chart data and the lines of text a person reads about one
question ("top artists", "listening clock", "compatibility"...), for one user and range.

The desktop app shows a view and exports any of its parts; the same function answers for any caller, so
what is shown, what is exported and what ``tonearm stats`` prints come from the same core calls. A view is
plain data (no Session, no ORM object): it can be cached, handed between threads and written later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, select, type_coerce
from sqlalchemy.orm import Session

from models.listens import Listen
from models.users import ConfigEntry, User
from scrobbler.stats import first_plays
from scrobbler.stats.compat import Compatibility, compatibility
from scrobbler.stats.library import library_stats
from scrobbler.stats.localtime import local_isoformat
from scrobbler.stats.ranges import user_zone
from scrobbler.stats.recommend import NoAnalysisData, SimilarTracks, recommendations
from scrobbler.stats.scope import ListenScope
from scrobbler.stats.tables import StatsTable, table_of
from scrobbler.stats.taste import TasteProfile, taste_profile
from scrobbler.stats.top import TopBy, TopKind, top
from scrobbler.stats.trends import (
    WEEKDAYS,
    DayTrend,
    ListeningClock,
    daily_trend,
    discoveries,
    listening_clock,
)
from scrobbler.stats.trends import streaks as find_streaks
from scrobbler.users import DEFAULT_USER_KEY, list_users

_EPOCH = type_coerce(Listen.listened_at, BigInteger)  # the stored integer, without datetime conversion


@dataclass(frozen=True, slots=True)
class ViewSpec:
    """What a view is and which choices it takes."""

    name: str
    label: str  # what a person reads in a list of views
    chart: str | None  # the chart kind drawn for it, if any: top, clock, daily, taste, compat
    ranked: bool = False  # takes "by plays" / "by listening time"
    needs_other_user: bool = False
    uses_range: bool = True


VIEWS: dict[str, ViewSpec] = {
    spec.name: spec
    for spec in (
        ViewSpec("top-artists", "Top artists", "top", ranked=True),
        ViewSpec("top-releases", "Top releases", "top", ranked=True),
        ViewSpec("top-tracks", "Top tracks", "top", ranked=True),
        ViewSpec("top-genres", "Top genres", "top", ranked=True),
        ViewSpec("clock", "Listening clock", "clock"),
        ViewSpec("daily", "Daily trend", "daily"),
        ViewSpec("discoveries", "Discoveries", None),
        ViewSpec("streaks", "Streaks", None),
        ViewSpec("taste", "Taste profile", "taste"),
        ViewSpec("compat", "Compatibility", "compat", needs_other_user=True),
        ViewSpec("library", "Library", None, uses_range=False),
        ViewSpec("recommend", "Recommendations", None),
    )
}
"""Every view, in the order a list of them shows."""


@dataclass(frozen=True, slots=True)
class StatsView:
    """One computed view. ``tables[0]`` is the main table; ``chart`` is the data its chart is drawn from
    (``TopEntry`` list, ``ListeningClock``, ``DayTrend`` list, ``TasteProfile`` or ``Compatibility``).
    ``message`` replaces the tables when the view cannot be computed (no analysis data, no second user),
    and ``next_step`` names what would fix it ("analyze" or "other-user")."""

    name: str
    title: str
    tables: list[StatsTable]
    chart_kind: str | None = None
    chart: Any = None
    by: str = "plays"
    notes: list[str] = field(default_factory=list)
    message: str | None = None
    next_step: str | None = None

    def table(self, name: str) -> StatsTable:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"this view has no table {name!r}; it has {', '.join(t.name for t in self.tables)}")


@dataclass(frozen=True, slots=True)
class StatsUser:
    id: int
    username: str
    timezone: str | None


def stats_users(session: Session) -> tuple[list[StatsUser], str | None]:
    """Every user, and the name of the configured default user when it exists; creates no one (unlike
    :func:`scrobbler.users.default_user`, which makes the default user on first run)."""
    users = [StatsUser(u.id, u.username, u.timezone) for u in list_users(session)]
    configured = session.scalar(select(ConfigEntry.value).where(ConfigEntry.key == DEFAULT_USER_KEY))
    names = {u.username for u in users}
    return users, configured if configured in names else None


def listen_span(session: Session, scope_user: User) -> tuple[date, date] | None:
    """The local dates of a user's first and last listen (None without listens): where range pickers start."""
    # Two index seeks: SQLite answers min() and max() from the index only when each is alone in a query.
    mine = select(_EPOCH).where(Listen.user_id == scope_user.id).limit(1)
    first = session.scalar(mine.order_by(Listen.listened_at))
    last = session.scalar(mine.order_by(Listen.listened_at.desc()))
    if first is None or last is None:
        return None
    zone = user_zone(scope_user)
    return (
        datetime.fromtimestamp(int(first), zone).date(),
        datetime.fromtimestamp(int(last), zone).date(),
    )


def load_scope_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"no user with id {user_id}: it was removed; pick another user")
    return user


def range_words(scope: ListenScope) -> str:
    """The range as a title reads it: "all time", "2024", "2024-03-01..2024-03-31"."""
    return "all time" if scope.range.label == "all" else scope.range.label


def compute_view(
    session: Session,
    scope: ListenScope,
    name: str,
    *,
    by: TopBy | str = TopBy.PLAYS,
    limit: int = 50,
    other: ListenScope | None = None,
    similar: SimilarTracks | None = None,
    now_epoch: int | None = None,
) -> StatsView:
    """Compute view ``name`` (a key of :data:`VIEWS`) for ``scope``. ``other`` is the second user's scope
    (compatibility), ``similar`` the similarity search and ``now_epoch`` the time "not played for long" is
    measured from (recommendations). Raises KeyError for an unknown view."""
    if name not in VIEWS:
        raise KeyError(f"unknown view {name!r}; choose one of: {', '.join(VIEWS)}")
    by = TopBy(by)
    when = range_words(scope)
    if name.startswith("top-"):
        return _top_view(session, scope, TopKind(name.removeprefix("top-")), by, limit, when)
    if name == "clock":
        return _clock_view(listening_clock(session, scope), when)
    if name == "daily":
        return _daily_view(daily_trend(session, scope), when)
    if name == "discoveries":
        tracks = _discovery_table(session, scope, "track", "discoveries")
        artists = _discovery_table(session, scope, "artist", "discoveries-artists")
        notes = [f"{len(tracks.rows):,} tracks and {len(artists.rows):,} artists first heard in {when}"]
        return StatsView(name, f"Discoveries, {when}", [tracks, artists], notes=notes)
    if name == "streaks":
        found = find_streaks(session, scope)
        notes = (
            [
                f"Longest streak: {found.longest_days:,} days ({found.longest_start} to {found.longest_end})",
                f"Latest streak: {found.current_days:,} days, up to {found.current_end}",
                f"Days with listens: {found.listening_days:,}",
            ]
            if found.listening_days
            else ["No listens in this range"]
        )
        return StatsView(name, f"Streaks, {when}", [table_of("streaks", [found])], notes=notes)
    if name == "taste":
        return _taste_view(taste_profile(session, scope), when)
    if name == "compat":
        if other is None:
            return StatsView(
                name,
                "Compatibility",
                [],
                message="Pick a second user to compare listening with.",
                next_step="other-user",
            )
        return _compat_view(compatibility(session, scope, other), scope, other, when)
    if name == "library":
        return _library_view(session, scope)
    return _recommend_view(session, scope, similar, now_epoch, limit, when)


def _top_view(
    session: Session, scope: ListenScope, kind: TopKind, by: TopBy, limit: int, when: str
) -> StatsView:
    entries = top(session, scope, kind, by, limit)
    table_name = f"top-{kind.value}" + ("-by-time" if by is TopBy.TIME else "")
    measure = "listening time" if by is TopBy.TIME else "plays"
    title = f"Top {kind.value} by {measure}, {when}"
    return StatsView(
        f"top-{kind.value}",
        title,
        [table_of(table_name, entries, _TOP_COLUMNS)],
        chart_kind="top",
        chart=entries[:CHART_TOP],
        by=by.value,
        notes=[] if entries else [_NOTHING[kind]],
    )


_NOTHING = {
    TopKind.GENRES: "No genres known for the listens of this range: genres come from matched tracks' tags.",
    TopKind.RELEASES: "No releases known for the listens of this range.",
}
_NOTHING.update({k: "No listens in this range" for k in (TopKind.ARTISTS, TopKind.TRACKS)})
CHART_TOP = 20
"""Bars in a top list's chart (the table holds the whole list): more stop being readable on a screen."""
_DISCOVERY_COLUMNS = ["first_listened_at", "kind", "artist", "track"]
_TOP_COLUMNS = ["rank", "name", "artist", "plays", "listening_secs", "catalog_id"]


def _discovery_table(session: Session, scope: ListenScope, kind: str, name: str) -> StatsTable:
    """The discoveries as a table, built from the first-play rollup's rows without a :class:`Discovery`
    and a datetime per row (all-time discoveries of a 1M-listen history are ~40,000 rows); the same
    table as ``table_of`` of :func:`discoveries`."""
    upto = first_plays.ready(session, scope)
    if upto is None:
        return table_of(name, discoveries(session, scope, kind), _DISCOVERY_COLUMNS)
    found = first_plays.firsts_in(session, scope, kind, upto)
    times = local_isoformat([at for at, _, _ in found], scope.zone)
    rows = [(when, kind, artist, title) for when, (_, artist, title) in zip(times, found, strict=True)]
    return StatsTable(name, list(_DISCOVERY_COLUMNS), rows)


def _clock_view(clock: ListeningClock, when: str) -> StatsView:
    total = sum(sum(day) for day in clock.plays)
    notes = ["No listens in this range"]
    if total:
        day, hour = max(((d, h) for d in range(7) for h in range(24)), key=lambda c: clock.plays[c[0]][c[1]])
        hours = clock.by_hour
        busiest = max(range(24), key=lambda h: hours[h])
        notes = [
            f"{total:,} plays; busiest hour: {WEEKDAYS[day]} {hour:02d}:00 ({clock.plays[day][hour]:,} plays); "
            f"busiest time of day: {busiest:02d}:00-{(busiest + 1) % 24:02d}:00"
        ]
    table = table_of("clock", clock.rows(), ["weekday", "hour", "plays"])
    return StatsView(
        "clock", f"Listening clock, {when}", [table], chart_kind="clock", chart=clock, notes=notes
    )


def _daily_view(trend: list[DayTrend], when: str) -> StatsView:
    plays = sum(t.plays for t in trend)
    days = sum(1 for t in trend if t.plays)
    notes = (
        [f"{plays:,} plays on {days:,} of {len(trend):,} days ({plays / days:,.1f} per listening day)"]
        if days
        else ["No listens in this range"]
    )
    table = table_of("daily", trend, ["day", "plays", "unique_tracks", "unique_artists"])
    return StatsView("daily", f"Daily trend, {when}", [table], chart_kind="daily", chart=trend, notes=notes)


def _taste_view(profile: TasteProfile, when: str) -> StatsView:
    features = table_of(
        "taste-features", list(profile.features.values()), ["feature", "mean", "std", "plays"]
    )
    genres = table_of(
        "taste-genres", [{"genre": g, "share": s} for g, s in profile.genres.items()], ["genre", "share"]
    )
    keys = table_of("taste-keys", [{"key": k, "plays": p} for k, p in profile.keys.items()], ["key", "plays"])
    hours = table_of(
        "taste-hours", [{"hour": h, "plays": p} for h, p in enumerate(profile.hours)], ["hour", "plays"]
    )
    share = profile.analysed_plays / profile.plays if profile.plays else 0.0
    notes = [f"{profile.plays:,} plays; {profile.analysed_plays:,} ({share:.0%}) have analysed audio"]
    if profile.plays and not profile.analysed_plays:
        notes.append("No played track is analysed yet: analyse the library for tempo, energy and keys.")
    return StatsView(
        "taste",
        f"Taste profile, {when}",
        [features, genres, keys, hours],
        chart_kind="taste",
        chart=profile,
        notes=notes,
    )


def _compat_view(result: Compatibility, first: ListenScope, second: ListenScope, when: str) -> StatsView:
    parts = [
        {"part": "score", "value": result.score},
        {"part": "artist_overlap", "value": result.artist_overlap},
        {"part": "track_overlap", "value": result.track_overlap},
        {"part": "feature_similarity", "value": result.feature_similarity},
    ]
    shared_artists = table_of(
        "compat-shared-artists", [{"artist": a} for a in result.shared_artists], ["artist"]
    )
    shared_tracks = table_of("compat-shared-tracks", [{"track": t} for t in result.shared_tracks], ["track"])
    return StatsView(
        "compat",
        f"{first.username} and {second.username}, {when}: {result.score:g}/100",
        [table_of("compat", parts, ["part", "value"]), shared_artists, shared_tracks],
        chart_kind="compat",
        chart=result,
        notes=list(result.reasons),
    )


def _library_view(session: Session, scope: ListenScope) -> StatsView:
    stats = library_stats(session, scope.user_id)
    metrics = [
        ("files", f"{stats.files:,}"),
        ("size", _size(stats.size_bytes)),
        ("duration", _duration(stats.duration_secs)),
        ("analysed files", f"{stats.analysed_files:,} ({stats.analysed_share:.0%})"),
        ("duplicate groups", f"{stats.duplicate_groups:,}"),
        ("extra copies", f"{stats.duplicate_files:,} ({_size(stats.duplicate_bytes)})"),
        (f"listens of {scope.username}", f"{stats.listens:,}"),
        ("unmatched listens", f"{stats.unmatched_listens:,} ({stats.unmatched_share:.0%})"),
    ]
    raw = [
        {"metric": name, "value": getattr(stats, name)}
        for name in (
            "files",
            "size_bytes",
            "duration_secs",
            "analysed_files",
            "analysed_share",
            "duplicate_groups",
            "duplicate_files",
            "duplicate_bytes",
            "listens",
            "unmatched_listens",
            "unmatched_share",
        )
    ]
    notes = [f"{name}: {value}" for name, value in metrics]
    notes.append("Library figures cover the whole library and every listen, whatever the range.")
    return StatsView(
        "library",
        "Library",
        [table_of("library", raw, ["metric", "value"]), table_of("library-formats", stats.formats)],
        notes=notes,
    )


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{value:,.1f} TB"


def _duration(secs: float) -> str:
    hours = secs / 3600
    return f"{hours:,.1f} hours" if hours < 48 else f"{hours / 24:,.1f} days"


_RECOMMEND_COLUMNS = ["kind", "title", "artist", "similarity", "last_played_days_ago", "catalog_id"]


def _recommend_view(
    session: Session,
    scope: ListenScope,
    similar: SimilarTracks | None,
    now_epoch: int | None,
    limit: int,
    when: str,
) -> StatsView:
    if now_epoch is None:
        raise ValueError("recommendations need now_epoch (the time 'not played for long' is counted from)")
    title = f"Rediscover, from your plays in {when}"
    try:
        found = recommendations(session, scope, similar, now_epoch=now_epoch, limit=limit)
    except NoAnalysisData as error:
        message = str(error).replace("`tonearm analyze`", "Analyze (Folders screen, or `tonearm analyze`)")
        return StatsView(
            "recommend", title, [], message=message[0].upper() + message[1:] + ".", next_step="analyze"
        )
    notes = [
        "Owned tracks and albums that sound like your 25 most played tracks of the range "
        "and that you have not played for 180 days."
    ]
    if not found:
        notes.append(
            "Nothing to rediscover: no similar owned track has gone unplayed that long. The seeds are the "
            "range's most played tracks; a shorter range (the last 90 days) leaves more to rediscover."
        )
    return StatsView(
        "recommend", title, [table_of("recommendations", found, _RECOMMEND_COLUMNS)], notes=notes
    )

"""The local-day rollup (clock, daily trend, streaks, hours) and the all-time track totals (top tracks and
releases, taste) give exactly the listens' answer after every kind of write, in zones whose days are not
UTC days, after a zone change, and with listens newer than the totals read directly."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from analyzer import review
from analyzer.matching.enrich import enrich_listens
from models.engine import Database
from models.listen_changes import note_tracks_changed
from models.listens import Listen
from models.progress import run_to_end
from models.stats_rollups import ListenLocalDay, ListenLocalHour, ListenRollupState, ListenTrackTotal
from models.tracks import Track
from models.users import User
from scrobbler.ingest import run_ingest
from scrobbler.records import ListenRecord
from scrobbler.stats import (
    daily_trend,
    discoveries,
    hour_histogram,
    listening_clock,
    rollup,
    scope_for,
    streaks,
    top,
    track_totals,
)
from scrobbler.stats.library import library_stats
from scrobbler.stats.localtime import local_isoformat
from scrobbler.stats.taste import taste_profile
from scrobbler.stats.views import compute_view
from scrobbler.users import get_user
from tests import matching_fixtures as fx
from tests.listening_fixtures import Library
from tests.scrobbler.test_stats_rollup import ARTISTS, RANGES, _records

USERS = ("alice", "bob")


@pytest.fixture
def history(db: Database) -> Iterator[Database]:
    with db.session() as session:
        lib = Library(session)
        lib.user("alice", "Asia/Kolkata")  # +05:30: no local day is a UTC day
        lib.user("bob", "America/New_York")  # DST on 2024-03-10 and 2024-11-03
        for artist in ARTISTS:
            for n in range(4):
                # Song 3 has no release group: its listens count under their raw release name.
                album = None if n == 3 else f"{artist} album {n % 2}"
                fx.track(session, artist, f"Song {n}", duration=100.0 + n, album=album)
    for name, seed in (("alice", 1), ("bob", 2)):
        with db.session() as session:
            user_id = get_user(session, name).id  # type: ignore[union-attr]
        records = [
            dataclasses.replace(r, release_name=f"{r.artist_name} album {i % 3}")
            for i, r in enumerate(_records(400, seed))
        ]
        run_ingest(db, records, user_id)
    run_to_end(enrich_listens(db, worker=False))
    yield db


def _top(session: Session, scope: Any, kind: str, by: str) -> list[tuple[Any, ...]]:
    """Every row, raw names casefolded (which spelling MariaDB's case-insensitive MIN() returns is its
    choice)."""
    return [
        (
            e.name.casefold() if e.catalog_id is None else e.name,
            (e.artist or "").casefold(),
            e.plays,
            round(e.listening_secs, 3),
            e.catalog_id,
        )
        for e in top(session, scope, kind, by, None)
    ]


def _discovered(session: Session, scope: Any, kind: str) -> list[tuple[Any, ...]]:
    """Discoveries oldest first; among listens of the same second the order is by name, which MariaDB's
    collation and Python order differently, and raw spellings compare casefolded (MariaDB's MIN())."""
    found = discoveries(session, scope, kind)
    assert [d.first_listened_at for d in found] == sorted(d.first_listened_at for d in found)
    return sorted((d.first_listened_at, d.artist.casefold(), (d.track or "").casefold()) for d in found)


def _answers(
    db: Database, user: str, rng: str, direct: bool, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    with monkeypatch.context() as patch:
        if direct:  # no rollup can be refreshed: every stat reads the listens
            patch.setattr(rollup, "ensure_fresh", lambda *_: False)
        with db.session() as session:
            scope = scope_for(get_user(session, user), rng)  # type: ignore[arg-type]
            profile = taste_profile(session, scope)
            return {
                "clock": listening_clock(session, scope).plays,
                "daily": daily_trend(session, scope),
                "daily-gaps": daily_trend(session, scope, fill_gaps=False),
                "streaks": streaks(session, scope),
                "hours": hour_histogram(session, scope),
                "taste": (profile.plays, profile.analysed_plays, profile.hours, profile.keys),
                "library": _listen_counts(session, scope.user_id),
                **{f"discoveries-{kind}": _discovered(session, scope, kind) for kind in ("track", "artist")},
                **{
                    f"{kind}-{by}": _top(session, scope, kind, by)
                    for kind in ("tracks", "releases")
                    for by in ("plays", "time")
                },
            }


def _listen_counts(session: Session, user_id: int) -> tuple[int, int]:
    stats = library_stats(session, user_id)
    return stats.listens, stats.unmatched_listens


def _assert_same(db: Database, monkeypatch: pytest.MonkeyPatch, ranges: list[str] = RANGES) -> None:
    for user in USERS:
        for rng in ranges:
            expected = _answers(db, user, rng, True, monkeypatch)
            got = _answers(db, user, rng, False, monkeypatch)
            for name, value in expected.items():
                assert got[name] == value, (user, rng, name)


def _states(db: Database, user: str) -> dict[str, tuple[Any, ...]]:
    with db.session() as session:
        user_id = get_user(session, user).id  # type: ignore[union-attr]
        rows = session.execute(
            select(
                ListenRollupState.rollup,
                ListenRollupState.zone,
                ListenRollupState.upto,
                ListenRollupState.dirty_lo,
                ListenRollupState.dirty_hi,
            ).where(ListenRollupState.user_id == user_id)
        )
        return {name: tuple(rest) for name, *rest in rows}


def _user_id(db: Database, name: str) -> int:
    with db.session() as session:
        return get_user(session, name).id  # type: ignore[union-attr]


def test_rollups_match_the_listens_in_every_zone_and_range(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_same(history, monkeypatch)
    states = _states(history, "alice")
    assert states["local-days"][:1] == ("Asia/Kolkata",) and states["local-days"][2:] == (None, None)
    assert states["track-totals"][1] is not None  # built, with its upto
    with history.session() as session:
        assert session.scalar(select(ListenLocalDay.id).limit(1)) is not None
        assert session.scalar(select(ListenLocalHour.id).limit(1)) is not None
        raw = session.scalars(select(ListenTrackTotal.track_id).where(ListenTrackTotal.track_id.is_(None)))
        assert list(raw)  # unknown bands' listens are in the totals under their raw names
    all_time = _answers(history, "alice", "all", False, monkeypatch)
    assert any(row[4] is None for row in all_time["tracks-plays"])
    assert any(row[4] is None for row in all_time["releases-plays"])  # Song 3's raw release names
    assert all_time["streaks"].listening_days > 100
    assert len(all_time["discoveries-track"]) > 20 and all_time["discoveries-artist"]


def test_listens_added_in_the_middle_rebuild_their_days_and_the_totals(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_same(history, monkeypatch, ["all", "2024"])
    upto = _states(history, "alice")["track-totals"][1]
    late = datetime(2024, 3, 10, 23, 59, 59, tzinfo=UTC)
    run_ingest(
        history,
        [
            ListenRecord(late, "Radiohead", "Song 0", "api"),
            ListenRecord(late - timedelta(days=40), "Björk", "Song 1", "api"),
            ListenRecord(late + timedelta(hours=3), "New Band", "New Song", "api"),
        ],
        _user_id(history, "alice"),
    )
    _assert_same(history, monkeypatch)
    states = _states(history, "alice")
    assert states["local-days"][2:] == (None, None)  # the marked days were rebuilt
    assert states["track-totals"][1] == upto  # built again from scratch: same newest listen


def test_listens_after_the_totals_are_read_from_the_listens(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_same(history, monkeypatch, ["all"])
    upto = _states(history, "bob")["track-totals"][1]
    later = datetime.fromtimestamp(upto, UTC) + timedelta(days=2)
    run_ingest(
        history,
        [
            ListenRecord(later, "Radiohead", "Song 0", "api", duration_played_secs=77.0),
            ListenRecord(
                later + timedelta(minutes=5), "Tail Band", "Tail Song", "api", release_name="Tail LP"
            ),
        ],
        _user_id(history, "bob"),
    )
    _assert_same(history, monkeypatch, ["all", "2025", "last-30-days"])
    assert _states(history, "bob")["track-totals"][1] == upto  # not rebuilt: the tail was read directly
    with monkeypatch.context() as patch:
        patch.setattr(track_totals, "TAIL_LIMIT", 1)
        _assert_same(history, monkeypatch, ["all"])
    assert _states(history, "bob")["track-totals"][1] > upto  # a long tail is folded in


def test_matching_review_and_catalog_changes_reach_the_rollups(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_same(history, monkeypatch, ["all", "2024-03"])
    with history.session() as session:
        listen_id = session.scalar(
            select(Listen.id).where(Listen.track_id.is_not(None)).order_by(Listen.id).limit(1)
        )
        other = session.scalar(
            select(Track.id).where(Track.title == "Song 3").order_by(Track.id.desc()).limit(1)
        )
        review.link(session, listen_id, other, reviewer="test")
    _assert_same(history, monkeypatch, ["all", "2024-03"])
    with history.session() as session:
        assert review.undo(session) is not None
    _assert_same(history, monkeypatch, ["all"])
    with history.session() as session:
        track_id = session.scalar(
            select(Listen.track_id)
            .where(Listen.track_id.is_not(None), Listen.duration_secs.is_(None))
            .limit(1)
        )
        session.execute(update(Track).where(Track.id == track_id).values(duration_secs=999.0))
        note_tracks_changed(session, [track_id])
    _assert_same(history, monkeypatch, ["all"])
    run_to_end(enrich_listens(history, retry=True, worker=False))
    _assert_same(history, monkeypatch, ["all", "2024"])


def test_a_new_time_zone_rebuilds_the_local_days(history: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same(history, monkeypatch, ["all"])
    with history.session() as session:
        session.execute(update(User).where(User.username == "alice").values(timezone="Pacific/Chatham"))
    _assert_same(history, monkeypatch, ["all", "2024", "2024-W10"])  # +12:45/+13:45
    assert _states(history, "alice")["local-days"][0] == "Pacific/Chatham"


def test_the_views_really_read_the_rollups(history: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listens removed behind the rollups' back (no writer's mark) are still counted: the answer came from
    the rollup rows, not from the listens."""
    before = _answers(history, "alice", "all", False, monkeypatch)
    with history.session() as session:
        alice = _user_id(history, "alice")
        session.execute(Listen.__table__.delete().where(Listen.user_id == alice))  # type: ignore[attr-defined]
    after = _answers(history, "alice", "all", False, monkeypatch)
    read_from_rollups = (
        "clock",
        "daily",
        "streaks",
        "hours",
        "tracks-plays",
        "releases-time",
        "discoveries-track",
    )
    for name in (*read_from_rollups, "library"):
        assert after[name] == before[name], name
    assert _answers(history, "alice", "all", True, monkeypatch)["daily"] == []


def test_the_discoveries_view_builds_the_same_table_from_the_rollup(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def tables(direct: bool, rng: str) -> list[list[tuple[Any, ...]]]:
        with monkeypatch.context() as patch:
            if direct:
                patch.setattr(rollup, "ensure_fresh", lambda *_: False)
            with history.session() as session:
                scope = scope_for(get_user(session, "bob"), rng)  # type: ignore[arg-type]
                view = compute_view(session, scope, "discoveries")
        return [
            sorted((r[0], r[1], r[2].casefold(), (r[3] or "").casefold()) for r in t.rows)
            for t in view.tables
        ]

    for rng in ("all", "2024", "2024-03"):
        got = tables(False, rng)
        assert got == tables(True, rng) and got[0], rng


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "Asia/Kolkata", "America/New_York", "Pacific/Chatham", "UTC"]
)
def test_local_isoformat_is_datetime_isoformat(zone: str) -> None:
    tz = ZoneInfo(zone)
    rng = random.Random(zone)
    epochs = [rng.randrange(-2_000_000_000, 2_000_000_000) for _ in range(2000)]
    epochs += [1711846799, 1711846800, 1729990799, 1729990800]  # around Berlin's 2024 switches
    assert local_isoformat(epochs, tz) == [datetime.fromtimestamp(e, tz).isoformat() for e in epochs]

"""Clock, daily trend, per-track plays, discoveries and streaks in Europe/Berlin, around both DST switches
and a New Year's Eve listen that lands on the next local day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.engine import Database
from scrobbler.stats import (
    daily_trend,
    discoveries,
    listening_clock,
    scope_for,
    streaks,
    track_daily_plays,
)
from scrobbler.users import get_user
from tests.listening_fixtures import Library, utc

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def berlin(db: Database) -> Iterator[tuple[Database, int]]:
    with db.session() as session:
        lib = Library(session)
        bob = lib.user("bob", "Europe/Berlin")
        song = lib.track("Song", "D")
        for when, artist, title in [
            (utc(2024, 3, 29, 12), "C", "z"),  # Fri 13:00 CET
            (utc(2024, 3, 30, 22, 30), "A", "x"),  # Sat 23:30 CET
            (utc(2024, 3, 31, 0, 30), "A", "x"),  # Sun 01:30 CET
            (utc(2024, 3, 31, 1, 30), "A", "y"),  # Sun 03:30 CEST
            (utc(2024, 10, 27, 0, 30), "B", "x"),  # Sun 02:30 CEST
            (utc(2024, 10, 27, 1, 30), "B", "x"),  # Sun 02:30 CET (the hour repeats)
            (utc(2024, 12, 31, 23, 30), "A", "x"),  # Wed 1 January 2025, 00:30 CET
        ]:
            lib.listen(bob, when, artist, title, matched=False)
        lib.listen(bob, utc(2024, 6, 1, 21, 30), "D", "Song")  # Sat 23:30 CEST
        lib.listen(bob, utc(2024, 6, 1, 22, 30), "D", "Song")  # Sun 2 June 00:30 CEST
        lib.listen(bob, utc(2024, 6, 2, 10), "D", "Song")  # Sun 12:00 CEST
    yield db, song


def _scope(db: Database, rng: str):  # type: ignore[no-untyped-def]
    with db.session() as session:
        return scope_for(get_user(session, "bob"), rng)  # type: ignore[arg-type]


def test_listening_clock_in_local_time(berlin: tuple[Database, int]) -> None:
    db, _ = berlin
    with db.session() as session:
        clock = listening_clock(session, _scope(db, "all"))
    cells = {(d, h): n for d, row in enumerate(clock.plays) for h, n in enumerate(row) if n}
    assert cells == {
        (4, 13): 1,
        (5, 23): 2,
        (6, 1): 1,
        (6, 3): 1,
        (6, 2): 2,
        (2, 0): 1,
        (6, 0): 1,
        (6, 12): 1,
    }
    assert sum(clock.by_hour) == 10


def test_year_range_uses_local_new_year(berlin: tuple[Database, int]) -> None:
    db, _ = berlin
    with db.session() as session:
        assert sum(map(sum, listening_clock(session, _scope(db, "2024")).plays)) == 9
        assert listening_clock(session, _scope(db, "2025")).plays[2][0] == 1


def test_daily_trend_across_the_spring_switch(berlin: tuple[Database, int]) -> None:
    db, _ = berlin
    with db.session() as session:
        trend = daily_trend(session, _scope(db, "2024-03-29..2024-03-31"))
    assert [(t.day, t.plays, t.unique_tracks, t.unique_artists) for t in trend] == [
        (date(2024, 3, 29), 1, 1, 1),
        (date(2024, 3, 30), 1, 1, 1),
        (date(2024, 3, 31), 2, 2, 1),
    ]


def test_daily_trend_fills_days_without_listens(berlin: tuple[Database, int]) -> None:
    db, _ = berlin
    with db.session() as session:
        trend = daily_trend(session, _scope(db, "2024-10"))
    assert [(t.day, t.plays) for t in trend] == [(date(2024, 10, 27), 2)]
    with db.session() as session:
        june = daily_trend(session, _scope(db, "2024-05-31..2024-06-03"))
    assert [(t.day.day, t.plays) for t in june] == [(1, 1), (2, 2)]


def test_track_daily_plays(berlin: tuple[Database, int]) -> None:
    db, song = berlin
    with db.session() as session:
        plays = track_daily_plays(session, _scope(db, "all"), song)
    assert [(p.day, p.plays) for p in plays] == [(date(2024, 6, 1), 1), (date(2024, 6, 2), 2)]


def test_discoveries_are_first_listens_ever(berlin: tuple[Database, int]) -> None:
    db, _ = berlin
    with db.session() as session:
        found = discoveries(session, _scope(db, "2024"))
        assert discoveries(session, _scope(db, "2025")) == []
        artists = discoveries(session, _scope(db, "2024"), kind="artist")
    assert [(d.artist, d.track) for d in found] == [
        ("C", "z"),
        ("A", "x"),
        ("A", "y"),
        ("D", "Song"),
        ("B", "x"),
    ]
    assert found[1].first_listened_at == datetime(2024, 3, 30, 23, 30, tzinfo=BERLIN)
    assert [d.artist for d in artists] == ["C", "A", "D", "B"]


def test_streaks(berlin: tuple[Database, int]) -> None:
    db, _ = berlin
    with db.session() as session:
        found = streaks(session, _scope(db, "2024"))
        empty = streaks(session, _scope(db, "2023"))
    assert (found.longest_days, found.longest_start, found.longest_end) == (
        3,
        date(2024, 3, 29),
        date(2024, 3, 31),
    )
    assert (found.current_days, found.current_end, found.listening_days) == (1, date(2024, 10, 27), 6)
    assert empty.longest_days == 0 and empty.longest_start is None

"""The all-time top N of tracks and releases read through SQL's ORDER BY ... LIMIT (scrobbler/stats/
_top_bounded.py) is the plain ranking of every group cut at N: with raw names merging into catalog entries,
raw groups of their own, ties, catalog entries sharing a key, listens newer than the track totals, and a
first read too small so it has to widen; on every engine layout."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.artists import Artist
from models.engine import Database
from models.tracks import Track
from scrobbler.stats import _top_bounded, scope_for, top
from scrobbler.users import get_user
from tests.listening_fixtures import Library, utc

ARTISTS = ("Band A", "Band B", "Solo C")


@pytest.fixture
def history(db: Database) -> Iterator[Database]:
    """alice: 24 catalog tracks on 6 albums (every fourth without one), listened 0-12 times each, played
    in full, in part or of unknown length; unmatched listens under catalog names (they merge) and under
    names of their own; "Twin" and "twin!" are two catalog tracks with one key; "Sleeper" tops the list with
    5 matched and 14 unmatched plays, "Bootleg hit" and "Bootleg b-side" have 16 and 15 unmatched ones."""
    rng = random.Random(7)
    with db.session() as session:
        lib = Library(session)
        alice = lib.user("alice", "UTC")
        when = utc(2023, 1, 1)
        titles = []
        for n in range(24):
            artist = ARTISTS[n % 3]
            title = f"Song {n}"
            album = None if n % 4 == 3 else f"{artist} album {n % 2}"
            lib.track(title, artist, duration=float(rng.choice((120, 180, 240))), album=album)
            titles.append((artist, title))
        twin = lib.track("Twin", "Band A", duration=200, album="Band A album 0")
        lib.track("twin!", "Band A", duration=200, album="Band A album 1")
        plays = [(a, t, True) for a, t in titles for _ in range(rng.randrange(13))]
        plays += [("Band A", "twin!", True)] * 3 + [("Band A", "Twin", False)] * 4
        plays += [(a, t, False) for a, t in rng.sample(titles, 8) for _ in range(rng.randrange(1, 6))]
        plays += [(rng.choice(ARTISTS), f"Demo {n % 9}", False) for n in range(40)]
        # The top track is mostly raw plays, fewer than the biggest raw group of its own has: found only
        # by counting an unread raw group into the bound.
        lib.track("Sleeper", "Band B", duration=300, album="Band B album 1")
        plays += [("Band B", "Sleeper", True)] * 5 + [("Band B", "Sleeper", False)] * 14
        plays += [("Solo C", "Bootleg hit", False)] * 16 + [("Solo C", "Bootleg b-side", False)] * 15
        rng.shuffle(plays)
        for artist, title, matched in plays:
            when += timedelta(hours=rng.randrange(1, 30))
            played = rng.choice((None, None, 60.0, 95.5))
            release = None if matched else rng.choice((None, f"{artist} album 0", "Bootleg"))
            lib.listen(alice, when, artist, title, matched=matched, played=played, release=release)
        lib.tracks["Twin"] = twin
        for _ in range(2):
            when += timedelta(hours=1)
            lib.listen(alice, when, "Band A", "Twin")
    yield db


def _lists(session: Session, limit: int) -> dict[tuple[str, str], tuple[list[Any], list[Any]]]:
    scope = scope_for(get_user(session, "alice"), "all")  # type: ignore[arg-type]
    return {
        (kind, by): (top(session, scope, kind, by, limit), top(session, scope, kind, by, None)[:limit])
        for kind in ("tracks", "releases")
        for by in ("plays", "time")
    }


@pytest.mark.parametrize("first_k", [1, 3, 64])
def test_bounded_top_is_the_full_ranking_cut(
    history: Database, monkeypatch: pytest.MonkeyPatch, first_k: int
) -> None:
    monkeypatch.setattr(_top_bounded, "FIRST_K", first_k)
    reads: list[int] = []
    real = _top_bounded.top_catalog.track_rows

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(kwargs.get("limit") or 0)
        return real(*args, **kwargs)

    monkeypatch.setattr(_top_bounded, "_READERS", {**_top_bounded._READERS})
    monkeypatch.setitem(
        _top_bounded._READERS, _top_bounded.TopKind.TRACKS, (counted, _top_bounded._READERS["tracks"][1])
    )
    with history.session() as session:
        for limit in (1, 2, 5, 10, 40):
            for name, (fast, full) in _lists(session, limit).items():
                assert fast == full, (limit, name)
    assert any(limit for limit in reads)  # the bounded path was taken, reading the biggest rows first
    if first_k == 1:
        assert len(set(reads) - {0}) > 1  # and widened its read
    with history.session() as session:
        assert _lists(session, 1)[("tracks", "plays")][0][0].name == "Sleeper"


def test_listens_after_the_totals_are_counted(history: Database) -> None:
    with history.session() as session:
        assert all(fast == full for fast, full in _lists(session, 5).values())  # builds the totals
        alice = get_user(session, "alice")
        assert alice is not None
        lib = Library(session, _raw_seq=100_000)
        lib.tracks["Song 5"] = session.scalars(select(Track.id).where(Track.title == "Song 5")).one()
        lib.artists["Solo C"] = session.scalars(select(Artist.id).where(Artist.name == "Solo C")).one()
        for day in range(30):  # after the newest listen: read directly, beside the totals
            lib.listen(alice, utc(2030, 1, 1) + timedelta(days=day), "Solo C", "Song 5")
        lists = _lists(session, 5)
    assert all(fast == full for fast, full in lists.values())
    assert lists[("tracks", "plays")][0][0].name == "Song 5"


def test_catalog_tracks_sharing_a_key_stay_rows_and_raw_plays_go_to_the_most_played(
    history: Database,
) -> None:
    with history.session() as session:
        scope = scope_for(get_user(session, "alice"), "all")  # type: ignore[arg-type]
        rows = [
            (e.name, e.plays)
            for e in top(session, scope, "tracks", limit=None)
            if e.name.startswith(("Twin", "twin"))
        ]
    # "twin!" 3 matched plays + the 4 unmatched "Twin" plays; "Twin" its own 2.
    assert rows == [("twin!", 7), ("Twin", 2)]


def test_a_range_read_by_listen_ids_gives_the_index_reads_answer(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite reads a range's listens by their id span when the ids are one compact run (here: added in
    time order); the answer is the (user_id, listened_at) index read's."""
    from scrobbler.stats import top_catalog

    spans: list[Any] = []
    real_span = top_catalog._id_span

    def spied(session: Session, scope: Any) -> Any:
        spans.append(real_span(session, scope))
        return spans[-1]

    def lists() -> list[Any]:
        with history.session() as session:
            alice = get_user(session, "alice")
            assert alice is not None
            return [
                top(session, scope_for(alice, rng), kind, by, None)
                for rng in ("2023", "2023-05", "2024")
                for kind in ("tracks", "releases")
                for by in ("plays", "time")
            ]

    monkeypatch.setattr(top_catalog, "_id_span", spied)
    by_ids = lists()
    monkeypatch.setattr(top_catalog, "_id_span", lambda *_: None)
    assert lists() == by_ids
    if history.engine.dialect.name == "sqlite":
        assert any(span is not None for span in spans)
    assert any(by_ids)

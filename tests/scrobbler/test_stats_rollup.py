"""The per-day/per-month artist rollup gives exactly the answer the listens give, after every kind of
write, in zones whose days are not UTC days, and falls back to the listens when it cannot refresh."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from analyzer import review
from analyzer.matching.enrich import enrich_listens
from models.engine import Database, open_database
from models.listen_changes import note_tracks_changed
from models.listens import Listen, ListenArtistDay, ListenArtistMonth, ListenStatsState
from models.progress import run_to_end
from models.tracks import Track
from scrobbler.ingest import run_ingest
from scrobbler.records import ListenRecord
from scrobbler.stats import ListenScope, rollup, scope_for, top
from scrobbler.users import get_user
from tests import matching_fixtures as fx
from tests.listening_fixtures import Library

ARTISTS = ["Radiohead", "Massive Attack", "Portishead", "Björk", "Sigur Rós"]
RANGES = [
    "all",
    "2024",
    "2024-03",
    "2024-11",
    "2024-W10",
    "2024-03-10",
    "2024-02-27..2024-04-02",
    "..2024-06-30",
]


def _records(count: int, seed: int, source: str = "lastfm_csv") -> list[ListenRecord]:
    """Listens over 2023-12 .. 2025-01, many near midnight UTC and around the 2024 DST changes; a few by
    artists the library does not have (they count under their raw names)."""
    rng = random.Random(seed)
    out = []
    start = datetime(2023, 12, 30, tzinfo=UTC)
    for i in range(count):
        if i % 4 == 0:  # close to a UTC day boundary
            day = start + timedelta(days=rng.randrange(380))
            at = day + timedelta(seconds=rng.choice([-1, 0, 1, 1800, -1800, 19800, -19800]))
        else:
            at = start + timedelta(seconds=rng.randrange(380 * 86_400))
        artist = rng.choice([*ARTISTS, "Unknown Band", "unknown band"])
        song = f"Song {rng.randrange(4)}"
        out.append(
            ListenRecord(
                listened_at=at,
                artist_name=artist,
                track_name=song,
                source=source,
                duration_played_secs=rng.choice([None, 90.0]),
            )
        )
    return out


@pytest.fixture
def history(db: Database) -> Iterator[Database]:
    with db.session() as session:
        lib = Library(session)
        lib.user("alice", "Asia/Kolkata")  # +05:30: no local day is a UTC day
        lib.user("bob", "America/New_York")  # DST on 2024-03-10 and 2024-11-03
        for artist in ARTISTS:
            for n in range(4):
                fx.track(session, artist, f"Song {n}", duration=100.0 + n)
    for name, seed in (("alice", 1), ("bob", 2)):
        with db.session() as session:
            user_id = get_user(session, name).id  # type: ignore[union-attr]
        run_ingest(db, _records(400, seed), user_id)
    run_to_end(enrich_listens(db, worker=False))
    yield db


def _entries(session: Session, scope: ListenScope, by: str = "plays") -> list:
    """Every top-artists row as (name, plays, seconds, catalog id). A raw name shows one of its spellings;
    which one MariaDB's case-insensitive MIN() returns among "Unknown Band" and "unknown band" is its
    choice, so raw names compare casefolded."""
    return [
        (
            e.name.casefold() if e.catalog_id is None else e.name,
            e.plays,
            round(e.listening_secs, 3),
            e.catalog_id,
        )
        for e in top(session, scope, "artists", by, None)
    ]


def _top(db: Database, user: str, rng: str, by: str, direct: bool, monkeypatch: pytest.MonkeyPatch) -> list:
    with monkeypatch.context() as patch:
        if direct:
            patch.setattr(rollup, "ensure_fresh", lambda *_: False)
        with db.session() as session:
            scope = scope_for(get_user(session, user), rng)  # type: ignore[arg-type]
            return _entries(session, scope, by)


def _assert_same(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    for user in ("alice", "bob"):
        for rng in RANGES:
            for by in ("plays", "time"):
                expected = _top(db, user, rng, by, True, monkeypatch)
                assert _top(db, user, rng, by, False, monkeypatch) == expected, (user, rng, by)


def _state(db: Database, user: str) -> tuple[bool, int | None, int | None] | None:
    with db.session() as session:
        user_id = get_user(session, user).id  # type: ignore[union-attr]
        row = session.execute(
            select(ListenStatsState.built, ListenStatsState.dirty_lo, ListenStatsState.dirty_hi).where(
                ListenStatsState.user_id == user_id
            )
        ).one_or_none()
        return None if row is None else tuple(row)  # type: ignore[return-value]


def test_rollup_matches_the_listens_in_every_zone_and_range(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_same(history, monkeypatch)
    assert _state(history, "alice") == (True, None, None)
    with history.session() as session:
        days = session.scalar(select(ListenArtistDay.id).limit(1))
        months = session.scalar(select(ListenArtistMonth.id).limit(1))
    assert days is not None and months is not None
    # The raw-name listens are counted: "Unknown Band" has no catalog artist.
    assert any(
        row[3] is None and row[0].lower() == "unknown band"
        for row in _top(history, "alice", "all", "plays", False, monkeypatch)
    )


def test_new_listens_mark_their_days_and_are_counted(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_same(history, monkeypatch)
    with history.session() as session:
        alice = get_user(session, "alice").id  # type: ignore[union-attr]
    late = datetime(2024, 3, 10, 23, 59, 59, tzinfo=UTC)
    run_ingest(
        history,
        [
            ListenRecord(late, "Radiohead", "Song 0", "api"),
            ListenRecord(late - timedelta(days=40), "Björk", "Song 1", "api"),
        ],
        alice,
    )
    built, lo, hi = _state(history, "alice")  # type: ignore[misc]
    assert built and lo == int((late - timedelta(days=40)).timestamp()) and hi == int(late.timestamp())
    _assert_same(history, monkeypatch)
    assert _state(history, "alice") == (True, None, None)


def test_matching_and_review_decisions_mark_their_listens(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_same(history, monkeypatch)
    with history.session() as session:
        listen_id, user_id = session.execute(
            select(Listen.id, Listen.user_id).where(Listen.track_id.is_not(None)).order_by(Listen.id).limit(1)
        ).one()
        other = session.scalar(
            select(Track.id).where(Track.title == "Song 3").order_by(Track.id.desc()).limit(1)
        )
        review.link(session, listen_id, other, reviewer="test")
    assert _state(history, "alice" if user_id == 1 else "bob")[1] is not None  # type: ignore[index]
    _assert_same(history, monkeypatch)
    with history.session() as session:
        assert review.undo(session) is not None
    _assert_same(history, monkeypatch)
    # Re-matching everything (a library change) goes through the matcher's writes.
    run_to_end(enrich_listens(history, retry=True, worker=False))
    _assert_same(history, monkeypatch)


def test_listens_matched_after_the_rollup_was_built_move_to_their_artists(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.session() as session:
        Library(session).user("alice", "Asia/Kolkata")
        Library(session).user("bob", "UTC")
        user_id = get_user(session, "alice").id  # type: ignore[union-attr]
    run_ingest(db, _records(300, 5), user_id)
    unmatched = _top(db, "alice", "all", "plays", False, monkeypatch)
    assert all(row[3] is None for row in unmatched)  # no catalog yet: raw names only
    with db.session() as session:
        for artist in ARTISTS:
            for n in range(4):
                fx.track(session, artist, f"Song {n}", duration=100.0 + n)
    run_to_end(enrich_listens(db, worker=False))
    _assert_same(db, monkeypatch)
    assert any(row[3] is not None for row in _top(db, "alice", "all", "plays", False, monkeypatch))


def test_a_catalog_length_change_reaches_listens_without_their_own(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _assert_same(history, monkeypatch)
    with history.session() as session:
        track_id = session.scalar(
            select(Listen.track_id)
            .where(Listen.track_id.is_not(None), Listen.duration_secs.is_(None))
            .limit(1)
        )
        session.execute(update(Track).where(Track.id == track_id).values(duration_secs=999.0))
        note_tracks_changed(session, [track_id])  # what the catalog writer does for re-read tracks
    _assert_same(history, monkeypatch)


def test_a_read_only_database_reads_the_listens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from models.bootstrap import init_database
    from models.schemas import SchemaConfig

    path = tmp_path / "ro.db"
    db = open_database(f"sqlite:///{path}", SchemaConfig())
    init_database(db)
    with db.session() as session:
        lib = Library(session)
        lib.user("alice", "UTC")
        lib.track("Song 0", "Radiohead")
        user_id = get_user(session, "alice").id  # type: ignore[union-attr]
    run_ingest(db, _records(50, 3), user_id)
    expected = _top(db, "alice", "2024", "plays", True, monkeypatch)
    with db.session() as session:
        assert not session.scalar(select(ListenStatsState.built))  # nothing built: all of it is dirty
    db.dispose()
    # root ignores file modes; SQLite's read-only open mode refuses writes the way a read-only file does
    readonly = open_database(f"sqlite:///file:{path}?mode=ro&uri=true", SchemaConfig())
    try:
        with readonly.session() as session:
            scope = scope_for(get_user(session, "alice"), "2024")  # type: ignore[arg-type]
            got = _entries(session, scope)
        assert got == expected and got
        with readonly.session() as session:
            assert rollup.ensure_fresh(session, user_id) is False  # it really read the listens
    finally:
        readonly.dispose()


def test_a_refresh_committed_after_this_transaction_began_is_not_trusted(
    history: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stats transaction that began before another one built the rollup must not read the rollup rows
    its snapshot cannot see (MariaDB's FOR UPDATE shows the newest state row, plain reads the snapshot;
    SQLite refuses the late write): it gives the listens' answer either way."""
    expected = _top(history, "alice", "2024", "plays", True, monkeypatch)
    with history.session() as early:
        scope = scope_for(get_user(early, "alice"), "2024")  # type: ignore[arg-type]  # snapshot taken
        assert _top(history, "alice", "2024", "plays", False, monkeypatch) == expected  # built + committed
        got = _entries(early, scope)
    assert got == expected

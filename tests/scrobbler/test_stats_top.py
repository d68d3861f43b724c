"""Top lists against hand-computed answers, on every engine layout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from models.engine import Database
from scrobbler.stats import TopBy, TopKind, scope_for, top
from tests.listening_fixtures import Library, utc


@pytest.fixture
def listened(db: Database) -> Iterator[Database]:
    """alice in 2024: Creep x3 (200 s each), Karma Police x1 (played 100 s), Teardrop x2 (330 s),
    unmatched Radiohead - Nude x1 (reported 255 s, "In Rainbows"), unmatched Portishead - Roads x2
    (no length, one with a listen genre); plus Teardrop once in 2023."""
    with db.session() as session:
        lib = Library(session)
        alice = lib.user("alice", "UTC")
        lib.track("Creep", "Radiohead", duration=200, album="Pablo Honey", genres=("rock",))
        lib.track("Karma Police", "Radiohead", duration=260, album="OK Computer", genres=("rock", "alt"))
        lib.track("Teardrop", "Massive Attack", duration=330, album="Mezzanine", genres=("trip-hop",))
        for day in (1, 2, 3):
            lib.listen(alice, utc(2024, 1, day, 12), "Radiohead", "Creep")
        lib.listen(alice, utc(2024, 2, 1, 12), "Radiohead", "Karma Police", played=100)
        lib.listen(alice, utc(2024, 3, 1, 12), "Massive Attack", "Teardrop")
        lib.listen(alice, utc(2024, 3, 2, 12), "Massive Attack", "Teardrop")
        lib.listen(
            alice,
            utc(2024, 4, 1),
            "Radiohead",
            "Nude",
            matched=False,
            track_duration=255,
            release="In Rainbows",
        )
        lib.listen(alice, utc(2024, 5, 1), "Portishead", "Roads", matched=False, listen_genres=("trip-hop",))
        lib.listen(alice, utc(2024, 5, 2), "Portishead", "Roads", matched=False)
        lib.listen(alice, utc(2023, 6, 1), "Massive Attack", "Teardrop")
    yield db


def _rows(db: Database, kind: TopKind, by: TopBy = TopBy.PLAYS, rng: str = "2024") -> list[tuple]:
    with db.session() as session:
        from scrobbler.users import get_user

        scope = scope_for(get_user(session, "alice"), rng)  # type: ignore[arg-type]
        return [(e.name, e.plays, e.listening_secs) for e in top(session, scope, kind, by)]


def test_top_artists_merge_unmatched_listens_by_name(listened: Database) -> None:
    assert _rows(listened, TopKind.ARTISTS) == [
        ("Radiohead", 5, 955.0),
        ("Massive Attack", 2, 660.0),
        ("Portishead", 2, 0.0),
    ]
    assert _rows(listened, TopKind.ARTISTS, rng="all")[1] == ("Massive Attack", 3, 990.0)


def test_top_artists_by_time(listened: Database) -> None:
    assert [r[0] for r in _rows(listened, TopKind.ARTISTS, TopBy.TIME)] == [
        "Radiohead",
        "Massive Attack",
        "Portishead",
    ]


def test_top_tracks(listened: Database) -> None:
    assert _rows(listened, TopKind.TRACKS) == [
        ("Creep", 3, 600.0),
        ("Teardrop", 2, 660.0),
        ("Roads", 2, 0.0),
        ("Nude", 1, 255.0),
        ("Karma Police", 1, 100.0),
    ]
    assert [r[0] for r in _rows(listened, TopKind.TRACKS, TopBy.TIME)][:2] == ["Teardrop", "Creep"]


def test_top_releases_are_release_groups_plus_raw_release_names(listened: Database) -> None:
    assert _rows(listened, TopKind.RELEASES) == [
        ("Pablo Honey", 3, 600.0),
        ("Mezzanine", 2, 660.0),
        ("In Rainbows", 1, 255.0),
        ("OK Computer", 1, 100.0),
    ]


def test_top_genres_from_listen_genres_then_track_genres(listened: Database) -> None:
    assert _rows(listened, TopKind.GENRES) == [
        ("rock", 4, 700.0),
        ("trip-hop", 3, 660.0),
        ("alt", 1, 100.0),
    ]


def test_top_genres_of_all_time(listened: Database) -> None:
    """All time reads listen_genres first (another query plan): the same rules, the 2023 Teardrop too."""
    assert _rows(listened, TopKind.GENRES, rng="all") == [
        ("trip-hop", 4, 990.0),
        ("rock", 4, 700.0),
        ("alt", 1, 100.0),
    ]


def test_empty_range_gives_empty_lists(listened: Database) -> None:
    for kind in TopKind:
        assert _rows(listened, kind, rng="2020") == []


def test_linked_track_without_release_group_counts_under_its_raw_release(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        lib = Library(session)
        alice = lib.user("alice")
        lib.track("Loose", "Someone")  # in the catalog, but no release group
        lib.listen(alice, utc(2024, 1, 1), "Someone", "Loose", release="Single")
        lib.listen(alice, utc(2024, 1, 2), "Someone", "Other", matched=False, release="single")
        scope = scope_for(alice, "2024")
        entries = top(session, scope, TopKind.RELEASES)
    assert [(e.name, e.artist, e.plays, e.catalog_id) for e in entries] == [("Single", "Someone", 2, None)]


@pytest.mark.parametrize(
    ("bob_between", "february_first"),
    [(1, False), (12, False), (1, True)],
    ids=["ids-dense", "ids-scattered", "ids-not-in-time-order"],
)
def test_top_artists_whatever_the_listen_ids(db: Database, bob_between: int, february_first: bool) -> None:
    """Top artists read by listen id (SQLite, when the range's ids are one compact run) or through the
    (user_id, listened_at) range must agree: another user's listens in between, a listen linked to two
    artists without a track, a matched listen without listen_artists rows, a listen just outside, and a
    mid-February listen stored before January's (so the first and last listens in time do not bound the ids)."""
    from sqlalchemy import delete

    from models.listens import ListenArtist
    from scrobbler.stats.top_artists import id_span as _id_span

    with db.session() as session:
        lib = Library(session)
        alice, bob = lib.user("alice"), lib.user("bob")
        lib.track("Creep", "Radiohead", duration=200)
        horace = lib.artist("Horace Andy")

        def bob_listens(day: int) -> None:
            for n in range(bob_between):
                lib.listen(bob, utc(2024, 6, day, 0, n), "Radiohead", "Creep")

        if february_first:
            lib.listen(alice, utc(2024, 2, 15), "Radiohead", "Creep")
        lib.listen(alice, utc(2023, 12, 31, 23, 59), "Radiohead", "Creep")
        bob_listens(1)
        lib.listen(alice, utc(2024, 1, 1), "Radiohead", "Creep")
        bob_listens(2)
        lib.listen(alice, utc(2024, 1, 2), "Radiohead", "Creep", played=100)
        bob_listens(3)
        angel = lib.listen(
            alice,
            utc(2024, 2, 1),
            "Massive Attack feat. Horace Andy",
            "Angel",
            matched=False,
            track_duration=380,
        )
        session.add_all(
            [
                ListenArtist(listen_id=angel, artist_id=lib.artist("Massive Attack")),
                ListenArtist(listen_id=angel, artist_id=horace),
            ]
        )
        bob_listens(4)
        unlinked = lib.listen(alice, utc(2024, 3, 1), "Radiohead", "Creep")
        session.execute(delete(ListenArtist).where(ListenArtist.listen_id == unlinked))
        bob_listens(5)
        lib.listen(alice, utc(2024, 3, 2), "Portishead", "Roads", matched=False)
        bob_listens(6)
        lib.listen(alice, utc(2025, 1, 1), "Portishead", "Roads", matched=False)
        session.flush()
        scope = scope_for(alice, "2024")
        assert (_id_span(session, scope) is not None) == (db.is_sqlite and bob_between == 1)
        entries = top(session, scope, TopKind.ARTISTS)
    assert [(e.name, e.plays, e.listening_secs, e.catalog_id is not None) for e in entries] == [
        ("Radiohead", 4 if february_first else 3, 700.0 if february_first else 500.0, True),
        ("Horace Andy", 1, 380.0, True),
        ("Massive Attack", 1, 380.0, True),
        ("Portishead", 1, 0.0, False),
    ]

"""Taste profile, compatibility, library stats and rediscoveries against hand-computed answers."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import date

import pytest

from models.engine import Database
from scrobbler.stats import (
    NoAnalysisData,
    compatibility,
    library_stats,
    recommendations,
    scope_for,
    taste_profile,
)
from scrobbler.users import get_user
from tests.listening_fixtures import Library, utc

A_MINOR = {
    "bpm": 100.0,
    "energy": 0.5,
    "danceability": 1.0,
    "loudness_lufs": -10.0,
    "key": "A",
    "scale": "minor",
}
C_MAJOR = {
    "bpm": 80.0,
    "energy": 0.3,
    "danceability": 1.5,
    "loudness_lufs": -14.0,
    "key": "C",
    "scale": "major",
}


@pytest.fixture
def taste_db(db: Database) -> Iterator[tuple[Database, dict[str, int]]]:
    """alice 2024: Creep x3 (A minor, 100 BPM), Teardrop x1 (C major, 80 BPM), Roads x1 (no analysis);
    Creep has a second copy (same audio hash, other features, must not count twice); Glory Box owned and
    never played; Sour Times owned and last played in 2020; one unmatched listen in 2019.
    bob 2024: Creep x1, Teardrop x1."""
    with db.session() as session:
        lib = Library(session)
        alice, bob = lib.user("alice"), lib.user("bob")
        lib.track("Creep", "Radiohead", genres=("rock",))
        lib.track("Teardrop", "Massive Attack", genres=("trip-hop",))
        lib.track("Roads", "Portishead")
        lib.track("Glory Box", "Portishead", album="Dummy")
        lib.track("Sour Times", "Portishead", album="Dummy")
        lib.track("Not Owned", "Nobody")
        lib.media_file("Creep", "/m/creep.flac", size=1000, audio_hash="h1", features=A_MINOR)
        lib.media_file(
            "Creep", "/m/creep.mp3", fmt="mp3", size=400, audio_hash="h1", features={**A_MINOR, "bpm": 200.0}
        )
        lib.media_file(
            "Teardrop", "/m/teardrop.flac", size=2000, duration=330, audio_hash="h2", features=C_MAJOR
        )
        lib.media_file("Roads", "/m/roads.mp3", fmt="mp3", size=500, duration=250)
        lib.media_file("Glory Box", "/m/glory.ogg", fmt="ogg_vorbis", size=10, duration=1, features=C_MAJOR)
        lib.media_file("Sour Times", "/m/sour.ogg", fmt="ogg_vorbis", size=10, duration=1, features=C_MAJOR)
        for day in (1, 2, 3):
            lib.listen(alice, utc(2024, 1, day), "Radiohead", "Creep")
        lib.listen(alice, utc(2024, 1, 4), "Massive Attack", "Teardrop")
        lib.listen(alice, utc(2024, 1, 5), "Portishead", "Roads")
        lib.listen(alice, utc(2020, 1, 1), "Portishead", "Sour Times")
        lib.listen(alice, utc(2019, 1, 1), "Unknown", "Thing", matched=False)
        lib.listen(bob, utc(2024, 2, 1), "Radiohead", "Creep")
        lib.listen(bob, utc(2024, 2, 2), "Massive Attack", "Teardrop")
        ids = dict(lib.tracks)
    yield db, ids


def _scope(session, name: str, rng: str = "2024"):  # type: ignore[no-untyped-def]
    return scope_for(get_user(session, name), rng)  # type: ignore[arg-type]


def test_taste_profile(taste_db: tuple[Database, dict[str, int]]) -> None:
    db, _ = taste_db
    with db.session() as session:
        profile = taste_profile(session, _scope(session, "alice"))
    assert (profile.plays, profile.analysed_plays) == (5, 4)
    assert profile.genres == {"rock": 0.75, "trip-hop": 0.25}
    bpm = profile.features["bpm"]
    assert (bpm.mean, bpm.std, bpm.plays) == (95.0, round(math.sqrt(75), 4), 4)
    assert profile.features["energy"].mean == 0.45
    assert profile.features["loudness_lufs"].mean == -11.0
    assert profile.keys == {"A minor": 3, "C major": 1}
    assert profile.hours[0] == 5 and sum(profile.hours) == 5


def test_compatibility_score_and_reasons(taste_db: tuple[Database, dict[str, int]]) -> None:
    db, _ = taste_db
    with db.session() as session:
        result = compatibility(session, _scope(session, "alice"), _scope(session, "bob"))
    assert result.artist_overlap == 0.7
    assert result.track_overlap == 0.7
    expected_features = math.exp(-(0.25 + 0.05 / 0.15 + 0.125 / 0.3 + 0.25) / 4)
    assert result.feature_similarity == round(expected_features, 4)
    assert result.score == round(100 * (0.45 * 0.7 + 0.25 * 0.7 + 0.30 * expected_features), 1)
    assert result.shared_artists == ["Radiohead", "Massive Attack"]
    assert result.reasons[0].startswith("2 shared artists (70% of plays overlap)")


def test_compatibility_without_analysis_drops_the_feature_part(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        lib = Library(session)
        a, b = lib.user("a"), lib.user("b")
        lib.listen(a, utc(2024, 1, 1), "X", "x", matched=False)
        lib.listen(b, utc(2024, 1, 1), "X", "x", matched=False)
        result = compatibility(session, scope_for(a), scope_for(b))
    assert (result.score, result.feature_similarity) == (100.0, None)
    assert "no audio-feature comparison" in result.reasons[-1]


def test_library_stats(taste_db: tuple[Database, dict[str, int]]) -> None:
    db, _ = taste_db
    with db.session() as session:
        stats = library_stats(session, get_user(session, "alice").id)  # type: ignore[union-attr]
    assert [(f.format, f.files, f.size_bytes, f.duration_secs) for f in stats.formats] == [
        ("flac", 2, 3000, 530.0),
        ("mp3", 2, 900, 450.0),
        ("ogg_vorbis", 2, 20, 2.0),
    ]
    assert (stats.files, stats.size_bytes, stats.analysed_files, stats.analysed_share) == (6, 3920, 5, 0.8333)
    assert (stats.duplicate_groups, stats.duplicate_files, stats.duplicate_bytes) == (1, 1, 400)
    assert (stats.listens, stats.unmatched_listens, stats.unmatched_share) == (7, 1, round(1 / 7, 4))


def test_recommendations_skip_played_seeds_and_unowned(taste_db: tuple[Database, dict[str, int]]) -> None:
    db, ids = taste_db
    calls: list[Sequence[int]] = []

    def similar(seeds: Sequence[int], k: int) -> list[tuple[int, float]]:
        calls.append(seeds)
        ranked = ["Teardrop", "Roads", "Glory Box", "Not Owned", "Sour Times"]
        return [(ids[t], 0.9 - i / 10) for i, t in enumerate(ranked)]

    now = int(utc(2024, 12, 31).timestamp())
    with db.session() as session:
        found = recommendations(session, _scope(session, "alice"), similar, now_epoch=now)
    assert calls == [[ids["Creep"], ids["Teardrop"], ids["Roads"]]]
    assert [(r.kind, r.title, r.last_played_days_ago) for r in found] == [
        ("track", "Glory Box", None),
        ("track", "Sour Times", (date(2024, 12, 31) - date(2020, 1, 1)).days),
        ("album", "Dummy", None),
    ]


def test_recommendations_without_analysis_say_so(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        user = Library(session).user("x")
        with pytest.raises(NoAnalysisData, match="no audio analysis data"):
            recommendations(session, scope_for(user), lambda s, k: [], now_epoch=0)
